"""Evidence files of a proposal: checked by content (PDF, JPEG, PNG) and size, stored once.

The bytes go to the content-addressed blob store (:mod:`shared.blobstore`); the
:class:`~shared.models.proposal.Attachment` row names them by SHA-256. Deleting an attachment
removes the row only: a frozen revision may still refer to the same bytes.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from pathlib import PurePath

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from shared.blobstore import BlobTooLarge, Readable, blob_store
from shared.db import db
from shared.models.proposal import Attachment, Proposal
from shared.models.user import User
from shared.services import ServiceError, audit
from shared.services.proposals import config_of, require_editable

# Magic bytes of the accepted formats; the name and the browser's claimed type are ignored.
SIGNATURES: tuple[tuple[bytes, str, str], ...] = (
    (b"%PDF-", "application/pdf", ".pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png", ".png"),
    (b"\xff\xd8\xff", "image/jpeg", ".jpg"),
)
ATTACHMENT_FIELDS = ("kind", "filename", "size", "media_type", "sha256")


def sniff_media_type(head: bytes) -> str | None:
    """The media type the first bytes prove, or None for anything else."""
    for magic, media_type, _ext in SIGNATURES:
        if head.startswith(magic):
            return media_type
    return None


def max_attachment_bytes(proposal: Proposal) -> int:
    """The smaller of the server's UPLOAD_MAX_MB and the competition's max_attachment_mb."""
    server = float(current_app.config["UPLOAD_MAX_MB"])
    mb = min(server, float(config_of(proposal).max_attachment_mb))
    return int(mb * 1024 * 1024)


def attachment_kinds(proposal: Proposal) -> list[str]:
    """The kinds of document the proposal's group may attach, in the form's order."""
    return [r.kind for r in config_of(proposal).attachment_rules_for(proposal.group_code)]


@dataclass(frozen=True)
class EvidenceRow:
    """One kind of document the form asks for, and the files attached as it."""

    kind: str
    required: bool
    files: list[Attachment]


def evidence(proposal: Proposal) -> list[EvidenceRow]:
    """The documents the proposal's group asks for, each with its attached files."""
    rules = config_of(proposal).attachment_rules_for(proposal.group_code)
    return [
        EvidenceRow(r.kind, r.required, [a for a in proposal.attachments if a.kind == r.kind])
        for r in rules
    ]


def clean_filename(name: str) -> str:
    """A displayable base name: no folders, no control characters, at most 200 characters."""
    base = PurePath(name.replace("\\", "/")).name
    base = "".join(ch for ch in unicodedata.normalize("NFC", base) if ch.isprintable())
    base = re.sub(r"\s+", " ", base).strip() or "berkas"
    return base[-200:]


def add_attachment(
    proposal: Proposal, *, kind: str, filename: str, stream: Readable, actor: User
) -> Attachment:
    """Check and store one uploaded file as evidence of ``kind``."""
    require_editable(actor, proposal)
    if kind not in attachment_kinds(proposal):
        raise ServiceError(_("Choose the kind of document."), field="kind")
    head = stream.read(16)
    if not head:
        raise ServiceError(_("The file is empty."), field="file")
    media_type = sniff_media_type(head)
    if media_type is None:
        raise ServiceError(
            _("Only PDF, JPEG and PNG files are accepted: this file is none of them."),
            field="file",
        )
    limit = max_attachment_bytes(proposal)
    try:
        blob = blob_store().put_stream(_Prefixed(head, stream), max_bytes=limit)
    except BlobTooLarge:
        raise ServiceError(
            _("The file is larger than %(mb)s MB.", mb=_format_mb(limit)), field="file"
        ) from None
    existing = db.session.execute(
        sa.select(Attachment.id).where(
            Attachment.proposal_id == proposal.id,
            Attachment.sha256 == blob.sha256,
            Attachment.kind == kind,
        )
    ).first()
    if existing is not None:
        raise ServiceError(_("This file is already attached as this document."), field="file")
    attachment = Attachment(
        tenant_id=proposal.tenant_id,
        proposal=proposal,
        sha256=blob.sha256,
        kind=kind,
        filename=clean_filename(filename),
        size=blob.size,
        media_type=media_type,
        uploaded_by_id=actor.id,
    )
    db.session.add(attachment)
    db.session.flush()
    audit.record(
        "proposal.attachment_add",
        proposal,
        actor=actor,
        after=audit.snapshot(attachment, ATTACHMENT_FIELDS),
    )
    return attachment


def delete_attachment(attachment: Attachment, *, actor: User) -> None:
    """Remove an attachment from a proposal that may still be edited."""
    proposal = attachment.proposal
    require_editable(actor, proposal)
    before = audit.snapshot(attachment, ATTACHMENT_FIELDS)
    proposal.attachments.remove(attachment)
    db.session.flush()
    audit.record("proposal.attachment_delete", proposal, actor=actor, before=before)


def attachment_path(attachment: Attachment):
    """Where the attachment's bytes are on disk (refuses a missing blob with a clear error)."""
    store = blob_store()
    if not store.exists(attachment.sha256):
        raise ServiceError(_("The file is missing from the store."))
    return store.path(attachment.sha256)


class _Prefixed:
    """A stream that first returns bytes already read (the sniffed head), then the rest."""

    def __init__(self, head: bytes, rest: Readable) -> None:
        self.head, self.rest = head, rest

    def read(self, size: int = -1) -> bytes:
        if self.head:
            out, self.head = self.head, b""
            return out
        return self.rest.read(size)


def _format_mb(limit: int) -> str:
    mb = limit / (1024 * 1024)
    return f"{mb:g}"
