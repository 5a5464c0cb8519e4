"""Central: read the change feed for a node's tenants, and central's epoch."""

from __future__ import annotations

import uuid as uuid_mod
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from shared.db import db, utcnow
from shared.models.competition import Stage
from shared.models.tenant import Tenant
from sync.models import ChangeEvent, SyncEpoch


def epoch() -> str:
    """Central's epoch id, made once per database (a reset or restored database gets a new
    one through ``sinovik central new-epoch`` or a fresh ``init``)."""
    row = db.session.get(SyncEpoch, 1)
    if row is None:
        try:
            with db.session.begin_nested():
                db.session.add(SyncEpoch(id=1, epoch=str(uuid_mod.uuid4())))
        except sa.exc.IntegrityError:
            pass
        row = db.session.get(SyncEpoch, 1)
    assert row is not None
    return row.epoch


def new_epoch() -> str:
    """Start a new epoch (after restoring central from a backup): every node resynchronises."""
    row = db.session.get(SyncEpoch, 1)
    value = str(uuid_mod.uuid4())
    if row is None:
        db.session.add(SyncEpoch(id=1, epoch=value))
    else:
        row.epoch = value
        row.created_at = utcnow()
    db.session.flush()
    return value


@dataclass(frozen=True)
class FeedPage:
    events: list[dict[str, Any]]
    next_cursor: int  # everything up to here is delivered: the node may store this cursor
    scanned_to: int  # the last sequence number this page looked at: ask from here for more
    blocked: bool  # an event in this page is still under embargo (the cursor stops before it)
    head: int  # central's newest sequence number
    more: bool


def visible_when() -> sa.ColumnElement[datetime]:
    """When an event may leave central: its stage's publish time as it stands now, if any."""
    publish_at = (
        sa.select(Stage.publish_at).where(Stage.id == ChangeEvent.stage_id).scalar_subquery()
    )
    return sa.func.coalesce(publish_at, ChangeEvent.visible_at)


def read(tenant_ids: list[int], since: int, limit: int, now: datetime | None = None) -> FeedPage:
    """Events after ``since`` for these tenants (and for everyone), oldest first.

    An event still under embargo stops the cursor just before it: the node asks again from
    there and gets it once it is public. Visible events after it are delivered already (the
    node applies each sequence number once), so an embargo never holds back, say, a deadline
    extension; the node pages on with ``scanned_to`` while keeping its cursor.
    """
    now = now or utcnow()
    when = visible_when()
    stmt = (
        sa.select(ChangeEvent.seq, ChangeEvent.kind, ChangeEvent.payload, Tenant.code, when)
        .outerjoin(Tenant, Tenant.id == ChangeEvent.tenant_id)
        .where(
            ChangeEvent.seq > since,
            sa.or_(ChangeEvent.tenant_id.in_(tenant_ids), ChangeEvent.tenant_id.is_(None)),
        )
        .order_by(ChangeEvent.seq)
        .limit(limit + 1)
        .execution_options(national=True)
    )
    rows = db.session.execute(stmt).all()
    more = len(rows) > limit
    rows = rows[:limit]
    events, cursor, blocked = [], since, False
    for seq, kind, payload, tenant_code, visible_at in rows:
        if visible_at is not None and _aware(visible_at) > now:
            blocked = True
            continue
        events.append({"seq": seq, "kind": kind, "tenant_code": tenant_code, "payload": payload})
        if not blocked:
            cursor = seq
    scanned_to = rows[-1][0] if rows else since
    head = db.session.execute(
        sa.select(sa.func.coalesce(sa.func.max(ChangeEvent.seq), 0)).execution_options(
            national=True
        )
    ).scalar_one()
    return FeedPage(events, cursor, scanned_to, blocked, head, more)


def _aware(value: datetime) -> datetime:
    from datetime import UTC

    return value if value.tzinfo else value.replace(tzinfo=UTC)
