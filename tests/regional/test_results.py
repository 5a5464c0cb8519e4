"""Results on the regional node: the Admin Lokal sees each submitted proposal's screening result
with its reason, the stage it reached and its award, as sync brought them."""

from __future__ import annotations

from shared.models import ProposalStatus, Role, ScreeningResult
from tests import announce_factories as af


def test_admin_sees_the_tenants_results(client, factory, login_as, tenant, other_tenant) -> None:
    af.proposal(
        factory,
        tenant,
        title="Inovasi Gagal Seleksi",
        stage_code="screening",
        screening=ScreeningResult.FAILED,
        screening_reason="Usia implementasi kurang dari satu tahun.",
    )
    af.proposal(factory, tenant, title="Inovasi Finalis", stage_code="presentation")
    af.proposal(factory, tenant, title="Inovasi Juara", stage_code="final", award="top")
    af.proposal(
        factory,
        tenant,
        title="Menunggu Seleksi",
        stage_code=None,
        screening=ScreeningResult.PENDING,
    )
    af.proposal(
        factory, tenant, title="Masih Draf", status=ProposalStatus.DRAFT, submitted_revision=None
    )
    af.proposal(  # submitted, then reopened as revision 2: central still holds revision 1
        factory,
        tenant,
        title="Sedang Direvisi",
        status=ProposalStatus.DRAFT,
        revision=2,
        stage_code=None,
        screening=ScreeningResult.PENDING,
    )
    af.proposal(factory, other_tenant, title="Milik Tetangga", stage_code="final", award="top")
    login_as(Role.LOCAL_ADMIN, tenant=tenant)
    html = client.get("/results").get_data(as_text=True)
    row = html.split("Inovasi Gagal Seleksi", 1)[1].split("</tr>", 1)[0]
    assert "Tidak lolos seleksi" in row and "Usia implementasi kurang dari satu tahun." in row
    assert "Presentasi dan Wawancara" in html.split("Inovasi Finalis", 1)[1].split("</tr>", 1)[0]
    juara = html.split("Inovasi Juara", 1)[1].split("</tr>", 1)[0]
    assert "Top Inovasi Pelayanan Publik" in juara and "Lolos seleksi" in juara
    assert "Belum diseleksi" in html.split("Menunggu Seleksi", 1)[1].split("</tr>", 1)[0]
    assert "Belum diseleksi" in html.split("Sedang Direvisi", 1)[1].split("</tr>", 1)[0]
    assert "Masih Draf" not in html and "Milik Tetangga" not in html
    stats = html.split('class="stats"', 1)[1].split("</div>\n</div>", 1)[0]
    assert (
        "<b>5</b>Diajukan" in stats
        and "<b>2</b>Finalis" in stats
        and "<b>1</b>Penghargaan" in stats
    )
    assert 'href="/results"' in client.get("/dashboard").get_data(as_text=True)  # in the menu


def test_operators_do_not_get_the_tenant_results(client, factory, login_as, tenant) -> None:
    login_as(Role.OPERATOR, tenant=tenant, unit=factory.unit(tenant))
    assert client.get("/results").status_code == 403
