"""Bulk import of proposals from the spreadsheet template (all-or-nothing, with a report)."""

from __future__ import annotations

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from shared.db import db
from shared.models.user import Role
from shared.permissions import require_roles
from shared.services import ServiceError, proposal_import
from shared.web.nav import add_nav

bp = Blueprint("imports", __name__, url_prefix="/import", template_folder="templates")
add_nav(bp, "imports.index", _l("Import"), (Role.LOCAL_ADMIN,), order=30)
MEDIA_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@bp.app_context_processor
def _announce() -> dict[str, bool]:
    """Tell the proposal list to offer the import."""
    return {"proposal_import": True}


@bp.get("/")
@require_roles(Role.LOCAL_ADMIN)
def index():
    """The template downloads and the upload form."""
    return render_template("imports/index.html", report=None)


@bp.get("/template.<any(csv, xlsx):fmt>")
@require_roles(Role.LOCAL_ADMIN)
def template(fmt: str):
    """The spreadsheet template with this year's columns, an example and instructions."""
    data = proposal_import.template_file(fmt)
    name = f"template-proposal-{current_user.tenant.code}.{fmt}"
    return Response(
        data,
        content_type=MEDIA_TYPES[fmt],
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@bp.post("/")
@require_roles(Role.LOCAL_ADMIN)
def upload():
    """Import every row or none; on any problem the report names each row and problem."""
    upload = request.files.get("file")
    try:
        result = proposal_import.import_proposals(
            tenant=current_user.tenant,
            filename=upload.filename if upload else "",
            data=upload.read(proposal_import.MAX_BYTES + 1) if upload else b"",
            actor=current_user,
        )
    except ServiceError as err:
        db.session.rollback()
        flash(err.message, "error")
        return render_template("imports/index.html", report=None), 400
    if not result.ok:
        db.session.rollback()  # all or nothing
        return render_template("imports/index.html", report=result), 400
    db.session.commit()
    flash(_("%(n)d proposals were imported as drafts.", n=len(result.created)), "success")
    return redirect(url_for("proposals.index"))
