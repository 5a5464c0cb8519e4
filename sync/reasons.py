"""Why central refused a pushed item, in words the node can show in its reader's language.

Central writes each reason as an English message id with named arguments. The answer carries
both the rendered English text (``reason``: for the CLI, logs and older nodes) and the id
with its arguments (``message``). The node keeps the message with the outbox item and
translates it when a page shows it, so each Admin Lokal reads it in the language they chose.
A message this node's catalog does not know (a newer central) is shown with its English text.
An argument whose name ends in ``_bytes`` travels as a number of bytes and is shown as a size
("2.0 MB"), in the English text and in the translated one alike.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext

from shared.text import format_size


def N_(message: str) -> str:
    """Mark an English message id for extraction; it is translated where it is shown."""
    return message


# central's reason for an item of a tenant it does not serve for the node (sync.ingest); a
# node that connects again with credentials for that tenant sends such items again
NOT_SERVED = N_("tenant %(tenant)s is not served by this node")

# central's reason for a revision of a proposal it has begun to evaluate (sync.ingest); it
# names no screening result, which stays under embargo until the ministry publishes it. The
# node stops offering revisions of such a proposal (sync.outbox.evaluation_begun).
UNDER_EVALUATION = N_(
    "the ministry has begun evaluating this proposal; a later revision is not accepted"
)
UNDER_EVALUATION_IDS = (  # with the wording centrals before 2026-12 sent
    UNDER_EVALUATION,
    "the ministry has already screened this proposal or taken it into judging; "
    "a later revision is not accepted",
)


# central's reason for an attachment upload larger than it accepts (sync.api.blob_chunk)
BLOB_TOO_LARGE = N_("attachment larger than central accepts (%(max_bytes)s)")

# the node's reasons for a revision it could not send, as one of its files did not reach
# central (sync.push): the revision waits, and goes again with the next sync
FILE_TOO_LARGE = N_("file %(name)s is larger than central accepts (limit %(max_bytes)s)")
FILE_NOT_UPLOADED = N_("attachment %(sha)s… could not be uploaded")
NOT_SENT_IDS = (FILE_TOO_LARGE, FILE_NOT_UPLOADED)


def _shown(args: dict[str, Any]) -> dict[str, Any]:
    """The arguments as a text shows them: byte counts (``*_bytes``) as sizes."""
    return {
        name: format_size(value)
        if name.endswith("_bytes") and type(value) is int and value >= 0
        else value
        for name, value in args.items()
    }


@dataclass(frozen=True)
class Reason:
    """An English message id and its arguments (``field`` names a content field, a name
    ending in ``_bytes`` a number of bytes)."""

    template: str
    args: dict[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        return self.template % _shown(self.args)

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.template, "args": self.args}


# The attachment list's fields (the proposal's and the unit's are named as their forms
# label them: shared.proposals.forms.LABELS, shared.tenant_admin.forms.UNIT_LABELS)
_ATTACHMENT_LABELS = {
    "attachments": N_("Attachments"),
    "attachment kind": N_("Attachment kind"),
    "attachment filename": N_("File name"),
    "attachment media_type": N_("File type"),
    "attachment size": N_("File size"),
}


def field_label(name: str) -> str:
    """A content field as central names it ("title", "unit head_name", "attachment size"),
    in the reader's language as its form labels it; the name itself when unknown."""
    from shared.proposals.forms import LABELS
    from shared.tenant_admin.forms import UNIT_LABELS

    if name in _ATTACHMENT_LABELS:
        return gettext(_ATTACHMENT_LABELS[name])
    if name in ("unit", "unit uuid"):
        return str(LABELS["unit_id"])
    if name == "replicates_uuid":
        return str(LABELS["replicates_title"])
    label = UNIT_LABELS.get(name[5:]) if name.startswith("unit ") else LABELS.get(name)
    return str(label) if label is not None else name


def translate(message: Any, english: str) -> str:
    """Central's ``message`` in the current locale; ``english`` when it cannot be read."""
    if not (isinstance(message, dict) and isinstance(message.get("id"), str)):
        return english
    args = message.get("args")
    args = _shown(args) if isinstance(args, dict) else {}
    name = args.get("field")
    if isinstance(name, str):
        args["field"] = field_label(name)
    try:
        return gettext(message["id"]) % args
    except (KeyError, TypeError, ValueError):
        return english
