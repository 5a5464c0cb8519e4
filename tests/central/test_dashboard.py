"""The national dashboard: totals by type, province, category, group, status and day; exports."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import pytest
from openpyxl import load_workbook

from shared.models import ProposalStatus, Role

SUBMITTED = ProposalStatus.SUBMITTED


@pytest.fixture
def intake(factory):
    """Jepara (kabupaten, Jawa Tengah) 3 submitted + 1 draft, Semarang (kota) 1, a ministry 1."""
    jateng = factory.tenant(
        code="33", name="Provinsi Jawa Tengah", kind="provinsi", province_code=None
    )
    jepara = factory.tenant(code="33.20", name="Kabupaten Jepara", province_code="33")
    semarang = factory.tenant(code="33.74", name="Kota Semarang", kind="kota", province_code="33")
    kemenkes = factory.tenant(
        code="KL.KEMENKES", name="Kementerian Kesehatan", kind="kementerian", province_code=None
    )
    unit = factory.unit(jepara)
    # 27 Feb 17.30 UTC is 28 Feb 00.30 WIB: counts on the 28th
    for at, category in (
        (datetime(2027, 2, 27, 17, 30, tzinfo=UTC), "kesehatan"),
        (datetime(2027, 2, 28, 10, 0, tzinfo=UTC), "kesehatan"),
        (datetime(2027, 2, 20, 3, 0, tzinfo=UTC), "pendidikan"),
    ):
        factory.proposal(
            jepara,
            unit,
            status=SUBMITTED,
            submitted_at=at,
            category_code=category,
            title=f"Jepara {at.isoformat()}",
        )
    factory.proposal(jepara, unit, status=ProposalStatus.DRAFT, title="Draf Jepara")
    factory.proposal(
        semarang,
        status=SUBMITTED,
        group_code="replikasi",
        submitted_at=datetime(2027, 2, 28, 12, 0, tzinfo=UTC),
        title="Rahasia Semarang",
    )
    factory.proposal(
        kemenkes, status=SUBMITTED, submitted_at=datetime(2027, 2, 26, 12, 0, tzinfo=UTC)
    )
    return {
        "jateng": jateng,
        "jepara": jepara,
        "semarang": semarang,
        "kemenkes": kemenkes,
        "unit": unit,
    }


def _stat(html: str, label: str) -> int:
    marker = f"</b>{label}</div>"
    head = html.split(marker)[0]
    return int(head.rsplit("<b>", 1)[1])


def test_national_totals_and_breakdowns(client, login_as, intake) -> None:
    login_as(Role.SECRETARIAT)
    html = client.get("/dashboard").get_data(as_text=True)
    assert _stat(html, "Diajukan") == 5
    assert _stat(html, "Semua proposal") == 6
    assert _stat(html, "Draf") == 1
    by_kind = html.split('id="by-kind"')[1].split("</section>")[0]
    assert '>Kabupaten</a></td>\n      <td class="num">3</td><td class="num">4</td>' in by_kind
    by_province = html.split('id="by-province"')[1].split("</section>")[0]
    assert 'Provinsi Jawa Tengah</a></td>\n      <td class="num">4</td>' in by_province
    assert "Nasional (tanpa provinsi)" in by_province
    by_group = html.split('id="by-group"')[1].split("</section>")[0]
    assert 'Replikasi</td>\n      <td class="num">1</td>' in by_group
    per_day = html.split('id="per-day"')[1].split("</section>")[0]
    assert "28-02: 3" in per_day  # 2 Jepara + 1 Semarang on 28 Feb (WIB)
    assert "20-02: 1" in per_day
    assert "28-02-2027 dengan 3 proposal diajukan" in per_day


def test_drill_down_to_province_and_tenant(client, login_as, intake) -> None:
    login_as(Role.SECRETARIAT)
    html = client.get("/dashboard?province=33").get_data(as_text=True)
    assert _stat(html, "Diajukan") == 4
    by_tenant = html.split('id="by-tenant"')[1]
    assert "/dashboard?tenant=33.20" in by_tenant and "Kementerian" not in by_tenant
    html = client.get("/dashboard?tenant=33.20").get_data(as_text=True)
    assert _stat(html, "Diajukan") == 3 and _stat(html, "Draf") == 1
    assert "/tenants/33.20" in html


def test_csv_and_xlsx_exports(client, login_as, intake) -> None:
    login_as(Role.SECRETARIAT)
    response = client.get("/dashboard/export.csv")
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    header, body = rows[0], {r[0]: r for r in rows[1:]}
    assert header[:2] == ["Kode", "Instansi"]
    jepara = body["33.20"]
    assert jepara[header.index("Diajukan")] == "3"  # statuses as people read them
    assert jepara[header.index("Draf")] == "1"
    assert body["33"][header.index("Diajukan")] == "0"  # tenants without proposals included

    response = client.get("/dashboard/export.xlsx?province=33")
    book = load_workbook(io.BytesIO(response.data), read_only=True)
    assert "Per instansi" in book.sheetnames and "Per hari" in book.sheetnames
    sheet = list(book["Per instansi"].values)
    codes = [r[0] for r in sheet[1:]]
    assert "33.20" in codes and "KL.KEMENKES" not in codes


def test_admin_lokal_sees_only_its_own_tenant(client, login_as, intake) -> None:
    login_as(Role.LOCAL_ADMIN, tenant=intake["jepara"])
    html = client.get("/dashboard?tenant=33.74&province=33").get_data(as_text=True)
    assert _stat(html, "Diajukan") == 3 and _stat(html, "Draf") == 1
    assert "Rahasia Semarang" not in html
    assert client.get("/dashboard/export.csv").status_code == 403


def test_operator_sees_its_unit(client, login_as, factory, intake) -> None:
    other_unit = factory.unit(intake["jepara"])
    login_as(Role.OPERATOR, tenant=intake["jepara"], unit=other_unit)
    html = client.get("/dashboard").get_data(as_text=True)
    assert _stat(html, "Diajukan") == 0


def test_figures_are_never_older_than_the_data(client, login_as, factory, intake) -> None:
    """The national page keeps its figures between requests, but not past a change."""
    login_as(Role.SECRETARIAT)
    assert _stat(client.get("/dashboard").get_data(as_text=True), "Diajukan") == 5
    assert _stat(client.get("/dashboard").get_data(as_text=True), "Diajukan") == 5
    factory.proposal(
        intake["kemenkes"], status=SUBMITTED, submitted_at=datetime(2027, 2, 27, 1, 0, tzinfo=UTC)
    )
    assert _stat(client.get("/dashboard").get_data(as_text=True), "Diajukan") == 6
