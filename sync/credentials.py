"""Central: issue, rotate and revoke node credentials (the secret is shown once, never kept)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask_babel import gettext

from shared.db import db, utcnow
from shared.models.tenant import Tenant
from shared.models.user import User
from shared.services import ServiceError, audit
from sync.models import SyncNode, SyncNodeTenant
from sync.protocol import derive_key, new_secret

LABEL_MAX = SyncNode.__table__.c.label.type.length  # the column's limit (200)


@dataclass(frozen=True)
class IssuedCredentials:
    node: SyncNode
    secret: str  # shown once to whoever installs the node


def _new_node_id(tenants: list[Tenant]) -> str:
    prefix = tenants[0].code.replace(".", "")[:12] if tenants else "node"
    return f"n{prefix}-{secrets.token_hex(4)}"


def issue(tenants: list[Tenant], *, actor: User | None, label: str = "") -> IssuedCredentials:
    """A new node serving ``tenants``; returns its id and the secret to print once."""
    tenants = list({t.id: t for t in tenants}.values())  # a tenant named twice serves once
    if not tenants:
        raise ServiceError("A node serves at least one tenant.")
    label = label.strip()
    if len(label) > LABEL_MAX:
        raise ServiceError(
            gettext("The label is too long (at most %(n)d characters).", n=LABEL_MAX),
            field="label",
        )
    secret = new_secret()
    node = SyncNode(
        id=_new_node_id(tenants),
        label=label or ", ".join(t.name for t in tenants)[:LABEL_MAX],
        key=derive_key(secret),
    )
    db.session.add(node)
    db.session.flush()
    for tenant in tenants:
        db.session.add(SyncNodeTenant(node_id=node.id, tenant_id=tenant.id))
        audit.record(
            "sync.node_issued", node, actor=actor, tenant_id=tenant.id, after={"node": node.id}
        )
    db.session.flush()
    return IssuedCredentials(node, secret)


def rotate(node: SyncNode, *, actor: User | None) -> IssuedCredentials:
    """A new secret for the node; the old one stops working at once."""
    if node.revoked_at is not None:
        raise ServiceError("A revoked node cannot get a new secret; issue a new node.")
    secret = new_secret()
    node.key = derive_key(secret)
    node.rotated_at = utcnow()
    _audit_all(node, "sync.node_rotated", actor)
    db.session.flush()
    return IssuedCredentials(node, secret)


def revoke(node: SyncNode, *, actor: User | None) -> None:
    if node.revoked_at is None:
        node.revoked_at = utcnow()
        _audit_all(node, "sync.node_revoked", actor)
        db.session.flush()


def _audit_all(node: SyncNode, action: str, actor: User | None) -> None:
    for tenant_id in tenant_ids(node.id):
        audit.record(action, node, actor=actor, tenant_id=tenant_id, after={"node": node.id})


def get(node_id: str) -> SyncNode:
    node = db.session.get(SyncNode, node_id)
    if node is None:
        raise ServiceError(f"Unknown node {node_id}.")
    return node


def tenant_ids(node_id: str) -> list[int]:
    stmt = sa.select(SyncNodeTenant.tenant_id).where(SyncNodeTenant.node_id == node_id)
    return list(db.session.execute(stmt).scalars())


def tenants_of(node_id: str) -> dict[str, int]:
    """Code -> id of the tenants a node serves."""
    stmt = (
        sa.select(Tenant.code, Tenant.id)
        .join(SyncNodeTenant, SyncNodeTenant.tenant_id == Tenant.id)
        .where(SyncNodeTenant.node_id == node_id)
    )
    return {code: tid for code, tid in db.session.execute(stmt)}


def nodes_of_tenant(tenant_id: int) -> list[SyncNode]:
    stmt = (
        sa.select(SyncNode)
        .join(SyncNodeTenant, SyncNodeTenant.node_id == SyncNode.id)
        .where(SyncNodeTenant.tenant_id == tenant_id)
        .order_by(SyncNode.created_at)
    )
    return list(db.session.execute(stmt).scalars())


def last_seen_by_tenant(tenant_ids: list[int]) -> dict[int, datetime]:
    """When a node of each tenant last called central (tenants without a node are absent)."""
    if not tenant_ids:
        return {}
    stmt = (
        sa.select(SyncNodeTenant.tenant_id, sa.func.max(SyncNode.last_seen_at))
        .join(SyncNode, SyncNode.id == SyncNodeTenant.node_id)
        .where(SyncNodeTenant.tenant_id.in_(tenant_ids), SyncNode.last_seen_at.is_not(None))
        .group_by(SyncNodeTenant.tenant_id)
    )
    return {tid: seen for tid, seen in db.session.execute(stmt)}
