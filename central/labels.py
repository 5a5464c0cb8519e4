"""How statuses read on central's pages (one place, translated)."""

from __future__ import annotations

from flask import Flask
from flask_babel import get_locale
from flask_babel import gettext as _

from shared.models.proposal import ScreeningResult
from shared.services.proposals import STATUS_ORDER, status_label


def screening_label(result: ScreeningResult | str) -> str:
    labels = {
        ScreeningResult.PENDING: _("Not yet screened"),
        ScreeningResult.PASSED: _("Passed"),
        ScreeningResult.FAILED: _("Failed"),
    }
    return labels.get(ScreeningResult(result), str(result))


def init_labels(app: Flask) -> None:
    # Every page gets the label lists; they only differ by language, so they are made once per
    # language and process rather than on every render.
    by_locale: dict[str, dict[str, object]] = {}

    @app.context_processor
    def _labels() -> dict[str, object]:
        locale = str(get_locale())
        labels = by_locale.get(locale)
        if labels is None:
            labels = by_locale[locale] = {
                "status_label": status_label,
                "screening_label": screening_label,
                "status_labels": [(s, status_label(s)) for s in STATUS_ORDER],
                "screening_labels": [(r, screening_label(r)) for r in ScreeningResult],
            }
        return labels
