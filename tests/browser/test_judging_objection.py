"""The public objection period in the browser: a visitor objects, the secretariat upholds."""

import re

from playwright.sync_api import expect

from shared.models import Proposal
from tests.browser.judging_support import log_in, world_for


def test_objection_upheld_removes_the_finalist(start_server, page) -> None:
    central = start_server("central")
    w = world_for(central)
    finalists = w.to_objection_period(
        [
            w.tenant(province="51", name="Kabupaten Badung Uji"),
            w.tenant(province="52", name="Kota Mataram Uji"),
        ]
    )
    target = finalists[0]
    title = w.f.get(Proposal, target.id).title

    # a visitor without an account objects
    page.goto(central.url + "sanggah/")
    expect(page.get_by_role("heading", name="Masa sanggah publik")).to_be_visible()
    row = page.locator("#finalists tr").filter(has_text=title)
    row.get_by_role("link", name="Sanggah").click()
    page.get_by_label("Surel Anda").fill("warga@example.org")
    page.get_by_label("Alasan sanggahan").fill(
        "Layanan ini sudah berhenti sejak Januari; loketnya tutup."
    )
    page.get_by_role("button", name="Kirim sanggahan").click()
    notice = page.get_by_text(re.compile(r"Sanggahan Anda diterima dengan nomor referensi SGH-"))
    expect(notice).to_be_visible()
    reference = re.search(r"SGH-[0-9A-F]{8}", notice.inner_text()).group(0)

    # the secretariat upholds it, with the reason
    log_in(page, central, w.staff.username)
    page.goto(central.url + f"judging/stages/{w.sid('objection')}/objections")
    card = page.locator(".objection").filter(has_text=reference)
    expect(card).to_contain_text("Layanan ini sudah berhenti sejak Januari")
    card.get_by_label("Alasan keputusan").fill(
        "Kunjungan sekretariat membenarkan layanan berhenti."
    )
    card.get_by_role("button", name="Terima: keluarkan finalis").click()
    expect(page.get_by_text("Sanggahan diterima: finalis dikeluarkan.")).to_be_visible()
    expect(page.locator(".objection").filter(has_text=reference)).to_contain_text("Diterima")
    page.get_by_role("link", name="Peserta").click()
    removed = page.locator("tr").filter(has_text=title)
    expect(removed).to_contain_text("dikeluarkan")
    expect(removed).to_contain_text(
        f"Sanggahan {reference} diterima: Kunjungan sekretariat membenarkan layanan berhenti."
    )

    # the public list no longer shows it; the proposal is no longer a finalist
    page.context.clear_cookies()
    page.goto(central.url + "sanggah/")
    expect(page.locator("#finalists")).not_to_contain_text(title)
    assert w.f.get(Proposal, target.id).stage_code == "panel_nomination"
