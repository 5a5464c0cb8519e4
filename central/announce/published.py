"""What may be shown outside the ministry: each stage's results become public at its publish time.

Judging records on every proposal the highest stage it reached (``Proposal.stage_code``) and its
award (``Proposal.award``) as soon as it decides; both stay embargoed until the publish time of
the stage concerned (``Stage.publish_at``, entered in WIB).  Every public read (results pages,
the annex, the catalogue, certificate verification, the open-data API) and every tenant view of
its own results goes through :class:`Publication`, so embargoed decisions never leave the
secretariat before their time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from shared.competition_config import CompetitionConfig
from shared.db import db, utcnow
from shared.models.competition import Competition
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

    def stage(self, code: str) -> StageInfo | None:
        return next((s for s in self.stages if s.code == code), None)

    def published(self, code: str) -> bool:
        """Whether the results of stage ``code`` are public (a stage without a time never is)."""
        stage = self.stage(code)
        return stage is not None and stage.publish_at is not None and stage.publish_at <= self.now

    @property
    def finalists_published(self) -> bool:
        return self.published(FINALIST_STAGE)

    @property
    def awards_published(self) -> bool:
        return self.published(FINAL_STAGE)

    @property
    def screening_published(self) -> bool:
        return self.published(SCREENING_STAGE)

    @property
    def finalist_codes(self) -> tuple[str, ...]:
        """Stage codes that make a proposal a finalist: the finalist stage and every later one."""
        top = self.stage(FINALIST_STAGE)
        if top is None:
            return ()
        return tuple(s.code for s in self.stages if s.position >= top.position)

    def visible_stage(self, reached: str | None) -> StageInfo | None:
        """The highest published stage up to the one reached (``None`` when none is public)."""
        stage = self.stage(reached) if reached else None
        if stage is None:
            return None
        published = [
            s
            for s in self.stages
            if s.position <= stage.position
            and s.publish_at is not None
            and s.publish_at <= self.now
        ]
        return published[-1] if published else None

    def visible_award(self, award: str | None) -> str | None:
        return award if award and self.awards_published else None

    def category_label(self, code: str, locale: str | None) -> str:
        category = self.config.category(code)
        return category.name.get(locale) if category else code

    def group_label(self, code: str, locale: str | None) -> str:
        group = self.config.group(code)
        return group.name.get(locale) if group else code


def publications(now: datetime | None = None) -> list[Publication]:
    """Every competition year, newest first, as seen at ``now`` (default: the current time)."""
    now = now or utcnow()
    stmt = (
        sa.select(Competition)
        .options(selectinload(Competition.stages), selectinload(Competition.versions))
        .order_by(Competition.year.desc())
    )
    out = []
    for comp in db.session.execute(stmt).scalars():
        stages = tuple(
            StageInfo(s.code, s.position, s.name_id, s.name_en, s.publish_at)
            for s in sorted(comp.stages, key=lambda s: s.position)
        )
        out.append(Publication(comp.id, comp.year, comp.name, stages, comp.config, now))
    return out


def publication_for(competition_id: int, now: datetime | None = None) -> Publication | None:
    return next((p for p in publications(now) if p.competition_id == competition_id), None)


def publication_by_year(year: int | None, now: datetime | None = None) -> Publication | None:
    """The year asked for, or else the newest year whose finalists are public (else the newest)."""
    pubs = publications(now)
    if year is not None:
        return next((p for p in pubs if p.year == year), None)
    return next((p for p in pubs if p.finalists_published), pubs[0] if pubs else None)
