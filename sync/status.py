"""What the node's outbox and link look like: for `sinovik sync status` and the admin's page."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa

from shared.db import db
from sync.models import NodeLink, OutboxItem, OutboxState
from sync.reasons import NOT_SENT_IDS


def counts() -> dict[str, int]:
    rows = db.session.execute(
        sa.select(OutboxItem.state, sa.func.count()).group_by(OutboxItem.state)
    ).all()
    found = {OutboxState(state).value: n for state, n in rows}
    return {state.value: found.get(state.value, 0) for state in OutboxState}


def rejected(limit: int = 200) -> list[OutboxItem]:
    stmt = (
        sa.select(OutboxItem)
        .where(OutboxItem.state == OutboxState.REJECTED)
        .order_by(OutboxItem.id.desc())
        .limit(limit)
    )
    return list(db.session.execute(stmt).scalars())


def not_sent(limit: int = 200) -> list[OutboxItem]:
    """Revisions waiting on the node because one of their files did not reach central (one
    larger than central accepts, or one this node lacks), newest first. They go again with
    the next sync; a problem of the whole node (central unreachable) is not theirs."""
    stmt = (
        sa.select(OutboxItem)
        .where(
            OutboxItem.state.in_((OutboxState.PENDING, OutboxState.IN_FLIGHT)),
            OutboxItem.last_message["id"].as_string().in_(NOT_SENT_IDS),
        )
        .order_by(OutboxItem.id.desc())
        .limit(limit)
    )
    return list(db.session.execute(stmt).scalars())


def by_proposal(uuids: list[str]) -> dict[str, OutboxItem]:
    """The newest outbox item of each proposal (what its sync state is)."""
    if not uuids:
        return {}
    stmt = (
        sa.select(OutboxItem)
        .where(OutboxItem.proposal_uuid.in_(uuids))
        .order_by(OutboxItem.proposal_uuid, OutboxItem.revision)
    )
    return {item.proposal_uuid: item for item in db.session.execute(stmt).scalars()}


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def summary() -> dict[str, Any]:
    """The link and the outbox for `sinovik sync status`."""
    # sync.push brings the HTTP client; this module is also loaded by the sync page
    from sync.push import batch_items

    link = db.session.get(NodeLink, 1)
    central_max = link.central_max_items if link else None
    return {
        "connected": link is not None,
        "central_url": link.central_url if link else None,
        "node_id": link.node_id if link else None,
        "central_epoch": link.central_epoch if link else None,
        "cursor": link.cursor if link else 0,
        "last_success_at": _iso(link.last_success_at) if link else None,
        "last_push_at": _iso(link.last_push_at) if link else None,
        "last_pull_at": _iso(link.last_pull_at) if link else None,
        "last_error": link.last_error if link else "",
        "last_error_at": _iso(link.last_error_at) if link and link.last_error else None,
        "central_max_items": central_max,  # told on connect or learnt from a refusal
        "batch_items": batch_items(central_max),  # the most items a push batch holds
        "outbox": counts(),
        "rejected": [
            {"proposal_uuid": i.proposal_uuid, "revision": i.revision, "reason": i.last_error}
            for i in rejected()
        ],
        "not_sent": [
            {"proposal_uuid": i.proposal_uuid, "revision": i.revision, "reason": i.last_error}
            for i in not_sent()
        ],
    }
