"""Units (UPP/OPD): registration, edits and deactivation by the tenant's Admin Lokal.

Used by the regional node and by central for tenants that work without a node. A deactivated
unit keeps its proposals and accounts' history, but no new proposal may be written for it
(the proposal services refuse an inactive unit) and no new operator account.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import sqlalchemy as sa
from email_validator import EmailNotValidError, validate_email
from flask_babel import gettext as _

from shared.db import db, utcnow
from shared.db_types import text_limits
from shared.models.proposal import Proposal
from shared.models.tenant import Tenant
from shared.models.unit import Unit
from shared.models.user import Role, User
from shared.services import ServiceError, audit, versions
from shared.services.proposal_rules import PHONE_RE
from shared.text import tidy_line

UNIT_FIELDS = (
    "name",
    "head_name",
    "official_name",
    "official_position",
    "official_phone",
    "official_email",
    "it_name",
    "it_phone",
    "it_email",
)


@dataclass
class UnitData:
    """What the Admin Lokal types for a unit (every value stripped before it is stored)."""

    name: str
    head_name: str = ""
    official_name: str = ""
    official_position: str = ""
    official_phone: str = ""
    official_email: str = ""
    it_name: str = ""
    it_phone: str = ""
    it_email: str = ""

    @classmethod
    def from_unit(cls, unit: Unit) -> UnitData:
        return cls(**{f.name: getattr(unit, f.name) for f in fields(cls)})


def list_units(*, include_inactive: bool = True) -> list[Unit]:
    """The units of the tenants in scope, active first, by name."""
    stmt = sa.select(Unit).order_by(Unit.active.desc(), Unit.name)
    if not include_inactive:
        stmt = stmt.where(Unit.active.is_(True))
    return list(db.session.execute(stmt).scalars())


def unit_summaries() -> list[tuple[Unit, int, int]]:
    """Each unit in scope with its number of active operator accounts and of proposals."""
    operators = dict(
        db.session.execute(
            sa.select(User.unit_id, sa.func.count())
            .where(User.role == Role.OPERATOR, User.active.is_(True))
            .group_by(User.unit_id)
        ).all()
    )
    proposals = dict(
        db.session.execute(
            sa.select(Proposal.unit_id, sa.func.count()).group_by(Proposal.unit_id)
        ).all()
    )
    return [(u, operators.get(u.id, 0), proposals.get(u.id, 0)) for u in list_units()]


def _clean(data: UnitData, stored: Unit | None = None) -> UnitData:
    """``data`` tidied and checked. An address left as ``stored`` holds it is kept without a
    new check: a check made stricter since it was stored must not block fixing the rest."""
    cleaned = UnitData(**{f.name: tidy_line(getattr(data, f.name)) for f in fields(data)})
    cleaned.name = " ".join(cleaned.name.split())  # one space between words
    if not cleaned.name:
        raise ServiceError(_("The unit needs a name."), field="name")
    for name, limit in text_limits(Unit.__table__, UNIT_FIELDS).items():
        if len(getattr(cleaned, name)) > limit:
            raise ServiceError(_("At most %(n)d characters.", n=limit), field=name)
    for name in ("official_email", "it_email"):
        value = getattr(cleaned, name)
        if value and not (stored is not None and value == getattr(stored, name)):
            try:
                value = validate_email(value, check_deliverability=False).normalized
            except EmailNotValidError:
                raise ServiceError(_("Enter a valid e-mail address."), field=name) from None
            setattr(cleaned, name, value)
    for name in ("official_phone", "it_phone"):
        value = getattr(cleaned, name)
        if value and not PHONE_RE.match(value):
            raise ServiceError(
                _("Enter a phone number: digits, spaces, +, -, brackets."), field=name
            )
    return cleaned


def name_key(name: str) -> str:
    """A unit name as two names are compared: case and repeated spaces ignored, in any script
    (SQLite's lower() knows only ASCII letters, so the comparison is made here)."""
    return " ".join(name.casefold().split())


def _check_name_free(tenant_id: int, name: str, exclude: Unit | None = None) -> None:
    stmt = sa.select(Unit.id, Unit.name).where(Unit.tenant_id == tenant_id)
    wanted = name_key(name)
    for unit_id, existing in db.session.execute(stmt):
        if name_key(existing) == wanted and (exclude is None or unit_id != exclude.id):
            raise ServiceError(
                _("A unit named %(name)s already exists.", name=existing), field="name"
            )


def create_unit(tenant: Tenant, data: UnitData, *, actor: User | None) -> Unit:
    """Register a unit of ``tenant``."""
    cleaned = _clean(data)
    _check_name_free(tenant.id, cleaned.name)
    unit = Unit(tenant_id=tenant.id, **{f: getattr(cleaned, f) for f in UNIT_FIELDS})
    db.session.add(unit)
    db.session.flush()
    audit.record("unit.create", unit, actor=actor, after=audit.snapshot(unit, UNIT_FIELDS))
    return unit


def unit_version(unit: Unit) -> str:
    """The version an edit form is loaded from (its hidden field; see shared.services.versions)."""
    return versions.version_token(audit.snapshot(unit, UNIT_FIELDS))


def update_unit(unit: Unit, data: UnitData, *, actor: User | None, seen: str | None = None) -> bool:
    """Change a unit's details; returns whether anything changed. ``seen``: the version the
    form was loaded from (:func:`unit_version`); a form loaded before someone else's save is
    refused (:class:`~shared.services.versions.StaleVersion`) and nothing is written."""
    cleaned = _clean(data, unit)
    if seen is not None:
        versions.require(
            unit,
            seen,
            unit_version,
            saved=lambda: versions.differences(
                audit.snapshot(unit, UNIT_FIELDS), audit.snapshot(cleaned, UNIT_FIELDS)
            ),
        )
    _check_name_free(unit.tenant_id, cleaned.name, exclude=unit)
    before = audit.snapshot(unit, UNIT_FIELDS)
    for name in UNIT_FIELDS:
        setattr(unit, name, getattr(cleaned, name))
    after = audit.snapshot(unit, UNIT_FIELDS)
    if before == after:
        return False
    changed = [k for k in UNIT_FIELDS if before[k] != after[k]]
    audit.record(
        "unit.update",
        unit,
        actor=actor,
        before={k: before[k] for k in changed},
        after={k: after[k] for k in changed},
    )
    return True


def set_active(unit: Unit, active: bool, *, actor: User | None) -> None:
    """Deactivate (or reactivate) a unit; its proposals and accounts stay as they are."""
    if unit.active == active:
        return
    unit.active = active
    unit.deactivated_at = None if active else utcnow()
    audit.record(
        "unit.activate" if active else "unit.deactivate",
        unit,
        actor=actor,
        before={"active": not active},
        after={"active": active},
    )
