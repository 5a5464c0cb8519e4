"""Sync in a real browser against two real servers: the secretariat issues node credentials on
central's tenant page, the node is connected with `sinovik regional connect` (secret on stdin),
the Admin Lokal submits a proposal, presses "Sync now" and sees it received by central, and
the tenant page on central shows the node's last push."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from shared.cli_support import make_app
from shared.db import db, utcnow
from shared.models import Competition, ProposalStatus, Role
from shared.tenancy import national_scope
from tests.factories import Factory
from tests.proposal_support import complete_proposal

pytestmark = pytest.mark.slow  # two servers and a browser

PASSWORD = "Rahasia12345"  # the factory's
TITLE = "Jemput Bola Layanan Kesehatan Lansia"


def _open_window(instance: Path) -> None:
    app = make_app("regional" if "node" in instance.name else "central", instance)
    with app.app_context(), national_scope():
        now = utcnow()
        db.session.execute(
            sa.update(Competition).values(
                registration_opens_at=now - timedelta(days=60),
                registration_closes_at=now + timedelta(days=20),
            )
        )
        db.session.commit()
        db.engine.dispose()


def _seed_node(instance: Path) -> str:
    """An Admin Lokal, a unit and a verified proposal on the node; the admin's username."""
    app = make_app("regional", instance)
    factory = Factory(app)

    tenant = factory.tenant_by_code("33.20")
    unit = factory.unit(tenant, name="Dinas Kesehatan")
    admin = factory.user(Role.LOCAL_ADMIN, tenant, username="admin.jepara")
    complete_proposal(factory, tenant, unit, status=ProposalStatus.VERIFIED, title=TITLE)
    with app.app_context():
        db.engine.dispose()
    return admin.username


def _login(page, url: str, username: str) -> None:
    page.goto(url + "login")
    page.get_by_label("Nama pengguna").fill(username)
    page.get_by_label("Kata sandi").fill(PASSWORD)
    page.get_by_role("button", name="Masuk").click()


def test_node_issued_on_central_syncs_a_submitted_proposal(start_server, browser) -> None:
    central = start_server("central")
    central.cli(
        "add-tenant", "--code", "33.20", "--name", "Kabupaten Jepara", "--kind", "kabupaten"
    )
    _open_window(central.instance)
    staff_app = make_app("central", central.instance)
    Factory(staff_app).user(Role.SECRETARIAT, username="sekretariat")
    node = start_server(
        "regional", "--tenant", "33.20", "--tenant-name", "Kabupaten Jepara", name="node"
    )
    _open_window(node.instance)
    admin_name = _seed_node(node.instance)

    # the secretariat issues credentials for the tenant's node: the secret is shown once
    staff = browser.new_context(locale="id-ID").new_page()
    _login(staff, central.url, "sekretariat")
    staff.get_by_role("navigation").get_by_role("link", name="Instansi").click()
    staff.get_by_role("link", name="Kabupaten Jepara").click()
    expect(staff.locator("#nodes")).to_contain_text("Belum ada node daerah")
    staff.get_by_label("Label node baru").fill("Server Diskominfo Jepara")
    staff.get_by_role("button", name="Terbitkan kredensial node").click()
    expect(staff.get_by_role("heading", name="Kredensial node diterbitkan")).to_be_visible()
    node_id = staff.locator("#node-id").inner_text()
    secret = staff.locator("#node-secret").inner_text()
    central_url = staff.locator("#central-url").inner_text()
    command = staff.locator("#connect-command").inner_text()
    assert f"--central-url {central_url} --node-id {node_id}" in command
    staff.get_by_role("link", name="Selesai").click()
    expect(staff.locator(f'[data-node="{node_id}"]')).to_contain_text("Server Diskominfo Jepara")
    expect(staff.locator("#nodes")).not_to_contain_text(secret)

    # on the node's server: connect with the secret on stdin
    out = node.cli("connect", "--central-url", central_url, "--node-id", node_id, input=secret)
    assert "connected" in out

    # the Admin Lokal submits the proposal and syncs it by hand
    admin = browser.new_context(locale="id-ID").new_page()
    _login(admin, node.url, admin_name)
    admin.get_by_role("navigation").get_by_role("link", name="Proposal").click()
    admin.get_by_role("link", name=TITLE).click()
    admin.get_by_role("button", name="Ajukan ke kementerian").click()
    expect(admin.locator("#sync-state")).to_contain_text("Menunggu dikirim")
    admin.get_by_role("navigation").get_by_role("link", name="Sinkronisasi").click()
    expect(admin.locator("#outbox-pending")).to_contain_text("1")
    admin.get_by_role("button", name="Sinkronkan sekarang").click()
    expect(admin.locator(".flash").first).to_contain_text(
        "Sinkronisasi selesai: 1 diterima pusat (0 di antaranya sudah ada)"
    )
    expect(admin.locator("#outbox-acked")).to_contain_text("1")
    expect(admin.locator("#outbox-pending")).to_contain_text("0")
    expect(admin.locator("#last-success")).to_have_text(re.compile(r"\d\d-\d\d-\d{4}"))
    admin.get_by_role("navigation").get_by_role("link", name="Proposal").click()
    expect(admin.locator("td.sync-state")).to_contain_text("Diterima server pusat")

    # central's tenant page shows when the node last pushed
    staff.reload()
    row = staff.locator(f'[data-node="{node_id}"]')
    expect(row.locator(".last-push")).to_have_text(re.compile(r"\d\d-\d\d-\d{4}"))
    with staff_app.app_context():
        db.engine.dispose()
