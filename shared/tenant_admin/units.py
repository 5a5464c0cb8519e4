"""Units (UPP/OPD) of the Admin Lokal's tenant: list, register, edit, deactivate."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from shared.db import db
from shared.models.unit import Unit
from shared.models.user import Role
from shared.permissions import require_roles
from shared.services import operators, units
from shared.tenant_admin.forms import UnitForm
from shared.web.loading import load_or_404
from shared.web.nav import add_nav
from shared.web.views import apply_service, form_status

bp = Blueprint("units", __name__, url_prefix="/units", template_folder="templates")
add_nav(bp, "units.index", _l("Units"), (Role.LOCAL_ADMIN,), order=20)


@bp.get("/")
@require_roles(Role.LOCAL_ADMIN)
def index():
    """The tenant's units with their operators and proposals."""
    return render_template("tenant_admin/units.html", rows=units.unit_summaries())


@bp.route("/new", methods=["GET", "POST"])
@require_roles(Role.LOCAL_ADMIN)
def create():
    """Register a unit."""
    form = UnitForm()
    if form.validate_on_submit():
        data = units.UnitData(**{name: form[name].data or "" for name in units.UNIT_FIELDS})
        created: list[Unit] = []
        if apply_service(
            form,
            lambda: created.append(
                units.create_unit(current_user.tenant, data, actor=current_user)
            ),
        ):
            db.session.commit()
            flash(_("The unit %(name)s was registered.", name=created[0].name), "success")
            return redirect(url_for("units.show", unit_id=created[0].id))
    return render_template("tenant_admin/unit_form.html", form=form, unit=None), form_status()


@bp.get("/<int:unit_id>")
@require_roles(Role.LOCAL_ADMIN)
def show(unit_id: int):
    """A unit's details and its operator accounts."""
    unit = load_or_404(Unit, unit_id)
    return render_template(
        "tenant_admin/unit.html", unit=unit, operators=operators.list_operators(unit)
    )


@bp.route("/<int:unit_id>/edit", methods=["GET", "POST"])
@require_roles(Role.LOCAL_ADMIN)
def edit(unit_id: int):
    """Edit a unit's details."""
    unit = load_or_404(Unit, unit_id)
    form = UnitForm(obj=unit)
    if request.method == "GET":
        form.version.data = units.unit_version(unit)
    if form.validate_on_submit():
        data = units.UnitData(**{name: form[name].data or "" for name in units.UNIT_FIELDS})
        seen = form.version.data or ""
        if apply_service(
            form, lambda: units.update_unit(unit, data, actor=current_user, seen=seen)
        ):
            db.session.commit()
            flash(_("The unit was saved."), "success")
            return redirect(url_for("units.show", unit_id=unit.id))
    return render_template("tenant_admin/unit_form.html", form=form, unit=unit), form_status(form)


@bp.post("/<int:unit_id>/deactivate")
@require_roles(Role.LOCAL_ADMIN)
def deactivate(unit_id: int):
    """Deactivate a unit: its proposals stay; no new ones can be written for it."""
    unit = load_or_404(Unit, unit_id)
    units.set_active(unit, False, actor=current_user)
    db.session.commit()
    flash(
        _("The unit %(name)s was deactivated; its proposals are kept.", name=unit.name), "success"
    )
    return redirect(url_for("units.show", unit_id=unit.id))


@bp.post("/<int:unit_id>/activate")
@require_roles(Role.LOCAL_ADMIN)
def activate(unit_id: int):
    """Reactivate a unit."""
    unit = load_or_404(Unit, unit_id)
    units.set_active(unit, True, actor=current_user)
    db.session.commit()
    flash(_("The unit %(name)s is active again.", name=unit.name), "success")
    return redirect(url_for("units.show", unit_id=unit.id))
