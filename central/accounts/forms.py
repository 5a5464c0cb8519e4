"""Forms of the account-request pages (the service validates the values)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import DateField, EmailField, SelectField, StringField, TextAreaField
from wtforms.validators import Optional

from shared.web.form_base import Form


class RequestForm(Form):
    tenant = StringField(_l("Agency"))
    agency_name = StringField(_l("Agency name (only if it is not in the list)"))
    agency_kind = SelectField(
        _l("Type of agency (only if it is not in the list)"), validate_choice=False
    )
    full_name = StringField(_l("Full name of the proposed Admin Lokal"))
    position = StringField(_l("Position (jabatan)"))
    email = EmailField(_l("Official e-mail"))
    phone = StringField(_l("Phone"))
    letter_number = StringField(_l("Letter number (nomor surat)"))
    letter_date = DateField(_l("Letter date"), validators=[Optional()])
    letter = FileField(_l("Signed request letter (PDF)"))


class ApproveForm(Form):
    username = StringField(_l("Username of the new account"))
    tenant = StringField(_l("Tenant"))


class RejectForm(Form):
    reason = TextAreaField(_l("Reason for the rejection"))
