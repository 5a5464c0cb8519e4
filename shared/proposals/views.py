"""Writing proposals: list, create, edit (whole form or one section), read, history."""

from __future__ import annotations

import uuid

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from shared.db import db
from shared.models.proposal import Proposal, ProposalStatus
from shared.models.unit import Unit
from shared.models.user import Role
from shared.pagecache import page_key, render_with_cached_block
from shared.permissions import require_roles
from shared.proposals.blueprint import (
    TENANT_ROLES,
    actor,
    bp,
    flash_saved,
    load_proposal,
    locale,
    wants_json,
)
from shared.proposals.forms import (
    ProposalForm,
    ReturnForm,
    StepForm,
    SubmitForm,
    VerifyForm,
    build_form,
    describe_changes,
    shown_values,
)
from shared.results import proposal_results
from shared.services import ServiceError
from shared.services import proposals as svc
from shared.services.competitions import current_competition
from shared.services.proposal_rules import count_words
from shared.services.versions import StaleVersion
from shared.timeutil import format_wib
from shared.web.loading import load_or_404
from shared.web.views import form_status, show_stale


def _anchor() -> str | None:
    key = request.form.get("save_section", "")
    return f"section-{key}" if key else None


def _form_error(form: ProposalForm, err: ServiceError) -> None:
    db.session.rollback()
    name = (err.field or "").replace("section:", "section_")
    if name and name in form:
        form[name].errors = [*form[name].errors, err.message]
    else:
        flash(err.message, "error")


def _filter() -> svc.ProposalFilter:
    return svc.ProposalFilter.from_args(request.args)


@bp.get("/")
@require_roles(*TENANT_ROLES)
def index():
    """The agency's proposals (an operator's: their unit's), filtered and searchable."""
    flt, user, window = _filter(), actor(), svc.current_window()
    page_no = request.args.get("page", 1, type=int)

    def rows() -> dict:
        return {
            "page": svc.list_proposals(user, flt, page=page_no),
            "competition": current_competition(),
            "units": svc.active_units() if user.role == Role.LOCAL_ADMIN else [],
            "statuses": list(ProposalStatus),
        }

    # the rows and filters are rendered once per change of the data (see shared/pagecache.py)
    key = page_key(window.shown() if window else None)
    return render_with_cached_block("proposals/index.html", key, rows, flt=flt, window=window)


def _unit_for_new(form) -> Unit | None:
    user = actor()
    if user.role == Role.OPERATOR:
        return user.unit
    unit_id = form.unit_id.data or 0
    return load_or_404(Unit, unit_id) if unit_id else None


@bp.route("/new", methods=["GET", "POST"])
@require_roles(*TENANT_ROLES)
def new():
    """Start a proposal (unlimited drafts; the quota counts submitted proposals)."""
    competition = current_competition()
    if competition is None:
        flash(_("No competition is open for proposals."), "error")
        return redirect(url_for(".index"))
    config, user = competition.config, actor()
    if user.role == Role.OPERATOR and not (user.unit and user.unit.active):
        flash(
            _("Your unit is deactivated: ask your Admin Lokal before writing a proposal."), "error"
        )
        return redirect(url_for(".index"))
    start = svc.ProposalInput(group_code=config.groups[0].code)
    units = svc.active_units() if user.role == Role.LOCAL_ADMIN else None
    form = build_form(
        config, locale(), values=None if request.method == "POST" else start, units=units
    )
    if form.validate_on_submit():
        earlier = svc.created_by_form(form.uuid.data, actor=user)
        if earlier is not None:
            return _posted_again(earlier)
        if (created := _create(form)) is not None:
            return created
    window = svc.window(competition)
    status = 400 if request.method == "POST" else 200
    return render_template(
        "proposals/form.html", form=form, proposal=None, issues={}, window=window
    ), status


@bp.route("/<int:proposal_id>/edit", methods=["GET", "POST"])
@require_roles(*TENANT_ROLES)
def edit(proposal_id: int):
    """Edit the whole form; what was typed is stored even when rules fail."""
    proposal, user = load_proposal(proposal_id), actor()
    if request.method == "GET" and not svc.can_edit_now(user, proposal):
        flash(_("This proposal cannot be changed in its present state."), "info")
        return redirect(url_for(".show", proposal_id=proposal.id))
    values = svc.ProposalInput.from_proposal(proposal) if request.method == "GET" else None
    form = build_form(svc.config_of(proposal), locale(), values=values)
    if request.method == "GET":
        form.version.data = svc.edit_version(proposal)
    elif form.validate_on_submit():
        return _save(proposal, form, seen=form.version.data or "")
    return _edit_page(proposal, form, 200 if request.method == "GET" else 400)


def _create(form: ProposalForm):
    """Make the draft the new-proposal form describes, then go to its edit page; None when
    refused (the form shows why)."""
    user = actor()
    try:
        proposal, found = svc.create_proposal(
            tenant=user.tenant,
            unit=_unit_for_new(form),
            actor=user,
            values=form.to_input(),
            uuid=form.uuid.data,
        )
    except ServiceError as err:
        _form_error(form, err)
        return None
    db.session.commit()
    flash_saved(found)
    return redirect(url_for(".edit", proposal_id=proposal.id, created=1, _anchor=_anchor()))


def _posted_again(proposal: Proposal):
    """The new-proposal form posted again (Back then save, a double click): no second draft,
    and nothing written over the one it made; that one is shown (refused like a stale form
    when what was typed differs from it)."""
    already = _("This form was already saved: here is the draft it made.")
    if not svc.can_edit_now(actor(), proposal):
        flash(already, "info")
        return redirect(url_for(".show", proposal_id=proposal.id))
    form = build_form(svc.config_of(proposal), locale())
    try:
        svc.check_posted_again(proposal, form.to_input())
    except StaleVersion as err:
        return _stale_page(proposal, form, err)
    except ServiceError as err:
        _form_error(form, err)
        return _edit_page(proposal, form, 400)
    flash(already, "info")
    return redirect(url_for(".edit", proposal_id=proposal.id))


def _save(proposal: Proposal, form: ProposalForm, seen: str):
    """Store the posted form on the proposal, then back to its page; or the form again with
    what went wrong. A form loaded before someone else's save (``seen``: the version it was
    loaded from) writes nothing and comes back with the saved version under each field that
    differs."""
    try:
        found = svc.save_proposal(proposal, form.to_input(), actor=actor(), seen=seen)
    except StaleVersion as err:
        db.session.rollback()
        return _stale_page(proposal, form, err)
    except ServiceError as err:
        _form_error(form, err)
        return _edit_page(proposal, form, 400)
    db.session.commit()
    flash_saved(found)
    return redirect(url_for(".edit", proposal_id=proposal.id, _anchor=_anchor()))


def _stale_page(proposal: Proposal, form: ProposalForm, err: StaleVersion):
    """The refused form again: what was typed, the saved version under each field that
    differs, and the version now (saving again, after checking, is meant)."""
    show_stale(form, err, shown_values(err.saved, svc.config_of(proposal), locale()))
    return _edit_page(proposal, form, 409)


def _edit_page(proposal: Proposal, form: ProposalForm, status: int):
    """The edit form with the stored proposal's open issues (none while the form has errors
    or is stale: they would describe other values than the ones in the form)."""
    shown_issues = not (form.errors or getattr(form, "stale", False))
    issues = svc.violations_by_field(svc.check_proposal(proposal)) if shown_issues else {}
    return render_template(
        "proposals/form.html",
        form=form,
        proposal=proposal,
        issues=issues,
        window=svc.window(proposal.competition),
    ), status


@bp.post("/<int:proposal_id>/sections/<section_key>")
@require_roles(*TENANT_ROLES)
def save_section(proposal_id: int, section_key: str):
    """Save one section (the page's per-section button; JSON for the script)."""
    proposal = load_proposal(proposal_id)
    text = request.form.get("text", "")
    seen = request.form.get("version", "")
    try:
        found = svc.save_section(proposal, section_key, text, actor=actor(), seen=seen)
    except ServiceError as err:
        db.session.rollback()
        if wants_json():
            return {"error": err.message, "stale": isinstance(err, StaleVersion)}, 409
        flash(err.message, "error")
        return redirect(url_for(".show", proposal_id=proposal_id))
    db.session.commit()
    if wants_json():
        return {
            "saved": format_wib(proposal.updated_at),
            "words": count_words(text),
            "issues": [v.message for v in found],
            "version": svc.edit_version(proposal),
        }
    flash_saved(found)
    return redirect(url_for(".edit", proposal_id=proposal_id, _anchor=f"section-{section_key}"))


@bp.get("/<int:proposal_id>")
@require_roles(*TENANT_ROLES)
def show(proposal_id: int):
    """The proposal as written, its state, open issues, comments and the ministry's results."""
    return proposal_page(load_proposal(proposal_id))


def proposal_page(proposal: Proposal, refused: StepForm | None = None):
    """The proposal page. Its Verify, Submit and Return forms carry the version it shows
    (``svc.step_version``); ``refused``: one of them refused as stale (``show_stale``), shown
    again as posted (the note typed stays) with the version now, and answered with 409."""
    step = svc.step_version(proposal)
    # formdata=None: on a refused POST, the other forms must not take the posted version
    forms = {
        name: refused if isinstance(refused, cls) else cls(formdata=None, version=step)
        for name, cls in (
            ("verify_form", VerifyForm),
            ("submit_form", SubmitForm),
            ("return_form", ReturnForm),
        )
    }
    submitted = proposal.status == ProposalStatus.SUBMITTED
    return render_template(
        "proposals/show.html",
        proposal=proposal,
        config=svc.config_of(proposal),
        issues=[] if submitted else svc.check_proposal(proposal),
        **forms,
        once=str(uuid.uuid4()),  # the comment form's one-time token
        window=svc.window(proposal.competition),
        can_edit=svc.can_edit_now(actor(), proposal),
        revisable=svc.revisable(proposal),
        deletable=svc.may_delete(actor(), proposal),
        results=proposal_results(proposal, actor()),
    ), form_status(refused) if refused is not None else 200


@bp.get("/<int:proposal_id>/history")
@require_roles(*TENANT_ROLES)
def history(proposal_id: int):
    """Every change and comment, oldest first, in WIB."""
    proposal = load_proposal(proposal_id)
    config = svc.config_of(proposal)
    return render_template(
        "proposals/history.html",
        proposal=proposal,
        entries=svc.history(proposal),
        changed_labels=lambda changed: describe_changes(changed, config, locale()),
    )
