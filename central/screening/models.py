"""The stored result of the automatic administrative-screening checks of a proposal."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from shared.db import Base, PkMixin, utcnow
from shared.db_types import JSONType
from shared.tenancy import TenantScoped


class ScreeningCheck(PkMixin, TenantScoped, Base):
    """The checklist of one proposal revision, computed once and shown in the screening list.

    ``results`` holds one entry per check: ``{"code", "ok", "details": [message, ...]}``.
    ``flags`` counts the failed checks, so the list can filter and sort without reading JSON.
    """

    __tablename__ = "screening_check"

    proposal_id: Mapped[int] = mapped_column(sa.ForeignKey("proposal.id"), unique=True)
    revision: Mapped[int]
    results: Mapped[list[dict[str, Any]]] = mapped_column(JSONType)
    flags: Mapped[int] = mapped_column(default=0)
    computed_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)

    def failed_codes(self) -> list[str]:
        return [r["code"] for r in self.results if not r["ok"]]
