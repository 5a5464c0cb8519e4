"""Stages as data: setup per competition, entrants, removal, and the audited promotion.

A promotion freezes a stage: its scores, assignments and shortlist can no longer change. It
records each entrant's rank and score, moves the selected proposals into the next stage,
sets ``Proposal.stage_code`` to the highest stage reached (and, at the final stage,
``Proposal.award``) and publishes ``stage.reached`` / ``award.given`` events embargoed until
the reached stage's ``publish_at``. A promotion into a finalist stage (or of the final stage),
and the removal of a finalist, also prepare the announcement (catalogue entries, certificates;
``central.announce.services.prepare_announcement``), embargoed the same way.

Selection at promotion: the shortlist when the stage has a shortlist size; otherwise the
ranked entrants at or above the passing grade when one is set; otherwise every entrant.

Proposals enter a stage before its start date only on an explicit confirmation (the promotion
into it, or the first judged stage taking in the screened proposals): the secretariat may
prepare a stage early (the presentation schedule needs the finalists as entrants before the
presentations start), but never by mistake. Nothing of it shows publicly earlier: the events
are embargoed until the stage's ``publish_at``, which never lies before its start.

Removing an entrant (an upheld objection, a withdrawal) takes back everything since the last
selection: ``stage_code`` returns to the last stage before it that cut the field.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask_babel import get_locale
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from central.judging.models import (
    Assignment,
    AssignmentStatus,
    EntryStatus,
    JudgingStage,
    Normalisation,
    Objection,
    ObjectionStatus,
    ScoreSheet,
    SheetStatus,
    SpecialAward,
    StageEntry,
    StageKind,
)
from shared.db import db, utcnow
from shared.models.competition import Competition, Stage
from shared.models.proposal import Proposal, ProposalStatus, ScreeningResult
from shared.models.user import User
from shared.services import ServiceError, audit
from shared.timeutil import format_wib
from sync import feed

TOP_AWARD = "top"
DEFAULT_SPECIAL_AWARDS = (
    {
        "code": "outstanding_achievement",
        "name_id": "Outstanding Achievement",
        "name_en": "Outstanding Achievement",
    },
    {"code": "top_replikasi", "name_id": "Top Inovasi Replikasi", "name_en": "Top Replication"},
)

# Defaults per stage code (shared/services/competitions.DEFAULT_STAGES); all editable.
DEFAULT_SETUP: dict[str, dict[str, Any]] = {
    "screening": {"kind": StageKind.EXTERNAL},
    "desk_evaluation": {
        "kind": StageKind.SCORED,
        "rubric": "kipp",
        "normalisation": Normalisation.ZSCORE,
        "evaluators_per_proposal": 3,
        "passing_grade": 85.0,
        "blind": True,
    },
    "panel_nomination": {
        "kind": StageKind.SCORED,
        "rubric": "kipp",
        "evaluators_per_proposal": 3,
        "shortlist_size": 99,
        "composition_rules": [{"dimension": "is_3t", "value": "yes", "min": 5, "max": None}],
    },
    "top99": {"kind": StageKind.GATE},
    "objection": {"kind": StageKind.OBJECTION},
    "presentation": {
        "kind": StageKind.SCORED,
        "rubric": "final",
        "evaluators_per_proposal": 3,
        "has_schedule": True,
        "schedule_settings": {},
    },
    "field_verification": {"kind": StageKind.VERIFICATION},
    "final": {
        "kind": StageKind.FINAL,
        "shortlist_size": 45,
        "special_awards": list(DEFAULT_SPECIAL_AWARDS),
    },
}


# -- lookup ----------------------------------------------------------------------------------


def sequence(competition_id: int) -> list[JudgingStage]:
    """The competition's judged stages in order."""
    stmt = (
        sa.select(JudgingStage)
        .join(Stage, Stage.id == JudgingStage.stage_id)
        .where(Stage.competition_id == competition_id)
        .options(selectinload(JudgingStage.stage))
        .order_by(Stage.position)
    )
    return list(db.session.execute(stmt).scalars())


def sequence_until(js: JudgingStage) -> list[JudgingStage]:
    stages = sequence(js.stage.competition_id)
    return [s for s in stages if s.stage.position <= js.stage.position]


def previous(js: JudgingStage) -> JudgingStage | None:
    before = [s for s in sequence(js.stage.competition_id) if s.stage.position < js.stage.position]
    return before[-1] if before else None


def following(js: JudgingStage) -> JudgingStage | None:
    after = [s for s in sequence(js.stage.competition_id) if s.stage.position > js.stage.position]
    return after[0] if after else None


def for_stage(stage_id: int) -> JudgingStage | None:
    stmt = sa.select(JudgingStage).where(JudgingStage.stage_id == stage_id)
    return db.session.execute(stmt).scalar_one_or_none()


def lock(js: JudgingStage) -> None:
    """Serialise stage-wide operations (promotion, automatic assignment, shortlist): the
    stage's row is locked until the transaction ends (SQLite writers are serialised anyway)."""
    db.session.refresh(js, with_for_update=True)


def ensure_open(js: JudgingStage) -> None:
    """Refuse changes to a promoted (frozen) stage."""
    if js.frozen:
        raise ServiceError(
            _(
                "This stage was promoted on %(at)s; its record is frozen.",
                at=format_wib(js.frozen_at),
            )
        )


def is_cut(js: JudgingStage) -> bool:
    """Does promoting this stage select a subset of its entrants?"""
    if js.kind == StageKind.EXTERNAL:
        return True
    return js.kind in (StageKind.SCORED, StageKind.FINAL) and bool(
        js.shortlist_size or js.passing_grade is not None
    )


# -- setup -----------------------------------------------------------------------------------


def setup_competition(competition: Competition, *, actor: User | None) -> list[JudgingStage]:
    """Create judging settings (and default rubrics) for every stage that has none."""
    from central.judging.rubrics import default_rubrics

    rubrics = default_rubrics(competition, actor)
    existing = {js.stage_id for js in sequence(competition.id)}
    created = []
    for stage in competition.stages:
        if stage.id in existing:
            continue
        defaults = dict(DEFAULT_SETUP.get(stage.code, {"kind": StageKind.GATE}))
        rubric_key = defaults.pop("rubric", None)
        js = JudgingStage(stage_id=stage.id, **defaults)
        js.stage = stage
        if rubric_key:
            js.rubric_id = rubrics[rubric_key].id
        db.session.add(js)
        created.append(js)
    db.session.flush()
    if created:
        audit.record(
            "judging.setup",
            competition,
            actor=actor,
            after={"stages": [js.stage.code for js in created]},
        )
    return sequence(competition.id)


SETTING_FIELDS = (
    "kind",
    "rubric_id",
    "normalisation",
    "evaluators_per_proposal",
    "passing_grade",
    "disagreement_threshold",
    "blind",
    "has_schedule",
    "shortlist_size",
    "composition_rules",
    "special_awards",
)


def _snapshot(js: JudgingStage) -> dict[str, Any]:
    out = audit.snapshot(js, SETTING_FIELDS)
    out.update(audit.snapshot(js.stage, ("starts_at", "ends_at", "publish_at")))
    return out


def update_settings(js: JudgingStage, *, actor: User, **values: Any) -> None:
    """Change a stage's judging settings and dates; audited, refused once frozen."""
    from central.judging.shortlist import validate_rules

    ensure_open(js)
    before = _snapshot(js)
    dates = {k: values.pop(k) for k in ("starts_at", "ends_at", "publish_at") if k in values}
    if "rubric_id" in values and values["rubric_id"] != js.rubric_id and _has_sheets(js):
        raise ServiceError(_("Scores were given with this rubric; the stage keeps its version."))
    k = values.get("evaluators_per_proposal", js.evaluators_per_proposal)
    if k is None or not 1 <= int(k) <= 20:
        raise ServiceError(_("Judges per proposal: 1 to 20."), field="evaluators_per_proposal")
    grade = values.get("passing_grade", js.passing_grade)
    if grade is not None and not 0 <= grade <= 100:
        raise ServiceError(_("The passing grade lies between 0 and 100."), field="passing_grade")
    threshold = values.get("disagreement_threshold", js.disagreement_threshold)
    if threshold is None or not 0 <= threshold <= 100:
        raise ServiceError(
            _("The disagreement threshold lies between 0 and 100."), field="disagreement_threshold"
        )
    size = values.get("shortlist_size", js.shortlist_size)
    if size is not None and size < 1:
        raise ServiceError(_("The shortlist size must be at least 1."), field="shortlist_size")
    if "composition_rules" in values:
        values["composition_rules"] = [
            r.to_json() for r in validate_rules(values["composition_rules"])
        ]
    kind = values.get("kind", js.kind)
    rubric_id = values.get("rubric_id", js.rubric_id)
    if StageKind(kind) == StageKind.SCORED and rubric_id is None:
        raise ServiceError(_("A scored stage needs a rubric."), field="rubric_id")
    starts = dates.get("starts_at", js.stage.starts_at)
    ends = dates.get("ends_at", js.stage.ends_at)
    if starts and ends and ends <= starts:
        raise ServiceError(_("The stage must end after it starts."), field="ends_at")
    publish = dates.get("publish_at", js.stage.publish_at)
    if starts and publish and publish < starts:
        raise ServiceError(
            _("Results cannot be published before the stage starts."), field="publish_at"
        )
    for name, value in values.items():
        setattr(js, name, value)
    for name, value in dates.items():
        setattr(js.stage, name, value)
    db.session.flush()
    after = _snapshot(js)
    if after != before:
        audit.record("judging.stage.settings", js.stage, actor=actor, before=before, after=after)


def _has_sheets(js: JudgingStage) -> bool:
    stmt = sa.select(sa.func.count()).where(ScoreSheet.stage_id == js.stage_id)
    return db.session.execute(stmt).scalar_one() > 0


# -- entrants --------------------------------------------------------------------------------


def entries(js: JudgingStage, *statuses: EntryStatus) -> list[StageEntry]:
    stmt = (
        sa.select(StageEntry)
        .where(StageEntry.stage_id == js.stage_id)
        .options(selectinload(StageEntry.proposal).selectinload(Proposal.tenant))
        .order_by(StageEntry.id)
    )
    if statuses:
        stmt = stmt.where(StageEntry.status.in_(statuses))
    return list(db.session.execute(stmt).scalars())


def entry_of(js: JudgingStage, proposal_id: int) -> StageEntry | None:
    stmt = sa.select(StageEntry).where(
        StageEntry.stage_id == js.stage_id, StageEntry.proposal_id == proposal_id
    )
    return db.session.execute(stmt).scalar_one_or_none()


def _publish_stage(proposal: Proposal, js: JudgingStage) -> None:
    feed.publish(
        "stage.reached",
        {"uuid": proposal.uuid, "stage_code": proposal.stage_code, "award": proposal.award},
        tenant_id=proposal.tenant_id,
        stage=js.stage,
    )


def not_started(js: JudgingStage, now: datetime | None = None) -> bool:
    """Does the stage start later than ``now`` (by its configured start date)?"""
    starts = js.stage.starts_at
    return starts is not None and (now or utcnow()) < starts


def open_entries(
    js: JudgingStage, *, actor: User, before_start: bool = False, now: datetime | None = None
) -> int:
    """Enter the proposals that passed administrative screening into the first judged stage;
    before the stage's start date only when ``before_start`` confirms it."""
    ensure_open(js)
    prev = previous(js)
    if prev is not None and prev.kind != StageKind.EXTERNAL:
        raise ServiceError(_("Entrants of this stage come from the promotion of the one before."))
    early = not_started(js, now)
    if early and not before_start:
        raise ServiceError(
            _(
                "This stage starts on %(at)s: tick the confirmation to take the proposals in "
                "before it starts.",
                at=format_wib(js.stage.starts_at),
            )
        )
    known = set(
        db.session.execute(
            sa.select(StageEntry.proposal_id).where(StageEntry.stage_id == js.stage_id)
        ).scalars()
    )
    stmt = sa.select(Proposal).where(
        Proposal.competition_id == js.stage.competition_id,
        Proposal.status == ProposalStatus.SUBMITTED,
        Proposal.screening_result == ScreeningResult.PASSED,
    )
    added = 0
    for proposal in db.session.execute(stmt).scalars():
        if proposal.id in known:
            continue
        db.session.add(StageEntry(stage_id=js.stage_id, proposal_id=proposal.id))
        proposal.stage_code = js.stage.code
        _publish_stage(proposal, js)
        added += 1
    db.session.flush()
    if added:
        after = {"added": added, **({"before_start": True} if early else {})}
        audit.record("judging.entries.open", js.stage, actor=actor, after=after)
    return added


def revert_code(js: JudgingStage) -> str | None:
    """The stage a removed entrant falls back to: the last one before ``js`` that cut."""
    for candidate in reversed(sequence_until(js)[:-1]):
        if is_cut(candidate):
            return candidate.stage.code
    return None


def remove_entry(js: JudgingStage, proposal: Proposal, *, reason: str, actor: User) -> StageEntry:
    """Take an entrant out of the stage with a stated reason (objection upheld, withdrawal)."""
    from central.judging import shortlist as shortlists

    ensure_open(js)
    reason = reason.strip()
    if len(reason) < 10:
        raise ServiceError(_("State the reason (at least 10 characters)."), field="reason")
    entry = entry_of(js, proposal.id)
    if entry is None or entry.status != EntryStatus.ACTIVE:
        raise ServiceError(_("The proposal is not an entrant of this stage."))
    entry.status = EntryStatus.REMOVED
    entry.removed_at = utcnow()
    entry.removed_reason = reason
    now = utcnow()
    for assignment in db.session.execute(
        sa.select(Assignment).where(
            Assignment.stage_id == js.stage_id,
            Assignment.proposal_id == proposal.id,
            Assignment.status == AssignmentStatus.ACTIVE,
        )
    ).scalars():
        assignment.status = AssignmentStatus.REMOVED
        assignment.ended_at = now
        assignment.end_reason = reason
    current = shortlists.current(js)
    if current is not None:
        for item in list(current.entries):
            if item.proposal_id == proposal.id:
                current.entries.remove(item)
    before = {"stage_code": proposal.stage_code}
    proposal.stage_code = revert_code(js)
    _publish_stage(proposal, js)
    db.session.flush()
    audit.record(
        "judging.entry.remove",
        proposal,
        actor=actor,
        before=before,
        after={"stage": js.stage.code, "reason": reason, "stage_code": proposal.stage_code},
    )
    _keep_announcement_current(js, {before["stage_code"]}, actor)
    return entry


def _keep_announcement_current(js: JudgingStage, reached: set[str | None], actor: User) -> None:
    """Rebuild the catalogue entries and certificates when a decision touches the finalists.

    Both stay embargoed until the stage concerned is published, so they can be prepared as soon
    as judging decides; the secretariat no longer has to remember to run the preparation.
    """
    from central.announce.published import publication_for
    from central.announce.services import prepare_announcement

    pub = publication_for(js.stage.competition_id)
    if pub is None:
        return
    if js.kind == StageKind.FINAL or reached & set(pub.finalist_codes):
        prepare_announcement(pub, actor=actor)


# -- promotion -------------------------------------------------------------------------------


@dataclass
class PromotionCheck:
    problems: list[str] = field(default_factory=list)  # promotion is refused
    warnings: list[str] = field(default_factory=list)  # staff should know before promoting
    early_into: JudgingStage | None = None  # the next stage, when it has not started yet
    selected: list[int] = field(default_factory=list)
    not_selected: list[int] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def open_assignments(js: JudgingStage, judge: User | None = None) -> sa.Select:
    """Active assignments of the stage (of one judge) without a submitted or abstained sheet."""
    stmt = (
        sa.select(Assignment)
        .outerjoin(ScoreSheet, ScoreSheet.assignment_id == Assignment.id)
        .where(
            Assignment.stage_id == js.stage_id,
            Assignment.status == AssignmentStatus.ACTIVE,
            sa.or_(ScoreSheet.id.is_(None), ScoreSheet.status == SheetStatus.DRAFT),
        )
    )
    return stmt if judge is None else stmt.where(Assignment.judge_id == judge.id)


def pending_sheets(js: JudgingStage) -> int:
    """Active assignments whose judge has not submitted or abstained yet."""
    stmt = sa.select(sa.func.count()).select_from(open_assignments(js).subquery())
    return db.session.execute(stmt).scalar_one()


def check_promotion(js: JudgingStage, now: datetime | None = None) -> PromotionCheck:
    """What promoting would select, and what still stands in the way."""
    from central.judging import shortlist as shortlists
    from central.judging import verification
    from central.judging.ranking import stage_ranking

    now = now or utcnow()
    check = PromotionCheck()
    if js.frozen:
        check.problems.append(_("The stage is already promoted."))
        return check
    if js.kind == StageKind.EXTERNAL:
        check.problems.append(_("Administrative screening is decided in the screening tool."))
        return check
    prev = previous(js)
    if prev is not None and prev.kind != StageKind.EXTERNAL and not prev.frozen:
        check.problems.append(
            _("Promote the stage before it first: %(s)s.", s=prev.stage.name(str(get_locale())))
        )
    active = [e.proposal_id for e in entries(js, EntryStatus.ACTIVE)]
    if not active:
        check.problems.append(_("The stage has no entrants."))
    if js.kind == StageKind.SCORED:
        pending = pending_sheets(js)
        if pending:
            check.problems.append(_("%(n)d score sheets are not submitted yet.", n=pending))
    if js.kind == StageKind.OBJECTION:
        if js.stage.ends_at is not None and now < js.stage.ends_at:
            check.problems.append(
                _("The objection period runs until %(at)s.", at=format_wib(js.stage.ends_at))
            )
        pending = db.session.execute(
            sa.select(sa.func.count()).where(
                Objection.stage_id == js.stage_id, Objection.status == ObjectionStatus.PENDING
            )
        ).scalar_one()
        if pending:
            check.problems.append(_("%(n)d objections are not decided yet.", n=pending))
    if js.kind == StageKind.VERIFICATION:
        missing = verification.missing_visits(js)
        if missing:
            check.problems.append(
                _(
                    "%(n)d finalists still lack a verification by a TE member and a TPI member.",
                    n=len(missing),
                )
            )
    if js.shortlist_size:
        if shortlists.current(js) is None:
            check.problems.append(_("Generate the shortlist first."))
        chosen = set(shortlists.selected_ids(js)) & set(active)
        for tie in shortlists.ties_at_cut(shortlists.eligible(stage_ranking(js)), chosen):
            check.warnings.append(
                _(
                    "The cut falls inside a tie: %(titles)s have the same score (%(score)s), "
                    "and only some of them are on the list (see the shortlist).",
                    titles="; ".join(r.candidate.title for r in tie.members),
                    score=format(tie.score, ".2f"),
                )
            )
    elif js.kind == StageKind.SCORED and js.passing_grade is not None:
        chosen = {r.proposal_id for r in stage_ranking(js) if r.rank is not None and r.passed}
    else:
        chosen = set(active)
    if js.kind == StageKind.FINAL:
        chosen |= {a.proposal_id for a in special_awards(js)} & set(active)
    else:
        nxt = following(js)
        if nxt is not None and not_started(nxt, now):
            check.early_into = nxt
    check.selected = sorted(chosen)
    check.not_selected = sorted(set(active) - chosen)
    return check


def special_awards(js: JudgingStage) -> list[SpecialAward]:
    stmt = sa.select(SpecialAward).where(SpecialAward.stage_id == js.stage_id)
    return list(db.session.execute(stmt).scalars())


def promote(
    js: JudgingStage, *, actor: User, now: datetime | None = None, before_start: bool = False
) -> PromotionCheck:
    """Freeze the stage and move its selection on (see the module docstring); into a next
    stage that has not started yet only when ``before_start`` confirms it."""
    from central.judging.ranking import stage_ranking

    now = now or utcnow()
    lock(js)
    check = check_promotion(js, now)
    if not check.ok:
        raise ServiceError(" ".join(check.problems))
    if check.early_into is not None and not before_start:
        raise ServiceError(
            _(
                "The next stage, %(s)s, starts on %(at)s: tick the confirmation to move the "
                "selected proposals into it before it starts.",
                s=check.early_into.stage.name(str(get_locale())),
                at=format_wib(check.early_into.stage.starts_at),
            )
        )
    ranking = {r.proposal_id: r for r in stage_ranking(js)}
    selected = set(check.selected)
    for entry in entries(js, EntryStatus.ACTIVE):
        ranked = ranking.get(entry.proposal_id)
        if ranked is not None:
            entry.rank, entry.score = ranked.rank, ranked.score
        entry.status = (
            EntryStatus.ADVANCED if entry.proposal_id in selected else EntryStatus.NOT_SELECTED
        )
    proposals = {
        p.id: p
        for p in db.session.execute(sa.select(Proposal).where(Proposal.id.in_(selected))).scalars()
    }
    nxt = following(js)
    if js.kind == StageKind.FINAL:
        specials = {a.proposal_id: a.award for a in special_awards(js)}
        for pid in sorted(selected):
            proposal = proposals[pid]
            proposal.award = specials.get(pid, TOP_AWARD)
            feed.publish(
                "award.given",
                {"uuid": proposal.uuid, "stage_code": proposal.stage_code, "award": proposal.award},
                tenant_id=proposal.tenant_id,
                stage=js.stage,
            )
    elif nxt is not None:
        for pid in sorted(selected):
            db.session.add(StageEntry(stage_id=nxt.stage_id, proposal_id=pid))
            proposals[pid].stage_code = nxt.stage.code
            _publish_stage(proposals[pid], nxt)
    js.frozen_at = now
    js.frozen_by_id = actor.id
    db.session.flush()
    audit.record(
        "judging.stage.promote",
        js.stage,
        actor=actor,
        after={
            "selected": len(selected),
            "not_selected": len(check.not_selected),
            "next": nxt.stage.code if nxt is not None and js.kind != StageKind.FINAL else None,
            **({"before_start": True} if check.early_into is not None else {}),
        },
    )
    _keep_announcement_current(js, {nxt.stage.code} if nxt is not None else set(), actor)
    return check
