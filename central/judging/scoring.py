"""Score sheets: a value and a short justification per criterion; draft, submit, abstain.

A judge sees the other judges' scores on a proposal only once their own sheet is submitted
(or they abstained). The secretariat may ask for a re-score: the sheet reopens as a draft
with the request's note, and the others' scores are hidden again until it is resubmitted.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from central.judging.models import (
    Assignment,
    AssignmentStatus,
    JudgingStage,
    Rubric,
    ScoreSheet,
    SheetStatus,
)
from central.judging.rubrics import weighted_total
from central.judging.stages import ensure_open, open_assignments
from shared.db import db, utcnow
from shared.models.user import User
from shared.services import ServiceError, audit

JUSTIFICATION_MIN = 10
JUSTIFICATION_MAX = 600
REASON_MIN = 10


class SheetInvalid(ServiceError):
    """The sheet cannot be saved or submitted; ``errors`` maps form fields to messages."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(_("Please correct the marked fields."))
        self.errors = errors


def sheet_of(assignment: Assignment) -> ScoreSheet | None:
    stmt = sa.select(ScoreSheet).where(ScoreSheet.assignment_id == assignment.id)
    return db.session.execute(stmt).scalar_one_or_none()


def _sheet(js: JudgingStage, assignment: Assignment) -> ScoreSheet:
    sheet = sheet_of(assignment)
    if sheet is None:
        if js.rubric_id is None:
            raise ServiceError(_("The stage has no rubric yet."))
        sheet = ScoreSheet(
            assignment_id=assignment.id,
            stage_id=js.stage_id,
            proposal_id=assignment.proposal_id,
            judge_id=assignment.judge_id,
            rubric_id=js.rubric_id,
            scores={},
            justifications={},
            submissions=0,
            status=SheetStatus.DRAFT,
        )
        db.session.add(sheet)
    return sheet


def _check_owner(js: JudgingStage, assignment: Assignment, actor: User) -> None:
    ensure_open(js)
    if assignment.judge_id != actor.id or assignment.stage_id != js.stage_id:
        raise ServiceError(_("This score sheet is not yours."))
    if assignment.status != AssignmentStatus.ACTIVE:
        raise ServiceError(_("You are no longer assigned to this proposal."))


def parse(
    rubric: Rubric, values: Mapping[str, str], justifications: Mapping[str, str], *, complete: bool
) -> tuple[dict[str, float], dict[str, str]]:
    """Check typed scores against the rubric; ``complete`` also requires every criterion."""
    scores: dict[str, float] = {}
    notes: dict[str, str] = {}
    errors: dict[str, str] = {}
    for c in rubric.criteria:
        raw = (values.get(c.code) or "").strip().replace(",", ".")
        note = (justifications.get(c.code) or "").strip()
        if raw:
            try:
                value = float(raw)
            except ValueError:
                value = math.nan
            if not math.isfinite(value):
                errors[f"score_{c.code}"] = _("Enter a number.")
            elif not c.min_score <= value <= c.max_score:
                errors[f"score_{c.code}"] = _(
                    "Between %(lo)g and %(hi)g.", lo=c.min_score, hi=c.max_score
                )
            else:
                scores[c.code] = value
        elif complete:
            errors[f"score_{c.code}"] = _("Give a score.")
        if len(note) > JUSTIFICATION_MAX:
            errors[f"note_{c.code}"] = _("At most %(n)d characters.", n=JUSTIFICATION_MAX)
        elif complete and len(note) < JUSTIFICATION_MIN:
            errors[f"note_{c.code}"] = _(
                "Justify the score in a sentence (at least %(n)d characters).", n=JUSTIFICATION_MIN
            )
        if note:
            notes[c.code] = note
    if errors:
        raise SheetInvalid(errors)
    return scores, notes


def save(
    js: JudgingStage,
    assignment: Assignment,
    *,
    values: Mapping[str, str],
    justifications: Mapping[str, str],
    submit: bool,
    actor: User,
) -> ScoreSheet:
    """Save the judge's sheet as a draft, or submit it (every criterion scored and justified)."""
    _check_owner(js, assignment, actor)
    sheet = _sheet(js, assignment)
    if sheet.done:
        raise ServiceError(_("This sheet is already submitted."))
    rubric = db.session.get(Rubric, sheet.rubric_id)
    assert rubric is not None
    scores, notes = parse(rubric, values, justifications, complete=submit)
    sheet.scores, sheet.justifications = scores, notes
    if submit:
        sheet.total = round(weighted_total(rubric.criteria, scores), 6)
        sheet.status = SheetStatus.SUBMITTED
        sheet.submitted_at = utcnow()
        sheet.submissions += 1
        sheet.rescore_note = ""
    db.session.flush()
    audit.record(
        "judging.score.submit" if submit else "judging.score.draft",
        sheet,
        actor=actor,
        after={
            "stage": js.stage.code,
            "proposal_id": sheet.proposal_id,
            "scores": scores,
            "total": sheet.total if submit else None,
        },
    )
    return sheet


def abstain(js: JudgingStage, assignment: Assignment, *, reason: str, actor: User) -> ScoreSheet:
    """Decline to score this proposal, with a reason; another judge is assigned."""

    _check_owner(js, assignment, actor)
    reason = reason.strip()
    if len(reason) < REASON_MIN:
        raise ServiceError(
            _("Give the reason (at least %(n)d characters).", n=REASON_MIN), field="reason"
        )
    sheet = _sheet(js, assignment)
    if sheet.done:
        raise ServiceError(_("This sheet is already submitted."))
    sheet.status = SheetStatus.ABSTAINED
    sheet.abstain_reason = reason
    sheet.scores, sheet.total = {}, None
    sheet.submitted_at = utcnow()
    db.session.flush()
    audit.record(
        "judging.score.abstain",
        sheet,
        actor=actor,
        after={"stage": js.stage.code, "proposal_id": sheet.proposal_id, "reason": reason},
    )
    # The abstaining judge stays on record; a replacement keeps the proposal at k scores.
    js_k = js.evaluators_per_proposal
    done_or_open = db.session.execute(
        sa.select(sa.func.count())
        .select_from(Assignment)
        .outerjoin(ScoreSheet, ScoreSheet.assignment_id == Assignment.id)
        .where(
            Assignment.stage_id == js.stage_id,
            Assignment.proposal_id == assignment.proposal_id,
            Assignment.status == AssignmentStatus.ACTIVE,
            sa.or_(ScoreSheet.id.is_(None), ScoreSheet.status != SheetStatus.ABSTAINED),
        )
    ).scalar_one()
    if done_or_open < js_k:
        _extend_for_abstention(js, assignment.proposal_id, actor, reason)
    return sheet


def _extend_for_abstention(js: JudgingStage, proposal_id: int, actor: User, reason: str) -> None:
    """Add one judge beyond k active assignments, since one of them abstained."""
    from central.judging import assignment as assignments

    pool = assignments._load_pool(js)
    facts = assignments._active_facts(js, [proposal_id])
    if not facts:
        return
    current = len(pool.active[proposal_id])
    for pid, jid in assignments.compute(facts, pool, current + 1):
        new = Assignment(
            stage_id=js.stage_id,
            proposal_id=pid,
            judge_id=jid,
            source=assignments.AssignmentSource.REASSIGN,
        )
        db.session.add(new)
        db.session.flush()
        audit.record(
            "judging.assignment.reassign",
            new,
            actor=actor,
            after={"stage": js.stage.code, "proposal_id": pid, "judge_id": jid, "reason": reason},
        )


def request_rescore(js: JudgingStage, sheet: ScoreSheet, *, note: str, actor: User) -> None:
    """The secretariat reopens a submitted sheet, saying what to reconsider."""
    ensure_open(js)
    note = note.strip()
    if len(note) < REASON_MIN:
        raise ServiceError(
            _("Say what to reconsider (at least %(n)d characters).", n=REASON_MIN), field="note"
        )
    if sheet.status != SheetStatus.SUBMITTED:
        raise ServiceError(_("Only submitted sheets can be re-scored."))
    before = {"status": sheet.status.value, "total": sheet.total}
    sheet.status = SheetStatus.DRAFT
    sheet.rescore_note = note
    sheet.total = None
    sheet.submitted_at = None
    db.session.flush()
    audit.record(
        "judging.score.rescore_request",
        sheet,
        actor=actor,
        before=before,
        after={"status": "draft", "note": note},
    )


def open_sheets(js: JudgingStage, user: User) -> int:
    """The user's active assignments in the stage without a finished sheet."""
    stmt = sa.select(sa.func.count()).select_from(open_assignments(js, user).subquery())
    return db.session.execute(stmt).scalar_one()


def sheets_for(js: JudgingStage, proposal_id: int) -> list[ScoreSheet]:
    """Sheets of the proposal's active assignments in this stage."""
    stmt = (
        sa.select(ScoreSheet)
        .join(Assignment, Assignment.id == ScoreSheet.assignment_id)
        .where(
            ScoreSheet.stage_id == js.stage_id,
            ScoreSheet.proposal_id == proposal_id,
            Assignment.status == AssignmentStatus.ACTIVE,
        )
        .options(selectinload(ScoreSheet.judge))
        .order_by(ScoreSheet.id)
    )
    return list(db.session.execute(stmt).scalars())


def peer_sheets(js: JudgingStage, proposal_id: int, user: User) -> list[ScoreSheet] | None:
    """The other judges' finished sheets, or None while the user's own is not finished."""
    sheets = sheets_for(js, proposal_id)
    own = next((s for s in sheets if s.judge_id == user.id), None)
    if own is None or not own.done:
        return None
    return [s for s in sheets if s.judge_id != user.id and s.done]


@dataclass
class QueueItem:
    js: JudgingStage
    assignment: Assignment
    sheet: ScoreSheet | None

    @property
    def state(self) -> str:
        if self.sheet is None:
            return "new"
        if self.sheet.status == SheetStatus.DRAFT and self.sheet.rescore_note:
            return "rescore"
        return self.sheet.status.value


def queue(user: User) -> list[QueueItem]:
    """The user's active assignments in stages that are not frozen, to-do first."""
    stmt = (
        sa.select(Assignment, JudgingStage)
        .join(JudgingStage, JudgingStage.stage_id == Assignment.stage_id)
        .where(Assignment.judge_id == user.id, Assignment.status == AssignmentStatus.ACTIVE)
        .where(JudgingStage.frozen_at.is_(None))
        .options(selectinload(Assignment.proposal), selectinload(Assignment.sheet))
        .order_by(Assignment.stage_id, Assignment.proposal_id)
    )
    items = [QueueItem(js, a, a.sheet) for a, js in db.session.execute(stmt)]
    order = {"rescore": 0, "new": 1, "draft": 1, "submitted": 2, "abstained": 3}
    items.sort(key=lambda i: (order[i.state], i.js.stage_id, i.assignment.proposal.title))
    return items
