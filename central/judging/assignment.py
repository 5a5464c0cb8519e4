"""Who scores what: k judges per proposal, automatic and load-balanced, never conflicted.

The automatic run takes the proposals that have fewest eligible judges first (they are the
hardest to cover), and gives each the eligible judges with the smallest load so far (ties:
lower user id). It is deterministic. A judge is eligible for a proposal when they are an
active member of the stage's panel, have no conflict with it, were never assigned to it in
this stage before (a withdrawn or conflicted judge does not come back) and, once a
presentation schedule exists, are free at its slot.

Every path that creates an assignment goes through :func:`_eligible`, so a conflicted pair can
never be assigned. Manual changes are audited one by one; the automatic run is audited once.
"""

from __future__ import annotations

import heapq
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from central.judging.conflicts import (
    JUDGE_ROLES,
    JudgeConflicts,
    ProposalFacts,
    conflicts_for,
    proposal_facts,
)
from central.judging.models import (
    Assignment,
    AssignmentSource,
    AssignmentStatus,
    EntryStatus,
    JudgingStage,
    PanelMember,
    PresentationSlot,
    ScoreSheet,
    SheetStatus,
    StageEntry,
    StageKind,
)
from central.judging.stages import ensure_open, lock, open_assignments
from shared.db import db, utcnow
from shared.models.proposal import Proposal
from shared.models.user import User
from shared.services import ServiceError, audit
from shared.timeutil import format_wib

Interval = tuple[datetime, datetime]


# -- the pure algorithm ----------------------------------------------------------------------


@dataclass
class Pool:
    """What the algorithm knows: judges, their conflicts, loads and history."""

    judges: Sequence[int]
    conflicts: dict[int, JudgeConflicts]
    load: dict[int, int] = field(default_factory=dict)
    active: dict[int, set[int]] = field(default_factory=lambda: defaultdict(set))
    ever: dict[int, set[int]] = field(default_factory=lambda: defaultdict(set))
    slots: dict[int, Interval] = field(default_factory=dict)  # proposal -> its slot
    busy: dict[int, list[Interval]] = field(default_factory=lambda: defaultdict(list))

    def _index(self) -> tuple[dict[int, set[int]], dict[str, set[int]], dict[int, set[int]]]:
        """Judges blocked per tenant, per province and per proposal (built once)."""
        cached = self.__dict__.get("_blocked")
        if cached is None:
            by_tenant: dict[int, set[int]] = defaultdict(set)
            by_province: dict[str, set[int]] = defaultdict(set)
            by_proposal: dict[int, set[int]] = defaultdict(set)
            for jid in self.judges:
                c = self.conflicts.get(jid)
                if c is None:
                    continue
                for tid in c.tenant_ids:
                    by_tenant[tid].add(jid)
                for prov in c.provinces:
                    by_province[prov].add(jid)
                for pid in c.proposal_ids:
                    by_proposal[pid].add(jid)
            cached = self.__dict__["_blocked"] = (by_tenant, by_province, by_proposal)
        return cached

    def eligible(self, facts: ProposalFacts) -> list[int]:
        pid = facts.proposal_id
        by_tenant, by_province, by_proposal = self._index()
        blocked = (
            self.ever[pid] | by_tenant.get(facts.tenant_id, set()) | by_proposal.get(pid, set())
        )
        if facts.province:
            blocked = blocked | by_province.get(facts.province, set())
        out = [jid for jid in self.judges if jid not in blocked]
        slot = self.slots.get(pid)
        if slot is not None:
            out = [jid for jid in out if not any(_overlap(slot, b) for b in self.busy[jid])]
        return out

    def take(self, pid: int, jid: int) -> None:
        self.active[pid].add(jid)
        self.ever[pid].add(jid)
        self.load[jid] = self.load.get(jid, 0) + 1
        if pid in self.slots:
            self.busy[jid].append(self.slots[pid])


def _overlap(a: Interval, b: Interval) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def compute(proposals: Sequence[ProposalFacts], pool: Pool, k: int) -> list[tuple[int, int]]:
    """(proposal id, judge id) pairs bringing each proposal up to ``k`` judges."""
    for jid in pool.judges:
        pool.load.setdefault(jid, 0)
    needy = [f for f in proposals if len(pool.active[f.proposal_id]) < k]
    candidates = {f.proposal_id: pool.eligible(f) for f in needy}
    needy.sort(key=lambda f: (len(candidates[f.proposal_id]), f.proposal_id))
    pairs = []
    for facts in needy:
        pid = facts.proposal_id
        need = k - len(pool.active[pid])
        load = pool.load
        # with a schedule, earlier picks in this run may have made a judge busy at the slot
        eligible = pool.eligible(facts) if pid in pool.slots else candidates[pid]
        for jid in heapq.nsmallest(need, eligible, key=lambda j: (load[j], j)):
            pool.take(pid, jid)
            pairs.append((pid, jid))
    return pairs


# -- loading the pool ------------------------------------------------------------------------


def panel(js: JudgingStage, *, include_withdrawn: bool = False) -> list[PanelMember]:
    stmt = (
        sa.select(PanelMember)
        .where(PanelMember.stage_id == js.stage_id)
        .options(selectinload(PanelMember.user))
        .order_by(PanelMember.user_id)
    )
    if not include_withdrawn:
        stmt = stmt.where(PanelMember.withdrawn_at.is_(None))
    return list(db.session.execute(stmt).scalars())


def _load_pool(js: JudgingStage) -> Pool:
    judges = [m.user_id for m in panel(js)]
    pool = Pool(judges=judges, conflicts=conflicts_for(judges))
    rows = db.session.execute(
        sa.select(Assignment.proposal_id, Assignment.judge_id, Assignment.status).where(
            Assignment.stage_id == js.stage_id
        )
    )
    for pid, jid, status in rows:
        pool.ever[pid].add(jid)
        if status == AssignmentStatus.ACTIVE:
            pool.active[pid].add(jid)
            pool.load[jid] = pool.load.get(jid, 0) + 1
    slots = db.session.execute(
        sa.select(
            PresentationSlot.proposal_id, PresentationSlot.starts_at, PresentationSlot.ends_at
        ).where(PresentationSlot.stage_id == js.stage_id)
    )
    for pid, start, end in slots:
        pool.slots[pid] = (start, end)
    for pid, jids in pool.active.items():
        if pid in pool.slots:
            for jid in jids:
                pool.busy[jid].append(pool.slots[pid])
    return pool


def _active_facts(js: JudgingStage, only: Iterable[int] | None = None) -> list[ProposalFacts]:
    stmt = sa.select(StageEntry.proposal_id).where(
        StageEntry.stage_id == js.stage_id, StageEntry.status == EntryStatus.ACTIVE
    )
    ids = set(db.session.execute(stmt).scalars())
    if only is not None:
        ids &= set(only)
    facts = proposal_facts(ids)
    return [facts[pid] for pid in sorted(facts)]


def _require_scored(js: JudgingStage) -> None:
    ensure_open(js)
    if js.kind != StageKind.SCORED:
        raise ServiceError(_("Only scored stages have assignments."))


# -- services --------------------------------------------------------------------------------


@dataclass
class AssignResult:
    created: int
    short: list[int]  # proposals still below k judges (not enough eligible judges)


def run_auto(js: JudgingStage, *, actor: User) -> AssignResult:
    """Bring every entrant up to k judges, load-balanced; audited once for the run."""
    lock(js)
    _require_scored(js)
    pool = _load_pool(js)
    if not pool.judges:
        raise ServiceError(_("The stage's panel has no judges yet."))
    facts = _active_facts(js)
    if not facts:
        raise ServiceError(_("The stage has no entrants yet."))
    k = js.evaluators_per_proposal
    pairs = compute(facts, pool, k)
    now = utcnow()
    if pairs:
        base = {
            "stage_id": js.stage_id,
            "status": AssignmentStatus.ACTIVE.value,
            "source": AssignmentSource.AUTO.value,
            "created_at": now,
            "end_reason": "",
        }
        db.session.execute(
            sa.insert(Assignment), [{**base, "proposal_id": p, "judge_id": j} for p, j in pairs]
        )
    short = sorted(f.proposal_id for f in facts if len(pool.active[f.proposal_id]) < k)
    audit.record(
        "judging.assign.auto",
        js.stage,
        actor=actor,
        after={"created": len(pairs), "k": k, "judges": len(pool.judges), "short": len(short)},
    )
    return AssignResult(len(pairs), short)


def reassign(
    js: JudgingStage, proposal_ids: Iterable[int], *, actor: User | None, reason: str
) -> list[Assignment]:
    """Bring the given proposals back up to k judges (after a withdrawal, conflict, abstention)."""
    if js.frozen or js.kind != StageKind.SCORED:
        return []
    pool = _load_pool(js)
    facts = _active_facts(js, proposal_ids)
    created = []
    for pid, jid in compute(facts, pool, js.evaluators_per_proposal):
        assignment = Assignment(
            stage_id=js.stage_id, proposal_id=pid, judge_id=jid, source=AssignmentSource.REASSIGN
        )
        db.session.add(assignment)
        created.append(assignment)
    db.session.flush()
    for assignment in created:
        audit.record(
            "judging.assignment.reassign",
            assignment,
            actor=actor,
            after={
                "stage": js.stage.code,
                "proposal_id": assignment.proposal_id,
                "judge_id": assignment.judge_id,
                "reason": reason,
            },
        )
    return created


def assign_manually(
    js: JudgingStage, proposal: Proposal, judge: User, *, actor: User
) -> Assignment:
    """Add one judge to one proposal by hand; refuses conflicts, clashes and non-members."""
    _require_scored(js)
    pool = _load_pool(js)
    if judge.id not in pool.judges:
        raise ServiceError(_("%(name)s is not on this stage's panel.", name=judge.display_name))
    facts = _active_facts(js, [proposal.id])
    if not facts:
        raise ServiceError(_("The proposal is not an entrant of this stage."))
    if judge.id in pool.active[proposal.id]:
        raise ServiceError(_("%(name)s is already assigned.", name=judge.display_name))
    pool.ever[proposal.id].discard(judge.id)  # a removed judge may be put back by hand
    if judge.id not in pool.eligible(facts[0]):
        if pool.conflicts[judge.id].blocks(proposal.id, facts[0].tenant_id, facts[0].province):
            raise ServiceError(
                _(
                    "%(name)s has a conflict of interest with this proposal.",
                    name=judge.display_name,
                )
            )
        raise ServiceError(
            _("%(name)s has another presentation at this time.", name=judge.display_name)
        )
    assignment = db.session.execute(
        sa.select(Assignment).where(
            Assignment.stage_id == js.stage_id,
            Assignment.proposal_id == proposal.id,
            Assignment.judge_id == judge.id,
        )
    ).scalar_one_or_none()
    if assignment is None:
        assignment = Assignment(stage_id=js.stage_id, proposal_id=proposal.id, judge_id=judge.id)
        db.session.add(assignment)
    assignment.status = AssignmentStatus.ACTIVE
    assignment.source = AssignmentSource.MANUAL
    assignment.ended_at = None
    assignment.end_reason = ""
    db.session.flush()
    audit.record(
        "judging.assignment.add",
        assignment,
        actor=actor,
        after={"stage": js.stage.code, "proposal": proposal.uuid, "judge": judge.username},
    )
    return assignment


def end_assignment(
    assignment: Assignment,
    *,
    status: AssignmentStatus,
    reason: str,
    actor: User | None,
    extra: dict[str, Any] | None = None,
) -> None:
    assignment.status = status
    assignment.ended_at = utcnow()
    assignment.end_reason = reason
    audit.record(
        f"judging.assignment.{status.value}",
        assignment,
        actor=actor,
        after={
            "proposal_id": assignment.proposal_id,
            "judge_id": assignment.judge_id,
            "reason": reason,
            **(extra or {}),
        },
    )


def _sent_sheet(assignment: Assignment) -> ScoreSheet | None:
    """The assignment's sheet when its scores were sent (they count while it is active)."""
    sheet = db.session.execute(
        sa.select(ScoreSheet).where(ScoreSheet.assignment_id == assignment.id)
    ).scalar_one_or_none()
    return sheet if sheet is not None and sheet.status == SheetStatus.SUBMITTED else None


def _left_out(sheet: ScoreSheet) -> dict[str, Any]:
    """What the audit keeps of scores that stop counting."""
    return {
        "status": sheet.status.value,
        "scores": dict(sheet.scores),
        "justifications": dict(sheet.justifications),
        "total": sheet.total,
        "submitted_at": sheet.submitted_at.isoformat() if sheet.submitted_at else None,
        "submissions": sheet.submissions,
    }


def remove_assignment(
    js: JudgingStage,
    assignment: Assignment,
    *,
    reason: str,
    actor: User,
    replace: bool = True,
    leave_out: int | None = None,
) -> RemovalResult:
    """Take a judge off a proposal by hand (audited); a replacement is found when asked.

    Scores the judge already sent stop counting once the assignment ends (ranking and
    consolidation count active assignments only). That is right when, say, a conflict of
    interest comes to light late, but never by accident: a sent sheet is taken off only when
    ``leave_out`` confirms its submission number (the page showed those scores and the user
    ticked to leave them out). The sheet itself stays, and the audit entry keeps its scores.
    """
    lock(js)
    _require_scored(js)
    if assignment.status != AssignmentStatus.ACTIVE:
        raise ServiceError(_("This assignment has already ended."))
    reason = reason.strip()
    if len(reason) < 5:
        raise ServiceError(_("Say briefly why (at least 5 characters)."), field="reason")
    sheet = _sent_sheet(assignment)
    if sheet is not None and leave_out != sheet.submissions:
        raise ServiceError(
            _(
                "Not taken off: %(name)s sent scores for this proposal on %(at)s (weighted "
                "score %(total)s). Taking them off leaves those scores out of the ranking; to "
                "do so, tick “leave the scores out” beside them and give the reason.",
                name=assignment.judge.display_name,
                at=format_wib(sheet.submitted_at) if sheet.submitted_at else "-",
                total=f"{sheet.total or 0:.2f}",
            )
        )
    extra = {"scores_left_out": _left_out(sheet)} if sheet is not None else None
    end_assignment(
        assignment, status=AssignmentStatus.REMOVED, reason=reason, actor=actor, extra=extra
    )
    db.session.flush()
    created = reassign(js, [assignment.proposal_id], actor=actor, reason=reason) if replace else []
    return RemovalResult(created, sheet.total if sheet is not None else None)


@dataclass
class RemovalResult:
    replacements: list[Assignment]
    left_out_total: float | None  # the weighted score that no longer counts, if any


def add_panel_member(js: JudgingStage, user: User, *, actor: User) -> PanelMember:
    """Put an evaluator or panelist on the stage's panel (audited)."""
    ensure_open(js)
    if user.role not in JUDGE_ROLES or not user.active:
        raise ServiceError(_("Only active evaluators and panelists can sit on a panel."))
    member = db.session.execute(
        sa.select(PanelMember).where(
            PanelMember.stage_id == js.stage_id, PanelMember.user_id == user.id
        )
    ).scalar_one_or_none()
    if member is not None and member.active:
        raise ServiceError(_("%(name)s is already on the panel.", name=user.display_name))
    if member is None:
        member = PanelMember(stage_id=js.stage_id, user_id=user.id)
        db.session.add(member)
    member.withdrawn_at = None
    member.withdrawn_reason = ""
    db.session.flush()
    audit.record("judging.panel.add", js.stage, actor=actor, after={"judge": user.username})
    return member


def withdraw_judge(js: JudgingStage, user: User, *, reason: str, actor: User) -> list[Assignment]:
    """A judge leaves the stage: unfinished work is reassigned, finished scores stay."""
    ensure_open(js)
    reason = reason.strip()
    if len(reason) < 5:
        raise ServiceError(_("Say briefly why (at least 5 characters)."), field="reason")
    member = db.session.execute(
        sa.select(PanelMember).where(
            PanelMember.stage_id == js.stage_id, PanelMember.user_id == user.id
        )
    ).scalar_one_or_none()
    if member is None or not member.active:
        raise ServiceError(_("%(name)s is not on this stage's panel.", name=user.display_name))
    member.withdrawn_at = utcnow()
    member.withdrawn_reason = reason
    audit.record(
        "judging.panel.withdraw",
        js.stage,
        actor=actor,
        after={"judge": user.username, "reason": reason},
    )
    open_work = db.session.execute(open_assignments(js, user)).scalars()
    proposals = []
    for assignment in open_work:
        end_assignment(assignment, status=AssignmentStatus.WITHDRAWN, reason=reason, actor=actor)
        proposals.append(assignment.proposal_id)
    db.session.flush()
    return reassign(js, proposals, actor=actor, reason=reason)


def release_conflicted(user: User, *, actor: User | None) -> int:
    """End the user's assignments that a new conflict concerns, in every open stage, and
    reassign them; scores already given on them stop counting."""
    conflicts = conflicts_for([user.id])[user.id]
    rows = list(
        db.session.execute(
            sa.select(Assignment).where(
                Assignment.judge_id == user.id, Assignment.status == AssignmentStatus.ACTIVE
            )
        ).scalars()
    )
    facts = proposal_facts(a.proposal_id for a in rows)
    ended: dict[int, list[int]] = defaultdict(list)
    for assignment in rows:
        f = facts[assignment.proposal_id]
        if conflicts.blocks(f.proposal_id, f.tenant_id, f.province):
            end_assignment(
                assignment,
                status=AssignmentStatus.CONFLICT,
                reason=_("Conflict of interest"),
                actor=actor,
            )
            ended[assignment.stage_id].append(assignment.proposal_id)
    db.session.flush()
    if not ended:
        return 0
    for js in _open_stages_by_id(ended):
        reassign(js, ended[js.stage_id], actor=actor, reason=_("Conflict of interest"))
    return sum(len(v) for v in ended.values())


def _open_stages_by_id(stage_ids: Iterable[int]) -> list[JudgingStage]:
    wanted = set(stage_ids)
    stmt = sa.select(JudgingStage).where(JudgingStage.stage_id.in_(wanted))
    return [js for js in db.session.execute(stmt).scalars() if not js.frozen]


@dataclass
class Load:
    judge: User
    active: int = 0
    submitted: int = 0
    abstained: int = 0
    draft: int = 0

    @property
    def open(self) -> int:
        return self.active - self.submitted - self.abstained


def loads(js: JudgingStage) -> list[Load]:
    """Per panel member: active assignments and how far they got."""
    members = {m.user_id: Load(m.user) for m in panel(js)}
    rows = db.session.execute(
        sa.select(Assignment.judge_id, ScoreSheet.status, sa.func.count())
        .outerjoin(ScoreSheet, ScoreSheet.assignment_id == Assignment.id)
        .where(Assignment.stage_id == js.stage_id, Assignment.status == AssignmentStatus.ACTIVE)
        .group_by(Assignment.judge_id, ScoreSheet.status)
    )
    for jid, status, n in rows:
        if jid not in members:
            members[jid] = Load(db.session.get(User, jid))
        item = members[jid]
        item.active += n
        if status == SheetStatus.SUBMITTED:
            item.submitted += n
        elif status == SheetStatus.ABSTAINED:
            item.abstained += n
        elif status == SheetStatus.DRAFT:
            item.draft += n
    return sorted(members.values(), key=lambda x: x.judge.display_name)


def assignments_of(js: JudgingStage, *, proposal_id: int | None = None) -> list[Assignment]:
    stmt = (
        sa.select(Assignment)
        .where(Assignment.stage_id == js.stage_id)
        .options(selectinload(Assignment.judge), selectinload(Assignment.sheet))
        .order_by(Assignment.proposal_id, Assignment.id)
    )
    if proposal_id is not None:
        stmt = stmt.where(Assignment.proposal_id == proposal_id)
    return list(db.session.execute(stmt).scalars())


def open_stages_for(user: User) -> list[JudgingStage]:
    """Stages (not frozen) whose panel the user sits on."""
    stmt = (
        sa.select(JudgingStage)
        .join(PanelMember, PanelMember.stage_id == JudgingStage.stage_id)
        .where(PanelMember.user_id == user.id, PanelMember.withdrawn_at.is_(None))
    )
    return [js for js in db.session.execute(stmt).scalars() if not js.frozen]


__all__ = [
    "AssignResult",
    "Load",
    "Pool",
    "RemovalResult",
    "add_panel_member",
    "assign_manually",
    "compute",
    "loads",
    "reassign",
    "release_conflicted",
    "remove_assignment",
    "run_auto",
    "withdraw_judge",
]
