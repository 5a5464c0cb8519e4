"""Browser: the finalist list is hidden before its publish time and public after it, without
logging in; alphabetical, filterable, with the decree annex as a PDF."""

from __future__ import annotations

import re
import time

from playwright.sync_api import expect

from shared.db import utcnow
from shared.models import TenantKind
from tests import announce_factories as af
from tests.browser.announce_seed import factory_for
from tests.pdf_text import pdf_text

EMBARGO_SECONDS = 6


def test_embargo_then_public_list_filters_and_annex(start_server, page) -> None:
    central = start_server("central")
    f = factory_for(central)
    year = f.competition().year
    jepara = f.tenant(code="33.20", name="Kabupaten Jepara")
    aceh = f.tenant(code="11.01", name="Kabupaten Aceh Selatan", province_code="11")
    kemenkes = f.tenant(code="KL.024", name="Kementerian Kesehatan", kind=TenantKind.KEMENTERIAN)
    af.proposal(f, jepara, title="Ruang Tunggu Puskesmas Digital")
    af.proposal(f, aceh, title="Ambulans Desa Siaga", stage_code="final", award="top")
    af.proposal(f, kemenkes, title="Buku Kesehatan Elektronik")
    af.proposal(f, jepara, title="Zonasi Sekolah Terbuka", stage_code="desk_evaluation")
    publish_at = utcnow().replace(microsecond=0) + af.timedelta(seconds=EMBARGO_SECONDS)
    af.set_publish(f, top99=publish_at, final=af.future())

    page.goto(central.url + f"results/finalists?year={year}")
    expect(page.get_by_role("status")).to_contain_text(f"Finalis {year} akan diumumkan pada")
    expect(page.get_by_text("Ambulans Desa Siaga")).to_have_count(0)
    annex = page.request.get(central.url + f"results/finalists.pdf?year={year}")
    assert annex.status == 404

    time.sleep(max(0.0, (publish_at - utcnow()).total_seconds()) + 0.5)
    page.reload()
    rows = page.locator("table.results tbody tr td:nth-child(2)")
    expect(rows).to_have_text(
        ["Ambulans Desa Siaga", "Buku Kesehatan Elektronik", "Ruang Tunggu Puskesmas Digital"]
    )
    expect(page.get_by_text("Zonasi Sekolah Terbuka")).to_have_count(0)  # not a finalist
    expect(page.get_by_text("Top Inovasi Pelayanan Publik")).to_have_count(0)  # still embargoed

    page.get_by_label("Jenis instansi").select_option("kabupaten")
    page.get_by_label("Provinsi").select_option("33")
    page.get_by_role("button", name="Saring").click()
    expect(page).to_have_url(re.compile(r"kind=kabupaten"))
    expect(rows).to_have_text(["Ruang Tunggu Puskesmas Digital"])

    href = page.get_by_role("link", name="Lampiran keputusan (PDF)").get_attribute("href")
    annex = page.request.get(central.url.rstrip("/") + href)
    assert annex.status == 200 and annex.headers["content-type"] == "application/pdf"
    text = pdf_text(annex.body())
    assert "Ruang Tunggu Puskesmas Digital" in text and "Ambulans Desa Siaga" not in text

    # once the secretariat has prepared the catalogue, each finalist links to its entry
    central.cli("prepare-announcement")
    page.reload()
    page.get_by_role("link", name="Ruang Tunggu Puskesmas Digital").click()
    expect(page.get_by_role("heading", name="Ruang Tunggu Puskesmas Digital")).to_be_visible()
    expect(page.get_by_text("Kabupaten Jepara", exact=False).first).to_be_visible()
