"""Results as both node kinds show them: award and screening labels, stage names.

Judging decides, sync carries the decision to the nodes, and both apps label it the same way.
Award codes are data set by judging on ``Proposal.award``; unknown codes show as they are.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from flask_babel import lazy_gettext as _l

from shared.db import utcnow
from shared.models.competition import Stage
from shared.models.proposal import Proposal, ScreeningResult
from shared.models.user import User

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


def published_stages(stages: Iterable[Stage], now: datetime | None = None) -> set[str]:
    """Codes of the stages whose results are public at ``now`` (a stage without a time never is)."""
    now = now or utcnow()
    return {s.code for s in stages if s.publish_at is not None and s.publish_at <= now}


@dataclass(frozen=True)
class ProposalResults:
    """The ministry's decisions on one proposal, as far as the viewer may see them."""

    screening: ScreeningResult
    screening_reason: str
    stage: Stage | None
    award: str | None


def proposal_results(
    proposal: Proposal, viewer: User, now: datetime | None = None
) -> ProposalResults:
    """What the viewer may see of the screening, the stage reached and the award of a proposal.

    A regional node holds only what central has published to it (sync applies each decision
    from its stage's publish time), so it shows what it holds. Central holds every decision as
    soon as it is taken: the ministry sees it at once, the agency (a tenant without a node)
    only from the stage's publish time, as on the public site.
    """
    stages = sorted(proposal.competition.stages, key=lambda s: s.position)
    reached = next((s for s in stages if s.code == proposal.stage_code), None)
    if current_app.config["NODE_KIND"] != "central" or viewer.role.is_ministry:
        return ProposalResults(
            proposal.screening_result, proposal.screening_reason, reached, proposal.award
        )
    public = published_stages(stages, now)
    screened = SCREENING_STAGE in public
    visible = [s for s in stages if reached and s.position <= reached.position and s.code in public]
    return ProposalResults(
        proposal.screening_result if screened else ScreeningResult.PENDING,
        proposal.screening_reason if screened else "",
        visible[-1] if visible else None,
        proposal.award if FINAL_STAGE in public else None,
    )


def init_app(app) -> None:
    """Make the labels available to templates (both node kinds)."""
    app.jinja_env.globals.update(award_label=award_label, screening_label=screening_label)
