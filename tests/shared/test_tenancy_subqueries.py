"""Tenant scoping reaches scoped tables inside subqueries (what pagination counts run)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from shared.db import db
from shared.models import Competition, Proposal
from shared.tenancy import TenantScopeError, tenant_scope


def _count_via_subquery() -> int:
    inner = sa.select(Proposal).where(Proposal.title.like("Inovasi%")).subquery()
    return db.session.execute(sa.select(sa.func.count()).select_from(inner)).scalar_one()


def test_a_count_over_a_subquery_sees_only_the_scope(app, factory, tenant, other_tenant) -> None:
    for _ in range(2):
        factory.proposal(tenant)
    for _ in range(3):
        factory.proposal(other_tenant)
    with app.app_context():
        with tenant_scope([tenant.id]):
            assert _count_via_subquery() == 2
        with tenant_scope([other_tenant.id]):
            assert _count_via_subquery() == 3
        with tenant_scope([tenant.id, other_tenant.id]):
            assert _count_via_subquery() == 5


def test_a_scoped_subquery_in_a_where_clause_is_scoped(app, factory, tenant, other_tenant):
    factory.proposal(other_tenant)  # creates this year's competition too
    used = sa.select(Proposal.competition_id).scalar_subquery()
    stmt = sa.select(sa.func.count(Competition.id)).where(Competition.id.in_(used))
    with app.app_context():
        with tenant_scope([tenant.id]):
            assert db.session.execute(stmt).scalar_one() == 0
        with tenant_scope([other_tenant.id]):
            assert db.session.execute(stmt).scalar_one() == 1


def test_a_subquery_of_tenant_data_without_a_scope_fails_loudly(app, factory, tenant) -> None:
    factory.proposal(tenant)
    with app.app_context(), pytest.raises(TenantScopeError):
        _count_via_subquery()
