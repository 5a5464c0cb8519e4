"""UNPSA: the secretariat nominates winners to the UN Public Service Awards.

The cycle (year, submission deadline, categories) changes every year and comes from the
``UNPSA_CYCLE`` setting; eligibility needs at least two years of implementation at the
cycle's submission deadline.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from central.announce.published import publications
from central.unpsa.models import UnpsaNomination
from shared.db import db, utcnow
from shared.models.proposal import Proposal
from shared.models.user import User
from shared.services import ServiceError, audit
from shared.services.versions import refuse_if_stale, version_token
from shared.timeutil import format_wib, subtract_years, wib_date

# The categories of recent UNPSA cycles; each cycle's come from the UNPSA_CYCLE setting.
DEFAULT_CATEGORIES = (
    (
        "inclusive_services",
        "Fostering innovation to deliver inclusive and equitable services for all, "
        "including through digital transformation",
    ),
    (
        "effective_institutions",
        "Enhancing the effectiveness of public institutions to reach the SDGs",
    ),
    ("gender_responsive", "Promoting gender-responsive public services to achieve the SDGs"),
    ("crisis_preparedness", "Institutional preparedness and response in times of crisis"),
)
TEXT_FIELDS = ("title_en", "summary_en", "problem_en", "solution_en", "impact_en")
AUDITED = (*TEXT_FIELDS, "category_code", "sdgs")


@dataclass(frozen=True)
class UnpsaCycle:
    year: int
    submission_deadline: date
    categories: tuple[tuple[str, str], ...]
    min_years: int = 2

    def category_name(self, code: str) -> str:
        return dict(self.categories).get(code, "")

    @property
    def implemented_by(self) -> date:
        """The latest implementation start that is still eligible."""
        return subtract_years(self.submission_deadline, self.min_years)


def current_cycle(today: date | None = None) -> UnpsaCycle:
    """The cycle being prepared: from ``UNPSA_CYCLE``, else next year's with a 31 Dec deadline."""
    today = today or wib_date(utcnow())
    cfg: dict[str, Any] = current_app.config.get("UNPSA_CYCLE") or {}
    year = int(cfg.get("year") or today.year + 1)
    deadline = (
        date.fromisoformat(cfg["submission_deadline"])
        if cfg.get("submission_deadline")
        else date(year - 1, 12, 31)
    )
    categories = (
        tuple((str(c["code"]), str(c["name"])) for c in cfg.get("categories") or ())
        or DEFAULT_CATEGORIES
    )
    return UnpsaCycle(year, deadline, categories, int(cfg.get("min_years") or 2))


def is_eligible(proposal: Proposal, cycle: UnpsaCycle) -> bool:
    start = proposal.implementation_start
    return start is not None and start <= cycle.implemented_by


def candidates(cycle: UnpsaCycle) -> list[Proposal]:
    """Published award winners not yet nominated in this cycle, newest year first."""
    awarded = [p.competition_id for p in publications() if p.awards_published]
    nominated = sa.select(UnpsaNomination.proposal_id).where(
        UnpsaNomination.cycle_year == cycle.year, UnpsaNomination.withdrawn_at.is_(None)
    )
    stmt = (
        sa.select(Proposal)
        .where(
            Proposal.competition_id.in_(awarded),
            Proposal.award.is_not(None),
            Proposal.award != "",
            Proposal.id.not_in(nominated),
        )
        .options(selectinload(Proposal.tenant), selectinload(Proposal.competition))
        .order_by(Proposal.competition_id.desc(), Proposal.title)
    )
    return list(db.session.execute(stmt).scalars())


def nominations(cycle: UnpsaCycle) -> list[UnpsaNomination]:
    stmt = (
        sa.select(UnpsaNomination)
        .where(UnpsaNomination.cycle_year == cycle.year, UnpsaNomination.withdrawn_at.is_(None))
        .options(selectinload(UnpsaNomination.proposal).selectinload(Proposal.tenant))
        .order_by(UnpsaNomination.id)
    )
    return list(db.session.execute(stmt).scalars())


def withdrawn_in(cycle: UnpsaCycle) -> dict[int, UnpsaNomination]:
    """The nominations withdrawn from this cycle, by proposal (their texts are kept)."""
    stmt = sa.select(UnpsaNomination).where(
        UnpsaNomination.cycle_year == cycle.year, UnpsaNomination.withdrawn_at.is_not(None)
    )
    return {n.proposal_id: n for n in db.session.execute(stmt).scalars()}


def nominate(proposal: Proposal, cycle: UnpsaCycle, *, actor: User) -> UnpsaNomination:
    """Nominate a published winner; refused when it was implemented for less than two years.

    A nomination withdrawn from this cycle comes back with the English texts written for it.
    """
    if proposal.id not in {p.id for p in candidates(cycle)}:
        raise ServiceError(
            _("Only published winners not yet nominated in this cycle can be nominated.")
        )
    if not is_eligible(proposal, cycle):
        raise ServiceError(
            _(
                "Not eligible: UNPSA needs at least %(n)d years of implementation by "
                "%(deadline)s, and this innovation started on %(start)s.",
                n=cycle.min_years,
                deadline=cycle.submission_deadline.strftime("%d-%m-%Y"),
                start=(
                    proposal.implementation_start.strftime("%d-%m-%Y")
                    if proposal.implementation_start
                    else "-"
                ),
            )
        )
    nomination = withdrawn_in(cycle).get(proposal.id)
    restored = nomination is not None
    if nomination is not None:
        nomination.withdrawn_at = None
        nomination.nominated_by_id = actor.id
    else:
        nomination = UnpsaNomination(
            tenant_id=proposal.tenant_id,
            proposal_id=proposal.id,
            cycle_year=cycle.year,
            sdgs=sorted(proposal.sdgs or []),
            nominated_by_id=actor.id,
        )
        db.session.add(nomination)
    db.session.flush()
    audit.record(
        "unpsa.nominated",
        nomination,
        actor=actor,
        after={
            "proposal_uuid": proposal.uuid,
            "cycle": cycle.year,
            "restored": restored,
        },
    )
    return nomination


def nomination_version(nomination: UnpsaNomination) -> str:
    """The version token of the nomination page: its texts, SDGs and category.

    Withdrawing leaves it as it was: a page typed on before a withdrawal can still be saved
    once the innovation is nominated again, unless someone changed the texts meanwhile.
    """
    return version_token(audit.snapshot(nomination, AUDITED))


def update(
    nomination: UnpsaNomination,
    cycle: UnpsaCycle,
    *,
    actor: User,
    shown_version: str | None = None,
    **values: Any,
) -> UnpsaNomination:
    """Save the English texts, SDGs and category of a nomination.

    Refused, nothing written, when the nomination was withdrawn or when the page was loaded
    before someone else saved it (``shown_version``, see :func:`nomination_version`).
    """
    db.session.refresh(nomination, with_for_update=True)
    _require_current(nomination, cycle)
    if nomination.withdrawn:
        raise ServiceError(
            _(
                "Not saved: this nomination was withdrawn on %(at)s. What you typed is still "
                "below; “Nominate again and save” brings the nomination back with it.",
                at=format_wib(nomination.withdrawn_at),
            )
        )
    refuse_if_stale(
        shown_version,
        nomination_version(nomination),
        _("Not saved: someone else saved this nomination after you opened this page."),
    )
    category = (values.get("category_code") or "").strip()
    if category and category not in dict(cycle.categories):
        raise ServiceError(_("Choose a category of the current UNPSA cycle."), "category_code")
    sdgs = sorted({int(n) for n in values.get("sdgs") or []})
    if any(n < 1 or n > 17 for n in sdgs):
        raise ServiceError(_("SDGs are numbered 1 to 17."), "sdgs")
    before = audit.snapshot(nomination, AUDITED)
    for name in TEXT_FIELDS:
        setattr(nomination, name, (values.get(name) or "").strip())
    nomination.category_code = category
    nomination.sdgs = sdgs
    db.session.flush()
    audit.record(
        "unpsa.updated",
        nomination,
        actor=actor,
        before=before,
        after=audit.snapshot(nomination, AUDITED),
    )
    return nomination


def past_cycle_note(nomination: UnpsaNomination, cycle: UnpsaCycle) -> str:
    """Why a nomination of another cycle than the current one is kept as it is ("" when it
    belongs to the current cycle)."""
    if nomination.cycle_year == cycle.year:
        return ""
    return _(
        "This nomination belongs to the UNPSA %(year)d cycle (now: %(current)d); it is kept as "
        "it was and can no longer be changed.",
        year=nomination.cycle_year,
        current=cycle.year,
    )


def _require_current(nomination: UnpsaNomination, cycle: UnpsaCycle) -> None:
    if note := past_cycle_note(nomination, cycle):
        raise ServiceError(note)


def withdraw(nomination: UnpsaNomination, *, actor: User) -> None:
    """Withdraw a nomination from its cycle; its texts stay for a later re-nomination."""
    db.session.refresh(nomination, with_for_update=True)
    _require_current(nomination, current_cycle())
    if nomination.withdrawn:
        raise ServiceError(
            _(
                "This nomination was already withdrawn on %(at)s.",
                at=format_wib(nomination.withdrawn_at),
            )
        )
    nomination.withdrawn_at = utcnow()
    db.session.flush()
    audit.record(
        "unpsa.withdrawn",
        nomination,
        actor=actor,
        before={
            "proposal_id": nomination.proposal_id,
            "cycle": nomination.cycle_year,
            **audit.snapshot(nomination, AUDITED),
        },
    )


@dataclass(frozen=True)
class Check:
    label: str
    ok: bool


def checklist(nomination: UnpsaNomination, cycle: UnpsaCycle) -> list[Check]:
    """What a dossier needs before export, each with whether it is met."""
    proposal = nomination.proposal
    start = proposal.implementation_start
    return [
        Check(
            _(
                "Implemented for at least %(n)d years by %(deadline)s (since %(start)s)",
                n=cycle.min_years,
                deadline=cycle.submission_deadline.strftime("%d-%m-%Y"),
                start=start.strftime("%d-%m-%Y") if start else "-",
            ),
            is_eligible(proposal, cycle),
        ),
        Check(_("English title"), bool(nomination.title_en)),
        Check(_("English summary"), bool(nomination.summary_en)),
        Check(_("Problem addressed (English)"), bool(nomination.problem_en)),
        Check(_("Solution (English)"), bool(nomination.solution_en)),
        Check(_("Impact (English)"), bool(nomination.impact_en)),
        Check(_("At least one SDG"), bool(nomination.sdgs)),
        Check(
            _("A category of the UNPSA %(year)d cycle", year=cycle.year),
            nomination.category_code in dict(cycle.categories),
        ),
    ]


def mark_exported(nomination: UnpsaNomination, *, actor: User) -> None:
    if nomination.withdrawn:
        raise ServiceError(_("This nomination was withdrawn: nominate it again to export it."))
    nomination.exported_at = utcnow()
    db.session.flush()
    audit.record("unpsa.exported", nomination, actor=actor, after={"cycle": nomination.cycle_year})
