"""The public objection form (sanggah): no account, CSRF-protected, rate-limited."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from central.judging import objections
from central.judging.views import form_text
from central.judging.views import public_bp as bp
from shared.db import db
from shared.services import ServiceError
from shared.tenancy import tenant_scope


@bp.route("/")
def index():
    """The finalists open to objection while the period runs."""
    js = objections.current_stage()
    is_open = js is not None and objections.window_open(js)
    finalists = objections.public_finalists(js) if is_open else []
    return render_template("sanggah/index.html", js=js, is_open=is_open, finalists=finalists)


@bp.route("/<proposal_uuid>", methods=["GET", "POST"])
def form(proposal_uuid: str):
    """Object to one finalist: contact e-mail and the reason."""
    js = objections.current_stage()
    if js is None or not objections.window_open(js):
        abort(404)
    found = objections.public_finalist(js, proposal_uuid)
    if found is None:
        abort(404)
    proposal, tenant = found
    error_field = None
    if request.method == "POST":
        try:
            # A visitor has no tenant: the empty scope lets only tenant-less rows be written.
            with tenant_scope(()):
                objection = objections.file(
                    js,
                    proposal,
                    name=form_text("name"),
                    email=form_text("email"),
                    reason=form_text("reason"),
                    remote_addr=request.remote_addr or "-",
                )
                db.session.commit()
        except ServiceError as err:
            db.session.rollback()
            flash(err.message, "error")
            error_field = err.field
        else:
            flash(
                _(
                    "Your objection was received under reference %(ref)s. The secretariat will "
                    "decide on it and may contact you by e-mail.",
                    ref=objection.reference,
                ),
                "success",
            )
            return redirect(url_for("sanggah.index"))
    status = 400 if request.method == "POST" else 200
    return (
        render_template(
            "sanggah/form.html", js=js, proposal=proposal, tenant=tenant, error_field=error_field
        ),
        status,
    )
