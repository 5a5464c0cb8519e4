"""The secretariat's tenant pages: search, filters, adding K/L and enterprises, 3T, activation."""

from __future__ import annotations

import sqlalchemy as sa

from shared.models import AuditLog, ProposalStatus, Role, Tenant
from tests.conftest import login


def test_list_searches_and_filters(client, login_as, factory) -> None:
    factory.tenant(code="33", name="Provinsi Jawa Tengah", kind="provinsi", province_code=None)
    factory.tenant(code="33.20", name="Kabupaten Jepara", province_code="33", is_3t=False)
    factory.tenant(code="91.01", name="Kabupaten Merauke", province_code="91", is_3t=True)
    factory.tenant(
        code="KL.KEMENKES", name="Kementerian Kesehatan", kind="kementerian", province_code=None
    )
    login_as(Role.SECRETARIAT)

    page = client.get("/tenants/?q=jepara").get_data(as_text=True)
    assert "Kabupaten Jepara" in page and "Merauke" not in page

    page = client.get("/tenants/?is_3t=1").get_data(as_text=True)
    assert "Kabupaten Merauke" in page and "Jepara" not in page

    page = client.get("/tenants/?kind=kementerian").get_data(as_text=True)
    assert "Kementerian Kesehatan" in page and "Jepara" not in page

    page = client.get("/tenants/?province=33").get_data(as_text=True)
    assert "Kabupaten Jepara" in page and "Provinsi Jawa Tengah" in page
    assert "Merauke" not in page


def test_secretariat_adds_a_ministry_and_a_bumd(client, login_as, factory) -> None:
    factory.tenant(code="33", name="Provinsi Jawa Tengah", kind="provinsi", province_code=None)
    login_as(Role.SECRETARIAT)
    response = client.post(
        "/tenants/new",
        data={"kind": "kementerian", "code": "KL.KEMENKES", "name": "Kementerian Kesehatan"},
    )
    assert response.status_code == 302
    assert "Kementerian Kesehatan" in client.get(response.location).get_data(as_text=True)

    # a BUMD needs its province
    response = client.post(
        "/tenants/new", data={"kind": "bumd", "code": "BUMD.BANKJATENG", "name": "Bank Jateng"}
    )
    assert response.status_code == 400
    assert "BUMD berada di sebuah provinsi" in response.get_data(as_text=True)
    response = client.post(
        "/tenants/new",
        data={"kind": "bumd", "code": "BUMD.BANKJATENG", "name": "Bank Jateng", "province": "33"},
    )
    assert response.status_code == 302
    bumd = factory.count(Tenant, Tenant.code == "BUMD.BANKJATENG", Tenant.province_code == "33")
    assert bumd == 1
    assert factory.count(AuditLog, AuditLog.action == "tenant.create") == 2


def test_regions_cannot_be_added_by_hand(client, login_as) -> None:
    login_as(Role.SECRETARIAT)
    response = client.post(
        "/tenants/new", data={"kind": "kabupaten", "code": "99.99", "name": "Kabupaten Palsu"}
    )
    assert response.status_code == 400
    assert "daftar resmi" in response.get_data(as_text=True)


def test_edit_3t_flag_is_audited(client, login_as, factory, tenant) -> None:
    login_as(Role.SECRETARIAT)
    response = client.post(f"/tenants/{tenant.code}/edit", data={"name": tenant.name, "is_3t": "y"})
    assert response.status_code == 302
    assert factory.get(Tenant, tenant.id).is_3t is True
    with factory.app.app_context():
        from shared.db import db
        from shared.tenancy import national_scope

        with national_scope():
            entry = db.session.execute(
                sa.select(AuditLog).where(AuditLog.action == "tenant.update")
            ).scalar_one()
    assert entry.before == {"name": tenant.name, "is_3t": False}
    assert entry.after["is_3t"] is True


def test_deactivated_tenant_cannot_log_in(client, login_as, factory, tenant) -> None:
    admin = factory.user(Role.LOCAL_ADMIN, tenant=tenant)
    login_as(Role.SECRETARIAT)
    response = client.post(f"/tenants/{tenant.code}/active", data={"active": "0"})
    assert response.status_code == 302
    assert factory.get(Tenant, tenant.id).active is False
    client.post("/logout")
    assert login(client, admin.username).status_code == 400
    # deactivated tenants drop out of the default list but stay findable
    login_as(Role.SECRETARIAT)
    assert tenant.name not in client.get("/tenants/").get_data(as_text=True)
    assert tenant.name in client.get("/tenants/?active=0").get_data(as_text=True)


def test_tenant_page_shows_admins_and_proposal_counts(client, login_as, factory, tenant) -> None:
    factory.user(Role.LOCAL_ADMIN, tenant=tenant, username="admin.jepara")
    unit = factory.unit(tenant)
    factory.proposal(tenant, unit, status=ProposalStatus.SUBMITTED)
    factory.proposal(tenant, unit, status=ProposalStatus.SUBMITTED)
    factory.proposal(tenant, unit, status=ProposalStatus.DRAFT)
    login_as(Role.SECRETARIAT)
    page = client.get(f"/tenants/{tenant.code}").get_data(as_text=True)
    assert "admin.jepara" in page
    assert "<b>2</b>Diajukan" in page
    assert "<b>1</b>Draf" in page


def test_other_features_extend_the_tenant_page(app, client, login_as, tenant, tmp_path) -> None:
    from jinja2 import ChoiceLoader, DictLoader

    from central.tenants import add_tenant_panel

    app.jinja_loader = ChoiceLoader(
        [
            app.jinja_loader,
            DictLoader({"nodes_panel.html": "<p>Nodes of {{ tenant.code }}: {{ n }}</p>"}),
        ]
    )
    add_tenant_panel(app, "nodes_panel.html", lambda t: {"n": 2})
    login_as(Role.SECRETARIAT)
    assert f"Nodes of {tenant.code}: 2" in client.get(f"/tenants/{tenant.code}").get_data(
        as_text=True
    )


def test_tenant_roles_cannot_open_tenant_pages(client, login_as, tenant) -> None:
    login_as(Role.LOCAL_ADMIN, tenant=tenant)
    assert client.get("/tenants/").status_code == 403
    assert client.get(f"/tenants/{tenant.code}").status_code == 403


def test_a_lembaga_is_labelled_lembaga_not_the_generic_instansi(client, login_as, factory) -> None:

    factory.tenant(code="KL.BPS", name="Badan Pusat Statistik", kind="lembaga", province_code=None)
    login_as(Role.SECRETARIAT)
    page = client.get("/tenants/?kind=lembaga").get_data(as_text=True)
    row = page.split("Badan Pusat Statistik", 1)[1].split("</tr>", 1)[0]
    assert "lembaga" in row.lower() and "Instansi" not in row
