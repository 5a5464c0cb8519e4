"""Settings pages with a version: the form carries the version it was loaded from.

Two people may open the same settings page; without a check the last save silently wins and
undoes the first one's change. The page sends back the version of the state it was built
from (``shared.services.versions``); the service compares it with the version now, under the
row's lock, and refuses a save from another state: nothing is written, and the page is shown
again with what the user typed, the values saved meanwhile and the current version, so a
second save is a knowing one.
"""

from __future__ import annotations

from flask import flash, request
from flask_babel import gettext as _
from wtforms import HiddenField

from shared.web.form_base import Form


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
    # refused as stale: the version differs, or the refusal already moved it on (show_stale)
    stale = posted and (form.version.data != current or getattr(form, "stale", False))
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
