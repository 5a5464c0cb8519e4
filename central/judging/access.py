"""Who may open what in judging: object-level checks on top of ``require_roles``.

Staff (ministry admin, secretariat) see everything. A judge (evaluator, panelist) opens a
proposal only when not conflicted with it and either assigned to it in the stage (active
assignment) or, for panelists and field verifiers, sitting on the stage's panel. Every view
that names a proposal goes through :func:`load_target`, so a conflicted judge gets 403 on
every route, whatever URL they type.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import sqlalchemy as sa
from flask import abort

from central.judging.conflicts import conflicts_for, proposal_facts
from central.judging.models import (
    Assignment,
    AssignmentStatus,
    JudgingStage,
    PanelMember,
    StageEntry,
    StageKind,
)
from central.judging.stages import for_stage
from shared.db import db
from shared.models.proposal import Proposal
from shared.models.user import Role, User
from shared.web.loading import load_or_404

STAFF = (Role.MINISTRY_ADMIN, Role.SECRETARIAT)
JUDGES = (Role.EVALUATOR, Role.PANELIST)
STAFF_AND_JUDGES = STAFF + JUDGES


def is_staff(user: User) -> bool:
    return user.role in STAFF


def is_member(user: User, js: JudgingStage) -> bool:
    stmt = sa.select(PanelMember.id).where(
        PanelMember.stage_id == js.stage_id,
        PanelMember.user_id == user.id,
        PanelMember.withdrawn_at.is_(None),
    )
    return db.session.execute(stmt).first() is not None


def active_assignment(user: User, js: JudgingStage, proposal_id: int) -> Assignment | None:
    stmt = sa.select(Assignment).where(
        Assignment.stage_id == js.stage_id,
        Assignment.proposal_id == proposal_id,
        Assignment.judge_id == user.id,
        Assignment.status == AssignmentStatus.ACTIVE,
    )
    return db.session.execute(stmt).scalar_one_or_none()


def conflicted_ids(user: User, proposal_ids: Iterable[int]) -> set[int]:
    """The proposals among ``proposal_ids`` the user is conflicted with (none for staff)."""
    if user.role not in JUDGES:
        return set()
    facts = proposal_facts(proposal_ids)
    mine = conflicts_for([user.id])[user.id]
    return {pid for pid, f in facts.items() if mine.blocks(pid, f.tenant_id, f.province)}


def panel_sees_all(user: User, js: JudgingStage) -> bool:
    """Panelists deliberate on every entrant; field verifiers visit every finalist."""
    if js.kind == StageKind.VERIFICATION:
        return True
    return user.role == Role.PANELIST and js.kind in (StageKind.SCORED, StageKind.FINAL)


def can_open(user: User, js: JudgingStage, proposal_id: int) -> bool:
    if is_staff(user):
        return True
    if user.role not in JUDGES or conflicted_ids(user, [proposal_id]):
        return False
    if active_assignment(user, js, proposal_id) is not None:
        return True
    return panel_sees_all(user, js) and is_member(user, js)


def ensure_not_conflicted(user: User, proposal_ids: Iterable[int]) -> None:
    if conflicted_ids(user, proposal_ids):
        abort(403)


def load_stage(stage_id: int) -> JudgingStage:
    js = for_stage(stage_id)
    if js is None:
        abort(404)
    return js


def ensure_stage_access(user: User, js: JudgingStage) -> None:
    """Judges reach a stage's pages only when on its panel."""
    if not is_staff(user) and not is_member(user, js):
        abort(403)


@dataclass
class Target:
    js: JudgingStage
    proposal: Proposal
    entry: StageEntry


def load_target(stage_id: int, proposal_id: int, user: User) -> Target:
    """Stage and proposal from the URL: 404 when the proposal is not in the stage, 403 when
    the user may not open it (conflicted, not assigned, not on the panel)."""
    js = load_stage(stage_id)
    proposal = load_or_404(Proposal, proposal_id)
    entry = db.session.execute(
        sa.select(StageEntry).where(
            StageEntry.stage_id == js.stage_id, StageEntry.proposal_id == proposal.id
        )
    ).scalar_one_or_none()
    if entry is None:
        abort(404)
    if not can_open(user, js, proposal.id):
        abort(403)
    return Target(js, proposal, entry)
