"""The dashboard and the proposal list keep their figures and rows between reloads
(shared/pagecache.py): a reload must still show every change, whoever made it."""

from __future__ import annotations

import re
import sqlite3
from contextlib import closing

import sqlalchemy as sa
from jinja2 import ChoiceLoader, DictLoader

from shared.db import db
from shared.models import Proposal, ProposalStatus, Role
from shared.pagecache import page_key, render_with_cached_block
from tests.conftest import CSRFClient, login


def _text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)))


def test_a_change_made_by_another_worker_shows_on_the_next_reload(
    app, client, factory, login_as, tenant
) -> None:
    unit = factory.unit(tenant, name="Dinas Kesehatan")
    first = factory.proposal(tenant, unit, title="Antrean Puskesmas Daring")
    login_as(Role.LOCAL_ADMIN, tenant=tenant)
    for _ in range(3):  # later answers come from the cache
        assert "Antrean Puskesmas Daring" in _text(client.get("/proposals/"))
        assert "1 Proposal" in _text(client.get("/dashboard"))

    # another process (a gunicorn worker, the sync timer, a CLI command) writes to the file
    path = sa.make_url(app.config["SQLALCHEMY_DATABASE_URI"]).database
    with closing(sqlite3.connect(path)) as other:
        other.execute(
            "UPDATE proposal SET title = 'Antrean Renamed', status = 'sent' WHERE id = ?",
            (first.id,),
        )
        other.commit()

    text = _text(client.get("/proposals/"))
    assert "Antrean Renamed" in text and "Antrean Puskesmas Daring" not in text
    text = _text(client.get("/dashboard"))
    assert "1 Proposal" in text and "1 Dikirim" in text and "0 Draf" in text


def test_a_change_made_in_this_process_shows_on_the_next_reload(
    app, client, factory, login_as, tenant, in_app
) -> None:
    unit = factory.unit(tenant)
    factory.proposal(tenant, unit, title="Antrean Puskesmas Daring")
    login_as(Role.LOCAL_ADMIN, tenant=tenant)
    for _ in range(3):
        assert "1 Proposal" in _text(client.get("/dashboard"))
    factory.proposal(tenant, unit, title="Posyandu Keliling")
    assert "Posyandu Keliling" in _text(client.get("/proposals/"))
    assert "2 Proposal" in _text(client.get("/dashboard"))
    with in_app(app):
        db.session.execute(sa.update(Proposal).values(title="Semua Diganti"))
        db.session.commit()
    text = _text(client.get("/proposals/"))
    assert "Semua Diganti" in text and "Posyandu Keliling" not in text


def test_each_account_kind_and_language_gets_its_own_page(
    app, client, factory, login_as, tenant
) -> None:
    mine, theirs = factory.unit(tenant), factory.unit(tenant)
    factory.proposal(tenant, mine, title="Proposal Unit Saya")
    factory.proposal(tenant, theirs, title="Proposal Unit Lain")
    login_as(Role.LOCAL_ADMIN, tenant=tenant)
    text = _text(client.get("/proposals/"))
    assert "Proposal Unit Saya" in text and "Proposal Unit Lain" in text

    operator = factory.user(Role.OPERATOR, tenant=tenant, unit=mine)
    other_client = app.test_client()
    assert isinstance(other_client, CSRFClient)
    assert login(other_client, operator.username).status_code == 302
    text = _text(other_client.get("/proposals/"))
    assert "Proposal Unit Saya" in text and "Proposal Unit Lain" not in text
    assert "Proposal Unit Lain" not in _text(other_client.get("/dashboard"))

    client.post("/language", data={"lang": "en", "next": "/proposals/"})
    text = _text(client.get("/proposals/"))
    assert "Last change" in text and "Proposal Unit Lain" in text
    assert "Perubahan terakhir" in _text(other_client.get("/proposals/"))


def test_filters_and_pages_are_kept_apart(client, factory, login_as, tenant) -> None:
    unit = factory.unit(tenant)
    factory.proposal(tenant, unit, title="Satu Draf", status=ProposalStatus.DRAFT)
    factory.proposal(tenant, unit, title="Satu Terkirim", status=ProposalStatus.SENT)
    login_as(Role.LOCAL_ADMIN, tenant=tenant)
    assert "Satu Terkirim" in _text(client.get("/proposals/"))
    text = _text(client.get("/proposals/?status=draft"))
    assert "Satu Draf" in text and "Satu Terkirim" not in text
    text = _text(client.get("/proposals/?status=sent"))
    assert "Satu Terkirim" in text and "Satu Draf" not in text


def test_a_part_with_a_form_token_is_never_served_to_another_session(
    app, client, factory, login_as, tenant
) -> None:
    form = (
        '{% extends "base.html" %}{% block content %}<form method="post">'
        '<input name="csrf_token" value="{{ csrf_token() }}"></form>{% endblock %}'
    )
    app.jinja_env.loader = ChoiceLoader([DictLoader({"form.html": form}), app.jinja_env.loader])

    @app.get("/form-page")
    def form_page():
        return render_with_cached_block("form.html", page_key(), dict)

    login_as(Role.LOCAL_ADMIN, tenant=tenant)
    other = app.test_client()
    assert login(other, factory.user(Role.LOCAL_ADMIN, tenant=tenant).username).status_code == 302
    token = re.compile(r'name="csrf_token" value="([^"]+)"')
    for _ in range(3):  # the first looks of a connection pass the cache by
        mine = token.findall(client.get("/form-page").get_data(as_text=True))[-1]
    theirs = token.findall(other.get("/form-page").get_data(as_text=True))[-1]
    assert mine != theirs


def test_shared_macros_speak_each_readers_language(app, client, factory, login_as, tenant) -> None:
    """Macro files are imported once per worker; their texts still follow each request."""
    proposal = factory.proposal(tenant, factory.unit(tenant), title="Antrean Daring")
    login_as(Role.LOCAL_ADMIN, tenant=tenant)
    english = app.test_client()
    reader = factory.user(Role.LOCAL_ADMIN, tenant=tenant)
    assert login(english, reader.username).status_code == 302
    english.post("/language", data={"lang": "en", "next": "/proposals/"})
    page = f"/proposals/{proposal.id}"
    for _ in range(2):  # in turn, each after the other has rendered the macros
        text = _text(client.get(page))
        assert "Riwayat" in text and "History" not in text
        text = _text(english.get(page))
        assert "History" in text and "Riwayat" not in text
