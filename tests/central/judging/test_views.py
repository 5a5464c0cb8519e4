"""Judging through HTTP: blind scoring, the secretariat's tools, the public objection form,
finalist materials."""

from __future__ import annotations

import io
from datetime import datetime, time, timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from central.judging.models import Assignment, Objection, ScoreSheet, SheetStatus
from shared.db import db
from shared.models import Attachment, AuditLog, Role
from tests.central.judging.support import World
from tests.conftest import login

DESK = "desk_evaluation"


@pytest.fixture
def world(factory) -> World:
    return World(factory)


def _desk(world: World, n_judges: int = 3):
    tenant = world.tenant(province="51", name="Kabupaten Tersembunyi")
    unit = world.f.unit(tenant, name="Dinas Rahasia Sekali")
    (p,) = world.proposals(
        tenant, 1, unit_id=unit.id, sections={"ringkasan": "Ringkasan inovasi layanan."}
    )
    world.f.attachment(p, kind="decree", filename="SK-Bupati-Tersembunyi.pdf")
    judges = world.judges(DESK, n_judges)
    world.open()
    world.assign()
    return p, judges


def test_blind_scoring_draft_submit_and_peer_visibility(world: World, client) -> None:
    p, judges = _desk(world)
    url = f"/judging/stages/{world.sid(DESK)}/proposals/{p.id}"
    login(client, judges[0].username)
    queue = client.get("/judging/queue").get_data(as_text=True).split("<tbody>", 1)[1]
    assert "<td>Kesehatan</td>" in queue  # the category by its name, not its code
    page = client.get(url)
    assert page.status_code == 200
    for secret in (b"Kabupaten Tersembunyi", b"Dinas Rahasia Sekali", b"SK-Bupati-Tersembunyi"):
        assert secret not in page.data
    assert b"Ringkasan inovasi layanan." in page.data
    # the evidence downloads under a neutral name
    attachment_id = world.run(lambda: db.session.execute(sa.select(Attachment.id)).scalar_one())
    with client.get(f"{url}/attachments/{attachment_id}") as download:
        assert download.status_code == 200 and download.data.startswith(b"%PDF")
        assert "lampiran-1.pdf" in download.headers["Content-Disposition"]
        assert "Tersembunyi" not in download.headers["Content-Disposition"]
    # a draft keeps what was typed
    client.post(
        url,
        data={
            "action": "draft",
            "score_kebaruan": "85",
            "note_kebaruan": "Baru di tingkat nasional.",
        },
    )
    assert b'value="85.0"' in client.get(url).data or b'value="85"' in client.get(url).data
    # submitting incomplete: 400 with the fields marked, nothing submitted
    bad = client.post(url, data={"action": "submit", "score_kebaruan": "85"})
    assert bad.status_code == 400 and b'role="alert"' in bad.data
    full = {"action": "submit"}
    for code in ("kebaruan", "efektivitas", "kemanfaatan", "replikasi", "keberlanjutan"):
        full[f"score_{code}"] = "80"
        full[f"note_{code}"] = "Alasan yang jelas dan cukup."
    # the others' scores stay hidden until one's own is in
    world.score(DESK, world.assignments(DESK, judge_id=judges[1].id)[0].id, 40)
    assert b"40.00" not in client.get(url).data
    assert client.post(url, data=full).status_code == 302
    after = client.get(url).data
    assert b"80.00" in after and b"40.00" in after
    # staff see the agency (the stage is blind for judges only)
    client.post("/logout")
    login(client, world.staff.username)
    assert b"Kabupaten Tersembunyi" in client.get(url).data


def test_judges_cannot_open_proposals_they_are_not_assigned_to(world: World, client) -> None:
    p, _judges = _desk(world)
    outsider = world.judges(DESK, 1)[0]  # on the panel, not assigned
    login(client, outsider.username)
    assert client.get(f"/judging/stages/{world.sid(DESK)}/proposals/{p.id}").status_code == 403


def test_secretariat_assigns_and_requests_a_rescore_through_the_pages(world: World, client) -> None:
    tenant = world.tenant(province="51")
    world.proposals(tenant, 3)
    world.judges(DESK, 4)
    world.open()
    login(client, world.staff.username)
    response = client.post(
        f"/judging/stages/{world.sid(DESK)}/assignments/auto", follow_redirects=True
    )
    assert response.status_code == 200 and b"9" in response.data
    assert world.f.count(Assignment) == 9
    item = world.assignments(DESK)[0]
    world.score(DESK, item.id, 70)
    client.post(
        f"/judging/assignments/{item.id}/rescore", data={"note": "Periksa lagi kebaruannya."}
    )
    assert world.f.count(ScoreSheet, ScoreSheet.status == SheetStatus.DRAFT) == 1
    # taking a judge off finds a replacement
    other = world.assignments(DESK)[1]
    client.post(f"/judging/assignments/{other.id}/remove", data={"reason": "Beban terlalu berat."})
    assert len(world.assignments(DESK, proposal_id=other.proposal_id)) == 3
    assert world.f.count(AuditLog, AuditLog.action == "judging.assignment.removed") == 1
    page = client.get(f"/judging/stages/{world.sid(DESK)}/assignments").text
    assert "<s>dikeluarkan</s>" in page and "<s>removed</s>" not in page  # its status, in words


def test_a_judge_whose_scores_arrived_after_the_page_loaded_is_not_taken_off_silently(
    world: World, client
) -> None:
    (p,) = world.proposals(world.tenant(province="51"), 1)
    judges = world.judges(DESK, 4)
    world.open()
    world.assign()
    login(client, world.staff.username)
    client.post("/language", data={"lang": "en", "next": "/"})
    url = f"/judging/stages/{world.sid(DESK)}/assignments"
    item = world.assignments(DESK)[0]
    judge = next(j for j in judges if j.id == item.judge_id)
    page = client.get(url).text  # the judge has not started yet
    assert f"/judging/assignments/{item.id}/remove" in page and 'name="leave_out"' not in page
    world.score(DESK, item.id, 90)  # meanwhile the judge sends a full sheet
    sheets = f"/judging/stages/{world.sid(DESK)}/proposals/{p.id}"
    assert "90.00" in client.get(sheets).text

    remove = f"/judging/assignments/{item.id}/remove"
    response = client.post(remove, data={"reason": "Tidak aktif, diganti"}, follow_redirects=True)
    assert 'class="flash error"' in response.text, "taken off although the scores were sent"
    refusal = response.text.split('class="flash error"', 1)[1].split("</div>", 1)[0]
    assert "Not taken off" in refusal and judge.display_name in refusal and "90.00" in refusal
    assert item.id in [a.id for a in world.assignments(DESK)]  # still on, scores still count
    assert "90.00" in client.get(sheets).text
    assert world.f.count(AuditLog, AuditLog.action == "judging.assignment.removed") == 0
    # the page now shows the sent scores with the box to leave them out
    assert 'name="leave_out" value="1"' in response.text
    # a conflict of interest found late: taken off knowingly, the scores kept on record
    response = client.post(
        remove,
        data={"reason": "Konflik kepentingan baru diketahui", "leave_out": "1"},
        follow_redirects=True,
    )
    assert "no longer count in the ranking and are kept in the audit trail" in response.text
    assert "scores sent, not counted (weighted score 90.00)" in response.text
    assert item.id not in [a.id for a in world.assignments(DESK)]
    assert len(world.assignments(DESK, proposal_id=p.id)) == 3  # a replacement
    assert "90.00" not in client.get(sheets).text
    assert world.f.count(ScoreSheet, ScoreSheet.assignment_id == item.id) == 1  # kept
    after = world.run(
        lambda: db.session.execute(
            sa.select(AuditLog.after).where(AuditLog.action == "judging.assignment.removed")
        ).scalar_one()
    )
    left_out = after["scores_left_out"]
    assert left_out["total"] == 90.0 and left_out["scores"]["kebaruan"] == 90.0
    assert after["reason"] == "Konflik kepentingan baru diketahui"


def test_public_objection_form_without_an_account(world: World, client, app) -> None:
    (target, _other) = world.to_objection_period(
        [world.tenant(province="51"), world.tenant(province="52")]
    )
    listing = client.get("/sanggah/")
    assert listing.status_code == 200 and target.title.encode() in listing.data
    url = f"/sanggah/{target.uuid}"
    assert client.get(url).status_code == 200
    data = {
        "name": "Budi",
        "email": "budi@example.org",
        "reason": "Layanan ini sudah tidak berjalan sejak awal tahun.",
    }
    assert client.post(url, data=dict(data), csrf=False).status_code == 400  # CSRF required
    sent = client.post(url, data=dict(data), follow_redirects=True)
    reference = world.run(lambda: db.session.execute(sa.select(Objection.reference)).scalar_one())
    assert reference.encode() in sent.data
    bad = client.post(url, data={**data, "email": "bukan-email"})
    assert bad.status_code == 400 and world.f.count(Objection) == 1
    app.config["JUDGING_OBJECTIONS_PER_HOUR"] = 1
    assert client.post(url, data=dict(data)).status_code == 400
    world.close_objections()
    assert client.get(url).status_code == 404


def test_an_objection_reads_the_stage_sequence_once(world: World, client, app) -> None:
    """Whether the window is open is asked by the form's view and again when filing: the
    stages it depends on are read once per request."""
    (target,) = world.to_objection_period([world.tenant(province="51")])
    with app.app_context():
        engine = db.engine
    statements: list[str] = []

    def record(_conn, _cursor, statement, *_args) -> None:
        statements.append(statement)

    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        sent = client.post(
            f"/sanggah/{target.uuid}",
            data={
                "name": "Budi",
                "email": "budi@example.org",
                "reason": "Layanan ini sudah tidak berjalan sejak awal tahun.",
            },
        )
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)
    assert sent.status_code == 302 and world.f.count(Objection) == 1
    assert sum("ORDER BY stage.position" in s for s in statements) == 1


def test_tenants_send_finalist_materials(world: World, client) -> None:
    from shared.models import Tenant

    tenant = world.tenant(province="51")
    (p,) = world.to_objection_period([tenant])
    admin = world.f.user(Role.LOCAL_ADMIN, tenant=world.f.get(Tenant, tenant.id))
    login(client, admin.username)
    url = f"/finalist/{p.uuid}"
    fake = client.post(
        url,
        data={
            "video_url": "https://v.example.org/x",
            "slides": (io.BytesIO(b"GIF89a"), "slides.pdf"),
        },
        content_type="multipart/form-data",
    )
    assert (
        fake.status_code == 200
        and world.run(
            lambda: db.session.execute(
                sa.text("select count(*) from finalist_material")
            ).scalar_one()
        )
        == 0
    )
    ok = client.post(
        url,
        data={
            "video_url": "https://v.example.org/x",
            "slides": (io.BytesIO(b"%PDF-1.7 deck"), "deck.pdf"),
            "summary": (io.BytesIO(b"%PDF-1.7 sum"), "sum.pdf"),
        },
        content_type="multipart/form-data",
    )
    assert ok.status_code == 302
    page = client.get(url).data
    assert b"deck.pdf" in page and b"sum.pdf" in page


def _at_panel_nomination(world: World, tenant_name: str | None = None, **panel: Any) -> list:
    """Two proposals past the desk evaluation, assigned to three panelists (returned)."""
    from shared.models import Role

    world.settings("desk_evaluation", passing_grade=None)
    if panel:
        world.settings("panel_nomination", **panel)
    names = {"name": tenant_name} if tenant_name else {}
    world.proposals(world.tenant(province="51", **names), 2)
    world.judges("desk_evaluation", 3)
    panelists = world.judges("panel_nomination", 3, Role.PANELIST)
    world.open()
    world.assign()
    world.score_all("desk_evaluation", lambda a: 80)
    world.promote("desk_evaluation")
    world.assign("panel_nomination")
    return panelists


def test_panelists_see_the_ranking_only_after_their_own_scores(world: World, client) -> None:
    panelists = _at_panel_nomination(world)
    mine = world.assignments("panel_nomination", judge_id=panelists[0].id)
    for item in world.assignments("panel_nomination"):
        if item.judge_id != panelists[0].id:
            world.score("panel_nomination", item.id, 66)
    login(client, panelists[0].username)
    url = f"/judging/stages/{world.sid('panel_nomination')}/ranking"
    page = client.get(url)
    assert page.status_code == 200 and b"66.00" not in page.data
    for item in mine:
        world.score("panel_nomination", item.id, 90)
    assert b"74.00" in client.get(url).data  # (66 + 66 + 90) / 3 per proposal


def test_verification_pages_exist_only_on_a_field_verification_stage(world: World, client) -> None:
    from central.judging.models import VerificationNote

    p, judges = _desk(world)
    login(client, judges[0].username)
    base = f"/judging/stages/{world.sid(DESK)}"
    listing = client.get(f"{base}/verification")
    assert listing.status_code == 404 and b"Kabupaten Tersembunyi" not in listing.data
    page = client.get(f"{base}/proposals/{p.id}/verification")
    assert page.status_code == 404
    for secret in (b"Kabupaten Tersembunyi", b"Dinas Rahasia Sekali"):
        assert secret not in page.data
    visit = {
        "visited_on": "2027-05-01",
        "notes": "Kunjungan lapangan yang cukup panjang.",
        "outcome": "confirmed",
    }
    assert client.post(f"{base}/proposals/{p.id}/verification", data=visit).status_code == 404
    assert world.run(lambda: db.session.execute(sa.select(VerificationNote.id)).first()) is None


def test_a_blind_field_verification_hides_the_agency_and_unit_from_judges(
    world: World, client
) -> None:
    tenant = world.tenant(province="52", name="Kabupaten Terselubung")
    unit = world.f.unit(tenant, name="Dinas Sangat Tertutup")
    (p,) = world.proposals(tenant, 1, unit_id=unit.id)
    world.to_objection_period([tenant])
    world.close_objections()
    world.promote("objection")
    world.assign("presentation")
    world.score_all("presentation", lambda a: 75)
    world.promote("presentation")
    world.settings("field_verification", blind=True)
    base = f"/judging/stages/{world.sid('field_verification')}"
    login(client, world.evaluators[0].username)
    for url in (f"{base}/verification", f"{base}/proposals/{p.id}/verification"):
        page = client.get(url)
        assert page.status_code == 200
        assert b"Kabupaten Terselubung" not in page.data
        assert b"Dinas Sangat Tertutup" not in page.data
    # staff still see who they are
    client.post("/logout")
    login(client, world.staff.username)
    assert b"Kabupaten Terselubung" in client.get(f"{base}/verification").data


def test_panelists_of_a_blind_stage_do_not_see_agencies_on_the_shortlist(
    world: World, client
) -> None:
    panelists = _at_panel_nomination(
        world, "Kabupaten Tak Bernama", blind=True, composition_rules=[]
    )
    world.score_all("panel_nomination", lambda a: 70)
    world.shortlist("panel_nomination")
    url = f"/judging/stages/{world.sid('panel_nomination')}/shortlist"
    login(client, panelists[0].username)
    page = client.get(url)
    assert page.status_code == 200 and b'id="shortlist"' in page.data
    assert b"Kabupaten Tak Bernama" not in page.data
    client.post("/logout")
    login(client, world.staff.username)
    assert b"Kabupaten Tak Bernama" in client.get(url).data


def test_schedule_minutes_typed_as_zero_are_kept_not_replaced(world: World, client) -> None:
    """An interview may be left out (0); a 0-minute presentation is refused, never turned
    into the default."""
    from datetime import timedelta

    from central.judging import schedule
    from central.judging.models import PresentationSlot
    from shared.db import utcnow
    from tests.central.judging.support import js

    world.to_objection_period([world.tenant(province="51")])
    world.close_objections()
    world.promote("objection")
    world.assign("presentation")
    login(client, world.staff.username)
    url = f"/judging/stages/{world.sid('presentation')}/schedule"
    first = (utcnow() + timedelta(days=10)).date().isoformat()
    form = {"first_day": first, "presentation_minutes": "0", "interview_minutes": "13"}
    page = client.post(url, data=form, follow_redirects=True)
    assert "Isi menit presentasi dan wawancara." in page.text
    assert world.f.count(PresentationSlot) == 0
    form.update(presentation_minutes="10", interview_minutes="0")
    client.post(url, data=form)
    lengths = world.run(
        lambda: {s.ends_at - s.starts_at for s in schedule.slots(js(world.sid("presentation")))}
    )
    assert lengths == {timedelta(minutes=10)}


def _at_presentation(world: World) -> str:
    """One finalist with its panel at the presentation stage; the schedule page's URL."""
    world.to_objection_period([world.tenant(province="51")])
    world.close_objections()
    world.promote("objection")
    world.assign("presentation")
    return f"/judging/stages/{world.sid('presentation')}/schedule"


def _next(weekday: int, at: time) -> datetime:
    """The first such weekday (0 = Monday) at least three days away, at ``at`` WIB."""
    from shared.db import utcnow
    from shared.timeutil import WIB

    day = (utcnow() + timedelta(days=3)).astimezone(WIB).date()
    day += timedelta(days=(weekday - day.weekday()) % 7)
    return datetime.combine(day, at, tzinfo=WIB)


def _slot(world: World) -> tuple[int, datetime]:
    from central.judging.models import PresentationSlot

    return world.run(
        lambda: db.session.execute(sa.select(PresentationSlot.id, PresentationSlot.starts_at)).one()
    )


def test_a_slot_moved_outside_working_hours_needs_a_confirmation(world: World, client) -> None:
    url = _at_presentation(world)
    login(client, world.staff.username)
    client.post("/language", data={"lang": "en", "next": "/"})
    first = _next(0, time(8, 0)).date().isoformat()
    client.post(url, data={"first_day": first})  # 08:00-16:00 on working days: no question
    slot_id, planned = _slot(world)
    move = f"/judging/slots/{slot_id}/move"
    for when in (_next(5, time(10, 0)), _next(2, time(19, 0)), _next(2, time(7, 0))):
        page = client.post(move, data={"starts_at": when.strftime("%Y-%m-%dT%H:%M")})
        text = client.get(url).text if page.status_code == 302 else page.text
        assert "falls outside working hours" in text, when
        assert _slot(world)[1] == planned  # not moved
    saturday = _next(5, time(10, 0))
    client.post(
        move, data={"starts_at": saturday.strftime("%Y-%m-%dT%H:%M"), "outside_hours": "yes"}
    )
    assert _slot(world)[1] == saturday
    page = client.get(url).text
    assert 'id="outside-hours"' in page and "outside working hours</span>" in page
    audit = world.run(
        lambda: db.session.execute(
            sa.select(AuditLog.after).where(AuditLog.action == "judging.schedule.move")
        ).scalar_one()
    )
    assert audit["outside_working_hours"] is True
    # within working hours a move needs no confirmation, and the mark goes
    wednesday = _next(2, time(9, 0))
    client.post(move, data={"starts_at": wednesday.strftime("%Y-%m-%dT%H:%M")})
    assert _slot(world)[1] == wednesday
    assert 'id="outside-hours"' not in client.get(url).text


def test_a_schedule_generated_outside_working_hours_needs_a_confirmation(
    world: World, client, app
) -> None:
    from central.judging.models import PresentationSlot

    url = _at_presentation(world)
    login(client, world.staff.username)
    client.post("/language", data={"lang": "en", "next": "/"})
    evening = {"first_day": _next(0, time(0, 0)).date().isoformat(), "day_start": "18:00"}
    evening["day_end"] = "21:00"
    page = client.post(url, data=evening, follow_redirects=True).text
    assert "1 slot falls outside working hours" in page and "07.30-16.00 WIB" in page
    assert world.f.count(PresentationSlot) == 0
    client.post(url, data={**evening, "outside_hours": "yes"})
    assert world.f.count(PresentationSlot) == 1
    assert 'id="outside-hours"' in client.get(url).text
    # the working day is a setting: an office that works until 21:00 is asked nothing
    app.config["JUDGING_WORKING_HOURS"] = "07:30-21:00"
    assert 'id="outside-hours"' not in client.get(url).text
