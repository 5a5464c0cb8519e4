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
from sync.reasons import translate


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
    last_error: Mapped[str] = mapped_column(sa.Text, default="")  # in English
    # Why the item was refused or failed, as a message to translate (see sync.reasons)
    last_message: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]
    acked_at: Mapped[datetime | None]

    @property
    def reason(self) -> str:
        """Why the item was refused or failed, in the reader's language where central said
        it as a message."""
        return translate(self.last_message, self.last_error)


class ChangeEvent(OptionalTenantScoped, Base):
    """Central's change feed: decisions for a tenant (or for all, ``tenant_id`` NULL).

    Nodes pull it by ``seq`` (a database sequence, never a clock). An event becomes visible
    at ``visible_at``, or, for a stage's results, at the stage's ``publish_at`` as it is when
    the node asks (so postponing an announcement also postpones its events). The feed never
    moves a node's cursor past an event that is not yet visible.
    """

    __tablename__ = "change_event"

    seq: Mapped[int] = mapped_column(
        sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True, autoincrement=True
    )
    kind: Mapped[str] = mapped_column(sa.String(40))
    payload: Mapped[dict[str, Any]] = mapped_column(JSONType)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    visible_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    stage_id: Mapped[int | None] = mapped_column(sa.ForeignKey("stage.id"))


# -- central: node credentials, replay protection, epoch -----------------------------------


class SyncNode(Base):
    """A regional node allowed to push for some tenants; central keeps only its key's hash.

    The secret printed once at issue time is never stored: central keeps ``key`` =
    SHA-256 of the secret (see :func:`sync.signing.derive_key`), which both sides use as the
    HMAC key. Revoking sets ``revoked_at``; rotating replaces ``key``.
    """

    __tablename__ = "sync_node"

    id: Mapped[str] = mapped_column(sa.String(40), primary_key=True)  # the public node id
    label: Mapped[str] = mapped_column(sa.String(200), default="")
    key: Mapped[str] = mapped_column(sa.String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    rotated_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
    last_seen_at: Mapped[datetime | None]
    last_push_at: Mapped[datetime | None]
    last_pull_at: Mapped[datetime | None]
    pushed_total: Mapped[int] = mapped_column(default=0)


class SyncNodeTenant(Base):
    """Which tenants a node serves (a province node may host small kabupaten)."""

    __tablename__ = "sync_node_tenant"

    node_id: Mapped[str] = mapped_column(
        sa.ForeignKey("sync_node.id", ondelete="CASCADE"), primary_key=True
    )
    tenant_id: Mapped[int] = mapped_column(sa.ForeignKey("tenant.id"), primary_key=True, index=True)


class SyncNonce(Base):
    """Nonces seen within the timestamp window: a replayed request is refused."""

    __tablename__ = "sync_nonce"

    node_id: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    nonce: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    seen_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class SyncEpoch(Base):
    """Central's identity: a new database (reset, restore) gets a new epoch id."""

    __tablename__ = "sync_epoch"

    id: Mapped[int] = mapped_column(primary_key=True)  # always 1
    epoch: Mapped[str] = mapped_column(sa.String(36))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


# -- regional node: the link to central and what it received -------------------------------


class NodeLink(Base):
    """The node's connection to central (one row) and its sync bookkeeping."""

    __tablename__ = "sync_link"

    id: Mapped[int] = mapped_column(primary_key=True)  # always 1
    central_url: Mapped[str] = mapped_column(sa.String(500))
    node_id: Mapped[str] = mapped_column(sa.String(40))
    central_epoch: Mapped[str] = mapped_column(sa.String(36), default="")
    cursor: Mapped[int] = mapped_column(
        sa.BigInteger().with_variant(sa.Integer(), "sqlite"), default=0
    )
    connected_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_success_at: Mapped[datetime | None]
    last_error: Mapped[str] = mapped_column(sa.Text, default="")  # in English, for the CLI
    # The last run's problems for the whole node, to translate: see sync.runner.RunReport
    last_problems: Mapped[list[dict[str, Any]] | None] = mapped_column(JSONType)
    last_error_at: Mapped[datetime | None]
    last_push_at: Mapped[datetime | None]
    last_pull_at: Mapped[datetime | None]
    # The most items central takes in a push, as its 413 named it: later runs send batches of
    # at most this many (and of SYNC_BATCH_ITEMS); a connect forgets it
    central_max_items: Mapped[int | None]


class ReceivedEvent(Base):
    """Every feed event the node applied, once per central epoch."""

    __tablename__ = "sync_received_event"
    __table_args__ = (sa.UniqueConstraint("epoch", "seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    epoch: Mapped[str] = mapped_column(sa.String(36))
    seq: Mapped[int] = mapped_column(sa.BigInteger().with_variant(sa.Integer(), "sqlite"))
    kind: Mapped[str] = mapped_column(sa.String(40))
    proposal_uuid: Mapped[str | None] = mapped_column(sa.String(36), index=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSONType)
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
