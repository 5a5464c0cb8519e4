"""Browser: a tenant downloads its certificate, and anyone checks its code on the public site."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from shared.models import Role
from tests import announce_factories as af
from tests.browser.announce_seed import factory_for, log_in
from tests.pdf_text import pdf_text


def test_certificate_download_and_public_verification(start_server, page, tmp_path) -> None:
    central = start_server("central")
    f = factory_for(central)
    jepara = f.tenant(code="33.20", name="Kabupaten Jepara")
    admin = f.user(Role.LOCAL_ADMIN, tenant=jepara)
    af.proposal(f, jepara, title="Gerai Perizinan Keliling", stage_code="final", award="top")
    af.set_publish(f, top99=af.past(), final=af.past())
    central.cli("prepare-announcement")

    log_in(page, central, admin.username)
    page.get_by_role("link", name="Hasil kami").click()
    row = page.get_by_role("row", name=re.compile("Gerai Perizinan Keliling"))
    expect(row).to_contain_text("Top Inovasi Pelayanan Publik")
    with page.expect_download() as download_info:
        row.get_by_role("link", name=re.compile("Unduh")).last.click()
    pdf = tmp_path / "sertifikat.pdf"
    download_info.value.save_as(pdf)
    text = pdf_text(pdf.read_bytes())
    assert "Gerai Perizinan Keliling" in text and "Kabupaten Jepara" in text
    code = re.search(r"Kode sertifikat: ([A-Z2-7]{4}(?:-[A-Z2-7]{4}){3})", text).group(1)
    url = re.search(r"(http://\S+/verify/[A-Z2-7]{16})", text).group(1)
    page.get_by_role("button", name="Keluar").click()

    # the QR code's URL, opened by anyone without logging in
    page.goto(url)
    expect(page.get_by_role("status")).to_contain_text("Sertifikat ini asli")
    expect(page.locator("dl.facts")).to_contain_text("Gerai Perizinan Keliling")
    expect(page.locator("dl.facts")).to_contain_text(code)

    # the code typed by hand, in lower case with spaces
    page.goto(central.url + "results")
    page.get_by_role("link", name="Verifikasi sertifikat").click()
    page.get_by_label("Kode sertifikat").fill(code.lower().replace("-", " "))
    page.get_by_role("button", name="Verifikasi").click()
    expect(page.get_by_role("status")).to_contain_text("Sertifikat ini asli")

    # a forged code
    forged = ("A" if code[0] != "A" else "B") + code[1:]
    page.get_by_label("Kode sertifikat").fill(forged)
    page.get_by_role("button", name="Verifikasi").click()
    expect(page.get_by_role("alert")).to_contain_text("Tidak ada sertifikat dengan kode ini")
