"""What may be shown outside the ministry: each stage's results become public at its publish time.

Judging records on every proposal the highest stage it reached (``Proposal.stage_code``) and its
award (``Proposal.award``) as soon as it decides; both stay embargoed until the publish time of
the stage concerned (``Stage.publish_at``, entered in WIB).  Every public read (results pages,
the annex, the catalogue, certificate verification, the open-data API) and every tenant view of
its own results goes through :class:`Publication`, so embargoed decisions never leave the
secretariat before their time.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime
from functools import cached_property

import sqlalchemy as sa
from flask import g, has_request_context

from shared.competition_config import CompetitionConfig
from shared.db import core_connection, db, utcnow
from shared.models.competition import Competition, CompetitionVersion, Stage
from shared.results import FINAL_STAGE, FINALIST_STAGE, SCREENING_STAGE


@dataclass(frozen=True)
class StageInfo:
    code: str
    position: int
    name_id: str
    name_en: str
    publish_at: datetime | None

    def name(self, locale: str | None) -> str:
        return self.name_en if (locale or "id").startswith("en") else self.name_id


@dataclass(frozen=True)
class Publication:
    """One competition year as the public may see it at ``now``."""

    competition_id: int
    year: int
    name: str
    stages: tuple[StageInfo, ...]
    config: CompetitionConfig
    now: datetime
    version_id: int = 0  # the competition version ``config`` comes from

    def stage(self, code: str) -> StageInfo | None:
        return next((s for s in self.stages if s.code == code), None)

    def published(self, code: str) -> bool:
        """Whether the results of stage ``code`` are public (a stage without a time never is)."""
        stage = self.stage(code)
        return stage is not None and stage.publish_at is not None and stage.publish_at <= self.now

    @cached_property  # a publication is seen at one fixed ``now``
    def finalists_published(self) -> bool:
        return self.published(FINALIST_STAGE)

    @cached_property  # a publication is seen at one fixed ``now``
    def awards_published(self) -> bool:
        return self.published(FINAL_STAGE)

    @cached_property  # a publication is seen at one fixed ``now``
    def screening_published(self) -> bool:
        return self.published(SCREENING_STAGE)

    @cached_property  # a publication is seen at one fixed ``now``
    def finalist_codes(self) -> tuple[str, ...]:
        """Stage codes that make a proposal a finalist: the finalist stage and every later one."""
        top = self.stage(FINALIST_STAGE)
        if top is None:
            return ()
        return tuple(s.code for s in self.stages if s.position >= top.position)

    def visible_stage(self, reached: str | None) -> StageInfo | None:
        """The highest published stage up to the one reached (``None`` when none is public)."""
        return self._visible_stages.get(reached) if reached else None

    @cached_property  # a publication is seen at one fixed ``now``
    def _visible_stages(self) -> dict[str, StageInfo | None]:
        """Stage code reached -> the highest published stage up to it (stages in order)."""
        out: dict[str, StageInfo | None] = {}
        shown = None
        for s in sorted(self.stages, key=lambda s: s.position):
            if s.publish_at is not None and s.publish_at <= self.now:
                shown = s
            out[s.code] = shown
        return out

    def visible_award(self, award: str | None) -> str | None:
        return award if award and self.awards_published else None

    def category_label(self, code: str, locale: str | None) -> str:
        category = self.config.category(code)
        return category.name.get(locale) if category else code

    def group_label(self, code: str, locale: str | None) -> str:
        group = self.config.group(code)
        return group.name.get(locale) if group else code


# Competition versions are immutable: their parsed configuration is kept per process (and
# per database, for processes that open several).
_CONFIGS: dict[tuple[str, int], CompetitionConfig] = {}


def _configs(version_ids: dict[int, int]) -> dict[int, CompetitionConfig]:
    """competition id -> parsed configuration of its current version."""
    url = str(db.engine.url)
    missing = [v for v in version_ids.values() if (url, v) not in _CONFIGS]
    if missing:
        rows = db.session.execute(
            sa.select(CompetitionVersion.id, CompetitionVersion.data).where(
                CompetitionVersion.id.in_(missing)
            )
        )
        for version_id, data in rows:
            _CONFIGS[(url, version_id)] = CompetitionConfig.from_json(data)
    return {cid: _CONFIGS[(url, v)] for cid, v in version_ids.items()}


def publications(now: datetime | None = None) -> list[Publication]:
    """Every competition year, newest first, as seen at ``now`` (default: the current time).

    One small query (competitions, their current versions' ids and their stages); read on every
    public request, so the same request reuses what it already read.
    """
    in_request = has_request_context()
    if now is None and in_request and "_publications_now" in g:
        return list(g._publications_now)  # as seen at the request's time, made once
    cached = g.get("_publications") if in_request else None
    if cached is None:
        cached = _load_publications()
        if in_request:
            g._publications = cached
    seen = [replace(p, now=now or utcnow()) for p in cached]
    if now is None and in_request:
        g._publications_now = seen
    return list(seen)


_LOADED: dict[tuple, list[Publication]] = {}


def _statement() -> sa.Select:
    """Every competition with its current version's id and its stages (one row per stage)."""
    return (
        sa.select(
            Competition.id,
            Competition.year,
            Competition.name,
            CompetitionVersion.id,
            Stage.code,
            Stage.position,
            Stage.name_id,
            Stage.name_en,
            # as stored: compared as is to the rows of the last load, converted only when they
            # differ
            sa.type_coerce(Stage.publish_at, sa.String),
        )
        .join(
            CompetitionVersion,
            sa.and_(
                CompetitionVersion.competition_id == Competition.id,
                CompetitionVersion.number == Competition.current_version,
            ),
        )
        .outerjoin(Stage, Stage.competition_id == Competition.id)
        .order_by(Competition.year.desc(), Competition.id, Stage.position)
    )


_STATEMENT: sa.Select | None = None
_PUBLICATION_COLUMNS = 9

# Small values another feature reads on every public request too (the catalogue's version),
# read in the same round trip as the publications: name in ``g`` -> scalar subquery.
_READ_ALONG: dict[str, sa.ScalarSelect] = {}


def read_along(name: str, value: sa.ScalarSelect) -> None:
    """Read ``value`` with the publications of each request and keep it in ``g.<name>``."""
    global _STATEMENT
    _READ_ALONG[name] = value
    _STATEMENT = None  # built again with it


def _stored_time(value: datetime | str | None) -> datetime | None:
    """A stored UTC time (SQLite: text, PostgreSQL: a naive datetime) as an aware datetime."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC)


def _load_publications() -> list[Publication]:
    # Built once and run on the session's connection (national tables, no tenant criteria to
    # add): every public request reads these rows, in one round trip, fetched at once.
    global _STATEMENT
    if _STATEMENT is None:
        _STATEMENT = _statement().add_columns(*_READ_ALONG.values())
    rows = tuple(map(tuple, core_connection().execute(_STATEMENT).all()))
    if _READ_ALONG and rows and has_request_context():
        for name, value in zip(_READ_ALONG, rows[0][_PUBLICATION_COLUMNS:], strict=True):
            setattr(g, name, value)
    if _READ_ALONG:
        rows = tuple(row[:_PUBLICATION_COLUMNS] for row in rows)
    key = (str(db.engine.url), rows)
    if key in _LOADED:  # the same rows as last time: reuse what was built from them
        return _LOADED[key]
    comps: dict[int, tuple[int, str, int]] = {}
    stages: dict[int, list[StageInfo]] = {}
    for cid, year, name, vid, code, position, name_id, name_en, publish_at in rows:
        comps.setdefault(cid, (year, name, vid))
        if code is not None:
            stages.setdefault(cid, []).append(
                StageInfo(code, position, name_id, name_en, _stored_time(publish_at))
            )
    configs = _configs({cid: vid for cid, (_, _, vid) in comps.items()})
    epoch = datetime.min.replace(tzinfo=UTC)
    built = [
        Publication(cid, year, name, tuple(stages.get(cid, ())), configs[cid], epoch, vid)
        for cid, (year, name, vid) in comps.items()
    ]
    _LOADED.clear()
    _LOADED[key] = built
    return built


def publication_for(competition_id: int, now: datetime | None = None) -> Publication | None:
    return next((p for p in publications(now) if p.competition_id == competition_id), None)


def publication_by_year(year: int | None, now: datetime | None = None) -> Publication | None:
    """The year asked for, or else the newest year whose finalists are public (else the newest)."""
    pubs = publications(now)
    if year is not None:
        return next((p for p in pubs if p.year == year), None)
    return next((p for p in pubs if p.finalists_published), pubs[0] if pubs else None)
