"""Desk evaluation in the browser: automatic assignment, blind scoring, consolidation."""

import re
from datetime import timedelta

from playwright.sync_api import expect

from shared.db import utcnow
from tests.browser.judging_support import log_in, world_for


def test_assignment_blind_scoring_and_consolidation(start_server, page) -> None:
    central = start_server("central")
    w = world_for(central)
    jepara = w.tenant(province="33", name="Kabupaten Jepara Uji")
    bali = w.tenant(province="51", name="Kabupaten Badung Uji")
    target = w.proposals(
        jepara,
        1,
        title="Antrean Daring Puskesmas",
        sections={"ringkasan": "Warga mengambil nomor antrean dari rumah."},
    )[0]
    w.proposals(bali, 3)
    judges = w.judges("desk_evaluation", 3)
    desk = w.sid("desk_evaluation")
    w.starts("desk_evaluation", utcnow() - timedelta(days=1))  # taken in once it has started

    # the secretariat takes the screened proposals in and assigns judges
    log_in(page, central, w.staff.username)
    page.get_by_role("link", name="Penjurian").first.click()
    page.get_by_role("link", name="Evaluasi Proposal (Tim Evaluasi)").click()
    page.get_by_role("link", name="Peserta").click()
    page.get_by_role("button", name="Ambil proposal yang lolos seleksi administrasi").click()
    expect(page.get_by_text("4 proposal masuk ke tahap ini.")).to_be_visible()
    page.get_by_role("link", name="Penugasan").click()
    page.get_by_role("button", name="Tugaskan otomatis (3 penilai per proposal)").click()
    expect(page.get_by_text("12 penugasan dibuat.")).to_be_visible()
    loads = page.locator("#loads tbody tr")
    expect(loads).to_have_count(3)
    for i in range(3):
        expect(loads.nth(i).locator("td").nth(1)).to_have_text("4")

    # two judges disagree strongly on the target
    a, b, c = w.assignments("desk_evaluation", proposal_id=target.id)
    w.score("desk_evaluation", b.id, 40)
    w.score("desk_evaluation", c.id, 95)
    scorer = next(j for j in judges if j.id == a.judge_id)

    # blind scoring: the agency is hidden, the others' scores only after one's own
    log_in(page, central, scorer.username)
    page.get_by_role("link", name="Penilaian saya").click()
    page.get_by_role("link", name="Antrean Daring Puskesmas").click()
    expect(page.get_by_text("Penilaian tertutup: instansi dan unit disembunyikan.")).to_be_visible()
    expect(page.get_by_text("Kabupaten Jepara Uji")).to_have_count(0)
    expect(page.get_by_text("Warga mengambil nomor antrean dari rumah.")).to_be_visible()
    expect(
        page.get_by_text("Nilai penilai lain terlihat setelah Anda mengirim nilai Anda.")
    ).to_be_visible()
    page.get_by_label("Nilai untuk Kebaruan").fill("80")
    page.get_by_label("Alasan untuk Kebaruan").fill("Pertama di kabupaten ini.")
    page.get_by_role("button", name="Simpan draf").click()
    expect(page.get_by_text("Draf disimpan.")).to_be_visible()
    expect(page.get_by_label("Nilai untuk Kebaruan")).to_have_value("80.0")
    for name in ("Efektivitas", "Kemanfaatan", "Dapat Direplikasi", "Keberlanjutan"):
        page.get_by_label(f"Nilai untuk {name}").fill("70")
        page.get_by_label(f"Alasan untuk {name}").fill("Didukung data layanan.")
    page.get_by_role("button", name="Kirim nilai").click()
    expect(page.get_by_text("Nilai Anda telah dikirim.")).to_be_visible()
    expect(page.locator("#own-total")).to_have_text("72.00")
    others = page.locator("#others")
    expect(others.get_by_text("40.00")).to_be_visible()
    expect(others.get_by_text("95.00")).to_be_visible()

    # consolidation: the disagreement is flagged, discussed and sent back for a re-score
    log_in(page, central, w.staff.username)
    page.goto(central.url + f"judging/stages/{desk}/consolidation")
    row = page.locator("#consolidation tr.flagged")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Antrean Daring Puskesmas")
    expect(row).to_contain_text("perbedaan nilai")
    expect(row.locator("td").nth(4)).to_have_text("55.0")
    row.get_by_role("link", name="Antrean Daring Puskesmas").click()
    page.get_by_label("Pesan Anda").fill(
        "Selisih 55 poin pada efektivitas; mohon dibahas di pleno."
    )
    page.get_by_role("button", name="Kirim", exact=True).click()
    expect(page.get_by_text("Pesan dikirim.")).to_be_visible()
    expect(page.get_by_text("Selisih 55 poin pada efektivitas")).to_be_visible()
    low = next(j for j in judges if j.id == b.judge_id)
    page.get_by_label(f"Catatan penilaian ulang untuk {low.full_name}").fill(
        "Data efektivitas ada di lampiran 2."
    )
    page.get_by_role("row").filter(has_text=low.full_name).get_by_role(
        "button", name="Minta penilaian ulang"
    ).click()
    expect(page.get_by_text("Penilai diminta menilai ulang.")).to_be_visible()

    log_in(page, central, low.username)
    page.get_by_role("link", name="Penilaian saya").click()
    expect(page.get_by_text("diminta menilai ulang")).to_be_visible()
    expect(page.get_by_text("Data efektivitas ada di lampiran 2.")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/judging/queue"))
