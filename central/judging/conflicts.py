"""Conflicts of interest between judges and proposals.

Automatic: a judge affiliated with an agency conflicts with that agency's proposals and with
every proposal from the same province (a judge from Kabupaten Jepara does not score Kota
Semarang, both in Jawa Tengah). Declared: a judge (or the secretariat for them) declares a
conflict with one proposal or a whole agency. A conflicted pair is never assigned (see
:mod:`central.judging.assignment`) and the judge can never open the proposal
(:mod:`central.judging.access`). New affiliations and declarations end existing assignments
of the pairs they concern, which are then reassigned.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask_babel import gettext as _

from central.judging.models import ConflictDeclaration, JudgeAffiliation
from central.judging.ranking import province_of
from shared.db import db
from shared.models.proposal import Proposal
from shared.models.tenant import Tenant
from shared.models.user import Role, User
from shared.services import ServiceError, audit

JUDGE_ROLES = (Role.EVALUATOR, Role.PANELIST)


@dataclass
class JudgeConflicts:
    tenant_ids: set[int] = field(default_factory=set)
    provinces: set[str] = field(default_factory=set)
    proposal_ids: set[int] = field(default_factory=set)

    def blocks(self, proposal_id: int, tenant_id: int, province: str) -> bool:
        return (
            proposal_id in self.proposal_ids
            or tenant_id in self.tenant_ids
            or (bool(province) and province in self.provinces)
        )


@dataclass(frozen=True)
class ProposalFacts:
    proposal_id: int
    tenant_id: int
    province: str


def conflicts_for(user_ids: Iterable[int]) -> dict[int, JudgeConflicts]:
    """Every judge's conflicts, from affiliations and declarations, in two queries."""
    ids = sorted(set(user_ids))
    out: dict[int, JudgeConflicts] = defaultdict(JudgeConflicts)
    if not ids:
        return out
    rows = db.session.execute(
        sa.select(
            JudgeAffiliation.user_id, Tenant.id, Tenant.kind, Tenant.code, Tenant.province_code
        )
        .join(Tenant, Tenant.id == JudgeAffiliation.tenant_id)
        .where(JudgeAffiliation.user_id.in_(ids))
    )
    for user_id, tenant_id, kind, code, province_code in rows:
        out[user_id].tenant_ids.add(tenant_id)
        province = province_of(kind, code, province_code)
        if province:
            out[user_id].provinces.add(province)
    declared = db.session.execute(
        sa.select(
            ConflictDeclaration.user_id,
            ConflictDeclaration.proposal_id,
            ConflictDeclaration.tenant_id,
        ).where(ConflictDeclaration.user_id.in_(ids))
    )
    for user_id, proposal_id, tenant_id in declared:
        if proposal_id is not None:
            out[user_id].proposal_ids.add(proposal_id)
        if tenant_id is not None:
            out[user_id].tenant_ids.add(tenant_id)
    return out


def proposal_facts(proposal_ids: Iterable[int]) -> dict[int, ProposalFacts]:
    ids = sorted(set(proposal_ids))
    if not ids:
        return {}
    rows = db.session.execute(
        sa.select(Proposal.id, Tenant.id, Tenant.kind, Tenant.code, Tenant.province_code)
        .join(Tenant, Tenant.id == Proposal.tenant_id)
        .where(Proposal.id.in_(ids))
    )
    return {
        pid: ProposalFacts(pid, tid, province_of(kind, code, prov))
        for pid, tid, kind, code, prov in rows
    }


def is_conflicted(user: User, proposal: Proposal) -> bool:
    """Does ``user`` have a conflict of interest with ``proposal``?"""
    facts = proposal_facts([proposal.id]).get(proposal.id)
    if facts is None:
        return False
    return conflicts_for([user.id])[user.id].blocks(
        facts.proposal_id, facts.tenant_id, facts.province
    )


def _require_judge(user: User) -> None:
    if user.role not in JUDGE_ROLES:
        raise ServiceError(_("Only evaluators and panelists have conflicts of interest recorded."))


def affiliations(user: User) -> list[JudgeAffiliation]:
    stmt = sa.select(JudgeAffiliation).where(JudgeAffiliation.user_id == user.id)
    return list(db.session.execute(stmt.order_by(JudgeAffiliation.id)).scalars())


def declarations(user: User) -> list[ConflictDeclaration]:
    stmt = sa.select(ConflictDeclaration).where(ConflictDeclaration.user_id == user.id)
    return list(db.session.execute(stmt.order_by(ConflictDeclaration.id)).scalars())


def add_affiliation(user: User, tenant: Tenant, *, actor: User) -> JudgeAffiliation:
    """Record the agency a judge belongs to; ends and reassigns now-conflicted assignments."""
    from central.judging.assignment import release_conflicted

    _require_judge(user)
    exists = db.session.execute(
        sa.select(JudgeAffiliation).where(
            JudgeAffiliation.user_id == user.id, JudgeAffiliation.tenant_id == tenant.id
        )
    ).scalar_one_or_none()
    if exists is not None:
        raise ServiceError(_("This affiliation is already recorded."))
    affiliation = JudgeAffiliation(user_id=user.id, tenant_id=tenant.id)
    db.session.add(affiliation)
    db.session.flush()
    audit.record("judging.affiliation.add", user, actor=actor, after={"tenant": tenant.code})
    release_conflicted(user, actor=actor)
    return affiliation


def remove_affiliation(affiliation: JudgeAffiliation, *, actor: User) -> None:
    """Forget an affiliation recorded by mistake (audited)."""
    user = db.session.get(User, affiliation.user_id)
    audit.record(
        "judging.affiliation.remove", user, actor=actor, before={"tenant": affiliation.tenant.code}
    )
    db.session.delete(affiliation)
    db.session.flush()


def declare(
    user: User,
    *,
    reason: str,
    actor: User,
    proposal: Proposal | None = None,
    tenant: Tenant | None = None,
) -> ConflictDeclaration:
    """Declare a conflict with a proposal or an agency; ends and reassigns affected work."""
    from central.judging.assignment import release_conflicted

    _require_judge(user)
    reason = reason.strip()
    if len(reason) < 5:
        raise ServiceError(_("Say briefly why (at least 5 characters)."), field="reason")
    if proposal is None and tenant is None:
        raise ServiceError(_("Name the proposal or the agency."))
    declaration = ConflictDeclaration(
        user_id=user.id,
        proposal_id=proposal.id if proposal else None,
        tenant_id=tenant.id if tenant else None,
        reason=reason,
        declared_by_id=actor.id,
    )
    db.session.add(declaration)
    db.session.flush()
    audit.record(
        "judging.conflict.declare",
        user,
        actor=actor,
        after={
            "proposal": proposal.uuid if proposal else None,
            "tenant": tenant.code if tenant else None,
            "reason": reason,
        },
    )
    release_conflicted(user, actor=actor)
    return declaration
