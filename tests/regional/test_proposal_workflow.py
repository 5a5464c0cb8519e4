"""The proposal workflow on a regional node, through the pages: write, send, return, verify,
submit, revise; who may do what; history and the ministry's results on the proposal page."""

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
    ScreeningResult,
)
from sync.models import OutboxItem
from tests.factories import PDF_BYTES
from tests.proposal_support import (
    complete_proposal,
    complete_values,
    edit_post,
    form_data,
    return_post,
    step_version,
    submit_post,
    values_of,
    verify_post,
)

S = ProposalStatus


def _status(factory, proposal) -> ProposalStatus:
    return factory.get(Proposal, proposal.id).status


def test_operator_writes_a_proposal_and_admin_submits_it(
    app, client, factory, tenant, unit, competition, login_as, in_app
) -> None:
    operator = login_as(Role.OPERATOR, tenant=tenant, unit=unit)
    values = complete_values(competition)
    response = client.post("/proposals/new", data=form_data(values))
    assert response.status_code == 302
    proposal_id = int(re.search(r"/proposals/(\d+)/edit", response.location).group(1))
    page = client.get(response.location)
    assert "Tersimpan" in page.get_data(as_text=True)

    # documents, then send
    for kind in ("decree", "truth_declaration"):
        up = client.post(
            f"/proposals/{proposal_id}/attachments",
            data={"kind": kind, "file": (io.BytesIO(PDF_BYTES), f"{kind}.pdf")},
            content_type="multipart/form-data",
        )
        assert up.status_code == 302
    sent = client.post(f"/proposals/{proposal_id}/send", follow_redirects=True)
    assert "Proposal telah dikirim ke Admin Lokal." in sent.get_data(as_text=True)
    proposal = factory.get(Proposal, proposal_id)
    assert proposal.status == S.SENT and proposal.created_by_id == operator.id

    # the operator can neither edit it now nor submit it
    assert client.post(f"/proposals/{proposal_id}/submit").status_code == 403
    assert client.post(f"/proposals/{proposal_id}/verify").status_code == 403
    blocked = client.post(f"/proposals/{proposal_id}/edit", data=form_data(values, title="Baru"))
    assert "tidak dapat diubah sekarang" in blocked.get_data(as_text=True)
    assert factory.get(Proposal, proposal_id).title == values["title"]

    # the Admin Lokal returns it with a comment
    login_as(Role.LOCAL_ADMIN, tenant=tenant)
    listing = client.get("/proposals/?status=sent").get_data(as_text=True)
    assert values["title"] in listing
    returned = return_post(
        client, proposal_id, "Lengkapi data jumlah lansia yang terlayani.", follow_redirects=True
    )
    assert "Proposal telah dikembalikan ke unit." in returned.get_data(as_text=True)
    assert _status(factory, proposal) == S.RETURNED

    # the operator sees the comment, fixes the text and sends again
    login_as(Role.OPERATOR, tenant=tenant, unit=unit)
    shown = client.get(f"/proposals/{proposal_id}").get_data(as_text=True)
    assert "Lengkapi data jumlah lansia yang terlayani." in shown and "Dikembalikan" in shown
    fixed = dict(values)
    fixed["sections"] = {**values["sections"], "signifikansi": "Lansia terlayani naik 40 persen."}
    assert edit_post(client, proposal_id, fixed).status_code == 302
    assert client.post(f"/proposals/{proposal_id}/send").status_code == 302
    assert _status(factory, proposal) == S.SENT

    # the admin verifies and submits; the revision is frozen and queued for sync
    login_as(Role.LOCAL_ADMIN, tenant=tenant)
    assert verify_post(client, proposal_id).status_code == 302
    assert _status(factory, proposal) == S.VERIFIED
    done = submit_post(client, proposal_id, follow_redirects=True)
    assert "Proposal telah diajukan ke kementerian." in done.get_data(as_text=True)
    with in_app(app):
        stored = db.session.get(Proposal, proposal_id)
        assert stored.status == S.SUBMITTED and stored.submitted_revision == 1
        assert stored.received_at is None  # central's clock sets that
        revision = db.session.execute(sa.select(ProposalRevision)).scalar_one()
        assert revision.content_hash == stored.content_hash
        assert revision.content["sections"]["signifikansi"] == "Lansia terlayani naik 40 persen."
        assert db.session.execute(sa.select(OutboxItem.revision)).scalars().all() == [1]
        actions = db.session.execute(
            sa.select(AuditLog.action).where(AuditLog.object_id == stored.uuid)
        ).scalars()
        assert [a for a in actions if a != "proposal.attachment_add"] == [
            "proposal.create",
            "proposal.send",
            "proposal.return",
            "proposal.save",
            "proposal.send",
            "proposal.verify",
            "proposal.submit",
        ]


def test_history_lists_transitions_and_comments_in_wib(
    client, factory, tenant, unit, competition, login_as
) -> None:
    proposal = complete_proposal(factory, tenant, unit, status=S.SENT)
    admin = login_as(Role.LOCAL_ADMIN, tenant=tenant, full_name="Siti Aminah")
    return_post(client, proposal.id, "Perbaiki ringkasan.")
    page = client.get(f"/proposals/{proposal.id}/history").get_data(as_text=True)
    assert "Dikembalikan ke unit" in page
    assert "Dikirim ke admin → Dikembalikan" in page
    assert "Perbaiki ringkasan." in page
    # the return and its comment are both signed with the person's name, not the account's
    table = page.split("<table", 1)[1].split("</table>", 1)[0]
    assert table.count("Siti Aminah") == 2 and admin.username not in table
    assert re.search(r"\d\d-\d\d-\d{4} \d\d\.\d\d WIB", page)


def test_submitted_proposal_is_frozen_and_a_change_makes_a_new_revision(
    app, client, factory, tenant, unit, competition, login_as, in_app
) -> None:
    proposal = complete_proposal(factory, tenant, unit, status=S.VERIFIED)
    login_as(Role.LOCAL_ADMIN, tenant=tenant)
    assert submit_post(client, proposal.id).status_code == 302
    values = values_of(factory.get(Proposal, proposal.id))

    # frozen: the edit page refuses, and a POST changes nothing
    assert client.get(f"/proposals/{proposal.id}/edit").status_code == 302
    client.post(f"/proposals/{proposal.id}/edit", data=form_data(values, title="Judul Lain"))
    assert factory.get(Proposal, proposal.id).title == values["title"]

    # a new revision: revision 2, a draft again, the first revision stays frozen
    login_as(Role.OPERATOR, tenant=tenant, unit=unit)
    assert client.post(f"/proposals/{proposal.id}/revise").status_code == 302
    again = factory.get(Proposal, proposal.id)
    assert (again.status, again.revision, again.submitted_revision) == (S.DRAFT, 2, 1)
    new_values = dict(values, title="Jemput Bola Layanan Kesehatan Lansia dan Disabilitas")
    assert edit_post(client, proposal.id, new_values).status_code == 302
    client.post(f"/proposals/{proposal.id}/send")
    login_as(Role.LOCAL_ADMIN, tenant=tenant)
    verify_post(client, proposal.id)
    submit_post(client, proposal.id)
    with in_app(app):
        revisions = (
            db.session.execute(sa.select(ProposalRevision).order_by(ProposalRevision.revision))
            .scalars()
            .all()
        )
        assert [(r.revision, r.content["title"]) for r in revisions] == [
            (1, values["title"]),
            (2, new_values["title"]),
        ]
        assert revisions[0].content_hash != revisions[1].content_hash
        assert db.session.execute(sa.select(OutboxItem.revision)).scalars().all() == [1, 2]


def test_only_the_admin_verifies_and_submits(client, factory, tenant, unit, competition, login_as):
    proposal = complete_proposal(factory, tenant, unit, status=S.VERIFIED)
    login_as(Role.OPERATOR, tenant=tenant, unit=unit)
    for step in ("submit", "verify", "return"):
        assert client.post(f"/proposals/{proposal.id}/{step}").status_code == 403
    page = client.get(f"/proposals/{proposal.id}").get_data(as_text=True)
    assert "Ajukan ke kementerian" not in page
    assert "hanya Admin Lokal yang mengajukannya" in page
    assert _status(factory, proposal) == S.VERIFIED


def test_operator_of_another_unit_cannot_see_or_change(
    client, factory, tenant, unit, competition, login_as
) -> None:
    proposal = complete_proposal(factory, tenant, unit)
    attachment_id = factory.attachment(proposal, kind="photo").id
    login_as(Role.OPERATOR, tenant=tenant, unit=factory.unit(tenant, name="Dinas Pendidikan"))
    for url in (
        f"/proposals/{proposal.id}",
        f"/proposals/{proposal.id}/edit",
        f"/proposals/{proposal.id}/history",
        f"/proposals/{proposal.id}/attachments",
        f"/proposals/attachments/{attachment_id}",
    ):
        assert client.get(url).status_code == 403, url
    assert client.post(f"/proposals/{proposal.id}/send").status_code == 403
    assert client.post(f"/proposals/attachments/{attachment_id}/delete").status_code == 403
    listing = client.get("/proposals/").get_data(as_text=True)
    assert proposal.title not in listing
    assert _status(factory, proposal) == S.DRAFT


def test_another_tenants_proposal_is_not_found(
    client, factory, tenant, other_tenant, unit, competition, login_as
) -> None:
    theirs = complete_proposal(factory, other_tenant, factory.unit(other_tenant), status=S.VERIFIED)
    login_as(Role.LOCAL_ADMIN, tenant=tenant)
    assert client.get(f"/proposals/{theirs.id}").status_code == 404
    assert client.post(f"/proposals/{theirs.id}/submit").status_code == 404
    assert client.post(f"/proposals/{theirs.id}/return", data={"comment": "x"}).status_code == 404
    assert theirs.title not in client.get("/proposals/").get_data(as_text=True)
    assert _status(factory, theirs) == S.VERIFIED


def test_a_draft_never_submitted_can_be_deleted_after_a_confirmation(
    client, factory, tenant, unit, competition, login_as
) -> None:
    proposal = complete_proposal(factory, tenant, unit)
    factory.attachment(proposal, kind="photo")
    login_as(Role.OPERATOR, tenant=tenant, unit=unit)
    client.post(f"/proposals/{proposal.id}/comments", data={"comment": "Judulnya dobel."})
    page = client.get(f"/proposals/{proposal.id}").get_data(as_text=True)
    assert "Hapus draf ini" in page
    refused = client.post(f"/proposals/{proposal.id}/delete", follow_redirects=True)
    assert "Centang kotak" in refused.get_data(as_text=True)  # not ticked: nothing deleted
    assert _status(factory, proposal) == S.DRAFT
    done = client.post(
        f"/proposals/{proposal.id}/delete", data={"confirm": "yes"}, follow_redirects=True
    )
    assert "Draf telah dihapus." in done.get_data(as_text=True)
    assert proposal.title not in client.get("/proposals/").get_data(as_text=True)
    assert factory.get(Proposal, proposal.id) is None
    assert factory.count(ProposalComment) == 0
    assert factory.count(AuditLog, AuditLog.action == "proposal.delete") == 1
    assert client.get(f"/proposals/{proposal.id}").status_code == 404


def test_a_submitted_proposal_or_one_with_the_admin_is_not_deleted_by_a_unit(
    client, factory, tenant, unit, competition, login_as
) -> None:
    submitted = complete_proposal(factory, tenant, unit, status=S.VERIFIED)
    sent = complete_proposal(factory, tenant, unit, status=S.SENT, title="Inovasi Kedua Jepara")
    login_as(Role.LOCAL_ADMIN, tenant=tenant)
    assert submit_post(client, submitted.id).status_code == 302
    assert "Hapus draf ini" not in client.get(f"/proposals/{submitted.id}").get_data(as_text=True)
    client.post(f"/proposals/{submitted.id}/delete", data={"confirm": "yes"})
    assert _status(factory, submitted) == S.SUBMITTED  # the ministry's record stays
    # a new revision is still a submitted proposal: not deletable either
    assert client.post(f"/proposals/{submitted.id}/revise").status_code == 302
    client.post(f"/proposals/{submitted.id}/delete", data={"confirm": "yes"})
    assert _status(factory, submitted) == S.DRAFT
    # a unit no longer deletes what it sent to its Admin Lokal; the admin may
    login_as(Role.OPERATOR, tenant=tenant, unit=unit)
    assert "Hapus draf ini" not in client.get(f"/proposals/{sent.id}").get_data(as_text=True)
    client.post(f"/proposals/{sent.id}/delete", data={"confirm": "yes"})
    assert _status(factory, sent) == S.SENT
    login_as(Role.OPERATOR, tenant=tenant, unit=factory.unit(tenant, name="Dinas Pendidikan"))
    assert client.post(f"/proposals/{sent.id}/delete", data={"confirm": "yes"}).status_code == 403
    login_as(Role.LOCAL_ADMIN, tenant=tenant)
    client.post(f"/proposals/{sent.id}/delete", data={"confirm": "yes"})
    assert factory.get(Proposal, sent.id) is None


def test_return_needs_a_comment(client, factory, tenant, unit, competition, login_as) -> None:
    proposal = complete_proposal(factory, tenant, unit, status=S.SENT)
    login_as(Role.LOCAL_ADMIN, tenant=tenant)
    page = return_post(client, proposal.id, "  ", follow_redirects=True)
    assert "Tuliskan apa yang harus diperbaiki unit." in page.get_data(as_text=True)
    assert _status(factory, proposal) == S.SENT
    assert factory.count(ProposalComment) == 0


def test_steps_out_of_order_are_refused(
    client, factory, tenant, unit, competition, login_as
) -> None:
    proposal = complete_proposal(factory, tenant, unit, status=S.SENT)
    login_as(Role.LOCAL_ADMIN, tenant=tenant)
    # a Sent proposal's page has no Submit button: post with the version its Return form carries
    shown = {"version": step_version(client, proposal.id, "return")}
    page = client.post(f"/proposals/{proposal.id}/submit", data=shown, follow_redirects=True)
    assert "Proposal berstatus Dikirim ke admin tidak dapat diajukan." in page.get_data(
        as_text=True
    )
    assert _status(factory, proposal) == S.SENT
    assert client.post(f"/proposals/{proposal.id}/revise").status_code == 302
    assert factory.get(Proposal, proposal.id).revision == 1


def test_admin_may_edit_a_sent_proposal_and_create_for_a_unit(
    client, factory, tenant, unit, competition, login_as
) -> None:
    proposal = complete_proposal(factory, tenant, unit, status=S.SENT)
    login_as(Role.LOCAL_ADMIN, tenant=tenant)
    values = values_of(factory.get(Proposal, proposal.id))
    corrected = edit_post(
        client, proposal.id, values, title="Jemput Bola Kesehatan Lansia (Perbaikan Admin)"
    )
    assert corrected.status_code == 302
    assert factory.get(Proposal, proposal.id).title.endswith("(Perbaikan Admin)")
    assert _status(factory, proposal) == S.SENT

    data = form_data(complete_values(competition, title="Sistem Antrean Daring Puskesmas"))
    response = client.post("/proposals/new", data={**data, "unit_id": str(unit.id)})
    assert response.status_code == 302
    created = factory.get(Proposal, int(re.search(r"/proposals/(\d+)/", response.location)[1]))
    assert created.unit_id == unit.id and created.status == S.DRAFT


def test_list_filters_and_search(client, factory, tenant, unit, competition, login_as) -> None:
    other_unit = factory.unit(tenant, name="Dinas Kependudukan")
    factory.proposal(tenant, unit, title="Posyandu Digital Bangsri")
    factory.proposal(tenant, other_unit, title="Jemput Bola KTP Elektronik", status=S.SENT)
    factory.proposal(tenant, other_unit, title="Replikasi Lapak Ganteng", group_code="replikasi")
    login_as(Role.LOCAL_ADMIN, tenant=tenant)

    def titles(query: str) -> set[str]:
        page = client.get("/proposals/" + query).get_data(as_text=True)
        return {t for t in ("Posyandu Digital", "Jemput Bola KTP", "Lapak Ganteng") if t in page}

    assert titles("") == {"Posyandu Digital", "Jemput Bola KTP", "Lapak Ganteng"}
    assert titles("?status=sent") == {"Jemput Bola KTP"}
    assert titles(f"?unit={other_unit.id}") == {"Jemput Bola KTP", "Lapak Ganteng"}
    assert titles("?group=replikasi") == {"Lapak Ganteng"}
    assert titles("?q=posyandu") == {"Posyandu Digital"}
    assert titles("?q=100%25") == set()

    login_as(Role.OPERATOR, tenant=tenant, unit=unit)
    assert titles("") == {"Posyandu Digital"}
    assert titles(f"?unit={other_unit.id}") == {"Posyandu Digital"}  # operators: own unit only


def test_results_from_central_are_shown(
    client, factory, tenant, unit, competition, login_as
) -> None:
    proposal = complete_proposal(
        factory,
        tenant,
        unit,
        status=S.SUBMITTED,
        submitted_revision=1,
        screening_result=ScreeningResult.FAILED,
        screening_reason="Usia penerapan inovasi kurang dari satu tahun.",
        stage_code="screening",
        award="Top 45",
    )
    login_as(Role.OPERATOR, tenant=tenant, unit=unit)
    page = client.get(f"/proposals/{proposal.id}").get_data(as_text=True)
    assert "Hasil dari kementerian" in page
    assert "Tidak lolos seleksi" in page
    assert "Usia penerapan inovasi kurang dari satu tahun." in page
    assert "Seleksi Administrasi" in page  # the stage's name, not its code
    assert "Top 45" in page


def test_invisible_control_characters_of_a_paste_are_not_kept(
    client, factory, tenant, unit, competition, login_as
) -> None:
    """A word processor's line break (a vertical tab) or a NUL from a PDF fragment: nobody
    sees them, central would refuse the NUL and a spreadsheet cannot hold them."""
    login_as(Role.OPERATOR, tenant=tenant, unit=unit)
    values = complete_values(competition, title="Jemput Bola\x0bLayanan Lansia\x00")
    key = next(iter(values["sections"]))
    values["sections"][key] = "Baris satu.\x0bBaris dua\x00 selesai.\r\nBaris tiga."
    response = client.post("/proposals/new", data=form_data(values))
    assert response.status_code == 302
    proposal_id = int(re.search(r"/proposals/(\d+)/edit", response.location).group(1))
    stored = factory.get(Proposal, proposal_id)
    assert stored.title == "Jemput Bola Layanan Lansia"
    assert stored.sections[key] == "Baris satu.\nBaris dua selesai.\nBaris tiga."
    assert client.get("/proposals/export.xlsx").status_code == 200
