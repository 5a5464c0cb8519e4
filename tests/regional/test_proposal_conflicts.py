"""Stale pages and repeated posts on the proposal pages: a form loaded before someone else's
save is refused and keeps what was typed; Verify, Submit and Return need the version the page
showed; a form posted twice (Back, a double click) makes one draft, one comment, one submitted
revision and one return."""

from __future__ import annotations

import io
import re

import sqlalchemy as sa

from shared.db import db
from shared.models import (
    AuditLog,
    Proposal,
    ProposalComment,
    ProposalRevision,
    ProposalStatus,
    Role,
)
from sync.models import OutboxItem
from tests.conftest import language_next, login, switch_language
from tests.factories import PDF_BYTES
from tests.proposal_support import (
    complete_proposal,
    complete_values,
    edit_post,
    form_data,
    form_version,
    return_post,
    shown_version,
    step_version,
    values_of,
    verify_post,
)

S = ProposalStatus
NEW_TITLE = "Jemput Bola Layanan Kesehatan Lansia dan Disabilitas"


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


VERIFY_STALE = "The proposal was changed after you opened it, so it was not verified."


def _verifies(factory) -> int:
    return factory.count(AuditLog, AuditLog.action == "proposal.verify")


def test_verify_needs_the_version_the_page_showed(
    app, client, factory, tenant, unit, competition, login_as
) -> None:
    proposal = complete_proposal(factory, tenant, unit, status=S.SENT)
    login_as(Role.LOCAL_ADMIN, tenant=tenant, locale="en")
    shown = step_version(client, proposal.id, "verify")
    assert shown

    # after the page was opened, the summary is rewritten (the Admin Lokal in another window)
    values = values_of(factory.get(Proposal, proposal.id))
    rewritten = {**values["sections"], "ringkasan": "Ringkasan yang belum dibaca admin."}
    assert edit_post(client, proposal.id, {**values, "sections": rewritten}).status_code == 302

    # Verify on the page opened before: nothing is written; the page shows it as it is now
    refused = client.post(f"/proposals/{proposal.id}/verify", data={"version": shown})
    assert refused.status_code == 409
    page = refused.get_data(as_text=True)
    assert VERIFY_STALE in page and 'class="flash error"' in page
    assert "Ringkasan yang belum dibaca admin." in page
    assert factory.get(Proposal, proposal.id).status == S.SENT
    assert _verifies(factory) == 0
    # nor without a version (a page from before)
    assert client.post(f"/proposals/{proposal.id}/verify").status_code == 409
    assert _verifies(factory) == 0

    # the refused page carries the version now: Verify from it verifies what it shows
    again = form_version(page, f"/proposals/{proposal.id}/verify")
    assert again and again != shown and again == step_version(client, proposal.id, "verify")
    done = client.post(f"/proposals/{proposal.id}/verify", data={"version": again})
    assert done.status_code == 302
    assert factory.get(Proposal, proposal.id).status == S.VERIFIED
    assert _verifies(factory) == 1


def test_verify_is_refused_after_a_document_changed(
    app, client, factory, tenant, unit, competition, login_as
) -> None:
    proposal = complete_proposal(factory, tenant, unit, status=S.SENT)
    login_as(Role.LOCAL_ADMIN, tenant=tenant)
    shown = step_version(client, proposal.id, "verify")
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
    refused = client.post(f"/proposals/{proposal.id}/verify", data={"version": shown})
    assert refused.status_code == 409
    assert "lampiran.pdf" in refused.get_data(as_text=True)  # the page as it is now
    assert factory.get(Proposal, proposal.id).status == S.SENT


def test_verify_is_refused_after_a_colleague_returned_it(
    app, client, factory, tenant, unit, competition, login_as
) -> None:
    """The content is the same, the state is not: a Verify from before a colleague's Return
    would overrule a decision its author never saw."""
    proposal = complete_proposal(factory, tenant, unit, status=S.SENT)
    login_as(Role.LOCAL_ADMIN, tenant=tenant, locale="en")
    shown = step_version(client, proposal.id, "verify")

    colleague = _signed_in(app, factory.user(Role.LOCAL_ADMIN, tenant=tenant))
    assert return_post(colleague, proposal.id, NOTE).status_code == 302

    refused = client.post(f"/proposals/{proposal.id}/verify", data={"version": shown})
    assert refused.status_code == 409
    page = refused.get_data(as_text=True)
    assert VERIFY_STALE in page and 'class="flash error"' in page
    assert re.search(r'id="status">Returned<', page) and NOTE in page  # the return, and why
    assert factory.get(Proposal, proposal.id).status == S.RETURNED
    assert _verifies(factory) == 0

    # having read the note, the admin may still verify, from the refused page
    again = form_version(page, f"/proposals/{proposal.id}/verify")
    done = client.post(f"/proposals/{proposal.id}/verify", data={"version": again})
    assert done.status_code == 302
    assert factory.get(Proposal, proposal.id).status == S.VERIFIED


# -- Submit and Return --------------------------------------------------------------------------

SUBMIT_STALE = "The proposal was changed after you opened it, so it was not submitted."
RETURN_STALE = "The proposal was changed after you opened it, so it was not returned to the unit."
NOTE = "Lengkapi data jumlah lansia yang terlayani."


def _signed_in(app, user) -> object:
    """Another browser, signed in as ``user``."""
    other = app.test_client()
    assert login(other, user.username).status_code == 302
    return other


def _submits(factory) -> tuple[int, int, int]:
    """Submitted revisions, their queue entries (on a node) and submit entries in the log."""
    return (
        factory.count(ProposalRevision),
        factory.count(OutboxItem),
        factory.count(AuditLog, AuditLog.action == "proposal.submit"),
    )


def _returns(factory) -> tuple[int, int]:
    return (
        factory.count(ProposalComment),
        factory.count(AuditLog, AuditLog.action == "proposal.return"),
    )


def _queued(app) -> int:
    """The queue entries one submission makes: one on a node, none on central."""
    return 1 if app.config["NODE_KIND"] == "regional" else 0


def test_submit_needs_the_version_the_page_showed(
    app, client, factory, tenant, unit, competition, login_as
) -> None:
    proposal = complete_proposal(factory, tenant, unit, status=S.VERIFIED)
    login_as(Role.LOCAL_ADMIN, tenant=tenant, locale="en")
    shown = step_version(client, proposal.id, "submit")
    assert shown

    # after the page was opened: a colleague returns it, the unit rewrites the summary and
    # sends it again, the colleague verifies it; it is Verified again, with other content
    colleague = _signed_in(app, factory.user(Role.LOCAL_ADMIN, tenant=tenant))
    operator = _signed_in(app, factory.user(Role.OPERATOR, tenant=tenant, unit=unit))
    assert return_post(colleague, proposal.id, NOTE).status_code == 302
    values = values_of(factory.get(Proposal, proposal.id))
    rewritten = {**values["sections"], "ringkasan": "Ringkasan yang belum dibaca admin."}
    assert edit_post(operator, proposal.id, {**values, "sections": rewritten}).status_code == 302
    assert operator.post(f"/proposals/{proposal.id}/send").status_code == 302
    assert verify_post(colleague, proposal.id).status_code == 302
    assert factory.get(Proposal, proposal.id).status == S.VERIFIED

    # Submit on the page opened before: nothing is written; the page shows it as it is now
    refused = client.post(f"/proposals/{proposal.id}/submit", data={"version": shown})
    assert refused.status_code == 409
    page = refused.get_data(as_text=True)
    assert SUBMIT_STALE in page and 'class="flash error"' in page
    assert "Ringkasan yang belum dibaca admin." in page
    assert factory.get(Proposal, proposal.id).status == S.VERIFIED
    assert _submits(factory) == (0, 0, 0)
    # nor without a version (a page from before this change)
    assert client.post(f"/proposals/{proposal.id}/submit").status_code == 409
    assert _submits(factory) == (0, 0, 0)

    # the refused page carries the version now: Submit from it freezes what it shows
    again = form_version(page, f"/proposals/{proposal.id}/submit")
    assert again and again != shown and again == step_version(client, proposal.id, "submit")
    done = client.post(f"/proposals/{proposal.id}/submit", data={"version": again})
    assert done.status_code == 302
    assert factory.get(Proposal, proposal.id).status == S.SUBMITTED
    assert _submits(factory) == (1, _queued(app), 1)
    frozen = factory.run(
        lambda: db.session.execute(sa.select(ProposalRevision.content)).scalar_one()
    )
    assert frozen["sections"]["ringkasan"] == "Ringkasan yang belum dibaca admin."


def test_return_needs_the_version_the_page_showed(
    app, client, factory, tenant, unit, competition, login_as
) -> None:
    proposal = complete_proposal(factory, tenant, unit, status=S.SENT)
    login_as(Role.LOCAL_ADMIN, tenant=tenant, locale="en")
    shown = step_version(client, proposal.id, "return")
    assert shown

    # after the page was opened, a colleague verifies the proposal
    colleague = _signed_in(app, factory.user(Role.LOCAL_ADMIN, tenant=tenant))
    assert verify_post(colleague, proposal.id).status_code == 302

    # Return on the page opened before: nothing is written, the note typed is kept
    data = {"comment": NOTE, "version": shown}
    refused = client.post(f"/proposals/{proposal.id}/return", data=data)
    assert refused.status_code == 409
    page = refused.get_data(as_text=True)
    assert RETURN_STALE in page and 'class="flash error"' in page
    assert re.search(r'id="status">Verified<', page)  # the page shows the state now
    assert re.search(rf'<textarea[^>]*name="comment"[^>]*>\s*{NOTE}</textarea>', page)
    assert factory.get(Proposal, proposal.id).status == S.VERIFIED
    assert _returns(factory) == (0, 0)
    # nor without a version (a page from before this change)
    client.post(f"/proposals/{proposal.id}/return", data={"comment": NOTE})
    assert _returns(factory) == (0, 0)

    # returned again from the refused page (it carries the version now): done
    again = form_version(page, f"/proposals/{proposal.id}/return")
    assert again and again != shown
    done = client.post(f"/proposals/{proposal.id}/return", data={**data, "version": again})
    assert done.status_code == 302
    assert factory.get(Proposal, proposal.id).status == S.RETURNED
    assert _returns(factory) == (1, 1)


def test_a_verify_posted_twice_verifies_once(
    app, client, factory, tenant, unit, competition, login_as
) -> None:
    proposal = complete_proposal(factory, tenant, unit, status=S.SENT)
    login_as(Role.LOCAL_ADMIN, tenant=tenant, locale="en")
    data = {"version": step_version(client, proposal.id, "verify")}
    first = client.post(f"/proposals/{proposal.id}/verify", data=data)
    second = client.post(f"/proposals/{proposal.id}/verify", data=data, follow_redirects=True)
    assert first.status_code == 302 and second.status_code == 200
    page = second.get_data(as_text=True)
    assert "The proposal was already verified; it was not verified again." in page
    assert 'class="flash error"' not in page
    assert factory.get(Proposal, proposal.id).status == S.VERIFIED
    assert _verifies(factory) == 1


def test_a_submit_posted_twice_makes_one_revision(
    app, client, factory, tenant, unit, competition, login_as
) -> None:
    proposal = complete_proposal(factory, tenant, unit, status=S.VERIFIED)
    login_as(Role.LOCAL_ADMIN, tenant=tenant, locale="en")
    data = {"version": step_version(client, proposal.id, "submit")}
    first = client.post(f"/proposals/{proposal.id}/submit", data=data)
    second = client.post(f"/proposals/{proposal.id}/submit", data=data, follow_redirects=True)
    assert first.status_code == 302 and second.status_code == 200
    page = second.get_data(as_text=True)
    assert (
        "The proposal was already submitted to the ministry (revision 1); it was not "
        "submitted again." in page
    )
    assert 'class="flash error"' not in page
    assert factory.get(Proposal, proposal.id).status == S.SUBMITTED
    assert _submits(factory) == (1, _queued(app), 1)


def test_a_return_posted_twice_adds_one_comment(
    app, client, factory, tenant, unit, competition, login_as
) -> None:
    proposal = complete_proposal(factory, tenant, unit, status=S.SENT)
    login_as(Role.LOCAL_ADMIN, tenant=tenant, locale="en")
    data = {"comment": NOTE, "version": step_version(client, proposal.id, "return")}
    first = client.post(f"/proposals/{proposal.id}/return", data=data)
    second = client.post(f"/proposals/{proposal.id}/return", data=data, follow_redirects=True)
    assert first.status_code == 302 and second.status_code == 200
    page = second.get_data(as_text=True)
    assert "The proposal was already returned to the unit; it was not returned again." in page
    assert 'class="flash error"' not in page
    assert factory.get(Proposal, proposal.id).status == S.RETURNED
    assert _returns(factory) == (1, 1)


# -- the language switch on a page answering a POST ----------------------------------------


def test_the_language_switch_on_a_refused_step_shows_the_page_again(
    app, client, factory, tenant, unit, competition, login_as
) -> None:
    """A refused step answers at its POST-only address (/proposals/<id>/submit): switching
    the language there goes to a page a GET can show, never to that address (405)."""
    proposal = complete_proposal(factory, tenant, unit, status=S.VERIFIED)
    login_as(Role.LOCAL_ADMIN, tenant=tenant)
    show = f"/proposals/{proposal.id}"
    from_page = {"Referer": f"http://localhost{show}"}  # as a browser posts the form

    refused = client.post(f"{show}/submit", data={"version": "old"}, headers=from_page)
    assert refused.status_code == 409
    assert '<html lang="id">' in refused.get_data(as_text=True)
    # back to the page the form was posted from, in English
    switched = switch_language(client, refused.get_data(as_text=True), "en")
    assert switched.status_code == 200 and switched.request.path == show
    page = switched.get_data(as_text=True)
    assert '<html lang="en">' in page and "Submit to the ministry" in page

    # a browser that sends no referrer, or one from another site: the home page
    for headers in ({}, {"Referer": f"http://evil.example{show}"}):
        refused = client.post(f"{show}/submit", data={"version": "old"}, headers=headers)
        assert refused.status_code == 409
        assert language_next(refused.get_data(as_text=True)) == "/"
    switched = switch_language(client, refused.get_data(as_text=True), "id")
    assert switched.status_code == 200
    assert '<html lang="id">' in switched.get_data(as_text=True)

    # a step refused on a refused page: its referrer is POST-only too, so the home page
    stale_return = {"comment": NOTE, "version": "old"}
    again = client.post(
        f"{show}/return",
        data=stale_return,
        headers={"Referer": f"http://localhost{show}/submit"},
    )
    assert again.status_code == 409
    assert language_next(again.get_data(as_text=True)) == "/"
    assert factory.get(Proposal, proposal.id).status == S.VERIFIED


def test_the_language_switch_on_a_refused_form_keeps_its_address(
    client, factory, tenant, unit, competition, login_as
) -> None:
    """A refused form whose address also answers GET (the edit form) comes back to itself."""
    proposal = complete_proposal(factory, tenant, unit)
    login_as(Role.OPERATOR, tenant=tenant, unit=unit)
    values = values_of(factory.get(Proposal, proposal.id))
    edit = f"/proposals/{proposal.id}/edit"
    refused = client.post(edit, data=form_data(values, title="X", version="old"))
    assert refused.status_code == 409
    switched = switch_language(client, refused.get_data(as_text=True), "en")
    assert switched.status_code == 200 and switched.request.path == edit
    assert '<html lang="en">' in switched.get_data(as_text=True)


# -- repeated posts ----------------------------------------------------------------------------


def _new_form(client) -> dict[str, str]:
    page = client.get("/proposals/new").get_data(as_text=True)
    token = _input_value(page, "uuid")
    assert token
    return {"uuid": token}


def test_a_new_proposal_form_posted_twice_makes_one_draft(
    client, factory, tenant, unit, competition, login_as
) -> None:
    login_as(Role.OPERATOR, tenant=tenant, unit=unit)
    data = form_data(complete_values(competition), **_new_form(client))
    first = client.post("/proposals/new", data=data)
    second = client.post("/proposals/new", data=data)  # a double click, or Back and Save
    assert first.status_code == second.status_code == 302
    assert factory.count(Proposal) == 1
    created = factory.get(Proposal, int(re.search(r"/proposals/(\d+)/", first.location)[1]))
    assert created.uuid == data["uuid"]
    assert re.search(rf"/proposals/{created.id}/edit", second.location)
    # Back, more typing, Save again: the draft's form, with what was typed and the saved
    # version under the field that differs; nothing written until it is saved from there
    more = dict(data, innovator="Tim SIGAP dan Kader Desa")
    shown = client.post("/proposals/new", data=more)
    assert shown.status_code == 409
    page = shown.get_data(as_text=True)
    assert f'action="/proposals/{created.id}/edit"' in page
    assert _input_value(page, "innovator") == "Tim SIGAP dan Kader Desa"
    assert data["innovator"] in _note(page, "innovator") and _note(page, "title") == ""
    assert factory.get(Proposal, created.id).innovator == data["innovator"]
    from_there = dict(more, version=_input_value(page, "version"))
    assert client.post(f"/proposals/{created.id}/edit", data=from_there).status_code == 302
    assert factory.get(Proposal, created.id).innovator == "Tim SIGAP dan Kader Desa"
    assert factory.count(Proposal) == 1
    # another form of the same page is another proposal
    again = form_data(complete_values(competition, title="Lain"), **_new_form(client))
    assert client.post("/proposals/new", data=again).status_code == 302
    assert factory.count(Proposal) == 2


def test_a_repeated_new_form_does_not_overwrite_a_later_change(
    client, factory, tenant, unit, competition, login_as
) -> None:
    login_as(Role.OPERATOR, tenant=tenant, unit=unit)
    values = complete_values(competition)
    data = form_data(values, **_new_form(client))
    first = client.post("/proposals/new", data=data)
    proposal_id = int(re.search(r"/proposals/(\d+)/", first.location)[1])
    edit = f"/proposals/{proposal_id}/edit"
    later = form_data(values, title=NEW_TITLE, version=shown_version(client, edit))
    assert client.post(edit, data=later).status_code == 302
    # the old new-proposal form posted again: refused as stale, shown as the draft's form
    repeated = client.post("/proposals/new", data=dict(data, innovator="Tim Lain"))
    assert repeated.status_code == 409
    page = repeated.get_data(as_text=True)
    assert NEW_TITLE in _note(page, "title")
    assert f'action="/proposals/{proposal_id}/edit"' in page
    stored = factory.get(Proposal, proposal_id)
    assert (stored.title, stored.innovator) == (NEW_TITLE, values["innovator"])
    assert factory.count(Proposal) == 1


def test_a_token_of_someone_elses_proposal_makes_a_new_draft(
    client, factory, tenant, unit, competition, login_as
) -> None:
    theirs = complete_proposal(factory, tenant, unit)
    login_as(Role.OPERATOR, tenant=tenant, unit=unit)
    data = form_data(complete_values(competition, title="Milik Saya"), uuid=theirs.uuid)
    response = client.post("/proposals/new", data=data)
    assert response.status_code == 302
    assert factory.count(Proposal) == 2
    assert factory.get(Proposal, theirs.id).title != "Milik Saya"


def test_a_comment_posted_twice_is_stored_once(
    client, factory, tenant, unit, competition, login_as
) -> None:
    proposal = complete_proposal(factory, tenant, unit)
    login_as(Role.LOCAL_ADMIN, tenant=tenant)
    page = client.get(f"/proposals/{proposal.id}").get_data(as_text=True)
    once = _input_value(page, "once")
    assert once
    data = {"comment": "Tolong perbaiki ringkasan.", "once": once}
    for _ in range(2):
        response = client.post(f"/proposals/{proposal.id}/comments", data=dict(data))
        assert response.status_code == 302
    assert factory.count(ProposalComment) == 1
    # the page gives the next comment form a new token
    again = _input_value(client.get(f"/proposals/{proposal.id}").get_data(as_text=True), "once")
    assert again != once
    client.post(f"/proposals/{proposal.id}/comments", data={**data, "once": again})
    assert factory.count(ProposalComment) == 2
