"""Node credentials from the tenant page: issue, rotate (secret shown once) and revoke."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user

from central.nodes import services as nodes
from shared.db import db
from shared.models.tenant import Tenant
from shared.models.user import Role
from shared.permissions import require_roles
from shared.web.loading import load_or_404
from shared.web.views import apply_service, no_store
from sync.credentials import IssuedCredentials
from sync.models import SyncNode

STAFF = (Role.SECRETARIAT, Role.MINISTRY_ADMIN)

bp = Blueprint("nodes", __name__, url_prefix="/tenants", template_folder="templates")
SEEN_KEY = "node_forms_posted"
SEEN_MAX = 20


def _load(tenant_code: str, node_id: str) -> tuple[Tenant, SyncNode]:
    """The tenant and one of its nodes; 404 when the node does not serve the tenant."""
    tenant = load_or_404(Tenant, tenant_code, column="code")
    node = nodes.node_of_tenant(tenant, node_id)
    if node is None:
        abort(404)
    return tenant, node


def _central_url() -> str:
    return (current_app.config.get("PUBLIC_BASE_URL") or request.url_root).rstrip("/")


def _show_secret(tenant: Tenant, issued: IssuedCredentials, *, rotated: bool):
    return no_store(
        "nodes/secret.html",
        tenant=tenant,
        node=issued.node,
        secret=issued.secret,
        rotated=rotated,
        central_url=_central_url(),
    )


def _first_post(tenant: Tenant):
    """``None`` when the form is posted for the first time; otherwise where to go instead.

    The issue and rotate forms carry a one-time token. Reloading the page that shows a secret
    posts the form again with the same token: that must not issue another node, nor replace
    the secret the user has just noted with one they never see."""
    token = request.form.get("once", "")
    if not token:
        return None
    used: list[str] = session.get(SEEN_KEY, [])
    if token in used:
        flash(
            _(
                "Those credentials were already made and shown once (the page was reloaded). "
                "If the secret was not noted, give the node a new secret."
            ),
            "warning",
        )
        return _back(tenant)
    session[SEEN_KEY] = [*used, token][-SEEN_MAX:]
    return None


def _confirmed() -> bool:
    """Rotating and revoking cut the node off at once (revoking for good): one click is not
    enough, the form's confirmation box must be ticked (works without JavaScript)."""
    return request.form.get("confirm") == "yes"


def _back(tenant: Tenant):
    return redirect(url_for("tenants.show", tenant_code=tenant.code, _anchor="nodes"))


@bp.post("/<tenant_code>/nodes")
@require_roles(*STAFF)
def issue(tenant_code: str):
    """Credentials for a new regional node of the tenant; the secret is shown this once."""
    tenant = load_or_404(Tenant, tenant_code, column="code")
    if (again := _first_post(tenant)) is not None:
        return again
    issued: list[IssuedCredentials] = []
    label = request.form.get("label", "")
    if not apply_service(
        None, lambda: issued.append(nodes.issue_node(tenant, label=label, actor=current_user))
    ):
        return _back(tenant)
    db.session.commit()
    return _show_secret(tenant, issued[0], rotated=False)


@bp.post("/<tenant_code>/nodes/<node_id>/rotate")
@require_roles(*STAFF)
def rotate(tenant_code: str, node_id: str):
    """A new secret for the node, shown this once; the old one stops working at once."""
    tenant, node = _load(tenant_code, node_id)
    if not _confirmed():
        flash(_("Tick the confirmation to give the node a new secret."), "error")
        return _back(tenant)
    if (again := _first_post(tenant)) is not None:
        return again
    issued: list[IssuedCredentials] = []
    if not apply_service(None, lambda: issued.append(nodes.rotate_node(node, actor=current_user))):
        return _back(tenant)
    db.session.commit()
    return _show_secret(tenant, issued[0], rotated=True)


@bp.post("/<tenant_code>/nodes/<node_id>/revoke")
@require_roles(*STAFF)
def revoke(tenant_code: str, node_id: str):
    """Refuse every further request of the node (issue a new node to replace it)."""
    tenant, node = _load(tenant_code, node_id)
    if not _confirmed():
        flash(_("Tick the confirmation to revoke the node."), "error")
        return _back(tenant)
    nodes.revoke_node(node, actor=current_user)
    db.session.commit()
    flash(
        _("Node %(id)s was revoked: central refuses its requests from now on.", id=node.id),
        "success",
    )
    return _back(tenant)
