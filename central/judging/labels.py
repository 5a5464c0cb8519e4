"""Judging's codes as people read them, for the pages and the stage's workbook alike."""

from __future__ import annotations

from enum import Enum
from functools import partial
from typing import Any

from flask_babel import lazy_gettext as _l

from central.judging.rubrics import aspect_label

_KINDS = {  # a stage's kind
    "external": _l("Screening (outside judging)"),
    "scored": _l("Scored"),
    "gate": _l("Published list"),
    "objection": _l("Objection period"),
    "verification": _l("Field verification"),
    "final": _l("Final selection"),
}
_ENTRY = {
    "active": _l("in the stage"),
    "advanced": _l("advanced"),
    "not_selected": _l("not selected"),
    "removed": _l("removed"),
}
_SHEET = {  # a judge's score sheet, with the states the queue adds
    "new": _l("not started"),
    "draft": _l("draft"),
    "rescore": _l("re-score requested"),
    "submitted": _l("scores sent"),
    "abstained": _l("abstained"),
}
_ASSIGNMENT = {
    "active": _l("active"),
    "withdrawn": _l("withdrawn"),
    "conflict": _l("conflict of interest"),
    "removed": _l("removed"),
    "auto": _l("automatic"),
    "manual": _l("manual"),
    "reassign": _l("reassigned"),
}
_OUTCOME = {  # a field visit's outcome
    "confirmed": _l("confirmed as described"),
    "concerns": _l("confirmed with concerns"),
    "not_confirmed": _l("not confirmed"),
}
_OBJECTION = {
    "pending": _l("pending"),
    "upheld": _l("upheld"),
    "dismissed": _l("dismissed"),
}


def _label(table: dict[str, Any], value: str | Enum) -> str:
    """A code (or an enum member) as people read it; an unknown code as it is."""
    code = value.value if isinstance(value, Enum) else value
    return str(table.get(code, code))


stage_kind_label = partial(_label, _KINDS)
entry_status_label = partial(_label, _ENTRY)
sheet_state_label = partial(_label, _SHEET)
assignment_label = partial(_label, _ASSIGNMENT)  # an assignment's status or its source
objection_status_label = partial(_label, _OBJECTION)
outcome_label = partial(_label, _OUTCOME)


TEMPLATE_LABELS = {
    "aspect_label": aspect_label,
    "stage_kind_label": stage_kind_label,
    "entry_status_label": entry_status_label,
    "sheet_state_label": sheet_state_label,
    "assignment_label": assignment_label,
    "outcome_label": outcome_label,
}
