"""WTForms used by the shared views (CSRF comes with the base Form)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, Email, Length

from shared.web.form_base import Form


class LoginForm(Form):
    username = StringField(_l("Username"), validators=[DataRequired(), Length(max=64)])
    password = PasswordField(_l("Password"), validators=[DataRequired()])


class ProfileForm(Form):
    full_name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=120)])
    email = EmailField(
        _l("E-mail"),
        validators=[
            DataRequired(),
            Email(message=_l("Enter a valid e-mail address.")),
            Length(max=120),
        ],
    )
    phone = StringField(_l("Phone"), validators=[DataRequired(), Length(max=40)])
    position = StringField(_l("Position (jabatan)"), validators=[Length(max=120)])


class PasswordForm(Form):
    current_password = PasswordField(_l("Current password"), validators=[DataRequired()])
    password = PasswordField(_l("New password"), validators=[DataRequired()])
    confirm_password = PasswordField(_l("New password again"), validators=[DataRequired()])


class OnboardingForm(ProfileForm, PasswordForm):
    """First login: complete the profile and replace the issued password, in one step."""
