"""The base of every form: WTForms' own messages in the user's language.

WTForms ships no Indonesian catalog, so a field left empty said "This field is required."
on an Indonesian page. Its texts are listed below for extraction into the project's catalog,
and every form (a :class:`Form`) takes them from there.
"""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import ngettext
from flask_wtf import FlaskForm
from wtforms import Form as PlainForm

from shared.i18n import translations


class _CatalogTranslations:
    """WTForms' translations interface over the request's catalog."""

    def gettext(self, string: str) -> str:
        return translations().ugettext(string)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return translations().ungettext(singular, plural, n)


_TRANSLATIONS = _CatalogTranslations()


class _Meta:
    def get_translations(self, form: PlainForm) -> _CatalogTranslations:
        return _TRANSLATIONS


class Form(FlaskForm):
    """A page's form (with its CSRF token)."""

    class Meta(_Meta):
        pass


class SubForm(PlainForm):
    """A form nested in another one (a table's row): no token of its own."""

    class Meta(_Meta):
        pass


def _wtforms_texts() -> None:  # pragma: no cover - never called: the catalog's list of them
    _("This field is required.")
    _("Invalid input.")
    _("Invalid email address.")
    _("Invalid URL.")
    _("Not a valid choice.")
    _("Invalid Choice: could not coerce.")
    _("Invalid choice(s): one or more data inputs could not be coerced.")
    _("Not a valid datetime value.")
    _("Not a valid date value.")
    _("Not a valid time value.")
    _("Not a valid integer value.")
    _("Not a valid decimal value.")
    _("Not a valid float value.")
    _("Number must be at least %(min)s.")
    _("Number must be at most %(max)s.")
    _("Number must be between %(min)s and %(max)s.")
    _("Field must be between %(min)d and %(max)d characters long.")
    ngettext(
        "Field must be at least %(min)d character long.",
        "Field must be at least %(min)d characters long.",
        1,
    )
    ngettext(
        "Field cannot be longer than %(max)d character.",
        "Field cannot be longer than %(max)d characters.",
        1,
    )
    ngettext(
        "'%(value)s' is not a valid choice for this field.",
        "'%(value)s' are not valid choices for this field.",
        1,
    )
