"""Unit operator accounts: create (one per person), edit, reset password, deactivate."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from shared.db import db
from shared.models.unit import Unit
from shared.models.user import Role, User
from shared.permissions import require_roles
from shared.services import ServiceError, operators, units
from shared.tenant_admin.forms import NewOperatorForm, OperatorForm
from shared.web.loading import load_or_404
from shared.web.nav import add_nav
from shared.web.views import apply_service, form_status, no_store

bp = Blueprint("operators", __name__, url_prefix="/operators", template_folder="templates")
add_nav(bp, "operators.index", _l("Operator accounts"), (Role.LOCAL_ADMIN,), order=25)


def _load_operator(user_id: int) -> User:
    """An operator account of the caller's tenant; Admin Lokal accounts are not managed here."""
    user = load_or_404(User, user_id)
    if user.role != Role.OPERATOR:
        abort(404)
    return user


def _unit_choices(form: OperatorForm, current: Unit | None = None) -> None:
    """The active units; an account's own unit too when it was deactivated since (so the
    account's name or e-mail can still be corrected without moving it)."""
    form.unit_id.choices = [(0, "-")] + [
        (u.id, u.name) for u in units.list_units(include_inactive=False)
    ]
    if current is not None and not current.active:
        label = _("%(name)s (deactivated)", name=current.name)
        form.unit_id.choices.append((current.id, label))


def _chosen_unit(form: OperatorForm) -> Unit | None:
    if not form.unit_id.data:
        return None
    return db.session.get(Unit, form.unit_id.data)  # scoped: another tenant's id gives None


def _show_temporary_password(user: User, password: str, created: bool):
    """The temporary password, shown once and never cached."""
    return no_store(
        "tenant_admin/temporary_password.html", user=user, password=password, created=created
    )


@bp.get("/")
@require_roles(Role.LOCAL_ADMIN)
def index():
    """Every operator account of the tenant, by unit."""
    return render_template("tenant_admin/operators.html", operators=operators.list_operators())


@bp.route("/new", methods=["GET", "POST"])
@require_roles(Role.LOCAL_ADMIN)
def create():
    """Create an operator account; its temporary password is shown once."""
    form = NewOperatorForm()
    _unit_choices(form)
    if request.method == "GET":
        form.unit_id.data = request.args.get("unit_id", 0, type=int)
    if form.validate_on_submit():
        result: list[tuple[User, str]] = []

        def action() -> None:
            result.append(
                operators.create_operator(
                    current_user.tenant,
                    username=form.username.data or "",
                    full_name=form.full_name.data or "",
                    email=form.email.data or "",
                    unit=_chosen_unit(form),
                    actor=current_user,
                )
            )

        if apply_service(form, action):
            db.session.commit()
            return _show_temporary_password(*result[0], created=True)
    return render_template("tenant_admin/operator_form.html", form=form, user=None), form_status()


@bp.route("/<int:user_id>/edit", methods=["GET", "POST"])
@require_roles(Role.LOCAL_ADMIN)
def edit(user_id: int):
    """Change an operator's name, e-mail or unit."""
    user = _load_operator(user_id)
    form = OperatorForm(obj=user)
    _unit_choices(form, user.unit)
    if form.validate_on_submit():

        def action() -> None:
            operators.update_operator(
                user,
                full_name=form.full_name.data or "",
                email=form.email.data or "",
                unit=_chosen_unit(form),
                actor=current_user,
            )

        if apply_service(form, action):
            db.session.commit()
            flash(_("The account %(u)s was saved.", u=user.username), "success")
            return redirect(url_for("operators.index"))
    return render_template("tenant_admin/operator_form.html", form=form, user=user), form_status()


@bp.post("/<int:user_id>/reset-password")
@require_roles(Role.LOCAL_ADMIN)
def reset_password(user_id: int):
    """Give the operator a temporary password, shown once; the next login must change it."""
    user = _load_operator(user_id)
    try:
        password = operators.reset_password(user, actor=current_user)
    except ServiceError as err:
        flash(err.message, "error")
        return redirect(url_for("operators.index"))
    db.session.commit()
    return _show_temporary_password(user, password, created=False)


@bp.post("/<int:user_id>/deactivate")
@require_roles(Role.LOCAL_ADMIN)
def deactivate(user_id: int):
    """Deactivate an operator account (it can no longer log in)."""
    user = _load_operator(user_id)
    operators.set_active(user, False, actor=current_user)
    db.session.commit()
    flash(_("The account %(u)s was deactivated.", u=user.username), "success")
    return redirect(url_for("operators.index"))


@bp.post("/<int:user_id>/activate")
@require_roles(Role.LOCAL_ADMIN)
def activate(user_id: int):
    """Reactivate an operator account."""
    user = _load_operator(user_id)
    try:
        operators.set_active(user, True, actor=current_user)
    except ServiceError as err:
        flash(err.message, "error")
        return redirect(url_for("operators.index"))
    db.session.commit()
    flash(_("The account %(u)s is active again.", u=user.username), "success")
    return redirect(url_for("operators.index"))
