"""Turning judges' weighted scores into one score per proposal: raw mean or z-scores.

Evaluators who scored different subsets are not equally strict: one gives 60-75, another
80-95. The z-score method measures each score against its own judge's mean and spread, then
maps the average z-score back onto the stage's overall scale (mean and spread of every score),
so the result reads like a score and a passing grade still means something.

Every sum uses :func:`math.fsum` (exactly rounded), so the results do not depend on the order
the scores arrive in: the ranking built on them is reproducible.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True)
class SheetScore:
    """One submitted score sheet: its judge, its weighted total (0-100) and per-criterion
    values."""

    proposal_id: int
    judge_id: int
    total: float
    scores: Mapping[str, float] = field(default_factory=dict)


def mean(values: Iterable[float]) -> float:
    items = list(values)
    return math.fsum(items) / len(items)


def pstdev(values: Iterable[float]) -> float:
    """Population standard deviation, order-independent."""
    items = list(values)
    centre = mean(items)
    return math.sqrt(math.fsum((x - centre) ** 2 for x in items) / len(items))


def raw_means(sheets: Iterable[SheetScore]) -> dict[int, float]:
    """The plain mean of the weighted totals per proposal."""
    by_proposal: dict[int, list[float]] = defaultdict(list)
    for sheet in sheets:
        by_proposal[sheet.proposal_id].append(sheet.total)
    return {pid: mean(totals) for pid, totals in by_proposal.items()}


def zscore_means(sheets: Iterable[SheetScore]) -> dict[int, float]:
    """Per-evaluator z-scores averaged per proposal and rescaled to the overall scale.

    A judge with fewer than two scores, or who gave every proposal the same score, tells us
    nothing about strictness: such scores count as the judge's average (z = 0).
    """
    items = list(sheets)
    if not items:
        return {}
    by_judge: dict[int, list[float]] = defaultdict(list)
    for sheet in items:
        by_judge[sheet.judge_id].append(sheet.total)
    scale: dict[int, tuple[float, float]] = {}
    for jid, totals in by_judge.items():
        centre = mean(totals)
        sd = pstdev(totals) if len(totals) > 1 else 0.0
        scale[jid] = (centre, sd)
    all_totals = [s.total for s in items]
    overall_mean, overall_sd = mean(all_totals), pstdev(all_totals)
    zs: dict[int, list[float]] = defaultdict(list)
    for sheet in items:
        centre, sd = scale[sheet.judge_id]
        zs[sheet.proposal_id].append(0.0 if sd < 1e-9 else (sheet.total - centre) / sd)
    fsum = math.fsum
    return {pid: overall_mean + overall_sd * fsum(v) / len(v) for pid, v in zs.items()}
