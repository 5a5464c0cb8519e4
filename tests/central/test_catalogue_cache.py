"""The public catalogue answers visitors from per-process caches: whatever changes the catalogue
or what is published shows on the very next search, and paging and filters stay exact."""

from __future__ import annotations

import os
import time

import pytest
import sqlalchemy as sa

from central.catalogue import search_index, services
from central.catalogue.models import CatalogueEntry, CatalogueText
from central.catalogue.services import refresh_entries
from central.public import cache
from shared.db import db
from shared.models import Proposal, Role
from shared.pagecache import SharedStore
from tests import announce_factories as af

AWARD_BADGE = '<span class="badge award">Top Inovasi'


@pytest.fixture
def comp_id(factory) -> int:
    return factory.competition().id


@pytest.fixture
def visitor(app):
    """A second browser that is never logged in (its answers come from the caches)."""
    return app.test_client()


@pytest.fixture
def catalogue(factory, tenant, other_tenant, comp_id):
    items = {
        "puskesmas": af.proposal(factory, tenant, title="Antrean Puskesmas Daring", award="top"),
        "sekolah": af.proposal(
            factory, other_tenant, title="Sekolah Ramah Anak", category_code="pendidikan"
        ),
    }
    af.set_publish(factory, comp_id, top99=af.past(), final=af.future())
    factory.run(refresh_entries, comp_id, actor=None)
    return items


def _titles(client, query: str) -> list[str]:
    return [item["title"] for item in client.get(f"/api/v1/catalogue?{query}").get_json()["items"]]


def _page(client, query: str) -> str:
    response = client.get(f"/catalogue?{query}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _entry_id(app, proposal_id: int) -> int:
    with app.app_context():
        from shared.tenancy import national_scope

        with national_scope():
            return db.session.execute(
                sa.select(CatalogueEntry.id).where(CatalogueEntry.proposal_id == proposal_id)
            ).scalar_one()


def test_a_visitor_sees_the_owners_update_on_the_next_search(
    app, client, visitor, login_as, tenant, catalogue
) -> None:
    before = _page(visitor, "q=puskesmas")
    assert "Berlanjut" in before and "Berhenti" not in before
    assert _titles(visitor, "q=genset") == []
    assert _titles(visitor, "status=stopped") == []

    login_as(Role.LOCAL_ADMIN, tenant=tenant)
    entry_id = _entry_id(app, catalogue["puskesmas"].id)
    response = client.post(
        f"/catalogue/mine/{entry_id}",
        data={"status": "stopped", "replication_summary": "Butuh genset cadangan."},
    )
    assert response.status_code == 302

    after = _page(visitor, "q=puskesmas")
    assert "Berhenti" in after and "Berlanjut" not in after
    assert _titles(visitor, "q=genset") == ["Antrean Puskesmas Daring"]
    assert _titles(visitor, "status=stopped") == ["Antrean Puskesmas Daring"]


def test_changes_made_outside_the_services_show_too(app, visitor, catalogue, in_app) -> None:
    assert "Pendaftaran lewat pesan singkat" not in _page(visitor, "q=sekolah")
    assert _titles(visitor, "q=sekolah") == ["Sekolah Ramah Anak"]
    with in_app(app):  # a database trigger, not the application, moves the catalogue version
        db.session.execute(
            sa.update(CatalogueText)
            .where(CatalogueText.title == "Sekolah Ramah Anak")
            .values(summary="Pendaftaran lewat pesan singkat.")
        )
        db.session.execute(
            sa.update(CatalogueEntry)
            .where(CatalogueEntry.title == "Sekolah Ramah Anak")
            .values(title="Sekolah Inklusif")
        )
        db.session.commit()
    assert "Pendaftaran lewat pesan singkat" in _page(visitor, "q=sekolah")
    assert _titles(visitor, "q=sekolah") == ["Sekolah Inklusif"]


def test_later_decisions_and_publication_show_on_the_next_search(
    app, factory, visitor, catalogue, comp_id, in_app
) -> None:
    assert _titles(visitor, "award=any") == []  # awards still embargoed
    assert AWARD_BADGE not in _page(visitor, "q=antrean")
    af.set_publish(factory, comp_id, final=af.past())
    assert _titles(visitor, "award=any") == ["Antrean Puskesmas Daring"]
    assert AWARD_BADGE in _page(visitor, "q=antrean")
    with in_app(app):  # judging withdraws the award after the refresh (a trigger copies it)
        proposal = db.session.get(Proposal, catalogue["puskesmas"].id)
        proposal.award = None
        db.session.commit()
    assert _titles(visitor, "award=any") == []
    assert AWARD_BADGE not in _page(visitor, "q=antrean")
    af.set_publish(factory, comp_id, top99=af.future(), final=af.future())
    assert _titles(visitor, "") == []
    assert "0 inovasi ditemukan" in _page(visitor, "q=antrean")


def test_visitors_get_no_cookie_and_choose_the_language_by_link(visitor, catalogue) -> None:
    response = visitor.get("/catalogue?q=sekolah")
    assert response.headers.get("Set-Cookie") is None
    html = response.get_data(as_text=True)
    assert "csrf_token" not in html and "1 inovasi ditemukan" in html
    assert visitor.get("/api/v1/catalogue?q=sekolah").headers.get("Set-Cookie") is None

    switched = visitor.get("/language/en?next=/catalogue?q%3Dsekolah")
    assert switched.status_code == 302 and switched.headers["Location"] == "/catalogue?q=sekolah"
    assert "1 innovations found" in _page(visitor, "q=sekolah")
    # another visitor still gets the default language for the same address
    other = visitor.application.test_client()
    assert "1 inovasi ditemukan" in _page(other, "q=sekolah")


def test_logged_in_users_keep_their_session_page(client, login_as, tenant, catalogue) -> None:
    user = login_as(Role.LOCAL_ADMIN, tenant=tenant)
    html = _page(client, "q=sekolah")
    assert user.display_name in html and "csrf_token" in html


def test_paging_and_filters_over_ranked_results(client, factory, tenant, other_tenant, comp_id):
    in_text = {**af.SECTIONS, "ringkasan": "Posyandu keliling untuk balita."}
    titled = [f"Posyandu Nomor {i:02d}" for i in range(12)]
    mentioned = [f"Aplikasi Kader {i:02d}" for i in range(13)]
    for i, title in enumerate(titled):
        owner = tenant if i % 2 else other_tenant
        af.proposal(factory, owner, title=title, category_code="kesehatan")
    for i, title in enumerate(mentioned):
        category = "kesehatan" if i % 3 else "pendidikan"
        af.proposal(factory, tenant, title=title, sections=in_text, category_code=category)
    af.proposal(factory, tenant, title="Bank Sampah Desa")
    af.set_publish(factory, comp_id, top99=af.past())
    factory.run(refresh_entries, comp_id, actor=None)

    pages = [
        client.get(f"/api/v1/catalogue?q=posyandu&per_page=10&page={n}").get_json()
        for n in (1, 2, 3, 4)
    ]
    assert [p["total"] for p in pages] == [25] * 4 and pages[0]["pages"] == 3
    seen = [item["title"] for p in pages for item in p["items"]]
    assert seen == titled + mentioned  # title matches first, each part alphabetical
    assert pages[3]["items"] == []

    kesehatan = [t for i, t in enumerate(mentioned) if i % 3]
    assert _titles(client, "q=posyandu&category=kesehatan&per_page=100") == titled + kesehatan
    assert _titles(client, "q=posyandu&category=pendidikan&per_page=2&page=2") == [
        mentioned[6],
        mentioned[9],
    ]
    assert _titles(client, "kind=kota&per_page=100") == titled[0::2]
    html = _page(client, "q=posyandu&page=2")
    assert "25 inovasi ditemukan" in html and "Halaman 2 dari 2" in html
    assert "Aplikasi Kader 12" in html and "Posyandu Nomor" not in html


# -- the workers of one server share answers and looked-up words (shared/pagecache.py) ------------


@pytest.fixture
def shared_store_dir(app, tmp_path):
    """The directory `sinovik central serve` makes for its workers."""
    app.config["SHARED_STORE_DIR"] = str(tmp_path)
    app.extensions.pop("sinovik_shared_store", None)
    yield tmp_path
    app.config.pop("SHARED_STORE_DIR")
    app.extensions.pop("sinovik_shared_store", None)


def _another_worker(app) -> None:
    """Forget what this process keeps, as the server's other worker process never had it."""
    for name in ("sinovik_public_answers", "sinovik_catalogue_listing", cache.STAMP_MEMO):
        app.extensions.pop(name, None)


def _fail(*args, **kwargs):
    raise AssertionError("made again in the second worker")


def test_a_worker_serves_what_another_worker_made(
    app, visitor, catalogue, shared_store_dir, monkeypatch
) -> None:
    html, titles = _page(visitor, "q=puskesmas"), _titles(visitor, "q=sekolah")
    _another_worker(app)
    with monkeypatch.context() as patched:
        patched.setattr(services, "search", _fail)
        assert _page(visitor, "q=puskesmas") == html
        assert _titles(visitor, "q=sekolah") == titles
    # a new question with words another worker looked up: no full-text lookup again
    _another_worker(app)
    with monkeypatch.context() as patched:
        patched.setattr(search_index, "_word_ids", _fail)
        assert _titles(visitor, "q=puskesmas&category=kesehatan") == ["Antrean Puskesmas Daring"]


def test_every_worker_shows_the_owners_update_on_the_next_search(
    app, client, visitor, login_as, tenant, catalogue, shared_store_dir
) -> None:
    before = _page(visitor, "q=puskesmas")
    _another_worker(app)
    assert _page(visitor, "q=puskesmas") == before and "Berlanjut" in before

    login_as(Role.LOCAL_ADMIN, tenant=tenant)
    entry_id = _entry_id(app, catalogue["puskesmas"].id)
    client.post(f"/catalogue/mine/{entry_id}", data={"status": "stopped"})
    for _ in range(2):
        assert "Berhenti" in _page(visitor, "q=puskesmas")
        _another_worker(app)


def test_another_process_change_shows_within_the_stamp_age(
    app, visitor, catalogue, monkeypatch
) -> None:
    """A process trusts its last read of the catalogue version for PUBLIC_STAMP_MAX_AGE: a
    change committed elsewhere (another worker, a script) shows once that time has passed."""
    clock = [1000.0]
    monkeypatch.setattr(cache.time, "monotonic", lambda: clock[0])
    assert _titles(visitor, "q=sekolah") == ["Sekolah Ramah Anak"]
    with app.app_context(), db.engine.begin() as elsewhere:  # not this process's session
        elsewhere.execute(
            sa.update(CatalogueEntry)
            .where(CatalogueEntry.title == "Sekolah Ramah Anak")
            .values(title="Sekolah Inklusif")
        )
    clock[0] += app.config["PUBLIC_STAMP_MAX_AGE"] / 2
    assert _titles(visitor, "q=sekolah") == ["Sekolah Ramah Anak"]  # still within the age
    clock[0] += app.config["PUBLIC_STAMP_MAX_AGE"]
    assert _titles(visitor, "q=sekolah") == ["Sekolah Inklusif"]


def test_shared_store_reads_back_only_the_same_stamp_while_young(tmp_path) -> None:
    store = SharedStore(tmp_path, max_age=60)
    assert store.get(("q", 1), stamp=7) is None
    store.put(("q", 1), 7, b"answer")
    assert store.get(("q", 1), stamp=7) == b"answer"
    assert store.get(("q", 1), stamp=8) is None  # the catalogue or a publication moved
    assert store.get(("q", 2), stamp=7) is None
    next(tmp_path.iterdir()).write_bytes(b"not a pickle")
    assert store.get(("q", 1), stamp=7) is None

    store.put(("q", 1), 7, b"answer")
    old = SharedStore(tmp_path, max_age=0.01)
    time.sleep(0.02)
    assert old.get(("q", 1), stamp=7) is None
    old.sweep()
    assert list(tmp_path.iterdir()) == []

    bounded = SharedStore(tmp_path, max_age=60, max_entries=2)
    for n in range(4):
        bounded.put(("q", n), 7, n)
        os.utime(bounded._path(("q", n)), (1_000_000 + n, time.time() - 10 + n))
    bounded.sweep()
    assert [bounded.get(("q", n), 7) for n in range(4)] == [None, None, 2, 3]


def test_option_tags_mark_the_chosen_value_and_escape() -> None:
    from central.public.html import option_tags

    choices = [("11", "Aceh"), ("33", "Jawa <Tengah>")]
    assert option_tags(choices, "33") == (
        '<option value="11">Aceh</option><option value="33" selected>Jawa &lt;Tengah&gt;</option>'
    )
    assert option_tags(choices, "") == option_tags(choices) == option_tags(choices, "99")
    assert 'value="2026" selected>2026<' in option_tags([2027, 2026], 2026)


def test_a_visitor_revalidating_an_unchanged_answer_gets_304(
    client, visitor, login_as, tenant, catalogue, app
) -> None:
    first = visitor.get("/catalogue?q=puskesmas")
    tag = first.headers["ETag"]
    again = visitor.get("/catalogue?q=puskesmas", headers={"If-None-Match": tag})
    assert again.status_code == 304 and again.get_data() == b""
    api = visitor.get("/api/v1/catalogue?q=puskesmas")
    assert (
        visitor.get(
            "/api/v1/catalogue?q=puskesmas", headers={"If-None-Match": api.headers["ETag"]}
        ).status_code
        == 304
    )
    other = visitor.get("/catalogue?q=sekolah", headers={"If-None-Match": tag})
    assert other.status_code == 200  # another question, another answer

    login_as(Role.LOCAL_ADMIN, tenant=tenant)
    assert "ETag" not in client.get("/catalogue?q=puskesmas").headers  # fresh, personal pages
    entry_id = _entry_id(app, catalogue["puskesmas"].id)
    client.post(f"/catalogue/mine/{entry_id}", data={"status": "stopped"})
    changed = visitor.get("/catalogue?q=puskesmas", headers={"If-None-Match": tag})
    assert changed.status_code == 200 and "Berhenti" in changed.get_data(as_text=True)
    assert changed.headers["ETag"] != tag


def _autocommit() -> bool:
    return bool(getattr(db.session.connection().connection.dbapi_connection, "autocommit", False))


def test_a_visitors_answer_leaves_no_autocommit_connection_behind(app, visitor, catalogue):
    """On PostgreSQL visitors' answers are read in autocommit mode (no BEGIN and ROLLBACK
    round trips); the next user of the pooled connection gets transactions again."""
    seen: list[bool] = []

    @app.after_request
    def _note(response):
        seen.append(_autocommit())
        return response

    assert "1 inovasi ditemukan" in _page(visitor, "q=sekolah")
    with app.app_context():
        assert seen == [db.engine.dialect.name == "postgresql"]
        assert not _autocommit()
