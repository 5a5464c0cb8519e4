"""The sync page of the regional node (Admin Lokal): state, rejected items, "Sync now"."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import lazy_gettext as _l

from regional.syncstatus import services
from shared.models.user import Role
from shared.permissions import require_roles
from shared.web.nav import add_nav

bp = Blueprint("syncstatus", __name__, url_prefix="/sync", template_folder="templates")
add_nav(bp, "syncstatus.index", _l("Sync"), (Role.LOCAL_ADMIN,), order=45)


@bp.app_context_processor
def _proposal_states() -> dict[str, object]:
    """Let the shared proposal pages show each submitted revision's sync state."""
    return {"proposal_sync_states": services.proposal_sync_states}


@bp.get("/")
@require_roles(Role.LOCAL_ADMIN)
def index():
    """The link to central, the outbox by state, and what central rejected and why."""
    return render_template("syncstatus/index.html", ov=services.overview())


@bp.post("/run")
@require_roles(Role.LOCAL_ADMIN)
def run():
    """Sync with central now and tell how it went."""
    outcome = services.sync_now()
    flash(outcome.message, outcome.category)
    return redirect(url_for("syncstatus.index"))
