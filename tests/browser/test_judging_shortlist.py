"""The independent panel's shortlist in the browser: a binding 3T rule, a swap, promotion."""

from datetime import timedelta

from playwright.sync_api import expect

from shared.db import utcnow
from shared.models import Proposal, Role
from tests.browser.judging_support import log_in, world_for


def test_shortlist_with_a_binding_composition_rule(start_server, page) -> None:
    central = start_server("central")
    w = world_for(central)
    plain = w.tenant(province="33", name="Kota Semarang Uji")
    remote = w.tenant(province="91", name="Kabupaten Asmat Uji", is_3t=True)
    strong = [w.proposals(plain, 1, title=f"Inovasi Kota {n}")[0] for n in ("A", "B", "C", "D")]
    (far,) = w.proposals(remote, 1, title="Sekolah Terapung Asmat")
    w.settings("desk_evaluation", passing_grade=None)
    w.judges("desk_evaluation", 3)
    panelists = w.judges("panel_nomination", 3, role=Role.PANELIST)
    w.open()
    w.assign()
    w.score_all("desk_evaluation", lambda a: 80)
    w.promote("desk_evaluation")
    w.assign("panel_nomination")
    order = {p.id: 90 - i * 3 for i, p in enumerate(strong)}
    order[far.id] = 60  # ranked last
    w.score_all("panel_nomination", lambda a: order[a.proposal_id])
    panel = w.sid("panel_nomination")
    w.starts("top99", utcnow() - timedelta(days=1))  # promoted into once it has started

    # the secretariat sets the Top 3 with at least one 3T region, through the settings page
    log_in(page, central, w.staff.username)
    page.goto(central.url + f"judging/stages/{panel}/settings")
    page.get_by_label("Ukuran daftar pendek (kosong: tanpa daftar)").fill("3")
    rule = page.locator("table tbody tr").first
    rule.get_by_label("Dimensi").select_option("is_3t")
    rule.get_by_label("Nilai").fill("yes")
    rule.get_by_label("Minimum").fill("1")
    page.get_by_role("button", name="Simpan").click()
    expect(page.get_by_text("Pengaturan disimpan.")).to_be_visible()
    page.get_by_role("link", name="Daftar pendek").click()
    page.get_by_role("button", name="Usulkan Top 3").click()
    expect(page.get_by_text("Daftar pendek telah diusulkan.")).to_be_visible()
    rules = page.locator("#rules tbody tr")
    expect(rules).to_have_count(1)
    expect(rules.first).to_contain_text("Daerah 3T: sedikitnya 1")
    expect(rules.first).to_contain_text("mengikat")
    listed = page.locator("#shortlist tbody tr")
    expect(listed).to_have_count(3)
    expect(listed.nth(2)).to_contain_text("Sekolah Terapung Asmat")
    expect(listed.nth(2)).to_contain_text("aturan: Daerah 3T: sedikitnya 1")
    expect(page.locator("#shortlist")).not_to_contain_text("Inovasi Kota C")

    # a panelist swaps: taking the 3T entry out breaks the rule, another swap is fine
    log_in(page, central, panelists[0].username)
    page.goto(central.url + f"judging/stages/{panel}/shortlist")
    page.get_by_label("Keluarkan").select_option(label="5. Sekolah Terapung Asmat")
    page.get_by_label("Masukkan").select_option(label="3. Inovasi Kota C")
    page.get_by_label("Alasan pertukaran").fill("Panel menilai ulang.")
    page.get_by_role("button", name="Tukar").click()
    expect(
        page.get_by_text("Pertukaran ini melanggar aturan: Daerah 3T: sedikitnya 1")
    ).to_be_visible()
    page.get_by_label("Keluarkan").select_option(label="2. Inovasi Kota B")
    page.get_by_label("Masukkan").select_option(label="3. Inovasi Kota C")
    page.get_by_label("Alasan pertukaran").fill("Dampak lebih luas menurut panel.")
    page.get_by_role("button", name="Tukar").click()
    expect(page.get_by_text("Entri telah ditukar.")).to_be_visible()
    expect(page.locator("#shortlist")).to_contain_text("Inovasi Kota C")
    expect(page.locator("#shortlist")).to_contain_text("dimasukkan oleh panel")

    # the secretariat promotes: the list becomes the Top 99 stage
    log_in(page, central, w.staff.username)
    page.goto(central.url + f"judging/stages/{panel}")
    expect(page.get_by_text("Terpilih: 3 · tidak terpilih: 2")).to_be_visible()
    page.get_by_label("Saya mengonfirmasi penetapan tahap ini.").check()
    page.get_by_role("button", name="Tetapkan tahap").click()
    expect(page.get_by_text("Tahap ditetapkan dan dibekukan.")).to_be_visible()
    codes = {p.title: w.f.get(Proposal, p.id).stage_code for p in [*strong, far]}
    assert codes == {
        "Inovasi Kota A": "top99",
        "Inovasi Kota B": "panel_nomination",
        "Inovasi Kota C": "top99",
        "Inovasi Kota D": "panel_nomination",
        "Sekolah Terapung Asmat": "top99",
    }
