"""URL-argument factories for the route-security harness (tests/route_catalog.py)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import sqlalchemy as sa

from central.judging import stages
from central.judging.models import Assignment, JudgingStage, Objection, PresentationSlot, Rubric
from shared.db import db, utcnow
from shared.models import Competition, Role, Stage


def _stage_id(f: Any, code: str) -> int:
    comp = f.competition()

    def go() -> int:
        stages.setup_competition(db.session.get(Competition, comp.id), actor=None)
        return db.session.execute(
            sa.select(JudgingStage.stage_id)
            .join(Stage, Stage.id == JudgingStage.stage_id)
            .where(Stage.competition_id == comp.id, Stage.code == code)
        ).scalar_one()

    return f.run(go)


def stage_id(f: Any, t: Any) -> int:
    return _stage_id(f, "desk_evaluation")


def rubric_id(f: Any, t: Any) -> int:
    _stage_id(f, "desk_evaluation")
    return f.run(lambda: db.session.execute(sa.select(sa.func.min(Rubric.id))).scalar_one())


def judge_id(f: Any, t: Any) -> int:
    return f.user(Role.EVALUATOR).id


def assignment_id(f: Any, t: Any) -> int:
    sid = _stage_id(f, "desk_evaluation")
    proposal = f.proposal(t, f.unit(t))
    judge = f.user(Role.EVALUATOR)
    return f._save(Assignment(stage_id=sid, proposal_id=proposal.id, judge_id=judge.id)).id


def objection_id(f: Any, t: Any) -> int:
    sid = _stage_id(f, "objection")
    proposal = f.proposal(t, f.unit(t))
    return f._save(
        Objection(stage_id=sid, proposal_id=proposal.id, email="a@example.org", reason="x" * 40)
    ).id


def slot_id(f: Any, t: Any) -> int:
    sid = _stage_id(f, "presentation")
    proposal = f.proposal(t, f.unit(t))
    start = utcnow() + timedelta(days=5)
    return f._save(
        PresentationSlot(
            stage_id=sid,
            proposal_id=proposal.id,
            tenant_id=t.id,
            starts_at=start,
            ends_at=start + timedelta(minutes=20),
            confirm_by=start - timedelta(hours=24),
        )
    ).id
