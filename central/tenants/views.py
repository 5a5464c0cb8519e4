"""Tenant pages for the secretariat: list with search and filters, add, edit, deactivate."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from central.tenants import render_tenant_panels
from central.tenants import services as tenants
from central.tenants.forms import TenantEditForm, TenantForm
from shared.db import db
from shared.models.tenant import Tenant
from shared.models.user import Role
from shared.permissions import require_roles
from shared.web.loading import load_or_404
from shared.web.nav import add_nav
from shared.web.views import apply_service, form_status, page_arg

STAFF = (Role.SECRETARIAT, Role.MINISTRY_ADMIN)

bp = Blueprint("tenants", __name__, url_prefix="/tenants", template_folder="templates")
add_nav(bp, "tenants.index", _l("Tenants"), STAFF, order=20)


def _flag(name: str) -> bool | None:
    value = request.args.get(name, "")
    return {"1": True, "0": False}.get(value)


@bp.get("/")
@require_roles(*STAFF)
def index():
    """Every tenant, searchable by name or code, filtered by type, province, 3T and status."""
    flt = tenants.TenantFilter(
        q=request.args.get("q", ""),
        kind=request.args.get("kind", ""),
        province=request.args.get("province", ""),
        is_3t=_flag("is_3t"),
        active=_flag("active") if "active" in request.args else True,
    )
    return render_template(
        "tenants/index.html",
        result=tenants.search(flt, page_arg()),
        flt=flt,
        kinds=tenants.kinds_present(),
        provinces=tenants.provinces(),
        kind_label=tenants.kind_label,
    )


@bp.route("/new", methods=["GET", "POST"])
@require_roles(*STAFF)
def create():
    """Add a ministry, agency, BUMN or BUMD."""
    form = TenantForm()
    form.kind.choices = tenants.kinds_present(tenants.ADDABLE_KINDS)
    form.province.choices = [("", "-"), *tenants.provinces()]
    if form.validate_on_submit():
        created: list[Tenant] = []

        def action() -> None:
            created.append(
                tenants.add_tenant(
                    code=form.code.data or "",
                    name=form.name.data or "",
                    kind=form.kind.data or "",
                    province_code=form.province.data,
                    is_3t=form.is_3t.data,
                    actor=current_user,
                )
            )

        if apply_service(form, action):
            db.session.commit()
            flash(_("The tenant %(name)s was added.", name=created[0].name), "success")
            return redirect(url_for("tenants.show", tenant_code=created[0].code))
    return render_template("tenants/form.html", form=form), form_status()


@bp.get("/<tenant_code>")
@require_roles(*STAFF)
def show(tenant_code: str):
    """A tenant: its Admin Lokal accounts, proposals by status, and panels other features add."""
    tenant = load_or_404(Tenant, tenant_code, column="code")
    return render_template(
        "tenants/show.html",
        s=tenants.summary(tenant),
        panels=render_tenant_panels(tenant),
        kind_label=tenants.kind_label,
        edit_form=TenantEditForm(obj=tenant),
    )


@bp.post("/<tenant_code>/edit")
@require_roles(*STAFF)
def edit(tenant_code: str):
    """Rename the tenant or change its 3T flag."""
    tenant = load_or_404(Tenant, tenant_code, column="code")
    form = TenantEditForm()
    if form.validate_on_submit() and apply_service(
        form,
        lambda: tenants.update_tenant(
            tenant, name=form.name.data or "", is_3t=form.is_3t.data, actor=current_user
        ),
    ):
        db.session.commit()
        flash(_("The tenant was saved."), "success")
    elif form.name.errors:
        flash(" ".join(map(str, form.name.errors)), "error")
    return redirect(url_for("tenants.show", tenant_code=tenant.code))


@bp.post("/<tenant_code>/active")
@require_roles(*STAFF)
def set_active(tenant_code: str):
    """Deactivate (its accounts can no longer log in) or reactivate the tenant."""
    tenant = load_or_404(Tenant, tenant_code, column="code")
    active = request.form.get("active") == "1"
    tenants.set_active(tenant, active, actor=current_user)
    db.session.commit()
    if active:
        flash(_("The tenant %(name)s is active again.", name=tenant.name), "success")
    else:
        flash(_("The tenant %(name)s was deactivated.", name=tenant.name), "success")
    return redirect(url_for("tenants.show", tenant_code=tenant.code))
