"""Certificate: one per finalist and one per award, verifiable on the public site by its code."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shared.db import Base, PkMixin, utcnow
from shared.db_types import str_enum
from shared.models.proposal import Proposal
from shared.tenancy import TenantScoped


class CertificateKind(enum.StrEnum):
    FINALIST = "finalist"
    AWARD = "award"


class Certificate(PkMixin, TenantScoped, Base):
    """A proposal has at most one certificate of each kind that is not revoked; a revoked one
    stays, so that its code still verifies as revoked."""

    __tablename__ = "certificate"

    # Random, unguessable (80 bits), printed on the certificate and encoded in its QR code.
    code: Mapped[str] = mapped_column(sa.String(32), unique=True)
    proposal_id: Mapped[int] = mapped_column(sa.ForeignKey("proposal.id"), index=True)
    competition_id: Mapped[int] = mapped_column(sa.ForeignKey("competition.id"), index=True)
    year: Mapped[int]
    kind: Mapped[CertificateKind] = mapped_column(str_enum(CertificateKind))
    award: Mapped[str | None] = mapped_column(sa.String(80))
    # What the certificate says, frozen when issued
    innovation_title: Mapped[str] = mapped_column(sa.String(300))
    agency_name: Mapped[str] = mapped_column(sa.String(200))
    unit_name: Mapped[str] = mapped_column(sa.String(200), default="")
    issued_at: Mapped[datetime] = mapped_column(default=utcnow)
    issued_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    revoked_at: Mapped[datetime | None]
    revoked_reason: Mapped[str] = mapped_column(sa.String(300), default="")

    proposal: Mapped[Proposal] = relationship()

    @property
    def formatted_code(self) -> str:
        """The code in groups of four, as printed."""
        return "-".join(self.code[i : i + 4] for i in range(0, len(self.code), 4))

    def __repr__(self) -> str:
        return f"<Certificate {self.code} {self.kind}>"
