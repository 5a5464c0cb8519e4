"""Unit (UPP / OPD / SKPD): a public-service unit of a tenant that writes proposals."""

from __future__ import annotations

import uuid as uuid_mod
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shared.db import Base, PkMixin, TimestampMixin
from shared.models.tenant import Tenant
from shared.tenancy import TenantScoped


class Unit(PkMixin, TenantScoped, TimestampMixin, Base):
    __tablename__ = "unit"
    __table_args__ = (sa.UniqueConstraint("tenant_id", "name"),)

    uuid: Mapped[str] = mapped_column(
        sa.String(36), unique=True, default=lambda: str(uuid_mod.uuid4())
    )
    name: Mapped[str] = mapped_column(sa.String(200))
    head_name: Mapped[str] = mapped_column(sa.String(120), default="")
    official_name: Mapped[str] = mapped_column(sa.String(120), default="")
    official_position: Mapped[str] = mapped_column(sa.String(120), default="")
    official_phone: Mapped[str] = mapped_column(sa.String(40), default="")
    official_email: Mapped[str] = mapped_column(sa.String(120), default="")
    it_name: Mapped[str] = mapped_column(sa.String(120), default="")
    it_phone: Mapped[str] = mapped_column(sa.String(40), default="")
    it_email: Mapped[str] = mapped_column(sa.String(120), default="")
    active: Mapped[bool] = mapped_column(default=True)
    deactivated_at: Mapped[datetime | None]

    tenant: Mapped[Tenant] = relationship()

    def __repr__(self) -> str:
        return f"<Unit {self.id} {self.name}>"
