"""Announcement: the secretariat's view of each stage's embargo, and a tenant's own results."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from central.announce import services
from central.announce.published import publication_by_year, publications
from shared.db import db
from shared.models.user import Role
from shared.permissions import require_roles
from shared.web.nav import add_nav

bp = Blueprint("announce", __name__, template_folder="templates")
SECRETARIAT = (Role.MINISTRY_ADMIN, Role.SECRETARIAT)
add_nav(bp, "announce.overview", _l("Announcements"), SECRETARIAT, order=60)
add_nav(bp, "announce.own_results", _l("Our results"), (Role.LOCAL_ADMIN,), order=60)


@bp.route("/announcements")
@require_roles(*SECRETARIAT)
def overview():
    """Each stage's publish time (WIB) and state, and what the announcement will show."""
    year = request.args.get("year", type=int)
    pub = publication_by_year(year)
    if pub is None:
        abort(404)
    return render_template(
        "announce/overview.html",
        overview=services.overview(pub),
        years=[p.year for p in publications()],
    )


@bp.post("/announcements/<int:year>/prepare")
@require_roles(*SECRETARIAT)
def prepare(year: int):
    """Build the year's catalogue entries and certificates (they stay embargoed until due)."""
    pub = publication_by_year(year)
    if pub is None:
        abort(404)
    done = services.prepare_announcement(pub, actor=current_user)
    db.session.commit()
    flash(
        _(
            "Catalogue: %(created)d entries added, %(updated)d updated. Certificates: "
            "%(issued)d issued, %(revoked)d revoked.",
            created=done.catalogue.created,
            updated=done.catalogue.updated,
            issued=done.certificates.issued,
            revoked=done.certificates.revoked,
        ),
        "success",
    )
    return redirect(url_for("announce.overview", year=year))


@bp.route("/our-results")
@require_roles(Role.LOCAL_ADMIN)
def own_results():
    """The tenant's submitted proposals with their published results and certificates."""
    return render_template("announce/own_results.html", results=services.own_results())
