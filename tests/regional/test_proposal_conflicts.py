"""Stale pages on the proposal pages: a form loaded before someone else's save is refused and
keeps what was typed; Verify needs the version the page showed."""

from __future__ import annotations

import io
import re

import pytest

from shared.models import AuditLog, Proposal, ProposalStatus, Role
from tests.conftest import login
from tests.factories import PDF_BYTES
from tests.proposal_support import (
    complete_proposal,
    form_data,
    open_window,
    shown_version,
    values_of,
)

S = ProposalStatus
NEW_TITLE = "Jemput Bola Layanan Kesehatan Lansia dan Disabilitas"


@pytest.fixture
def unit(factory, tenant):
    return factory.unit(tenant, name="Dinas Kesehatan")


@pytest.fixture
def competition(factory):
    return open_window(factory)


def _saves(factory) -> int:
    return factory.count(AuditLog, AuditLog.action == "proposal.save")


def _note(page: str, field: str) -> str:
    """The saved version shown under ``field`` on a refused (stale) form, or ""."""
    found = re.search(
        rf'class="saved-version" data-field="{field}"[^>]*>(.*?)</(small|details)>', page, re.S
    )
    return found[1] if found else ""


def _input_value(page: str, name: str) -> str:
    found = re.search(rf'<input[^>]*name="{name}"[^>]*value="([^"]*)"', page)
    return found[1] if found else ""


def test_a_stale_edit_form_writes_nothing_and_shows_the_saved_version(
    client, factory, tenant, unit, competition, login_as
) -> None:
    proposal = complete_proposal(factory, tenant, unit)
    login_as(Role.LOCAL_ADMIN, tenant=tenant)
    values = values_of(factory.get(Proposal, proposal.id))
    edit = f"/proposals/{proposal.id}/edit"
    tab_a, tab_b = shown_version(client, edit), shown_version(client, edit)
    assert tab_a and tab_a == tab_b

    # tab A changes the title and saves
    saved = client.post(edit, data=form_data(values, title=NEW_TITLE, version=tab_a))
    assert saved.status_code == 302
    # tab B, loaded before that, changes the phone: refused, nothing written
    stale = client.post(edit, data=form_data(values, contact_phone="0291-000000", version=tab_b))
    assert stale.status_code == 409
    stored = factory.get(Proposal, proposal.id)
    assert (stored.title, stored.contact_phone) == (NEW_TITLE, values["contact_phone"])
    assert _saves(factory) == 1
    # what B typed is still in the form; the fields that differ show the saved version
    page = stale.get_data(as_text=True)
    assert _input_value(page, "contact_phone") == "0291-000000"
    assert _input_value(page, "title") == values["title"]
    assert NEW_TITLE in _note(page, "title")
    assert values["contact_phone"] in _note(page, "contact_phone")
    assert _note(page, "innovator") == ""  # the same on both sides: no note
    # the refused form now carries the saved version: B takes A's title and saves both
    again = _input_value(page, "version")
    assert again == shown_version(client, edit)
    merged = form_data(values, title=NEW_TITLE, contact_phone="0291-000000", version=again)
    assert client.post(edit, data=merged).status_code == 302
    stored = factory.get(Proposal, proposal.id)
    assert (stored.title, stored.contact_phone) == (NEW_TITLE, "0291-000000")


def test_a_form_without_a_version_is_refused(
    client, factory, tenant, unit, competition, login_as
) -> None:
    proposal = complete_proposal(factory, tenant, unit)
    login_as(Role.OPERATOR, tenant=tenant, unit=unit)
    values = values_of(factory.get(Proposal, proposal.id))
    response = client.post(f"/proposals/{proposal.id}/edit", data=form_data(values, title="X"))
    assert response.status_code == 409
    assert factory.get(Proposal, proposal.id).title == values["title"]


def test_a_section_saved_on_its_own_is_not_wiped_by_a_stale_whole_form(
    client, factory, tenant, unit, competition, login_as
) -> None:
    proposal = complete_proposal(factory, tenant, unit)
    login_as(Role.LOCAL_ADMIN, tenant=tenant)
    values = values_of(factory.get(Proposal, proposal.id))
    edit = f"/proposals/{proposal.id}/edit"
    tab_a, tab_b = shown_version(client, edit), shown_version(client, edit)
    summary = "Ringkasan baru yang ditulis di tab A dan disimpan per bagian."
    json = {"Accept": "application/json"}

    # tab A saves its summary with the section's own button (the script's JSON call)
    one = client.post(
        f"/proposals/{proposal.id}/sections/ringkasan",
        data={"text": summary, "version": tab_a},
        headers=json,
    )
    assert one.status_code == 200
    assert one.json["version"] == shown_version(client, edit)  # the page moves on with it
    # a second section from tab A, with the version the first save gave back
    two = client.post(
        f"/proposals/{proposal.id}/sections/ide_inovatif",
        data={"text": "Ide baru dari tab A.", "version": one.json["version"]},
        headers=json,
    )
    assert two.status_code == 200

    # tab B, loaded before: its whole form (header Save) and its section button are refused
    whole = client.post(edit, data=form_data(values, title=NEW_TITLE, version=tab_b))
    assert whole.status_code == 409
    assert summary in _note(whole.get_data(as_text=True), "section_ringkasan")
    section = client.post(
        f"/proposals/{proposal.id}/sections/ringkasan",
        data={"text": "Teks lama dari tab B.", "version": tab_b},
        headers=json,
    )
    assert section.status_code == 409 and section.json["stale"] is True
    stored = factory.get(Proposal, proposal.id)
    assert stored.sections["ringkasan"] == summary
    assert stored.sections["ide_inovatif"] == "Ide baru dari tab A."
    assert stored.title == values["title"]


def test_verify_needs_the_version_the_page_showed(
    app, client, factory, tenant, unit, competition, login_as
) -> None:
    proposal = complete_proposal(factory, tenant, unit, status=S.SENT)
    login_as(Role.LOCAL_ADMIN, tenant=tenant)
    shown = shown_version(client, f"/proposals/{proposal.id}")
    assert shown

    # after the page was opened, the summary is rewritten (the Admin Lokal in another window)
    values = values_of(factory.get(Proposal, proposal.id))
    rewritten = {**values["sections"], "ringkasan": "Ringkasan yang belum dibaca admin."}
    edit_version = shown_version(client, f"/proposals/{proposal.id}/edit")
    changed = form_data({**values, "sections": rewritten}, version=edit_version)
    assert client.post(f"/proposals/{proposal.id}/edit", data=changed).status_code == 302

    # Verify on the stale page: refused, and the page says to review the changes
    refused = client.post(
        f"/proposals/{proposal.id}/verify", data={"version": shown}, follow_redirects=True
    )
    assert factory.get(Proposal, proposal.id).status == S.SENT
    page = refused.get_data(as_text=True)
    assert 'class="flash error"' in page and "Ringkasan yang belum dibaca admin." in page
    # nor without a version (a page from before); with the page's version now it works
    client.post(f"/proposals/{proposal.id}/verify")
    assert factory.get(Proposal, proposal.id).status == S.SENT
    now = shown_version(client, f"/proposals/{proposal.id}")
    assert now != shown
    assert client.post(f"/proposals/{proposal.id}/verify", data={"version": now}).status_code == 302
    assert factory.get(Proposal, proposal.id).status == S.VERIFIED


def test_verify_is_refused_after_a_document_changed(
    app, client, factory, tenant, unit, competition, login_as
) -> None:
    proposal = complete_proposal(factory, tenant, unit, status=S.SENT)
    login_as(Role.LOCAL_ADMIN, tenant=tenant)
    shown = shown_version(client, f"/proposals/{proposal.id}")
    # a colleague (another Admin Lokal account) adds a document after the page was opened
    colleague = factory.user(Role.LOCAL_ADMIN, tenant=tenant)
    other = app.test_client()
    assert login(other, colleague.username).status_code == 302
    upload = other.post(
        f"/proposals/{proposal.id}/attachments",
        data={"kind": "document", "file": (io.BytesIO(PDF_BYTES), "lampiran.pdf")},
        content_type="multipart/form-data",
    )
    assert upload.status_code == 302
    client.post(f"/proposals/{proposal.id}/verify", data={"version": shown})
    assert factory.get(Proposal, proposal.id).status == S.SENT
