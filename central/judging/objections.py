"""The public objection period (masa sanggah) on the finalist list.

Anyone, without an account, may object to a finalist while the objection stage's window is
open (its start and end dates): a contact e-mail and a reason are required, and each address
may send only a few objections per hour. The secretariat upholds an objection (the finalist
is removed, with the reason) or dismisses it. Everything is audited.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from email_validator import EmailNotValidError, validate_email
from flask import current_app, g, has_request_context
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from central.judging.models import (
    EntryStatus,
    JudgingStage,
    Objection,
    ObjectionStatus,
    StageEntry,
    StageKind,
)
from central.judging.stages import ensure_open, entry_of, previous, remove_entry
from shared.db import db, utcnow
from shared.models.competition import Competition, Stage
from shared.models.proposal import Proposal
from shared.models.tenant import Tenant
from shared.models.user import User
from shared.services import ServiceError, audit

REASON_MIN = 30
REASON_MAX = 3000
DEFAULT_PER_HOUR = 5


def current_stage() -> JudgingStage | None:
    """The objection stage of the latest competition that has one."""
    stmt = (
        sa.select(JudgingStage)
        .join(Stage, Stage.id == JudgingStage.stage_id)
        .join(Competition, Competition.id == Stage.competition_id)
        .where(JudgingStage.kind == StageKind.OBJECTION)
        .order_by(Competition.year.desc())
        .limit(1)
    )
    return db.session.execute(stmt).scalar_one_or_none()


def _list_publication(js: JudgingStage) -> tuple[bool, datetime | None]:
    """(does a stage come before this one, when it publishes): looked up once per request,
    as a request asks whether the window is open more than once (the public form's view, then
    the filing)."""
    if not has_request_context():
        return _read_list_publication(js)
    cache: dict[int, tuple[bool, datetime | None]] = g.setdefault("_objection_sources", {})
    if js.stage_id not in cache:
        cache[js.stage_id] = _read_list_publication(js)
    return cache[js.stage_id]


def _read_list_publication(js: JudgingStage) -> tuple[bool, datetime | None]:
    source = previous(js)
    return (False, None) if source is None else (True, source.stage.publish_at)


def window_open(js: JudgingStage, now: datetime | None = None) -> bool:
    """Inside the stage's dates, and only once the list under objection is public: the stage
    it comes from has published its results (a window set to open earlier would show the
    finalists before their announcement)."""
    now = now or utcnow()
    stage = js.stage
    has_source, publish_at = _list_publication(js)
    published = not has_source or (publish_at is not None and publish_at <= now)
    return (
        not js.frozen
        and published
        and stage.starts_at is not None
        and stage.ends_at is not None
        and stage.starts_at <= now <= stage.ends_at
    )


def public_finalists(js: JudgingStage) -> list[tuple[Proposal, Tenant]]:
    """The finalists under objection, alphabetically: published data, read nationally."""
    stmt = (
        sa.select(Proposal, Tenant)
        .join(StageEntry, StageEntry.proposal_id == Proposal.id)
        .join(Tenant, Tenant.id == Proposal.tenant_id)
        .where(StageEntry.stage_id == js.stage_id, StageEntry.status == EntryStatus.ACTIVE)
        .execution_options(national=True)  # the finalist list is public during the window
    )
    rows = [(p, t) for p, t in db.session.execute(stmt)]
    return sorted(rows, key=lambda pt: (pt[0].title.lower(), pt[0].uuid))


def public_finalist(js: JudgingStage, uuid: str) -> tuple[Proposal, Tenant] | None:
    return next((pt for pt in public_finalists(js) if pt[0].uuid == uuid), None)


def file(
    js: JudgingStage,
    proposal: Proposal,
    *,
    name: str,
    email: str,
    reason: str,
    remote_addr: str,
    now: datetime | None = None,
) -> Objection:
    """Record a public objection; refused outside the window or over the rate limit."""
    now = now or utcnow()
    if not window_open(js, now):
        raise ServiceError(_("The objection period is closed."))
    entry = entry_of(js, proposal.id)
    if entry is None or entry.status != EntryStatus.ACTIVE:
        raise ServiceError(_("This proposal is not on the finalist list."))
    try:
        email = validate_email(email.strip(), check_deliverability=False).normalized
    except EmailNotValidError:
        raise ServiceError(_("Enter a valid e-mail address."), field="email") from None
    reason = reason.strip()
    if not REASON_MIN <= len(reason) <= REASON_MAX:
        raise ServiceError(
            _(
                "Describe the objection in %(lo)d to %(hi)d characters.",
                lo=REASON_MIN,
                hi=REASON_MAX,
            ),
            field="reason",
        )
    limit = current_app.config.get("JUDGING_OBJECTIONS_PER_HOUR", DEFAULT_PER_HOUR)
    recent = db.session.execute(
        sa.select(sa.func.count()).where(
            Objection.remote_addr == remote_addr, Objection.created_at > now - timedelta(hours=1)
        )
    ).scalar_one()
    if recent >= limit:
        raise ServiceError(_("Too many objections from your address. Try again in an hour."))
    pending = db.session.execute(  # one open objection per person and finalist
        sa.select(Objection.reference).where(
            Objection.stage_id == js.stage_id,
            Objection.proposal_id == proposal.id,
            Objection.status == ObjectionStatus.PENDING,
            sa.func.lower(Objection.email) == email.lower(),
        )
    ).scalar()
    if pending is not None:
        raise ServiceError(
            _(
                "You already objected to this finalist (reference %(ref)s); the secretariat "
                "will decide on it. Nothing was added.",
                ref=pending,
            ),
            field="reason",
        )
    objection = Objection(
        stage_id=js.stage_id,
        proposal_id=proposal.id,
        name=name.strip()[:120],
        email=email,
        reason=reason,
        remote_addr=remote_addr,
        created_at=now,
    )
    db.session.add(objection)
    db.session.flush()
    audit.record(
        "judging.objection.file",
        objection,
        actor=None,
        actor_name="public",
        after={"reference": objection.reference, "proposal": proposal.uuid},
    )
    return objection


def for_stage(js: JudgingStage, status: ObjectionStatus | None = None) -> list[Objection]:
    stmt = (
        sa.select(Objection)
        .where(Objection.stage_id == js.stage_id)
        .options(selectinload(Objection.proposal).selectinload(Proposal.tenant))
        .order_by(Objection.created_at, Objection.id)
    )
    if status is not None:
        stmt = stmt.where(Objection.status == status)
    return list(db.session.execute(stmt).scalars())


def decide(objection: Objection, *, uphold: bool, reason: str, actor: User) -> Objection:
    """Uphold (the finalist is removed, with the reason) or dismiss a pending objection."""
    js = db.session.execute(
        sa.select(JudgingStage).where(JudgingStage.stage_id == objection.stage_id)
    ).scalar_one()
    ensure_open(js)
    if objection.status != ObjectionStatus.PENDING:
        raise ServiceError(_("This objection was already decided."))
    reason = reason.strip()
    if len(reason) < 10:
        raise ServiceError(_("State the reason (at least 10 characters)."), field="reason")
    objection.status = ObjectionStatus.UPHELD if uphold else ObjectionStatus.DISMISSED
    objection.decision_reason = reason
    objection.decided_by_id = actor.id
    objection.decided_at = utcnow()
    db.session.flush()
    audit.record(
        "judging.objection.uphold" if uphold else "judging.objection.dismiss",
        objection,
        actor=actor,
        after={"reference": objection.reference, "reason": reason},
    )
    entry = entry_of(js, objection.proposal_id)
    if uphold and entry is not None and entry.status == EntryStatus.ACTIVE:
        proposal = db.session.get(Proposal, objection.proposal_id)
        assert proposal is not None
        remove_entry(
            js,
            proposal,
            reason=_(
                "Objection %(ref)s upheld: %(reason)s", ref=objection.reference, reason=reason
            ),
            actor=actor,
        )
    return objection
