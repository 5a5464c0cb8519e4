"""The review workflow: send, return with a comment, verify, submit, revise, comment.

Each view is the same pipeline: load (404/403), call one service, commit or roll back, and
go back to the proposal page, which lists every rule still broken. Verify, Submit and Return
carry the version the page showed (shared.services.versions); one posted from an older page
writes nothing and gets the page again as it is now (409, as a stale form).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import flash, redirect, request, url_for
from flask_babel import gettext as _

from shared.db import db
from shared.models.proposal import Proposal
from shared.models.user import Role
from shared.permissions import require_roles
from shared.proposals.blueprint import TENANT_ROLES, actor, bp, load_proposal, refuse
from shared.proposals.forms import ReturnForm, StepForm, SubmitForm, VerifyForm
from shared.proposals.views import proposal_page
from shared.services import ServiceError
from shared.services import proposals as svc
from shared.services.versions import StaleVersion
from shared.web.stale import shown_version
from shared.web.views import show_stale


def _step(
    proposal_id: int,
    action: Callable[[Proposal], Any],
    done: str,
    form: StepForm | None = None,
):
    """Take one step on the proposal in the URL, then back to its page saying how it went."""
    proposal = load_proposal(proposal_id)
    try:
        action(proposal)
    except ServiceError as err:
        if isinstance(err, StaleVersion) and form is not None:
            # posted from an older page: nothing written; the page again, as it is now
            db.session.rollback()
            show_stale(form, err)
            return proposal_page(proposal, refused=form)
        if isinstance(err, svc.AlreadyDone):  # a double click: done by the first post
            db.session.rollback()
            flash(err.message, "info")
        else:
            refuse(err)
    else:
        db.session.commit()
        flash(done, "success")
    return redirect(url_for(".show", proposal_id=proposal_id))


@bp.post("/<int:proposal_id>/send")
@require_roles(*TENANT_ROLES)
def send(proposal_id: int):
    """The unit sends the proposal to its Admin Lokal."""
    return _step(
        proposal_id,
        lambda p: svc.send_proposal(p, actor=actor()),
        _("The proposal was sent to the Admin Lokal."),
    )


@bp.post("/<int:proposal_id>/return")
@require_roles(Role.LOCAL_ADMIN)
def return_(proposal_id: int):
    """The Admin Lokal returns the proposal to its unit with a comment (as the page showed it)."""
    form = ReturnForm()
    return _step(
        proposal_id,
        lambda p: svc.return_proposal(
            p, form.comment.data or "", actor=actor(), seen=shown_version(form)
        ),
        _("The proposal was returned to the unit."),
        form,
    )


@bp.post("/<int:proposal_id>/verify")
@require_roles(Role.LOCAL_ADMIN)
def verify(proposal_id: int):
    """The Admin Lokal marks the proposal as checked, as the page showed it."""
    form = VerifyForm()
    return _step(
        proposal_id,
        lambda p: svc.verify_proposal(p, actor=actor(), seen=shown_version(form)),
        _("The proposal is verified and can be submitted."),
        form,
    )


@bp.post("/<int:proposal_id>/submit")
@require_roles(Role.LOCAL_ADMIN)
def submit(proposal_id: int):
    """The Admin Lokal submits (mengajukan) the proposal to the ministry, as the page showed it."""
    form = SubmitForm()
    return _step(
        proposal_id,
        lambda p: svc.submit_proposal(p, actor=actor(), seen=shown_version(form)),
        _("The proposal was submitted to the ministry."),
        form,
    )


@bp.post("/<int:proposal_id>/revise")
@require_roles(*TENANT_ROLES)
def revise(proposal_id: int):
    """Start a new revision of a submitted proposal (to be submitted again)."""
    return _step(
        proposal_id,
        lambda p: svc.start_revision(p, actor=actor()),
        _("A new revision was started; it must be submitted again."),
    )


@bp.post("/<int:proposal_id>/comments")
@require_roles(*TENANT_ROLES)
def comment(proposal_id: int):
    """Add a comment to the proposal's conversation."""
    body, once = request.form.get("comment", ""), request.form.get("once")
    return _step(
        proposal_id,
        lambda p: svc.add_comment(p, body, actor=actor(), once=once),
        _("The comment was added."),
    )


@bp.post("/<int:proposal_id>/delete")
@require_roles(*TENANT_ROLES)
def delete(proposal_id: int):
    """Delete a proposal that was never submitted (after a ticked confirmation)."""
    proposal = load_proposal(proposal_id)
    try:
        svc.delete_draft(proposal, actor=actor(), confirmed=request.form.get("confirm") == "yes")
    except ServiceError as err:
        refuse(err)
        return redirect(url_for(".show", proposal_id=proposal_id))
    db.session.commit()
    flash(_("The draft was deleted."), "success")
    return redirect(url_for(".index"))
