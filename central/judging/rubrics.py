"""Rubrics: criteria with weights and score ranges, in immutable versions.

A weighted total maps every criterion onto 0-100 ((value - min) / (max - min) * 100) and
takes the weighted mean, so a passing grade such as 85/100 reads the same whatever the
criteria's ranges. Editing a rubric creates a new version; stages point at one version, and
a stage that already has scores keeps its version.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from central.judging.models import Rubric, RubricCriterion
from shared.db import db
from shared.models.competition import Competition
from shared.models.user import User
from shared.services import ServiceError, audit

CODE_RE = re.compile(r"^[a-z][a-z0-9_]{1,39}$")
ASPECTS = ("substance", "presentation", "interview")
_ASPECT_LABELS = {
    "substance": _l("Substance"),
    "presentation": _l("Presentation"),
    "interview": _l("Interview"),
}


def aspect_label(aspect: str) -> str:
    """A criterion's aspect as people read it."""
    return str(_ASPECT_LABELS.get(aspect, aspect))


KIPP_NAME = "Kriteria KIPP"
FINAL_NAME = "Rubrik Final"

# (code, Indonesian, English, aspect, weight)
KIPP_CRITERIA = (
    ("kebaruan", "Kebaruan", "Novelty", "substance", 20.0),
    ("efektivitas", "Efektivitas", "Effectiveness", "substance", 20.0),
    ("kemanfaatan", "Kemanfaatan", "Benefit", "substance", 20.0),
    ("replikasi", "Dapat Direplikasi", "Replicability", "substance", 20.0),
    ("keberlanjutan", "Keberlanjutan", "Sustainability", "substance", 20.0),
)
# The final stage weighs the presentation and interview (40 %) against substance (60 %).
FINAL_CRITERIA = (
    *((code, nid, nen, aspect, 12.0) for code, nid, nen, aspect, _w in KIPP_CRITERIA),
    ("presentasi", "Presentasi", "Presentation", "presentation", 20.0),
    ("wawancara", "Wawancara", "Interview", "interview", 20.0),
)


@dataclass(frozen=True)
class CriterionInput:
    code: str
    name_id: str
    name_en: str
    weight: float
    min_score: float = 0.0
    max_score: float = 100.0
    aspect: str = "substance"


def validate_criteria(rows: Sequence[CriterionInput]) -> list[CriterionInput]:
    """Refuse a rubric without criteria, with duplicate codes, bad weights or ranges."""
    if not rows:
        raise ServiceError(_("A rubric needs at least one criterion."))
    seen: set[str] = set()
    for row in rows:
        if not CODE_RE.match(row.code):
            raise ServiceError(
                _("Criterion code %(c)s: use 2-40 lower-case letters, digits or _.", c=row.code)
            )
        if row.code in seen:
            raise ServiceError(_("Criterion code %(c)s appears twice.", c=row.code))
        seen.add(row.code)
        if not row.name_id.strip():
            raise ServiceError(_("Criterion %(c)s needs a name.", c=row.code))
        if not (math.isfinite(row.weight) and row.weight > 0):
            raise ServiceError(_("Criterion %(c)s needs a positive weight.", c=row.code))
        if not (math.isfinite(row.min_score) and math.isfinite(row.max_score)) or (
            row.min_score >= row.max_score
        ):
            raise ServiceError(
                _("Criterion %(c)s: the minimum must be below the maximum.", c=row.code)
            )
        if row.aspect not in ASPECTS:
            raise ServiceError(_("Criterion %(c)s: unknown aspect.", c=row.code))
    return list(rows)


def create_version(
    *,
    competition: Competition,
    name: str,
    criteria: Sequence[CriterionInput],
    actor: User | None,
    note: str = "",
) -> Rubric:
    """A new version of the rubric called ``name`` (version 1 when it is new)."""
    name = name.strip()
    if not name:
        raise ServiceError(_("A rubric needs a name."), field="name")
    rows = validate_criteria(criteria)
    latest = db.session.execute(
        sa.select(sa.func.max(Rubric.version)).where(
            Rubric.competition_id == competition.id, Rubric.name == name
        )
    ).scalar_one()
    rubric = Rubric(
        competition_id=competition.id,
        name=name,
        version=(latest or 0) + 1,
        note=note.strip(),
        created_by_id=actor.id if actor else None,
    )
    for position, row in enumerate(rows):
        rubric.criteria.append(
            RubricCriterion(
                code=row.code,
                name_id=row.name_id.strip(),
                name_en=(row.name_en or row.name_id).strip(),
                aspect=row.aspect,
                weight=row.weight,
                min_score=row.min_score,
                max_score=row.max_score,
                position=position,
            )
        )
    db.session.add(rubric)
    db.session.flush()
    audit.record(
        "judging.rubric.create",
        rubric,
        actor=actor,
        after={
            "name": rubric.name,
            "version": rubric.version,
            "criteria": [
                {"code": r.code, "weight": r.weight, "min": r.min_score, "max": r.max_score}
                for r in rows
            ],
        },
    )
    return rubric


def default_rubrics(competition: Competition, actor: User | None) -> dict[str, Rubric]:
    """The five KIPP criteria and the final rubric, created when the competition has none."""
    existing = {
        r.name: r
        for r in db.session.execute(
            sa.select(Rubric)
            .where(Rubric.competition_id == competition.id)
            .order_by(Rubric.version)
        ).scalars()
    }
    out = {}
    for key, name, rows in (
        ("kipp", KIPP_NAME, KIPP_CRITERIA),
        ("final", FINAL_NAME, FINAL_CRITERIA),
    ):
        out[key] = existing.get(name) or create_version(
            competition=competition,
            name=name,
            criteria=[CriterionInput(c, i, e, w, 0.0, 100.0, a) for c, i, e, a, w in rows],
            actor=actor,
            note="default",
        )
    return out


def competition_rubrics(competition_id: int) -> list[Rubric]:
    stmt = (
        sa.select(Rubric)
        .where(Rubric.competition_id == competition_id)
        .order_by(Rubric.name, Rubric.version.desc())
    )
    return list(db.session.execute(stmt).scalars())


def weighted_total(criteria: Iterable[RubricCriterion], values: Mapping[str, float]) -> float:
    """The weighted score on 0-100 (see the module docstring)."""
    items = list(criteria)
    weights = math.fsum(c.weight for c in items)
    parts = [
        c.weight * (float(values[c.code]) - c.min_score) / (c.max_score - c.min_score) * 100
        for c in items
    ]
    return math.fsum(parts) / weights


def aspect_shares(rubric: Rubric) -> dict[str, float]:
    """Share of the total weight per aspect, in percent (substance vs presentation ...)."""
    total = rubric.total_weight or 1
    shares: dict[str, float] = {}
    for c in rubric.criteria:
        shares[c.aspect] = shares.get(c.aspect, 0.0) + c.weight / total * 100
    return shares
