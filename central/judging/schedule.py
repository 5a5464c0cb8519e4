"""Presentation schedule: one slot per finalist, working days, WIB, no clash for a panelist.

A slot lasts the presentation plus the interview (7 + 13 minutes by default). Slots sit on a
grid of working days (Monday to Friday, minus the holidays given) between the day's start and
end in WIB, skipping the break. Finalists are placed in a fixed order (title, then UUID) at
the earliest grid time where none of their panelists (the stage's active assignments) is busy
and fewer than the allowed number of parallel sessions (video-conference rooms) run.
Finalists confirm their slot up to 24 hours before it starts.

Government working hours (Monday to Friday, 07:30-16:00 WIB by default; the setting
``JUDGING_WORKING_HOURS``) bound what is scheduled without a second thought: a generated
schedule or a moved slot outside them (a weekend, a holiday of the schedule, the evening) needs
the secretariat's explicit confirmation, and the schedule marks such slots.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy.orm import selectinload

from central.judging.models import (
    Assignment,
    AssignmentStatus,
    EntryStatus,
    JudgingStage,
    PresentationSlot,
    StageEntry,
)
from central.judging.stages import ensure_open
from shared.db import db, utcnow
from shared.models.proposal import Proposal
from shared.models.user import User
from shared.services import ServiceError, audit
from shared.timeutil import WIB, format_wib, to_wib

CONFIRM_BEFORE = timedelta(hours=24)
DEFAULT_WORKING_HOURS = "07:30-16:00"  # WIB, Monday to Friday


def parse_hours(raw: str) -> tuple[time, time]:
    """``"07:30-16:00"`` as (opening, closing); refuses anything else."""
    try:
        opens, closes = (time.fromisoformat(part.strip()) for part in raw.split("-"))
    except ValueError:
        raise ValueError(f"working hours {raw!r}: write them as 07:30-16:00") from None
    if closes <= opens:
        raise ValueError(f"working hours {raw!r}: the day must end after it starts")
    return opens, closes


def working_hours() -> tuple[time, time]:
    """The government working day in WIB (the setting ``JUDGING_WORKING_HOURS``)."""
    return parse_hours(current_app.config.get("JUDGING_WORKING_HOURS", DEFAULT_WORKING_HOURS))


def outside_working_hours(
    starts_at: datetime, ends_at: datetime, holidays: Sequence[date] = ()
) -> bool:
    """Does a slot fall on a weekend or a holiday, or reach outside the working day (WIB)?"""
    opens, closes = working_hours()
    start, end = to_wib(starts_at), to_wib(ends_at)
    return (
        start.weekday() >= 5
        or start.date() in holidays
        or end.date() != start.date()
        or start.time() < opens
        or end.time() > closes
    )


def hours_text() -> dict[str, str]:
    """The working day's opening and closing as people in Indonesia write them (07.30)."""
    opens, closes = working_hours()
    return {"opens": opens.strftime("%H.%M"), "closes": closes.strftime("%H.%M")}


@dataclass(frozen=True)
class ScheduleSettings:
    first_day: date
    last_day: date | None = None
    day_start: time = time(8, 0)
    day_end: time = time(16, 0)
    break_start: time | None = time(12, 0)
    break_end: time | None = time(13, 0)
    presentation_minutes: int = 7
    interview_minutes: int = 13
    gap_minutes: int = 10
    parallel: int = 2
    holidays: tuple[date, ...] = ()

    @property
    def slot_minutes(self) -> int:
        return self.presentation_minutes + self.interview_minutes

    def validate(self) -> None:
        if self.presentation_minutes < 1 or self.interview_minutes < 0:
            raise ServiceError(_("Give the presentation and interview minutes."))
        if self.gap_minutes < 0 or not 1 <= self.parallel <= 20:
            raise ServiceError(_("Parallel sessions: 1 to 20; the gap cannot be negative."))
        if self.day_end <= self.day_start:
            raise ServiceError(_("The day must end after it starts."))
        if self.last_day is not None and self.last_day < self.first_day:
            raise ServiceError(_("The last day lies before the first."))
        if (self.break_start is None) != (self.break_end is None) or (
            self.break_start is not None
            and self.break_end is not None
            and self.break_end <= self.break_start
        ):
            raise ServiceError(_("Give both ends of the break, in order."))

    def to_json(self) -> dict[str, Any]:
        def t(v: time | None) -> str | None:
            return v.strftime("%H:%M") if v else None

        return {
            "first_day": self.first_day.isoformat(),
            "last_day": self.last_day.isoformat() if self.last_day else None,
            "day_start": t(self.day_start),
            "day_end": t(self.day_end),
            "break_start": t(self.break_start),
            "break_end": t(self.break_end),
            "presentation_minutes": self.presentation_minutes,
            "interview_minutes": self.interview_minutes,
            "gap_minutes": self.gap_minutes,
            "parallel": self.parallel,
            "holidays": [d.isoformat() for d in self.holidays],
        }


def working_days(settings: ScheduleSettings) -> Iterator[date]:
    """Monday to Friday from the first day, skipping holidays, up to the last day if any."""
    day = settings.first_day
    holidays = set(settings.holidays)
    limit = settings.last_day or settings.first_day + timedelta(days=366)
    while day <= limit:
        if day.weekday() < 5 and day not in holidays:
            yield day
        day += timedelta(days=1)


def _wib(day: date, at: time) -> datetime:
    return datetime.combine(day, at, tzinfo=WIB).astimezone(UTC)


def day_grid(day: date, settings: ScheduleSettings) -> list[tuple[datetime, datetime]]:
    """The slot times of one day, in UTC."""
    out = []
    length = timedelta(minutes=settings.slot_minutes)
    step = length + timedelta(minutes=settings.gap_minutes)
    start, end = _wib(day, settings.day_start), _wib(day, settings.day_end)
    pause = (
        (_wib(day, settings.break_start), _wib(day, settings.break_end))
        if settings.break_start and settings.break_end
        else None
    )
    t = start
    while t + length <= end:
        if pause and t < pause[1] and pause[0] < t + length:
            t = pause[1]
            continue
        out.append((t, t + length))
        t += step
    return out


@dataclass
class Placement:
    proposal_id: int
    starts_at: datetime
    ends_at: datetime
    session: int


@dataclass
class Plan:
    placements: list[Placement] = field(default_factory=list)
    unplaced: list[int] = field(default_factory=list)


def plan(finalists: Sequence[tuple[int, frozenset[int]]], settings: ScheduleSettings) -> Plan:
    """Place each (proposal, its panelists) at the earliest clash-free grid time."""
    grid = [slot for day in working_days(settings) for slot in day_grid(day, settings)]
    busy: dict[int, set[int]] = defaultdict(set)  # grid index -> panelists busy
    sessions: dict[int, int] = defaultdict(int)
    result = Plan()
    for pid, panelists in finalists:
        for index, (start, end) in enumerate(grid):
            if sessions[index] < settings.parallel and not (busy[index] & panelists):
                sessions[index] += 1
                busy[index] |= panelists
                result.placements.append(Placement(pid, start, end, sessions[index]))
                break
        else:
            result.unplaced.append(pid)
    return result


def _panelists_by_proposal(js: JudgingStage) -> dict[int, frozenset[int]]:
    rows = db.session.execute(
        sa.select(Assignment.proposal_id, Assignment.judge_id).where(
            Assignment.stage_id == js.stage_id, Assignment.status == AssignmentStatus.ACTIVE
        )
    )
    out: dict[int, set[int]] = defaultdict(set)
    for pid, jid in rows:
        out[pid].add(jid)
    return {pid: frozenset(v) for pid, v in out.items()}


def slots(js: JudgingStage) -> list[PresentationSlot]:
    stmt = (
        sa.select(PresentationSlot)
        .where(PresentationSlot.stage_id == js.stage_id)
        .options(selectinload(PresentationSlot.proposal).selectinload(Proposal.tenant))
        .order_by(PresentationSlot.starts_at, PresentationSlot.session)
    )
    return list(db.session.execute(stmt).scalars())


def generate(
    js: JudgingStage, settings: ScheduleSettings, *, actor: User, outside_hours: bool = False
) -> Plan:
    """Lay out the slots of every finalist (replacing an unconfirmed earlier schedule); slots
    outside working hours only when ``outside_hours`` confirms them."""
    ensure_open(js)
    if not js.has_schedule:
        raise ServiceError(_("This stage has no presentations."))
    settings.validate()
    existing = slots(js)
    if any(s.confirmed_at for s in existing):
        raise ServiceError(_("Finalists have confirmed slots: move single slots instead."))
    finalists = list(
        db.session.execute(
            sa.select(Proposal)
            .join(StageEntry, StageEntry.proposal_id == Proposal.id)
            .where(StageEntry.stage_id == js.stage_id, StageEntry.status == EntryStatus.ACTIVE)
        ).scalars()
    )
    if not finalists:
        raise ServiceError(_("The stage has no entrants yet."))
    panels = _panelists_by_proposal(js)
    missing = [p for p in finalists if not panels.get(p.id)]
    if missing:
        raise ServiceError(
            _("Assign panelists to every finalist first (%(n)d without).", n=len(missing))
        )
    finalists.sort(key=lambda p: (p.title.lower(), p.uuid))
    result = plan([(p.id, panels[p.id]) for p in finalists], settings)
    if result.unplaced:
        raise ServiceError(
            _(
                "%(n)d finalists do not fit before the last day: add days or sessions.",
                n=len(result.unplaced),
            )
        )
    late = sum(
        outside_working_hours(p.starts_at, p.ends_at, settings.holidays) for p in result.placements
    )
    if late and not outside_hours:
        raise ServiceError(
            ngettext(
                "%(num)d slot falls outside working hours (Monday to Friday, %(opens)s-%(closes)s "
                "WIB): tick the confirmation to schedule it anyway, or change the day's times.",
                "%(num)d slots fall outside working hours (Monday to Friday, "
                "%(opens)s-%(closes)s WIB): tick the confirmation to schedule them anyway, or "
                "change the day's times.",
                late,
                **hours_text(),
            ),
            field="day_start",
        )
    for slot in existing:
        db.session.delete(slot)
    db.session.flush()
    tenants = {p.id: p.tenant_id for p in finalists}
    for placement in result.placements:
        db.session.add(
            PresentationSlot(
                stage_id=js.stage_id,
                proposal_id=placement.proposal_id,
                tenant_id=tenants[placement.proposal_id],
                starts_at=placement.starts_at,
                ends_at=placement.ends_at,
                session=placement.session,
                confirm_by=placement.starts_at - CONFIRM_BEFORE,
            )
        )
    js.schedule_settings = settings.to_json()
    db.session.flush()
    audit.record(
        "judging.schedule.generate",
        js.stage,
        actor=actor,
        after={
            "slots": len(result.placements),
            "settings": settings.to_json(),
            **({"outside_working_hours": late} if late else {}),
        },
    )
    return result


def holidays(js: JudgingStage) -> tuple[date, ...]:
    """The holidays given when the schedule was generated."""
    raw = (js.schedule_settings or {}).get("holidays") or []
    return tuple(date.fromisoformat(d) for d in raw)


def outside_hours_ids(js: JudgingStage, items: Sequence[PresentationSlot]) -> set[int]:
    """The slots (ids) that fall outside working hours, for the schedule to mark them."""
    off = holidays(js)
    return {s.id for s in items if outside_working_hours(s.starts_at, s.ends_at, off)}


def clashes(js: JudgingStage) -> list[tuple[int, int, int]]:
    """(panelist id, proposal a, proposal b) for every panelist booked twice at once."""
    panels = _panelists_by_proposal(js)
    by_judge: dict[int, list[PresentationSlot]] = defaultdict(list)
    for slot in slots(js):
        for jid in panels.get(slot.proposal_id, ()):
            by_judge[jid].append(slot)
    found = []
    for jid, items in sorted(by_judge.items()):
        items.sort(key=lambda s: s.starts_at)
        for a, b in zip(items, items[1:], strict=False):
            if b.starts_at < a.ends_at:
                found.append((jid, a.proposal_id, b.proposal_id))
    return found


def move(
    js: JudgingStage,
    slot: PresentationSlot,
    new_start: datetime,
    *,
    actor: User,
    outside_hours: bool = False,
) -> None:
    """Move one slot (same length); refused when one of its panelists is busy then, and outside
    working hours unless ``outside_hours`` confirms it."""
    ensure_open(js)
    if new_start < utcnow() + CONFIRM_BEFORE:
        # a finalist could not confirm it in time (a past slot is missed at once)
        raise ServiceError(
            _(
                "A presentation can be moved to %(at)s at the earliest: the finalist confirms "
                "it a day before.",
                at=format_wib(utcnow() + CONFIRM_BEFORE),
            )
        )
    length = slot.ends_at - slot.starts_at
    new_end = new_start + length
    panels = _panelists_by_proposal(js)
    mine = panels.get(slot.proposal_id, frozenset())
    for other in slots(js):
        if other.id == slot.id:
            continue
        if (
            other.starts_at < new_end
            and new_start < other.ends_at
            and mine & panels.get(other.proposal_id, frozenset())
        ):
            raise ServiceError(_("A panelist of this finalist has another presentation then."))
    late = outside_working_hours(new_start, new_end, holidays(js))
    if late and not outside_hours:
        raise ServiceError(
            _(
                "%(at)s falls outside working hours (Monday to Friday, %(opens)s-%(closes)s WIB, "
                "not on a holiday of the schedule): tick the confirmation to move the slot there "
                "anyway.",
                at=format_wib(new_start),
                **hours_text(),
            ),
            field="starts_at",
        )
    before = {"starts_at": slot.starts_at.isoformat()}
    slot.starts_at, slot.ends_at = new_start, new_end
    slot.confirm_by = new_start - CONFIRM_BEFORE
    slot.confirmed_at, slot.confirmed_by_id = None, None
    db.session.flush()
    audit.record(
        "judging.schedule.move",
        slot,
        actor=actor,
        before=before,
        after={
            "starts_at": new_start.isoformat(),
            **({"outside_working_hours": True} if late else {}),
        },
    )


def slot_of(proposal_id: int) -> PresentationSlot | None:
    stmt = (
        sa.select(PresentationSlot)
        .join(JudgingStage, JudgingStage.stage_id == PresentationSlot.stage_id)
        .where(PresentationSlot.proposal_id == proposal_id, JudgingStage.frozen_at.is_(None))
    )
    return db.session.execute(stmt).scalars().first()


def confirm(slot: PresentationSlot, *, actor: User, now: datetime | None = None) -> None:
    """The finalist confirms attendance; due 24 hours before the slot."""
    now = now or utcnow()
    if slot.confirmed_at is not None:
        raise ServiceError(_("The slot is already confirmed."))
    if now > slot.confirm_by:
        raise ServiceError(
            _(
                "Confirmations were due by %(at)s; contact the secretariat.",
                at=format_wib(slot.confirm_by),
            )
        )
    slot.confirmed_at, slot.confirmed_by_id = now, actor.id
    db.session.flush()
    audit.record("judging.schedule.confirm", slot, actor=actor, after={"at": now.isoformat()})
