"""Certificates: the secretariat issues and lists them; tenants download their own."""

from __future__ import annotations

import sqlalchemy as sa
from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    render_template,
    request,
    url_for,
)
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from central.announce.published import publication_by_year, publication_for, publications
from central.certificates import services
from central.certificates.models import Certificate
from shared.db import db
from shared.models.user import Role
from shared.permissions import require_roles
from shared.web.loading import load_or_404
from shared.web.nav import add_nav

bp = Blueprint("certificates", __name__, template_folder="templates")
SECRETARIAT = (Role.MINISTRY_ADMIN, Role.SECRETARIAT)
add_nav(bp, "certificates.index", _l("Certificates"), SECRETARIAT, order=61)


def verification_url(cert: Certificate) -> str:
    """The public URL that checks this certificate (``PUBLIC_BASE_URL`` when set)."""
    base = current_app.config.get("PUBLIC_BASE_URL")
    if base:
        return base.rstrip("/") + url_for("public.verify_code", code=cert.code)
    return url_for("public.verify_code", code=cert.code, _external=True)


@bp.route("/certificates")
@require_roles(*SECRETARIAT)
def index():
    """Every certificate of a year, active and revoked, with its verification code."""
    pub = publication_by_year(request.args.get("year", type=int))
    if pub is None:
        abort(404)
    certs = db.session.execute(
        sa.select(Certificate)
        .where(Certificate.competition_id == pub.competition_id)
        .order_by(sa.func.lower(Certificate.innovation_title), Certificate.id)
    ).scalars()
    return render_template(
        "certificates/index.html",
        pub=pub,
        certificates=list(certs),
        years=[p.year for p in publications()],
        title_of=services.title_of,
    )


@bp.route("/certificates/<certificate_code>.pdf")
@require_roles(*SECRETARIAT, Role.LOCAL_ADMIN)
def download(certificate_code: str):
    """One certificate as PDF; a tenant gets its own only, and only once the result is public."""
    cert = load_or_404(Certificate, services.normalise_code(certificate_code), column="code")
    if current_user.role == Role.LOCAL_ADMIN and (
        cert.revoked_at is not None
        or not services.result_published(cert, publication_for(cert.competition_id))
    ):
        abort(404)
    pdf = services.certificate_pdf(cert, verify_url=verification_url(cert))
    return Response(
        pdf,
        mimetype="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="sertifikat-{cert.code}.pdf"'},
    )
