"""Results as both node kinds show them: award and screening labels, stage names.

Judging decides, sync carries the decision to the nodes, and both apps label it the same way.
Award codes are data set by judging on ``Proposal.award``; unknown codes show as they are.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from shared.models.proposal import ScreeningResult

# The stage whose results make a proposal a finalist, and the one that decides the awards.
FINALIST_STAGE = "top99"
FINAL_STAGE = "final"
SCREENING_STAGE = "screening"

TOP = "top"
OUTSTANDING_ACHIEVEMENT = "outstanding_achievement"
TOP_REPLIKASI = "top_replikasi"

AWARD_LABELS = {
    TOP: _l("Top Public Service Innovation"),
    OUTSTANDING_ACHIEVEMENT: _l("Outstanding Achievement"),
    TOP_REPLIKASI: _l("Top Replication Innovation"),
}
# Order in which the award lists are published: the Top list first, then the special awards.
AWARD_ORDER = (TOP, OUTSTANDING_ACHIEVEMENT, TOP_REPLIKASI)

SCREENING_LABELS = {
    ScreeningResult.PENDING: _l("Not yet screened"),
    ScreeningResult.PASSED: _l("Passed screening"),
    ScreeningResult.FAILED: _l("Did not pass screening"),
}


def award_label(code: str | None) -> str:
    """The label of an award code ("" for none)."""
    if not code:
        return ""
    label = AWARD_LABELS.get(code)
    return str(label) if label is not None else code


def screening_label(result: ScreeningResult | str) -> str:
    return str(SCREENING_LABELS.get(ScreeningResult(result), result))


def init_app(app) -> None:
    """Make the labels available to templates (both node kinds)."""
    app.jinja_env.globals.update(award_label=award_label, screening_label=screening_label)
