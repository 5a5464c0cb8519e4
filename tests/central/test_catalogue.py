"""The public catalogue: every finalist and winner, full-text search with filters, a detail page
for replication, replication links, and a status the owning tenant keeps current."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from central.catalogue.models import CatalogueEntry, CatalogueText
from central.catalogue.services import refresh_entries
from shared.db import db
from shared.models import Role, TenantKind
from tests import announce_factories as af


@pytest.fixture
def comp_id(factory) -> int:
    return factory.competition().id


def _refresh(factory, comp_id):
    return factory.run(refresh_entries, comp_id, actor=None)


def _search(client, query: str) -> list[str]:
    data = client.get(f"/api/v1/catalogue?{query}").get_json()
    return [item["title"] for item in data["items"]]


@pytest.fixture
def catalogue(factory, tenant, other_tenant, comp_id):
    aceh = factory.tenant(code="11.01", name="Kabupaten Aceh Selatan", province_code="11")
    sections = dict(af.SECTIONS)
    items = {
        "puskesmas": af.proposal(
            factory,
            tenant,
            title="Antrean Puskesmas Daring",
            stage_code="final",
            award="top",
            sections={**sections, "signifikansi": "Masalah: antrean panjang di puskesmas."},
        ),
        "sekolah": af.proposal(
            factory,
            other_tenant,
            title="Sekolah Ramah Anak",
            category_code="pendidikan",
            sections={**sections, "ide_inovatif": "Kelas inklusif dengan guru pendamping."},
        ),
        "sampah": af.proposal(
            factory,
            aceh,
            title="Bank Sampah Desa",
            category_code="lingkungan",
            sections={**sections, "signifikansi": "Sampah plastik menumpuk di pesisir."},
        ),
        "desk": af.proposal(
            factory, tenant, title="Tidak Masuk Katalog", stage_code="desk_evaluation"
        ),
    }
    af.set_publish(factory, comp_id, top99=af.past(), final=af.future())
    result = _refresh(factory, comp_id)
    assert (result.created, result.updated) == (3, 0)
    return items


def test_refresh_is_idempotent_and_skips_non_finalists(factory, catalogue, comp_id) -> None:
    again = _refresh(factory, comp_id)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)
    assert factory.count(CatalogueEntry) == 3


def test_full_text_search_finds_words_in_titles_and_sections(client, catalogue) -> None:
    assert _search(client, "q=puskesmas") == ["Antrean Puskesmas Daring"]
    # a word from a section only (problem of the waste bank), and a word prefix
    assert _search(client, "q=plastik") == ["Bank Sampah Desa"]
    assert _search(client, "q=inklus") == ["Sekolah Ramah Anak"]
    # every word must match; the agency name is searchable too
    assert _search(client, "q=sampah+aceh") == ["Bank Sampah Desa"]
    assert _search(client, "q=sampah+jepara") == []
    # punctuation and operators in the query are just separators, never syntax errors
    assert _search(client, 'q="puskesmas"+(daring*+-') == ["Antrean Puskesmas Daring"]
    assert _search(client, "q=Tidak+Masuk") == []  # not a finalist


def test_filters_by_category_region_year_and_award(client, factory, catalogue, comp_id) -> None:
    year = factory.competition().year
    assert _search(client, "category=pendidikan") == ["Sekolah Ramah Anak"]
    assert _search(client, "province=11") == ["Bank Sampah Desa"]
    assert len(_search(client, f"year={year}")) == 3
    assert _search(client, f"year={year - 1}") == []
    assert _search(client, "kind=kota") == ["Sekolah Ramah Anak"]
    # the award is embargoed until the final results are published
    assert _search(client, "award=top") == []
    af.set_publish(factory, comp_id, final=af.past())
    assert _search(client, "award=top") == ["Antrean Puskesmas Daring"]
    assert _search(client, "award=any&q=antrean") == ["Antrean Puskesmas Daring"]


def test_nothing_is_public_before_the_finalists_are(client, factory, catalogue, comp_id) -> None:
    af.set_publish(factory, comp_id, top99=af.future())
    assert _search(client, "") == []
    html = client.get("/catalogue?q=puskesmas").get_data(as_text=True)
    assert "Antrean Puskesmas Daring" not in html and "0 inovasi ditemukan" in html
    uuid = catalogue["puskesmas"].uuid
    assert client.get(f"/catalogue/{uuid}").status_code == 404
    assert client.get(f"/api/v1/catalogue/{uuid}").status_code == 404


def test_search_page_and_pagination(client, factory, tenant, comp_id) -> None:
    for i in range(25):
        af.proposal(factory, tenant, title=f"Layanan Terpadu Nomor {i:02d}")
    af.set_publish(factory, comp_id, top99=af.past())
    _refresh(factory, comp_id)
    first = client.get("/api/v1/catalogue?q=layanan&per_page=10").get_json()
    assert (first["total"], first["pages"], len(first["items"])) == (25, 3, 10)
    last = client.get(first["links"]["next"].replace("http://localhost", "")).get_json()
    assert last["page"] == 2 and last["links"]["prev"]
    html = client.get("/catalogue?q=layanan").get_data(as_text=True)
    assert "25 inovasi ditemukan" in html and "Halaman 1 dari 2" in html
    assert client.get("/api/v1/catalogue?per_page=1000").get_json()["per_page"] == 100
    bad = client.get("/api/v1/catalogue?page=abc")
    assert bad.status_code == 400 and bad.get_json()["field"] == "page"


def test_detail_page_gives_what_replication_needs(client, catalogue) -> None:
    html = client.get(f"/catalogue/{catalogue['puskesmas'].uuid}").get_data(as_text=True)
    for text in (
        "Masalah",
        "antrean panjang di puskesmas",
        "Solusi",
        "pendaftaran daring",
        "Hasil",
        "waktu tunggu turun",
        "Sumber daya dan keberlanjutan",
        "anggaran daerah",
        "Kontak",
        "Siti Aminah",
        "inovasi@example.go.id",
        "Berlanjut",
    ):
        assert text in html, text
    assert "Top Inovasi Pelayanan Publik" not in html  # the award is still embargoed


def test_replication_links_both_ways(client, factory, tenant, other_tenant, comp_id) -> None:
    original = af.proposal(factory, tenant, title="Asli Inovasi Posyandu")
    copy = af.proposal(
        factory,
        other_tenant,
        title="Posyandu Replikasi Semarang",
        group_code="replikasi",
        replicates_uuid=original.uuid,
        replicates_title="Asli Inovasi Posyandu",
    )
    af.set_publish(factory, comp_id, top99=af.past())
    _refresh(factory, comp_id)
    html = client.get(f"/catalogue/{original.uuid}").get_data(as_text=True)
    replicated_by = html.split("Direplikasi oleh", 1)[1]
    assert (
        f"/catalogue/{copy.uuid}" in replicated_by
        and "Posyandu Replikasi Semarang" in replicated_by
    )
    html = client.get(f"/catalogue/{copy.uuid}").get_data(as_text=True)
    assert "Replikasi dari" in html and f"/catalogue/{original.uuid}" in html
    api = client.get(f"/api/v1/catalogue/{original.uuid}").get_json()
    assert api["replicated_by"] == [
        {"uuid": copy.uuid, "title": "Posyandu Replikasi Semarang", "year": api["year"]}
    ]


def test_owner_keeps_the_status_current(
    client, factory, login_as, tenant, catalogue, in_app, app
) -> None:
    entry_id = _entry_id(factory, catalogue["puskesmas"].id)
    login_as(Role.LOCAL_ADMIN, tenant=tenant)
    assert "Antrean Puskesmas Daring" in client.get("/catalogue/mine").get_data(as_text=True)
    assert "Sekolah Ramah Anak" not in client.get("/catalogue/mine").get_data(as_text=True)
    response = client.post(
        f"/catalogue/mine/{entry_id}",
        data={
            "status": "stopped",
            "status_note": "Digantikan aplikasi provinsi sejak 2026.",
            "replication_summary": "Butuh dua operator dan server kecil; anggaran Rp 50 juta.",
            "contact_name": "Budi",
            "contact_phone": "0291-1",
            "contact_email": "budi@jepara.go.id",
        },
    )
    assert response.status_code == 302
    html = client.get(f"/catalogue/{catalogue['puskesmas'].uuid}").get_data(as_text=True)
    assert "Berhenti" in html and "Digantikan aplikasi provinsi" in html
    assert "Butuh dua operator" in html and "budi@jepara.go.id" in html
    # what the owner writes is searchable, and the status is a filter
    assert _search(client, "q=operator+server") == ["Antrean Puskesmas Daring"]
    assert _search(client, "status=stopped") == ["Antrean Puskesmas Daring"]
    with in_app(app):
        entry = db.session.get(CatalogueEntry, entry_id)
        assert entry.status.value == "stopped"
        log = db.session.execute(
            sa.text("SELECT action FROM audit_log WHERE action = 'catalogue.entry_updated'")
        ).all()
        assert len(log) == 1


def test_owner_form_refuses_bad_email_and_keeps_input(
    client, factory, login_as, tenant, catalogue
) -> None:
    entry_id = _entry_id(factory, catalogue["puskesmas"].id)
    login_as(Role.LOCAL_ADMIN, tenant=tenant)
    response = client.post(
        f"/catalogue/mine/{entry_id}",
        data={
            "status": "continuing",
            "replication_summary": "Teks panjang",
            "contact_email": "bukan surel",
        },
    )
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Teks panjang" in html
    assert factory.get(CatalogueText, entry_id).replication_summary == ""


def test_owner_cannot_open_an_entry_before_it_is_published(
    client, factory, login_as, tenant, catalogue, comp_id
) -> None:
    entry_id = _entry_id(factory, catalogue["puskesmas"].id)
    af.set_publish(factory, comp_id, top99=af.future())
    login_as(Role.LOCAL_ADMIN, tenant=tenant)
    assert client.get(f"/catalogue/mine/{entry_id}").status_code == 404
    assert "Antrean Puskesmas" not in client.get("/catalogue/mine").get_data(as_text=True)


def test_full_text_index_follows_deletes(factory, catalogue, client, in_app, app) -> None:
    with in_app(app):
        db.session.execute(
            sa.delete(CatalogueEntry).where(CatalogueEntry.title == "Bank Sampah Desa")
        )
        db.session.commit()
    assert _search(client, "q=sampah") == []


def _entry_id(factory, proposal_id: int) -> int:
    with factory.app.app_context():
        from shared.tenancy import national_scope

        with national_scope():
            return db.session.execute(
                sa.select(CatalogueEntry.id).where(CatalogueEntry.proposal_id == proposal_id)
            ).scalar_one()


def test_entries_copy_the_agency_type(factory, catalogue, in_app, app) -> None:
    with in_app(app):
        kinds = dict(
            db.session.execute(sa.select(CatalogueEntry.title, CatalogueEntry.agency_kind)).all()
        )
    assert kinds["Sekolah Ramah Anak"] == TenantKind.KOTA


def test_entries_follow_later_decisions_on_the_proposal(
    client, factory, catalogue, comp_id, in_app, app
) -> None:
    from shared.models import Proposal

    af.set_publish(factory, comp_id, final=af.past())
    with in_app(app):  # judging: an objection upheld, and an award given after the refresh
        proposals = {p.title: p for p in db.session.execute(sa.select(Proposal)).scalars()}
        proposals["Bank Sampah Desa"].stage_code = "panel_nomination"
        proposals["Sekolah Ramah Anak"].award = "outstanding_achievement"
        db.session.commit()
    assert "Bank Sampah Desa" not in _search(client, "")
    assert client.get(f"/catalogue/{catalogue['sampah'].uuid}").status_code == 404
    assert _search(client, "award=outstanding_achievement") == ["Sekolah Ramah Anak"]


def test_titles_holding_every_word_come_first(client, factory, tenant, comp_id) -> None:
    sections = {**af.SECTIONS, "ringkasan": "Posyandu keliling untuk balita di desa."}
    af.proposal(factory, tenant, title="Aplikasi Kader Desa", sections=sections)
    af.proposal(factory, tenant, title="Posyandu Balita Ceria")
    af.proposal(factory, tenant, title="Zebra Posyandu Lansia")
    af.set_publish(factory, comp_id, top99=af.past())
    _refresh(factory, comp_id)
    # title matches first (then alphabetical), then the entries mentioning it in their texts
    assert _search(client, "q=posyandu") == [
        "Posyandu Balita Ceria",
        "Zebra Posyandu Lansia",
        "Aplikasi Kader Desa",
    ]
    assert _search(client, "q=posyandu+balita") == ["Posyandu Balita Ceria", "Aplikasi Kader Desa"]
