"""Admin Lokal accounts: request with the official letter, approval, rejection, resets."""

from __future__ import annotations

import io

import sqlalchemy as sa

from central.accounts.models import AccountRequest, RequestStatus
from shared.db import db
from shared.models import AuditLog, Role, User
from shared.tenancy import national_scope
from tests.central.helpers import pdf_letter
from tests.conftest import login

FORM = {
    "full_name": "Siti Aminah",
    "position": "Kepala Bagian Organisasi",
    "email": "organisasi@jepara.go.id",
    "phone": "0291-591219",
    "letter_number": "800/123/2026",
    "letter_date": "2026-11-02",
}


def _post(client, tenant_value: str, letter: bytes, filename: str = "surat.pdf", **extra):
    data = {
        **FORM,
        "tenant": tenant_value,
        "letter": (io.BytesIO(letter), filename),
        **extra,
    }
    return client.post("/account-request", data=data, content_type="multipart/form-data")


def test_public_request_with_a_real_pdf_is_recorded(client, factory, tenant) -> None:
    response = _post(client, f"{tenant.code} - {tenant.name}", pdf_letter())
    assert response.status_code == 200
    assert "Permohonan terkirim" in response.get_data(as_text=True)
    with factory.app.app_context(), national_scope():
        req = db.session.execute(sa.select(AccountRequest)).scalar_one()
        assert (req.tenant_id, req.status, req.email) == (
            tenant.id,
            RequestStatus.PENDING,
            "organisasi@jepara.go.id",
        )
        from central.accounts.letters import blob_path

        assert blob_path(req.letter_sha256).read_bytes().startswith(b"%PDF-")
        entry = db.session.execute(
            sa.select(AuditLog).where(AuditLog.action == "account_request.create")
        ).scalar_one()
        assert entry.tenant_id == tenant.id and entry.actor_id is None


def test_letter_is_checked_by_content_not_by_name(client, factory, tenant) -> None:
    fake = b"PK\x03\x04 this is a Word document renamed to .pdf"
    response = _post(client, tenant.code, fake, filename="surat.pdf")
    assert response.status_code == 400
    assert "harus berupa dokumen PDF" in response.get_data(as_text=True)
    broken = b"%PDF-1.4\n garbage without any pages"
    response = _post(client, tenant.code, broken, filename="surat.pdf")
    assert response.status_code == 400
    assert "bukan dokumen PDF yang dapat dibaca" in response.get_data(as_text=True)
    assert factory.count(AccountRequest) == 0


def test_public_form_is_rate_limited_per_address(app, client, factory) -> None:
    app.config["ACCOUNT_REQUEST_MAX_PER_ADDR"] = 2
    tenants = [factory.tenant() for _ in range(3)]
    for t in tenants[:2]:
        assert _post(client, t.code, pdf_letter()).status_code == 200
    response = _post(client, tenants[2].code, pdf_letter())
    assert response.status_code == 400
    assert "Terlalu banyak permohonan" in response.get_data(as_text=True)
    assert factory.count(AccountRequest) == 2


def test_a_second_pending_request_for_the_same_agency_is_refused(client, factory, tenant) -> None:
    assert _post(client, tenant.code, pdf_letter()).status_code == 200
    response = _post(client, tenant.code, pdf_letter())
    assert response.status_code == 400
    assert factory.count(AccountRequest) == 1


def test_secretariat_approves_and_the_password_is_shown_once(
    client, login_as, factory, tenant
) -> None:
    req = factory.account_request(tenant, full_name="Siti Aminah", email="siti@jepara.go.id")
    login_as(Role.SECRETARIAT)
    page = client.get(f"/accounts/requests/{req.id}").get_data(as_text=True)
    assert 'value="admin.33.20"' in page  # suggested username
    response = client.post(f"/accounts/requests/{req.id}/approve", data={"username": "admin.33.20"})
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    html = response.get_data(as_text=True)
    password = html.split('id="issued-password">')[1].split("<")[0]
    assert len(password) >= 10
    # approving twice is refused; the password is not shown again
    again = client.post(f"/accounts/requests/{req.id}/approve", data={"username": "admin.x"})
    assert again.status_code == 400 and password not in again.get_data(as_text=True)

    user = factory.get(User, factory.get(AccountRequest, req.id).issued_user_id)
    assert (user.role, user.tenant_id, user.email) == (
        Role.LOCAL_ADMIN,
        tenant.id,
        "siti@jepara.go.id",
    )
    assert user.must_change_password
    client.post("/logout")
    response = login(client, "admin.33.20", password)
    assert response.status_code == 302
    assert client.get("/dashboard").location.endswith("/onboarding")
    assert factory.count(AuditLog, AuditLog.action == "account_request.approve") == 1


def test_rejection_needs_a_reason(client, login_as, factory, tenant) -> None:
    req = factory.account_request(tenant)
    login_as(Role.SECRETARIAT)
    response = client.post(f"/accounts/requests/{req.id}/reject", data={"reason": " "})
    assert response.status_code == 400
    response = client.post(
        f"/accounts/requests/{req.id}/reject",
        data={"reason": "Surat tidak ditandatangani Sekretaris Daerah."},
    )
    assert response.status_code == 302
    stored = factory.get(AccountRequest, req.id)
    assert stored.status == RequestStatus.REJECTED
    assert stored.decision_reason == "Surat tidak ditandatangani Sekretaris Daerah."
    assert factory.count(User, User.role == Role.LOCAL_ADMIN) == 0


def test_unlisted_agency_is_approved_once_added_as_tenant(client, login_as, factory) -> None:
    assert (
        _post(
            client, "", pdf_letter(), agency_name="PT Bank Pembangunan Daerah", agency_kind="bumd"
        ).status_code
        == 200
    )
    req_id = factory.count(AccountRequest)
    login_as(Role.SECRETARIAT)
    response = client.post(f"/accounts/requests/{req_id}/approve", data={"username": "admin.bpd"})
    assert response.status_code == 400
    assert "belum menjadi instansi" in response.get_data(as_text=True)
    bumd = factory.tenant(code="BUMD.BPD", name="PT Bank Pembangunan Daerah", kind="bumd")
    response = client.post(
        f"/accounts/requests/{req_id}/approve", data={"username": "admin.bpd", "tenant": "BUMD.BPD"}
    )
    assert response.status_code == 200
    assert factory.get(AccountRequest, req_id).tenant_id == bumd.id


def test_secretariat_records_a_letter_received_by_post(client, login_as, factory, tenant) -> None:
    secretariat = login_as(Role.SECRETARIAT)
    response = client.post(
        "/accounts/requests/new",
        data={**FORM, "tenant": tenant.code, "letter": (io.BytesIO(pdf_letter()), "scan.pdf")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    with factory.app.app_context(), national_scope():
        req = db.session.execute(sa.select(AccountRequest)).scalar_one()
        assert req.entered_by_id == secretariat.id
    assert client.get(f"/accounts/requests/{req.id}/letter").data.startswith(b"%PDF-")


def test_reset_and_deactivate_an_admin_lokal(client, login_as, factory, tenant) -> None:
    admin = factory.user(Role.LOCAL_ADMIN, tenant=tenant)
    login_as(Role.SECRETARIAT)
    response = client.post(f"/accounts/users/{admin.id}/reset-password")
    assert response.status_code == 200
    password = response.get_data(as_text=True).split('id="issued-password">')[1].split("<")[0]
    assert factory.get(User, admin.id).must_change_password

    response = client.post(f"/accounts/users/{admin.id}/active", data={"active": "0"})
    assert response.status_code == 302
    assert factory.get(User, admin.id).active is False
    client.post("/logout")
    assert login(client, admin.username, password).status_code == 400
    actions = {a for (a,) in _audit_actions(factory) if a.startswith("user.")}
    assert {"user.password_reset", "user.deactivate"} <= actions


def _audit_actions(factory):
    with factory.app.app_context(), national_scope():
        return db.session.execute(sa.select(AuditLog.action)).all()


def test_secretariat_does_not_manage_operator_accounts_here(
    client, login_as, factory, tenant
) -> None:
    operator = factory.user(Role.OPERATOR, tenant=tenant, unit=factory.unit(tenant))
    login_as(Role.SECRETARIAT)
    assert client.post(f"/accounts/users/{operator.id}/reset-password").status_code == 404
