"""The regional node's link to central: connect once, then build a signed client from it.

The node secret lives in ``<instance>/sync/node.secret``, readable by the owner only; the
database keeps the central URL, node id, central's epoch and the feed cursor.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from flask import current_app

from shared.db import db
from shared.models.tenant import Tenant
from shared.services import ServiceError
from sync.client import (
    NOT_SYNC_API,
    UNREACHABLE,
    CentralClient,
    ClientSettings,
    SyncError,
    url_problem,
)
from sync.models import NodeLink, OutboxItem, OutboxState
from sync.protocol import derive_key
from sync.reasons import NOT_SERVED

SECRET_FILE = "node.secret"


def secret_path(instance: Path | None = None) -> Path:
    base = Path(instance) if instance else Path(current_app.instance_path)
    return base / "sync" / SECRET_FILE


def _write_secret(path: Path, secret: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    os.chmod(path.parent, stat.S_IRWXU)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, stat.S_IRUSR | stat.S_IWUSR)
    with os.fdopen(fd, "w") as out:
        out.write(secret)
    os.chmod(path, stat.S_IRUSR | stat.S_IWUSR)


def link() -> NodeLink | None:
    return db.session.get(NodeLink, 1)


def require_link() -> NodeLink:
    found = link()
    if found is None:
        raise ServiceError(
            "This node is not connected to central: run `sinovik regional connect` first."
        )
    return found


def settings(*, interactive: bool = False) -> ClientSettings:
    """The client's timeouts and retries; ``interactive`` for a person waiting on a page
    ("Sync now"): fewer attempts and short backoffs, so an unreachable central is reported in
    seconds (the scheduled run keeps retrying longer)."""
    cfg = current_app.config
    attempts = int(cfg.get("SYNC_ATTEMPTS", 5))
    backoff_max = float(cfg.get("SYNC_BACKOFF_MAX", 30))
    if interactive:
        attempts = min(attempts, int(cfg.get("SYNC_INTERACTIVE_ATTEMPTS", 2)))
        backoff_max = min(backoff_max, 2.0)
    return ClientSettings(
        connect_timeout=float(cfg.get("SYNC_CONNECT_TIMEOUT", 5)),
        read_timeout=float(cfg.get("SYNC_READ_TIMEOUT", 60)),
        attempts=attempts,
        backoff_max=backoff_max,
    )


def key() -> str:
    """The signing key from the node secret; a clear error when the secret file is gone."""
    path = secret_path()
    try:
        return derive_key(path.read_text().strip())
    except FileNotFoundError:
        raise ServiceError(
            f"The node secret is missing ({path}); connect the node again."
        ) from None


def client(found: NodeLink | None = None, *, interactive: bool = False) -> CentralClient:
    found = found or require_link()
    return CentralClient(found.central_url, found.node_id, key(), settings(interactive=interactive))


@dataclass(frozen=True)
class Connected:
    """What a successful connect learnt from central."""

    served: list[str]  # the tenant codes central serves for this node
    unserved: list[str]  # this node's tenants central does not serve for it
    requeued: int  # revisions rejected for their tenant, now queued again


def connect(central_url: str, node_id: str, secret: str) -> Connected:
    """Check the credentials against central, then store them; revisions rejected because
    central did not serve their tenant for this node go back to the queue if it now does."""
    if (problem := url_problem(central_url)) is not None:
        raise ServiceError(problem)
    probe = CentralClient(central_url, node_id, derive_key(secret), settings(interactive=True))
    try:
        hello = probe.get("hello")
    except SyncError as err:
        raise ServiceError(_connect_error(central_url, err)) from None
    finally:
        probe.close()
    local = set(db.session.execute(sa.select(Tenant.code)).scalars())
    served = set(hello.get("tenants", []))
    if local and not local & served:
        raise ServiceError(
            "Central does not list any of this node's tenants for node "
            f"{node_id} (central: {', '.join(sorted(served)) or 'none'}; "
            f"here: {', '.join(sorted(local))})."
        )
    _write_secret(secret_path(), secret)
    found = link()
    if found is None:
        found = NodeLink(id=1, central_url=central_url, node_id=node_id)
        db.session.add(found)
    elif found.node_id != node_id or found.central_url != central_url:
        found.central_url, found.node_id = central_url, node_id
    # central's batch limit is learnt afresh: this may be another central, or one that now
    # takes more (connecting again is how an operator makes the node learn it again); a
    # central that does not tell it in its hello teaches it with its first refusal
    limit = hello.get("max_items")
    found.central_max_items = limit if type(limit) is int and limit > 0 else None
    requeued = _requeue_served(served)
    db.session.flush()
    return Connected(sorted(served), sorted(local - served), requeued)


def _connect_error(central_url: str, err: SyncError) -> str:
    if err.kind == UNREACHABLE:
        return f"Central could not be reached at {central_url}: {err.message}"
    if err.kind == NOT_SYNC_API:
        return (
            f"{central_url} does not answer like a SINOVIK central; check the URL (the "
            "address of central's site, e.g. https://sinovik.menpan.go.id)."
        )
    return f"Central refused the credentials: {err.message}"


def _requeue_served(served: set[str]) -> int:
    """Rejected revisions of tenants central now serves, rejected for that tenant, pending
    again (central's inbox takes a resend once, whatever it already holds)."""
    if not served:
        return 0
    stmt = (
        sa.select(OutboxItem)
        .join(Tenant, Tenant.id == OutboxItem.tenant_id)
        .where(OutboxItem.state == OutboxState.REJECTED, Tenant.code.in_(served))
    )
    ending = NOT_SERVED.rsplit("%(tenant)s", 1)[1]  # the English text (rows without message)
    count = 0
    for item in db.session.execute(stmt).scalars():
        message = item.last_message if isinstance(item.last_message, dict) else {}
        if message.get("id") == NOT_SERVED or item.last_error.endswith(ending):
            item.state, item.last_error, item.last_message = OutboxState.PENDING, "", None
            count += 1
    return count
