"""UNPSA: nominate winners, write their English dossier, check eligibility, export it."""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import (
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    widgets,
)
from wtforms.validators import Length

from central.unpsa import services
from central.unpsa.dossier import build_dossier
from central.unpsa.models import UnpsaNomination
from shared.blobstore import blob_store
from shared.db import db
from shared.models.proposal import Proposal
from shared.models.user import Role
from shared.permissions import require_roles
from shared.services import ServiceError
from shared.web.loading import load_or_404
from shared.web.nav import add_nav
from shared.web.stale import VersionedForm, carry_current, shown_version
from shared.web.views import form_status

bp = Blueprint("unpsa", __name__, template_folder="templates")
SECRETARIAT = (Role.MINISTRY_ADMIN, Role.SECRETARIAT)
add_nav(bp, "unpsa.index", _l("UNPSA"), SECRETARIAT, order=62)


class CheckboxesField(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class NominationForm(VersionedForm):
    title_en = StringField(_l("Title (English)"), validators=[Length(max=300)])
    summary_en = TextAreaField(_l("Summary (English)"))
    problem_en = TextAreaField(_l("Problem addressed (English)"))
    solution_en = TextAreaField(_l("Solution (English)"))
    impact_en = TextAreaField(_l("Impact (English)"))
    category_code = SelectField(_l("UNPSA category"))
    sdgs = CheckboxesField(_l("SDGs"), coerce=int)


@bp.route("/unpsa")
@require_roles(*SECRETARIAT)
def index():
    """The current cycle: nominees with their checklist, and the winners that could be."""
    cycle = services.current_cycle()
    nominations = services.nominations(cycle)
    return render_template(
        "unpsa/index.html",
        cycle=cycle,
        nominations=[(n, services.checklist(n, cycle)) for n in nominations],
        candidates=services.candidates(cycle),
        withdrawn=services.withdrawn_in(cycle),
        is_eligible=services.is_eligible,
    )


@bp.post("/unpsa/nominate/<int:proposal_id>")
@require_roles(*SECRETARIAT)
def nominate(proposal_id: int):
    """Nominate a published winner to the current cycle (refused if not eligible)."""
    proposal = load_or_404(Proposal, proposal_id)
    try:
        nomination = services.nominate(proposal, services.current_cycle(), actor=current_user)
    except ServiceError as err:
        db.session.rollback()
        flash(err.message, "error")
        return redirect(url_for("unpsa.index"))
    db.session.commit()
    if nomination.title_en or nomination.summary_en:
        flash(_("Nominated again, with the English texts written before."), "success")
    else:
        flash(_("Nominated. Now write the English texts."), "success")
    return redirect(url_for("unpsa.edit", nomination_id=nomination.id))


@bp.route("/unpsa/<int:nomination_id>", methods=["GET", "POST"])
@require_roles(*SECRETARIAT)
def edit(nomination_id: int):
    """The English texts, SDGs and category of a nominee, with the eligibility checklist."""
    nomination = load_or_404(UnpsaNomination, nomination_id)
    cycle = services.current_cycle()
    form = NominationForm(obj=nomination)
    form.category_code.choices = [
        SelectChoice("", "—"),
        *(SelectChoice(code, name) for code, name in cycle.categories),
    ]
    config = nomination.proposal.competition.config
    form.sdgs.choices = [SelectChoice(s.number, f"{s.number}. {s.name.en}") for s in config.sdgs]
    if form.validate_on_submit():
        values = {k: v for k, v in form.data.items() if k not in ("csrf_token", "version")}
        try:
            if nomination.withdrawn and request.form.get("action") == "renominate":
                services.nominate(nomination.proposal, cycle, actor=current_user)
            services.update(
                nomination,
                cycle,
                actor=current_user,
                shown_version=shown_version(form),
                **values,
            )
        except ServiceError as err:
            db.session.rollback()
            flash(err.message, "error")
        else:
            db.session.commit()
            flash(_("The nomination is saved."), "success")
            return redirect(url_for("unpsa.edit", nomination_id=nomination.id))
    stale = carry_current(form, services.nomination_version(nomination))
    return render_template(
        "unpsa/edit.html",
        nomination=nomination,
        form=form,
        cycle=cycle,
        checks=services.checklist(nomination, cycle),
        stale=stale,
        past=services.past_cycle_note(nomination, cycle),
    ), form_status()


@bp.route("/unpsa/<int:nomination_id>/dossier.zip")
@require_roles(*SECRETARIAT)
def dossier(nomination_id: int):
    """The nominee's dossier: the English PDF and the evidence files, as a zip."""
    nomination = load_or_404(UnpsaNomination, nomination_id)
    try:
        name, data = build_dossier(nomination, services.current_cycle(), store=blob_store())
        services.mark_exported(nomination, actor=current_user)
    except ServiceError as err:
        db.session.rollback()
        flash(err.message, "error")
        return redirect(url_for("unpsa.edit", nomination_id=nomination.id))
    db.session.commit()
    return Response(
        data,
        mimetype="application/zip",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@bp.post("/unpsa/<int:nomination_id>/withdraw")
@require_roles(*SECRETARIAT)
def withdraw(nomination_id: int):
    """Withdraw a nomination (its English texts are kept for a re-nomination)."""
    nomination = load_or_404(UnpsaNomination, nomination_id)
    try:
        services.withdraw(nomination, actor=current_user)
    except ServiceError as err:
        db.session.rollback()
        flash(err.message, "error")
        return redirect(url_for("unpsa.index"))
    db.session.commit()
    flash(
        _("The nomination is withdrawn; its English texts are kept if it is nominated again."),
        "success",
    )
    return redirect(url_for("unpsa.index"))
