"""Field verification: each visiting judge records notes, findings and an outcome per finalist.

Every finalist needs a visit by at least one Tim Evaluasi member and one Tim Panel Independen
member before the stage can be promoted.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from central.judging.models import (
    COUNTED,
    JudgingStage,
    StageEntry,
    StageKind,
    VerificationNote,
    VerificationOutcome,
)
from central.judging.stages import ensure_open
from shared.db import db, utcnow
from shared.models.proposal import Proposal
from shared.models.user import Role, User
from shared.services import ServiceError, audit
from shared.timeutil import wib_date


def save_note(
    js: JudgingStage,
    proposal: Proposal,
    *,
    author: User,
    visited_on: date | None,
    notes: str,
    findings: str,
    outcome: str,
) -> VerificationNote:
    """Record (or update) the author's visit to a finalist."""
    ensure_open(js)
    if js.kind != StageKind.VERIFICATION:
        raise ServiceError(_("This stage has no field verification."))
    if author.role not in (Role.EVALUATOR, Role.PANELIST):
        raise ServiceError(_("Field visits are recorded by Tim Evaluasi and TPI members."))
    if visited_on is None:
        raise ServiceError(_("Give the date of the visit."), field="visited_on")
    if visited_on > wib_date(utcnow()):
        raise ServiceError(
            _("Record a visit once it has taken place (the date is in the future)."),
            field="visited_on",
        )
    notes = notes.strip()
    if len(notes) < 20:
        raise ServiceError(_("Describe the visit (at least 20 characters)."), field="notes")
    try:
        result = VerificationOutcome(outcome)
    except ValueError:
        raise ServiceError(_("Choose an outcome."), field="outcome") from None
    note = db.session.execute(
        sa.select(VerificationNote).where(
            VerificationNote.stage_id == js.stage_id,
            VerificationNote.proposal_id == proposal.id,
            VerificationNote.author_id == author.id,
        )
    ).scalar_one_or_none()
    if note is None:
        note = VerificationNote(stage_id=js.stage_id, proposal_id=proposal.id, author_id=author.id)
        db.session.add(note)
    note.visited_on, note.notes, note.findings, note.outcome = (
        visited_on,
        notes,
        findings.strip(),
        result,
    )
    db.session.flush()
    audit.record(
        "judging.verification.note",
        note,
        actor=author,
        after={"proposal": proposal.uuid, "outcome": result.value, "visited_on": str(visited_on)},
    )
    return note


def notes_for(js: JudgingStage, proposal_id: int) -> list[VerificationNote]:
    stmt = (
        sa.select(VerificationNote)
        .where(
            VerificationNote.stage_id == js.stage_id, VerificationNote.proposal_id == proposal_id
        )
        .options(selectinload(VerificationNote.author))
        .order_by(VerificationNote.id)
    )
    return list(db.session.execute(stmt).scalars())


@dataclass
class VisitSummary:
    entry: StageEntry
    te: int = 0
    tpi: int = 0
    outcomes: list[str] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return self.te > 0 and self.tpi > 0


def summary(js: JudgingStage) -> list[VisitSummary]:
    entries = db.session.execute(
        sa.select(StageEntry)
        .where(StageEntry.stage_id == js.stage_id, StageEntry.status.in_(COUNTED))
        .options(selectinload(StageEntry.proposal).selectinload(Proposal.tenant))
    ).scalars()
    out = {e.proposal_id: VisitSummary(e) for e in entries}
    rows = db.session.execute(
        sa.select(VerificationNote.proposal_id, User.role, VerificationNote.outcome)
        .join(User, User.id == VerificationNote.author_id)
        .where(VerificationNote.stage_id == js.stage_id)
    )
    seen: dict[int, list] = defaultdict(list)
    for pid, role, outcome in rows:
        seen[pid].append((role, outcome))
    for pid, item in out.items():
        for role, outcome in seen[pid]:
            if role == Role.EVALUATOR:
                item.te += 1
            elif role == Role.PANELIST:
                item.tpi += 1
            item.outcomes.append(VerificationOutcome(outcome).value)
    return sorted(out.values(), key=lambda s: s.entry.proposal.title.lower())


def missing_visits(js: JudgingStage) -> list[int]:
    return [s.entry.proposal_id for s in summary(js) if not s.complete]
