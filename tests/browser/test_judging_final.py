"""The final selection in the browser: the Top list, a special award, promotion."""

from datetime import date

from playwright.sync_api import expect

from central.judging import verification
from shared.models import Proposal
from tests.browser.judging_support import log_in, world_for
from tests.central.judging.support import js, proposal, user


def test_final_selection_gives_the_awards(start_server, page) -> None:
    central = start_server("central")
    w = world_for(central)
    names = [
        "Zona Integritas Desa",
        "Aplikasi Bidan Siaga",
        "Mobil Pintar Keliling",
        "Kartu Tani Digital",
    ]
    tenants = [w.tenant(province=str(51 + i)) for i in range(4)]
    finalists = w.to_objection_period(tenants)
    for p, title in zip(finalists, names, strict=True):
        w.run(lambda p=p, title=title: setattr(proposal(p.id), "title", title))
    w.close_objections()
    w.promote("objection")
    w.assign("presentation")
    scores = dict(zip([p.id for p in finalists], (95, 90, 60, 70), strict=True))
    w.score_all("presentation", lambda a: scores[a.proposal_id])
    w.promote("presentation")
    for p in finalists:
        for person in (w.evaluators[0], w.panelists[0]):
            w.run(
                lambda p=p, person=person: verification.save_note(
                    js(w.sid("field_verification")),
                    proposal(p.id),
                    author=user(person.id),
                    visited_on=date(2026, 11, 26),
                    notes="Layanan berjalan sesuai proposal.",
                    findings="",
                    outcome="confirmed",
                )
            )
    w.promote("field_verification")
    w.settings("final", shortlist_size=2, composition_rules=[])
    final = w.sid("final")

    log_in(page, central, w.staff.username)
    page.goto(central.url + f"judging/stages/{final}/shortlist")
    page.get_by_role("button", name="Usulkan Top 2").click()
    expect(page.locator("#shortlist tbody tr")).to_have_count(2)
    page.get_by_role("link", name="Seleksi final").click()
    page.get_by_label("Finalis").select_option(label="Kartu Tani Digital")
    page.get_by_label("Penghargaan").select_option(label="Outstanding Achievement")
    page.get_by_role("button", name="Berikan penghargaan").click()
    expect(page.get_by_text("Penghargaan dicatat.")).to_be_visible()
    rows = page.locator("#winners tbody tr")
    expect(rows).to_have_count(3)
    # published alphabetically, not by rank
    expect(rows.nth(0)).to_contain_text("Aplikasi Bidan Siaga")
    expect(rows.nth(1)).to_contain_text("Kartu Tani Digital")
    expect(rows.nth(1)).to_contain_text("Outstanding Achievement")
    expect(rows.nth(2)).to_contain_text("Zona Integritas Desa")

    page.get_by_role("link", name="Ikhtisar").click()
    page.get_by_label("Saya mengonfirmasi penetapan tahap ini.").check()
    page.get_by_role("button", name="Tetapkan tahap").click()
    expect(page.get_by_text("Tahap ditetapkan dan dibekukan.")).to_be_visible()
    awards = {w.f.get(Proposal, p.id).title: w.f.get(Proposal, p.id).award for p in finalists}
    assert awards == {
        "Zona Integritas Desa": "top",
        "Aplikasi Bidan Siaga": "top",
        "Kartu Tani Digital": "outstanding_achievement",
        "Mobil Pintar Keliling": None,
    }
