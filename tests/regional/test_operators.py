"""Operator accounts: one per person, temporary password shown once, resets, deactivation."""

from __future__ import annotations

import re

import pytest

from shared.models import AuditLog, Role, User
from tests.conftest import login


@pytest.fixture
def admin(login_as, tenant):
    return login_as(Role.LOCAL_ADMIN, tenant=tenant)


def _form(unit, **changes):
    return {
        "username": "budi.santoso",
        "full_name": "Budi Santoso",
        "email": "budi@dinkes.jepara.go.id",
        "unit_id": str(unit.id),
        **changes,
    }


def _temporary_password(html: str) -> str:
    match = re.search(r'<code class="secret"[^>]*>([^<]+)</code>', html)
    assert match, html
    return match.group(1)


def test_new_operator_gets_a_temporary_password_shown_once(
    app, client, factory, admin, unit
) -> None:
    response = client.post("/operators/new", data=_form(unit))
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    html = response.get_data(as_text=True)
    assert "Akun dibuat" in html and "budi.santoso" in html
    password = _temporary_password(html)

    user = factory.get(User, factory.count(User))  # the newest account
    assert (user.username, user.role, user.unit_id) == ("budi.santoso", Role.OPERATOR, unit.id)
    assert user.must_change_password and user.needs_onboarding
    assert password not in client.get("/operators/").get_data(as_text=True)
    entry = factory.count(AuditLog, AuditLog.action == "user.create", AuditLog.actor_id == admin.id)
    assert entry == 1

    # the operator logs in with it and is made to change it first
    other = app.test_client()
    response = login(other, "budi.santoso", password)
    assert response.status_code == 302
    assert other.get("/dashboard").headers["Location"].endswith("/onboarding")


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"username": "b"}, "Nama pengguna terdiri dari 3-64 karakter"),
        ({"username": "budi santoso!"}, "Nama pengguna terdiri dari 3-64 karakter"),
        ({"username": "sudah.ada"}, "Nama pengguna sudah.ada sudah dipakai"),
        ({"full_name": " "}, "Isi nama lengkap"),
        ({"email": "budi"}, "Masukkan alamat surel yang benar"),
        ({"email": "SITI@dinkes.jepara.go.id"}, "sudah memakai surel ini"),
        ({"unit_id": "0"}, "Pilih unit operator"),
        ({"unit_id": "999999"}, "Pilih unit operator"),
    ],
)
def test_bad_operator_input_gets_its_message_and_creates_nothing(
    client, factory, admin, tenant, unit, changes, message
) -> None:
    factory.user(
        Role.OPERATOR,
        tenant=tenant,
        unit=unit,
        username="sudah.ada",
        email="siti@dinkes.jepara.go.id",
    )
    users_before, audit_before = factory.count(User), factory.count(AuditLog)
    response = client.post("/operators/new", data=_form(unit, **changes))
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert message in html
    assert 'class="secret"' not in html
    assert factory.count(User) == users_before
    assert factory.count(AuditLog) == audit_before


def test_an_empty_form_names_every_missing_field_at_once(client, admin, unit) -> None:
    empty = {"username": "", "full_name": "", "email": "", "unit_id": "0"}
    response = client.post("/operators/new", data=empty)
    assert response.status_code == 400
    errors = re.findall(r'<small class="error"[^>]*>([^<]*)<', response.get_data(as_text=True))
    assert len(errors) == 4 and any("Pilih unit operator" in e for e in errors)


def test_a_fields_error_is_tied_to_its_input(client, admin, unit) -> None:
    """A screen reader reads the message with the field it belongs to."""
    html = client.post("/operators/new", data=_form(unit, email="budi")).get_data(as_text=True)
    field = re.search(r"<input[^>]*name=\"email\"[^>]*>", html)[0]
    assert 'aria-invalid="true"' in field
    described = re.search(r'aria-describedby="([^"]+)"', field)[1].split()
    errors = re.findall(r'<small class="error" id="([^"]+)"[^>]*>([^<]*)<', html)
    assert [text for id_, text in errors if id_ in described] == [
        "Masukkan alamat surel yang benar."
    ]


def test_a_unit_of_another_tenant_cannot_be_chosen(client, factory, admin, other_tenant) -> None:
    foreign = factory.unit(other_tenant)
    response = client.post("/operators/new", data=_form(foreign))
    assert response.status_code == 400
    assert "Pilih unit operator" in response.get_data(as_text=True)
    assert factory.count(User, User.username == "budi.santoso") == 0


def test_the_same_email_may_return_once_the_old_account_is_deactivated(
    client, factory, admin, tenant, unit
) -> None:
    old = factory.user(Role.OPERATOR, tenant=tenant, unit=unit, email="budi@dinkes.jepara.go.id")
    client.post(f"/operators/{old.id}/deactivate")
    response = client.post("/operators/new", data=_form(unit))
    assert response.status_code == 200
    # reactivating the old one now would give the person two accounts
    response = client.post(f"/operators/{old.id}/activate", follow_redirects=True)
    assert "sudah memakai surel ini" in response.get_data(as_text=True)
    assert not factory.get(User, old.id).active


def test_reset_password_replaces_it_and_forces_a_change(
    app, client, factory, admin, tenant, unit
) -> None:
    operator = factory.user(Role.OPERATOR, tenant=tenant, unit=unit)
    session = app.test_client()
    assert login(session, operator.username).status_code == 302
    assert session.get("/dashboard").status_code == 200

    response = client.post(f"/operators/{operator.id}/reset-password")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Kata sandi direset" in html
    password = _temporary_password(html)

    assert session.get("/dashboard").status_code == 302  # the old session is over
    fresh = app.test_client()
    assert login(fresh, operator.username).status_code == 400  # old password refused
    assert login(fresh, operator.username, password).status_code == 302
    assert fresh.get("/dashboard").headers["Location"].endswith("/onboarding")
    assert factory.count(AuditLog, AuditLog.action == "user.password_reset") == 1


def test_deactivated_operator_cannot_log_in(app, client, factory, admin, tenant, unit) -> None:
    operator = factory.user(Role.OPERATOR, tenant=tenant, unit=unit)
    response = client.post(f"/operators/{operator.id}/deactivate", follow_redirects=True)
    assert f"Akun {operator.username} dinonaktifkan" in response.get_data(as_text=True)
    assert login(app.test_client(), operator.username).status_code == 400
    # a reset is refused for a deactivated account
    response = client.post(f"/operators/{operator.id}/reset-password", follow_redirects=True)
    assert "Aktifkan kembali akun" in response.get_data(as_text=True)
    client.post(f"/operators/{operator.id}/activate")
    assert login(app.test_client(), operator.username).status_code == 302
    actions = [
        factory.count(AuditLog, AuditLog.action == a)
        for a in ("user.deactivate", "user.activate", "user.password_reset")
    ]
    assert actions == [1, 1, 0]


def test_edit_moves_an_operator_to_another_unit(client, factory, admin, tenant, unit) -> None:
    operator = factory.user(Role.OPERATOR, tenant=tenant, unit=unit)
    other_unit = factory.unit(tenant, name="Dinas Sosial")
    form = {"full_name": "Rina Wati", "email": "rina@dinsos.jepara.go.id", "unit_id": other_unit.id}
    assert client.post(f"/operators/{operator.id}/edit", data=form).status_code == 302
    stored = factory.get(User, operator.id)
    assert (stored.full_name, stored.unit_id) == ("Rina Wati", other_unit.id)
    assert factory.count(AuditLog, AuditLog.action == "user.update") == 1


def test_an_operator_of_a_deactivated_unit_can_still_be_corrected(
    client, factory, admin, tenant, unit
) -> None:
    operator = factory.user(Role.OPERATOR, tenant=tenant, unit=unit)
    assert client.post(f"/units/{unit.id}/deactivate").status_code == 302
    page = client.get(f"/operators/{operator.id}/edit").get_data(as_text=True)
    assert f'<option selected value="{unit.id}">' in page  # the unit is still shown as chosen
    form = {"full_name": "Nama Dibetulkan", "email": "betul@jepara.go.id", "unit_id": unit.id}
    assert client.post(f"/operators/{operator.id}/edit", data=form).status_code == 302
    stored = factory.get(User, operator.id)
    assert (stored.full_name, stored.unit_id) == ("Nama Dibetulkan", unit.id)
    # another unit that is deactivated is still not offered
    other = factory.unit(tenant, name="Dinas Lama", active=False)
    form["unit_id"] = other.id
    assert client.post(f"/operators/{operator.id}/edit", data=form).status_code == 400


def test_an_address_stored_before_a_stricter_check_does_not_block_an_edit(
    client, factory, admin, tenant, unit
) -> None:
    # stored when the check let it pass (the e-mail check now refuses reserved domains)
    operator = factory.user(Role.OPERATOR, tenant=tenant, unit=unit, email="dewi@dinkes.local")
    other_unit = factory.unit(tenant, name="Dinas Sosial")
    form = {"full_name": "Dewi Lestari", "email": "dewi@dinkes.local", "unit_id": other_unit.id}
    assert client.post(f"/operators/{operator.id}/edit", data=form).status_code == 302
    stored = factory.get(User, operator.id)
    assert (stored.full_name, stored.email, stored.unit_id) == (
        "Dewi Lestari",
        "dewi@dinkes.local",
        other_unit.id,
    )
    # a new address is checked as always
    form["email"] = "dewi.baru@dinsos.local"
    response = client.post(f"/operators/{operator.id}/edit", data=form)
    assert response.status_code == 400
    assert "Masukkan alamat surel yang benar." in response.get_data(as_text=True)
    assert factory.get(User, operator.id).email == "dewi@dinkes.local"


def test_admin_lokal_accounts_are_not_managed_here(client, factory, admin, tenant) -> None:
    colleague = factory.user(Role.LOCAL_ADMIN, tenant=tenant)
    assert client.post(f"/operators/{colleague.id}/reset-password").status_code == 404
    assert client.post(f"/operators/{colleague.id}/deactivate").status_code == 404
    assert client.get(f"/operators/{colleague.id}/edit").status_code == 404
    assert factory.get(User, colleague.id).active
