"""The catalogue as its owners keep it: a tenant confirms the status of its published entries."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import EmailField, RadioField, SelectChoice, StringField, TextAreaField
from wtforms.validators import Length, Optional

from central.catalogue import services
from central.catalogue.models import ReplicationStatus
from shared.db import db
from shared.models.user import Role
from shared.permissions import require_roles
from shared.services import ServiceError
from shared.web.form_base import Form
from shared.web.nav import add_nav

bp = Blueprint("catalogue", __name__, template_folder="templates")
add_nav(bp, "catalogue.mine", _l("Our catalogue entries"), (Role.LOCAL_ADMIN,), order=61)


class EntryForm(Form):
    status = RadioField(
        _l("Status"),
        choices=[
            SelectChoice(ReplicationStatus.CONTINUING.value, _l("Continuing")),
            SelectChoice(ReplicationStatus.STOPPED.value, _l("Stopped")),
        ],
    )
    status_note = StringField(_l("Note on the status"), validators=[Length(max=500)])
    replication_summary = TextAreaField(
        _l("How to replicate it"),
        description=_l("Steps, costs, people and regulations another agency needs."),
    )
    contact_name = StringField(_l("Contact person"), validators=[Length(max=120)])
    contact_phone = StringField(_l("Contact phone"), validators=[Length(max=40)])
    contact_email = EmailField(_l("Contact e-mail"), validators=[Optional(), Length(max=120)])


@bp.route("/catalogue/mine")
@require_roles(Role.LOCAL_ADMIN)
def mine():
    """The tenant's published entries with their status and when it was last confirmed."""
    return render_template("catalogue/mine.html", items=services.own_entries())


@bp.route("/catalogue/mine/<int:entry_id>", methods=["GET", "POST"])
@require_roles(Role.LOCAL_ADMIN)
def edit(entry_id: int):
    """Confirm or change an entry's status, replication summary and contact."""
    item = services.own_entry(entry_id)
    if item is None:
        abort(404)
    form = EntryForm(
        obj=item.entry,
        status=item.entry.status.value,
        replication_summary=item.text.replication_summary,
    )
    if form.validate_on_submit():
        try:
            services.update_entry(item.entry, actor=current_user, **form.data)
        except ServiceError as err:
            db.session.rollback()
            getattr(form, err.field or "status").errors.append(err.message)
        else:
            db.session.commit()
            flash(_("The catalogue entry is saved."), "success")
            return redirect(url_for("catalogue.mine"))
    return render_template("catalogue/edit.html", item=item, form=form)
