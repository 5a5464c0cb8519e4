"""Evidence files: list and upload (XHR with progress, or a plain form), download, delete."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _

from shared.db import db
from shared.models.proposal import Attachment
from shared.permissions import can_view_proposal, require_roles
from shared.proposals.blueprint import TENANT_ROLES, actor, bp, load_proposal, wants_json
from shared.services import ServiceError
from shared.services import attachments as files
from shared.services import proposals as svc
from shared.web.loading import load_or_404


def _upload(proposal):
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise ServiceError(_("Choose a file."), field="file")
    return files.add_attachment(
        proposal,
        kind=request.form.get("kind", ""),
        filename=upload.filename,
        stream=upload.stream,
        actor=actor(),
    )


@bp.route("/<int:proposal_id>/attachments", methods=["GET", "POST"])
@require_roles(*TENANT_ROLES)
def attachments(proposal_id: int):
    """The proposal's evidence: what is attached, what is missing, and the upload form."""
    proposal = load_proposal(proposal_id)
    if request.method == "POST":
        try:
            attachment = _upload(proposal)
        except ServiceError as err:
            db.session.rollback()
            if wants_json():
                return {"error": err.message}, 400
            flash(err.message, "error")
        else:
            db.session.commit()
            if wants_json():
                return {"id": attachment.id, "filename": attachment.filename}, 201
            flash(_("The file %(f)s was attached.", f=attachment.filename), "success")
        return redirect(url_for(".attachments", proposal_id=proposal_id))
    issues = svc.violations_by_field(svc.check_proposal(proposal, include_window=False))
    return render_template(
        "proposals/attachments.html",
        proposal=proposal,
        rows=files.evidence(proposal),
        issues=issues,
        max_bytes=files.max_attachment_bytes(proposal),
        can_edit=svc.can_edit_now(actor(), proposal),
    )


def _load_attachment(attachment_id: int) -> Attachment:
    attachment = load_or_404(Attachment, attachment_id)
    if not can_view_proposal(actor(), attachment.proposal):
        abort(403)
    return attachment


@bp.get("/attachments/<int:attachment_id>")
@require_roles(*TENANT_ROLES)
def download(attachment_id: int):
    """The attached file itself (its type was checked on upload)."""
    attachment = _load_attachment(attachment_id)
    try:
        path = files.attachment_path(attachment)
    except ServiceError:
        abort(404)
    return send_file(
        path, mimetype=attachment.media_type, download_name=attachment.filename, max_age=3600
    )


@bp.post("/attachments/<int:attachment_id>/delete")
@require_roles(*TENANT_ROLES)
def delete_attachment(attachment_id: int):
    """Remove an attachment from a proposal that may still be edited."""
    attachment = _load_attachment(attachment_id)
    proposal_id, name = attachment.proposal_id, attachment.filename
    try:
        files.delete_attachment(attachment, actor=actor())
    except ServiceError as err:
        db.session.rollback()
        flash(err.message, "error")
    else:
        db.session.commit()
        flash(_("The file %(f)s was removed.", f=name), "success")
    return redirect(url_for(".attachments", proposal_id=proposal_id))
