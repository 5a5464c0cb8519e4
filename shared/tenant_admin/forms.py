"""Forms of the units and operator-account pages.

The services validate every value (one place, one message per problem); the forms only carry
the values and the CSRF token.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, SelectField, StringField


class UnitForm(FlaskForm):
    name = StringField(_l("Unit name"))
    head_name = StringField(_l("Head of unit (kepala)"))
    official_name = StringField(_l("Responsible official: name"))
    official_position = StringField(_l("Responsible official: position"))
    official_phone = StringField(_l("Responsible official: phone"))
    official_email = EmailField(_l("Responsible official: e-mail"))
    it_name = StringField(_l("IT contact: name"))
    it_phone = StringField(_l("IT contact: phone"))
    it_email = EmailField(_l("IT contact: e-mail"))


class OperatorForm(FlaskForm):
    username = StringField(_l("Username"))
    full_name = StringField(_l("Full name"))
    email = EmailField(_l("E-mail"))
    unit_id = SelectField(_l("Unit"), coerce=int, validate_choice=False)
