"""Bulk import and export through the pages: all-or-nothing with a report, filters respected."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

import pytest
from openpyxl import Workbook, load_workbook

from shared.db import utcnow
from shared.models import AuditLog, Proposal, ProposalStatus, Role
from tests.regional.test_import_checks import csv_bytes, distinct_title, good_row, lift_quotas

S = ProposalStatus


@pytest.fixture
def units(factory, tenant):
    return [
        factory.unit(tenant, name="Dinas Kesehatan"),
        factory.unit(tenant, name="Dinas Pendidikan"),
    ]


@pytest.fixture
def admin(login_as, tenant, units):
    return login_as(Role.LOCAL_ADMIN, tenant=tenant)


def columns(app):
    from shared.competition_config import default_config
    from shared.services.proposal_import import template_columns

    with app.test_request_context():
        return template_columns(default_config())


def upload(client, filename: str, data: bytes):
    return client.post(
        "/import/",
        data={"file": (io.BytesIO(data), filename)},
        content_type="multipart/form-data",
    )


def test_the_template_downloads(client, admin, competition) -> None:
    response = client.get("/import/template.xlsx")
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    book = load_workbook(io.BytesIO(response.data))
    assert book.sheetnames == ["Proposal", "Petunjuk"]
    assert book.worksheets[0]["D1"].value == "Judul [title]"
    (phone,) = [c for c in book.worksheets[0][1] if "[contact_phone]" in str(c.value)]
    # a number typed there stays text: 0812... keeps its leading zero
    assert book.worksheets[0].column_dimensions[phone.column_letter].number_format == "@"
    response = client.get("/import/template.csv")
    assert response.mimetype == "text/csv"
    assert response.data.decode("utf-8-sig").startswith("Unit [unit],")
    page = client.get("/import/").get_data(as_text=True)
    assert "Templat (XLSX)" in page and "semua-atau-tidak-sama-sekali" in page


def test_one_bad_row_among_two_hundred_imports_nothing(
    app, client, factory, admin, competition
) -> None:
    lift_quotas(app)
    cols = columns(app)
    rows = [good_row(n) for n in range(200)]
    rows[136] = good_row(136, **{"section:ringkasan": "kata " * 250})  # file row 138
    before = (factory.count(Proposal), factory.count(AuditLog))

    response = upload(client, "usulan.csv", csv_bytes(cols, rows))
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Tidak ada yang diimpor" in html
    assert "1 dari 200 baris bermasalah" in html
    report = re.findall(r'<td class="num">(\d+)</td><td>([^<]+)</td><td>([^<]+)</td>', html)
    assert report == [("138", "Ringkasan", "Bagian Ringkasan berisi 250 kata; batasnya 200 kata.")]
    assert (factory.count(Proposal), factory.count(AuditLog)) == before

    # corrected, the same file goes in whole
    rows[136] = good_row(136)
    response = upload(client, "usulan.csv", csv_bytes(cols, rows))
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    assert "200 proposal telah diimpor" in client.get(response.location).get_data(as_text=True)
    assert factory.count(Proposal) == before[0] + 200
    assert factory.count(Proposal, Proposal.status == S.DRAFT) == 200
    assert factory.count(AuditLog, AuditLog.action == "proposal.create") == 200
    assert factory.count(AuditLog, AuditLog.action == "proposal.import") == 1


@pytest.mark.parametrize(
    "encode",
    [
        lambda text: text.replace("\r\n", "\r").encode(),  # Excel for Mac: a lone CR per line
        lambda text: text.encode("utf-16"),  # Excel's "Unicode text"
    ],
)
def test_csv_files_from_other_spreadsheet_programs_import(
    app, client, factory, admin, competition, encode
) -> None:
    text = csv_bytes(columns(app), [good_row(1), good_row(2)]).decode()
    response = upload(client, "usulan.csv", encode(text))
    assert response.status_code == 302, response.get_data(as_text=True)[-1500:]
    assert factory.count(Proposal) == 2


def test_a_unit_is_found_whatever_its_case_and_spacing(
    app, client, factory, admin, units, competition
) -> None:
    rows = [good_row(1, unit="DINAS  kesehatan "), good_row(2, unit="dinas pendidikan")]
    response = upload(client, "usulan.csv", csv_bytes(columns(app), rows))
    assert response.status_code == 302, response.get_data(as_text=True)[-1500:]
    assert factory.count(Proposal, Proposal.unit_id == units[0].id) == 1
    assert factory.count(Proposal, Proposal.unit_id == units[1].id) == 1


def test_an_xlsx_import_creates_drafts_of_the_named_units(
    app, client, factory, admin, units, competition
) -> None:
    cols = columns(app)
    book = Workbook()
    sheet = book.active
    sheet.append([c.header for c in cols])
    sheet.append(["# CONTOH: baris contoh tidak diimpor"])
    for n in (1, 2):
        row = good_row(n, innovator=f"Tim {n}")
        sheet.append([row.get(c.key, "") for c in cols])
    buffer = io.BytesIO()
    book.save(buffer)
    response = upload(client, "usulan.xlsx", buffer.getvalue())
    assert response.status_code == 302
    kesehatan = factory.count(Proposal, Proposal.unit_id == units[0].id)
    pendidikan = factory.count(Proposal, Proposal.unit_id == units[1].id)
    assert (kesehatan, pendidikan) == (1, 1)
    stored = factory.count(Proposal, Proposal.title == distinct_title(1), Proposal.sdgs.isnot(None))
    assert stored == 1


def test_after_the_deadline_nothing_is_imported(app, client, factory, admin, competition) -> None:
    now = utcnow()
    factory.set_window(now - timedelta(days=100), now - timedelta(minutes=1))
    response = upload(client, "usulan.csv", csv_bytes(columns(app), [good_row(1)]))
    assert response.status_code == 400
    assert "Pendaftaran ditutup pada" in response.get_data(as_text=True)
    assert factory.count(Proposal) == 0


def test_a_wrong_file_gets_a_message(client, factory, admin, competition) -> None:
    response = upload(client, "usulan.docx", b"PK\x03\x04")
    assert response.status_code == 400
    assert "Unggah templat sebagai berkas .xlsx atau .csv" in response.get_data(as_text=True)
    response = client.post("/import/", data={}, content_type="multipart/form-data")
    assert "Pilih berkas yang akan diimpor" in response.get_data(as_text=True)
    assert factory.count(Proposal) == 0


def test_another_tenants_unit_is_unknown_to_the_import(
    app, client, factory, admin, other_tenant, competition
) -> None:
    factory.unit(other_tenant, name="Dinas Kota Semarang")
    rows = [good_row(1, unit="Dinas Kota Semarang")]
    response = upload(client, "usulan.csv", csv_bytes(columns(app), rows))
    assert "Unit Dinas Kota Semarang tidak dikenal" in response.get_data(as_text=True)
    assert factory.count(Proposal) == 0


# -- export -----------------------------------------------------------------------------------


@pytest.fixture
def listed(factory, tenant, other_tenant, units, competition):
    kesehatan, pendidikan = units
    factory.proposal(tenant, kesehatan, title="Antar Obat Lansia", status=S.SUBMITTED)
    factory.proposal(tenant, kesehatan, title='=HYPERLINK("http://x")', status=S.DRAFT)
    factory.proposal(tenant, pendidikan, title="Sekolah Ramah Anak", status=S.SUBMITTED)
    factory.proposal(tenant, pendidikan, title="Perpustakaan Keliling", status=S.SENT)
    factory.proposal(other_tenant, factory.unit(other_tenant), title="Milik Semarang")


def _csv(response) -> list[list[str]]:
    assert response.status_code == 200
    return list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))


def test_csv_export_has_every_listed_proposal_and_no_other(client, admin, listed) -> None:
    rows = _csv(client.get("/proposals/export.csv"))
    assert rows[0][:5] == ["No.", "ID proposal", "Unit", "Judul", "Kelompok"]
    titles = sorted(r[3] for r in rows[1:])
    assert titles == sorted(
        [
            "Antar Obat Lansia",
            '\'=HYPERLINK("http://x")',
            "Sekolah Ramah Anak",
            "Perpustakaan Keliling",
        ]
    )  # the formula is defused; Semarang's proposal is not there


def test_exports_respect_the_filters(client, admin, units, listed) -> None:
    rows = _csv(client.get("/proposals/export.csv?status=submitted"))
    assert sorted(r[3] for r in rows[1:]) == ["Antar Obat Lansia", "Sekolah Ramah Anak"]
    assert {r[7] for r in rows[1:]} == {"Diajukan"}
    rows = _csv(client.get(f"/proposals/export.csv?unit={units[1].id}&q=keliling"))
    assert [r[3] for r in rows[1:]] == ["Perpustakaan Keliling"]

    response = client.get(f"/proposals/export.xlsx?status=submitted&unit={units[0].id}")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].endswith('.xlsx"')
    sheet = load_workbook(io.BytesIO(response.data)).worksheets[0]
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[0][3] == "Judul"
    assert [v[3] for v in values[1:]] == ["Antar Obat Lansia"]


def test_xlsx_keeps_formula_text_as_text(client, admin, listed) -> None:
    response = client.get("/proposals/export.xlsx?status=draft")
    sheet = load_workbook(io.BytesIO(response.data)).worksheets[0]
    cell = sheet.cell(row=2, column=4)
    assert cell.value == '=HYPERLINK("http://x")' and cell.data_type == "s"


def test_xlsx_export_leaves_out_characters_a_cell_cannot_hold(
    client, factory, tenant, units, admin, competition
) -> None:
    factory.proposal(tenant, units[0], title="Layanan\x0bTerpadu\x00", status=S.DRAFT)  # old data
    response = client.get("/proposals/export.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).worksheets[0]
    assert sheet.cell(row=2, column=4).value == "LayananTerpadu"


def test_the_list_offers_the_exports_with_its_filters(client, admin, listed) -> None:
    html = client.get("/proposals/?status=submitted&q=a").get_data(as_text=True)
    assert re.search(r'href="/proposals/export.csv\?[^"]*status=submitted', html)
    assert "Impor dari lembar kerja" in html


def test_an_operator_exports_only_their_unit(client, login_as, tenant, units, listed) -> None:
    login_as(Role.OPERATOR, tenant=tenant, unit=units[1])
    rows = _csv(client.get(f"/proposals/export.csv?unit={units[0].id}"))
    assert sorted(r[3] for r in rows[1:]) == ["Perpustakaan Keliling", "Sekolah Ramah Anak"]
