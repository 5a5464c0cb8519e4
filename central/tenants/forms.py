"""Forms of the tenant pages (the service validates the values)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, SelectField, StringField

from shared.web.form_base import Form


class TenantForm(Form):
    code = StringField(_l("Code"))
    name = StringField(_l("Name"))
    kind = SelectField(_l("Type"), validate_choice=False)
    province = SelectField(_l("Province"), validate_choice=False)
    is_3t = BooleanField(_l("3T region (disadvantaged, frontier, outermost)"))


class TenantEditForm(Form):
    name = StringField(_l("Name"))
    is_3t = BooleanField(_l("3T region (disadvantaged, frontier, outermost)"))
