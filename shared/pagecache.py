"""A per-process cache of rendered page parts, valid while the database is unchanged.

A regional node's Admin Lokal and operators keep the dashboard and the proposal list open and
reload them all day; during the deadline surge ten of them at once. Recomputing the figures and
re-rendering fifty rows for each reload would spend the node's two cores on identical work, so
the expensive part of a page (never anything personal such as a CSRF token, a flashed message
or the account's name) is kept together with a *stamp* of the database it was made from.

The stamp is SQLite's own change detector, ``PRAGMA data_version``: within one connection it
changes whenever another connection (another worker, a CLI command, the sync timer) committed
since that connection last looked, and it is read inside the request's read transaction, so the
stamp and the rows the part is built from belong to the same snapshot. Commits made through a
connection do not move its own stamp, so a process-wide generation counter is bumped on every
commit in this process and on every change another connection reports; a request that has
written and not yet committed bypasses the cache. Any committed write
anywhere therefore retires every entry: no list of tables to keep in step with the templates.
Entries also expire after ``PAGE_CACHE_MAX_AGE`` seconds (0 turns the cache off), and without
SQLite (PostgreSQL in some test runs) nothing is cached.

Keys must name everything else a part depends on: the tenant scope, the role, the unit, the
locale, the query string, and anything that moves with the clock (the registration window).
"""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import os
import pickle
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from pathlib import Path
from typing import Any, TypeVar

from flask import current_app
from sqlalchemy import Connection, Engine, event
from sqlalchemy.orm import Session

from shared.db import db

T = TypeVar("T")

_generation = itertools.count(1)
_current = [next(_generation)]
_lock = threading.Lock()


def _bump() -> int:
    with _lock:
        _current[0] = next(_generation)
        return _current[0]


def _wrote(session: Session, *_args: Any) -> None:
    session.info["sinovik_unsaved_writes"] = True


def _transaction_over(session: Session, *_args: Any) -> None:
    session.info.pop("sinovik_unsaved_writes", None)


def _committed(session: Session) -> None:
    _transaction_over(session)
    _bump()  # after the commit: a transaction that begins later sees the rows


# A session that flushed sees rows no one else sees yet: it neither reads nor fills the cache
# until its transaction ends. Its commit retires every entry (the committing connection's own
# data_version does not move).
def _began(session: Session, *_args: Any) -> None:
    # Read before the transaction's first statement starts its snapshot: every commit counted
    # up to here is in that snapshot.
    session.info["sinovik_generation"] = _current[0]
    session.info.pop("sinovik_stamped", None)


def _connection_commits(connection: Connection) -> None:
    # A connection's own commits do not move its data_version: make its next look count as a
    # change (covers commits made without a session too).
    connection.connection.info.pop("sinovik_data_version", None)


def _ended(session: Session, transaction: Any) -> None:
    if transaction.parent is None:  # the next transaction looks again
        session.info.pop("sinovik_stamped", None)


event.listen(Engine, "commit", _connection_commits)
event.listen(Session, "after_transaction_end", _ended)
event.listen(Session, "after_begin", _began)
event.listen(Session, "after_flush", _wrote)
event.listen(Session, "after_commit", _committed)
event.listen(Session, "after_rollback", _transaction_over)


def data_stamp() -> int | None:
    """The generation of the data the current transaction sees; None when it cannot be known."""
    session = db.session()
    if session.info.get("sinovik_unsaved_writes"):
        return None
    if session.info.get("sinovik_stamped"):  # looked already in this transaction
        return session.info.get("sinovik_generation")
    connection = session.connection()
    if connection.dialect.name != "sqlite":
        return None
    session.info["sinovik_stamped"] = True
    version = connection.exec_driver_sql("PRAGMA data_version").scalar()
    info = connection.connection.info  # the DBAPI connection's: survives pool check-outs
    if info.get("sinovik_data_version") != version:
        # Another connection committed since this one last looked (or it is new): retire every
        # entry, and build this transaction's parts without the cache (its snapshot may hold
        # commits counted after it began).
        info["sinovik_data_version"] = version
        _bump()
        session.info["sinovik_generation"] = None  # for the rest of this transaction
        return None
    return session.info.get("sinovik_generation")


class PageCache:
    """Entries keyed by the question, valid while the data stamp is unchanged."""

    def __init__(
        self, max_entries: int = 64, max_age: float = 60.0, *, stamps_grow: bool = True
    ) -> None:
        self.max_entries = max_entries
        self.max_age = max_age
        # True when one stamp covers every entry and only grows (SQLite's data version): an
        # entry with an older stamp can never be served again and is dropped at once
        self.stamps_grow = stamps_grow
        self._entries: OrderedDict[Hashable, tuple[Any, float, Any]] = OrderedDict()
        self._lock = threading.Lock()
        self._swept = 0.0
        self._last_stamp: Any = None

    def get(self, key: Hashable, stamp: Any, build: Callable[[], T]) -> T:
        if self.max_age <= 0 or stamp is None:
            return build()
        now = time.monotonic()
        with self._lock:
            hit = self._entries.get(key)
            if hit is not None and hit[0] == stamp and now - hit[1] < self.max_age:
                self._entries.move_to_end(key)
                return hit[2]
        value = build()  # outside the lock: a slow build never blocks other readers
        with self._lock:
            self._entries[key] = (stamp, now, value)
            self._entries.move_to_end(key)
            # an idle node must stay small: drop what can no longer be served (a look at every
            # entry, so at most once a second, or at once when a newer stamp retires them all)
            if now - self._swept >= 1.0 or (self.stamps_grow and stamp != self._last_stamp):
                self._swept, self._last_stamp = now, stamp
                for old in [
                    k
                    for k, (st, at, _) in self._entries.items()
                    if now - at >= self.max_age or (self.stamps_grow and st < stamp)
                ]:
                    del self._entries[old]
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)
        return value

    def discard(self, key: Hashable) -> None:
        with self._lock:
            self._entries.pop(key, None)


def app_cache(name: str, max_entries: int = 64, *, stamps_grow: bool = True) -> PageCache:
    """The app's cache called ``name`` (one per process: gunicorn workers do not share it),
    made on first use with the app's ``PAGE_CACHE_MAX_AGE``."""
    cache = current_app.extensions.get(name)
    if cache is None:
        cache = current_app.extensions.setdefault(
            name,
            PageCache(
                max_entries, current_app.config["PAGE_CACHE_MAX_AGE"], stamps_grow=stamps_grow
            ),
        )
    return cache


def page_cache() -> PageCache:
    """The app's cache of page parts."""
    return app_cache("sinovik_part_cache")


def cached(key: Hashable, build: Callable[[], T]) -> T:
    """The value of ``build()`` for ``key``, made again whenever the database changed."""
    return page_cache().get(key, data_stamp(), build)


def page_key(*parts: Hashable) -> tuple[Hashable, ...]:
    """A cache key with what every page part depends on: scope, account kind, locale, query."""
    from flask import request
    from flask_babel import get_locale
    from flask_login import current_user

    from shared.tenancy import current_scope

    scope = current_scope()
    user = current_user
    return (
        request.endpoint,
        scope.tenant_ids if scope else None,
        scope.national if scope else None,
        (user.role, user.tenant_id, user.unit_id) if user.is_authenticated else None,
        str(get_locale()),
        tuple(sorted(request.args.items(multi=True))),
        *parts,
    )


def render_with_cached_block(
    template_name: str,
    key: Hashable,
    build: Callable[[], dict[str, Any]],
    *,
    block: str = "content",
    **context: Any,
) -> str:
    """Render a page whose ``block`` comes from the cache (made again when the data changed).

    ``build`` returns the variables only the block needs (the expensive ones); it runs only
    when the block is not cached. The rest of the page (layout, menu, CSRF tokens, flashed
    messages) is rendered for every request, from ``context``.
    """
    from flask import before_render_template, template_rendered

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    template = app.jinja_env.get_or_select_template(template_name)
    made: list[str] = []

    def render_page(extra: dict[str, Any], replace: Callable[..., Any] | None) -> str:
        variables = {**context, **extra}
        app.update_template_context(variables)
        before_render_template.send(app, template=template, context=variables)
        jinja_context = template.new_context(variables)
        original = jinja_context.blocks[block][0]

        def capture(ctx: Any) -> Any:  # a Jinja block function
            made.append("".join(original(ctx)))
            yield made[-1]

        jinja_context.blocks[block][0] = replace or capture
        html = "".join(template.root_render_func(jinja_context))
        template_rendered.send(app, template=template, context=variables)
        return html

    def fill() -> str:
        page_html.append(render_page(build(), None))
        return made[-1]

    page_html: list[str] = []
    part = cached(key, fill)
    if page_html:  # built just now: the whole page is already rendered
        if "csrf_token" in part:  # a form's token is the session's: never serve it to others
            page_cache().discard(key)
        return page_html[0]
    return render_page({}, lambda ctx: iter((part,)))


class SharedStore:
    """Values shared by the worker processes of one server: one file per key in a private
    directory the server makes when it starts and removes when it stops (so nothing made by
    an older version of the code is ever read back).

    Each gunicorn worker keeps its own :class:`PageCache`; without this store every worker
    repeats the work of the others for each question new to it.  A value is stored with its
    stamp and the time it was made, and read back only with the same stamp and while younger
    than ``max_age``; writes replace the file at once, so a reader sees an old value or the new
    one, never part of one.  Now and then files older than ``max_age`` are swept, and the
    oldest beyond ``max_entries`` (the directory lives in memory: a crawler asking thousands of
    new questions a minute must not fill it).
    """

    SWEEP_EVERY = 128  # writes of this process between sweeps

    def __init__(self, directory: str | Path, max_age: float, max_entries: int = 4096) -> None:
        self.directory = Path(directory)
        self.max_age = max_age
        self.max_entries = max_entries
        self._writes = 0

    def _path(self, key: Hashable) -> Path:
        return self.directory / hashlib.blake2b(repr(key).encode(), digest_size=16).hexdigest()

    def get(self, key: Hashable, stamp: Any) -> Any | None:
        """The value stored for ``key`` with ``stamp``, or None."""
        try:
            stored_key, stored_stamp, made_at, value = pickle.loads(self._path(key).read_bytes())
        except (OSError, pickle.PickleError, EOFError, ValueError, TypeError):
            return None
        if stored_key != key or stored_stamp != stamp or time.time() - made_at >= self.max_age:
            return None
        return value

    def put(self, key: Hashable, stamp: Any, value: Any) -> None:
        path = self._path(key)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}")
        try:
            tmp.write_bytes(pickle.dumps((key, stamp, time.time(), value), protocol=5))
            os.replace(tmp, path)
        except OSError:  # a full or vanished directory costs the sharing, never the answer
            tmp.unlink(missing_ok=True)
            return
        self._writes += 1
        if self._writes % self.SWEEP_EVERY == 0:
            self.sweep()

    def sweep(self) -> None:
        """Remove what can no longer be served (older than ``max_age``) and the oldest files
        beyond ``max_entries``."""
        oldest = time.time() - self.max_age
        kept: list[tuple[float, str]] = []
        try:
            entries = list(os.scandir(self.directory))
        except OSError:
            return
        for entry in entries:
            try:
                made = entry.stat().st_mtime
                if made < oldest:
                    os.unlink(entry.path)
                else:
                    kept.append((made, entry.path))
            except OSError:
                pass  # another worker removed it first
        if len(kept) > self.max_entries:
            kept.sort()
            for _, path in kept[: len(kept) - self.max_entries]:
                with contextlib.suppress(OSError):
                    os.unlink(path)


SHARED_STORE_ENV = "SINOVIK_SHARED_STORE_DIR"


def shared_store() -> SharedStore | None:
    """The store the server's workers share (None outside `serve`, or with the cache off)."""
    app = current_app
    store = app.extensions.get("sinovik_shared_store", False)
    if store is False:
        directory = app.config.get("SHARED_STORE_DIR")
        max_age = app.config["PAGE_CACHE_MAX_AGE"]
        store = SharedStore(directory, max_age) if directory and max_age > 0 else None
        app.extensions["sinovik_shared_store"] = store
    return store
