"""The whole judging record of a stage as one XLSX workbook (openpyxl, write-only mode).

Sheets: the stage's settings, rubric, panel and conflicts, entrants, assignments, every score
with its justification, consolidation, ranking, shortlist and rule report, discussion,
objections, schedule, field verification, awards and the audit trail of the stage.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from flask_babel import get_locale
from flask_babel import gettext as _
from openpyxl import Workbook

from central.judging import (
    assignment,
    awards,
    consolidation,
    labels,
    objections,
    rubrics,
    schedule,
    shortlist,
    stages,
)
from central.judging.models import (
    ConflictDeclaration,
    DiscussionMessage,
    JudgeAffiliation,
    JudgingStage,
    ScoreSheet,
    VerificationNote,
)
from central.judging.ranking import stage_ranking
from shared import spreadsheet
from shared.db import db, utcnow
from shared.models.audit import AuditLog
from shared.models.proposal import Proposal
from shared.models.tenant import Tenant
from shared.models.user import User
from shared.timeutil import format_wib


def _cell(value: Any) -> Any:
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, datetime):
        return format_wib(value)
    if isinstance(value, date):
        return value.isoformat()
    if hasattr(value, "value") and not isinstance(value, (int, float, str)):
        return value.value
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
    return value


def _sheet(wb: Workbook, title: str, header: Iterable[str], rows: Iterable[Iterable[Any]]) -> None:
    spreadsheet.add_sheet(wb, title, list(header), ([_cell(v) for v in row] for row in rows))


def stage_workbook(js: JudgingStage, *, actor: User) -> bytes:
    """Build the stage's workbook."""
    locale = str(get_locale())
    wb = spreadsheet.write_only_book()
    stage = js.stage
    proposals = {
        p.id: p
        for p in db.session.execute(
            sa.select(Proposal)
            .join(Tenant, Tenant.id == Proposal.tenant_id)
            .where(Proposal.id.in_([e.proposal_id for e in stages.entries(js)]))
        ).scalars()
    }
    title = {pid: p.title for pid, p in proposals.items()}
    users = {
        u.id: u
        for u in db.session.execute(sa.select(User).where(User.tenant_id.is_(None))).scalars()
    }

    def who(uid: int | None) -> str:
        return users[uid].username if uid in users else (str(uid) if uid else "")

    # 1. stage
    rubric = js.rubric
    _sheet(
        wb,
        _("Stage"),
        (_("Setting"), _("Value")),
        [
            (_("Competition"), stage.competition.name),
            (_("Stage"), stage.name(locale)),
            (_("Code"), stage.code),
            (_("Kind"), labels.stage_kind_label(js.kind)),
            (_("Starts"), stage.starts_at),
            (_("Ends"), stage.ends_at),
            (_("Results published"), stage.publish_at),
            (_("Rubric"), rubric.label if rubric else "-"),
            (_("Normalisation"), js.normalisation),
            (_("Judges per proposal"), js.evaluators_per_proposal),
            (_("Passing grade"), js.passing_grade),
            (_("Disagreement threshold"), js.disagreement_threshold),
            (_("Blind"), js.blind),
            (_("Shortlist size"), js.shortlist_size),
            (_("Composition rules"), "; ".join(r.label() for r in shortlist.stage_rules(js))),
            (_("Promoted"), js.frozen_at),
            (_("Promoted by"), js.frozen_by.username if js.frozen_by else ""),
            (_("Exported"), utcnow()),
            (_("Exported by"), actor.username),
        ],
    )
    # 2. rubric
    _sheet(
        wb,
        _("Rubric"),
        (_("Code"), _("Criterion"), _("Aspect"), _("Weight"), _("Minimum"), _("Maximum")),
        [
            (
                c.code,
                c.name(locale),
                rubrics.aspect_label(c.aspect),
                c.weight,
                c.min_score,
                c.max_score,
            )
            for c in (rubric.criteria if rubric else [])
        ],
    )
    # 3. panel and conflicts
    members = assignment.panel(js, include_withdrawn=True)
    member_ids = [m.user_id for m in members]
    _sheet(
        wb,
        _("Panel"),
        (_("Username"), _("Name"), _("Role"), _("Added"), _("Withdrawn"), _("Reason")),
        [
            (
                m.user.username,
                m.user.display_name,
                m.user.role,
                m.added_at,
                m.withdrawn_at,
                m.withdrawn_reason,
            )
            for m in members
        ],
    )
    affiliation_rows = db.session.execute(
        sa.select(JudgeAffiliation, Tenant)
        .join(Tenant, Tenant.id == JudgeAffiliation.tenant_id)
        .where(JudgeAffiliation.user_id.in_(member_ids))
    )
    declared = db.session.execute(
        sa.select(ConflictDeclaration).where(ConflictDeclaration.user_id.in_(member_ids))
    ).scalars()
    _sheet(
        wb,
        _("Conflicts"),
        (_("Username"), _("Type"), _("Agency"), _("Proposal"), _("Reason"), _("Recorded")),
        [
            *(
                (who(a.user_id) or str(a.user_id), _("affiliation"), t.code, "", "", a.created_at)
                for a, t in affiliation_rows
            ),
            *(
                (
                    who(d.user_id) or str(d.user_id),
                    _("declared"),
                    d.tenant.code if d.tenant else "",
                    title.get(d.proposal_id, d.proposal_id or ""),
                    d.reason,
                    d.created_at,
                )
                for d in declared
            ),
        ],
    )
    # 4. entrants
    _sheet(
        wb,
        _("Entrants"),
        (
            "UUID",
            _("Title"),
            _("Agency"),
            _("Category"),
            _("Group"),
            _("Status"),
            _("Rank"),
            _("Score"),
            _("Removal reason"),
        ),
        [
            (
                e.proposal.uuid,
                e.proposal.title,
                e.proposal.tenant.name,
                e.proposal.category_code,
                e.proposal.group_code,
                labels.entry_status_label(e.status),
                e.rank,
                e.score,
                e.removed_reason,
            )
            for e in stages.entries(js)
        ],
    )
    # 5. assignments and scores
    items = assignment.assignments_of(js)
    _sheet(
        wb,
        _("Assignments"),
        (
            _("Proposal"),
            _("Judge"),
            _("Status"),
            _("Source"),
            _("Assigned"),
            _("Ended"),
            _("Reason"),
        ),
        [
            (
                title.get(a.proposal_id, a.proposal_id),
                a.judge.username,
                labels.assignment_label(a.status),
                labels.assignment_label(a.source),
                a.created_at,
                a.ended_at,
                a.end_reason,
            )
            for a in items
        ],
    )
    codes = [c.code for c in rubric.criteria] if rubric else []
    score_header = [_("Proposal"), _("Judge"), _("Assignment"), _("Status")]
    justification = _("justification")  # not inside the f-string: extraction misses it there
    for code in codes:
        score_header += [code, f"{code}: {justification}"]
    score_header += [_("Total"), _("Abstention reason"), _("Re-score request"), _("Scores sent")]
    sheets = db.session.execute(
        sa.select(ScoreSheet)
        .where(ScoreSheet.stage_id == js.stage_id)
        .order_by(ScoreSheet.proposal_id, ScoreSheet.id)
    ).scalars()
    status_of = {a.id: labels.assignment_label(a.status) for a in items}

    def score_row(s: ScoreSheet) -> list[Any]:
        row: list[Any] = [
            title.get(s.proposal_id, s.proposal_id),
            who(s.judge_id),
            status_of.get(s.assignment_id),
            labels.sheet_state_label(s.status),
        ]
        for code in codes:
            row += [s.scores.get(code), s.justifications.get(code, "")]
        return [*row, s.total, s.abstain_reason, s.rescore_note, s.submitted_at]

    _sheet(wb, _("Scores"), score_header, (score_row(s) for s in sheets))
    # 6. consolidation and ranking
    _sheet(
        wb,
        _("Consolidation"),
        (
            _("Proposal"),
            _("Scores"),
            _("Abstained"),
            _("Mean"),
            _("Spread"),
            _("Std. dev."),
            _("Flagged"),
            _("Messages"),
        ),
        [
            (c.title, c.count, c.abstained, c.mean, c.spread, c.stdev, c.flagged, c.messages)
            for c in consolidation.consolidate(js)
        ]
        if js.kind.value == "scored"
        else [],
    )
    ranking = stage_ranking(js, None)
    _sheet(
        wb,
        _("Ranking"),
        (
            "#",
            "UUID",
            _("Title"),
            _("Score"),
            _("Raw mean"),
            _("Normalised"),
            _("Scores"),
            _("Spread"),
            _("Passed"),
        ),
        [
            (
                r.rank,
                r.candidate.uuid,
                r.candidate.title,
                r.score,
                r.raw_mean,
                r.normalised,
                r.count,
                r.spread,
                r.passed,
            )
            for r in ranking
        ],
    )
    # 7. shortlist
    view = shortlist.view(js)
    rows: list[tuple[Any, ...]] = []
    if view is not None:
        for r in view.selected:
            e = view.reasons[r.proposal_id]
            rows.append(
                (
                    r.rank,
                    r.candidate.title,
                    r.candidate.tenant_name,
                    e.reason,
                    e.rule_index,
                    who(e.added_by_id),
                )
            )
        rows.append(())
        for report in view.rules:
            rows.append(
                (
                    _("Rule"),
                    report.rule.label(),
                    report.selected,
                    report.by_rank,
                    report.binds,
                    report.satisfied,
                )
            )
    _sheet(
        wb,
        _("Shortlist"),
        ("#", _("Title"), _("Agency"), _("Reason"), _("Rule"), _("Added by")),
        rows,
    )
    # 8. discussion, objections, schedule, verification, awards
    messages = db.session.execute(
        sa.select(DiscussionMessage)
        .where(DiscussionMessage.stage_id == js.stage_id)
        .order_by(DiscussionMessage.id)
    ).scalars()
    _sheet(
        wb,
        _("Discussion"),
        (_("Proposal"), _("Author"), _("When"), _("Message")),
        [
            (title.get(m.proposal_id, m.proposal_id), m.author_name, m.created_at, m.body)
            for m in messages
        ],
    )
    _sheet(
        wb,
        _("Objections"),
        (
            _("Reference"),
            _("Proposal"),
            _("Name"),
            _("E-mail"),
            _("Reason"),
            _("Received"),
            _("Status"),
            _("Decision"),
            _("Decided"),
        ),
        [
            (
                o.reference,
                o.proposal.title,
                o.name,
                o.email,
                o.reason,
                o.created_at,
                labels.objection_status_label(o.status),
                o.decision_reason,
                o.decided_at,
            )
            for o in objections.for_stage(js)
        ],
    )
    _sheet(
        wb,
        _("Schedule"),
        (_("Proposal"), _("Starts"), _("Ends"), _("Session"), _("Confirm by"), _("Confirmed")),
        [
            (s.proposal.title, s.starts_at, s.ends_at, s.session, s.confirm_by, s.confirmed_at)
            for s in schedule.slots(js)
        ],
    )
    notes = db.session.execute(
        sa.select(VerificationNote)
        .where(VerificationNote.stage_id == js.stage_id)
        .order_by(VerificationNote.id)
    ).scalars()
    _sheet(
        wb,
        _("Field verification"),
        (_("Proposal"), _("Judge"), _("Visited"), _("Outcome"), _("Notes"), _("Findings")),
        [
            (
                title.get(n.proposal_id, n.proposal_id),
                who(n.author_id),
                n.visited_on,
                n.outcome,
                n.notes,
                n.findings,
            )
            for n in notes
        ],
    )
    names = awards.award_names(js, locale)
    _sheet(
        wb,
        _("Awards"),
        (_("Title"), _("Agency"), _("Award")),
        [(w.proposal.title, w.tenant.name, names.get(w.award, w.award)) for w in awards.winners(js)]
        if js.kind.value == "final"
        else [],
    )
    # 9. audit trail
    _sheet(
        wb,
        _("Audit"),
        (_("When"), _("Who"), _("Action"), _("Acted on"), _("Before"), _("After")),
        (
            (a.at, a.actor_name, a.action, f"{a.object_type} {a.object_id}", a.before, a.after)
            for a in _audit(js, items, proposals)
        ),
    )
    return spreadsheet.save(wb)


def _audit(js: JudgingStage, items, proposals: dict[int, Proposal]) -> list[AuditLog]:
    """The judging audit entries about this stage and the objects that belong to it."""
    wanted = {("Stage", str(js.stage_id))}
    wanted |= {("Assignment", str(a.id)) for a in items}
    wanted |= {("ScoreSheet", str(a.sheet.id)) for a in items if a.sheet is not None}
    for model in (DiscussionMessage, VerificationNote):
        ids = db.session.execute(sa.select(model.id).where(model.stage_id == js.stage_id))
        wanted |= {(model.__name__, str(i)) for i in ids.scalars()}
    wanted |= {("Objection", str(o.id)) for o in objections.for_stage(js)}
    wanted |= {("PresentationSlot", str(s.id)) for s in schedule.slots(js)}
    uuids = {p.uuid for p in proposals.values()}
    stmt = sa.select(AuditLog).where(AuditLog.action.like("judging.%")).order_by(AuditLog.id)
    out = []
    for entry in db.session.execute(stmt).scalars():
        key = (entry.object_type, entry.object_id)
        if key in wanted or (
            entry.object_type == "Proposal"
            and entry.object_id in uuids
            and (entry.after or {}).get("stage") == js.stage.code
        ):
            out.append(entry)
    return out
