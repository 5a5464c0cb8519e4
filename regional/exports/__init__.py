"""The proposal list as CSV or XLSX, with the filters of the list page."""

from __future__ import annotations

from flask import Blueprint, Response, request
from flask_babel import gettext as _
from flask_login import current_user

from shared import spreadsheet
from shared.db import utcnow
from shared.models.user import Role
from shared.permissions import require_roles
from shared.services import proposal_export, proposals
from shared.timeutil import to_wib

bp = Blueprint("exports", __name__)
EXPORT_MAX = 10_000  # far above a tenant's proposals in a year
MEDIA_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@bp.app_context_processor
def _announce() -> dict[str, bool]:
    """Tell the proposal list to offer the export buttons."""
    return {"proposal_exports": True}


@bp.get("/proposals/export.<any(csv, xlsx):fmt>")
@require_roles(Role.LOCAL_ADMIN, Role.OPERATOR)
def export(fmt: str):
    """Download the proposals the list shows (same filters; an operator's: their unit's)."""
    flt = proposals.ProposalFilter.from_args(request.args)
    found = proposals.list_proposals(current_user, flt, page=1, per_page=EXPORT_MAX)
    head, body = proposal_export.header(), proposal_export.rows(found.items)
    if fmt == "csv":
        data = spreadsheet.to_csv(head, body)
    else:
        data = spreadsheet.one_sheet(_("Proposals"), head, body)
    stamp = to_wib(utcnow()).strftime("%Y%m%d-%H%M")
    name = f"proposals-{current_user.tenant.code}-{stamp}.{fmt}"
    return Response(
        data,
        content_type=MEDIA_TYPES[fmt],
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
