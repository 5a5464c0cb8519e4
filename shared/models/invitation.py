"""Invitation: the ministry invites a tenant to a by-invitation group (Khusus) of a year."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shared.db import Base, PkMixin, utcnow
from shared.models.competition import Competition
from shared.tenancy import TenantScoped


class Invitation(PkMixin, TenantScoped, Base):
    """Made on central; reaches regional nodes through sync. The group rule reads this table."""

    __tablename__ = "invitation"
    __table_args__ = (sa.UniqueConstraint("competition_id", "tenant_id", "group_code"),)

    competition_id: Mapped[int] = mapped_column(sa.ForeignKey("competition.id"), index=True)
    group_code: Mapped[str] = mapped_column(sa.String(32))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    competition: Mapped[Competition] = relationship()

    def __repr__(self) -> str:
        return f"<Invitation {self.tenant_id} {self.group_code}>"
