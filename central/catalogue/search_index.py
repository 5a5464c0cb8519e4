"""What public catalogue search keeps in each process, valid for one catalogue version.

Every public search used to ask the database to intersect the full-text matches with the
published entries, count them and sort them (year, title) for every request: 20-50 ms of CPU per
search with 20,000 entries.  Instead each process keeps, for the current catalogue version
(``catalogue_state.version``, moved by database triggers on every change):

- the listing: every entry's id in catalogue order (newest year first, then title, then id, as
  the database sorts them) with the columns the filters test;
- sets of entries as bitmasks over listing positions: one per filter value (year, category,
  province, ...), and one per search word (the database's own full-text index, FTS5 or
  tsvector+GIN, says which entries hold the word, as a prefix, in the title and texts or in the
  title only).

A search is then a few AND/OR operations on integers: the published entries, the filters and
every word; counting is ``bit_count()`` and the page's ids are the set bits in order.  Words
are cached separately, so "stunting data" reuses what "stunting" and "data" found.  One indexed
read of the version per request decides whether all of this is still current; any change, by
any process, gives a new version and so a new listing.  Under `sinovik central serve` the
workers share the words they looked up (``shared.pagecache.SharedStore``).
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable
from typing import Any

import sqlalchemy as sa
from flask import current_app, g, has_request_context

from central.announce.published import read_along
from central.catalogue.models import CatalogueEntry, CatalogueState
from shared.db import core_connection, db
from shared.pagecache import shared_store

FILTER_COLUMNS = (
    "competition_id",
    "stage_code",
    "year",
    "category_code",
    "province_code",
    "agency_kind",
    "status",
    "award",
)
MAX_WORDS = 2048  # cached words per process (a few KB each with 20,000 entries)


# Built once, run on the session's connection: it is read on every public catalogue request,
# in the same round trip as the publications when they are read first.
_VERSION = sa.select(CatalogueState.version).where(CatalogueState.id == 1)
read_along("_catalogue_version", _VERSION.scalar_subquery())


def current_version() -> int:
    """The catalogue's version (one primary-key read, once per request; none when the
    request read the publications already)."""
    if has_request_context() and "_catalogue_version" in g:
        return g._catalogue_version
    version = core_connection().execute(_VERSION).scalar() or 0
    if has_request_context():
        g._catalogue_version = version
    return version


_ONE = ord("1")


def to_mask(positions: Iterable[int], size: int) -> int:
    """The mask with the bits at ``positions`` set (each below ``size``)."""
    return ids_to_mask(positions, None, size)


def ids_to_mask(ids: Iterable[int], position: dict[int, int] | None, size: int) -> int:
    """The mask of the listing positions of ``ids`` (``position`` maps an id to its position,
    None: the ids are positions; an id it does not hold, a newer entry, is left out).

    One character per position, read as a binary number: a common word's 20,000 ids take
    about a millisecond, where setting bits one by one in a byte array took six.
    """
    if not size:
        return 0
    digits = bytearray(b"0") * (size + 1)  # the last one takes the ids left out
    if position is None:
        for p in ids:
            digits[p] = _ONE
    else:
        get = position.get
        for i in ids:
            digits[get(i, size)] = _ONE
    return int(digits[size - 1 :: -1], 2)


def positions(mask: int, skip: int, count: int, chunk: int = 512) -> list[int]:
    """The positions of the set bits of ``mask``, lowest first, after skipping ``skip``."""
    out: list[int] = []
    base, full = 0, (1 << chunk) - 1
    while mask and len(out) < count:
        part = mask & full
        n = part.bit_count()
        if n <= skip:
            skip -= n
        else:
            while part and len(out) < count:
                low = part & -part
                part ^= low
                if skip:
                    skip -= 1
                else:
                    out.append(base + low.bit_length() - 1)
        mask >>= chunk
        base += chunk
    return out


class Listing:
    """Every catalogue entry of one version, in catalogue order, with its filter columns."""

    def __init__(self, version: int, rows: list[tuple[Any, ...]]) -> None:
        self.version = version
        self.ids: list[int] = [r[0] for r in rows]
        self.position = {entry_id: i for i, entry_id in enumerate(self.ids)}
        self.size = len(rows)
        self.all = (1 << self.size) - 1
        self._rows = rows
        self._by_value: dict[str, dict[Any, int]] = {}
        self._derived: dict[Hashable, int] = {}
        self._words: OrderedDict[str, tuple[int, int] | None] = OrderedDict()
        self._lock = threading.Lock()

    def mask(self, column: str, value: Any) -> int:
        """Entries whose ``column`` equals ``value``."""
        by_value = self._by_value.get(column)
        if by_value is None:
            index = FILTER_COLUMNS.index(column) + 1
            groups: dict[Any, list[int]] = {}
            for i, row in enumerate(self._rows):
                groups.setdefault(row[index], []).append(i)
            by_value = {v: to_mask(p, self.size) for v, p in groups.items()}
            self._by_value[column] = by_value  # a complete dict, swapped in at once
        return by_value.get(value, 0)

    def any_of(self, column: str, values: Iterable[Any]) -> int:
        out = 0
        for value in values:
            out |= self.mask(column, value)
        return out

    def derived(self, key: Hashable, build: Callable[[], int]) -> int:
        """A mask made from other masks (e.g. the published entries), kept for this version."""
        found = self._derived.get(key)
        if found is None:
            found = self._derived[key] = build()
        return found

    def word(self, token: str) -> tuple[int, int] | None:
        """Entries holding the word (as a prefix) in their title or texts, and in their title;
        None for a word the index ignores."""
        with self._lock:
            if token in self._words:
                self._words.move_to_end(token)
                return self._words[token]
        store = shared_store()
        shared_key = ("catalogue word", self.version, token)
        shared = store.get(shared_key, self.version) if store is not None else None
        if shared is not None:  # another worker of this server looked it up already
            (found,) = shared
        else:
            found = self._lookup(token)
            if store is not None:
                store.put(shared_key, self.version, (found,))
        with self._lock:
            self._words[token] = found
            while len(self._words) > MAX_WORDS:
                self._words.popitem(last=False)
        return found

    def _lookup(self, token: str) -> tuple[int, int] | None:
        in_texts, in_title, ignored = _word_ids(token)
        if ignored:
            return None
        return (
            ids_to_mask(in_texts, self.position, self.size),
            ids_to_mask(in_title, self.position, self.size),
        )

    def page(self, mask: int, skip: int, count: int) -> list[int]:
        return [self.ids[p] for p in positions(mask, skip, count)]


_WORD_STATEMENTS: dict[str, sa.Select] = {}


def _word_statement(dialect: str) -> sa.Select:
    """Both lookups of a word and whether the text search ignores it, in one statement (built
    once): the ids of the entries holding it in their title or texts, and in their title."""
    if dialect == "postgresql":
        # The migration's function: sequential scans off while planning (for a word in nearly
        # every entry the planner picks one, which decodes every row's compressed tsvector:
        # about three times what the GIN bitmap costs), the title's own GIN index, and a stop
        # word noted (it then matches as if absent, as in one query of every word).  Arrays:
        # the driver reads the integers, in C.
        found = sa.func.catalogue_word_ids(sa.bindparam("prefix", type_=sa.String)).table_valued(
            "in_texts", "in_title", "ignored"
        )
        return sa.select(found.c.in_texts, found.c.in_title, found.c.ignored)
    # SQLite's FTS5 drops no word; JSON arrays, read by the json module in C
    fts = sa.table("catalogue_fts", sa.column("rowid"))
    match = sa.literal_column("catalogue_fts").op("MATCH")
    in_texts = sa.select(sa.func.json_group_array(fts.c.rowid)).where(
        match(sa.bindparam("texts", type_=sa.String))
    )
    in_title = sa.select(sa.func.json_group_array(fts.c.rowid)).where(
        match(sa.bindparam("title", type_=sa.String))
    )
    return sa.select(
        in_texts.scalar_subquery(), in_title.scalar_subquery(), sa.false()
    ).execution_options(national=True)  # the index covers every entry; callers keep published


def _word_ids(token: str) -> tuple[list[int], list[int], bool]:
    """Ids of the entries whose title and texts, and whose title, hold a word starting so, and
    whether the text search ignores the word.  The ids come as one array each: reading a
    common word's 20,000 ids row by row, or parsing them in Python, would cost more than the
    full-text lookup itself."""
    dialect = db.engine.dialect.name
    stmt = _WORD_STATEMENTS.get(dialect)
    if stmt is None:
        stmt = _WORD_STATEMENTS[dialect] = _word_statement(dialect)
    if dialect == "postgresql":
        params = {"prefix": f"{token}:*"}
    else:
        term = f'"{token}"*'
        params = {"texts": term, "title": f"title : ({term})"}
    row = core_connection().execute(stmt, params).one()
    in_texts, in_title = (json.loads(v) if isinstance(v, str) else v or [] for v in row[:2])
    return in_texts, in_title, bool(row[2])


_BUILD_LOCK = threading.Lock()


def listing() -> Listing:
    """The listing of the current catalogue version (built once per version and process)."""
    version = current_version()
    found: Listing | None = current_app.extensions.get("sinovik_catalogue_listing")
    if found is not None and found.version == version:
        return found
    with _BUILD_LOCK:  # one thread builds; the others wait for it rather than build too
        found = current_app.extensions.get("sinovik_catalogue_listing")
        if found is not None and found.version == version:
            return found
        # Enum columns as their stored strings: no conversion of 20,000 values per column.
        columns = [
            sa.type_coerce(column, sa.String) if isinstance(column.type, sa.Enum) else column
            for column in (getattr(CatalogueEntry, name) for name in FILTER_COLUMNS)
        ]
        stmt = (
            sa.select(CatalogueEntry.id, *columns)
            .order_by(CatalogueEntry.year.desc(), CatalogueEntry.title, CatalogueEntry.id)
            .execution_options(national=True)  # every entry; searches keep the published ones
        )
        rows = [tuple(row) for row in core_connection().execute(stmt).all()]
        found = Listing(version, rows)
        current_app.extensions["sinovik_catalogue_listing"] = found
        return found
