"""Ranking proposals by weighted score, with a documented, deterministic tie-break.

Order (each step only decides what the previous ones left equal):

1. the stage's score (raw mean, or z-score normalised: chosen per stage), higher first;
2. the raw mean, higher first (matters when the stage ranks by z-score);
3. the mean per criterion, criteria taken by weight (heaviest first, then rubric order),
   higher first;
4. the number of submitted scores, more first (a better-supported score);
5. the spread between judges (highest minus lowest), smaller first (more agreement);
6. the proposal's UUID, ascending: arbitrary but fixed, never a timestamp or the order
   rows happen to come from the database.

Scores are compared after rounding to 6 decimals, so floating-point noise never decides.
Proposals without any submitted score are listed after the ranked ones, unranked.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from operator import itemgetter

import sqlalchemy as sa

from central.judging.models import (
    COUNTED,
    Assignment,
    AssignmentStatus,
    EntryStatus,
    JudgingStage,
    Normalisation,
    ScoreSheet,
    SheetStatus,
    StageEntry,
)
from central.judging.normalisation import SheetScore, zscore_means
from shared.db import db
from shared.models.proposal import Proposal
from shared.models.tenant import Tenant, TenantKind

TIE_BREAK_STEPS = 6
PRECISION = 6


def province_of(kind: TenantKind | str, code: str, province_code: str | None) -> str:
    """The province a tenant lies in ("" for national agencies and enterprises)."""
    if TenantKind(kind) == TenantKind.PROVINSI:
        return code
    return province_code or ""


@dataclass(frozen=True)
class Candidate:
    """What ranking and composition rules need to know about a proposal."""

    proposal_id: int
    uuid: str
    title: str
    tenant_name: str = ""
    agency_type: str = TenantKind.KABUPATEN.value
    category: str = ""
    group: str = ""
    region: str = ""
    is_3t: bool = False


@dataclass(frozen=True)
class RankedProposal:
    candidate: Candidate
    rank: int | None
    score: float | None  # by the stage's basis
    raw_mean: float | None
    normalised: float | None
    count: int
    spread: float | None
    criteria_means: tuple[float, ...]
    passed: bool
    flagged: bool

    @property
    def proposal_id(self) -> int:
        return self.candidate.proposal_id


def rank(
    candidates: Iterable[Candidate],
    sheets: Iterable[SheetScore],
    *,
    basis: Normalisation = Normalisation.RAW,
    criteria_order: Sequence[str] = (),
    passing_grade: float | None = None,
    disagreement_threshold: float | None = None,
) -> list[RankedProposal]:
    """Rank candidates from submitted sheets; the input order never changes the result."""
    by_id = {c.proposal_id: c for c in candidates}
    items = [s for s in sheets if s.proposal_id in by_id]
    normalised = zscore_means(items)
    totals: dict[int, list[float]] = defaultdict(list)
    per_criterion: dict[int, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    for sheet in items:
        totals[sheet.proposal_id].append(sheet.total)
        bucket = per_criterion[sheet.proposal_id]
        for code in criteria_order:
            value = sheet.scores.get(code)
            if value is not None:
                bucket[code].append(float(value))
    fsum, inf = math.fsum, math.inf
    grade = None if passing_grade is None else round(passing_grade, PRECISION)
    threshold = None if disagreement_threshold is None else round(disagreement_threshold, PRECISION)
    scored = []
    unscored: list[RankedProposal] = []
    for pid, cand in by_id.items():
        values = totals.get(pid)
        if not values:
            unscored.append(RankedProposal(cand, None, None, None, None, 0, None, (), False, False))
            continue
        count = len(values)
        raw = fsum(values) / count
        norm = normalised[pid]
        score = norm if basis == Normalisation.ZSCORE else raw
        spread = max(values) - min(values)
        crit_lists = per_criterion[pid]
        crit = tuple(
            fsum(v) / len(v) if (v := crit_lists.get(code)) else -inf for code in criteria_order
        )
        rounded = round(score, PRECISION)
        key = (
            -rounded,
            -round(raw, PRECISION),
            tuple(-round(m, PRECISION) if m != -inf else inf for m in crit),
            -count,
            round(spread, PRECISION),
            cand.uuid,
        )
        scored.append((key, cand, score, raw, norm, count, spread, crit, rounded))
    scored.sort(key=itemgetter(0))
    ranked = [
        RankedProposal(
            candidate=cand,
            rank=position,
            score=score,
            raw_mean=raw,
            normalised=norm,
            count=count,
            spread=spread,
            criteria_means=crit,
            passed=grade is None or rounded >= grade,
            flagged=threshold is not None and round(spread, PRECISION) > threshold,
        )
        for position, (_k, cand, score, raw, norm, count, spread, crit, rounded) in enumerate(
            scored, 1
        )
    ]
    unscored.sort(key=lambda r: r.candidate.uuid)
    return ranked + unscored


# -- loading from the database ---------------------------------------------------------------


def load_candidates(
    stage_id: int, statuses: Sequence[EntryStatus] | None = None
) -> list[Candidate]:
    """Candidates of a stage's entries (all but the removed by default), in one query; before
    a promotion these are the active entrants, after it the frozen record."""
    statuses = statuses or COUNTED
    stmt = (
        sa.select(
            Proposal.id,
            Proposal.uuid,
            Proposal.title,
            Proposal.category_code,
            Proposal.group_code,
            Tenant.name,
            Tenant.kind,
            Tenant.code,
            Tenant.province_code,
            Tenant.is_3t,
        )
        .join(StageEntry, StageEntry.proposal_id == Proposal.id)
        .join(Tenant, Tenant.id == Proposal.tenant_id)
        .where(StageEntry.stage_id == stage_id, StageEntry.status.in_(statuses))
    )
    return [
        Candidate(
            proposal_id=row[0],
            uuid=row[1],
            title=row[2],
            category=row[3] or "",
            group=row[4] or "",
            tenant_name=row[5],
            agency_type=TenantKind(row[6]).value,
            region=province_of(row[6], row[7], row[8]),
            is_3t=bool(row[9]),
        )
        for row in db.session.execute(stmt)
    ]


def load_sheets(stage_id: int) -> list[SheetScore]:
    """Submitted sheets of active assignments in a stage."""
    stmt = (
        sa.select(ScoreSheet.proposal_id, ScoreSheet.judge_id, ScoreSheet.total, ScoreSheet.scores)
        .join(Assignment, Assignment.id == ScoreSheet.assignment_id)
        .where(
            ScoreSheet.stage_id == stage_id,
            ScoreSheet.status == SheetStatus.SUBMITTED,
            Assignment.status == AssignmentStatus.ACTIVE,
        )
    )
    return [
        SheetScore(pid, jid, float(total), scores or {})
        for pid, jid, total, scores in db.session.execute(stmt)
        if total is not None
    ]


def criteria_order(js: JudgingStage) -> list[str]:
    """Criteria codes by weight (heaviest first), then rubric position: tie-break step 3."""
    if js.rubric is None:
        return []
    ordered = sorted(js.rubric.criteria, key=lambda c: (-c.weight, c.position, c.code))
    return [c.code for c in ordered]


def scoring_stage_for(js: JudgingStage) -> JudgingStage | None:
    """The stage whose scores rank this one: itself when scored, else the nearest scored
    stage before it (the final selection ranks on the presentation scores)."""
    from central.judging import stages

    for candidate in reversed(stages.sequence_until(js)):
        if candidate.kind.value == "scored":
            return candidate
    return None


def stage_ranking(js: JudgingStage, statuses: Sequence[EntryStatus] | None = None):
    """The ranking of a stage's entries, using its own or the nearest earlier scores."""
    source = scoring_stage_for(js)
    candidates = load_candidates(js.stage_id, statuses)
    if source is None:
        return rank(candidates, [])
    return rank(
        candidates,
        load_sheets(source.stage_id),
        basis=source.normalisation,
        criteria_order=criteria_order(source),
        passing_grade=js.passing_grade,
        disagreement_threshold=source.disagreement_threshold,
    )
