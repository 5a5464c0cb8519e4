"""Tenant scoping is enforced by the session, not by each query."""

import pytest
import sqlalchemy as sa

from shared.db import db
from shared.models import Role, Unit, User
from shared.tenancy import TenantScopeError, national_scope, tenant_scope


def test_unscoped_read_of_tenant_data_fails(app, factory, tenant) -> None:
    factory.unit(tenant)
    with app.app_context(), pytest.raises(TenantScopeError):
        db.session.execute(sa.select(Unit)).all()


def test_scope_filters_reads_updates_and_deletes(app, factory, tenant, other_tenant) -> None:
    mine = factory.unit(tenant, name="Dinas Kesehatan")
    theirs = factory.unit(other_tenant, name="Dinas Kesehatan")
    with app.app_context(), tenant_scope([tenant.id]):
        names = db.session.execute(sa.select(Unit.id)).scalars().all()
        assert names == [mine.id]
        assert db.session.get(Unit, theirs.id) is None
        db.session.execute(sa.update(Unit).values(head_name="changed"))
        db.session.execute(sa.delete(Unit).where(Unit.id == theirs.id))
        db.session.commit()
    assert factory.get(Unit, theirs.id).head_name == "Kepala Dinas"
    assert factory.get(Unit, mine.id).head_name == "changed"


def test_writing_another_tenants_row_is_refused(app, factory, tenant, other_tenant) -> None:
    with app.app_context(), tenant_scope([tenant.id]):
        db.session.add(Unit(tenant_id=other_tenant.id, name="Sneaky"))
        with pytest.raises(TenantScopeError):
            db.session.flush()
        db.session.rollback()
    assert factory.count(Unit) == 0


def test_national_scope_sees_all_and_ministry_rows(app, factory, tenant, other_tenant) -> None:
    factory.unit(tenant)
    factory.unit(other_tenant)
    factory.user(Role.SECRETARIAT)
    factory.user(Role.LOCAL_ADMIN, tenant=tenant)
    with app.app_context(), national_scope():
        assert len(db.session.execute(sa.select(Unit)).all()) == 2
        assert len(db.session.execute(sa.select(User)).all()) == 2
    with app.app_context(), tenant_scope([tenant.id]):
        users = db.session.execute(sa.select(User)).scalars().all()
        assert [u.role for u in users] == [Role.LOCAL_ADMIN]


def test_relationship_loads_stay_in_scope(app, factory, tenant, other_tenant) -> None:
    from shared.models import Proposal

    unit = factory.unit(tenant)
    factory.proposal(tenant, unit)
    factory.proposal(other_tenant)
    with app.app_context(), tenant_scope([tenant.id]):
        proposals = db.session.execute(sa.select(Proposal)).scalars().all()
        assert len(proposals) == 1
        assert proposals[0].unit.id == unit.id
