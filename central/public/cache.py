"""Finished public catalogue answers, kept per process while nothing they show can differ.

A visitor who is not logged in gets the same page as every other visitor for the same URL and
language: no name, no form token, no cookie.  So the catalogue's search pages (HTML and the
open-data JSON) are kept whole, keyed by the URL and the language, with a stamp of everything
they are made from:

- the catalogue version (``catalogue_state.version``, moved by database triggers on every change
  of an entry or its texts, whoever makes it: an owner's update shows on the next search),
- what the publications allow at this moment (each stage's publish time against now, the
  competition's configuration): an embargo lifting changes the stamp by itself.

Reading the stamp costs one statement: the publication rows every public request reads anyway,
with the catalogue version (``published.read_along``).  A process reads it at most once every
``PUBLIC_STAMP_MAX_AGE`` seconds (default 1; 0 reads it on every request) and at once after any
commit of its own, so a repeated question costs no database round trip at all: a change made by
another process shows within that second, one made by this process on its very next answer,
and an embargo lifts on time (the publish times are compared with the clock on every request).
Logged-in users always get a fresh page (it shows their name and form tokens).
``PAGE_CACHE_MAX_AGE`` bounds how long an entry is kept (0 turns the cache off).  Answers carry
an ETag (a hash of their bytes): a browser or proxy revalidating one it has gets a 304.  Under
`sinovik central serve` the workers also share what they made (``SharedStore``): a question one
worker answered is not built again by the others.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Hashable
from typing import Any

import sqlalchemy as sa
from flask import Response, current_app, g, has_app_context, make_response, request
from flask_login import current_user
from markupsafe import Markup

from central.announce.published import Publication, publications
from central.catalogue.search_index import current_version
from shared.db import db
from shared.i18n import locale_code
from shared.pagecache import PageCache, app_cache, shared_store

MAX_ENTRIES = 2048  # finished pages of 10-20 KB each
MAX_CARDS = 8192  # results of the catalogue page, about 700 bytes each


def _visibility(pubs: list[Publication]) -> Hashable:
    """What the public may see of each year now (changes when a publish time passes)."""
    return tuple(
        (
            p.competition_id,
            p.year,
            p.name,
            p.version_id,  # the competition's configuration (labels) of this version
            tuple(
                (s.code, s.name_id, s.name_en, s.publish_at is not None and s.publish_at <= p.now)
                for s in p.stages
            ),
        )
        for p in pubs
    )


def _cache() -> PageCache:
    return app_cache("sinovik_public_answers", MAX_ENTRIES, stamps_grow=False)


def _read_without_transaction() -> None:
    """On PostgreSQL a visitor's answer is read in autocommit mode: it only reads, and each
    statement sees the latest commits as it would in the default READ COMMITTED transaction;
    BEGIN and ROLLBACK were two of a cached answer's four round trips."""
    if db.engine.dialect.name == "postgresql" and not db.session().in_transaction():
        db.session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})


STAMP_MEMO = "sinovik_public_stamp"
_COMMITS = "sinovik_commits"  # commits this process made (a read before one is not trusted)


def _read_stamp() -> None:
    """The publications and the catalogue version into ``g``, as the last read of this process
    when it is younger than ``PUBLIC_STAMP_MAX_AGE`` and no commit of this process followed."""
    extensions = current_app.extensions
    commits = extensions.get(_COMMITS, 0)
    memo = extensions.get(STAMP_MEMO)
    if (
        memo is not None
        and memo[0] == commits
        and time.monotonic() - memo[1] < current_app.config["PUBLIC_STAMP_MAX_AGE"]
    ):
        g._publications, g._catalogue_version = memo[2], memo[3]
        return
    read_at = time.monotonic()
    _read_without_transaction()
    publications()  # reads the catalogue version along
    extensions[STAMP_MEMO] = (commits, read_at, g._publications, current_version())


@sa.event.listens_for(sa.orm.Session, "after_commit")
def _count_commit(session: sa.orm.Session) -> None:
    """What this process commits shows on its next answer (the stamp is read again)."""
    if has_app_context():
        extensions = current_app.extensions
        extensions[_COMMITS] = extensions.get(_COMMITS, 0) + 1


def cached_public_answer(build: Callable[[], Any]) -> Response:
    """The answer of ``build`` (a view's return value) for a visitor, from the cache when the
    catalogue and the publications are as they were when it was made."""
    if current_user.is_authenticated:
        return make_response(build())
    _read_stamp()
    key = (request.endpoint, request.host_url, request.query_string, locale_code())
    visibility = _visibility(publications())  # first: the version comes in the same read
    stamp = g._public_stamp = (current_version(), visibility)

    def made() -> tuple[bytes, int, list[tuple[str, str]]]:
        store = shared_store()
        found = store.get(key, stamp) if store is not None else None
        if found is not None:  # another worker of this server made it already
            return found
        _read_without_transaction()  # the stamp may come from this process's memo
        response = make_response(build())
        body = response.get_data()
        if response.status_code == 200:  # the same bytes, the same tag, in every worker
            response.set_etag(hashlib.blake2b(body, digest_size=12).hexdigest())
        answer = body, response.status_code, list(response.headers.items())
        if store is not None:
            store.put(key, stamp, answer)
        return answer

    body, status, headers = _cache().get(key, stamp, made)
    # A browser or proxy that has this answer already (If-None-Match) gets "304 Not Modified"
    return Response(body, status=status, headers=headers).make_conditional(request)


def _cards() -> PageCache:
    return app_cache("sinovik_public_cards", MAX_CARDS, stamps_grow=False)


def cached_card(entry_id: int, render: Callable[[], str]) -> Markup:
    """One result of a visitor's catalogue page (the HTML ``render`` makes), kept per entry and
    language with the stamp of the answer it is part of; made fresh outside such answers."""
    stamp = g.get("_public_stamp")
    if stamp is None:
        return Markup(render())
    return Markup(_cards().get((entry_id, locale_code()), stamp, lambda: str(render())))
