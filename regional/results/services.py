"""The tenant's results as they reached this node through sync (screening, stage, award).

Central publishes each decision to the node's change feed only once it is public (the feed's
``visible_at`` is the stage's publish time), and sync applies it to the node's Proposal rows,
so the node shows what it holds without an embargo of its own.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa
from flask_babel import get_locale
from sqlalchemy.orm import selectinload

from shared.db import db
from shared.models.competition import Competition, Stage
from shared.models.proposal import Proposal, ScreeningResult
from shared.results import FINALIST_STAGE, award_label, screening_label


@dataclass(frozen=True)
class NodeResult:
    proposal: Proposal
    year: int
    stage: Stage | None

    @property
    def screening(self) -> ScreeningResult:
        return self.proposal.screening_result

    @property
    def screening_label(self) -> str:
        return screening_label(self.proposal.screening_result)

    @property
    def award_label(self) -> str:
        return award_label(self.proposal.award)

    def stage_name(self) -> str:
        if self.stage is None:
            return self.proposal.stage_code or ""
        return self.stage.name(str(get_locale() or "id"))


@dataclass
class Summary:
    submitted: int = 0
    passed: int = 0
    failed: int = 0
    finalists: int = 0
    awards: int = 0
    by_stage: dict[str, int] = field(default_factory=dict)


def tenant_results() -> tuple[list[NodeResult], Summary]:
    """The proposals of the tenants in scope that were submitted to the ministry (also those
    being revised since: central holds their submitted revision), newest year first, with a
    summary."""
    competitions = {
        c.id: c
        for c in db.session.execute(
            sa.select(Competition).options(selectinload(Competition.stages))
        ).scalars()
    }
    proposals = db.session.execute(
        sa.select(Proposal)
        .where(Proposal.submitted_revision.is_not(None))  # also while a revision is open
        .options(selectinload(Proposal.unit))
        .order_by(Proposal.competition_id.desc(), Proposal.title)
    ).scalars()
    rows, summary = [], Summary()
    for p in proposals:
        comp = competitions[p.competition_id]
        stages = {s.code: s for s in comp.stages}
        stage = stages.get(p.stage_code or "")
        top = stages.get(FINALIST_STAGE)
        rows.append(NodeResult(p, comp.year, stage))
        summary.submitted += 1
        summary.passed += p.screening_result == ScreeningResult.PASSED
        summary.failed += p.screening_result == ScreeningResult.FAILED
        summary.finalists += bool(stage and top and stage.position >= top.position)
        summary.awards += bool(p.award)
        if stage is not None:
            name = stage.name(str(get_locale() or "id"))
            summary.by_stage[name] = summary.by_stage.get(name, 0) + 1
    return rows, summary
