"""The proposal services as other features call them (central app; SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from shared.db import db, utcnow
from shared.models import (
    AuditLog,
    Proposal,
    ProposalRevision,
    ProposalStatus,
    Role,
    Tenant,
    Unit,
    User,
)
from shared.services import ServiceError, invitations
from shared.services import proposals as svc
from tests.proposal_support import complete_proposal, complete_values, open_window

S = ProposalStatus


@pytest.fixture
def world(app, factory, tenant):
    """Ids of a tenant's unit, its operator, its admin and an open competition."""
    competition = open_window(factory)
    unit = factory.unit(tenant, name="Dinas Sosial")
    return {
        "competition": competition,
        "unit": unit,
        "operator": factory.user(Role.OPERATOR, tenant=tenant, unit=unit),
        "admin": factory.user(Role.LOCAL_ADMIN, tenant=tenant),
    }


@pytest.fixture
def ctx(app, in_app):
    """A request context (translations) with national scope, rolled back afterwards."""
    with app.test_request_context(), in_app(app):
        yield
        db.session.rollback()


def _get(model, ident):
    return db.session.get(model, ident)


def _input(competition, **kw) -> svc.ProposalInput:
    values = complete_values(competition, **kw)
    values["sdgs"] = tuple(values["sdgs"])
    return svc.ProposalInput(**values)


def test_create_returns_the_open_violations(ctx, world, tenant) -> None:
    operator = _get(User, world["operator"].id)
    values = _input(world["competition"], title="")
    proposal, found = svc.create_proposal(
        tenant=_get(Tenant, tenant.id), unit=operator.unit, actor=operator, values=values
    )
    assert proposal.id and proposal.status == S.DRAFT and proposal.revision == 1
    assert {v.code for v in found} == {"title_missing", "attachment_missing"}
    assert proposal.competition_version_id == world["competition"].current.id


def test_operators_write_only_for_their_own_unit(ctx, world, tenant, factory) -> None:
    other = factory.unit(tenant, name="Dinas Pendidikan")
    operator = _get(User, world["operator"].id)
    with pytest.raises(ServiceError, match="unitnya sendiri"):
        svc.create_proposal(
            tenant=_get(Tenant, tenant.id),
            unit=_get(Unit, other.id),
            actor=operator,
            values=_input(world["competition"]),
        )


def test_no_proposal_for_a_deactivated_unit(ctx, world, tenant, factory) -> None:
    closed = factory.unit(tenant, name="UPT Lama", active=False)
    with pytest.raises(ServiceError) as err:
        svc.create_proposal(
            tenant=_get(Tenant, tenant.id),
            unit=_get(Unit, closed.id),
            actor=_get(User, world["admin"].id),
            values=_input(world["competition"]),
        )
    assert err.value.field == "unit_id"


def test_no_new_proposal_after_the_close(ctx, world, tenant, factory) -> None:
    now = utcnow()
    competition = factory.set_window(now - timedelta(days=90), now - timedelta(hours=1))
    operator = _get(User, world["operator"].id)
    with pytest.raises(ServiceError, match="Pendaftaran ditutup"):
        svc.create_proposal(
            tenant=_get(Tenant, tenant.id),
            unit=operator.unit,
            actor=operator,
            values=_input(competition),
        )


def test_save_section_changes_one_section_and_audits_it(ctx, world, tenant, factory) -> None:
    stored = complete_proposal(factory, tenant, world["unit"])
    proposal = _get(Proposal, stored.id)
    before = dict(proposal.sections)
    found = svc.save_section(
        proposal, "ringkasan", "kata " * 250, actor=_get(User, world["operator"].id)
    )
    assert [v.code for v in found] == ["word_limit"]
    assert proposal.sections == {**before, "ringkasan": ("kata " * 250).strip()}
    entry = db.session.execute(
        sa.select(AuditLog).where(AuditLog.action == "proposal.save")
    ).scalar_one()
    assert entry.after == {"changed": {"sections": ["ringkasan"]}}
    with pytest.raises(ServiceError, match="Bagian tidak dikenal"):
        svc.save_section(proposal, "rahasia", "x", actor=_get(User, world["operator"].id))


def test_a_group_change_keeps_text_until_submission(ctx, world, tenant, factory) -> None:
    """Replication sections typed, then the group set back to Umum: nothing is lost while
    drafting; the frozen revision holds only the sections of the group submitted."""
    stored = complete_proposal(factory, tenant, world["unit"], status=S.DRAFT)
    proposal = _get(Proposal, stored.id)
    admin = _get(User, world["admin"].id)
    values = svc.ProposalInput.from_proposal(proposal)
    values.sections["inspirasi"] = "Terinspirasi Lapak Ganteng Banyuwangi."
    svc.save_proposal(proposal, values, actor=admin)
    assert proposal.sections["inspirasi"] == "Terinspirasi Lapak Ganteng Banyuwangi."
    svc.verify_proposal(proposal, actor=admin)
    revision = svc.submit_proposal(proposal, actor=admin)
    assert "inspirasi" not in revision.content["sections"]
    assert "inspirasi" not in proposal.sections


def test_quota_counts_submitted_proposals_only(ctx, world, tenant, factory) -> None:
    for n in range(10):
        factory.proposal(tenant, world["unit"], title=f"Draf Inovasi Ke-{n} {'QRSTUVWXYZ'[n]}")
    proposal = _get(Proposal, complete_proposal(factory, tenant, world["unit"]).id)
    assert svc.check_proposal(proposal) == []  # ten drafts use no quota
    assert svc.quota_used(proposal) == 0


def test_khusus_needs_an_invitation(ctx, world, tenant, factory) -> None:
    stored = complete_proposal(factory, tenant, world["unit"], group="khusus")
    proposal = _get(Proposal, stored.id)
    assert [v.code for v in svc.check_proposal(proposal)] == ["not_invited"]
    invitations.invite(_get(Tenant, tenant.id), proposal.competition, "khusus", actor=None)
    assert svc.check_proposal(proposal) == []
    with pytest.raises(ServiceError, match="tidak perlu undangan"):
        invitations.invite(_get(Tenant, tenant.id), proposal.competition, "umum", actor=None)


def test_permissions_inside_the_services(ctx, world, tenant, factory) -> None:
    stored = complete_proposal(factory, tenant, world["unit"], status=S.VERIFIED)
    stranger_id = factory.user(Role.OPERATOR, tenant=tenant, unit=factory.unit(tenant)).id
    proposal = _get(Proposal, stored.id)
    operator = _get(User, world["operator"].id)
    stranger = _get(User, stranger_id)
    with pytest.raises(ServiceError, match="Hanya Admin Lokal"):
        svc.submit_proposal(proposal, actor=operator)
    with pytest.raises(ServiceError, match="tidak boleh mengubah"):
        svc.add_comment(proposal, "Titip komentar", actor=stranger)
    assert not svc.can_edit_now(stranger, proposal)
    assert proposal.status == S.VERIFIED
    assert db.session.execute(sa.select(sa.func.count(ProposalRevision.id))).scalar() == 0


def test_revision_cycle_and_history(ctx, world, tenant, factory) -> None:
    stored = complete_proposal(factory, tenant, world["unit"], status=S.SENT)
    proposal = _get(Proposal, stored.id)
    admin = _get(User, world["admin"].id)
    operator = _get(User, world["operator"].id)
    svc.return_proposal(proposal, "Tambahkan data capaian 2024.", actor=admin)
    svc.send_proposal(proposal, actor=operator)
    svc.verify_proposal(proposal, actor=admin)
    first = svc.submit_proposal(proposal, actor=admin)
    svc.start_revision(proposal, actor=operator)
    assert (proposal.status, proposal.revision, proposal.submitted_revision) == (S.DRAFT, 2, 1)
    assert proposal.content_hash == first.content_hash  # what the ministry holds
    entries = svc.history(proposal)
    assert [e.action for e in entries] == [
        "proposal.return",
        "comment",
        "proposal.send",
        "proposal.verify",
        "proposal.submit",
        "proposal.revise",
    ]
    revise = entries[-1]
    assert revise.before == {"status": "submitted", "revision": 1}
    assert revise.after == {"status": "draft", "revision": 2}
    assert any(e.comment == "Tambahkan data capaian 2024." for e in entries)


def test_list_proposals_filters(ctx, world, tenant, other_tenant, factory) -> None:
    factory.proposal(tenant, world["unit"], title="Sapa Warga Daring", status=S.SENT)
    factory.proposal(tenant, world["unit"], title="Dokter Keliling Desa")
    factory.proposal(other_tenant, factory.unit(other_tenant), title="Sapa Warga Semarang")
    admin = _get(User, world["admin"].id)
    with app_scope(tenant.id):
        page = svc.list_proposals(admin, svc.ProposalFilter(q="sapa"))
        assert [p.title for p in page.items] == ["Sapa Warga Daring"]
        page = svc.list_proposals(admin, svc.ProposalFilter(status=S.DRAFT))
        assert [p.title for p in page.items] == ["Dokter Keliling Desa"]


def app_scope(tenant_id: int):
    from shared.tenancy import tenant_scope

    return tenant_scope([tenant_id])
