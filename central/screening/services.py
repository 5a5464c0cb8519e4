"""Administrative screening: stored checklists, the secretariat's list, and its decisions.

The automatic checks (``central/screening/checks.py``) are advice; the secretariat decides,
one proposal at a time or many at once, passing or failing each with a reason from a fixed
list plus free text. The decision is set on the proposal (what the agency later sees), audited,
and published on the change feed for the proposal's node (``screening.decided``), visible from
the screening stage's publish time.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale, get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import load_only

from central.judging.models import EntryStatus, StageEntry
from central.labels import screening_label
from central.screening import checks
from central.screening.models import ScreeningCheck
from shared.db import db, utcnow
from shared.models.competition import Competition, Stage
from shared.models.proposal import Proposal, ProposalStatus, ScreeningResult
from shared.models.tenant import Tenant, TenantKind
from shared.models.user import User
from shared.pagination import Paged, clamp_page
from shared.services import ServiceError, audit
from shared.services.versions import StaleVersion, version_token
from sync import feed

EVENT_KIND = "screening.decided"
PER_PAGE = 50

# Reasons for a failure, as the ministry states them (plus free text).
REASONS: dict[str, object] = {
    "incomplete": _l("The form or the required evidence is incomplete"),
    "not_meaningful": _l("The answers are not meaningful"),
    "word_limit": _l("Sections exceed their word limits"),
    "too_young": _l("The innovation has not been implemented long enough"),
    "duplicate_title": _l("Duplicate of another proposal"),
    "earlier_winner": _l("Already a Top winner in an earlier year"),
    "top99_twice": _l("Already among the Top 99 twice"),
    "quota": _l("Over the agency's quota"),
    "not_invited": _l("The group is by invitation only"),
    "other": _l("Other reason (explain below)"),
}
# The reason suggested for each failed automatic check.
REASON_FOR_CHECK = {
    "complete": "incomplete",
    "word_limits": "word_limit",
    "implementation_age": "too_young",
    "duplicate_title": "duplicate_title",
    "earlier_winner": "earlier_winner",
    "top99_twice": "top99_twice",
    "quota": "quota",
}


# -- stored checklists --------------------------------------------------------------------------


def submitted_count(competition: Competition) -> int:
    return db.session.execute(
        sa.select(sa.func.count())
        .select_from(Proposal)
        .where(
            Proposal.competition_id == competition.id,
            Proposal.status == ProposalStatus.SUBMITTED,
        )
    ).scalar_one()


def latest_intake(competition: Competition) -> datetime | None:
    """When the newest proposal arrived: checklists older than this may miss a duplicate.

    Two index lookups (received from a node; submitted on central directly); a node's clock set
    in the future is capped at now so that it cannot keep every checklist outdated.
    """
    where = (Proposal.competition_id == competition.id,)
    received, submitted = db.session.execute(
        sa.select(
            sa.select(sa.func.max(Proposal.received_at)).where(*where).scalar_subquery(),
            sa.select(sa.func.max(Proposal.submitted_at))
            .where(*where, Proposal.status == ProposalStatus.SUBMITTED)
            .scalar_subquery(),
        )
    ).one()
    stamps = [s for s in (received, submitted) if s is not None]
    return min(max(stamps), utcnow()) if stamps else None


def _store(proposal: Proposal, results: list[checks.CheckResult], check: ScreeningCheck | None):
    data = [r.to_json() for r in results]
    flags = sum(1 for r in results if not r.ok)
    if check is None:
        check = ScreeningCheck(tenant_id=proposal.tenant_id, proposal_id=proposal.id)
        db.session.add(check)
    check.revision, check.results, check.flags, check.computed_at = (
        proposal.revision,
        data,
        flags,
        utcnow(),
    )
    return check


def refresh_checks(
    competition: Competition, proposal_ids: Iterable[int] | None = None, progress=None
) -> int:
    """(Re)compute and store the checklists of the given submitted proposals (all if None).

    Messages are kept in the default language, the agencies' (the detail page recomputes them
    in the reader's language).
    """
    stmt = sa.select(Proposal.id).where(
        Proposal.competition_id == competition.id, Proposal.status == ProposalStatus.SUBMITTED
    )
    if proposal_ids is not None:
        stmt = stmt.where(Proposal.id.in_(list(proposal_ids)))
    ids = list(db.session.execute(stmt).scalars())
    if not ids:
        return 0
    with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
        ctx = checks.load_context(competition)
        existing = {
            c.proposal_id: c
            for c in db.session.execute(
                sa.select(ScreeningCheck).where(ScreeningCheck.proposal_id.in_(ids))
            ).scalars()
        }
        for start in range(0, len(ids), 500):
            batch = checks.proposals_with_content(ids[start : start + 500])
            for proposal in batch:
                _store(proposal, checks.run_checks(proposal, ctx), existing.get(proposal.id))
                if progress:
                    progress(1)
            db.session.flush()
    return len(ids)


def ensure_fresh(competition: Competition, rows: list[ListRow]) -> bool:
    """Compute the missing or outdated checklists of a page of the list, and keep them.

    Done when the page is read (at most one page of proposals); if another request stored the
    same checklists meanwhile, this one keeps theirs. True when something was computed.
    """
    newest = latest_intake(competition)
    stale = [
        r.proposal.id
        for r in rows
        if r.check is None
        or r.check.revision != r.proposal.revision
        or (newest is not None and r.check.computed_at < newest)
    ]
    if not stale:
        return False
    refresh_checks(competition, stale)
    try:
        db.session.commit()
    except (IntegrityError, OperationalError):
        db.session.rollback()
    return True


def fresh_checklist(proposal: Proposal) -> list[checks.CheckResult]:
    """The checklist of one proposal, computed now in the reader's language (and stored)."""
    competition = proposal.competition
    ctx = checks.load_context(competition)
    results = checks.run_checks(proposal, ctx)
    existing = db.session.execute(
        sa.select(ScreeningCheck).where(ScreeningCheck.proposal_id == proposal.id)
    ).scalar_one_or_none()
    with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
        stored = checks.run_checks(proposal, ctx)
    _store(proposal, stored, existing)
    return results


# -- the list -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ScreeningFilter:
    result: str = ""  # pending / passed / failed
    flagged: str = ""  # "1": a check failed, "0": every check passed
    tenant_code: str = ""
    kind: str = ""
    province: str = ""
    group: str = ""
    category: str = ""
    q: str = ""


@dataclass
class ListRow:
    proposal: Proposal
    tenant_code: str
    tenant_name: str
    check: ScreeningCheck | None

    def marks(self) -> list[bool | None]:
        """Per check (in the order of ``checks.CHECKS``): passed, failed, or not computed."""
        if self.check is None:
            return [None] * len(checks.CHECKS)
        by_code = {r["code"]: r["ok"] for r in self.check.results}
        return [by_code.get(code) for code in checks.CHECKS]

    def version(self) -> str:
        return screening_version(self.proposal)

    def mark_cells(self) -> Markup:
        """The row's checklist as table cells (built here: fifty rows of seven on a page)."""
        return Markup("").join(_CELLS[ok] for ok in self.marks())


_CELLS = {
    True: Markup('<td class="check ok">✓</td>'),
    False: Markup('<td class="check bad">✗</td>'),
    None: Markup('<td class="check">?</td>'),
}


@dataclass
class ListPage(Paged):
    rows: list[ListRow]
    total: int
    page: int
    counts: dict[ScreeningResult, int]
    per_page: int = PER_PAGE


def _where(stmt: sa.Select, competition: Competition, flt: ScreeningFilter) -> sa.Select:
    from central.dashboard.services import province_expr

    stmt = stmt.where(
        Proposal.competition_id == competition.id, Proposal.status == ProposalStatus.SUBMITTED
    )
    if flt.tenant_code:
        stmt = stmt.where(Tenant.code == flt.tenant_code)
    if flt.kind in TenantKind.__members__.values():
        stmt = stmt.where(Tenant.kind == flt.kind)
    if flt.province:
        stmt = stmt.where(province_expr() == flt.province)
    if flt.group:
        stmt = stmt.where(Proposal.group_code == flt.group)
    if flt.category:
        stmt = stmt.where(Proposal.category_code == flt.category)
    if flt.q.strip():
        stmt = stmt.where(sa.func.lower(Proposal.title).like(f"%{flt.q.strip().lower()}%"))
    if flt.flagged == "1":
        stmt = stmt.where(ScreeningCheck.flags > 0)
    elif flt.flagged == "0":
        stmt = stmt.where(ScreeningCheck.flags == 0)
    return stmt


def _joined(*columns, flt: ScreeningFilter | None = None) -> sa.Select:
    """Proposals with their tenant and checklist; for counts, only the joins a filter needs."""
    stmt = sa.select(*columns).select_from(Proposal)
    if flt is None or flt.tenant_code or flt.kind or flt.province:
        stmt = stmt.join(Tenant, Tenant.id == Proposal.tenant_id)
    if flt is None or flt.flagged in ("0", "1"):
        stmt = stmt.outerjoin(ScreeningCheck, ScreeningCheck.proposal_id == Proposal.id)
    return stmt


# What the list shows of a proposal (its texts stay in the database).
LIST_COLUMNS = (
    Proposal.id,
    Proposal.uuid,
    Proposal.tenant_id,
    Proposal.title,
    Proposal.group_code,
    Proposal.status,
    Proposal.revision,
    Proposal.submitted_revision,
    Proposal.submitted_at,
    Proposal.screening_result,
    Proposal.screening_reason,
)


def list_page(competition: Competition, flt: ScreeningFilter, page: int = 1) -> ListPage:
    """One page of submitted proposals with their checklists, in order of submission."""
    counts = {
        result: n
        for result, n in db.session.execute(
            _where(
                _joined(Proposal.screening_result, sa.func.count(), flt=flt), competition, flt
            ).group_by(Proposal.screening_result)
        )
    }
    if flt.result in ScreeningResult.__members__.values():
        total = counts.get(ScreeningResult(flt.result), 0)
    else:
        total = sum(counts.values())
    page = clamp_page(page, total, PER_PAGE)
    stmt = _where(
        _joined(Proposal, Tenant.code, Tenant.name, ScreeningCheck), competition, flt
    ).options(load_only(*LIST_COLUMNS))
    if flt.result in ScreeningResult.__members__.values():
        stmt = stmt.where(Proposal.screening_result == flt.result)
    stmt = (
        stmt.order_by(Proposal.submitted_at, Proposal.id)
        .limit(PER_PAGE)
        .offset((page - 1) * PER_PAGE)
    )
    rows = [ListRow(p, code, name, check) for p, code, name, check in db.session.execute(stmt)]
    return ListPage(rows, total, page, counts)


# -- decisions ----------------------------------------------------------------------------------


def reason_text(result: ScreeningResult, reason_code: str, note: str) -> str:
    """What the agency reads: the stated reason (in the agencies' language) and the note."""
    note = note.strip()
    if result == ScreeningResult.PASSED:
        return note
    with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
        label = "" if reason_code == "other" else str(REASONS[reason_code])
    return ": ".join(part for part in (label, note) if part)


def _screening_stage(competition: Competition) -> Stage | None:
    return next((s for s in competition.stages if s.code == "screening"), None)


def screened_revision(proposal: Proposal) -> int:
    """The revision a decision is about: the last one the agency submitted."""
    return proposal.submitted_revision or proposal.revision


def screening_version(proposal: Proposal) -> str:
    """The version token of a deciding page: the revision shown and the decision it showed.

    ``"<revision>:<digest of result and reason>"``, so a refusal can say which one moved.
    """
    decision = version_token(proposal.screening_result, proposal.screening_reason)
    return f"{screened_revision(proposal)}:{decision}"


def _refuse_if_stale(proposal: Proposal, shown: str) -> None:
    current = screening_version(proposal)
    if shown == current:
        return
    revision, _sep, _decision = shown.partition(":")
    if revision != str(screened_revision(proposal)):
        raise StaleVersion(
            _(
                "Not recorded for “%(title)s”: the agency submitted revision %(n)d after the "
                "page was loaded. Read that revision, then decide.",
                title=proposal.title,
                n=screened_revision(proposal),
            ),
            current=current,
        )
    raise StaleVersion(
        _(
            "Not recorded for “%(title)s”: someone else recorded a decision after the page was "
            "loaded (now: %(result)s). Check it, then decide again.",
            title=proposal.title,
            result=screening_label(proposal.screening_result),
        ),
        current=current,
    )


def judging_entry(proposal: Proposal) -> tuple[StageEntry, Stage] | None:
    """The proposal's latest place in judging (not counting stages it was taken out of)."""
    row = db.session.execute(
        sa.select(StageEntry, Stage)
        .join(Stage, Stage.id == StageEntry.stage_id)
        .where(StageEntry.proposal_id == proposal.id, StageEntry.status != EntryStatus.REMOVED)
        .order_by(Stage.position.desc())
        .limit(1)
    ).first()
    return None if row is None else (row[0], row[1])


def _refuse_if_judged(proposal: Proposal) -> None:
    """Screening closes for a proposal once it entered judging: a result changed then would
    tell the agency one thing while the stage, the ranking and the judges go on with it."""
    place = judging_entry(proposal)
    if place is None:
        return
    entry, stage = place
    if entry.status == EntryStatus.ACTIVE:
        raise ServiceError(
            _(
                "Not recorded for “%(title)s”: it is an entrant of the stage %(stage)s, so its "
                "screening result no longer changes. If it must leave the competition, take it "
                "out of that stage with the reason first.",
                title=proposal.title,
                stage=stage.name(str(get_locale())),
            )
        )
    raise ServiceError(
        _(
            "Not recorded for “%(title)s”: it was judged in the stage %(stage)s; its screening "
            "result is part of that record and no longer changes.",
            title=proposal.title,
            stage=stage.name(str(get_locale())),
        )
    )


def decide(
    proposal: Proposal,
    *,
    result: str,
    reason_code: str,
    note: str,
    actor: User,
    shown_version: str | None = None,
) -> None:
    """Pass or fail one submitted proposal; a failure needs a reason from the list.

    ``shown_version`` is the page's :func:`screening_version`: a decision typed on a page that
    showed another revision or another decision is refused. Once the proposal entered a
    judging stage, its result no longer changes.
    """
    if proposal.status != ProposalStatus.SUBMITTED:
        raise ServiceError(_("Only submitted proposals are screened."))
    db.session.refresh(proposal, with_for_update=True)
    if shown_version is not None:
        _refuse_if_stale(proposal, shown_version)
    if result not in (ScreeningResult.PASSED, ScreeningResult.FAILED):
        raise ServiceError(_("Choose pass or fail."), field="result")
    outcome = ScreeningResult(result)
    note = note.strip()
    if outcome == ScreeningResult.FAILED:
        if reason_code not in REASONS:
            raise ServiceError(_("Choose the reason for the failure."), field="reason_code")
        if reason_code == "other" and not note:
            raise ServiceError(_("Explain the other reason."), field="note")
    else:
        reason_code = ""
    reason = reason_text(outcome, reason_code, note)
    if (proposal.screening_result, proposal.screening_reason) == (outcome, reason):
        return
    _refuse_if_judged(proposal)
    before = {"result": proposal.screening_result.value, "reason": proposal.screening_reason}
    proposal.screening_result = outcome
    proposal.screening_reason = reason
    revision = screened_revision(proposal)
    audit.record(
        "screening.decide",
        proposal,
        actor=actor,
        before=before,
        after={
            "result": outcome.value,
            "reason_code": reason_code,
            "reason": reason,
            "revision": revision,
        },
    )
    feed.publish(
        EVENT_KIND,
        {"uuid": proposal.uuid, "revision": revision, "result": outcome.value, "reason": reason},
        tenant_id=proposal.tenant_id,
        stage=_screening_stage(proposal.competition),
    )


def decide_many(
    proposals: list[Proposal],
    *,
    result: str,
    reason_code: str,
    note: str,
    actor: User,
    shown_versions: Mapping[str, str] | None = None,
) -> int:
    """The same decision for many proposals (all or none: a refusal stops the batch).

    ``shown_versions`` maps each uuid to the version its row showed (see :func:`decide`).
    """
    if not proposals:
        raise ServiceError(_("Select at least one proposal."))
    for proposal in proposals:
        decide(
            proposal,
            result=result,
            reason_code=reason_code,
            note=note,
            actor=actor,
            shown_version=None if shown_versions is None else shown_versions.get(proposal.uuid, ""),
        )
    return len(proposals)


def load_many(uuids: list[str]) -> list[Proposal]:
    """The proposals named by uuid (within the caller's scope)."""
    if not uuids:
        return []
    return list(
        db.session.execute(sa.select(Proposal).where(Proposal.uuid.in_(uuids[:1000]))).scalars()
    )


def history(proposal: Proposal) -> list:
    """Earlier screening decisions of the proposal, newest first (from the audit trail)."""
    from shared.models.audit import AuditLog

    return list(
        db.session.execute(
            sa.select(AuditLog)
            .where(
                AuditLog.object_type == "Proposal",
                AuditLog.object_id == proposal.uuid,
                AuditLog.action == "screening.decide",
            )
            .order_by(AuditLog.at.desc(), AuditLog.id.desc())
        ).scalars()
    )
