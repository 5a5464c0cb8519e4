"""Central: does a pushed revision's content fit the rows it becomes?

A node writes its revisions with the same models, so what it sends fits. A node with a bug,
an older or hand-edited bundle, or a forged item may not: a title longer than its column, a
date that is no date, a unit that is no object. PostgreSQL would refuse such a row, and with
it the whole batch, over and over on every retry. So each item is checked here first, and
an item that does not fit is refused alone with a reason the node's admin can act on (a
:class:`sync.reasons.Reason`, which the node shows in its reader's language).

The limits are read from the models' columns (which a test keeps equal to the migrations),
so widening a column widens the check with it.
"""

from __future__ import annotations

import re
from datetime import date
from functools import cache
from typing import Any

from shared.db_types import text_limits
from shared.models.proposal import Attachment, Proposal
from shared.models.unit import Unit
from shared.services.content import CONTENT_FIELDS
from shared.services.units import UNIT_FIELDS
from sync.reasons import N_, Reason

# A uuid exactly as ``str(uuid.uuid4())`` writes it: the only spelling central stores, so one
# proposal never has two (braces, a URN, no hyphens and capitals are refused, not stored).
UUID_RE = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")

_REQUIRED = ("title", "group_code")  # the proposal row cannot be written without them


@cache
def _limits() -> dict[str, tuple[tuple[str, int], ...]]:
    return {
        "proposal": tuple(text_limits(Proposal.__table__, CONTENT_FIELDS).items()),
        "unit": tuple(text_limits(Unit.__table__, UNIT_FIELDS).items()),
        "attachment": tuple(
            text_limits(Attachment.__table__, ("kind", "filename", "media_type")).items()
        ),
    }


def _texts(
    values: dict[str, Any],
    limits: tuple[tuple[str, int], ...],
    where: str,
    *,
    required: bool = False,
) -> Reason | None:
    get = values.get
    for name, limit in limits:
        value = get(name)
        if value.__class__ is not str or len(value) > limit or "\x00" in value:
            if value is None and not required:
                continue
            return _text_problem(where + name, value, limit)
    return None


def _field(template: str, name: str, **args: Any) -> Reason:
    return Reason(template, {"field": name, **args})


def _text_problem(name: str, value: Any, limit: int) -> Reason:
    if value is None:
        return _field(N_("%(field)s is missing"), name)
    if not isinstance(value, str):
        return _field(N_("%(field)s must be text"), name)
    if len(value) > limit:
        return _field(N_("%(field)s is longer than %(limit)d characters"), name, limit=limit)
    # PostgreSQL's text cannot hold it
    return _field(N_("%(field)s contains a NUL character"), name)


_NOT_A_UUID = N_("%(field)s is not a UUID as nodes write it")


def problem(content: dict[str, Any]) -> Reason | None:
    """Why ``content`` cannot be stored as it is, or None when it can."""
    limits = _limits()
    for name in _REQUIRED:
        if not isinstance(content.get(name), str):
            return _field(N_("%(field)s is missing"), name)
    if found := _texts(content, limits["proposal"], ""):
        return found
    replicates = content.get("replicates_uuid")
    if replicates and not UUID_RE.fullmatch(replicates):
        return _field(_NOT_A_UUID, "replicates_uuid")
    start = content.get("implementation_start")
    if start:
        try:
            date.fromisoformat(start)
        except (TypeError, ValueError):
            return _field(N_("%(field)s is not a date (YYYY-MM-DD)"), "implementation_start")
    sdgs = content.get("sdgs")
    if sdgs is not None and not (
        isinstance(sdgs, list) and all(type(goal) is int for goal in sdgs)
    ):
        return _field(N_("%(field)s must be a list of goal numbers"), "sdgs")
    return _unit_problem(content.get("unit"), limits) or _attachments_problem(
        content.get("attachments"), limits
    )


def _unit_problem(unit: Any, limits: dict[str, Any]) -> Reason | None:
    if unit is None:
        return None
    if not isinstance(unit, dict):
        return _field(N_("%(field)s must be an object"), "unit")
    uuid = unit.get("uuid")
    if uuid is not None and not (isinstance(uuid, str) and UUID_RE.fullmatch(uuid)):
        return _field(_NOT_A_UUID, "unit uuid")
    return _texts(unit, limits["unit"], "unit ")


def _attachments_problem(attachments: Any, limits: dict[str, Any]) -> Reason | None:
    if attachments is None:
        return None
    if not isinstance(attachments, list):
        return _field(N_("%(field)s must be a list"), "attachments")
    seen = set()
    for attachment in attachments:
        if not isinstance(attachment, dict):
            return Reason(N_("an attachment must be an object"))
        if found := _texts(attachment, limits["attachment"], "attachment ", required=True):
            return found  # (its sha256 is checked with the blob it names)
        size = attachment.get("size")
        if type(size) is not int or size < 0:
            return _field(N_("%(field)s must be a number of bytes"), "attachment size")
        key = (str(attachment.get("sha256")), attachment["kind"])
        if key in seen:
            return Reason(N_("the same file is attached twice as the same kind"))
        seen.add(key)
    return None
