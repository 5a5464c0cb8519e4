"""Roles and permission checks: pure ``can_*`` functions and one decorator for coarse checks."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import abort
from flask_login import current_user

from shared.models.proposal import Proposal
from shared.models.user import Role, User

F = TypeVar("F", bound=Callable[..., Any])


def require_roles(*roles: Role) -> Callable[[F], F]:
    """Refuse (403) any logged-in user whose role is not listed; anonymous users log in first."""

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not current_user.is_authenticated:
                from shared.extensions import login_manager

                return login_manager.unauthorized()
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        wrapped.required_roles = roles  # type: ignore[attr-defined]
        return wrapped  # type: ignore[return-value]

    return decorator


def is_tenant_user(user: User) -> bool:
    return user.role in (Role.LOCAL_ADMIN, Role.OPERATOR)


def can_view_proposal(user: User, proposal: Proposal) -> bool:
    if user.role.is_ministry:
        return user.role in (Role.MINISTRY_ADMIN, Role.SECRETARIAT)
    if user.tenant_id != proposal.tenant_id:
        return False
    if user.role == Role.LOCAL_ADMIN:
        return True
    return user.unit_id is not None and user.unit_id == proposal.unit_id


def can_edit_proposal(user: User, proposal: Proposal) -> bool:
    """Units write; the Admin Lokal may also correct drafts of its tenant."""
    return can_view_proposal(user, proposal) and is_tenant_user(user)


def can_review_proposal(user: User, proposal: Proposal) -> bool:
    return user.role == Role.LOCAL_ADMIN and user.tenant_id == proposal.tenant_id


def can_manage_tenant(user: User, tenant_id: int) -> bool:
    return user.role == Role.LOCAL_ADMIN and user.tenant_id == tenant_id
