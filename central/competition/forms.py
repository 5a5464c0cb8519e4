"""Forms of the competition configuration: window, rules, and one editable table per list."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    FieldList,
    FormField,
    HiddenField,
    IntegerField,
    StringField,
    TextAreaField,
)
from wtforms.validators import NumberRange, Optional

from shared.web.form_base import SubForm
from shared.web.stale import VersionedForm

WIB_FORMAT = "%Y-%m-%dT%H:%M"


class WindowForm(VersionedForm):
    opens_at = DateTimeLocalField(_l("Registration opens (WIB)"), format=WIB_FORMAT)
    closes_at = DateTimeLocalField(_l("Registration closes (WIB)"), format=WIB_FORMAT)
    reason = TextAreaField(_l("Reason for the change"))


class RulesForm(VersionedForm):
    min_implementation_years = IntegerField(
        _l("Minimum implementation age (years, counted back from the close)"),
        validators=[NumberRange(min=0, max=10)],
    )
    max_attachment_mb = IntegerField(
        _l("Maximum size of one attachment (MB)"), validators=[NumberRange(min=1, max=50)]
    )
    sdg_required = BooleanField(_l("Every proposal names at least one SDG"))
    note = StringField(_l("Note on this change"))


# -- editable tables: one sub-form per row, plus empty rows to add ----------------------------


class GroupRow(SubForm):
    code = StringField(_l("Code"))
    name_id = StringField(_l("Name (Indonesian)"))
    name_en = StringField(_l("Name (English)"))
    quota = IntegerField(_l("Quota per agency"), validators=[Optional()])
    by_invitation = BooleanField(_l("By invitation"))
    requires_source = BooleanField(_l("Names the replicated innovation"))
    delete = BooleanField(_l("Remove"))


class CategoryRow(SubForm):
    code = StringField(_l("Code"))
    name_id = StringField(_l("Name (Indonesian)"))
    name_en = StringField(_l("Name (English)"))
    delete = BooleanField(_l("Remove"))


class SdgRow(SubForm):
    number = IntegerField(_l("Number"), validators=[Optional()])
    name_id = StringField(_l("Name (Indonesian)"))
    name_en = StringField(_l("Name (English)"))
    delete = BooleanField(_l("Remove"))


class SectionRow(SubForm):
    key = StringField(_l("Key"))
    title_id = StringField(_l("Title (Indonesian)"))
    title_en = StringField(_l("Title (English)"))
    word_limit = IntegerField(_l("Word limit"), validators=[Optional()])
    required = BooleanField(_l("Required"))
    groups = StringField(_l("Only for groups (codes, comma-separated)"))
    delete = BooleanField(_l("Remove"))


class StageRow(SubForm):
    code = HiddenField()
    starts_at = DateTimeLocalField(_l("Starts (WIB)"), format=WIB_FORMAT, validators=[Optional()])
    ends_at = DateTimeLocalField(_l("Ends (WIB)"), format=WIB_FORMAT, validators=[Optional()])
    publish_at = DateTimeLocalField(
        _l("Results published (WIB)"), format=WIB_FORMAT, validators=[Optional()]
    )


def table_form(row_form: type[SubForm], count: int) -> type[VersionedForm]:
    """A form class editing ``count`` rows of ``row_form`` (the view adds empty ones to add)."""

    class TableForm(VersionedForm):
        rows = FieldList(FormField(row_form), min_entries=count)
        note = StringField(_l("Note on this change"))

    return TableForm
