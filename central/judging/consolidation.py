"""Consolidation: per proposal the mean, spread and count of scores; large disagreements are
flagged; a discussion thread per proposal keeps the plenary's reasoning."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask_babel import gettext as _

from central.judging.models import (
    COUNTED,
    Assignment,
    AssignmentStatus,
    DiscussionMessage,
    JudgingStage,
    ScoreSheet,
    SheetStatus,
    StageEntry,
)
from central.judging.normalisation import mean, pstdev
from central.judging.stages import ensure_open
from shared.db import db
from shared.models.proposal import Proposal
from shared.models.user import User
from shared.services import ServiceError, audit

MESSAGE_MAX = 4000


@dataclass
class Consolidated:
    proposal_id: int
    title: str
    count: int = 0  # submitted scores
    assigned: int = 0
    abstained: int = 0
    mean: float | None = None
    spread: float | None = None  # highest minus lowest
    stdev: float | None = None
    flagged: bool = False
    criteria_spread: dict[str, float] = field(default_factory=dict)
    messages: int = 0

    @property
    def pending(self) -> int:
        return self.assigned - self.count - self.abstained


def consolidate(js: JudgingStage, *, flagged_only: bool = False) -> list[Consolidated]:
    """One line per active entrant: the figures the plenary discusses, flagged first."""
    rows = db.session.execute(
        sa.select(Proposal.id, Proposal.title)
        .join(StageEntry, StageEntry.proposal_id == Proposal.id)
        .where(StageEntry.stage_id == js.stage_id, StageEntry.status.in_(COUNTED))
    )
    out = {pid: Consolidated(pid, title) for pid, title in rows}
    sheets = db.session.execute(
        sa.select(Assignment.proposal_id, ScoreSheet.status, ScoreSheet.total, ScoreSheet.scores)
        .outerjoin(ScoreSheet, ScoreSheet.assignment_id == Assignment.id)
        .where(Assignment.stage_id == js.stage_id, Assignment.status == AssignmentStatus.ACTIVE)
    )
    totals: dict[int, list[float]] = defaultdict(list)
    per_criterion: dict[int, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    for pid, status, total, scores in sheets:
        item = out.get(pid)
        if item is None:
            continue
        item.assigned += 1
        if status == SheetStatus.ABSTAINED:
            item.abstained += 1
        elif status == SheetStatus.SUBMITTED and total is not None:
            item.count += 1
            totals[pid].append(total)
            for code, value in (scores or {}).items():
                per_criterion[pid][code].append(float(value))
    counts = db.session.execute(
        sa.select(DiscussionMessage.proposal_id, sa.func.count())
        .where(DiscussionMessage.stage_id == js.stage_id)
        .group_by(DiscussionMessage.proposal_id)
    )
    for pid, n in counts:
        if pid in out:
            out[pid].messages = n
    for pid, values in totals.items():
        item = out[pid]
        item.mean = mean(values)
        item.spread = max(values) - min(values)
        item.stdev = pstdev(values)
        item.flagged = len(values) > 1 and item.spread > js.disagreement_threshold
        item.criteria_spread = {
            code: max(v) - min(v) for code, v in per_criterion[pid].items() if len(v) > 1
        }
    items = sorted(
        out.values(), key=lambda c: (not c.flagged, -(c.spread or 0), c.title, c.proposal_id)
    )
    return [c for c in items if c.flagged] if flagged_only else items


def messages(js: JudgingStage, proposal_id: int) -> list[DiscussionMessage]:
    stmt = (
        sa.select(DiscussionMessage)
        .where(
            DiscussionMessage.stage_id == js.stage_id, DiscussionMessage.proposal_id == proposal_id
        )
        .order_by(DiscussionMessage.id)
    )
    return list(db.session.execute(stmt).scalars())


def post(js: JudgingStage, proposal: Proposal, *, body: str, author: User) -> DiscussionMessage:
    """Add a message to the proposal's consolidation thread (the caller checks access)."""
    ensure_open(js)
    body = body.strip()
    if not body:
        raise ServiceError(_("Write a message first."), field="body")
    if len(body) > MESSAGE_MAX:
        raise ServiceError(_("At most %(n)d characters.", n=MESSAGE_MAX), field="body")
    message = DiscussionMessage(
        stage_id=js.stage_id,
        proposal_id=proposal.id,
        author_id=author.id,
        author_name=author.display_name,
        body=body,
    )
    db.session.add(message)
    db.session.flush()
    audit.record(
        "judging.discussion.post",
        message,
        actor=author,
        after={"stage": js.stage.code, "proposal_id": proposal.id},
    )
    return message
