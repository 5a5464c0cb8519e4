"""The proposal form, built from the competition's form configuration (sections vary by year).

Only what cannot be stored is checked here (lengths, a malformed date). Everything else is a
competition rule, checked by :mod:`shared.services.proposals` after the text has been stored.
"""

from __future__ import annotations

import uuid as uuid_mod
from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    widgets,
)
from wtforms.validators import Length

from shared.competition_config import CompetitionConfig
from shared.services.proposals import MAX_SECTION_CHARS, ProposalInput
from shared.web.form_base import Form
from shared.web.stale import VersionedForm

SECTION_PREFIX = "section_"
LABELS = {
    "title": _l("Title of the innovation"),
    "group_code": _l("Group"),
    "category_code": _l("Category"),
    "sdgs": _l("SDG goals"),
    "implementation_start": _l("Implementation start date"),
    "innovator": _l("Innovator or team"),
    "contact_name": _l("Contact person"),
    "contact_phone": _l("Contact phone"),
    "contact_email": _l("Contact e-mail"),
    "replicates_title": _l("Earlier innovation this one replicates"),
    "video_url": _l("Video link"),
    "truth_declared": _l(
        "I declare that the information in this proposal and its attachments is true."
    ),
    "unit_id": _l("Unit"),
}


def _max(n: int) -> Length:
    return Length(max=n, message=_l("At most %(max)d characters.", max=n))


class LocalDateField(DateField):
    """A date field that may stay empty and whose parse error is in the interface language."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        if not any(str(v).strip() for v in valuelist):
            self.data = None
            return
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(str(_l("Enter a valid date."))) from None


class CheckboxesField(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class ProposalForm(Form):
    title = StringField(LABELS["title"], validators=[_max(300)])
    group_code = SelectField(LABELS["group_code"], validate_choice=False)
    category_code = SelectField(LABELS["category_code"], validate_choice=False)
    sdgs = CheckboxesField(LABELS["sdgs"], coerce=str, validate_choice=False)
    implementation_start = LocalDateField(LABELS["implementation_start"])
    innovator = StringField(LABELS["innovator"], validators=[_max(300)])
    contact_name = StringField(LABELS["contact_name"], validators=[_max(120)])
    contact_phone = StringField(LABELS["contact_phone"], validators=[_max(40)])
    contact_email = StringField(LABELS["contact_email"], validators=[_max(120)])
    replicates_title = StringField(LABELS["replicates_title"], validators=[_max(300)])
    video_url = StringField(LABELS["video_url"], validators=[_max(500)])
    truth_declared = BooleanField(LABELS["truth_declared"])
    # the edit form: the version it was loaded from (a form saved after someone else's save
    # is refused: shared.services.versions)
    version = HiddenField()
    # the new form: a one-time token, the uuid of the draft it creates (a second post of the
    # same form finds that draft instead of making another one)
    uuid = HiddenField(default=lambda: str(uuid_mod.uuid4()))

    config: CompetitionConfig

    def section_fields(self) -> list[tuple[Any, Any]]:
        """(section config, field) in the form's order."""
        return [(s, self[SECTION_PREFIX + s.key]) for s in self.config.sections]

    def to_input(self) -> ProposalInput:
        sdgs = tuple(int(v) for v in (self.sdgs.data or []) if str(v).isdigit())
        return ProposalInput(
            group_code=self.group_code.data or "",
            title=self.title.data or "",
            category_code=self.category_code.data or "",
            sdgs=sdgs,
            implementation_start=self.implementation_start.data,
            innovator=self.innovator.data or "",
            contact_name=self.contact_name.data or "",
            contact_phone=self.contact_phone.data or "",
            contact_email=self.contact_email.data or "",
            video_url=self.video_url.data or "",
            truth_declared=bool(self.truth_declared.data),
            replicates_title=self.replicates_title.data or "",
            sections={s.key: self[SECTION_PREFIX + s.key].data or "" for s in self.config.sections},
        )


class NewProposalForm(ProposalForm):
    unit_id = SelectField(LABELS["unit_id"], coerce=int, validate_choice=False)


# The proposal page's Verify, Submit and Return forms carry the version the page showed
# (shared.services.proposals.step_version): a step taken from an older page is refused.


class VerifyForm(VersionedForm):
    """The proposal page's Verify button."""


class SubmitForm(VersionedForm):
    """The proposal page's Submit button."""


class ReturnForm(VersionedForm):
    """The proposal page's Return form: the note to the unit (checked by the service)."""

    comment = TextAreaField()


StepForm = VerifyForm | SubmitForm | ReturnForm


def build_form(
    config: CompetitionConfig,
    locale: str,
    *,
    values: ProposalInput | None = None,
    units: list[Any] | None = None,
    **kwargs: Any,
) -> ProposalForm:
    """A proposal form for ``config``; ``units`` (Admin Lokal creating) adds the unit chooser."""
    base = NewProposalForm if units is not None else ProposalForm
    attrs = {
        SECTION_PREFIX + s.key: TextAreaField(
            s.title.get(locale), validators=[_max(MAX_SECTION_CHARS)]
        )
        for s in config.sections
    }
    cls = type("ConfiguredProposalForm", (base,), attrs)
    data = None
    if values is not None:
        data = {
            **{
                k: getattr(values, k) for k in ProposalInput.__dataclass_fields__ if k != "sections"
            },
            "sdgs": [str(n) for n in values.sdgs],
            **{SECTION_PREFIX + k: v for k, v in values.sections.items()},
        }
    form = cls(data=data, **kwargs)
    form.config = config
    form.group_code.choices = [(g.code, g.name.get(locale)) for g in config.groups]
    form.category_code.choices = [("", str(_l("Choose a category")))] + [
        (c.code, c.name.get(locale)) for c in config.categories
    ]
    form.sdgs.choices = [(str(s.number), f"{s.number}. {s.name.get(locale)}") for s in config.sdgs]
    if units is not None:
        form.unit_id.choices = [(0, str(_l("The agency itself (no unit)")))] + [
            (u.id, u.name) for u in units
        ]
    return form


def describe_changes(changed: dict[str, Any], config: CompetitionConfig, locale: str) -> list[str]:
    """The labels of the fields and sections a save changed (for the history page)."""
    out = [str(LABELS.get(name, name)) for name in changed if name != "sections"]
    titles = {s.key: s.title.get(locale) for s in config.sections}
    return out + [titles.get(key, key) for key in changed.get("sections", [])]


def shown_values(saved: dict[str, Any], config: CompetitionConfig, locale: str) -> dict[str, str]:
    """Stored values as the page shows them, by field name (the saved version of a stale
    form's fields that differ; ``section:<key>`` is the section's field)."""
    out: dict[str, str] = {}
    for name, value in saved.items():
        if name == "group_code":
            found = config.group(value)
            text = found.name.get(locale) if found else value
        elif name == "category_code":
            found = config.category(value)
            text = found.name.get(locale) if found else value
        elif name == "sdgs":
            text = ", ".join(str(n) for n in value or [])
        elif name == "truth_declared":
            text = str(_l("Ticked") if value else _l("Not ticked"))
        elif name == "implementation_start":
            text = value.strftime("%d-%m-%Y") if value else ""
        else:
            text = value or ""
        out[name.replace("section:", SECTION_PREFIX, 1)] = text
    return out
