"""Forms of the units and operator-account pages.

The services validate every value (one place, one message per problem); the forms only carry
the values and the CSRF token.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import flash
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, SelectField, StringField

from shared.db import db
from shared.services import ServiceError


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


def apply_service(form: FlaskForm, action: Callable[[], object]) -> bool:
    """Run a service call; its refusal becomes the field's error (or a flash). True on success."""
    try:
        action()
    except ServiceError as err:
        db.session.rollback()
        field = getattr(form, err.field, None) if err.field else None
        if field is not None:
            field.errors = [*field.errors, err.message]
        else:
            flash(err.message, "error")
        return False
    return True
