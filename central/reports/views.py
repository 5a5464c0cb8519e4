"""Reports for the ministry: the national recap with charts, and the Ministry of Finance list."""

from __future__ import annotations

from flask import Blueprint, Response, render_template, request
from flask_babel import lazy_gettext as _l

from central.announce.published import publications
from central.reports import services
from shared.models.user import Role
from shared.permissions import require_roles
from shared.web.nav import add_nav

bp = Blueprint("reports", __name__, template_folder="templates")
MINISTRY = (Role.MINISTRY_ADMIN, Role.SECRETARIAT)
add_nav(bp, "reports.index", _l("Reports"), MINISTRY, order=63)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _xlsx(data: bytes, name: str) -> Response:
    return Response(
        data, mimetype=XLSX, headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )


@bp.route("/reports")
@require_roles(*MINISTRY)
def index():
    """The national recap by agency type, category, group, province and year, with charts."""
    year = request.args.get("year", type=int)
    return render_template(
        "reports/index.html",
        recap=services.recap(year),
        dimensions=services.DIMENSIONS,
        years=[p.year for p in publications()],
        year=year,
        winners=services.pemda_winners(year),
    )


@bp.route("/reports/recap.xlsx")
@require_roles(*MINISTRY)
def recap_xlsx():
    """The national recap as a workbook, one sheet per dimension."""
    year = request.args.get("year", type=int)
    data = services.recap_xlsx(services.recap(year))
    return _xlsx(data, f"rekap-kipp-{year or 'semua'}.xlsx")


@bp.route("/reports/incentive-fund.xlsx")
@require_roles(*MINISTRY)
def incentive_fund_xlsx():
    """Winning Pemda innovations for the Ministry of Finance (regional incentive fund)."""
    year = request.args.get("year", type=int)
    data = services.pemda_winners_xlsx(services.pemda_winners(year))
    return _xlsx(data, f"inovasi-pemda-terbaik-{year or 'semua'}.xlsx")
