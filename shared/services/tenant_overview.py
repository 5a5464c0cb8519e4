"""A tenant's overview of the running competition: the Admin Lokal's (and a unit's) dashboard.

Two grouped queries over the proposals of the current competition give every figure (by
status, by unit, by group), so the page stays fast with thousands of proposals.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from flask_babel import get_locale
from flask_babel import gettext as _

from shared.db import db
from shared.models.competition import Competition
from shared.models.proposal import Proposal, ProposalStatus
from shared.models.unit import Unit
from shared.services.competitions import current_competition
from shared.services.proposals import STATUS_ORDER, Window, status_label, window


@dataclass
class UnitRow:
    unit_id: int | None
    name: str
    active: bool
    counts: dict[ProposalStatus, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def unsent(self) -> int:
        return self.counts.get(ProposalStatus.DRAFT, 0) + self.counts.get(
            ProposalStatus.RETURNED, 0
        )


@dataclass(frozen=True)
class QuotaRow:
    group_code: str
    label: str
    used: int
    quota: int | None


@dataclass
class Overview:
    competition: Competition | None
    deadline: Window | None
    by_status: dict[ProposalStatus, int]
    units: list[UnitRow]
    quotas: list[QuotaRow]

    @property
    def total(self) -> int:
        return sum(self.by_status.values())

    @property
    def drafts_unsent(self) -> int:
        """Proposals the units have not (re)sent to the admin: drafts and returned ones."""
        return self.by_status[ProposalStatus.DRAFT] + self.by_status[ProposalStatus.RETURNED]

    # -- chart series: (label, value) -------------------------------------------------------
    def status_series(self) -> list[tuple[str, int]]:
        return [(status_label(s), n) for s, n in self.by_status.items()]

    def unit_series(self) -> list[tuple[str, int]]:
        return [(row.name, row.total) for row in self.units if row.total]

    def quota_series(self) -> list[tuple[str, int]]:
        return [
            (f"{q.label} ({q.used}/{q.quota})" if q.quota is not None else q.label, q.used)
            for q in self.quotas
        ]

    def quota_wholes(self) -> list[int | None]:
        """Each group's quota: its bar is full when the quota is used up."""
        return [q.quota for q in self.quotas]


def quota_used(competition: Competition) -> dict[str, int]:
    """Per group, the tenant's proposals that count against its quota: those submitted."""
    stmt = (
        sa.select(Proposal.group_code, sa.func.count())
        .where(
            Proposal.competition_id == competition.id,
            Proposal.submitted_revision.is_not(None),
        )
        .group_by(Proposal.group_code)
    )
    return {group: count for group, count in db.session.execute(stmt)}


def overview(
    *, unit_id: int | None = None, now: datetime | None = None, competition=None
) -> Overview:
    """Figures for the tenants in scope, or for one unit when ``unit_id`` is given."""
    competition = competition or current_competition()
    by_status = dict.fromkeys(STATUS_ORDER, 0)
    if competition is None:
        return Overview(None, None, by_status, [], [])
    deadline = window(competition, now)

    stmt = (
        sa.select(Proposal.unit_id, Proposal.status, sa.func.count())
        .where(Proposal.competition_id == competition.id)
        .group_by(Proposal.unit_id, Proposal.status)
    )
    if unit_id is not None:
        stmt = stmt.where(Proposal.unit_id == unit_id)
    rows: dict[int | None, UnitRow] = {}
    unit_stmt = sa.select(Unit.id, Unit.name, Unit.active).order_by(Unit.name)
    if unit_id is not None:
        unit_stmt = unit_stmt.where(Unit.id == unit_id)
    for uid, name, active in db.session.execute(unit_stmt):
        rows[uid] = UnitRow(uid, name, active)
    for uid, status, count in db.session.execute(stmt):
        status = ProposalStatus(status)
        by_status[status] += count
        row = rows.get(uid)
        if row is None:  # a unit of another scope cannot appear; proposals without a unit can
            row = rows[uid] = UnitRow(uid, _("(no unit)"), True)
        row.counts[status] = row.counts.get(status, 0) + count

    locale = str(get_locale() or "id")
    used = quota_used(competition)  # the quota is the tenant's, whoever looks
    quotas = [
        QuotaRow(group.code, group.name.get(locale), used.get(group.code, 0), group.quota)
        for group in competition.config.groups
    ]
    units = sorted(rows.values(), key=lambda r: (not r.active, -r.total, r.name.lower()))
    return Overview(competition, deadline, by_status, units, quotas)
