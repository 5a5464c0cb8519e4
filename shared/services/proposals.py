"""The proposal workflow both apps share: write, review, submit, revise.

States: draft -> sent (to the Admin Lokal) -> returned (with a comment) / verified ->
submitted (diajukan, frozen). An edit after submission starts revision n+1 as a new draft.

Saving is lenient: what was typed is always stored and the rules come back as a list of
:class:`~shared.services.proposal_rules.Violation` to show next to the fields. Sending,
verifying and submitting are strict: any violation refuses the step (:class:`RulesFailed`).
Every change is audited on the proposal (``object_type="Proposal"``, ``object_id=uuid``), which
is what the history page reads. Services flush; the caller commits once.
"""

from __future__ import annotations

import uuid as uuid_mod
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from flask import current_app
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy.orm import defer, selectinload

from shared.competition_config import CompetitionConfig
from shared.db import db, utcnow
from shared.models.audit import AuditLog
from shared.models.competition import Competition
from shared.models.invitation import Invitation
from shared.models.proposal import (
    Proposal,
    ProposalComment,
    ProposalRevision,
    ProposalStatus,
)
from shared.models.tenant import Tenant
from shared.models.unit import Unit
from shared.models.user import Role, User
from shared.services import ServiceError, audit, versions
from shared.services import proposal_rules as rules
from shared.services.competitions import current_competition
from shared.services.content import content_hash, proposal_content
from shared.services.proposal_rules import Violation
from shared.tenancy import national_scope
from shared.text import tidy_line, tidy_text

S = ProposalStatus
MAX_SECTION_CHARS = 20_000  # far above any word limit; keeps a runaway paste out of the DB
HEADER_FIELDS = (
    "title",
    "group_code",
    "category_code",
    "sdgs",
    "implementation_start",
    "innovator",
    "contact_name",
    "contact_phone",
    "contact_email",
    "video_url",
    "truth_declared",
    "replicates_title",
)
STATE_FIELDS = ("status", "revision")


class RulesFailed(ServiceError):
    """A strict step (send, verify, submit) refused; ``violations`` says why, field by field."""

    def __init__(self, message: str, violations: list[Violation]) -> None:
        super().__init__(message)
        self.violations = violations


class AlreadyDone(ServiceError):
    """A step refused because it was already taken (the same form posted twice, a double
    click, or a colleague first): nothing more was done, and nothing went wrong."""


# -- what people type -------------------------------------------------------------------------


@dataclass
class ProposalInput:
    """The header and sections of a proposal as typed (already parsed, not yet checked)."""

    group_code: str
    title: str = ""
    category_code: str = ""
    sdgs: tuple[int, ...] = ()
    implementation_start: date | None = None
    innovator: str = ""
    contact_name: str = ""
    contact_phone: str = ""
    contact_email: str = ""
    video_url: str = ""
    truth_declared: bool = False
    replicates_title: str = ""
    sections: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_proposal(cls, proposal: Proposal) -> ProposalInput:
        values = {f.name: getattr(proposal, f.name) for f in fields(cls)}
        values["sdgs"] = tuple(proposal.sdgs or ())
        values["sections"] = dict(proposal.sections or {})
        return cls(**values)


# -- versions (a form saved after someone else's save is refused) -----------------------------


def edit_values(proposal: Proposal) -> dict[str, Any]:
    """The values the edit form shows, as stored (what its version is made of)."""
    values = {name: getattr(proposal, name) for name in HEADER_FIELDS}
    values["sdgs"] = sorted(proposal.sdgs or [])
    values["sections"] = {k: v for k, v in (proposal.sections or {}).items() if v}
    return values


def edit_version(proposal: Proposal) -> str:
    """The version an edit form is loaded from (its hidden field; see shared.services.versions)."""
    return versions.version_token(edit_values(proposal))


def review_version(proposal: Proposal) -> str:
    """The version the proposal page shows for review: the content and the documents."""
    documents = sorted([a.kind, a.sha256, a.filename] for a in proposal.attachments)
    return versions.version_token({"content": edit_values(proposal), "documents": documents})


def step_version(proposal: Proposal) -> str:
    """The version the proposal page's Verify, Submit and Return forms carry: what it shows
    for review (:func:`review_version`) and the state and revision it shows it in."""
    return versions.version_token(review_version(proposal), proposal.status, proposal.revision)


def _saved_differences(proposal: Proposal, cleaned: dict[str, Any]) -> dict[str, Any]:
    """The stored values of the fields where ``cleaned`` differs (sections as
    ``section:<key>``)."""
    stored = edit_values(proposal)
    out = versions.differences(stored, {n: cleaned[n] for n in HEADER_FIELDS})
    out.update(
        (f"section:{k}", v or "")
        for k, v in versions.differences(stored["sections"], cleaned["sections"]).items()
        if (v or "") != cleaned["sections"][k]
    )
    return out


# -- labels -----------------------------------------------------------------------------------


STATUS_LABELS = {  # lazy: one catalog lookup per label shown, not five
    S.DRAFT: _l("Draft"),
    S.SENT: _l("Sent to admin"),
    S.RETURNED: _l("Returned"),
    S.VERIFIED: _l("Verified"),
    S.SUBMITTED: _l("Submitted"),
}
STATUS_ORDER = tuple(STATUS_LABELS)  # the way through the workflow, as lists and charts show it


_STATUS_TEXT: dict[tuple[str, ProposalStatus], str] = {}  # the catalogs never change


def status_label(status: ProposalStatus | str) -> str:
    """The status as people read it."""
    # a list shows a label per row: look each one up in the catalog once per language
    key = (str(get_locale()), ProposalStatus(status))
    text = _STATUS_TEXT.get(key)
    if text is None:
        text = _STATUS_TEXT[key] = str(STATUS_LABELS[key[1]])
    return text


# -- the registration window ------------------------------------------------------------------


@dataclass(frozen=True)
class Window:
    """Where the registration window stands at ``now`` (server clock; shown in WIB)."""

    opens_at: datetime
    closes_at: datetime
    now: datetime

    @property
    def state(self) -> str:
        if self.now < self.opens_at:
            return "not_open"
        return "open" if self.now < self.closes_at else "closed"

    @property
    def is_open(self) -> bool:
        return self.state == "open"

    @property
    def is_closed(self) -> bool:
        return self.state == "closed"

    @property
    def days_left(self) -> int:
        return max(0, (self.closes_at - self.now).days)

    @property
    def hours_left(self) -> int:
        remaining = self.closes_at - self.now
        return 0 if remaining.total_seconds() <= 0 else remaining.seconds // 3600

    @property
    def minutes_left(self) -> int:
        remaining = self.closes_at - self.now
        return 0 if remaining.total_seconds() <= 0 else (remaining.seconds % 3600) // 60

    def shown(self) -> tuple[object, ...]:
        """What a page says about the window: a page part showing it is valid while it holds."""
        return (
            self.opens_at,
            self.closes_at,
            self.state,
            self.days_left,
            self.hours_left,
            self.minutes_left,
        )


def window(competition: Competition, now: datetime | None = None) -> Window:
    """The registration window of ``competition`` seen from ``now`` (default: the server clock)."""
    return Window(
        competition.registration_opens_at, competition.registration_closes_at, now or utcnow()
    )


def current_window(now: datetime | None = None) -> Window | None:
    """The registration window of the current competition (its dates are read once per change
    of the data: every page of the node shows the window)."""
    from shared.pagecache import cached

    bounds = cached(("current-window",), _current_window_bounds)
    return Window(*bounds, now or utcnow()) if bounds else None


def _current_window_bounds() -> tuple[datetime, datetime] | None:
    stmt = (
        sa.select(Competition.registration_opens_at, Competition.registration_closes_at)
        .order_by(Competition.year.desc())
        .limit(1)
    )
    row = db.session.execute(stmt).first()
    return (row[0], row[1]) if row else None


def require_competition() -> Competition:
    """The competition proposals are written for now, or a refusal saying there is none."""
    competition = current_competition()
    if competition is None:
        raise ServiceError(_("No competition is open for proposals."))
    return competition


# -- the rules, applied to a stored proposal --------------------------------------------------


def config_of(proposal: Proposal) -> CompetitionConfig:
    """The form and rules the proposal was written against (its competition version)."""
    return proposal.competition_version.config


def to_draft(proposal: Proposal) -> rules.ProposalDraft:
    return rules.ProposalDraft(
        group_code=proposal.group_code,
        category_code=proposal.category_code,
        title=proposal.title,
        sdgs=tuple(proposal.sdgs or ()),
        implementation_start=proposal.implementation_start,
        innovator=proposal.innovator,
        sections=dict(proposal.sections or {}),
        replicates_title=proposal.replicates_title,
        truth_declared=proposal.truth_declared,
        attachment_kinds=tuple(sorted({a.kind for a in proposal.attachments})),
    )


def is_invited(tenant_id: int, competition_id: int, group_code: str) -> bool:
    """Whether the ministry invited the tenant to ``group_code`` (Khusus) this year."""
    stmt = sa.select(Invitation.id).where(
        Invitation.tenant_id == tenant_id,
        Invitation.competition_id == competition_id,
        Invitation.group_code == group_code,
    )
    return db.session.execute(stmt.limit(1)).first() is not None


def quota_used(proposal: Proposal) -> int:
    """Other proposals of the tenant in the same group and year already submitted."""
    stmt = sa.select(sa.func.count(Proposal.id)).where(
        Proposal.tenant_id == proposal.tenant_id,
        Proposal.competition_id == proposal.competition_id,
        Proposal.group_code == proposal.group_code,
        Proposal.submitted_revision.is_not(None),
    )
    if proposal.id is not None:
        stmt = stmt.where(Proposal.id != proposal.id)
    return db.session.execute(stmt).scalar_one()


def other_titles(proposal: Proposal) -> list[str]:
    """Titles of the tenant's other proposals of the same year (for the duplicate rule)."""
    stmt = sa.select(Proposal.title).where(
        Proposal.tenant_id == proposal.tenant_id,
        Proposal.competition_id == proposal.competition_id,
    )
    if proposal.id is not None:
        stmt = stmt.where(Proposal.id != proposal.id)
    return list(db.session.execute(stmt).scalars())


def check_proposal(
    proposal: Proposal, *, now: datetime | None = None, include_window: bool = True
) -> list[Violation]:
    """Every rule of the competition applied to the proposal as stored (nothing is changed)."""
    config = config_of(proposal)
    competition = proposal.competition
    draft = to_draft(proposal)
    found = [
        *rules.check_header(draft, config),
        *rules.check_sections(draft, config),
        *rules.check_implementation_age(draft, config, competition.registration_closes_at),
        *rules.check_group_rules(
            draft,
            config,
            invited=is_invited(proposal.tenant_id, competition.id, proposal.group_code),
        ),
        *rules.check_quota(proposal.group_code, config, already_used=quota_used(proposal)),
        *rules.check_duplicate_title(proposal.title, other_titles(proposal)),
        *rules.check_evidence(draft, config),
        *rules.check_contact(proposal.video_url, proposal.contact_email, proposal.contact_phone),
    ]
    if include_window:
        w = window(competition, now)
        found += rules.check_window(w.now, w.opens_at, w.closes_at)
    return found


def violations_by_field(violations: Iterable[Violation]) -> dict[str, list[str]]:
    """``{field: [message, ...]}`` for showing each violation next to its field."""
    out: dict[str, list[str]] = {}
    for v in violations:
        out.setdefault(v.field, []).append(v.message)
    return out


def _require_rules(proposal: Proposal, message: str, now: datetime | None) -> None:
    found = check_proposal(proposal, now=now)
    if found:
        raise RulesFailed(message, found)


def _require_window(competition: Competition, now: datetime | None) -> None:
    w = window(competition, now)
    for v in rules.check_window(w.now, w.opens_at, w.closes_at):
        raise ServiceError(v.message)


# -- permissions and states -------------------------------------------------------------------


def _tenant_user(actor: User, proposal: Proposal) -> None:
    """The actor belongs to the proposal's tenant and, for an operator, to its unit."""
    if actor.tenant_id != proposal.tenant_id or actor.role not in (Role.LOCAL_ADMIN, Role.OPERATOR):
        raise ServiceError(_("Your account may not change this proposal."))
    if actor.role == Role.OPERATOR and (actor.unit_id is None or actor.unit_id != proposal.unit_id):
        raise ServiceError(_("Your account may not change this proposal."))


def _admin(actor: User, proposal: Proposal) -> None:
    if actor.role != Role.LOCAL_ADMIN or actor.tenant_id != proposal.tenant_id:
        raise ServiceError(_("Only the Admin Lokal may do this."))


def editable_statuses(actor: User) -> frozenset[ProposalStatus]:
    """Units edit drafts and returned proposals; the Admin Lokal may also correct sent ones."""
    if actor.role == Role.LOCAL_ADMIN:
        return frozenset({S.DRAFT, S.RETURNED, S.SENT})
    return frozenset({S.DRAFT, S.RETURNED})


def can_edit_now(actor: User, proposal: Proposal) -> bool:
    """Whether ``actor`` may change the proposal's content in its present state."""
    try:
        _tenant_user(actor, proposal)
    except ServiceError:
        return False
    return proposal.status in editable_statuses(actor)


def require_editable(actor: User, proposal: Proposal) -> None:
    _tenant_user(actor, proposal)
    if proposal.status == S.SUBMITTED:
        raise ServiceError(
            _("The proposal was submitted and is frozen: start a new revision to change it.")
        )
    if proposal.status not in editable_statuses(actor):
        raise ServiceError(
            _(
                "The proposal is with the Admin Lokal (%(status)s) and cannot be changed now.",
                status=status_label(proposal.status),
            )
        )


def _require_status(proposal: Proposal, allowed: Iterable[ProposalStatus], doing: str) -> None:
    if proposal.status not in set(allowed):
        raise ServiceError(
            _(
                "A proposal in the state %(status)s cannot be %(doing)s.",
                status=status_label(proposal.status),
                doing=doing,
            )
        )


def _transition(
    proposal: Proposal, action: str, actor: User, new_status: ProposalStatus, **extra: Any
) -> None:
    before = audit.snapshot(proposal, STATE_FIELDS)
    proposal.status = new_status
    for name, value in extra.items():
        setattr(proposal, name, value)
    db.session.flush()
    audit.record(
        action, proposal, actor=actor, before=before, after=audit.snapshot(proposal, STATE_FIELDS)
    )
    db.session.flush()


# -- writing ----------------------------------------------------------------------------------


def _clean(values: ProposalInput, config: CompetitionConfig) -> dict[str, Any]:
    """Trim what was typed; keep only sections the form knows (every group's, so a change of
    group loses nothing until the proposal is submitted)."""
    known = {s.key for s in config.sections}
    sections = {k: tidy_text(v) for k, v in values.sections.items() if k in known}
    for key, text in sections.items():
        if len(text) > MAX_SECTION_CHARS:
            raise ServiceError(
                _("A section may hold at most %(n)d characters.", n=MAX_SECTION_CHARS),
                field=f"section:{key}",
            )
    if config.group(values.group_code) is None:
        raise ServiceError(_("Choose a group."), field="group_code")
    return {
        "title": tidy_line(values.title),
        "group_code": values.group_code,
        "category_code": values.category_code,
        "sdgs": sorted(set(values.sdgs)),
        "implementation_start": values.implementation_start,
        "innovator": tidy_line(values.innovator),
        "contact_name": tidy_line(values.contact_name),
        "contact_phone": tidy_line(values.contact_phone),
        "contact_email": tidy_line(values.contact_email),
        "video_url": tidy_line(values.video_url),
        "truth_declared": bool(values.truth_declared),
        "replicates_title": tidy_line(values.replicates_title),
        "sections": sections,
    }


def _apply(proposal: Proposal, cleaned: dict[str, Any]) -> dict[str, Any]:
    """Set the values; return what changed (header values, names of changed sections)."""
    changed: dict[str, Any] = {}
    for name in HEADER_FIELDS:
        new = cleaned[name]
        old = getattr(proposal, name)
        if name == "sdgs":
            old = sorted(old or [])
        if old != new:
            setattr(proposal, name, new)
            changed[name] = new.isoformat() if isinstance(new, date) else new
    current = dict(proposal.sections or {})
    merged = {**current, **cleaned["sections"]}
    merged = {k: v for k, v in merged.items() if v}
    section_changes = sorted(
        k for k in set(current) | set(merged) if current.get(k) != merged.get(k)
    )
    if section_changes:
        proposal.sections = merged
        changed["sections"] = section_changes
    return changed


def _form_uuid(token: str | None) -> str | None:
    """``token`` if it is a uuid as the forms make them (a form's one-time token), else None."""
    try:
        return token if token and str(uuid_mod.UUID(token)) == token else None
    except ValueError:
        return None


def _unused_uuid(token: str | None) -> dict[str, str]:
    """``{"uuid": token}`` when the form's token can become the new proposal's uuid."""
    token = _form_uuid(token)
    if token is None:
        return {}
    with national_scope():  # a uuid is unique across tenants
        taken = db.session.execute(sa.select(Proposal.id).where(Proposal.uuid == token)).first()
    return {} if taken else {"uuid": token}


def created_by_form(token: str | None, *, actor: User) -> Proposal | None:
    """The proposal that this new-proposal form already created, if any.

    The form's one-time token becomes the proposal's uuid, so a second post of the same form
    (Back then save again, a double click) finds the draft instead of making a second one
    (and never writes over it unseen: see shared.proposals.views).
    The actor's account row is locked until the transaction ends: two posts at once are
    looked at one after the other (SQLite serialises writing requests anyway)."""
    token = _form_uuid(token)
    if token is None:
        return None
    versions.lock(actor)
    found = db.session.execute(
        sa.select(Proposal).where(Proposal.uuid == token)
    ).scalar_one_or_none()
    return found if found is not None and found.created_by_id == actor.id else None


def check_posted_again(proposal: Proposal, values: ProposalInput) -> None:
    """A new-proposal form posted again (see :func:`created_by_form`) writes nothing: the
    draft it made is shown instead, and when what was typed differs from it the post is
    refused like a stale form (so the person sees both versions before saving)."""
    saved = _saved_differences(proposal, _clean(values, config_of(proposal)))
    if saved:
        raise versions.StaleVersion(
            _(
                "This form was already saved once, as this draft. Nothing more was saved: "
                "what you typed is still in the form, and each field that differs shows the "
                "saved version under it. Save again to keep what you typed."
            ),
            current=edit_version(proposal),
            saved=saved,
        )


def create_proposal(
    *,
    tenant: Tenant,
    unit: Unit | None,
    actor: User,
    values: ProposalInput,
    uuid: str | None = None,
    now: datetime | None = None,
) -> tuple[Proposal, list[Violation]]:
    """Start a draft for ``unit`` (operators: their own unit) and return it with the open
    rule violations. Unlimited in number; the quota applies when proposals are submitted.
    ``uuid``: the form's one-time token (see :func:`created_by_form`), the draft's uuid."""
    if actor.tenant_id != tenant.id or actor.role not in (Role.LOCAL_ADMIN, Role.OPERATOR):
        raise ServiceError(_("Your account may not write proposals for this agency."))
    if actor.role == Role.OPERATOR and (
        actor.unit_id is None or unit is None or unit.id != actor.unit_id
    ):
        raise ServiceError(_("A unit operator writes proposals for their own unit."))
    if unit is not None and (unit.tenant_id != tenant.id or not unit.active):
        raise ServiceError(_("Choose an active unit of your agency."), field="unit_id")
    competition = require_competition()
    if window(competition, now).is_closed:
        _require_window(competition, now)
    version = competition.current
    cleaned = _clean(values, version.config)
    proposal = Proposal(
        tenant_id=tenant.id,
        unit_id=unit.id if unit else None,
        competition_id=competition.id,
        competition_version_id=version.id,
        created_by_id=actor.id,
        status=S.DRAFT,
        revision=1,
        sections={},
        sdgs=[],
        **_unused_uuid(uuid),
    )
    proposal.competition = competition
    proposal.competition_version = version
    proposal.tenant = tenant
    proposal.unit = unit
    _apply(proposal, cleaned)
    db.session.add(proposal)
    db.session.flush()
    audit.record(
        "proposal.create",
        proposal,
        actor=actor,
        after={
            "title": proposal.title,
            "group_code": proposal.group_code,
            "unit_id": proposal.unit_id,
            "status": proposal.status.value,
            "revision": proposal.revision,
        },
    )
    return proposal, check_proposal(proposal, now=now)


def save_proposal(
    proposal: Proposal,
    values: ProposalInput,
    *,
    actor: User,
    seen: str | None = None,
    now: datetime | None = None,
) -> list[Violation]:
    """Store everything typed, even when rules fail; return the rule violations to show.

    ``seen``: the version the form was loaded from (:func:`edit_version`). A form loaded
    before someone else's save is refused (:class:`~shared.services.versions.StaleVersion`,
    with the stored values where the typed ones differ) and nothing is written."""
    require_editable(actor, proposal)
    cleaned = _clean(values, config_of(proposal))
    if seen is not None:
        versions.require(
            proposal, seen, edit_version, saved=lambda: _saved_differences(proposal, cleaned)
        )
    changed = _apply(proposal, cleaned)
    if changed:
        db.session.flush()
        audit.record("proposal.save", proposal, actor=actor, after={"changed": changed})
    return check_proposal(proposal, now=now)


def save_section(
    proposal: Proposal,
    key: str,
    text: str,
    *,
    actor: User,
    seen: str | None = None,
    now: datetime | None = None,
) -> list[Violation]:
    """Store one section (per-section saving); return the violations of that section.
    ``seen`` as for :func:`save_proposal`: the version of the page the section was typed on."""
    require_editable(actor, proposal)
    config = config_of(proposal)
    if key not in {s.key for s in config.sections}:
        raise ServiceError(_("Unknown section."), field=f"section:{key}")
    if seen is not None:
        versions.require(
            proposal,
            seen,
            edit_version,
            message=_(
                "Not saved: the proposal was changed after you opened this page. Save the "
                "whole proposal to see the saved version next to what you typed."
            ),
        )
    values = ProposalInput.from_proposal(proposal)
    values.sections = {key: text}
    changed = _apply(proposal, _clean(values, config))
    if changed:
        db.session.flush()
        audit.record("proposal.save", proposal, actor=actor, after={"changed": changed})
    return [v for v in check_proposal(proposal, now=now) if v.field == f"section:{key}"]


# -- the review workflow ----------------------------------------------------------------------


def send_proposal(proposal: Proposal, *, actor: User, now: datetime | None = None) -> None:
    """The unit sends its proposal to the Admin Lokal; every rule must hold."""
    _tenant_user(actor, proposal)
    _require_status(proposal, (S.DRAFT, S.RETURNED), _("sent"))
    _require_rules(proposal, _("The proposal cannot be sent yet."), now)
    _transition(proposal, "proposal.send", actor, S.SENT, sent_at=now or utcnow())


def _guard_step(
    proposal: Proposal, seen: str | None, done: ProposalStatus, *, already: str, stale: str
) -> None:
    """What Verify, Submit and Return check first: the proposal's row is locked (a second
    post waits for the first); a proposal already in the ``done`` state says the step was
    taken (:class:`AlreadyDone`); one changed since the page showed it (``seen``, see
    :func:`step_version`) is refused as stale."""
    versions.lock(proposal)
    if proposal.status == done:
        raise AlreadyDone(already)
    versions.refuse_if_stale(seen, step_version(proposal), stale)


def return_proposal(
    proposal: Proposal, comment: str, *, actor: User, seen: str | None = None
) -> ProposalComment:
    """The Admin Lokal sends the proposal back to its unit, saying what to fix. ``seen``: the
    version the page showed (:func:`step_version`); a proposal changed since then, in its
    content or its state, is not returned. Returned already: :class:`AlreadyDone`."""
    _admin(actor, proposal)
    _guard_step(
        proposal,
        seen,
        S.RETURNED,
        already=_("The proposal was already returned to the unit; it was not returned again."),
        stale=_(
            "The proposal was changed after you opened it, so it was not returned to the unit. "
            "Review it as it is now (the History tab lists the changes) before you return it."
        ),
    )
    _require_status(proposal, (S.SENT, S.VERIFIED), _("returned"))
    if not comment.strip():
        raise ServiceError(_("Say what the unit should fix."), field="comment")
    _transition(proposal, "proposal.return", actor, S.RETURNED, verified_at=None)
    return add_comment(proposal, comment, actor=actor)


def verify_proposal(
    proposal: Proposal, *, actor: User, seen: str | None = None, now: datetime | None = None
) -> None:
    """The Admin Lokal checked the proposal; every rule must hold. ``seen``: the version the
    page showed (:func:`step_version`); a proposal changed since then, in its content or its
    state (a colleague returned it, with a note the page did not show), is not verified.
    Verified already (a double click, a colleague first): :class:`AlreadyDone`."""
    _admin(actor, proposal)
    _guard_step(
        proposal,
        seen,
        S.VERIFIED,
        already=_("The proposal was already verified; it was not verified again."),
        stale=_(
            "The proposal was changed after you opened it, so it was not verified. Review "
            "it as it is now (the History tab lists the changes), then verify again."
        ),
    )
    _require_status(proposal, (S.DRAFT, S.RETURNED, S.SENT), _("verified"))
    _require_rules(proposal, _("The proposal cannot be verified yet."), now)
    _transition(proposal, "proposal.verify", actor, S.VERIFIED, verified_at=now or utcnow())


def submit_proposal(
    proposal: Proposal, *, actor: User, seen: str | None = None, now: datetime | None = None
) -> ProposalRevision:
    """Submit (mengajukan) to the ministry: freeze the revision, hash it and, on a regional
    node, queue it for sync, all in the caller's one transaction. On central (a tenant
    without a node) the revision lands directly in the national inbox.

    ``seen``: the version the page showed (:func:`step_version`); a proposal changed since
    then is not submitted, so what is frozen is what the person saw. Submitted already (a
    double click, a colleague first): :class:`AlreadyDone`, and no second revision."""
    from sync import outbox  # the module, so the queue can be replaced in tests

    _admin(actor, proposal)
    _guard_step(
        proposal,
        seen,
        S.SUBMITTED,
        already=_(
            "The proposal was already submitted to the ministry (revision %(n)d); it was "
            "not submitted again.",
            n=proposal.revision,  # (a submit does not change it)
        ),
        stale=_(
            "The proposal was changed after you opened it, so it was not submitted. Review it "
            "as it is now (the History tab lists the changes) before you submit it."
        ),
    )
    _require_status(proposal, (S.VERIFIED,), _("submitted"))
    _require_rules(proposal, _("The proposal cannot be submitted yet."), now)
    at = now or utcnow()
    applicable = {s.key for s in config_of(proposal).sections_for(proposal.group_code)}
    proposal.sections = {k: v for k, v in (proposal.sections or {}).items() if k in applicable}
    content = proposal_content(proposal)
    digest = content_hash(content)
    on_central = current_app.config["NODE_KIND"] == "central"
    revision = ProposalRevision(
        tenant_id=proposal.tenant_id,
        proposal_uuid=proposal.uuid,
        revision=proposal.revision,
        content=content,
        content_hash=digest,
        submitted_at=at,
        received_at=at,
    )
    db.session.add(revision)
    extra: dict[str, Any] = {
        "submitted_at": at,
        "submitted_revision": proposal.revision,
        "content_hash": digest,
    }
    if on_central:
        extra["received_at"] = at
    _transition(proposal, "proposal.submit", actor, S.SUBMITTED, **extra)
    if not on_central:
        outbox.enqueue(revision)
    db.session.flush()
    return revision


def revisable(proposal: Proposal) -> bool:
    """A submitted proposal the ministry has not begun to evaluate: it may get a revision."""
    return (
        proposal.status == S.SUBMITTED
        and not proposal.under_evaluation
        and not _evaluation_begun(proposal)
    )


def _evaluation_begun(proposal: Proposal) -> bool:
    from sync import outbox

    return outbox.evaluation_begun(proposal)


def start_revision(proposal: Proposal, *, actor: User, now: datetime | None = None) -> None:
    """Reopen a submitted proposal as revision n+1, a draft that must be submitted again."""
    _tenant_user(actor, proposal)
    _require_status(proposal, (S.SUBMITTED,), _("revised"))
    if proposal.under_evaluation:
        raise ServiceError(
            _(
                "The ministry has already screened this proposal or taken it into judging; "
                "it can no longer be changed."
            )
        )
    if _evaluation_begun(proposal):
        raise ServiceError(
            _(
                "The ministry has begun evaluating this proposal and refused a later "
                "revision; it can no longer be changed."
            )
        )
    _require_window(proposal.competition, now)
    _transition(
        proposal,
        "proposal.revise",
        actor,
        S.DRAFT,
        revision=proposal.revision + 1,
        sent_at=None,
        verified_at=None,
    )


def deletable(proposal: Proposal) -> bool:
    """Never submitted to the ministry: a draft (however far in review) that may be deleted."""
    return proposal.submitted_revision is None and proposal.status != S.SUBMITTED


def may_delete(actor: User, proposal: Proposal) -> bool:
    """The Admin Lokal may delete any proposal of the tenant never submitted; a unit, what it
    may still edit."""
    if not deletable(proposal):
        return False
    if actor.role == Role.LOCAL_ADMIN and actor.tenant_id == proposal.tenant_id:
        return True
    return can_edit_now(actor, proposal)


def delete_draft(proposal: Proposal, *, actor: User, confirmed: bool) -> None:
    """Delete a proposal that was never submitted (a duplicate, a false start), with its
    comments and attachment list; the audit keeps what it was. A submitted proposal and its
    revisions are the ministry's record: never deleted."""
    _tenant_user(actor, proposal)
    if not deletable(proposal):
        raise ServiceError(
            _("Only a proposal that was never submitted to the ministry can be deleted.")
        )
    if not may_delete(actor, proposal):
        raise ServiceError(_("Your account may not change this proposal."))
    if not confirmed:
        raise ServiceError(_("Tick the box to confirm that the draft is deleted."))
    audit.record(
        "proposal.delete",
        proposal,
        actor=actor,
        before={
            "title": proposal.title,
            "unit_id": proposal.unit_id,
            "status": proposal.status.value,
            "attachments": sorted(a.filename for a in proposal.attachments),
        },
    )
    db.session.delete(proposal)  # its comments and attachment rows with it (cascade)
    db.session.flush()


def add_comment(
    proposal: Proposal, body: str, *, actor: User, once: str | None = None
) -> ProposalComment:
    """A review note on the proposal, seen by the unit and the Admin Lokal.

    ``once``: the comment form's one-time token. It is kept with the comment (in the audit
    entry ``comment.add``), and the same form posted again (Back, a double click) returns the
    comment it added instead of adding it twice."""
    _tenant_user(actor, proposal)
    body = tidy_text(body)
    if not body:
        raise ServiceError(_("The comment is empty."), field="comment")
    if len(body) > 5000:
        raise ServiceError(_("A comment may hold at most 5000 characters."), field="comment")
    once = _form_uuid(once)
    if once is not None and (earlier := _comment_of_form(proposal, once, actor)) is not None:
        return earlier
    note = ProposalComment(
        tenant_id=proposal.tenant_id,
        proposal=proposal,
        author_id=actor.id,
        author_name=actor.display_name,
        body=body,
    )
    db.session.add(note)
    db.session.flush()
    if once is not None:
        audit.record(
            "comment.add", proposal, actor=actor, after={"comment_id": note.id, "once": once}
        )
        db.session.flush()
    return note


def _comment_of_form(proposal: Proposal, once: str, actor: User) -> ProposalComment | None:
    """The comment the form with the one-time token ``once`` added (the proposal's row is
    locked first, so two posts at once are looked at one after the other)."""
    versions.lock(proposal)
    stmt = sa.select(AuditLog.after).where(
        AuditLog.object_type == "Proposal",
        AuditLog.object_id == proposal.uuid,
        AuditLog.action == "comment.add",
        AuditLog.actor_id == actor.id,
    )
    for after in db.session.execute(stmt).scalars():
        if (after or {}).get("once") == once:
            return db.session.get(ProposalComment, after.get("comment_id"))
    return None


# -- reading ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProposalFilter:
    status: ProposalStatus | None = None
    unit_id: int | None = None
    group_code: str | None = None
    q: str = ""

    @classmethod
    def from_args(cls, args: Mapping[str, str]) -> ProposalFilter:
        """The filter in a list URL's query (the list page and its exports share it)."""
        status = args.get("status", "")
        unit = args.get("unit", "")
        return cls(
            status=ProposalStatus(status) if status in set(ProposalStatus) else None,
            unit_id=int(unit) if unit.isdigit() else None,
            group_code=args.get("group") or None,
            q=args.get("q", "")[:200],
        )


def list_proposals(
    actor: User, flt: ProposalFilter, *, page: int = 1, per_page: int = 50
) -> Pagination:
    """The proposals the actor may see (operators: their unit's), filtered, newest first."""
    # lists never show the section texts: leave the largest column out of the rows
    stmt = sa.select(Proposal).options(selectinload(Proposal.unit), defer(Proposal.own_sections))
    if actor.role == Role.OPERATOR:
        stmt = stmt.where(Proposal.unit_id == (actor.unit_id or 0))
    elif flt.unit_id:
        stmt = stmt.where(Proposal.unit_id == flt.unit_id)
    competition = current_competition()
    if competition is not None:
        stmt = stmt.where(Proposal.competition_id == competition.id)
    if flt.status:
        stmt = stmt.where(Proposal.status == flt.status)
    if flt.group_code:
        stmt = stmt.where(Proposal.group_code == flt.group_code)
    if flt.q.strip():
        term = flt.q.strip()
        stmt = stmt.where(
            sa.or_(
                Proposal.title.icontains(term, autoescape=True),
                Proposal.innovator.icontains(term, autoescape=True),
            )
        )
    stmt = stmt.order_by(Proposal.updated_at.desc(), Proposal.id.desc())
    return db.paginate(stmt, page=page, per_page=per_page, error_out=False)


def active_units() -> list[Unit]:
    """The active units of the tenants in scope, by name (for choosers and filters)."""
    stmt = sa.select(Unit).where(Unit.active.is_(True)).order_by(Unit.name)
    return list(db.session.execute(stmt).scalars())


@dataclass(frozen=True)
class HistoryEntry:
    at: datetime
    actor_name: str
    action: str
    before: dict[str, Any] | None = None
    after: dict[str, Any] | None = None
    comment: str | None = None


def history(proposal: Proposal) -> list[HistoryEntry]:
    """The proposal's own workflow (audit entries) and comments, oldest first.

    Only ``proposal.*`` actions: what the ministry records on the proposal on central
    (screening, judging, objections) is embargoed and reaches the agency as published results.
    """
    stmt = (
        sa.select(AuditLog)
        .where(
            AuditLog.object_type == "Proposal",
            AuditLog.object_id == proposal.uuid,
            AuditLog.action.like("proposal.%"),
        )
        .order_by(AuditLog.at, AuditLog.id)
    )
    found = db.session.execute(stmt).scalars().all()
    # people by their names, as their comments show them (the log keeps the account name)
    ids = {e.actor_id for e in found if e.actor_id is not None}
    names = (
        dict(
            db.session.execute(
                sa.select(
                    User.id, sa.func.coalesce(sa.func.nullif(User.full_name, ""), User.username)
                ).where(User.id.in_(ids))
            ).all()
        )
        if ids
        else {}
    )
    entries = [
        HistoryEntry(e.at, names.get(e.actor_id, e.actor_name), e.action, e.before, e.after)
        for e in found
    ]
    entries += [
        HistoryEntry(c.created_at, c.author_name, "comment", comment=c.body)
        for c in proposal.comments
    ]
    # a comment made with a transition (a return) is written after it: same time, listed after
    return sorted(entries, key=lambda e: (e.at, e.action == "comment"))


def action_label(action: str) -> str:
    labels = {
        "proposal.create": _("Proposal created"),
        "proposal.save": _("Saved"),
        "proposal.send": _("Sent to the Admin Lokal"),
        "proposal.return": _("Returned to the unit"),
        "proposal.verify": _("Verified by the Admin Lokal"),
        "proposal.submit": _("Submitted to the ministry"),
        "proposal.revise": _("New revision started"),
        "proposal.attachment_add": _("Attachment added"),
        "proposal.attachment_delete": _("Attachment deleted"),
        "comment": _("Comment"),
    }
    return labels.get(action, action)
