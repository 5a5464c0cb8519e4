"""Start page of the regional node: the tenant's dashboard (a unit's, for its operators)."""

from __future__ import annotations

from flask import Blueprint, redirect, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from shared.models.user import Role
from shared.pagecache import page_key, render_with_cached_block
from shared.permissions import require_roles
from shared.services import proposals, tenant_overview
from shared.web.nav import add_nav

bp = Blueprint("main", __name__, template_folder="../templates")
add_nav(bp, "main.dashboard", _l("Dashboard"), (Role.LOCAL_ADMIN, Role.OPERATOR), order=0)


def index():
    """Send people to their start page."""
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login"))
    return redirect(url_for("main.dashboard"))


@bp.route("/dashboard")
@require_roles(Role.LOCAL_ADMIN, Role.OPERATOR)
def dashboard():
    """Proposals by status and unit, unsent drafts, time left to the deadline, quota use."""
    unit_id = current_user.unit_id or 0 if current_user.role == Role.OPERATOR else None
    window = proposals.current_window()

    def figures() -> dict:
        return {"ov": tenant_overview.overview(unit_id=unit_id)}

    # the figures are computed and rendered once per change of the data (shared/pagecache.py)
    key = page_key(window.shown() if window else None)
    return render_with_cached_block("regional/dashboard.html", key, figures)
