"""Sync state: the node's outbox and central's change feed.

The sync issue owns these tables and extends them; other features only call
:func:`sync.outbox.enqueue` (regional submit) and :func:`sync.feed.publish` (central decisions).
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from shared.db import Base, PkMixin, utcnow
from shared.db_types import JSONType, str_enum
from shared.tenancy import OptionalTenantScoped, TenantScoped


class OutboxState(enum.StrEnum):
    PENDING = "pending"
    IN_FLIGHT = "in_flight"
    ACKED = "acked"
    REJECTED = "rejected"


class OutboxItem(PkMixin, TenantScoped, Base):
    """A submitted revision waiting to reach central (written in the submit transaction)."""

    __tablename__ = "outbox_item"
    __table_args__ = (sa.UniqueConstraint("proposal_uuid", "revision"),)

    proposal_uuid: Mapped[str] = mapped_column(sa.String(36), index=True)
    revision: Mapped[int]
    content_hash: Mapped[str] = mapped_column(sa.String(64))
    state: Mapped[OutboxState] = mapped_column(
        str_enum(OutboxState), default=OutboxState.PENDING, index=True
    )
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]
    acked_at: Mapped[datetime | None]


class ChangeEvent(OptionalTenantScoped, Base):
    """Central's change feed: decisions for a tenant (or for all, ``tenant_id`` NULL).

    Nodes pull it by ``seq`` (a database sequence, never a clock). An event becomes visible
    at ``visible_at`` (embargoed results); the feed never skips past an invisible event.
    """

    __tablename__ = "change_event"

    seq: Mapped[int] = mapped_column(
        sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True, autoincrement=True
    )
    kind: Mapped[str] = mapped_column(sa.String(40))
    payload: Mapped[dict[str, Any]] = mapped_column(JSONType)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    visible_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
