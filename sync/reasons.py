"""Why central refused a pushed item, in words the node can show in its reader's language.

Central writes each reason as an English message id with named arguments. The answer carries
both the rendered English text (``reason``: for the CLI, logs and older nodes) and the id
with its arguments (``message``). The node keeps the message with the outbox item and
translates it when a page shows it, so each Admin Lokal reads it in the language they chose.
A message this node's catalog does not know (a newer central) is shown with its English text.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext


def N_(message: str) -> str:
    """Mark an English message id for extraction; it is translated where it is shown."""
    return message


@dataclass(frozen=True)
class Reason:
    """An English message id and its arguments (``field`` names a content field)."""

    template: str
    args: dict[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        return self.template % self.args

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.template, "args": self.args}


# What central names a content field by, as the proposal and unit forms label it.
FIELD_LABELS = {
    "title": N_("Title of the innovation"),
    "group_code": N_("Group"),
    "category_code": N_("Category"),
    "sdgs": N_("SDG goals"),
    "implementation_start": N_("Implementation start date"),
    "innovator": N_("Innovator or team"),
    "contact_name": N_("Contact person"),
    "contact_phone": N_("Contact phone"),
    "contact_email": N_("Contact e-mail"),
    "replicates_title": N_("Earlier innovation this one replicates"),
    "replicates_uuid": N_("Earlier innovation this one replicates"),
    "video_url": N_("Video link"),
    "unit": N_("Unit"),
    "unit uuid": N_("Unit"),
    "unit name": N_("Unit name"),
    "unit head_name": N_("Head of unit (kepala)"),
    "unit official_name": N_("Responsible official: name"),
    "unit official_position": N_("Responsible official: position"),
    "unit official_phone": N_("Responsible official: phone"),
    "unit official_email": N_("Responsible official: e-mail"),
    "unit it_name": N_("IT contact: name"),
    "unit it_phone": N_("IT contact: phone"),
    "unit it_email": N_("IT contact: e-mail"),
    "attachments": N_("Attachments"),
    "attachment kind": N_("Attachment kind"),
    "attachment filename": N_("File name"),
    "attachment media_type": N_("File type"),
    "attachment size": N_("File size"),
}


def translate(message: Any, english: str) -> str:
    """Central's ``message`` in the current locale; ``english`` when it cannot be read."""
    if not (isinstance(message, dict) and isinstance(message.get("id"), str)):
        return english
    args = message.get("args")
    args = dict(args) if isinstance(args, dict) else {}
    name = args.get("field")
    if isinstance(name, str) and name in FIELD_LABELS:
        args["field"] = gettext(FIELD_LABELS[name])
    try:
        return gettext(message["id"]) % args
    except (KeyError, TypeError, ValueError):
        return english
