"""The Admin Lokal's page of the tenant's results: screening with reason, stage, award."""

from __future__ import annotations

from flask import Blueprint, Flask, render_template
from flask_babel import lazy_gettext as _l

from regional.results.services import tenant_results
from shared import results as result_labels
from shared.models.user import Role
from shared.permissions import require_roles
from shared.web.nav import add_nav

bp = Blueprint("results", __name__, template_folder="templates")
add_nav(bp, "results.index", _l("Results"), (Role.LOCAL_ADMIN,), order=40)


@bp.route("/results")
@require_roles(Role.LOCAL_ADMIN)
def index():
    """Every submitted proposal of the tenant with the results central has published."""
    rows, summary = tenant_results()
    return render_template("results/index.html", rows=rows, summary=summary)


def init_app(app: Flask) -> None:
    result_labels.init_app(app)
    app.register_blueprint(bp)
