"""Browser: the secretariat nominates a winner to the UNPSA, writes the English texts, sees the
eligibility checklist turn green and exports the dossier (PDF plus attachments) as a zip."""

from __future__ import annotations

import json
import re
import zipfile
from datetime import date

from playwright.sync_api import expect

from shared.models import Role
from tests import announce_factories as af
from tests.browser.announce_seed import factory_for, log_in
from tests.pdf_text import pdf_text

CYCLE = {"year": 2028, "submission_deadline": "2027-11-30"}


def test_nominate_fill_check_and_export(start_server, page, tmp_path) -> None:
    central = start_server("central", env={"SINOVIK_UNPSA_CYCLE": json.dumps(CYCLE)})
    f = factory_for(central)
    jepara = f.tenant(code="33.20", name="Kabupaten Jepara")
    winner = af.proposal(
        f,
        jepara,
        title="Sistem Rujukan Ibu Hamil",
        stage_code="final",
        award="top",
        implementation_start=date(2024, 3, 1),
    )
    decree = b"%PDF-1.4 keputusan bupati tentang tim inovasi"
    f.attachment(winner, data=decree, filename="SK Tim Inovasi.pdf")
    af.set_publish(f, top99=af.past(), final=af.past())
    secretariat = f.user(Role.SECRETARIAT)

    log_in(page, central, secretariat.username)
    page.get_by_role("link", name="UNPSA").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("UN Public Service Awards 2028")
    page.get_by_role("button", name="Nominasikan: Sistem Rujukan Ibu Hamil").click()
    expect(page.get_by_text("Dinominasikan.")).to_be_visible()
    checklist = page.locator("ul.checklist")
    expect(checklist.locator("li.ok")).to_have_count(2)  # implementation age and the SDG

    page.get_by_label("Judul (bahasa Inggris)").fill("Referral System for Pregnant Women")
    page.get_by_label("Ringkasan (bahasa Inggris)").fill("Midwives refer high-risk mothers by SMS.")
    page.get_by_label("Masalah yang diatasi (bahasa Inggris)").fill("Maternal deaths on the way.")
    page.get_by_label("Solusi (bahasa Inggris)").fill("A referral hotline and a shared register.")
    page.get_by_label("Dampak (bahasa Inggris)").fill("No maternal death in 2025.")
    page.get_by_label("Kategori UNPSA").select_option("gender_responsive")
    page.get_by_label("5. Gender Equality").check()
    page.get_by_role("button", name="Simpan").click()
    expect(page.get_by_text("Nominasi disimpan.")).to_be_visible()
    expect(checklist.locator("li.bad")).to_have_count(0)

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Ekspor berkas (zip)").click()
    path = tmp_path / download_info.value.suggested_filename
    download_info.value.save_as(path)
    assert re.fullmatch(r"unpsa-2028-33\.20-[0-9a-f]{8}\.zip", path.name)
    with zipfile.ZipFile(path) as zf:
        names = zf.namelist()
        pdf = next(n for n in names if n.endswith("dossier.pdf"))
        attachment = next(n for n in names if "/attachments/" in n)
        assert zf.read(attachment) == decree
        text = pdf_text(zf.read(pdf))
    assert "Referral System for Pregnant Women" in text
    assert "Promoting gender-responsive public services" in text and "Gender Equality" in text

    page.get_by_role("link", name="UNPSA").click()
    expect(page.get_by_role("row", name=re.compile("Referral System"))).to_contain_text("8/8")
