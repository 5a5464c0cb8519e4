"""On central, an Admin Lokal sees and changes only its own tenant's data, by any route;
the secretariat sees every tenant's."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import pytest
from flask import url_for

from shared.models import Proposal, ProposalStatus, Role, ScreeningResult, Unit, User
from tests.route_catalog import OBJECT_ARGS, PLAIN_ARGS

SECRET_TITLE = "Inovasi Rahasia Kota Semarang"
SECRET_UNIT = "Dinas Rahasia Semarang"


@pytest.fixture
def two_tenants(factory, tenant, other_tenant):
    mine = factory.proposal(
        tenant,
        factory.unit(tenant, name="Dinas Kesehatan Jepara"),
        status=ProposalStatus.SUBMITTED,
        title="Inovasi Milik Jepara",
        submitted_at=datetime(2027, 2, 1, tzinfo=UTC),
    )
    unit = factory.unit(other_tenant, name=SECRET_UNIT)
    theirs = factory.proposal(
        other_tenant,
        unit,
        status=ProposalStatus.SUBMITTED,
        title=SECRET_TITLE,
        submitted_at=datetime(2027, 2, 2, tzinfo=UTC),
    )
    their_admin = factory.user(Role.LOCAL_ADMIN, tenant=other_tenant, username="admin.semarang")
    factory.account_request(other_tenant, full_name="Pemohon Semarang")
    return mine, theirs, their_admin


def _get_urls(app, factory, tenant):
    """Every GET URL of the app, with objects of ``tenant`` for its arguments."""
    urls = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint == "static":
            continue
        values = {}
        for arg in rule.arguments:
            values[arg] = (
                OBJECT_ARGS[arg](factory, tenant) if arg in OBJECT_ARGS else PLAIN_ARGS[arg]
            )
        with app.test_request_context():
            urls.append(url_for(rule.endpoint, **values))
    return urls


def _body(response) -> str:
    """What a person reads in the response: page text, PDF text or spreadsheet cells."""
    data = response.get_data()
    if data.startswith(b"%PDF-"):
        from pypdf import PdfReader
        from pypdf.errors import PdfReadError

        try:
            return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
        except (PdfReadError, ValueError):  # an uploaded file: its bytes are what is served
            return data.decode("latin-1")
    if data.startswith(b"PK"):
        import zipfile

        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            if "xl/workbook.xml" not in archive.namelist():
                return "\n".join(archive.namelist())
        from openpyxl import load_workbook

        book = load_workbook(io.BytesIO(data), read_only=True)
        return "\n".join(
            str(cell)
            for sheet in book
            for row in sheet.iter_rows(values_only=True)
            for cell in row
            if cell is not None
        )
    return data.decode()


def test_admin_lokal_sees_nothing_of_another_tenant_on_any_page(
    app, client, login_as, factory, tenant, other_tenant, two_tenants
) -> None:
    login_as(Role.LOCAL_ADMIN, tenant=tenant)
    own_urls = _get_urls(app, factory, tenant)
    foreign_urls = _get_urls(app, factory, other_tenant)
    for url in own_urls + [u + "?tenant=33.74&province=33" for u in own_urls]:
        response = client.get(url)
        assert response.status_code in (200, 302, 401, 403, 404), url
        body = _body(response)
        response.close()  # downloads are streamed files
        assert SECRET_TITLE not in body and SECRET_UNIT not in body, url
        assert "admin.semarang" not in body and "Pemohon Semarang" not in body, url
    for url in foreign_urls:
        response = client.get(url)
        assert response.status_code in (302, 403, 404) or url in own_urls, url
        assert SECRET_TITLE not in _body(response), url
        response.close()


def test_admin_lokal_cannot_change_another_tenants_data(
    client, login_as, factory, tenant, other_tenant, two_tenants
) -> None:
    _, theirs, their_admin = two_tenants
    login_as(Role.LOCAL_ADMIN, tenant=tenant)
    attempts = [
        ("/screening/decide", {"uuid": [theirs.uuid], "result": "failed", "reason_code": "quota"}),
        (f"/screening/{theirs.uuid}", {"result": "failed", "reason_code": "quota"}),
        (f"/accounts/users/{their_admin.id}/reset-password", {}),
        (f"/accounts/users/{their_admin.id}/active", {"active": "0"}),
        (f"/tenants/{other_tenant.code}/active", {"active": "0"}),
        (f"/tenants/{other_tenant.code}/edit", {"name": "Diubah", "is_3t": "y"}),
    ]
    for url, data in attempts:
        assert client.post(url, data=data).status_code in (403, 404), url
    assert factory.get(Proposal, theirs.id).screening_result == ScreeningResult.PENDING
    assert factory.get(User, their_admin.id).active is True
    assert factory.get(User, their_admin.id).must_change_password is False
    assert factory.count(Unit, Unit.name == SECRET_UNIT) == 1


def test_secretariat_sees_every_tenant(client, login_as, two_tenants, other_tenant) -> None:
    login_as(Role.SECRETARIAT)
    assert SECRET_TITLE in client.get("/screening/").get_data(as_text=True)
    assert "admin.semarang" in client.get(f"/tenants/{other_tenant.code}").get_data(as_text=True)
    html = client.get(f"/dashboard?tenant={other_tenant.code}").get_data(as_text=True)
    assert "<b>1</b>Diajukan" in html
