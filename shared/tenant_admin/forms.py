"""Forms of the units and operator-account pages.

The services validate every value (one place, one message per problem); the forms only carry
the values and the CSRF token.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import EmailField, HiddenField, SelectField, StringField
from wtforms.validators import InputRequired, NumberRange

from shared.web.form_base import Form

UNIT_LABELS = {  # also how sync reasons name a unit's fields (sync.reasons)
    "name": _l("Unit name"),
    "head_name": _l("Head of unit (kepala)"),
    "official_name": _l("Responsible official: name"),
    "official_position": _l("Responsible official: position"),
    "official_phone": _l("Responsible official: phone"),
    "official_email": _l("Responsible official: e-mail"),
    "it_name": _l("IT contact: name"),
    "it_phone": _l("IT contact: phone"),
    "it_email": _l("IT contact: e-mail"),
}


class UnitForm(Form):
    name = StringField(UNIT_LABELS["name"])
    head_name = StringField(UNIT_LABELS["head_name"])
    official_name = StringField(UNIT_LABELS["official_name"])
    official_position = StringField(UNIT_LABELS["official_position"])
    official_phone = StringField(UNIT_LABELS["official_phone"])
    official_email = EmailField(UNIT_LABELS["official_email"])
    it_name = StringField(UNIT_LABELS["it_name"])
    it_phone = StringField(UNIT_LABELS["it_phone"])
    it_email = EmailField(UNIT_LABELS["it_email"])
    # the version the edit form was loaded from (shared.services.versions)
    version = HiddenField()


class OperatorForm(Form):
    """An operator account's details (every field left empty is named at once; the service
    checks the rest)."""

    full_name = StringField(
        _l("Full name"), validators=[InputRequired(_l("Give the person's full name."))]
    )
    email = EmailField(
        _l("E-mail"), validators=[InputRequired(_l("Enter a valid e-mail address."))]
    )
    unit_id = SelectField(
        _l("Unit"),
        coerce=int,
        validate_choice=False,
        validators=[NumberRange(min=1, message=_l("Choose the operator's unit."))],
    )


class NewOperatorForm(OperatorForm):
    username = StringField(
        _l("Username"),
        validators=[
            InputRequired(
                _l("A username has 3-64 characters: letters, digits, dot, dash, underscore.")
            )
        ],
    )
