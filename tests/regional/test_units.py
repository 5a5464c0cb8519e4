"""The Admin Lokal registers, edits and deactivates units; each bad input has its message."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from shared.db import db
from shared.models import AuditLog, Proposal, Role, Unit
from tests.conftest import login
from tests.proposal_support import complete_values, form_data, open_window, shown_version

FULL_UNIT = {
    "name": "Dinas Kesehatan",
    "head_name": "dr. Muhammad Ali",
    "official_name": "Sri Wahyuni",
    "official_position": "Sekretaris Dinas",
    "official_phone": "0291-591234",
    "official_email": "dinkes@jepara.go.id",
    "it_name": "Agus Santoso",
    "it_phone": "+62 812 3456 7890",
    "it_email": "ti.dinkes@jepara.go.id",
}


@pytest.fixture
def admin(login_as, tenant):
    return login_as(Role.LOCAL_ADMIN, tenant=tenant)


def test_admin_registers_a_unit_with_its_contacts(client, factory, admin, tenant) -> None:
    response = client.post("/units/new", data=dict(FULL_UNIT))
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Unit Dinas Kesehatan telah didaftarkan" in page
    for value in ("dr. Muhammad Ali", "Sekretaris Dinas", "Agus Santoso", "0291-591234"):
        assert value in page
    stored = factory.count(Unit, Unit.tenant_id == tenant.id, Unit.name == "Dinas Kesehatan")
    assert stored == 1
    entries = factory.count(
        AuditLog, AuditLog.action == "unit.create", AuditLog.actor_id == admin.id
    )
    assert entries == 1
    listing = client.get("/units/").get_data(as_text=True)
    assert "Dinas Kesehatan" in listing and "Sri Wahyuni" in listing


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"name": "   "}, "Unit wajib diberi nama"),
        ({"official_email": "bukan-surel"}, "Masukkan alamat surel yang benar"),
        ({"it_email": "ti@"}, "Masukkan alamat surel yang benar"),
        ({"official_phone": "telepon saya"}, "Masukkan nomor telepon"),
        ({"it_phone": "12"}, "Masukkan nomor telepon"),
        ({"head_name": "x" * 121}, "Paling banyak 120 karakter"),
        ({"name": "dinas pendidikan"}, "Unit bernama Dinas Pendidikan sudah ada"),
        ({"name": "DINAS   Pendidikan "}, "Unit bernama Dinas Pendidikan sudah ada"),
    ],
)
def test_bad_unit_input_gets_its_message_and_writes_nothing(
    client, factory, admin, tenant, changes, message
) -> None:
    factory.unit(tenant, name="Dinas Pendidikan")
    units_before = factory.count(Unit)
    audit_before = factory.count(AuditLog)
    response = client.post("/units/new", data={**FULL_UNIT, **changes})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert message in page
    # what was typed is still in the form
    assert "Sekretaris Dinas" in page
    assert factory.count(Unit) == units_before
    assert factory.count(AuditLog) == audit_before


def test_a_unit_name_in_any_script_is_taken_whatever_its_case(client, factory, admin, tenant):
    factory.unit(tenant, name="Ünit Ωmega Layanan")
    response = client.post("/units/new", data={**FULL_UNIT, "name": "ünit ωmega  layanan"})
    assert response.status_code == 400
    assert "Unit bernama Ünit Ωmega Layanan sudah ada" in response.get_data(as_text=True)


def test_a_unit_name_may_repeat_in_another_tenant(
    client, factory, admin, tenant, other_tenant
) -> None:
    factory.unit(other_tenant, name="Dinas Kesehatan")
    assert client.post("/units/new", data=dict(FULL_UNIT)).status_code == 302


def test_edit_records_only_what_changed(app, client, factory, admin, tenant, in_app) -> None:
    unit = factory.unit(tenant, **FULL_UNIT)
    form = {**FULL_UNIT, "head_name": "dr. Siti Rahma", "it_phone": "0812-1111-2222"}
    form["version"] = shown_version(client, f"/units/{unit.id}/edit")
    response = client.post(f"/units/{unit.id}/edit", data=form)
    assert response.status_code == 302
    stored = factory.get(Unit, unit.id)
    assert (stored.head_name, stored.it_phone) == ("dr. Siti Rahma", "0812-1111-2222")
    with in_app(app):
        entry = db.session.execute(
            sa.select(AuditLog).where(AuditLog.action == "unit.update")
        ).scalar_one()
    assert entry.before == {"head_name": "dr. Muhammad Ali", "it_phone": FULL_UNIT["it_phone"]}
    assert entry.after == {"head_name": "dr. Siti Rahma", "it_phone": "0812-1111-2222"}
    assert entry.actor_id == admin.id


def test_a_stored_address_left_as_it_is_does_not_block_other_changes(
    client, factory, admin, tenant
) -> None:
    """An address stored before the e-mail check grew stricter (a ``.local`` intranet
    domain, say) is kept as it is when the admin fixes something else; a changed one is
    checked."""
    unit = factory.unit(tenant, **{**FULL_UNIT, "it_email": "ti@dinkes.local"})
    edit = f"/units/{unit.id}/edit"
    form = {**FULL_UNIT, "it_email": "ti@dinkes.local", "head_name": "dr. Siti Rahma"}
    form["version"] = shown_version(client, edit)
    assert client.post(edit, data=form).status_code == 302
    stored = factory.get(Unit, unit.id)
    assert (stored.head_name, stored.it_email) == ("dr. Siti Rahma", "ti@dinkes.local")
    form = {**form, "it_email": "admin@server.local", "version": shown_version(client, edit)}
    refused = client.post(edit, data=form)
    assert refused.status_code == 400 and "surel" in refused.get_data(as_text=True)
    assert factory.get(Unit, unit.id).it_email == "ti@dinkes.local"


def test_bad_edit_changes_nothing(client, factory, admin, tenant) -> None:
    factory.unit(tenant, name="Dinas Pendidikan")
    unit = factory.unit(tenant, **FULL_UNIT)
    form = {**FULL_UNIT, "name": "DINAS PENDIDIKAN", "head_name": "Orang Lain"}
    form["version"] = shown_version(client, f"/units/{unit.id}/edit")
    response = client.post(f"/units/{unit.id}/edit", data=form)
    assert response.status_code == 400
    assert "sudah ada" in response.get_data(as_text=True)
    stored = factory.get(Unit, unit.id)
    assert (stored.name, stored.head_name) == ("Dinas Kesehatan", "dr. Muhammad Ali")
    assert factory.count(AuditLog, AuditLog.action == "unit.update") == 0


def test_a_stale_unit_form_writes_nothing_and_shows_the_saved_version(
    client, factory, admin, tenant
) -> None:
    unit = factory.unit(tenant, **FULL_UNIT)
    edit = f"/units/{unit.id}/edit"
    tab_a, tab_b = shown_version(client, edit), shown_version(client, edit)
    assert tab_a and tab_a == tab_b
    # tab A changes the head's name; tab B, loaded before that, the IT phone
    first = {**FULL_UNIT, "head_name": "dr. Kepala Baru, M.Kes", "version": tab_a}
    assert client.post(edit, data=first).status_code == 302
    stale = client.post(edit, data={**FULL_UNIT, "it_phone": "0291-123456", "version": tab_b})
    assert stale.status_code == 409
    stored = factory.get(Unit, unit.id)
    assert (stored.head_name, stored.it_phone) == ("dr. Kepala Baru, M.Kes", FULL_UNIT["it_phone"])
    assert factory.count(AuditLog, AuditLog.action == "unit.update") == 1
    # B's typing is kept; the head's name shows the saved version under it
    page = stale.get_data(as_text=True)
    assert 'value="0291-123456"' in page
    note = page.split('data-field="head_name"', 1)[1].split("</small>", 1)[0]
    assert "dr. Kepala Baru, M.Kes" in note
    assert 'data-field="name"' not in page  # the same on both sides: no note
    # the refused form carries the version now: saving it after merging works
    again = shown_version(client, edit)
    assert f'value="{again}"' in page
    merged = {**FULL_UNIT, "head_name": "dr. Kepala Baru, M.Kes", "it_phone": "0291-123456"}
    assert client.post(edit, data={**merged, "version": again}).status_code == 302
    stored = factory.get(Unit, unit.id)
    assert (stored.head_name, stored.it_phone) == ("dr. Kepala Baru, M.Kes", "0291-123456")
    # a form without a version (a page from before) is refused too
    assert client.post(edit, data={**merged, "head_name": "Siapa"}).status_code == 409
    assert factory.get(Unit, unit.id).head_name == "dr. Kepala Baru, M.Kes"


def test_deactivating_keeps_proposals_and_blocks_new_work(client, factory, admin, tenant) -> None:
    competition = open_window(factory)
    unit = factory.unit(tenant, name="Dinas Perhubungan")
    for _ in range(3):
        factory.proposal(tenant, unit)
    response = client.post(f"/units/{unit.id}/deactivate")
    assert response.status_code == 302
    page = client.get(f"/units/{unit.id}").get_data(as_text=True)
    assert "proposalnya tetap disimpan" in page
    stored = factory.get(Unit, unit.id)
    assert not stored.active and stored.deactivated_at is not None
    assert factory.count(Proposal, Proposal.unit_id == unit.id) == 3
    assert factory.count(AuditLog, AuditLog.action == "unit.deactivate") == 1
    # no new operator for it, and the proposal services refuse it
    response = client.post(
        "/operators/new",
        data={"username": "budi", "full_name": "Budi", "email": "b@x.go.id", "unit_id": unit.id},
    )
    assert response.status_code == 400
    operator = factory.user(Role.OPERATOR, tenant=tenant, unit=unit)
    client.post("/logout")
    login(client, operator.username)
    # told before filling in the whole form, and a post is refused too
    page = client.get("/proposals/new", follow_redirects=True).get_data(as_text=True)
    assert "Unit Anda sudah dinonaktifkan" in page and 'name="title"' not in page
    response = client.post("/proposals/new", data=form_data(complete_values(competition)))
    assert response.status_code == 302
    assert factory.count(Proposal, Proposal.unit_id == unit.id) == 3
    client.post("/logout")
    login(client, admin.username)
    # reactivation brings it back
    client.post(f"/units/{unit.id}/activate")
    assert factory.get(Unit, unit.id).active
    assert factory.count(AuditLog, AuditLog.action == "unit.activate") == 1


def test_operators_cannot_manage_units(client, factory, login_as, tenant) -> None:
    unit = factory.unit(tenant)
    login_as(Role.OPERATOR, tenant=tenant, unit=unit)
    assert client.get("/units/").status_code == 403
    assert client.post("/units/new", data=dict(FULL_UNIT)).status_code == 403
    assert factory.count(Unit) == 1
