"""A per-process cache of rendered page parts, checked against the data on every request.

During the deadline surge, and again during screening, many ministry staff refresh the same
national pages at once. Recomputing every breakdown and re-rendering fifty rows for each of them
would spend the server's two cores on identical work. Instead the expensive part of a page (the
figures and tables, never anything personal such as a CSRF token) is kept together with a
*stamp* of the data it was made from:

- the running competition (its id and ``updated_at``: window, version),
- its proposals' newest ``updated_at`` and highest id (any new, changed or decided proposal),
- the newest screening checklist (``computed_at``).

One indexed probe query reads the stamp on every request; a part made from other data is never
served. Deleted rows and tenant renames do not move the stamp, so entries also expire after
``PAGE_CACHE_MAX_AGE`` seconds. Setting it to 0 disables the cache (see bench/central_bench.py).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any, TypeVar

import sqlalchemy as sa

from central.screening.models import ScreeningCheck
from shared.db import db
from shared.models.competition import Competition
from shared.models.proposal import Proposal
from shared.pagecache import PageCache, app_cache

T = TypeVar("T")


@dataclass(frozen=True)
class Probe:
    competition_id: int
    year: int
    stamp: tuple[Any, ...]


def _probe_statement() -> sa.Select:
    latest = (
        sa.select(Competition.id, Competition.year, Competition.updated_at)
        .order_by(Competition.year.desc())
        .limit(1)
        .subquery()
    )
    newest = (
        sa.select(Proposal.updated_at)
        .where(Proposal.competition_id == latest.c.id)
        .order_by(Proposal.updated_at.desc())
        .limit(1)
        .scalar_subquery()
    )
    highest = (
        sa.select(Proposal.id)
        .where(Proposal.competition_id == latest.c.id)
        .order_by(Proposal.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    checked = (
        sa.select(ScreeningCheck.computed_at)
        .order_by(ScreeningCheck.computed_at.desc())
        .limit(1)
        .scalar_subquery()
    )
    return sa.select(latest.c.id, latest.c.year, latest.c.updated_at, newest, highest, checked)


_PROBE: sa.Select | None = None  # built once: it runs on every request of the national pages


def probe() -> Probe | None:
    """The running competition and the stamp of its data, in one round trip (index lookups)."""
    global _PROBE
    if _PROBE is None:
        _PROBE = _probe_statement()
    row = db.session.execute(_PROBE).first()
    if row is None:
        return None
    return Probe(row[0], row[1], tuple(row[2:]))


def page_cache() -> PageCache:
    # a stamp per competition, made of several columns: stamps do not only grow
    return app_cache("sinovik_page_cache", 512, stamps_grow=False)


def cached(key: Hashable, build: Callable[[], T]) -> tuple[Probe | None, T | None]:
    """The probe and the cached (or freshly built) value; (None, None) without a competition."""
    found = probe()
    if found is None:
        return None, None
    return found, page_cache().get((found.competition_id, *key), found.stamp, build)
