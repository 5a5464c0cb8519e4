"""Accounts: creation, login with throttling, first-login onboarding, password changes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy.orm import joinedload

from shared.db import db, utcnow
from shared.models.tenant import Tenant
from shared.models.unit import Unit
from shared.models.user import LoginAttempt, Role, User
from shared.services import ServiceError, audit
from shared.services.passwords import (
    check_policy,
    generate_temporary_password,
    hash_password,
    verify_password,
)
from shared.tenancy import Scope, using_scope

USERNAME_CHARS = set("abcdefghijklmnopqrstuvwxyz0123456789._-")


def find_by_username(username: str) -> User | None:
    """Look an account up by name across tenants (login happens before any scope exists)."""
    stmt = sa.select(User).where(User.username == username.strip().lower())
    return db.session.execute(stmt.execution_options(national=True)).scalar_one_or_none()


def load_session_user(session_id: str) -> User | None:
    """Flask-Login loader: ``id:session_version``; a bumped version logs the session out."""
    try:
        user_id, version = (int(part) for part in session_id.split(":"))
    except ValueError:
        return None
    # the layout and is_active read the tenant on every request: load it in the same query
    stmt = (
        sa.select(User)
        .options(joinedload(User.tenant))
        .where(User.id == user_id)
        .execution_options(national=True)
    )
    user = db.session.execute(stmt).scalar_one_or_none()
    if user is None or user.session_version != version or not user.is_active:
        return None
    return user


def scope_of(user: User) -> Scope:
    """What the account may touch: every tenant for ministry staff, else its own tenant."""
    if user.role.is_ministry:
        return Scope(national=True)
    return Scope(frozenset({user.tenant_id}))


def validate_username(username: str) -> str:
    username = username.strip().lower()
    if not (3 <= len(username) <= 64) or not set(username) <= USERNAME_CHARS:
        raise ServiceError(
            _("A username has 3-64 characters: letters, digits, dot, dash, underscore."),
            field="username",
        )
    if find_by_username(username) is not None:
        raise ServiceError(_("The username %(u)s is already taken.", u=username), field="username")
    return username


def create_user(
    *,
    username: str,
    password: str,
    role: Role,
    actor: User | None,
    tenant: Tenant | None = None,
    unit: Unit | None = None,
    full_name: str = "",
    email: str = "",
    must_change_password: bool = True,
) -> User:
    """Create an account; tenant roles need a tenant, operators a unit of that tenant."""
    username = validate_username(username)
    check_policy(password)
    if role.needs_tenant and tenant is None:
        raise ServiceError(_("This role needs a tenant."), field="tenant")
    if role.is_ministry and tenant is not None:
        raise ServiceError(_("Ministry roles do not belong to a tenant."), field="tenant")
    if role == Role.OPERATOR and unit is None:
        raise ServiceError(_("A unit operator needs a unit."), field="unit")
    if unit is not None and (tenant is None or unit.tenant_id != tenant.id):
        raise ServiceError(_("The unit does not belong to this tenant."), field="unit")
    if unit is not None and not unit.active:
        raise ServiceError(_("The unit is deactivated."), field="unit")
    user = User(
        username=username,
        password_hash=hash_password(password),
        role=role,
        tenant_id=tenant.id if tenant else None,
        unit_id=unit.id if unit else None,
        full_name=full_name,
        email=email,
        must_change_password=must_change_password,
    )
    db.session.add(user)
    db.session.flush()
    audit.record(
        "user.create",
        user,
        actor=actor,
        after={"username": username, "role": role.value, "unit_id": user.unit_id},
    )
    return user


def _recent_failures(column: sa.ColumnElement[str], value: str) -> int:
    window = timedelta(seconds=current_app.config["LOGIN_WINDOW_SECONDS"])
    stmt = sa.select(sa.func.count()).where(column == value, LoginAttempt.at > utcnow() - window)
    return db.session.execute(stmt).scalar_one()


@dataclass
class LoginResult:
    user: User | None
    error: str | None = None


def authenticate(username: str, password: str, remote_addr: str) -> LoginResult:
    """Check a login; refuse while too many recent failures exist for the name or address."""
    username = username.strip().lower()
    cfg = current_app.config
    if (
        _recent_failures(LoginAttempt.username, username) >= cfg["LOGIN_MAX_FAILURES"]
        or _recent_failures(LoginAttempt.remote_addr, remote_addr)
        >= cfg["LOGIN_MAX_FAILURES_PER_ADDR"]
    ):
        minutes = cfg["LOGIN_WINDOW_SECONDS"] // 60
        return LoginResult(
            None,
            _("Too many failed attempts. Try again in %(m)d minutes.", m=minutes),
        )
    user = find_by_username(username)
    if user is None or not user.is_active or not verify_password(user.password_hash, password):
        db.session.add(LoginAttempt(username=username, remote_addr=remote_addr))
        return LoginResult(None, _("Wrong username or password."))
    db.session.execute(sa.delete(LoginAttempt).where(LoginAttempt.username == username))
    with using_scope(scope_of(user)):
        user.last_login_at = utcnow()
        db.session.flush()
    return LoginResult(user)


def change_password(user: User, current: str, new: str, confirm: str) -> None:
    """Change one's own password; logs out the account's other sessions."""
    if not verify_password(user.password_hash, current):
        raise ServiceError(_("The current password is wrong."), field="current_password")
    if new != confirm:
        raise ServiceError(_("The two new passwords differ."), field="confirm_password")
    if verify_password(user.password_hash, new):
        raise ServiceError(_("Choose a password different from the current one."), field="password")
    check_policy(new)
    user.password_hash = hash_password(new)
    user.must_change_password = False
    user.password_changed_at = utcnow()
    user.session_version += 1
    audit.record("user.password_change", user, actor=user)


def complete_profile(user: User, *, full_name: str, email: str, phone: str, position: str) -> None:
    """Store the profile a first login must complete."""
    missing = [
        label
        for label, value in ((_("full name"), full_name), (_("e-mail"), email), (_("phone"), phone))
        if not value.strip()
    ]
    if missing:
        raise ServiceError(_("Please fill in: %(fields)s.", fields=", ".join(missing)))
    before = audit.snapshot(user, ("full_name", "email", "phone", "position"))
    user.full_name, user.email = full_name.strip(), email.strip()
    user.phone, user.position = phone.strip(), position.strip()
    if user.profile_completed_at is None:
        user.profile_completed_at = utcnow()
    audit.record(
        "user.profile",
        user,
        actor=user,
        before=before,
        after=audit.snapshot(user, ("full_name", "email", "phone", "position")),
    )


def reset_password(user: User, *, actor: User) -> str:
    """Give the account a temporary password (returned once) and force a change at login."""
    temporary = generate_temporary_password()
    user.password_hash = hash_password(temporary)
    user.must_change_password = True
    user.session_version += 1
    audit.record("user.password_reset", user, actor=actor)
    return temporary


def set_active(user: User, active: bool, *, actor: User) -> None:
    """Deactivate (or reactivate) an account; a deactivated account cannot log in."""
    if user.id == actor.id and not active:
        raise ServiceError(_("You cannot deactivate your own account."))
    if user.active == active:
        return
    user.active = active
    user.session_version += 1
    audit.record("user.activate" if active else "user.deactivate", user, actor=actor)
