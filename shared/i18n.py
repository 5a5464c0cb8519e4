"""Cheap access to the request's language for hot paths (templates, page caches).

Flask-Babel finds the translations for every ``gettext`` call anew: it looks up its domain
and locale and formats the locale's name each time, which on a page of twenty results with
their labels costs more than the page's data.  Here both are kept per request (in ``g``),
checked against the locale object Flask-Babel holds, so ``force_locale`` still switches them.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from typing import Any, TypeVar

from babel import Locale
from babel.support import NullTranslations
from flask import Flask, g, has_app_context
from flask_babel import get_locale, get_translations
from jinja2 import pass_context
from jinja2.runtime import Context
from markupsafe import Markup

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


def _render_translations(context: Context) -> NullTranslations:
    """:func:`translations`, kept on the render's eval context for the request that made it.

    Jinja keeps a macro file imported with ``{% from ... import ... %}`` between requests,
    eval context included: what is kept there is checked against the request (``g``) it
    was found for, so a macro never speaks the language of an earlier reader."""
    eval_ctx = context.eval_ctx
    current = g._get_current_object() if has_app_context() else None
    held = getattr(eval_ctx, "_sinovik_translations", None)
    if held is None or held[0]() is not current:
        found = translations()
        eval_ctx._sinovik_translations = (_ref(current), found)  # type: ignore[attr-defined]
        return found
    return held[1]


def _ref(obj: object | None) -> Callable[[], object | None]:
    """A weak reference (a kept module must not keep a finished request's ``g`` alive)."""
    return (lambda: None) if obj is None else weakref.ref(obj)


def _finish(context: Context, text: str, variables: dict[str, Any]) -> Any:
    """As Jinja's newstyle gettext: escaped when autoescaping, always a format string."""
    return (Markup(text) if context.eval_ctx.autoescape else text) % variables


def install_template_gettext(app: Flask) -> None:
    """Jinja's ``_``/``gettext``/``ngettext``/``pgettext``/``npgettext``, newstyle as Flask-Babel
    installs them, each one call: Jinja's own wrappers call through the template context two
    or three times per message (``_`` resolves ``gettext`` first), which on a page of twenty
    results with their labels cost more than finding the translations."""

    @pass_context
    def gettext(context: Context, message: str, **variables: Any) -> Any:
        return _finish(context, _render_translations(context).ugettext(message), variables)

    @pass_context
    def ngettext(context: Context, singular: str, plural: str, num: int, **variables: Any) -> Any:
        variables.setdefault("num", num)
        text = _render_translations(context).ungettext(singular, plural, num)
        return _finish(context, text, variables)

    @pass_context
    def pgettext(context: Context, msgctxt: str, message: str, **variables: Any) -> Any:
        variables.setdefault("context", msgctxt)
        text = _render_translations(context).upgettext(msgctxt, message)
        return _finish(context, text, variables)

    @pass_context
    def npgettext(
        context: Context, msgctxt: str, singular: str, plural: str, num: int, **variables: Any
    ) -> Any:
        variables.setdefault("context", msgctxt)
        variables.setdefault("num", num)
        text = _render_translations(context).unpgettext(msgctxt, singular, plural, num)
        return _finish(context, text, variables)

    app.jinja_env.newstyle_gettext = True  # type: ignore[attr-defined]
    app.jinja_env.globals.update(
        _=gettext, gettext=gettext, ngettext=ngettext, pgettext=pgettext, npgettext=npgettext
    )
