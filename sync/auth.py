"""Central: authenticate a signed node request (signature, clock skew, nonce, revocation)."""

from __future__ import annotations

import hmac
import time
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from flask import Request, current_app

from shared.db import db, insert_on_conflict, utcnow
from shared.models.tenant import Tenant
from sync import protocol as P
from sync.models import SyncEpoch, SyncNode, SyncNodeTenant, SyncNonce
from sync.reasons import N_, Reason


def schema_mismatch(theirs: object) -> Reason:
    """The answer to a node that speaks another protocol version than this central."""
    return Reason(
        N_(
            "schema version mismatch: this central speaks %(ours)s, the node sent %(theirs)s; "
            "upgrade the older side"
        ),
        {"ours": P.SCHEMA_VERSION, "theirs": str(theirs)},
    )


class AuthError(Exception):
    def __init__(self, why: Reason, status: int = 401) -> None:
        super().__init__(str(why))
        self.why = why
        self.message = str(why)
        self.status = status


@dataclass(frozen=True)
class NodeIdentity:
    node_id: str
    tenants: dict[str, int]  # code -> id
    nonce: str
    epoch: str | None  # central's epoch as the request found it (None: not made yet)


def _node_row(node_id: str) -> list[sa.Row]:
    """The node's key and revocation, its tenants (one row each; none: a row of NULLs) and
    central's epoch, in one read (a request's fixed cost was four of them)."""
    node, link, tenant = SyncNode.__table__, SyncNodeTenant.__table__, Tenant.__table__
    epoch = sa.select(SyncEpoch.__table__.c.epoch).where(SyncEpoch.__table__.c.id == 1)
    stmt = (
        sa.select(
            node.c.key, node.c.revoked_at, tenant.c.code, tenant.c.id, epoch.scalar_subquery()
        )
        .select_from(node)
        .outerjoin(link, link.c.node_id == node.c.id)
        .outerjoin(tenant, tenant.c.id == link.c.tenant_id)
        .where(node.c.id == node_id)
    )
    return list(db.session.execute(stmt))


def authenticate(request: Request, *, keep_nonce: bool = True) -> NodeIdentity:
    """The node behind a request, or :class:`AuthError` saying why not.

    With ``keep_nonce=False`` nothing is written yet: the caller must call
    :func:`remember_nonce` in the transaction that does the request's work, and
    :func:`mark_seen` just before its commit (a push keeps its nonce, its batch and the node's
    counters in one commit)."""
    headers = request.headers
    node_id = headers.get(P.H_NODE, "")
    timestamp = headers.get(P.H_TIME, "")
    nonce = headers.get(P.H_NONCE, "")
    sent_signature = headers.get(P.H_SIGNATURE, "")
    if not (node_id and timestamp and nonce and sent_signature):
        raise AuthError(
            Reason(N_("unsigned request: node, timestamp, nonce and signature are required"))
        )
    schema = headers.get(P.H_SCHEMA, "")
    if schema != str(P.SCHEMA_VERSION):
        raise AuthError(schema_mismatch(schema[:20] or "none"), status=400)
    try:
        sent_at = int(timestamp)
    except ValueError:
        raise AuthError(Reason(N_("bad timestamp"))) from None
    skew = current_app.config.get("SYNC_MAX_SKEW_SECONDS", P.MAX_SKEW_SECONDS)
    if abs(time.time() - sent_at) > skew:
        raise AuthError(
            Reason(
                N_(
                    "stale or future timestamp (more than %(skew)s s from central's clock); "
                    "check the node's clock"
                ),
                {"skew": skew},
            )
        )
    rows = _node_row(node_id)
    if not rows:
        raise AuthError(Reason(N_("unknown node; connect the node again with its credentials")))
    key, revoked_at, _, _, epoch = rows[0]
    path = request.full_path if request.query_string else request.path
    expected = P.signature(key, request.method, path, timestamp, nonce, request.get_data())
    if not hmac.compare_digest(expected, sent_signature):
        raise AuthError(
            Reason(
                N_(
                    "bad signature (wrong secret, or the request was altered); if central "
                    "issued a new secret, connect the node again with it"
                )
            )
        )
    if revoked_at is not None:
        raise AuthError(
            Reason(
                N_(
                    "this node's credentials were revoked; ask the ministry for new ones and "
                    "connect the node again"
                )
            ),
            status=403,
        )
    tenants = {code: tid for _, _, code, tid, _ in rows if code is not None}
    identity = NodeIdentity(node_id, tenants, nonce, epoch)
    if keep_nonce:
        remember_nonce(identity)
        mark_seen(identity)
    return identity


def remember_nonce(identity: NodeIdentity) -> None:
    """Insert the request's nonce in the request's transaction: the unique key refuses a
    reused nonce (``ON CONFLICT DO NOTHING`` inserts, and returns, no row); nothing is checked
    first and inserted after."""
    table = SyncNonce.__table__
    stmt = (
        insert_on_conflict(table)
        .values(node_id=identity.node_id, nonce=identity.nonce, seen_at=utcnow())
        .on_conflict_do_nothing()
        .returning(table.c.nonce)
    )
    if db.session.execute(stmt).first() is None:
        raise AuthError(Reason(N_("nonce already used (replayed request)")))


# When this process last dropped old nonces (see mark_seen)
_swept_at = 0.0
SWEEP_SECONDS = 60


def mark_seen(identity: NodeIdentity, **values: Any) -> None:
    """Note when the node was seen (with ``values``: more columns of its row, such as a
    push's counters) and, at most once a minute per process, drop the nonces too old to be
    replayed (their timestamps are refused anyway: keeping them longer only takes room).
    One UPDATE by primary key: the node's row is not read again.

    Both lock rows other requests may want (the node's row, old nonces), so a request calls
    this as its last write before committing: concurrent pushes on PostgreSQL then wait for
    each other's commit only, never for each other's whole batch."""
    global _swept_at
    if time.monotonic() - _swept_at >= SWEEP_SECONDS:
        _swept_at = time.monotonic()
        skew = current_app.config.get("SYNC_MAX_SKEW_SECONDS", P.MAX_SKEW_SECONDS)
        cutoff = utcnow() - timedelta(seconds=2 * skew)
        db.session.execute(sa.delete(SyncNonce).where(SyncNonce.seen_at < cutoff))
    db.session.execute(
        sa.update(SyncNode)
        .where(SyncNode.id == identity.node_id)
        .values(last_seen_at=utcnow(), **values)
        .execution_options(synchronize_session=False)
    )
