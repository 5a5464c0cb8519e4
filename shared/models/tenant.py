"""Tenant (instansi): a ministry, agency, province, kabupaten, kota or state enterprise."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from shared.db import Base, PkMixin, utcnow
from shared.db_types import str_enum


class TenantKind(enum.StrEnum):
    KEMENTERIAN = "kementerian"
    LEMBAGA = "lembaga"
    PROVINSI = "provinsi"
    KABUPATEN = "kabupaten"
    KOTA = "kota"
    BUMN = "bumn"
    BUMD = "bumd"

    @property
    def is_pemda(self) -> bool:
        return self in (TenantKind.PROVINSI, TenantKind.KABUPATEN, TenantKind.KOTA)


class Tenant(PkMixin, Base):
    __tablename__ = "tenant"

    code: Mapped[str] = mapped_column(sa.String(32), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    kind: Mapped[TenantKind] = mapped_column(str_enum(TenantKind))
    # For kabupaten/kota: the code of their province (e.g. "33" for "33.20").
    province_code: Mapped[str | None] = mapped_column(sa.String(8), index=True)
    is_3t: Mapped[bool] = mapped_column(default=False)  # daerah tertinggal, terdepan, terluar
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    def __repr__(self) -> str:
        return f"<Tenant {self.code} {self.name}>"
