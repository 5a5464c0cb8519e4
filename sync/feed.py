"""Central's change feed: decisions nodes pull back (screening, stage, award, competition)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from shared.db import db, utcnow
from shared.models.competition import Stage
from sync.models import ChangeEvent


def publish(
    kind: str,
    payload: dict[str, Any],
    *,
    tenant_id: int | None,
    visible_at: datetime | None = None,
    stage: Stage | None = None,
) -> ChangeEvent:
    """Append an event for one tenant (or every node when ``tenant_id`` is None).

    A stage's results pass ``stage``: they stay hidden until the stage's publish time as it
    stands when a node pulls, however often the ministry moves it.
    """
    event = ChangeEvent(
        tenant_id=tenant_id,
        kind=kind,
        payload=payload,
        visible_at=visible_at or utcnow(),
        stage_id=stage.id if stage is not None else None,
    )
    db.session.add(event)
    return event
