"""A node hosting two tenants: neither tenant's users can see or change the other's units,
accounts or proposals, by any URL (tests/test_route_security.py covers every route; these
spell out the ones that matter, including what a list shows and what a form accepts)."""

from __future__ import annotations

import re

import pytest

from shared.models import AuditLog, ProposalStatus, Role, Unit, User


@pytest.fixture
def jepara(factory, tenant):
    unit = factory.unit(tenant, name="Dinas Kesehatan Jepara")
    operator = factory.user(Role.OPERATOR, tenant=tenant, unit=unit, full_name="Operator Jepara")
    factory.proposal(tenant, unit, title="Inovasi Jepara", status=ProposalStatus.SUBMITTED)
    return unit, operator


@pytest.fixture
def semarang(factory, other_tenant):
    unit = factory.unit(other_tenant, name="Dinas Kesehatan Semarang")
    operator = factory.user(
        Role.OPERATOR, tenant=other_tenant, unit=unit, full_name="Operator Semarang"
    )
    for _ in range(4):
        factory.proposal(other_tenant, unit, status=ProposalStatus.SUBMITTED)
    return unit, operator


def test_lists_show_only_the_own_tenant(client, login_as, tenant, jepara, semarang) -> None:
    login_as(Role.LOCAL_ADMIN, tenant=tenant)
    for url in ("/units/", "/operators/", "/dashboard"):
        page = client.get(url).get_data(as_text=True)
        assert "Semarang" not in page, url
    assert "Dinas Kesehatan Jepara" in client.get("/units/").get_data(as_text=True)
    assert "Operator Jepara" in client.get("/operators/").get_data(as_text=True)


def test_another_tenants_unit_cannot_be_opened_or_changed(
    client, factory, login_as, tenant, jepara, semarang
) -> None:
    login_as(Role.LOCAL_ADMIN, tenant=tenant)
    foreign, _ = semarang
    assert client.get(f"/units/{foreign.id}").status_code == 404
    assert client.get(f"/units/{foreign.id}/edit").status_code == 404
    response = client.post(f"/units/{foreign.id}/edit", data={"name": "Diambil Alih"})
    assert response.status_code == 404
    assert client.post(f"/units/{foreign.id}/deactivate").status_code == 404
    stored = factory.get(Unit, foreign.id)
    assert (stored.name, stored.active) == ("Dinas Kesehatan Semarang", True)
    assert factory.count(AuditLog, AuditLog.tenant_id != tenant.id) == 0


def test_another_tenants_accounts_cannot_be_touched(
    client, factory, login_as, tenant, jepara, semarang
) -> None:
    login_as(Role.LOCAL_ADMIN, tenant=tenant)
    _, foreign = semarang
    assert client.get(f"/operators/{foreign.id}/edit").status_code == 404
    for action in ("reset-password", "deactivate", "activate"):
        assert client.post(f"/operators/{foreign.id}/{action}").status_code == 404, action
    stored = factory.get(User, foreign.id)
    assert stored.active and stored.password_hash == foreign.password_hash


def test_forms_refuse_another_tenants_unit(client, factory, login_as, tenant, jepara, semarang):
    login_as(Role.LOCAL_ADMIN, tenant=tenant)
    foreign_unit, _ = semarang
    _, own_operator = jepara
    response = client.post(
        "/operators/new",
        data={
            "username": "penyusup",
            "full_name": "P",
            "email": "p@x.id",
            "unit_id": foreign_unit.id,
        },
    )
    assert response.status_code == 400
    assert factory.count(User, User.username == "penyusup") == 0
    response = client.post(
        f"/operators/{own_operator.id}/edit",
        data={"full_name": "X", "email": "x@jepara.go.id", "unit_id": foreign_unit.id},
    )
    assert response.status_code == 400
    assert factory.get(User, own_operator.id).unit_id == jepara[0].id


def test_same_unit_names_live_side_by_side(client, factory, login_as, tenant, semarang) -> None:
    login_as(Role.LOCAL_ADMIN, tenant=tenant)
    response = client.post("/units/new", data={"name": "Dinas Kesehatan Semarang"})
    assert response.status_code == 302
    assert factory.count(Unit, Unit.name == "Dinas Kesehatan Semarang") == 2


def test_dashboard_counts_only_the_own_tenant(client, login_as, tenant, jepara, semarang) -> None:
    login_as(Role.LOCAL_ADMIN, tenant=tenant)
    page = client.get("/dashboard").get_data(as_text=True)
    assert "<b>1</b>Proposal" in page  # Semarang's four are not counted


def test_another_tenants_proposals_and_files_stay_out_of_reach(
    client, factory, login_as, tenant, other_tenant, jepara, semarang
) -> None:
    from shared.models import Attachment, Proposal

    foreign_unit, _ = semarang
    proposal = factory.proposal(other_tenant, foreign_unit, title="Rahasia Semarang")
    attachment = factory.attachment(proposal, kind="decree")
    for role, unit in ((Role.LOCAL_ADMIN, None), (Role.OPERATOR, jepara[0])):
        login_as(role, tenant=tenant, unit=unit)
        assert "Rahasia Semarang" not in client.get("/proposals/").get_data(as_text=True)
        assert "Rahasia Semarang" not in client.get("/proposals/export.csv").data.decode()
        for url in (
            f"/proposals/{proposal.id}",
            f"/proposals/{proposal.id}/edit",
            f"/proposals/{proposal.id}/history",
            f"/proposals/{proposal.id}/attachments",
            f"/proposals/attachments/{attachment.id}",
        ):
            assert client.get(url).status_code == 404, (role, url)
        for url in (
            f"/proposals/{proposal.id}/send",
            f"/proposals/{proposal.id}/verify",
            f"/proposals/{proposal.id}/submit",
            f"/proposals/attachments/{attachment.id}/delete",
        ):
            assert client.post(url).status_code in (403, 404), (role, url)
    stored = factory.get(Proposal, proposal.id)
    assert (stored.title, stored.status) == ("Rahasia Semarang", ProposalStatus.DRAFT)
    assert factory.get(Attachment, attachment.id) is not None


def test_the_list_counts_only_the_own_tenant(client, login_as, tenant, jepara, semarang) -> None:
    """The list's total comes from a count over a subquery: it must be scoped as well."""
    login_as(Role.LOCAL_ADMIN, tenant=tenant)
    for url in ("/proposals/", "/proposals/?status=submitted"):
        page = client.get(url).get_data(as_text=True)
        assert re.search(r"\b1 proposal\b", page), url  # Semarang's four are not counted
