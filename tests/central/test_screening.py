"""Administrative screening: the automatic checklist and the secretariat's decisions."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa

from central.screening.models import ScreeningCheck
from shared.db import db
from shared.models import Attachment, AuditLog, Proposal, ProposalStatus, Role, ScreeningResult
from shared.services.competitions import create_default_competition
from shared.tenancy import national_scope
from sync.models import ChangeEvent
from tests.central.helpers import version_of

SECTIONS = {
    "ringkasan": "Layanan antrean daring untuk puskesmas di seluruh kabupaten.",
    "ide_inovatif": "Warga mengambil nomor antrean dari rumah melalui telepon genggam.",
    "signifikansi": "Waktu tunggu turun dari tiga jam menjadi tiga puluh menit.",
    "kontribusi_sdgs": "Mendukung kehidupan sehat dan sejahtera.",
    "adaptabilitas": "Sudah dipakai di dua puluh puskesmas lain.",
    "keberlanjutan": "Dianggarkan dalam APBD dan diatur peraturan bupati.",
    "kolaborasi": "Dinas Kesehatan, Diskominfo dan BPJS Kesehatan.",
}


def complete(factory, tenant, title: str, **kw) -> Proposal:
    """A submitted proposal that meets every rule of the default form."""
    values = {
        "status": ProposalStatus.SUBMITTED,
        "title": title,
        "sections": dict(SECTIONS),
        "truth_declared": True,
        "implementation_start": date(2023, 1, 1),
        "submitted_at": datetime(2027, 2, 1, tzinfo=UTC),
        "submitted_revision": 1,
    }
    proposal = factory.proposal(tenant, factory.unit(tenant), **{**values, **kw})
    for kind in ("decree", "truth_declaration"):
        factory._save(
            Attachment(
                tenant_id=tenant.id,
                proposal_id=proposal.id,
                sha256=f"{kind:0<64}"[:64],
                kind=kind,
                filename=f"{kind}.pdf",
                size=1000,
                media_type="application/pdf",
            )
        )
    return proposal


def _decide(client, url: str, data: dict[str, str]):
    """Decide on the proposal's page as just loaded (with the page's version)."""
    return client.post(url, data={"version": version_of(client.get(url).text), **data})


def _bulk(client, proposals, data: dict[str, str]):
    """Select ``proposals`` on the list as just loaded and decide for all of them."""
    page = client.get("/screening/").text
    versions = {f"version-{p.uuid}": version_of(page, f"version-{p.uuid}") for p in proposals}
    return client.post(
        "/screening/decide", data={"uuid": [p.uuid for p in proposals], **versions, **data}
    )


@pytest.fixture
def years(factory):
    factory.competition()  # the running year first (the latest is "current")
    with factory.app.app_context(), national_scope():
        ids = {}
        for year in (2025, 2026):
            ids[year] = create_default_competition(year).id
        db.session.commit()
    current = factory.competition()
    return {**ids, current.year: current.id}


def _checks(client, proposal) -> dict[str, bool]:
    html = client.get(f"/screening/{proposal.uuid}").get_data(as_text=True)
    checklist = html.split('id="checklist"')[1].split("</section>")[0]
    out = {}
    for item in checklist.split('<li class="')[1:]:
        state, rest = item.split('"', 1)
        label = rest.split("<b>")[1].split("</b>")[0]
        out[label] = state == "ok"
    return out


def test_a_clean_proposal_passes_every_check(client, login_as, factory, tenant, years) -> None:
    proposal = complete(factory, tenant, "Sistem Antrean Daring Puskesmas")
    login_as(Role.SECRETARIAT)
    assert all(_checks(client, proposal).values())


def test_each_check_finds_its_problem(
    client, login_as, factory, tenant, other_tenant, years
) -> None:
    # incomplete and too long and too young, in one proposal
    sloppy = complete(
        factory,
        tenant,
        "Pojok Baca Desa",
        sections={**SECTIONS, "ringkasan": "kata " * 201, "kolaborasi": ""},
        implementation_start=date(2026, 6, 1),
    )
    # a near-duplicate title from another tenant this year
    complete(factory, other_tenant, "Sistem Antrian Daring Puskesmas")
    dup = complete(factory, tenant, "Sistem Antrean Daring Puskesmas")
    # an earlier Top winner of the same tenant
    complete(
        factory,
        tenant,
        "Lapor Bupati",
        competition_id=years[2025],
        award="top45",
        stage_code="final",
    )
    winner_again = complete(factory, tenant, "LAPOR, Bupati!")
    # Top 99 in 2025 and 2026 already
    complete(factory, other_tenant, "Desa Sehat", competition_id=years[2025], stage_code="top99")
    complete(
        factory, other_tenant, "Desa Sehat", competition_id=years[2026], stage_code="presentation"
    )
    third = complete(factory, other_tenant, "Desa Sehat")

    login_as(Role.SECRETARIAT)
    checks = _checks(client, sloppy)
    assert checks["Formulir dan bukti lengkap"] is False
    assert checks["Batas jumlah kata"] is False
    assert checks["Usia implementasi"] is False
    assert checks["Tidak ada judul ganda"] is True
    html = client.get(f"/screening/{sloppy.uuid}").get_data(as_text=True)
    assert "201 kata" in html

    assert _checks(client, dup)["Tidak ada judul ganda"] is False
    assert "Sistem Antrian Daring Puskesmas" in client.get(f"/screening/{dup.uuid}").get_data(
        as_text=True
    )
    checks = _checks(client, winner_again)
    assert checks["Bukan pemenang Top tahun sebelumnya"] is False
    assert checks["Tidak ada judul ganda"] is False  # the earlier year's title
    checks = _checks(client, third)
    assert checks["Belum dua kali masuk Top 99"] is False


def test_quota_flags_proposals_beyond_it(client, login_as, factory, tenant, years) -> None:
    # the default form allows 5 Replikasi per agency
    made = [
        complete(
            factory,
            tenant,
            f"Replikasi Nomor {n} Berbeda {n * 7919}",
            group_code="replikasi",
            replicates_title="Inovasi Asal",
            submitted_at=datetime(2027, 2, 1, n, tzinfo=UTC),
        )
        for n in range(6)
    ]
    login_as(Role.SECRETARIAT)
    assert _checks(client, made[4])["Dalam kuota instansi"] is True
    assert _checks(client, made[5])["Dalam kuota instansi"] is False


def test_failure_with_reason_is_stored_audited_and_published(
    client, login_as, factory, tenant, years
) -> None:
    proposal = complete(factory, tenant, "Sistem Antrean Daring Puskesmas")
    login_as(Role.SECRETARIAT)
    url = f"/screening/{proposal.uuid}"
    response = _decide(client, url, {"result": "failed", "reason_code": ""})
    assert response.status_code == 400
    assert factory.get(Proposal, proposal.id).screening_result == ScreeningResult.PENDING

    response = _decide(
        client,
        url,
        {
            "result": "failed",
            "reason_code": "too_young",
            "note": "Implementasi baru dimulai Juni 2026.",
        },
    )
    assert response.status_code == 302
    stored = factory.get(Proposal, proposal.id)
    assert stored.screening_result == ScreeningResult.FAILED
    assert stored.screening_reason == (
        "Inovasi belum cukup lama diterapkan: Implementasi baru dimulai Juni 2026."
    )
    with factory.app.app_context(), national_scope():
        event = db.session.execute(sa.select(ChangeEvent)).scalar_one()
        audit = db.session.execute(
            sa.select(AuditLog).where(AuditLog.action == "screening.decide")
        ).scalar_one()
        stage = next(
            s
            for s in db.session.get(Proposal, proposal.id).competition.stages
            if s.code == "screening"
        )
    assert event.kind == "screening.decided" and event.tenant_id == tenant.id
    assert event.payload == {
        "uuid": proposal.uuid,
        "revision": 1,
        "result": "failed",
        "reason": stored.screening_reason,
    }
    assert event.stage_id == stage.id  # embargoed until the stage's publish time
    assert audit.after["reason_code"] == "too_young"
    assert "Inovasi belum cukup lama diterapkan" in client.get(url).get_data(as_text=True)


def test_other_reason_needs_an_explanation(client, login_as, factory, tenant, years) -> None:
    proposal = complete(factory, tenant, "Sistem Antrean Daring Puskesmas")
    login_as(Role.SECRETARIAT)
    url = f"/screening/{proposal.uuid}"
    assert _decide(client, url, {"result": "failed", "reason_code": "other"}).status_code == 400
    assert (
        _decide(
            client, url, {"result": "failed", "reason_code": "other", "note": "Berkas rusak."}
        ).status_code
        == 302
    )
    assert factory.get(Proposal, proposal.id).screening_reason == "Berkas rusak."


def test_bulk_decision_and_list(client, login_as, factory, tenant, other_tenant, years) -> None:
    a = complete(factory, tenant, "Inovasi Pertama Jepara")
    b = complete(factory, other_tenant, "Inovasi Kedua Semarang")
    c = complete(factory, other_tenant, "Inovasi Ketiga Semarang", implementation_start=None)
    draft = factory.proposal(tenant, title="Draf yang belum diajukan")
    login_as(Role.SECRETARIAT)
    html = client.get("/screening/").get_data(as_text=True)
    for p in (a, b, c):
        assert p.title in html
    assert draft.title not in html
    assert factory.count(ScreeningCheck) == 3  # computed for the page and kept
    row_c = html.split(f">{c.title}</a>")[1].split("</tr>")[0]
    assert 'class="check bad"' in row_c  # shown at once, not on the next visit
    assert "· Umum ·" in row_c  # the group's name, not its code
    page = client.get(f"/screening/{a.uuid}").get_data(as_text=True)
    assert "SK penetapan inovator atau tim:" in page and "decree:" not in page

    flagged = client.get("/screening/?flagged=1").get_data(as_text=True)
    assert c.title in flagged and a.title not in flagged

    response = _bulk(client, [a, b], {"result": "passed", "next": "/screening/?flagged=0"})
    assert response.status_code == 302 and response.location.endswith("/screening/?flagged=0")
    assert factory.get(Proposal, a.id).screening_result == ScreeningResult.PASSED
    assert factory.get(Proposal, b.id).screening_result == ScreeningResult.PASSED
    assert factory.get(Proposal, c.id).screening_result == ScreeningResult.PENDING
    assert factory.count(ChangeEvent, ChangeEvent.kind == "screening.decided") == 2

    passed = client.get("/screening/?result=passed").get_data(as_text=True)
    assert a.title in passed and c.title not in passed


def test_drafts_cannot_be_screened(client, login_as, factory, tenant, years) -> None:
    draft = factory.proposal(tenant, title="Draf")
    login_as(Role.SECRETARIAT)
    response = client.post("/screening/decide", data={"uuid": [draft.uuid], "result": "passed"})
    assert response.status_code == 302
    assert factory.get(Proposal, draft.id).screening_result == ScreeningResult.PENDING


def test_refresh_recomputes_every_checklist(client, login_as, factory, tenant, years) -> None:
    complete(factory, tenant, "Inovasi Pertama Jepara")
    complete(factory, tenant, "Inovasi Kedua Jepara")
    login_as(Role.SECRETARIAT)
    response = client.post("/screening/refresh")
    assert response.status_code == 302
    assert factory.count(ScreeningCheck) == 2


def test_the_list_shows_a_decision_at_once(client, login_as, factory, tenant, years) -> None:
    proposal = complete(factory, tenant, "Inovasi Pertama Jepara")
    login_as(Role.SECRETARIAT)
    assert "Belum diseleksi" in client.get("/screening/").get_data(as_text=True)
    _bulk(client, [proposal], {"result": "passed"})
    row = client.get("/screening/").get_data(as_text=True).split(f">{proposal.title}</a>")[1]
    assert "status-passed" in row.split("</tr>")[0]


def test_khusus_needs_the_ministrys_invitation(client, login_as, factory, tenant, years) -> None:
    from shared.models import Competition
    from shared.services import invitations

    proposal = complete(
        factory,
        tenant,
        "Capaian Lanjutan Inovasi",
        group_code="khusus",
        sections={**SECTIONS, "capaian_lanjutan": "Direplikasi di tiga puluh kabupaten."},
    )
    login_as(Role.SECRETARIAT)
    assert _checks(client, proposal)["Formulir dan bukti lengkap"] is False

    def invite():
        comp = db.session.get(Competition, proposal.competition_id)
        t = db.session.get(type(tenant), tenant.id)
        invitations.invite(t, comp, "khusus", actor=None)

    factory.run(invite)
    assert _checks(client, proposal)["Formulir dan bukti lengkap"] is True


def _english(client) -> None:
    client.post("/language", data={"lang": "en", "next": "/screening/"})


def test_a_decision_from_a_page_loaded_before_a_colleagues_is_refused(
    client, login_as, factory, tenant, years
) -> None:
    proposal = complete(factory, tenant, "Sistem Antrean Daring Puskesmas")
    login_as(Role.SECRETARIAT)
    _english(client)
    url = f"/screening/{proposal.uuid}"
    stale = version_of(client.get(url).text)  # two staff open the page
    failed = {"result": "failed", "reason_code": "duplicate_title", "note": "Sama dengan X."}
    assert _decide(client, url, failed).status_code == 302
    typed = {"version": stale, "result": "passed", "reason_code": "", "note": "Lengkap semua."}
    response = client.post(url, data=typed)
    assert response.status_code == 400
    assert "someone else recorded a decision after the page was loaded" in response.text
    assert "Lengkap semua." in response.text  # the typed note is kept
    stored = factory.get(Proposal, proposal.id)
    assert stored.screening_result == ScreeningResult.FAILED
    assert factory.count(AuditLog, AuditLog.action == "screening.decide") == 1
    # the same from the list: a row loaded before the decision is refused as a whole batch
    other = complete(factory, tenant, "Inovasi Lain Jepara")
    listing = client.get("/screening/").text
    versions = {f"version-{p.uuid}": version_of(listing, f"version-{p.uuid}") for p in (proposal,)}
    assert _decide(client, url, {"result": "passed"}).status_code == 302
    response = client.post(
        "/screening/decide",
        data={
            "uuid": [other.uuid, proposal.uuid],
            f"version-{other.uuid}": version_of(listing, f"version-{other.uuid}"),
            **versions,
            "result": "failed",
            "reason_code": "quota",
        },
        follow_redirects=True,
    )
    assert "Sistem Antrean Daring Puskesmas" in response.text.split('class="flash error"')[1]
    assert factory.get(Proposal, proposal.id).screening_result == ScreeningResult.PASSED
    assert factory.get(Proposal, other.id).screening_result == ScreeningResult.PENDING


def test_a_decision_is_refused_when_a_newer_revision_arrived_meanwhile(
    client, login_as, factory, tenant, years
) -> None:
    proposal = complete(factory, tenant, "Sistem Antrean Daring Puskesmas")
    login_as(Role.SECRETARIAT)
    _english(client)
    url = f"/screening/{proposal.uuid}"
    page = client.get(url).text
    assert "revision 1" in page

    def resubmitted() -> None:  # the agency revised and submitted again (as the sync stores it)
        stored = db.session.get(Proposal, proposal.id)
        stored.revision = stored.submitted_revision = 2
        stored.sections = {**SECTIONS, "ringkasan": "ISI BARU REVISI 2."}

    factory.run(resubmitted)
    response = client.post(url, data={"version": version_of(page), "result": "passed"})
    assert response.status_code == 400
    assert "the agency submitted revision 2 after the page was loaded" in response.text
    assert "ISI BARU REVISI 2." in response.text and "revision 2" in response.text
    assert factory.get(Proposal, proposal.id).screening_result == ScreeningResult.PENDING
    assert factory.count(AuditLog, AuditLog.action == "screening.decide") == 0
    # decided on the page that shows revision 2, it is recorded against revision 2
    assert _decide(client, url, {"result": "passed"}).status_code == 302
    with factory.app.app_context(), national_scope():
        entry = db.session.execute(
            sa.select(AuditLog).where(AuditLog.action == "screening.decide")
        ).scalar_one()
    assert entry.after["revision"] == 2


def test_screening_no_longer_changes_once_the_proposal_entered_judging(
    client, login_as, factory, tenant, years
) -> None:
    from central.judging import stages
    from central.judging.models import EntryStatus, StageEntry
    from shared.models import Competition, User

    proposal = complete(factory, tenant, "Telemedisin Rumah Sakit Vertikal")
    login_as(Role.SECRETARIAT)
    _english(client)
    url = f"/screening/{proposal.uuid}"
    assert _decide(client, url, {"result": "passed"}).status_code == 302
    page = client.get(url).text  # a screener keeps this page open

    def into_desk_evaluation() -> int:
        competition = db.session.get(Competition, years[max(years)])
        desk = stages.setup_competition(competition, actor=None)[1]
        stages.open_entries(
            desk, actor=db.session.execute(sa.select(User)).scalars().first(), before_start=True
        )
        return desk.stage_id

    desk_id = factory.run(into_desk_evaluation)
    typed = {"version": version_of(page), "result": "failed", "reason_code": "too_young"}
    response = client.post(url, data=typed)
    assert response.status_code == 400
    assert "it is an entrant of the stage Desk Evaluation" in response.text
    assert factory.get(Proposal, proposal.id).screening_result == ScreeningResult.PASSED
    assert factory.count(StageEntry, StageEntry.status == EntryStatus.ACTIVE) == 1
    fresh = client.get(url).text
    assert 'id="screening-closed"' in fresh and 'name="result"' not in fresh
    # taken out of the stage with a reason, its screening can be corrected
    removed = client.post(
        f"/judging/stages/{desk_id}/proposals/{proposal.id}/remove",
        data={"reason": "Ternyata belum dua tahun berjalan."},
    )
    assert removed.status_code == 302
    assert factory.count(StageEntry, StageEntry.status == EntryStatus.REMOVED) == 1
    assert _decide(client, url, {"result": "failed", "reason_code": "too_young"}).status_code == 302
    assert factory.get(Proposal, proposal.id).screening_result == ScreeningResult.FAILED
