"""Requests for an Admin Lokal account, each with the agency's official request letter."""

from __future__ import annotations

import enum
import uuid as uuid_mod
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shared.db import Base, PkMixin, utcnow
from shared.db_types import str_enum
from shared.models.tenant import Tenant, TenantKind
from shared.models.user import User


class RequestStatus(enum.StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


class AccountRequest(PkMixin, Base):
    """An agency asks the ministry for its Admin Lokal account (surat permohonan akun).

    Not tenant-scoped: it is made before the agency has any account (public form), may name an
    agency that is not yet a tenant, and only ministry staff ever read it.
    """

    __tablename__ = "account_request"

    uuid: Mapped[str] = mapped_column(
        sa.String(36), unique=True, default=lambda: str(uuid_mod.uuid4())
    )
    tenant_id: Mapped[int | None] = mapped_column(sa.ForeignKey("tenant.id"), index=True)
    # When the agency is not in the list yet (a new BUMD, say): what it wrote about itself.
    agency_name: Mapped[str] = mapped_column(sa.String(200), default="")
    agency_kind: Mapped[TenantKind | None] = mapped_column(str_enum(TenantKind))
    # The person the agency proposes as its Admin Lokal
    full_name: Mapped[str] = mapped_column(sa.String(120))
    position: Mapped[str] = mapped_column(sa.String(120), default="")
    email: Mapped[str] = mapped_column(sa.String(120))
    phone: Mapped[str] = mapped_column(sa.String(40))
    # The official letter (nomor surat, tanggal surat) and the stored PDF
    letter_number: Mapped[str] = mapped_column(sa.String(120))
    letter_date: Mapped[date]
    letter_sha256: Mapped[str] = mapped_column(sa.String(64))
    letter_filename: Mapped[str] = mapped_column(sa.String(255))
    letter_size: Mapped[int]

    status: Mapped[RequestStatus] = mapped_column(
        str_enum(RequestStatus), default=RequestStatus.PENDING, index=True
    )
    decision_reason: Mapped[str] = mapped_column(sa.Text, default="")
    decided_at: Mapped[datetime | None]
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    issued_user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    # Who entered it: the public form (no account) or a secretariat member for the agency
    entered_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    remote_addr: Mapped[str] = mapped_column(sa.String(64), default="", index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)

    tenant: Mapped[Tenant | None] = relationship()
    issued_user: Mapped[User | None] = relationship(foreign_keys=[issued_user_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])

    @property
    def agency_label(self) -> str:
        return self.tenant.name if self.tenant is not None else self.agency_name

    def __repr__(self) -> str:
        return f"<AccountRequest {self.id} {self.status}>"
