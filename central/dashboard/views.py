"""Dashboard pages: national totals with drill-down and exports; a tenant's own view."""

from __future__ import annotations

from flask import Blueprint, Response, render_template, request, url_for
from flask_babel import get_locale
from flask_login import current_user
from markupsafe import Markup

from central import pagecache
from central.dashboard import exports, services
from central.tenants.services import kind_label
from shared.models.competition import Competition
from shared.models.tenant import TenantKind
from shared.models.user import Role
from shared.permissions import require_roles
from shared.results import SCREENING_STAGE, published_stages
from shared.services.competitions import current_competition

STAFF = (Role.SECRETARIAT, Role.MINISTRY_ADMIN)
TENANT_ROLES = (Role.LOCAL_ADMIN, Role.OPERATOR)

bp = Blueprint("dashboard", __name__, url_prefix="/dashboard", template_folder="templates")


def _filter() -> services.DashFilter:
    kind = request.args.get("kind", "")
    return services.DashFilter(
        tenant_code=request.args.get("tenant", "").strip(),
        province=request.args.get("province", "").strip(),
        kind=kind if kind in TenantKind.__members__.values() else "",
    )


def _results_published(competition: Competition) -> bool:
    """Agencies see screening results only from the screening stage's publish time."""
    return SCREENING_STAGE in published_stages(competition.stages)


def _row_items(rows: list[services.Row]) -> list[tuple[str, int]]:
    return [(r.label, r.submitted) for r in rows]


def _day_items(days) -> list[tuple[str, int]]:
    return [(d.strftime("%d-%m"), n) for d, n in days]


def _links() -> dict[str, object]:
    return {
        "kind": lambda r: url_for("main.dashboard", kind=r.key),
        "province": lambda r: url_for("main.dashboard", province=r.key) if r.key else None,
        "tenant": lambda r: url_for("main.dashboard", tenant=r.key),
    }


@bp.app_context_processor
def _chart_helpers() -> dict[str, object]:
    return {"row_items": _row_items, "day_items": _day_items}


def _national_content(flt: services.DashFilter, locale: str) -> Markup:
    """The national figures as HTML (the same for every ministry user: cached)."""
    competition = current_competition()
    assert competition is not None
    dash = services.build(competition, flt, locale=locale)
    return Markup(
        render_template(
            "dashboard/_national.html",
            d=dash,
            kind_label=kind_label,
            provinces=services.province_names(),
            links=_links(),
        )
    )


def render_dashboard():
    """The page behind ``main.dashboard``: national for the ministry, own for a tenant."""
    locale = str(get_locale())
    if current_user.role in STAFF:
        flt = _filter()
        found, content = pagecache.cached(
            ("dashboard", flt, locale), lambda: _national_content(flt, locale)
        )
        if found is None:
            return render_template("dashboard/empty.html", competition=None)
        return render_template("dashboard/national.html", content=content)
    competition = current_competition()
    if competition is None or current_user.role not in TENANT_ROLES:
        return render_template("dashboard/empty.html", competition=competition)
    unit_id = current_user.unit_id or 0 if current_user.role == Role.OPERATOR else None
    flt = services.DashFilter(unit_id=unit_id, own_tenant=True)
    dash = services.build(competition, flt, locale=locale)
    return render_template(
        "dashboard/tenant.html", d=dash, show_screening=_results_published(competition)
    )


def _download(body: bytes, content_type: str, extension: str) -> Response:
    competition = current_competition()
    flt = _filter()
    suffix = "-".join(x for x in (flt.tenant_code, flt.province, flt.kind) if x)
    name = f"sinovik-{competition.year if competition else ''}{'-' + suffix if suffix else ''}"
    return Response(
        body,
        content_type=content_type,
        headers={"Content-Disposition": f'attachment; filename="{name}.{extension}"'},
    )


def _dashboard() -> services.Dashboard | None:
    competition = current_competition()
    if competition is None:
        return None
    return services.build(competition, _filter(), locale=str(get_locale()))


@bp.get("/export.csv")
@require_roles(*STAFF)
def export_csv():
    """Per-tenant counts of the (filtered) dashboard as CSV."""
    dash = _dashboard()
    body = exports.to_csv(dash) if dash else b""
    return _download(body, "text/csv; charset=utf-8", "csv")


@bp.get("/export.xlsx")
@require_roles(*STAFF)
def export_xlsx():
    """The (filtered) dashboard as an Excel workbook, one sheet per breakdown."""
    dash = _dashboard()
    body = exports.to_xlsx(dash) if dash else b""
    return _download(
        body, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"
    )
