"""Bulk import, the checking half: template, reading XLSX/CSV, each bad input's message."""

from __future__ import annotations

import csv
import hashlib
import io
from contextlib import contextmanager
from datetime import timedelta

import pytest
from openpyxl import Workbook, load_workbook

from shared.db import db
from shared.models import ProposalStatus
from shared.services import ServiceError
from shared.services import proposal_import as imp
from shared.services.competitions import current_competition
from shared.tenancy import tenant_scope

SECTION_TEXT = "Layanan ini memangkas waktu antre warga di puskesmas. " * 5
THEMES = ("Antrean", "Klinik", "Sekolah", "Posyandu", "Pasar", "Perizinan", "Sampah", "Air")


def distinct_title(n: int) -> str:
    """Titles far apart enough not to count as near-duplicates of each other."""
    token = hashlib.sha256(str(n).encode()).hexdigest()[:12]
    return f"{THEMES[n % len(THEMES)]} {token} {n}"


def lift_quotas(app) -> None:
    """This year's form without quotas (some years had none): many rows may be imported."""
    from shared.models import CompetitionVersion
    from shared.tenancy import national_scope

    with app.app_context(), national_scope():
        for version in db.session.execute(db.select(CompetitionVersion)).scalars():
            data = dict(version.data)
            data["groups"] = [{**g, "quota": None} for g in data["groups"]]
            version.data = data
        db.session.commit()


@pytest.fixture
def ctx(app, factory, tenant):
    """A request context of the tenant, with its units and the current competition."""
    factory.competition()
    factory.unit(tenant, name="Dinas Kesehatan")
    factory.unit(tenant, name="Dinas Pendidikan")
    factory.unit(tenant, name="Dinas Lama", active=False)

    @contextmanager
    def _ctx():
        with app.test_request_context(), tenant_scope([tenant.id]):
            yield current_competition()

    return _ctx


def good_row(n: int, **changes) -> dict[str, str]:
    return {
        "unit": "Dinas Kesehatan" if n % 2 else "Dinas Pendidikan",
        "group": "umum",
        "category": "kesehatan",
        "title": distinct_title(n),
        "implementation_start": "2023-03-01",
        "innovator": "Tim Inovasi",
        "sdgs": "3, 10",
        "section:ringkasan": SECTION_TEXT,
        **changes,
    }


def csv_bytes(columns, rows: list[dict[str, str]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([c.header for c in columns])
    for row in rows:
        writer.writerow([row.get(c.key, "") for c in columns])
    return out.getvalue().encode()


def check(comp, data: bytes, filename: str = "usulan.csv", invited=frozenset()):
    columns = imp.template_columns(comp.config, [])
    rows = imp.read_sheet(filename, data, columns)
    return imp.check_rows(rows, competition=comp, columns=columns, invited_groups=set(invited))


def test_the_templates_have_a_header_an_example_and_instructions(ctx) -> None:
    with ctx() as comp:
        units = list(db.session.execute(db.select(imp.Unit).order_by(imp.Unit.name)).scalars())
        xlsx = imp.template_xlsx(comp.config, units)
        text = imp.template_csv(comp.config, units).decode("utf-8-sig")
    book = load_workbook(io.BytesIO(xlsx))
    data, notes = book.worksheets
    header = [c.value for c in data[1]]
    assert header[:4] == ["Unit [unit]", "Kelompok [group]", "Kategori [category]", "Judul [title]"]
    assert "Ringkasan [section:ringkasan]" in header
    assert data["A2"].value.startswith("# CONTOH")
    lines = "\n".join(str(c.value) for row in notes.iter_rows() for c in row if c.value)
    assert "Dinas Kesehatan" in lines and "Paling banyak 200 kata." in lines
    assert text.splitlines()[0].startswith("Unit [unit],Kelompok [group]")
    assert text.splitlines()[1].startswith("# CONTOH")
    assert "Dinas Pendidikan" in text  # the units are listed in the notes


def test_the_downloaded_template_reads_back_with_nothing_to_import(ctx) -> None:
    with ctx() as comp:
        units = list(db.session.execute(db.select(imp.Unit)).scalars())
        for name, data in (
            ("t.xlsx", imp.template_xlsx(comp.config, units)),
            ("t.csv", imp.template_csv(comp.config, units)),
        ):
            with pytest.raises(ServiceError, match="tidak berisi baris proposal"):
                check(comp, data, name)


def test_two_hundred_good_rows_pass(app, ctx) -> None:
    lift_quotas(app)
    with ctx() as comp:
        columns = imp.template_columns(comp.config, [])
        checked, problems = check(comp, csv_bytes(columns, [good_row(n) for n in range(200)]))
    assert problems == []
    assert len(checked) == 200
    assert checked[0].unit.name == "Dinas Pendidikan" and checked[0].sdgs == (3, 10)


def test_xlsx_with_real_dates_and_numbers(ctx) -> None:
    from datetime import date

    with ctx() as comp:
        columns = imp.template_columns(comp.config, [])
        book = Workbook()
        sheet = book.active
        sheet.append([c.header for c in columns])
        row = good_row(1)
        values = {**row, "implementation_start": date(2022, 5, 17), "sdgs": 3}
        sheet.append([values.get(c.key) for c in columns])
        buffer = io.BytesIO()
        book.save(buffer)
        checked, problems = check(comp, buffer.getvalue(), "usulan.xlsx")
    assert problems == []
    assert str(checked[0].implementation_start) == "2022-05-17" and checked[0].sdgs == (3,)


@pytest.mark.parametrize(
    ("changes", "column", "message"),
    [
        ({"unit": "Dinas Rahasia"}, "Unit", "Unit Dinas Rahasia tidak dikenal"),
        ({"unit": "Dinas Lama"}, "Unit", "Unit Dinas Lama nonaktif"),
        ({"group": "istimewa"}, "Kelompok", "Kelompok istimewa tidak dikenal"),
        ({"category": "olahraga"}, "Kategori", "Kategori olahraga tidak dikenal"),
        ({"implementation_start": "31-02-2023"}, "Mulai", "bukan tanggal"),
        ({"implementation_start": "kemarin"}, "Mulai", "bukan tanggal"),
        ({"implementation_start": "2099-01-01"}, "Mulai", "di masa depan"),
        ({"sdgs": "tiga"}, "Tujuan SDGs", "angka 1-17"),
        ({"sdgs": "18"}, "Tujuan SDGs", "Tujuan SDGs tidak dikenal"),
        ({"title": ""}, "Judul", "Judul wajib diisi"),
        ({"section:ringkasan": "kata " * 201}, "Ringkasan", "batasnya 200"),
        ({"section:inspirasi": "teks"}, "Inspirasi", "bukan bagian dari kelompok umum"),
        ({"contact_email": "bukan surel"}, "Surel narahubung", "surel narahubung tidak valid"),
        ({"video_url": "youtube.com/x"}, "Tautan video", "http://"),
        ({"group": "khusus"}, "Kelompok", "hanya terbuka bagi instansi yang diundang"),
    ],
)
def test_each_bad_value_is_named_with_its_row(ctx, changes, column, message) -> None:
    with ctx() as comp:
        columns = imp.template_columns(comp.config, [])
        rows = [good_row(n) for n in range(5)]
        rows[3] = good_row(3, **changes)
        checked, problems = check(comp, csv_bytes(columns, rows))
    assert [p.row for p in problems] == [5], problems  # the header is row 1
    assert problems[0].column.startswith(column), problems
    assert message in problems[0].message, problems


def test_an_implementation_too_young_is_refused(ctx, app, tenant) -> None:
    with ctx() as comp:
        close = comp.registration_closes_at
        young = (close - timedelta(days=100)).date().isoformat()
        columns = imp.template_columns(comp.config, [])
        _, problems = check(comp, csv_bytes(columns, [good_row(1, implementation_start=young)]))
    assert len(problems) == 1 and "sedikitnya 1 tahun" in problems[0].message


def test_duplicate_titles_in_the_file_and_against_existing_ones(ctx, factory, tenant) -> None:
    factory.proposal(tenant, title="Klinik Keliling Desa Sehat")
    with ctx() as comp:
        columns = imp.template_columns(comp.config, [])
        rows = [
            good_row(1, title="Sistem Antrean Daring Puskesmas"),
            good_row(2, title="Sistem antrean daring puskesmas!"),  # same as row 2
            good_row(3, title="Klinik keliling desa sehat"),  # same as an existing proposal
        ]
        _, problems = check(comp, csv_bytes(columns, rows))
    assert [(p.row, p.column) for p in problems] == [(3, "Judul"), (4, "Judul")]
    assert "baris 2" in problems[0].message
    assert "Klinik Keliling Desa Sehat" in problems[1].message


def test_the_quota_counts_submitted_proposals_and_the_file(ctx, factory, tenant) -> None:
    for n in range(4):  # Replikasi allows 5: 4 already submitted
        factory.proposal(
            tenant,
            group_code="replikasi",
            status=ProposalStatus.SUBMITTED,
            submitted_revision=1,
            title=distinct_title(1000 + n),
        )
    with ctx() as comp:
        columns = imp.template_columns(comp.config, [])
        rows = [good_row(n, group="Replikasi", replicates_title="Inovasi asal") for n in range(3)]
        _, problems = check(comp, csv_bytes(columns, rows))
    assert [p.row for p in problems] == [3, 4]
    assert "kuota" in problems[0].message


@pytest.mark.parametrize(
    ("filename", "data", "message"),
    [
        ("usulan.pdf", b"%PDF-1.4", "berkas .xlsx atau .csv"),
        ("usulan.xlsx", b"not a zip at all", "bukan buku kerja XLSX"),
        ("usulan.csv", b"", "Pilih berkas"),
        ("usulan.csv", b"judul,isi\nA,B\n", "Baris judul kolom tidak sesuai"),
        ("usulan.csv", b"Unit [unit],Kelompok [group],Judul [title]\n", "tidak berisi"),
    ],
)
def test_unusable_files_are_refused_with_a_message(ctx, filename, data, message) -> None:
    with ctx() as comp, pytest.raises(ServiceError, match=message):
        check(comp, data, filename)


def test_a_semicolon_csv_from_excel_is_read(ctx) -> None:
    with ctx() as comp:
        columns = imp.template_columns(comp.config, [])
        text = csv_bytes(columns, [good_row(1)]).decode()
        out = io.StringIO()
        writer = csv.writer(out, delimiter=";")
        for row in csv.reader(io.StringIO(text)):
            writer.writerow(row)
        checked, problems = check(comp, ("\ufeff" + out.getvalue()).encode("utf-8"))
    assert problems == [] and len(checked) == 1
