"""The national intake dashboard: grouped counts over the running competition's proposals.

Every figure is one aggregate query (GROUP BY in the database), never a loop over proposals,
so the page answers quickly with thousands of proposals during the deadline surge. The same
functions serve a tenant's own view: the session's tenant scope filters them (shared/tenancy.py).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta

import sqlalchemy as sa
from flask_babel import gettext as _

from shared.db import db, utcnow
from shared.models.competition import Competition
from shared.models.proposal import Proposal, ProposalStatus, ScreeningResult
from shared.models.tenant import Tenant, TenantKind
from shared.services.proposals import STATUS_ORDER, status_label
from shared.timeutil import wib_date

SUBMITTED = ProposalStatus.SUBMITTED
NO_PROVINCE = ""  # K/L and BUMN: national, no province


@dataclass(frozen=True)
class DashFilter:
    """Drill-down: one tenant, one province or one agency type (empty = national)."""

    tenant_code: str = ""
    province: str = ""
    kind: str = ""
    unit_id: int | None = None  # a unit operator's own view
    own_tenant: bool = False  # an agency's own view: no national breakdowns

    @property
    def is_national(self) -> bool:
        return not (self.tenant_code or self.province or self.kind)


@dataclass
class Row:
    """One line of a breakdown: all proposals and the submitted ones."""

    key: str
    label: str
    total: int = 0
    submitted: int = 0


@dataclass
class Figures:
    """Every number of the dashboard (plain data: safe to keep between requests)."""

    by_status: dict[ProposalStatus, int] = field(default_factory=dict)
    by_screening: dict[ScreeningResult, int] = field(default_factory=dict)
    by_kind: list[Row] = field(default_factory=list)
    by_province: list[Row] = field(default_factory=list)
    by_category: list[Row] = field(default_factory=list)
    by_group: list[Row] = field(default_factory=list)
    by_tenant: list[Row] = field(default_factory=list)
    per_day: list[tuple[date, int]] = field(default_factory=list)


@dataclass
class Dashboard:
    competition: Competition
    flt: DashFilter
    figures: Figures
    tenant: Tenant | None = None

    def __getattr__(self, name: str):  # d.by_status, d.per_day, ... read the figures
        return getattr(self.__dict__["figures"], name)

    @property
    def total(self) -> int:
        return sum(self.figures.by_status.values())

    @property
    def submitted(self) -> int:
        return self.figures.by_status.get(SUBMITTED, 0)

    @property
    def peak_day(self) -> tuple[date, int] | None:
        days = self.figures.per_day
        return max(days, key=lambda d: d[1]) if days else None


def province_expr() -> sa.ColumnElement[str]:
    """A tenant's province code: its own code for a province, else its province_code."""
    return sa.case(
        (Tenant.kind == TenantKind.PROVINSI, Tenant.code),
        else_=sa.func.coalesce(Tenant.province_code, NO_PROVINCE),
    )


def _wib_day(column: sa.ColumnElement) -> sa.ColumnElement:
    """The WIB calendar day of a UTC timestamp column, on either backend."""
    if db.engine.dialect.name == "postgresql":
        return sa.cast(column + sa.text("interval '7 hours'"), sa.Date)
    return sa.func.date(column, "+7 hours")


def _filtered(stmt: sa.Select, competition: Competition, flt: DashFilter) -> sa.Select:
    stmt = stmt.where(Proposal.competition_id == competition.id)
    if flt.unit_id is not None:
        stmt = stmt.where(Proposal.unit_id == flt.unit_id)
    if flt.tenant_code:
        stmt = stmt.where(Tenant.code == flt.tenant_code)
    if flt.province:
        stmt = stmt.where(province_expr() == flt.province)
    if flt.kind:
        stmt = stmt.where(Tenant.kind == flt.kind)
    return stmt


def _base(*columns: sa.ColumnElement, competition: Competition, flt: DashFilter) -> sa.Select:
    stmt = sa.select(*columns).select_from(Proposal).join(Tenant, Tenant.id == Proposal.tenant_id)
    return _filtered(stmt, competition, flt)


def _breakdown(
    key: sa.ColumnElement, competition: Competition, flt: DashFilter
) -> dict[str, tuple[int, int]]:
    """{key: (all proposals, submitted)} grouped in the database."""
    submitted = sa.func.sum(sa.case((Proposal.status == SUBMITTED, 1), else_=0))
    stmt = _base(key, sa.func.count(), submitted, competition=competition, flt=flt).group_by(key)
    return {
        str(k.value if hasattr(k, "value") else (k or "")): (n, int(s or 0))
        for k, n, s in db.session.execute(stmt)
    }


def _rows(counts: dict[str, tuple[int, int]], labels: Iterable[tuple[str, str]]) -> list[Row]:
    """Rows in the order of ``labels`` (zero rows included), then any unknown keys."""
    rows, seen = [], set()
    for key, label in labels:
        total, submitted = counts.get(key, (0, 0))
        rows.append(Row(key, label, total, submitted))
        seen.add(key)
    for key, (total, submitted) in sorted(counts.items()):
        if key not in seen:
            rows.append(Row(key, key or "-", total, submitted))
    return rows


def province_names() -> dict[str, str]:
    rows = db.session.execute(
        sa.select(Tenant.code, Tenant.name).where(Tenant.kind == TenantKind.PROVINSI)
    )
    return {code: name for code, name in rows}


def build(competition: Competition, flt: DashFilter, *, locale: str = "id") -> Dashboard:
    """The dashboard for the filter (and the caller's tenant scope)."""
    tenant = None
    if flt.tenant_code:
        tenant = db.session.execute(
            sa.select(Tenant).where(Tenant.code == flt.tenant_code)
        ).scalar_one_or_none()
    return Dashboard(competition, flt, compute(competition, flt, locale), tenant)


def compute(competition: Competition, flt: DashFilter, locale: str) -> Figures:
    """Every figure, each one grouped in the database."""
    from central.tenants.services import kind_label

    fig = Figures()
    config = competition.config
    status_rows = db.session.execute(
        _base(
            Proposal.status,
            Proposal.screening_result,
            sa.func.count(),
            competition=competition,
            flt=flt,
        ).group_by(Proposal.status, Proposal.screening_result)
    )
    for status, screening, n in status_rows:
        fig.by_status[status] = fig.by_status.get(status, 0) + n
        if status == SUBMITTED:
            fig.by_screening[screening] = fig.by_screening.get(screening, 0) + n

    fig.by_group = _rows(
        _breakdown(Proposal.group_code, competition, flt),
        [(g.code, g.name.get(locale)) for g in config.groups],
    )
    fig.by_category = _rows(
        _breakdown(Proposal.category_code, competition, flt),
        [(c.code, c.name.get(locale)) for c in config.categories],
    )
    if not (flt.tenant_code or flt.own_tenant):
        fig.by_kind = _rows(
            _breakdown(Tenant.kind, competition, flt),
            [(k.value, kind_label(k)) for k in TenantKind],
        )
        names = province_names()
        counts = _breakdown(province_expr(), competition, flt)
        fig.by_province = sorted(
            (
                Row(code, names.get(code, code) if code else _("National (no province)"), t, s)
                for code, (t, s) in counts.items()
            ),
            key=lambda r: (-r.submitted, -r.total, r.label),
        )
    if flt.province or flt.kind:
        fig.by_tenant = tenant_rows(competition, flt)
    fig.per_day = per_day(competition, flt)
    return fig


def tenant_rows(competition: Competition, flt: DashFilter) -> list[Row]:
    """Per tenant of the drill-down (province or type), most submissions first."""
    submitted = sa.func.sum(sa.case((Proposal.status == SUBMITTED, 1), else_=0))
    stmt = _base(
        Tenant.code, Tenant.name, sa.func.count(), submitted, competition=competition, flt=flt
    ).group_by(Tenant.code, Tenant.name)
    rows = [Row(code, name, n, int(s or 0)) for code, name, n, s in db.session.execute(stmt)]
    return sorted(rows, key=lambda r: (-r.submitted, -r.total, r.key))


def per_day(competition: Competition, flt: DashFilter) -> list[tuple[date, int]]:
    """Submissions per WIB day from the opening to the close (or today), zeros included."""
    when = sa.func.coalesce(Proposal.submitted_at, Proposal.received_at)
    day = _wib_day(when)
    stmt = (
        _base(day, sa.func.count(), competition=competition, flt=flt)
        .where(Proposal.status == SUBMITTED, when.is_not(None))
        .group_by(day)
    )
    counts: dict[date, int] = {}
    for value, n in db.session.execute(stmt):
        key = value if isinstance(value, date) else date.fromisoformat(str(value))
        counts[key] = counts.get(key, 0) + n
    first = wib_date(competition.registration_opens_at)
    last = min(wib_date(competition.registration_closes_at), wib_date(utcnow()))
    if counts:
        first, last = min(first, min(counts)), max(last, max(counts))
    if last < first:
        return []
    return [
        (first + timedelta(days=i), counts.get(first + timedelta(days=i), 0))
        for i in range((last - first).days + 1)
    ]


# -- exports ------------------------------------------------------------------------------------


EXPORT_STATUSES = STATUS_ORDER


def export_rows(competition: Competition, flt: DashFilter) -> tuple[list[str], list[list]]:
    """Per tenant (every active tenant of the filter, with zeros): counts by status/screening."""
    from central.tenants.services import kind_label

    header = [
        _("Code"),
        _("Tenant"),
        _("Type"),
        _("Province"),
        "3T",
        *[status_label(s) for s in EXPORT_STATUSES],
        _("Total"),
        _("Screening passed"),
        _("Screening failed"),
    ]
    stmt = (
        sa.select(Proposal.tenant_id, Proposal.status, Proposal.screening_result, sa.func.count())
        .join(Tenant, Tenant.id == Proposal.tenant_id)
        .group_by(Proposal.tenant_id, Proposal.status, Proposal.screening_result)
    )
    counts: dict[int, dict[str, int]] = {}
    for tenant_id, status, screening, n in db.session.execute(_filtered(stmt, competition, flt)):
        c = counts.setdefault(tenant_id, {})
        c[status.value] = c.get(status.value, 0) + n
        if status == SUBMITTED and screening != ScreeningResult.PENDING:
            c[screening.value] = c.get(screening.value, 0) + n
    tenants_stmt = sa.select(Tenant, province_expr()).order_by(Tenant.code)
    if flt.tenant_code:
        tenants_stmt = tenants_stmt.where(Tenant.code == flt.tenant_code)
    if flt.province:
        tenants_stmt = tenants_stmt.where(province_expr() == flt.province)
    if flt.kind:
        tenants_stmt = tenants_stmt.where(Tenant.kind == flt.kind)
    rows = []
    for tenant, province in db.session.execute(tenants_stmt):
        c = counts.get(tenant.id, {})
        if not tenant.active and not c:
            continue
        by_status = [c.get(s.value, 0) for s in EXPORT_STATUSES]
        rows.append(
            [
                tenant.code,
                tenant.name,
                kind_label(tenant.kind),
                province or "",
                1 if tenant.is_3t else 0,
                *by_status,
                sum(by_status),
                c.get(ScreeningResult.PASSED.value, 0),
                c.get(ScreeningResult.FAILED.value, 0),
            ]
        )
    return header, rows
