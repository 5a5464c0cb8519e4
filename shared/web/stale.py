"""Optimistic concurrency for edit pages: a form carries the version it was loaded from.

Two people may open the same settings page; without a check the last save silently wins and
undoes the first one's change. A page therefore sends back a *version token*: a short digest of
the stored values it was built from (or of a revision number or ``updated_at``: whatever
identifies the state that the page shows). The service recomputes the token from what is
stored now, under the row's lock, and refuses a save whose page was loaded from another
state (:class:`StaleError`): nothing is written, and the page is shown again with what the
user typed, the values saved meanwhile and the current token, so a second save is a knowing
one.

Services import :func:`version_token` and :func:`refuse_if_stale` (plain functions, no
request needed); views use :class:`VersionedForm` and :func:`carry_current`.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, date, datetime
from typing import Any

from flask import flash, request
from flask_babel import gettext as _
from wtforms import HiddenField

from shared.services import ServiceError
from shared.web.form_base import Form

FIELD = "version"


class StaleError(ServiceError):
    """The page was loaded from an earlier state than the stored one; nothing was saved."""


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        # the same instant gives the same token, whether the driver returns it aware or naive
        if value.tzinfo is not None:
            value = value.astimezone(UTC).replace(tzinfo=None)
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        items = [_plain(v) for v in value]
        return sorted(items, key=repr) if isinstance(value, set | frozenset) else items
    if hasattr(value, "value") and not isinstance(value, str | int | float | bool):
        return _plain(value.value)  # an enum
    return value


def version_token(*parts: Any) -> str:
    """A short opaque token for the stored state a page shows (values, revisions, times)."""
    raw = json.dumps([_plain(p) for p in parts], sort_keys=True, default=str)
    return hashlib.sha256(raw.encode()).hexdigest()[:20]


def refuse_if_stale(shown: str | None, current: str, message: str) -> None:
    """Raise :class:`StaleError` with ``message`` unless the page showed the current state.

    ``shown`` is None when no page is involved (a command, a sync job): nothing to compare.
    A page that sent no token at all (an old page, a hand-made request) is refused.
    """
    if shown is not None and shown != current:
        raise StaleError(message)


class VersionedForm(Form):
    """A form with the hidden version token of the state it was loaded from."""

    version = HiddenField()


def shown_version(form: VersionedForm) -> str:
    """The token the page sent back ("" when it sent none: treated as outdated)."""
    return form.version.data or ""


def carry_current(form: VersionedForm, current: str) -> bool:
    """Set the current token on a page shown again after a POST that was not saved.

    Returns True (and says so) when the page had been loaded from an earlier state: the
    template then shows the saved values beside the typed ones. On a GET the form simply
    carries the current token.
    """
    posted = request.method == "POST"
    stale = posted and form.version.data != current
    form.version.data = current
    if stale:
        flash(
            _(
                "The saved values are shown on this page next to what you typed. Check your "
                "entries against them and save again to replace them."
            ),
            "warning",
        )
    return stale
