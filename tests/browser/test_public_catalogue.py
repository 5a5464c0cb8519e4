"""Browser: search the public catalogue, open an innovation, follow its replication links, and
see the status its owner keeps current."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from shared.models import Role
from tests import announce_factories as af
from tests.browser.announce_seed import factory_for, log_in


def test_search_detail_replication_and_status(start_server, page) -> None:
    central = start_server("central")
    f = factory_for(central)
    jepara = f.tenant(code="33.20", name="Kabupaten Jepara")
    semarang = f.tenant(code="33.74", name="Kota Semarang", kind="kota")
    original = af.proposal(
        f,
        jepara,
        title="Posyandu Remaja Mandiri",
        stage_code="final",
        award="top",
        sections={**af.SECTIONS, "signifikansi": "Remaja tidak datang ke posyandu balita."},
    )
    af.proposal(
        f,
        semarang,
        title="Posyandu Remaja Kota",
        group_code="replikasi",
        replicates_uuid=original.uuid,
        replicates_title="Posyandu Remaja Mandiri",
    )
    af.proposal(f, semarang, title="Taman Baca Kampung")
    admin = f.user(Role.LOCAL_ADMIN, tenant=jepara)
    af.set_publish(f, top99=af.past(), final=af.past())
    central.cli("prepare-announcement")

    page.goto(central.url + "catalogue")
    page.get_by_label("Cari", exact=True).fill("posyandu remaja")
    page.get_by_role("button", name="Cari").click()
    expect(page.get_by_role("status")).to_have_text("2 inovasi ditemukan.")
    results = page.locator("ol.catalogue h2")
    expect(results).to_have_count(2)
    expect(page.get_by_text("Taman Baca Kampung")).to_have_count(0)

    page.get_by_label("Penghargaan").select_option("top")
    page.get_by_role("button", name="Cari").click()
    expect(results).to_have_text(["Posyandu Remaja Mandiri"])
    results.get_by_role("link", name="Posyandu Remaja Mandiri").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Posyandu Remaja Mandiri")
    expect(page.get_by_text("Remaja tidak datang ke posyandu balita.")).to_be_visible()
    replicated = page.locator("section", has=page.get_by_role("heading", name="Direplikasi oleh"))
    replicated.get_by_role("link", name="Posyandu Remaja Kota").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Posyandu Remaja Kota")
    page.locator("p.replication").get_by_role("link", name="Posyandu Remaja Mandiri").click()
    expect(page).to_have_url(re.compile(original.uuid))

    # the owner reports that the innovation has stopped
    log_in(page, central, admin.username)
    page.get_by_role("link", name="Katalog kami").click()
    page.get_by_role("link", name="Perbarui").click()
    page.get_by_label("Berhenti").check()
    page.get_by_label("Catatan status").fill("Dilebur ke layanan puskesmas sejak 2026.")
    page.get_by_role("button", name="Simpan").click()
    expect(page.get_by_text("Entri katalog disimpan.")).to_be_visible()
    page.goto(central.url + f"catalogue/{original.uuid}")
    expect(page.locator("article.entry")).to_contain_text("Berhenti")
    expect(page.locator("article.entry")).to_contain_text("Dilebur ke layanan puskesmas")
