"""Tenants as the secretariat manages them: search, add K/L and enterprises, 3T flag, activation."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from flask_babel import gettext as _

from shared.db import db
from shared.models.proposal import Proposal, ProposalStatus, ScreeningResult
from shared.models.tenant import Tenant, TenantKind
from shared.models.user import Role, User
from shared.pagination import Paged, clamp_page
from shared.services import ServiceError, audit
from shared.services import tenants as shared_tenants
from shared.services.competitions import current_competition
from shared.services.tenants import kind_label
from sync import credentials as sync_credentials

# Regions come from the official list (seed-regions); the secretariat adds the others by hand.
ADDABLE_KINDS = (TenantKind.KEMENTERIAN, TenantKind.LEMBAGA, TenantKind.BUMN, TenantKind.BUMD)
PER_PAGE = 50


@dataclass(frozen=True)
class TenantFilter:
    q: str = ""
    kind: str = ""
    province: str = ""
    is_3t: bool | None = None
    active: bool | None = True

    def apply(self, stmt: sa.Select) -> sa.Select:
        if self.q.strip():
            like = f"%{self.q.strip().lower()}%"
            stmt = stmt.where(
                sa.or_(sa.func.lower(Tenant.name).like(like), sa.func.lower(Tenant.code).like(like))
            )
        if self.kind in TenantKind.__members__.values():
            stmt = stmt.where(Tenant.kind == TenantKind(self.kind))
        if self.province:
            stmt = stmt.where(
                sa.or_(Tenant.province_code == self.province, Tenant.code == self.province)
            )
        if self.is_3t is not None:
            stmt = stmt.where(Tenant.is_3t.is_(self.is_3t))
        if self.active is not None:
            stmt = stmt.where(Tenant.active.is_(self.active))
        return stmt


@dataclass
class TenantRow:
    tenant: Tenant
    admins: int = 0
    submitted: int = 0
    in_progress: int = 0
    last_sync: datetime | None = None  # when a regional node of the tenant last called central


@dataclass
class TenantPage(Paged):
    rows: list[TenantRow]
    total: int
    page: int
    per_page: int


def search(flt: TenantFilter, page: int = 1, per_page: int = PER_PAGE) -> TenantPage:
    """One page of tenants matching the filter, with admin and proposal counts."""
    base = flt.apply(sa.select(Tenant))
    total = db.session.execute(sa.select(sa.func.count()).select_from(base.subquery())).scalar_one()
    page = clamp_page(page, total, per_page)
    tenants = (
        db.session.execute(
            base.order_by(Tenant.kind, Tenant.code).limit(per_page).offset((page - 1) * per_page)
        )
        .scalars()
        .all()
    )
    rows = {t.id: TenantRow(t) for t in tenants}
    if rows:
        _fill_counts(rows)
    return TenantPage(list(rows.values()), total, page, per_page)


def _fill_counts(rows: dict[int, TenantRow]) -> None:
    ids = list(rows)
    admins = db.session.execute(
        sa.select(User.tenant_id, sa.func.count())
        .where(User.tenant_id.in_(ids), User.role == Role.LOCAL_ADMIN, User.active.is_(True))
        .group_by(User.tenant_id)
    )
    for tenant_id, n in admins:
        rows[tenant_id].admins = n
    for tenant_id, seen in sync_credentials.last_seen_by_tenant(ids).items():
        rows[tenant_id].last_sync = seen
    competition = current_competition()
    if competition is None:
        return
    counts = db.session.execute(
        sa.select(Proposal.tenant_id, Proposal.status, sa.func.count())
        .where(Proposal.tenant_id.in_(ids), Proposal.competition_id == competition.id)
        .group_by(Proposal.tenant_id, Proposal.status)
    )
    for tenant_id, status, n in counts:
        if status == ProposalStatus.SUBMITTED:
            rows[tenant_id].submitted += n
        else:
            rows[tenant_id].in_progress += n


@dataclass
class TenantSummary:
    tenant: Tenant
    admins: list[User]
    by_status: dict[ProposalStatus, int] = field(default_factory=dict)
    by_screening: dict[ScreeningResult, int] = field(default_factory=dict)
    competition_year: int | None = None

    @property
    def total(self) -> int:
        return sum(self.by_status.values())


def summary(tenant: Tenant) -> TenantSummary:
    """A tenant's Admin Lokal accounts and its proposals of the running competition."""
    admins = (
        db.session.execute(
            sa.select(User)
            .where(User.tenant_id == tenant.id, User.role == Role.LOCAL_ADMIN)
            .order_by(User.active.desc(), User.username)
        )
        .scalars()
        .all()
    )
    result = TenantSummary(tenant, list(admins))
    competition = current_competition()
    if competition is None:
        return result
    result.competition_year = competition.year
    rows = db.session.execute(
        sa.select(Proposal.status, Proposal.screening_result, sa.func.count())
        .where(Proposal.tenant_id == tenant.id, Proposal.competition_id == competition.id)
        .group_by(Proposal.status, Proposal.screening_result)
    )
    for status, screening, n in rows:
        result.by_status[status] = result.by_status.get(status, 0) + n
        if status == ProposalStatus.SUBMITTED:
            result.by_screening[screening] = result.by_screening.get(screening, 0) + n
    return result


def provinces() -> list[tuple[str, str]]:
    """(code, name) of every province tenant, for filters."""
    rows = db.session.execute(
        sa.select(Tenant.code, Tenant.name)
        .where(Tenant.kind == TenantKind.PROVINSI)
        .order_by(Tenant.code)
    )
    return [(code, name) for code, name in rows]


def add_tenant(
    *,
    code: str,
    name: str,
    kind: str,
    actor: User,
    province_code: str | None = None,
    is_3t: bool = False,
) -> Tenant:
    """Add a K/L, BUMN or BUMD tenant (regions come from the official list)."""
    if kind not in [k.value for k in ADDABLE_KINDS]:
        raise ServiceError(
            _("Add ministries, agencies, BUMN and BUMD here; regions come from the official list."),
            field="kind",
        )
    province_code = (province_code or "").strip() or None
    if province_code is not None and shared_tenants.get_by_code(province_code) is None:
        raise ServiceError(_("Unknown province %(code)s.", code=province_code), field="province")
    if kind == TenantKind.BUMD and province_code is None:
        raise ServiceError(_("A BUMD belongs to a province: choose it."), field="province")
    return shared_tenants.add_tenant(
        code=code, name=name, kind=kind, actor=actor, province_code=province_code, is_3t=is_3t
    )


def update_tenant(tenant: Tenant, *, name: str, is_3t: bool, actor: User) -> None:
    """Rename a tenant or change its 3T flag (disadvantaged, frontier, outermost region)."""
    name = name.strip()
    if not name:
        raise ServiceError(_("The tenant needs a name."), field="name")
    before = audit.snapshot(tenant, ("name", "is_3t"))
    if (tenant.name, tenant.is_3t) == (name, is_3t):
        return
    tenant.name, tenant.is_3t = name, is_3t
    audit.record(
        "tenant.update",
        tenant,
        actor=actor,
        tenant_id=tenant.id,
        before=before,
        after=audit.snapshot(tenant, ("name", "is_3t")),
    )


def set_active(tenant: Tenant, active: bool, *, actor: User) -> None:
    """Deactivate a tenant (its accounts can no longer log in; its data stays) or reactivate."""
    shared_tenants.set_active(tenant, active, actor=actor)


def kinds_present(kinds: Iterable[TenantKind] = tuple(TenantKind)) -> list[tuple[str, str]]:
    """(value, label) of tenant kinds, for filters."""
    return [(k.value, kind_label(k)) for k in kinds]
