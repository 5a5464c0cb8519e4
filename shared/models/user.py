"""User: one account per person, with one role."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shared.db import Base, PkMixin, TimestampMixin, utcnow
from shared.db_types import str_enum
from shared.models.tenant import Tenant
from shared.models.unit import Unit
from shared.tenancy import OptionalTenantScoped


class Role(enum.StrEnum):
    # Ministry side (central server only, no tenant)
    MINISTRY_ADMIN = "ministry_admin"
    SECRETARIAT = "secretariat"
    EVALUATOR = "evaluator"
    PANELIST = "panelist"
    # Tenant side (regional node, or central for tenants without a node)
    LOCAL_ADMIN = "local_admin"
    OPERATOR = "operator"

    @property
    def is_ministry(self) -> bool:
        return self in MINISTRY_ROLES

    @property
    def needs_tenant(self) -> bool:
        return not self.is_ministry


MINISTRY_ROLES = frozenset({Role.MINISTRY_ADMIN, Role.SECRETARIAT, Role.EVALUATOR, Role.PANELIST})


class User(PkMixin, OptionalTenantScoped, TimestampMixin, UserMixin, Base):
    __tablename__ = "user_account"

    username: Mapped[str] = mapped_column(sa.String(64), unique=True)
    full_name: Mapped[str] = mapped_column(sa.String(120), default="")
    email: Mapped[str] = mapped_column(sa.String(120), default="")
    phone: Mapped[str] = mapped_column(sa.String(40), default="")
    position: Mapped[str] = mapped_column(sa.String(120), default="")
    password_hash: Mapped[str] = mapped_column(sa.String(256))
    role: Mapped[Role] = mapped_column(str_enum(Role))
    unit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("unit.id"), index=True)
    active: Mapped[bool] = mapped_column(default=True)
    must_change_password: Mapped[bool] = mapped_column(default=True)
    profile_completed_at: Mapped[datetime | None]
    password_changed_at: Mapped[datetime | None]
    last_login_at: Mapped[datetime | None]
    # Bumped on password change or reset: invalidates every other session of the account.
    session_version: Mapped[int] = mapped_column(default=1)
    locale: Mapped[str | None] = mapped_column(sa.String(8))

    tenant: Mapped[Tenant | None] = relationship()
    unit: Mapped[Unit | None] = relationship()

    def get_id(self) -> str:
        return f"{self.id}:{self.session_version}"

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive accounts
        # A deactivated tenant's accounts are refused too (its data stays).
        return self.active and (self.tenant is None or self.tenant.active)

    @property
    def needs_onboarding(self) -> bool:
        return self.must_change_password or self.profile_completed_at is None

    @property
    def display_name(self) -> str:
        return self.full_name or self.username

    def __repr__(self) -> str:
        return f"<User {self.username} {self.role}>"


class LoginAttempt(PkMixin, Base):
    """Failed logins, per username and address, for throttling."""

    __tablename__ = "login_attempt"

    username: Mapped[str] = mapped_column(sa.String(64), index=True)
    remote_addr: Mapped[str] = mapped_column(sa.String(64), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
