"""Reports: the national recap by agency type, category, group, province and year with charts,
and the XLSX list of winning Pemda innovations for the Ministry of Finance."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from shared.models import ProposalStatus, Role, ScreeningResult, TenantKind
from tests import announce_factories as af


@pytest.fixture
def results(factory, tenant, other_tenant):
    comp = factory.competition()
    province = factory.tenant(code="33", name="Provinsi Jawa Tengah", kind=TenantKind.PROVINSI)
    ministry = factory.tenant(
        code="KL.009", name="Kementerian Agama", kind=TenantKind.KEMENTERIAN, province_code=None
    )
    af.proposal(factory, tenant, title="Jepara Juara", stage_code="final", award="top")
    af.proposal(factory, tenant, title="Jepara Finalis")
    af.proposal(
        factory,
        tenant,
        title="Jepara Gagal",
        stage_code="screening",
        screening=ScreeningResult.FAILED,
    )
    af.proposal(
        factory,
        other_tenant,
        title="Semarang Replikasi",
        group_code="replikasi",
        stage_code="final",
        award="top_replikasi",
    )
    af.proposal(
        factory,
        province,
        title="Provinsi Pendidikan",
        category_code="pendidikan",
        stage_code="desk_evaluation",
    )
    af.proposal(factory, ministry, title="Kementerian Juara", stage_code="final", award="top")
    af.proposal(factory, tenant, title="Masih Draf", status=ProposalStatus.DRAFT, stage_code=None)
    return comp


def _table(html: str, heading: str) -> str:
    return html.split(heading, 1)[1].split("</table>", 1)[0]


def _row(label: str, *counts: int) -> str:
    return f"<td>{label}</td>" + "".join(f'<td class="num">{n}</td>' for n in counts)


def test_recap_counts_by_dimension_with_charts(client, login_as, results) -> None:
    login_as(Role.SECRETARIAT)
    html = client.get("/reports").get_data(as_text=True)
    assert html.count('class="chart') >= 10  # two charts per dimension
    totals = html.split('class="stats"', 1)[1].split("</div>\n</div>", 1)[0]
    assert "<b>6</b>Diajukan" in totals.replace("\n", "").replace(" ", "").replace(
        "Diajukan", "Diajukan"
    )
    kinds = _table(html, "Menurut jenis instansi")
    assert _row("Kabupaten", 3, 2, 2, 1) in kinds
    assert '<td>Kementerian</td><td class="num">1</td>' in kinds
    provinces = _table(html, "Menurut provinsi")
    # Jepara (33.20), Semarang (33.74) and the province itself count for Jawa Tengah
    assert '<td>Jawa Tengah</td><td class="num">5</td>' in provinces
    assert '<td>Tanpa provinsi</td><td class="num">1</td>' in provinces
    groups = _table(html, "Menurut kelompok")
    assert _row("Replikasi", 1, 1, 1, 1) in groups


def test_recap_xlsx_has_a_sheet_per_dimension(client, login_as, results) -> None:
    login_as(Role.SECRETARIAT)
    response = client.get(f"/reports/recap.xlsx?year={results.year}")
    wb = load_workbook(io.BytesIO(response.data))
    assert wb.sheetnames == ["Jenis instansi", "Kategori", "Kelompok", "Provinsi", "Tahun"]
    rows = list(wb["Tahun"].iter_rows(values_only=True))
    assert rows == [
        ("Tahun", "Diajukan", "Lolos seleksi", "Finalis", "Pemenang"),
        (str(results.year), 6, 5, 4, 3),
    ]


def test_incentive_fund_list_has_published_pemda_winners_only(
    client, factory, login_as, results
) -> None:
    login_as(Role.SECRETARIAT)
    af.set_publish(factory, results.id, top99=af.past(), final=af.future())
    wb = load_workbook(io.BytesIO(client.get("/reports/incentive-fund.xlsx").data))
    assert wb.active.max_row == 1  # embargoed: header only

    af.set_publish(factory, results.id, final=af.past())
    response = client.get(f"/reports/incentive-fund.xlsx?year={results.year}")
    assert response.mimetype.endswith("spreadsheetml.sheet")
    rows = list(load_workbook(io.BytesIO(response.data)).active.iter_rows(values_only=True))
    assert rows[0][:8] == (
        "No.",
        "Tahun",
        "Provinsi",
        "Kode instansi",
        "Instansi",
        "Jenis instansi",
        "Inovasi",
        "Penghargaan",
    )
    body = [(r[3], r[6], r[7]) for r in rows[1:]]
    assert body == [
        ("33.20", "Jepara Juara", "Top Inovasi Pelayanan Publik"),
        ("33.74", "Semarang Replikasi", "Top Inovasi Replikasi"),
    ]  # the ministry's winner is not a Pemda; finalists without an award are not listed


def test_incentive_fund_list_keeps_formula_titles_as_text(
    client, factory, login_as, results, tenant
) -> None:
    formula = '=HYPERLINK("http://evil.example","klik")'
    af.proposal(factory, tenant, title=formula, stage_code="final", award="top")
    af.set_publish(factory, results.id, final=af.past())
    login_as(Role.SECRETARIAT)
    data = client.get(f"/reports/incentive-fund.xlsx?year={results.year}").data
    cells = [c for row in load_workbook(io.BytesIO(data)).active.iter_rows() for c in row]
    [title] = [c for c in cells if c.value == formula]
    assert title.data_type == "s"  # text, not a live formula
