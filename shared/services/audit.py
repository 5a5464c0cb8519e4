"""Append-only audit trail."""

from __future__ import annotations

from typing import Any

from flask import has_request_context, request
from sqlalchemy import event
from sqlalchemy.orm import Session

from shared.db import db
from shared.models.audit import AuditLog
from shared.models.user import User


def record(
    action: str,
    obj: Any,
    *,
    actor: User | None,
    tenant_id: int | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    actor_name: str | None = None,
) -> AuditLog:
    """Add an audit entry for a change to ``obj`` (flushed with the change itself)."""
    object_id = getattr(obj, "uuid", None) or getattr(obj, "id", None) or getattr(obj, "code", "")
    if tenant_id is None:
        tenant_id = getattr(obj, "tenant_id", None)
    entry = AuditLog(
        tenant_id=tenant_id,
        actor_id=actor.id if actor else None,
        actor_name=actor_name or (actor.username if actor else "system"),
        action=action,
        object_type=type(obj).__name__,
        object_id=str(object_id),
        before=before,
        after=after,
        remote_addr=(request.remote_addr or "") if has_request_context() else "",
    )
    db.session.add(entry)
    return entry


def snapshot(obj: Any, fields: tuple[str, ...]) -> dict[str, Any]:
    """A JSON-safe dict of the named attributes, for ``before``/``after``."""
    out: dict[str, Any] = {}
    for name in fields:
        value = getattr(obj, name)
        if hasattr(value, "isoformat"):
            value = value.isoformat()
        elif hasattr(value, "value"):
            value = value.value
        out[name] = value
    return out


@event.listens_for(Session, "before_flush")
def _append_only(session: Session, flush_context, instances) -> None:
    for obj in (*session.dirty, *session.deleted):
        if isinstance(obj, AuditLog) and (obj in session.deleted or session.is_modified(obj)):
            raise RuntimeError("the audit log is append-only")
