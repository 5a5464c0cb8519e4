"""The secretariat's nodes panel on a tenant page: issue, rotate and revoke node credentials,
the secret shown once on a page nobody caches, and who may do it."""

from __future__ import annotations

import re

import sqlalchemy as sa

from shared.db import db, utcnow
from shared.models import AuditLog, Role
from sync.models import SyncNode
from sync.protocol import derive_key


def _issued(html: str) -> tuple[str, str]:
    node_id = re.search(r'id="node-id">([^<]+)<', html)
    secret = re.search(r'id="node-secret">([^<]+)<', html)
    assert node_id and secret, html[:2000]
    return node_id.group(1), secret.group(1)


def test_secretariat_issues_a_node_and_sees_the_secret_only_once(
    client, login_as, factory, tenant, in_app, app
) -> None:
    login_as(Role.SECRETARIAT)
    response = client.post(f"/tenants/{tenant.code}/nodes", data={"label": "Server Diskominfo"})
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    html = response.get_data(as_text=True)
    node_id, secret = _issued(html)
    assert "sinovik regional connect --instance DIR --central-url http://localhost" in html
    assert f"--node-id {node_id}" in html and secret not in html.split("connect-command")[1]

    page = client.get(f"/tenants/{tenant.code}").get_data(as_text=True)
    assert node_id in page and "Server Diskominfo" in page
    assert secret not in page
    with in_app(app):
        node = db.session.get(SyncNode, node_id)
        assert node.key == derive_key(secret) and node.key != secret
        logged = db.session.execute(
            sa.select(AuditLog).where(AuditLog.action == "sync.node_issued")
        ).scalar_one()
        assert logged.tenant_id == tenant.id and secret not in str(logged.after)


def _once_tokens(client, tenant) -> list[str]:
    page = client.get(f"/tenants/{tenant.code}").get_data(as_text=True)
    return re.findall(r'name="once" value="([0-9a-f]+)"', page)


def test_reloading_the_secret_page_neither_issues_nor_rotates_again(
    client, login_as, tenant, in_app, app
) -> None:
    login_as(Role.SECRETARIAT)
    (issue_once,) = _once_tokens(client, tenant)
    form = {"label": "Server", "once": issue_once}
    node_id, secret = _issued(
        client.post(f"/tenants/{tenant.code}/nodes", data=form).get_data(as_text=True)
    )
    reload = client.post(f"/tenants/{tenant.code}/nodes", data=form, follow_redirects=True)
    assert "sudah dibuat dan ditampilkan sekali" in reload.get_data(as_text=True)
    with in_app(app):
        assert db.session.execute(sa.select(sa.func.count()).select_from(SyncNode)).scalar() == 1

    rotate_once, issue_again = _once_tokens(client, tenant)  # fresh tokens on a fresh page
    url = f"/tenants/{tenant.code}/nodes/{node_id}/rotate"
    form = {"once": rotate_once, "confirm": "yes"}
    _, rotated = _issued(client.post(url, data=form).get_data(as_text=True))
    assert client.post(url, data=form).status_code == 302  # the reload
    with in_app(app):
        assert db.session.get(SyncNode, node_id).key == derive_key(rotated)  # still the shown one
    assert issue_again != issue_once


def test_rotating_shows_a_new_secret_and_revoking_marks_the_node(
    client, login_as, tenant, in_app, app
) -> None:
    login_as(Role.MINISTRY_ADMIN)
    node_id, first = _issued(client.post(f"/tenants/{tenant.code}/nodes").get_data(as_text=True))
    confirmed = {"confirm": "yes"}
    response = client.post(f"/tenants/{tenant.code}/nodes/{node_id}/rotate", data=confirmed)
    assert response.headers["Cache-Control"] == "no-store"
    same_id, second = _issued(response.get_data(as_text=True))
    assert same_id == node_id and second != first
    with in_app(app):
        assert db.session.get(SyncNode, node_id).key == derive_key(second)

    response = client.post(f"/tenants/{tenant.code}/nodes/{node_id}/revoke", data=confirmed)
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "telah dicabut" in page and "Dicabut" in page
    # a revoked node gets no new secret
    response = client.post(f"/tenants/{tenant.code}/nodes/{node_id}/rotate", data=confirmed)
    assert response.status_code == 302
    assert second not in client.get(response.headers["Location"]).get_data(as_text=True)
    with in_app(app):
        node = db.session.get(SyncNode, node_id)
        assert node.revoked_at is not None and node.key == derive_key(second)
        actions = set(db.session.execute(sa.select(AuditLog.action)).scalars())
        assert {"sync.node_issued", "sync.node_rotated", "sync.node_revoked"} <= actions


def test_tenant_accounts_may_not_manage_nodes(client, login_as, factory, tenant) -> None:
    login_as(Role.SECRETARIAT)
    node_id, _ = _issued(client.post(f"/tenants/{tenant.code}/nodes").get_data(as_text=True))
    unit = factory.unit(tenant)
    for role in (Role.LOCAL_ADMIN, Role.OPERATOR):
        login_as(role, tenant=tenant, unit=unit if role == Role.OPERATOR else None)
        assert client.get(f"/tenants/{tenant.code}").status_code == 403
        assert client.post(f"/tenants/{tenant.code}/nodes").status_code == 403
        for action in ("rotate", "revoke"):
            url = f"/tenants/{tenant.code}/nodes/{node_id}/{action}"
            assert client.post(url, data={"confirm": "yes"}).status_code == 403


def test_a_node_is_managed_only_under_its_own_tenant(
    client, login_as, tenant, other_tenant, in_app, app
) -> None:
    login_as(Role.SECRETARIAT)
    node_id, _ = _issued(client.post(f"/tenants/{tenant.code}/nodes").get_data(as_text=True))
    for action in ("rotate", "revoke"):
        url = f"/tenants/{other_tenant.code}/nodes/{node_id}/{action}"
        assert client.post(url, data={"confirm": "yes"}).status_code == 404
    missing = f"/tenants/{tenant.code}/nodes/nnope-0000/revoke"
    assert client.post(missing, data={"confirm": "yes"}).status_code == 404
    assert node_id not in client.get(f"/tenants/{other_tenant.code}").get_data(as_text=True)
    with in_app(app):
        assert db.session.get(SyncNode, node_id).revoked_at is None


def test_tenant_list_shows_when_a_node_last_synced(
    client, login_as, tenant, other_tenant, in_app, app
) -> None:
    login_as(Role.SECRETARIAT)
    node_id, _ = _issued(client.post(f"/tenants/{tenant.code}/nodes").get_data(as_text=True))
    with in_app(app):
        db.session.get(SyncNode, node_id).last_seen_at = utcnow()
        db.session.commit()
    page = client.get("/tenants/").get_data(as_text=True)
    rows = {
        code: row
        for code in (tenant.code, other_tenant.code)
        for row in re.findall(r"<tr[^>]*>(.*?)</tr>", page, re.S)
        if f"<td>{code}</td>" in row
    }
    assert "WIB" in rows[tenant.code] and "WIB" not in rows[other_tenant.code]


def test_a_node_serving_several_tenants_says_so(
    client, login_as, factory, tenant, other_tenant, in_app, app
) -> None:
    from shared.models import Tenant
    from sync import credentials

    node_id = factory.run(
        lambda: (
            credentials.issue(
                [db.session.get(Tenant, tenant.id), db.session.get(Tenant, other_tenant.id)],
                actor=None,
            ).node.id
        )
    )
    login_as(Role.SECRETARIAT)
    page = client.get(f"/tenants/{tenant.code}").get_data(as_text=True)
    assert node_id in page and "Juga melayani: Kota Semarang" in page
    page = client.get(f"/tenants/{other_tenant.code}").get_data(as_text=True)
    assert node_id in page and "Juga melayani: Kabupaten Jepara" in page


def test_revoking_and_rotating_need_the_confirmation_ticked(
    client, login_as, tenant, in_app, app
) -> None:
    login_as(Role.SECRETARIAT)
    node_id, secret = _issued(client.post(f"/tenants/{tenant.code}/nodes").get_data(as_text=True))
    base = f"/tenants/{tenant.code}/nodes/{node_id}"
    # the panel asks for the confirmation on both forms
    page = client.get(f"/tenants/{tenant.code}").get_data(as_text=True)
    assert page.count('name="confirm" value="yes"') == 2
    # one click without it changes nothing and says why
    for action in ("revoke", "rotate"):
        response = client.post(f"{base}/{action}", follow_redirects=True)
        assert 'class="flash error"' in response.get_data(as_text=True)
        assert secret not in response.get_data(as_text=True)
    with in_app(app):
        node = db.session.get(SyncNode, node_id)
        assert node.revoked_at is None and node.key == derive_key(secret)
    # ticked, they act
    response = client.post(f"{base}/rotate", data={"confirm": "yes"})
    _, rotated = _issued(response.get_data(as_text=True))
    assert client.post(f"{base}/revoke", data={"confirm": "yes"}).status_code == 302
    with in_app(app):
        node = db.session.get(SyncNode, node_id)
        assert node.revoked_at is not None and node.key == derive_key(rotated)


def test_a_node_label_longer_than_the_column_is_refused_in_the_cli(tmp_path) -> None:
    from click.testing import CliRunner

    from shared.cli import main
    from shared.cli_support import make_app
    from tests.factories import Factory

    cli = CliRunner()
    instance = tmp_path / "central"
    assert cli.invoke(main, ["central", "init", "--instance", str(instance)]).exit_code == 0
    factory = Factory(make_app("central", instance))
    factory.tenant(code="33.20", name="Kabupaten Jepara")
    args = ["central", "issue-node-credentials", "--instance", str(instance), "--tenant", "33.20"]
    refused = cli.invoke(main, [*args, "--label", "x" * 201])
    assert refused.exit_code != 0 and "200" in refused.output and "secret" not in refused.output
    with factory.app.app_context():
        assert db.session.execute(sa.select(sa.func.count()).select_from(SyncNode)).scalar() == 0
    ok = cli.invoke(main, [*args, "--label", "x" * 200])
    assert ok.exit_code == 0, ok.output
