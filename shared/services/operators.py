"""Unit operator accounts, managed by the tenant's Admin Lokal: one account per person.

New accounts and resets get a temporary password that is shown once; the first login then
forces the profile and a new password (see :mod:`shared.services.users`).
"""

from __future__ import annotations

import sqlalchemy as sa
from email_validator import EmailNotValidError, validate_email
from flask_babel import gettext as _
from sqlalchemy.orm import joinedload

from shared.db import db
from shared.models.tenant import Tenant
from shared.models.unit import Unit
from shared.models.user import Role, User
from shared.services import ServiceError, audit, users
from shared.services.passwords import generate_temporary_password

OPERATOR_FIELDS = ("full_name", "email", "unit_id")


def list_operators(unit: Unit | None = None) -> list[User]:
    """Operator accounts in scope (of one unit, when given), active first, by name."""
    stmt = (
        sa.select(User)
        .options(joinedload(User.unit))
        .where(User.role == Role.OPERATOR)
        .order_by(User.active.desc(), User.full_name, User.username)
    )
    if unit is not None:
        stmt = stmt.where(User.unit_id == unit.id)
    return list(db.session.execute(stmt).scalars())


def _clean_person(full_name: str, email: str, stored: str = "") -> tuple[str, str]:
    """The name and e-mail as typed, checked. An e-mail left as ``stored`` (the account's
    address now) is kept without a new check: a check made stricter since it was stored (the
    validator's list of reserved domains grows) must not block correcting the name or unit."""
    full_name = (full_name or "").strip()
    if not full_name:
        raise ServiceError(_("Give the person's full name."), field="full_name")
    if len(full_name) > 120:
        raise ServiceError(_("At most %(n)d characters.", n=120), field="full_name")
    email = (email or "").strip()
    if stored and email == stored:
        return full_name, stored
    try:
        email = validate_email(email, check_deliverability=False).normalized
    except EmailNotValidError:
        raise ServiceError(_("Enter a valid e-mail address."), field="email") from None
    return full_name, email


def _check_one_account_per_person(tenant_id: int, email: str, exclude: User | None) -> None:
    """Accounts are personal: a second active account with the same e-mail is refused."""
    stmt = sa.select(User.username).where(
        User.tenant_id == tenant_id,
        sa.func.lower(User.email) == email.lower(),
        User.active.is_(True),
    )
    if exclude is not None:
        stmt = stmt.where(User.id != exclude.id)
    taken = db.session.execute(stmt).scalar()
    if taken is not None:
        raise ServiceError(
            _(
                "The account %(u)s already uses this e-mail: one account per person.",
                u=taken,
            ),
            field="email",
        )


def _check_unit(tenant: Tenant, unit: Unit | None) -> Unit:
    if unit is None or unit.tenant_id != tenant.id:
        raise ServiceError(_("Choose the operator's unit."), field="unit_id")
    if not unit.active:
        raise ServiceError(_("The unit is deactivated."), field="unit_id")
    return unit


def create_operator(
    tenant: Tenant,
    *,
    username: str,
    full_name: str,
    email: str,
    unit: Unit | None,
    actor: User,
) -> tuple[User, str]:
    """Create an operator account of ``unit``; returns it with its temporary password."""
    unit = _check_unit(tenant, unit)
    full_name, email = _clean_person(full_name, email)
    _check_one_account_per_person(tenant.id, email, None)
    temporary = generate_temporary_password()
    user = users.create_user(
        username=username,
        password=temporary,
        role=Role.OPERATOR,
        actor=actor,
        tenant=tenant,
        unit=unit,
        full_name=full_name,
        email=email,
        must_change_password=True,
    )
    return user, temporary


def update_operator(
    user: User, *, full_name: str, email: str, unit: Unit | None, actor: User
) -> None:
    """Change an operator's name, e-mail or unit."""
    tenant = user.tenant
    assert tenant is not None
    if unit is None or unit.id != user.unit_id:
        unit = _check_unit(tenant, unit)
    full_name, email = _clean_person(full_name, email, stored=user.email or "")
    _check_one_account_per_person(tenant.id, email, user)
    before = audit.snapshot(user, OPERATOR_FIELDS)
    user.full_name, user.email, user.unit_id = full_name, email, unit.id
    after = audit.snapshot(user, OPERATOR_FIELDS)
    if before != after:
        audit.record("user.update", user, actor=actor, before=before, after=after)


def reset_password(user: User, *, actor: User) -> str:
    """A new temporary password (shown once); the operator must change it at next login."""
    if not user.active:
        raise ServiceError(_("Reactivate the account before resetting its password."))
    return users.reset_password(user, actor=actor)


def set_active(user: User, active: bool, *, actor: User) -> None:
    """Deactivate (or reactivate) an operator account; its proposals stay with the unit."""
    if active and user.unit is not None and not user.unit.active:
        raise ServiceError(_("The account's unit is deactivated: reactivate the unit first."))
    if active and user.email:
        _check_one_account_per_person(user.tenant_id, user.email, user)
    users.set_active(user, active, actor=actor)
