"""The final selection: the Top list (the final stage's shortlist) and special awards.

Top lists are published alphabetically, never ranked. A proposal receives one award: a
special award goes to a finalist who is not on the Top list.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import gettext as _

from central.judging.models import EntryStatus, JudgingStage, SpecialAward, StageKind
from central.judging.shortlist import current as current_shortlist
from central.judging.stages import TOP_AWARD, ensure_open, entry_of, special_awards
from shared.db import db
from shared.models.proposal import Proposal
from shared.models.tenant import Tenant
from shared.models.user import User
from shared.services import ServiceError, audit


def award_names(js: JudgingStage, locale: str | None) -> dict[str, str]:
    names = {TOP_AWARD: "Top"}
    for item in js.special_awards or []:
        names[item["code"]] = (
            item["name_en"] if (locale or "id").startswith("en") else item["name_id"]
        )
    return names


def set_special(
    js: JudgingStage, proposal: Proposal, *, award: str, note: str, actor: User
) -> SpecialAward:
    """Give a finalist a special award (one per proposal, not to Top list entries)."""
    ensure_open(js)
    if js.kind != StageKind.FINAL:
        raise ServiceError(_("Awards are given in the final stage."))
    codes = {a["code"] for a in js.special_awards or []}
    if award not in codes:
        raise ServiceError(_("Unknown award."), field="award")
    entry = entry_of(js, proposal.id)
    if entry is None or entry.status != EntryStatus.ACTIVE:
        raise ServiceError(_("The proposal is not a finalist of this stage."))
    shortlist = current_shortlist(js)
    if shortlist and any(e.proposal_id == proposal.id for e in shortlist.entries):
        raise ServiceError(_("This finalist is on the Top list; swap it out first."))
    existing = db.session.execute(
        sa.select(SpecialAward).where(
            SpecialAward.stage_id == js.stage_id, SpecialAward.proposal_id == proposal.id
        )
    ).scalar_one_or_none()
    if existing is None:
        existing = SpecialAward(stage_id=js.stage_id, proposal_id=proposal.id)
        db.session.add(existing)
    existing.award, existing.note, existing.created_by_id = award, note.strip(), actor.id
    db.session.flush()
    audit.record(
        "judging.award.special",
        proposal,
        actor=actor,
        after={"stage": js.stage.code, "award": award, "note": note.strip()},
    )
    return existing


def clear_special(js: JudgingStage, award: SpecialAward, *, actor: User) -> None:
    ensure_open(js)
    proposal = db.session.get(Proposal, award.proposal_id)
    audit.record(
        "judging.award.special_clear",
        proposal,
        actor=actor,
        before={"award": award.award},
        after={"stage": js.stage.code},
    )
    db.session.delete(award)
    db.session.flush()


@dataclass
class Winner:
    proposal: Proposal
    tenant: Tenant
    award: str
    special_id: int | None = None  # the SpecialAward row, for special awards


def winners(js: JudgingStage) -> list[Winner]:
    """The Top list and special awards, alphabetically by title (as they are published)."""
    chosen: dict[int, str] = {}
    shortlist = current_shortlist(js)
    if shortlist is not None:
        chosen.update({e.proposal_id: TOP_AWARD for e in shortlist.entries})
    specials = {a.proposal_id: a for a in special_awards(js)}
    chosen.update({pid: a.award for pid, a in specials.items()})
    if not chosen:
        return []
    rows = db.session.execute(
        sa.select(Proposal, Tenant)
        .join(Tenant, Tenant.id == Proposal.tenant_id)
        .where(Proposal.id.in_(chosen))
    )
    out = [
        Winner(p, t, chosen[p.id], specials[p.id].id if p.id in specials else None) for p, t in rows
    ]
    return sorted(out, key=lambda w: (w.proposal.title.lower(), w.proposal.uuid))
