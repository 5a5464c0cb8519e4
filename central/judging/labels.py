"""Judging's codes as people read them, for the pages and the stage's workbook alike."""

from __future__ import annotations

from enum import Enum

from flask_babel import lazy_gettext as _l

from central.judging.rubrics import aspect_label

_LABELS = {
    # a stage's kind
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


def _label(table: dict, value: str | Enum) -> str:
    code = value.value if isinstance(value, Enum) else value
    return str(table.get(code, code))


def stage_kind_label(kind: str | Enum) -> str:
    return _label(_LABELS, kind)


def entry_status_label(status: str | Enum) -> str:
    return _label(_ENTRY, status)


def sheet_state_label(state: str | Enum) -> str:
    return _label(_SHEET, state)


def assignment_label(value: str | Enum) -> str:
    """An assignment's status or source."""
    return _label(_ASSIGNMENT, value)


def objection_status_label(status: str | Enum) -> str:
    return _label(_OBJECTION, status)


def outcome_label(outcome: str | Enum) -> str:
    return _label(_OUTCOME, outcome)


TEMPLATE_LABELS = {
    "aspect_label": aspect_label,
    "stage_kind_label": stage_kind_label,
    "entry_status_label": entry_status_label,
    "sheet_state_label": sheet_state_label,
    "outcome_label": outcome_label,
}
