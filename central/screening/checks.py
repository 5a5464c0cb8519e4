"""The automatic checks of administrative screening (seleksi administrasi).

Per submitted proposal, a checklist: completeness, word limits, implementation age, duplicate
titles across all tenants and earlier years, earlier Top winner, already Top 99 twice, quota.
The rules themselves are the shared ones (``shared/services/proposal_rules.py``) that the unit
and the Admin Lokal already met when writing and submitting; here they are re-run against the
version of the form each proposal was written on, and joined with what only central knows: every
tenant's titles and the results of earlier years.

Titles are compared with every other submitted title. RapidFuzz's InDel ratio is never lower
than difflib's ratio that ``titles_similar`` uses, so it serves as an exact pre-filter (same
cut-off) before the shared comparison confirms each candidate: thousands of titles are compared
in milliseconds.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask_babel import gettext as _
from rapidfuzz import fuzz, process
from sqlalchemy.orm import selectinload

from shared.db import db
from shared.models.competition import Competition, CompetitionVersion, Stage
from shared.models.invitation import Invitation
from shared.models.proposal import Proposal, ProposalStatus
from shared.models.tenant import Tenant
from shared.services import proposal_rules as rules
from shared.services.proposal_rules import Violation
from shared.services.proposals import to_draft

CHECKS = (
    "complete",
    "word_limits",
    "implementation_age",
    "duplicate_title",
    "earlier_winner",
    "top99_twice",
    "quota",
)
TOP99 = "top99"


def check_label(code: str) -> str:
    labels = {
        "complete": _("Complete form and evidence"),
        "word_limits": _("Word limits"),
        "implementation_age": _("Implementation age"),
        "duplicate_title": _("No duplicate title"),
        "earlier_winner": _("Not an earlier Top winner"),
        "top99_twice": _("Not Top 99 twice already"),
        "quota": _("Within the agency's quota"),
    }
    return labels.get(code, code)


@dataclass(frozen=True)
class CheckResult:
    code: str
    ok: bool
    details: tuple[str, ...] = ()

    def to_json(self) -> dict:
        return {"code": self.code, "ok": self.ok, "details": list(self.details)}


@dataclass(frozen=True)
class TitleEntry:
    proposal_id: int
    tenant_id: int
    tenant_name: str
    year: int
    title: str
    normalised: str
    stage_code: str | None
    award: str | None


@dataclass
class Corpus:
    """Every submitted proposal's title, of this year and earlier ones, loaded once per batch."""

    entries: list[TitleEntry]
    top99_or_later: dict[int, frozenset[str]]  # competition year -> stage codes from Top 99 on
    _choices: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._choices = [e.normalised for e in self.entries]

    def similar(self, title: str, *, exclude_id: int | None = None) -> list[TitleEntry]:
        """Entries whose title is the same as or close to ``title`` (shared rule)."""
        query = rules.normalise_title(title)
        if not query:
            return []
        cutoff = rules.NEAR_DUPLICATE_RATIO * 100
        hits = process.extract(
            query, self._choices, scorer=fuzz.ratio, score_cutoff=cutoff, limit=None
        )
        out = []
        for _choice, _score, index in hits:
            entry = self.entries[index]
            if entry.proposal_id != exclude_id and rules.titles_similar(title, entry.title):
                out.append(entry)
        return out

    def reached_top99(self, entry: TitleEntry) -> bool:
        return entry.stage_code is not None and entry.stage_code in self.top99_or_later.get(
            entry.year, frozenset()
        )


def load_corpus() -> Corpus:
    """Titles of every submitted proposal of every year, with their stage and award."""
    stmt = (
        sa.select(
            Proposal.id,
            Proposal.tenant_id,
            Tenant.name,
            Competition.year,
            Proposal.title,
            Proposal.stage_code,
            Proposal.award,
        )
        .join(Tenant, Tenant.id == Proposal.tenant_id)
        .join(Competition, Competition.id == Proposal.competition_id)
        .where(Proposal.status == ProposalStatus.SUBMITTED)
        .order_by(Proposal.id)
    )
    entries = [
        TitleEntry(pid, tid, tname, year, title, rules.normalise_title(title), stage, award)
        for pid, tid, tname, year, title, stage, award in db.session.execute(stmt)
    ]
    stages = db.session.execute(
        sa.select(Competition.year, Stage.code, Stage.position).join(
            Competition, Competition.id == Stage.competition_id
        )
    ).all()
    by_year: dict[int, list[tuple[str, int]]] = defaultdict(list)
    for year, code, position in stages:
        by_year[year].append((code, position))
    top99: dict[int, frozenset[str]] = {}
    for year, items in by_year.items():
        threshold = next((pos for code, pos in items if code == TOP99), None)
        if threshold is not None:
            top99[year] = frozenset(code for code, pos in items if pos >= threshold)
    return Corpus(entries, top99)


def quota_ranks(competition: Competition) -> dict[int, int]:
    """Proposal id -> how many of its tenant's proposals in its group were submitted before it."""
    rows = db.session.execute(
        sa.select(Proposal.id, Proposal.tenant_id, Proposal.group_code)
        .where(
            Proposal.competition_id == competition.id,
            Proposal.status == ProposalStatus.SUBMITTED,
        )
        .order_by(
            sa.func.coalesce(Proposal.submitted_at, Proposal.received_at, Proposal.created_at),
            Proposal.id,
        )
    )
    seen: dict[tuple[int, str], int] = defaultdict(int)
    ranks = {}
    for pid, tenant_id, group in rows:
        ranks[pid] = seen[(tenant_id, group)]
        seen[(tenant_id, group)] += 1
    return ranks


def _messages(violations: Iterable[Violation]) -> tuple[str, ...]:
    return tuple(v.message for v in violations)


def _describe(entry: TitleEntry) -> str:
    return _(
        "%(title)s (%(tenant)s, %(year)d)",
        title=entry.title,
        tenant=entry.tenant_name,
        year=entry.year,
    )


@dataclass
class Context:
    """What a batch of checks shares: titles, this year's quota ranks and invitations."""

    corpus: Corpus
    ranks: dict[int, int]
    invitations: frozenset[tuple[int, str]]  # (tenant id, group code) invited this year


def load_context(competition: Competition) -> Context:
    invited = db.session.execute(
        sa.select(Invitation.tenant_id, Invitation.group_code).where(
            Invitation.competition_id == competition.id
        )
    )
    return Context(load_corpus(), quota_ranks(competition), frozenset((t, g) for t, g in invited))


def run_checks(proposal: Proposal, ctx: Context) -> list[CheckResult]:
    """Every check of one proposal, against the form version it was written on."""
    version: CompetitionVersion = proposal.competition_version
    config = version.config
    competition = proposal.competition
    draft = to_draft(proposal)
    year = competition.year

    same = ctx.corpus.similar(proposal.title, exclude_id=proposal.id)
    earlier_own = [e for e in same if e.year < year and e.tenant_id == proposal.tenant_id]
    invited = (proposal.tenant_id, proposal.group_code) in ctx.invitations

    header = rules.check_header(draft, config)
    sections = rules.check_sections(draft, config)
    complete = [
        *(v for v in header if v.code != "title_long"),
        *(v for v in sections if v.code == "section_missing"),
        *rules.check_evidence(draft, config),
        *rules.check_contact(proposal.video_url, proposal.contact_email, proposal.contact_phone),
        *rules.check_group_rules(draft, config, invited=invited),
    ]
    limits = [
        *(v for v in header if v.code == "title_long"),
        *(v for v in sections if v.code == "word_limit"),
    ]
    age = rules.check_implementation_age(draft, config, competition.registration_closes_at)
    duplicates = same
    winners = [e for e in earlier_own if e.award]
    top99_years = sorted({e.year for e in earlier_own if ctx.corpus.reached_top99(e)})
    quota = rules.check_quota(
        proposal.group_code, config, already_used=ctx.ranks.get(proposal.id, 0)
    )
    return [
        CheckResult("complete", not complete, _messages(complete)),
        CheckResult("word_limits", not limits, _messages(limits)),
        CheckResult("implementation_age", not age, _messages(age)),
        CheckResult(
            "duplicate_title",
            not duplicates,
            tuple(_("Same or similar title: %(t)s", t=_describe(e)) for e in duplicates[:5]),
        ),
        CheckResult(
            "earlier_winner",
            not winners,
            tuple(
                _("Award %(award)s for %(t)s", award=e.award or "", t=_describe(e)) for e in winners
            ),
        ),
        CheckResult(
            "top99_twice",
            len(top99_years) < 2,
            (
                (_("Top 99 in %(years)s", years=", ".join(map(str, top99_years))),)
                if top99_years
                else ()
            ),
        ),
        CheckResult("quota", not quota, _messages(quota)),
    ]


def proposals_with_content(ids: list[int]) -> list[Proposal]:
    """Proposals loaded with what the checks read (version, competition, attachments, and a
    pushed proposal's revision, which holds its sections)."""
    if not ids:
        return []
    stmt = (
        sa.select(Proposal)
        .where(Proposal.id.in_(ids))
        .options(
            selectinload(Proposal.attachments),
            selectinload(Proposal.competition_version),
            selectinload(Proposal.competition),
            selectinload(Proposal.held_revision),
        )
        .execution_options(populate_existing=True)  # the list loaded only a few columns
    )
    return list(db.session.execute(stmt).scalars())
