"""A tenant without a node follows its proposals on central: it sees the screening result only
from the screening stage's publish time, while the secretariat sees its decision at once."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from shared.models import ProposalStatus, Role, TenantKind
from tests import announce_factories as af
from tests.central.helpers import version_of

REASON = "Inovasi belum cukup lama diterapkan: Implementasi baru dimulai Juni 2026."


@pytest.fixture
def ministry_tenant(factory):
    return factory.tenant(
        code="KL-024", name="Kementerian Kesehatan", kind=TenantKind.KEMENTERIAN, province_code=None
    )


@pytest.fixture
def decided(client, factory, login_as, ministry_tenant):
    """A submitted proposal the secretariat failed, with the screening published in a month."""
    comp = factory.competition()
    unit = factory.unit(ministry_tenant)
    proposal = factory.proposal(
        ministry_tenant,
        unit,
        status=ProposalStatus.SUBMITTED,
        title="Telemedisin Rumah Sakit Vertikal",
        submitted_at=datetime(2027, 2, 1, tzinfo=UTC),
        submitted_revision=1,
    )
    af.set_publish(factory, comp.id, screening=af.future())
    login_as(Role.SECRETARIAT)
    url = f"/screening/{proposal.uuid}"
    response = client.post(
        url,
        data={
            "version": version_of(client.get(url).text),
            "result": "failed",
            "reason_code": "too_young",
            "note": "Implementasi baru dimulai Juni 2026.",
        },
    )
    assert response.status_code == 302
    # the secretariat sees its decision at once
    assert REASON in client.get(f"/screening/{proposal.uuid}").get_data(as_text=True)
    return {"proposal": proposal, "unit": unit, "competition": comp}


def _tenant_pages(client, proposal) -> str:
    pages = [f"/proposals/{proposal.id}", f"/proposals/{proposal.id}/history", "/dashboard"]
    return "\n".join(client.get(url).get_data(as_text=True) for url in pages)


@pytest.mark.parametrize("role", [Role.LOCAL_ADMIN, Role.OPERATOR])
def test_tenant_sees_the_screening_result_only_from_its_publish_time(
    client, factory, login_as, ministry_tenant, decided, role
) -> None:
    proposal = decided["proposal"]
    login_as(role, tenant=ministry_tenant, unit=decided["unit"] if role == Role.OPERATOR else None)
    before = _tenant_pages(client, proposal)
    assert "Telemedisin Rumah Sakit Vertikal" in before
    assert "Belum diseleksi" in before  # "Not yet screened"
    assert "Tidak lolos seleksi" not in before
    assert REASON not in before and "Implementasi baru dimulai" not in before
    assert "screening.decide" not in before
    if role == Role.LOCAL_ADMIN:
        own = client.get("/our-results").get_data(as_text=True)
        assert "Telemedisin Rumah Sakit Vertikal" in own and "Implementasi baru" not in own

    af.set_publish(factory, decided["competition"].id, screening=af.past())
    after = client.get(f"/proposals/{proposal.id}").get_data(as_text=True)
    assert "Tidak lolos seleksi" in after and REASON in after
    if role == Role.LOCAL_ADMIN:
        assert REASON in client.get("/our-results").get_data(as_text=True)
