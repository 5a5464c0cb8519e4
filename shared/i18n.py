"""Cheap access to the request's language for hot paths (templates, page caches).

Flask-Babel finds the translations for every ``gettext`` call anew: it looks up its domain
and locale and formats the locale's name each time, which on a page of twenty results with
their labels costs more than the page's data.  Here both are kept per request (in ``g``),
checked against the locale object Flask-Babel holds, so ``force_locale`` still switches them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from babel import Locale
from babel.support import NullTranslations
from flask import Flask, g, has_app_context
from flask_babel import get_locale, get_translations

T = TypeVar("T")


def _per_locale(name: str, make: Callable[[Locale], T]) -> T:
    """``make(locale)`` kept in ``g.<name>`` while the request's locale object is the same."""
    locale = get_locale()
    held = g.get(name)
    if held is None or held[0] is not locale:
        held = (locale, make(locale))
        setattr(g, name, held)
    return held[1]


def locale_code(default: str = "id") -> str:
    """The request's language code (``"id"``, ``"en"``); ``default`` outside a request."""
    if get_locale() is None:
        return default
    return _per_locale("_sinovik_locale_code", str)


def translations() -> NullTranslations:
    """The request's translations (one lookup per request and language)."""
    if not has_app_context():
        return get_translations()
    return _per_locale("_sinovik_translations", lambda _locale: get_translations())


def install_template_gettext(app: Flask) -> None:
    """Jinja's ``_``/``gettext``/``ngettext`` through :func:`translations` (after Babel's)."""

    def gettext(message: str) -> Any:
        return translations().ugettext(message)

    def ngettext(singular: str, plural: str, n: int) -> Any:
        return translations().ungettext(singular, plural, n)

    def pgettext(context: str, message: str) -> Any:
        return translations().upgettext(context, message)

    def npgettext(context: str, singular: str, plural: str, n: int) -> Any:
        return translations().unpgettext(context, singular, plural, n)

    app.jinja_env.install_gettext_callables(
        gettext=gettext, ngettext=ngettext, pgettext=pgettext, npgettext=npgettext, newstyle=True
    )
