"""What the tenant page shows of a tenant's nodes, and the node actions scoped to the tenant."""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from shared.db import db
from shared.models.tenant import Tenant
from shared.models.user import User
from shared.services import ServiceError
from sync import credentials
from sync.credentials import IssuedCredentials
from sync.models import SyncNode, SyncNodeTenant


def panel_context(tenant: Tenant) -> dict[str, Any]:
    """The tenant's nodes, oldest first, and the other tenants each of them also serves."""
    found = credentials.nodes_of_tenant(tenant.id)
    also: dict[str, list[str]] = {}
    if found:
        rows = db.session.execute(
            sa.select(SyncNodeTenant.node_id, Tenant.name)
            .join(Tenant, Tenant.id == SyncNodeTenant.tenant_id)
            .where(SyncNodeTenant.node_id.in_([n.id for n in found]), Tenant.id != tenant.id)
            .order_by(Tenant.code)
        )
        for node_id, name in rows:
            also.setdefault(node_id, []).append(name)
    # a fresh one-time token per form (see central.nodes.views._first_post)
    return {"nodes": found, "also_serves": also, "once": lambda: uuid.uuid4().hex}


def node_of_tenant(tenant: Tenant, node_id: str) -> SyncNode | None:
    """The node if it serves ``tenant`` (a node of another tenant is as good as missing)."""
    node = db.session.get(SyncNode, node_id)
    if node is None or tenant.id not in credentials.tenant_ids(node.id):
        return None
    return node


def issue_node(tenant: Tenant, *, label: str, actor: User) -> IssuedCredentials:
    """A new node for the tenant; its secret is returned to be shown once."""
    if not tenant.active:
        raise ServiceError(_("The tenant is deactivated: reactivate it before adding a node."))
    return credentials.issue([tenant], actor=actor, label=label)


def rotate_node(node: SyncNode, *, actor: User) -> IssuedCredentials:
    """A new secret for the node; the old one stops working at once."""
    if node.revoked_at is not None:
        raise ServiceError(_("A revoked node cannot get a new secret; issue a new node."))
    return credentials.rotate(node, actor=actor)


def revoke_node(node: SyncNode, *, actor: User) -> None:
    """Refuse every further request of the node."""
    credentials.revoke(node, actor=actor)
