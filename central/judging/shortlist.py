"""Shortlists: a proposed Top N that respects composition rules, and the panel's swaps.

The proposal is built in two passes over the ranking (see :mod:`central.judging.ranking`):

1. minimums, rule by rule in the order given: the best-ranked proposals matching the rule
   are taken until its minimum is met (never breaking a maximum);
2. the remaining seats in rank order, skipping proposals that would break a maximum.

A rule *binds* when the top N by rank alone would break it: a minimum the top N does not
reach, or a maximum it exceeds. The report names those rules and the proposals they pulled
in or left out. The panel may then swap entries; a swap that would break a rule the current
list keeps is refused.

The list never changes by itself when proposals tie on the score across its edge (some on the
list, some off it: the ranking's tie-break or a rule chose), but the page names them, so the
panel decides knowingly.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from central.judging.models import EntryStatus, JudgingStage, Shortlist, ShortlistEntry, StageEntry
from central.judging.ranking import PRECISION, Candidate, RankedProposal, stage_ranking
from shared.db import db, utcnow
from shared.models.tenant import TenantKind
from shared.models.user import User
from shared.services import ServiceError, audit

EACH = "*"  # a maximum that applies to every value separately (e.g. at most 5 per province)
DIMENSIONS = {
    "agency_type": _l("Agency type"),
    "category": _l("Category"),
    "group": _l("Group"),
    "region": _l("Region (province code)"),
    "is_3t": _l("3T region"),
}
AGENCY_ALIASES = {
    "kl": frozenset({"kementerian", "lembaga"}),
    "pemda": frozenset({"provinsi", "kabupaten", "kota"}),
    "bumn_bumd": frozenset({"bumn", "bumd"}),
}
YES = frozenset({"yes", "ya", "true", "1"})
NO = frozenset({"no", "tidak", "false", "0"})
AGENCY_VALUES = frozenset(k.value for k in TenantKind) | frozenset(AGENCY_ALIASES)


@dataclass(frozen=True)
class CompositionRule:
    dimension: str
    value: str = ""
    min: int | None = None
    max: int | None = None

    def _attribute(self, c: Candidate) -> str:
        if self.dimension == "is_3t":
            return "yes" if c.is_3t else "no"
        return str(getattr(c, self.dimension))

    def bucket(self, c: Candidate) -> str | None:
        """The value this rule counts ``c`` under, or None when the rule does not apply."""
        attr = self._attribute(c)
        if self.value == EACH:
            return attr
        if self.dimension == "is_3t":
            wanted = "no" if self.value.lower() in NO else "yes"
            return "" if attr == wanted else None
        if self.dimension == "agency_type" and self.value in AGENCY_ALIASES:
            return "" if attr in AGENCY_ALIASES[self.value] else None
        return "" if attr == self.value else None

    def matches(self, c: Candidate) -> bool:
        return self.bucket(c) is not None

    def label(self) -> str:
        if self.dimension == "is_3t":
            target = _("3T regions")
        else:
            value = _("each value") if self.value == EACH else self.value
            target = f"{DIMENSIONS.get(self.dimension, self.dimension)} = {value}"
        limits = []
        if self.min is not None:
            limits.append(_("at least %(n)d", n=self.min))
        if self.max is not None:
            limits.append(_("at most %(n)d", n=self.max))
        return f"{target}: {', '.join(limits)}"

    def to_json(self) -> dict[str, Any]:
        return {"dimension": self.dimension, "value": self.value, "min": self.min, "max": self.max}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> CompositionRule:
        return cls(data["dimension"], data.get("value") or "", data.get("min"), data.get("max"))


def validate_rules(rows: Iterable[dict[str, Any]]) -> list[CompositionRule]:
    """Rules from a form; refuses unknown dimensions, empty limits and min > max."""
    rules = []
    for row in rows:
        rule = CompositionRule.from_json(row)
        if rule.dimension not in DIMENSIONS:
            raise ServiceError(_("Unknown rule dimension %(d)s.", d=rule.dimension))
        if rule.min is None and rule.max is None:
            raise ServiceError(_("A composition rule needs a minimum or a maximum."))
        if any(v is not None and v < 0 for v in (rule.min, rule.max)):
            raise ServiceError(_("Rule limits cannot be negative."))
        if rule.min is not None and rule.max is not None and rule.min > rule.max:
            raise ServiceError(_("A rule's minimum is larger than its maximum."))
        if rule.value == EACH and rule.min is not None:
            raise ServiceError(_("A rule for each value can only set a maximum."))
        if rule.dimension != "is_3t" and not rule.value:
            raise ServiceError(_("A rule needs a value (or * for each value)."))
        _check_value(rule)
        rules.append(rule)
    return rules


def _check_value(rule: CompositionRule) -> None:
    """Refuse a value no proposal can have: the rule would silently do nothing."""
    from central.announce.results import province_names

    value = rule.value
    if value == EACH:
        return
    if rule.dimension == "agency_type" and value not in AGENCY_VALUES:
        raise ServiceError(
            _(
                "Unknown agency type %(v)s: use kementerian, lembaga, provinsi, kabupaten, "
                "kota, bumn, bumd, or the groups kl, pemda, bumn_bumd.",
                v=value,
            )
        )
    if rule.dimension == "region" and value not in province_names():
        raise ServiceError(_("Unknown province code %(v)s: use a code such as 33.", v=value))
    if rule.dimension == "is_3t" and value and value.lower() not in YES | NO:
        raise ServiceError(_("3T region: the value is yes or no, not %(v)s.", v=value))


# -- the proposal ----------------------------------------------------------------------------


def _counts(rule: CompositionRule, cands: Iterable[Candidate]) -> Counter[str]:
    counter: Counter[str] = Counter()
    for c in cands:
        bucket = rule.bucket(c)
        if bucket is not None:
            counter[bucket] += 1
    return counter


@dataclass
class RuleReport:
    index: int
    rule: CompositionRule
    by_rank: int  # matching proposals in the top N by rank alone (largest bucket for EACH)
    selected: int  # matching proposals in the list (largest bucket for EACH)
    binds: bool
    satisfied: bool

    def to_json(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "rule": self.rule.to_json(),
            "by_rank": self.by_rank,
            "selected": self.selected,
            "binds": self.binds,
            "satisfied": self.satisfied,
        }


def rule_reports(
    rules: Sequence[CompositionRule],
    selection: Sequence[Candidate],
    top_by_rank: Sequence[Candidate],
    acted: set[int] = frozenset(),  # type: ignore[assignment]
) -> list[RuleReport]:
    """Counts per rule; a rule binds when the top N by rank alone would break it, or when it
    kept out or pulled in a proposal while the list was built (``acted``)."""
    reports = []
    for i, rule in enumerate(rules):
        sel, top = _counts(rule, selection), _counts(rule, top_by_rank)
        if rule.value == EACH:
            sel_n, top_n = max(sel.values(), default=0), max(top.values(), default=0)
        else:
            sel_n, top_n = sel[""], top[""]
        binds = (
            i in acted
            or (rule.min is not None and top_n < rule.min)
            or (rule.max is not None and top_n > rule.max)
        )
        satisfied = (rule.min is None or sel_n >= rule.min) and (
            rule.max is None or sel_n <= rule.max
        )
        reports.append(RuleReport(i, rule, top_n, sel_n, binds, satisfied))
    return reports


def violations(
    rules: Sequence[CompositionRule], selection: Sequence[Candidate]
) -> set[tuple[int, str, str]]:
    """(rule index, bucket, "min"/"max") for every limit the selection breaks."""
    found = set()
    for i, rule in enumerate(rules):
        counts = _counts(rule, selection)
        if rule.min is not None and counts[""] < rule.min:
            found.add((i, "", "min"))
        if rule.max is not None:
            found.update((i, b, "max") for b, n in counts.items() if n > rule.max)
    return found


def eligible(ranking: Iterable[RankedProposal]) -> list[RankedProposal]:
    """The proposals a list may hold: ranked and at or above the passing grade, in rank order."""
    pool = [r for r in ranking if r.rank is not None and r.passed]
    return sorted(pool, key=lambda r: r.rank or 0)


@dataclass
class ShortlistProposal:
    selected: list[RankedProposal]
    reasons: dict[int, tuple[str, int | None]]
    rules: list[RuleReport]
    pulled_in: list[int] = field(default_factory=list)
    left_out: list[int] = field(default_factory=list)
    eligible: int = 0


def propose(
    ranking: Sequence[RankedProposal], size: int, rules: Sequence[CompositionRule]
) -> ShortlistProposal:
    """The best Top ``size`` of the ranking that keeps the composition rules (see module doc)."""
    pool = eligible(ranking)
    chosen: dict[int, RankedProposal] = {}
    reasons: dict[int, tuple[str, int | None]] = {}
    counts = [Counter[str]() for _ in rules]
    acted: set[int] = set()

    def fits(c: Candidate, *, note: bool = False) -> bool:
        blocked = [
            i
            for i, (rule, counter) in enumerate(zip(rules, counts, strict=True))
            if rule.max is not None
            and (bucket := rule.bucket(c)) is not None
            and counter[bucket] >= rule.max
        ]
        if note:
            acted.update(blocked)
        return not blocked

    def take(r: RankedProposal, reason: tuple[str, int | None]) -> None:
        chosen[r.proposal_id] = r
        reasons[r.proposal_id] = reason
        for rule, counter in zip(rules, counts, strict=True):
            bucket = rule.bucket(r.candidate)
            if bucket is not None:
                counter[bucket] += 1

    for i, rule in enumerate(rules):
        if rule.min is None or rule.value == EACH:
            continue
        for r in pool:
            if counts[i][""] >= rule.min or len(chosen) >= size:
                break
            if r.proposal_id not in chosen and rule.matches(r.candidate) and fits(r.candidate):
                take(r, ("rule", i))
    for r in pool:
        if len(chosen) >= size:
            break
        if r.proposal_id not in chosen and fits(r.candidate, note=True):
            take(r, ("rank", None))

    selected = sorted(chosen.values(), key=lambda r: r.rank or 0)
    top = pool[:size]
    top_ids = {r.proposal_id for r in top}
    acted.update(
        index
        for pid, (reason, index) in reasons.items()
        if reason == "rule" and index is not None and pid not in top_ids
    )
    return ShortlistProposal(
        selected=selected,
        reasons=reasons,
        rules=rule_reports(
            rules, [r.candidate for r in selected], [r.candidate for r in top], acted
        ),
        pulled_in=[r.proposal_id for r in selected if r.proposal_id not in top_ids],
        left_out=[r.proposal_id for r in top if r.proposal_id not in chosen],
        eligible=len(pool),
    )


@dataclass(frozen=True)
class CutTie:
    """Proposals with the same score on both sides of the list's edge."""

    score: float
    members: tuple[RankedProposal, ...]  # in rank order
    on_list: frozenset[int]  # proposal ids


def ties_at_cut(pool: Sequence[RankedProposal], selected: Iterable[int]) -> list[CutTie]:
    """Groups of eligible proposals that share a score (as the ranking compares scores) but
    not the outcome: the score alone did not decide who is on the list."""
    chosen = set(selected)
    groups: dict[float, list[RankedProposal]] = defaultdict(list)
    for r in pool:
        if r.score is not None:
            groups[round(r.score, PRECISION)].append(r)
    ties = []
    for score, members in groups.items():
        on_list = frozenset(r.proposal_id for r in members) & chosen
        if on_list and len(on_list) < len(members):
            ordered = tuple(sorted(members, key=lambda r: r.rank or 0))
            ties.append(CutTie(score, ordered, on_list))
    return sorted(ties, key=lambda t: t.members[0].rank or 0)


# -- persisted shortlists --------------------------------------------------------------------


def stage_rules(js: JudgingStage) -> list[CompositionRule]:
    return [CompositionRule.from_json(r) for r in js.composition_rules or []]


def current(js: JudgingStage) -> Shortlist | None:
    stmt = sa.select(Shortlist).where(Shortlist.stage_id == js.stage_id)
    return db.session.execute(stmt).scalar_one_or_none()


def generate(js: JudgingStage, *, actor: User) -> Shortlist:
    """Propose the stage's Top N from its ranking and rules; replaces an earlier proposal."""
    from central.judging.stages import ensure_open, lock

    lock(js)
    ensure_open(js)
    if not js.shortlist_size:
        raise ServiceError(_("Set the shortlist size of this stage first."))
    rules = stage_rules(js)
    ranking = stage_ranking(js)
    result = propose(ranking, js.shortlist_size, rules)
    existing = current(js)
    if existing is not None:
        db.session.delete(existing)
        db.session.flush()
    shortlist = Shortlist(
        stage_id=js.stage_id,
        size=js.shortlist_size,
        rules=[r.to_json() for r in rules],
        report={
            "rules": [r.to_json() for r in result.rules],
            "pulled_in": result.pulled_in,
            "left_out": result.left_out,
            "eligible": result.eligible,
        },
        generated_by_id=actor.id,
        generated_at=utcnow(),
    )
    for r in result.selected:
        reason, index = result.reasons[r.proposal_id]
        shortlist.entries.append(
            ShortlistEntry(proposal_id=r.proposal_id, reason=reason, rule_index=index)
        )
    db.session.add(shortlist)
    db.session.flush()
    audit.record(
        "judging.shortlist.generate",
        js.stage,
        actor=actor,
        after={
            "size": js.shortlist_size,
            "selected": len(result.selected),
            "binding_rules": [r.index for r in result.rules if r.binds],
            "pulled_in": result.pulled_in,
            "left_out": result.left_out,
            "tied_at_cut": [
                [r.proposal_id for r in tie.members]
                for tie in ties_at_cut(eligible(ranking), (r.proposal_id for r in result.selected))
            ],
        },
    )
    return shortlist


@dataclass
class ShortlistView:
    shortlist: Shortlist
    ranking: list[RankedProposal]
    selected: list[RankedProposal]
    reasons: dict[int, ShortlistEntry]
    rules: list[RuleReport]
    alternates: list[RankedProposal]  # ranked entrants not on the list
    ties: list[CutTie]  # the list's edge falls inside these


def view(js: JudgingStage) -> ShortlistView | None:
    """The current list with its rule report recomputed (swaps change it)."""
    shortlist = current(js)
    if shortlist is None:
        return None
    ranking = stage_ranking(js)
    by_id = {r.proposal_id: r for r in ranking}
    entries = {e.proposal_id: e for e in shortlist.entries}
    selected = sorted(
        (by_id[pid] for pid in entries if pid in by_id), key=lambda r: r.rank or 10**9
    )
    rules = [CompositionRule.from_json(r) for r in shortlist.rules]
    pool = eligible(ranking)
    acted = {r["index"] for r in shortlist.report.get("rules", []) if r.get("binds")}
    reports = rule_reports(
        rules, [r.candidate for r in selected], [r.candidate for r in pool[: shortlist.size]], acted
    )
    alternates = [r for r in ranking if r.rank is not None and r.proposal_id not in entries]
    ties = ties_at_cut(pool, entries.keys())
    return ShortlistView(shortlist, ranking, selected, entries, reports, alternates, ties)


@dataclass(frozen=True)
class RankingCut:
    """Where a stage's shortlist cut falls in its ranking, as the ranking page marks it."""

    size: int
    last_in: int | None  # the proposal the line follows: the Nth eligible in rank order
    selected: frozenset[int]  # proposal ids on the list (or that proposing it would take)
    ties: tuple[CutTie, ...]
    saved: bool  # ``selected`` is the saved list, with its swaps

    @property
    def tied(self) -> frozenset[int]:
        """Proposals in a tie across the cut."""
        return frozenset(r.proposal_id for tie in self.ties for r in tie.members)


def ranking_cut(js: JudgingStage, ranking: Sequence[RankedProposal]) -> RankingCut | None:
    """The cut of ``js``'s Top N in its ``ranking``; None when the stage has no shortlist size.

    The line follows the Top N by rank alone. The selection is the saved list when there is
    one (what promotion takes), else what proposing it now would select; with a binding rule
    or a swap, selected rows may lie below the line and unselected ones above it."""
    if not js.shortlist_size:
        return None
    saved = current(js)
    size = saved.size if saved is not None else js.shortlist_size
    ranked_ids = {r.proposal_id for r in ranking}
    if saved is not None:
        chosen = {e.proposal_id for e in saved.entries} & ranked_ids
    else:
        chosen = {r.proposal_id for r in propose(ranking, size, stage_rules(js)).selected}
    pool = eligible(ranking)
    top = pool[:size]
    return RankingCut(
        size=size,
        last_in=top[-1].proposal_id if top else None,
        selected=frozenset(chosen),
        ties=tuple(ties_at_cut(pool, chosen)),
        saved=saved is not None,
    )


def swap(js: JudgingStage, *, out_id: int, in_id: int, reason: str, actor: User) -> ShortlistEntry:
    """Replace one entry of the list by another ranked entrant; audited, rules kept."""
    from central.judging.stages import ensure_open

    ensure_open(js)
    shortlist = current(js)
    if shortlist is None:
        raise ServiceError(_("Generate the shortlist first."))
    if not reason.strip():
        raise ServiceError(_("Give the reason for the swap."), field="reason")
    entries = {e.proposal_id: e for e in shortlist.entries}
    if out_id not in entries:
        raise ServiceError(_("The proposal to take out is not on the list."))
    if in_id in entries:
        raise ServiceError(_("The proposal to bring in is already on the list."))
    ranking = {r.proposal_id: r for r in stage_ranking(js)}
    incoming = ranking.get(in_id)
    if incoming is None or incoming.rank is None:
        raise ServiceError(_("Only ranked entrants of this stage can be brought in."))
    rules = [CompositionRule.from_json(r) for r in shortlist.rules]
    before = [ranking[pid].candidate for pid in entries if pid in ranking]
    after = [c for c in before if c.proposal_id != out_id] + [incoming.candidate]
    new = violations(rules, after) - violations(rules, before)
    if new:
        broken = sorted({rules[i].label() for i, _b, _k in new})
        raise ServiceError(_("This swap breaks a rule: %(rules)s", rules="; ".join(broken)))
    db.session.delete(entries[out_id])
    entry = ShortlistEntry(proposal_id=in_id, reason="swap", added_by_id=actor.id)
    shortlist.entries.append(entry)
    db.session.flush()
    audit.record(
        "judging.shortlist.swap",
        js.stage,
        actor=actor,
        before={"proposal_id": out_id},
        after={"proposal_id": in_id, "reason": reason.strip()},
    )
    return entry


def selected_ids(js: JudgingStage) -> list[int]:
    shortlist = current(js)
    return [e.proposal_id for e in shortlist.entries] if shortlist else []


def active_entry_ids(stage_id: int) -> set[int]:
    stmt = sa.select(StageEntry.proposal_id).where(
        StageEntry.stage_id == stage_id, StageEntry.status == EntryStatus.ACTIVE
    )
    return set(db.session.execute(stmt).scalars())
