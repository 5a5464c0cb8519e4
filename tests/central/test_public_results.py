"""Announcement: each stage's results stay hidden until its publish time, then are public with
no login, alphabetical, filterable, and printable as the decree's annex."""

from __future__ import annotations

import pytest

from shared.models import TenantKind
from tests import announce_factories as af
from tests.pdf_text import pdf_text


@pytest.fixture
def year(factory) -> int:
    return factory.competition().year


@pytest.fixture
def finalists(factory, tenant, other_tenant):
    """Three finalists (one a Top winner, one an Outstanding Achievement) and one proposal that
    stopped at desk evaluation."""
    central_java = factory.tenant(code="33", name="Provinsi Jawa Tengah", kind=TenantKind.PROVINSI)
    ministry = factory.tenant(
        code="KL.001", name="Kementerian Kesehatan", kind=TenantKind.KEMENTERIAN, province_code=None
    )
    aceh = factory.tenant(code="11.01", name="Kabupaten Aceh Selatan", province_code="11")
    return {
        "zebra": af.proposal(
            factory, tenant, title="Zebra Cross Pintar", stage_code="final", award="top"
        ),
        "alpha": af.proposal(factory, other_tenant, title="alpha Layanan Kesehatan Keliling"),
        "beta": af.proposal(
            factory,
            central_java,
            title="Beta Sekolah Ramah Anak",
            category_code="pendidikan",
            stage_code="final",
            award="outstanding_achievement",
        ),
        "ministry": af.proposal(factory, ministry, title="Gamma Rekam Medis Nasional"),
        "aceh": af.proposal(factory, aceh, title="Delta Desa Digital"),
        "desk": af.proposal(
            factory, tenant, title="Omega Tidak Lolos", stage_code="desk_evaluation"
        ),
    }


def _titles_in_order(html: str, titles: list[str]) -> list[str]:
    found = [(html.find(t), t) for t in titles if t in html]
    return [t for _, t in sorted(found)]


def test_finalists_are_hidden_until_their_publish_time(client, factory, finalists, year) -> None:
    af.set_publish(factory, top99=af.future(days=2), final=af.future(days=40))
    page = client.get(f"/results/finalists?year={year}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "akan diumumkan pada" in html
    assert "Zebra Cross Pintar" not in html and "alpha Layanan" not in html
    assert client.get(f"/results/finalists.pdf?year={year}").status_code == 404
    api = client.get(f"/api/v1/results?year={year}").get_json()
    assert api["published"] is False and api["items"] == [] and api["total"] == 0

    af.set_publish(factory, top99=af.past(), final=af.future())
    html = client.get(f"/results/finalists?year={year}").get_data(as_text=True)
    expected = [
        "alpha Layanan Kesehatan Keliling",
        "Beta Sekolah Ramah Anak",
        "Delta Desa Digital",
        "Gamma Rekam Medis Nasional",
        "Zebra Cross Pintar",
    ]
    # alphabetical, case-insensitive, as the ministry publishes it (not ranked)
    assert _titles_in_order(html, expected) == expected
    assert "Omega Tidak Lolos" not in html  # never reached the finalists
    # the awards stay embargoed while the finalists are public
    assert "Outstanding Achievement" not in html
    assert (
        "Top Inovasi Pelayanan Publik"
        not in client.get(f"/results/top?year={year}").get_data(as_text=True).split("</h1>", 1)[1]
    )


def test_top_list_with_special_awards_after_the_final_publish_time(
    client, factory, finalists, year
) -> None:
    af.set_publish(factory, top99=af.past(), final=af.future())
    html = client.get(f"/results/top?year={year}").get_data(as_text=True)
    assert "Zebra Cross Pintar" not in html
    assert "akan diumumkan pada" in html

    af.set_publish(factory, final=af.past())
    html = client.get(f"/results/top?year={year}").get_data(as_text=True)
    top, special = html.split("Outstanding Achievement", 1)
    assert "Zebra Cross Pintar" in top and "Beta Sekolah Ramah Anak" not in top
    assert "Beta Sekolah Ramah Anak" in special
    assert "alpha Layanan" not in html  # a finalist without an award
    api = client.get(f"/api/v1/results?year={year}&list=top").get_json()
    assert [(i["title"], i["award"]["code"]) for i in api["items"]] == [
        ("Zebra Cross Pintar", "top"),
        ("Beta Sekolah Ramah Anak", "outstanding_achievement"),
    ]


def test_filters_by_agency_type_province_and_category(client, factory, finalists, year) -> None:
    af.set_publish(factory, top99=af.past())
    url = f"/results/finalists?year={year}"

    def titles(query: str) -> set[str]:
        items = client.get(f"/api/v1/results?year={year}&{query}").get_json()["items"]
        return {i["title"] for i in items}

    assert titles("kind=kementerian") == {"Gamma Rekam Medis Nasional"}
    # a province's own innovations and those of its kabupaten/kota
    assert titles("province=33") == {
        "Zebra Cross Pintar",
        "alpha Layanan Kesehatan Keliling",
        "Beta Sekolah Ramah Anak",
    }
    assert titles("province=11") == {"Delta Desa Digital"}
    assert titles("category=pendidikan") == {"Beta Sekolah Ramah Anak"}
    assert titles("kind=kabupaten&province=33") == {"Zebra Cross Pintar"}
    html = client.get(url + "&kind=provinsi").get_data(as_text=True)
    assert "Beta Sekolah Ramah Anak" in html and "Zebra Cross Pintar" not in html
    assert "1 inovasi" in html


def test_the_agency_type_filter_calls_a_lembaga_lembaga(client, factory, finalists, year) -> None:
    import re

    af.set_publish(factory, top99=af.past())
    html = client.get(f"/results/finalists?year={year}").get_data(as_text=True)
    option = re.search(r'<option value="lembaga"[^>]*>([^<]*)<', html)
    assert option and "lembaga" in option.group(1).lower() and "Instansi" not in option.group(1)


def test_annex_pdf_lists_the_published_finalists(client, factory, finalists, year) -> None:
    af.set_publish(factory, top99=af.past())
    response = client.get(f"/results/finalists.pdf?year={year}&province=33")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    text = pdf_text(response.data)
    assert "LAMPIRAN KEPUTUSAN MENTERI" in text
    assert "Zebra Cross Pintar" in text and "Beta Sekolah Ramah Anak" in text
    assert "Delta Desa Digital" not in text  # filtered out (Aceh)
    assert text.index("alpha Layanan") < text.index("Beta Sekolah") < text.index("Zebra Cross")

    af.set_publish(factory, final=af.past())
    text = pdf_text(client.get(f"/results/top.pdf?year={year}").data)
    assert "Zebra Cross Pintar" in text and "Outstanding Achievement" in text
    assert "alpha Layanan" not in text


def test_results_overview_says_when_each_list_is_published(
    client, factory, finalists, year
) -> None:
    af.set_publish(factory, top99=af.past(), final=af.future())
    html = client.get("/results").get_data(as_text=True)
    assert f"/results/finalists?year={year}" in html
    assert f"/results/top?year={year}" not in html
    assert "akan diumumkan pada" in html


def test_a_tenant_sees_its_own_results_only_once_published(
    client, factory, login_as, tenant, year
) -> None:
    from shared.models import Role, ScreeningResult

    af.proposal(
        factory,
        tenant,
        title="Inovasi Gagal",
        stage_code="screening",
        screening=ScreeningResult.FAILED,
        screening_reason="Usia implementasi kurang dari satu tahun",
    )
    af.proposal(factory, tenant, title="Inovasi Juara", stage_code="final", award="top")
    af.set_publish(factory, screening=af.future(), top99=af.future(), final=af.future())
    login_as(Role.LOCAL_ADMIN, tenant=tenant)

    def table() -> str:  # the results table only (the menu names pages such as "Finalis")
        html = client.get("/our-results").get_data(as_text=True)
        return html.split("<table", 1)[1].split("</table>", 1)[0]

    html = table()
    assert "Inovasi Juara" in html
    assert "Usia implementasi" not in html and "Belum diseleksi" in html
    assert "Top Inovasi Pelayanan Publik" not in html and "Finalis" not in html

    af.set_publish(factory, screening=af.past(), top99=af.past())
    html = table()
    assert "Usia implementasi kurang dari satu tahun" in html
    assert "Tidak lolos seleksi" in html
    assert "Top 99 (Finalis)" in html
    assert "Top Inovasi Pelayanan Publik" not in html  # the award is still embargoed

    af.set_publish(factory, final=af.past())
    assert "Top Inovasi Pelayanan Publik" in table()
