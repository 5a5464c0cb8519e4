"""Competitions: the default year, the current competition, versions of the form."""

from __future__ import annotations

from datetime import date, datetime, time

import sqlalchemy as sa
from flask import g, has_request_context
from sqlalchemy.orm import selectinload

from shared.competition_config import CompetitionConfig, default_config
from shared.db import db, utcnow
from shared.models.competition import Competition, CompetitionVersion, Stage
from shared.timeutil import WIB, from_wib

# (code, Indonesian name, English name, start (month, day), end (month, day)); results are
# published when the stage ends (not earlier: the judging of it would still be open)
DEFAULT_STAGES: tuple[tuple[str, str, str, tuple[int, int], tuple[int, int]], ...] = (
    ("screening", "Seleksi Administrasi", "Administrative Screening", (3, 1), (3, 15)),
    ("desk_evaluation", "Evaluasi Proposal (Tim Evaluasi)", "Desk Evaluation", (3, 16), (4, 10)),
    (
        "panel_nomination",
        "Penilaian Tim Panel Independen",
        "Independent Panel Nomination",
        (4, 11),
        (4, 20),
    ),
    ("top99", "Top 99 (Finalis)", "Top 99 Finalists", (4, 21), (4, 24)),
    ("objection", "Masa Sanggah", "Public Objection Period", (4, 25), (4, 30)),
    ("presentation", "Presentasi dan Wawancara", "Presentation and Interview", (5, 3), (5, 20)),
    ("field_verification", "Verifikasi Lapangan", "Field Verification", (5, 21), (6, 5)),
    ("final", "Top Inovasi Pelayanan Publik", "Top Public Service Innovations", (6, 6), (6, 23)),
)


def competition_year_for(today: date) -> int:
    """Registration runs from November into the next year, whose number the competition takes."""
    return today.year + 1 if today.month >= 11 else today.year


def _wib(year: int, month: int, day: int, at: time = time(0, 0)) -> datetime:
    return from_wib(datetime.combine(date(year, month, day), at, tzinfo=WIB))


def create_default_competition(year: int, config: CompetitionConfig | None = None) -> Competition:
    """A competition with the default form, window (1 Nov - 28 Feb 23.59 WIB) and stages."""
    competition = Competition(
        year=year,
        name=f"Kompetisi Inovasi Pelayanan Publik {year}",
        registration_opens_at=_wib(year - 1, 11, 1),
        registration_closes_at=_wib(year, 2, 28, time(23, 59, 59)),
        current_version=1,
    )
    competition.versions.append(
        CompetitionVersion(number=1, data=(config or default_config()).to_json(), note="default")
    )
    for position, (code, name_id, name_en, start, end) in enumerate(DEFAULT_STAGES):
        competition.stages.append(
            Stage(
                code=code,
                name_id=name_id,
                name_en=name_en,
                position=position,
                starts_at=_wib(year, *start),
                ends_at=_wib(year, *end, time(23, 59, 59)),
                publish_at=_wib(year, *end, time(23, 59, 59)),
            )
        )
    db.session.add(competition)
    db.session.flush()
    return competition


def ensure_default_competition(today: date | None = None) -> Competition:
    """The competition of the running year, created with defaults when missing."""
    year = competition_year_for(today or utcnow().date())
    existing = db.session.execute(
        sa.select(Competition).where(Competition.year == year)
    ).scalar_one_or_none()
    return existing or create_default_competition(year)


def current_competition() -> Competition | None:
    """The competition proposals are collected for now: the latest year (looked up once per
    request: every page asks for it, some several times)."""
    if has_request_context():
        cached = g.get("_current_competition")
        if cached is not None and cached in db.session:
            return cached
    stmt = (
        sa.select(Competition)
        .options(selectinload(Competition.versions), selectinload(Competition.stages))
        .order_by(Competition.year.desc())
        .limit(1)
    )
    competition = db.session.execute(stmt).scalar_one_or_none()
    if has_request_context():
        g._current_competition = competition
    return competition
