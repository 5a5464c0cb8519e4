"""Start page of the central server."""

from __future__ import annotations

from flask import Blueprint, redirect, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from shared.models.user import Role
from shared.permissions import require_roles
from shared.web.nav import add_nav

bp = Blueprint("main", __name__, template_folder="../templates")
add_nav(bp, "main.dashboard", _l("Dashboard"), tuple(Role), order=0)


def index():
    """Send people to their start page."""
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login"))
    return redirect(url_for("main.dashboard"))


@bp.route("/dashboard")
@require_roles(*Role)
def dashboard():
    """The national overview (ministry) or the tenant's own (Admin Lokal)."""
    from central.dashboard.views import render_dashboard

    return render_dashboard()
