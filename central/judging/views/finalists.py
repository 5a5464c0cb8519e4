"""The finalist phase: objections (secretariat), the presentation schedule, field
verification, finalist materials, and the tenants' own finalist pages."""

from __future__ import annotations

from datetime import date, time
from pathlib import PurePath

import sqlalchemy as sa
from flask import abort, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user

from central.judging import materials, objections, schedule, verification
from central.judging.access import (
    STAFF,
    STAFF_AND_JUDGES,
    active_assignment,
    conflicted_ids,
    ensure_stage_access,
    is_staff,
    load_stage,
    load_target,
)
from central.judging.models import (
    JudgingStage,
    Objection,
    ObjectionStatus,
    PresentationSlot,
    StageKind,
    VerificationOutcome,
)
from central.judging.views import (
    act,
    finalist_bp,
    form_date,
    form_int,
    form_text,
    form_wib,
)
from central.judging.views import (
    judging_bp as bp,
)
from shared.db import db
from shared.models.proposal import Proposal
from shared.models.user import Role
from shared.permissions import can_view_proposal, require_roles
from shared.services import ServiceError
from shared.web.loading import load_or_404

TENANT = (Role.LOCAL_ADMIN, Role.OPERATOR)


# -- objections (secretariat) ----------------------------------------------------------------


@bp.route("/stages/<int:stage_id>/objections")
@require_roles(*STAFF)
def objection_list(stage_id: int):
    """Objections received in the period, pending first."""
    js = load_stage(stage_id)
    items = objections.for_stage(js)
    items.sort(key=lambda o: (o.status != ObjectionStatus.PENDING, o.created_at))
    return render_template(
        "judging/objections.html", js=js, items=items, open=objections.window_open(js)
    )


@bp.post("/objections/<int:objection_id>")
@require_roles(*STAFF)
def decide_objection(objection_id: int):
    """Uphold (the finalist is removed) or dismiss an objection, with the reason."""
    item = load_or_404(Objection, objection_id)
    uphold = request.form.get("decision") == "uphold"
    act(
        lambda: objections.decide(
            item, uphold=uphold, reason=form_text("reason"), actor=current_user
        ),
        _("Objection upheld: the finalist was removed.") if uphold else _("Objection dismissed."),
    )
    return redirect(url_for("judging.objection_list", stage_id=item.stage_id))


# -- presentation schedule -------------------------------------------------------------------


@bp.route("/stages/<int:stage_id>/schedule")
@require_roles(*STAFF, Role.PANELIST)
def schedule_view(stage_id: int):
    """The presentation slots (WIB); panelists see their own sessions."""
    js = load_stage(stage_id)
    ensure_stage_access(current_user, js)
    slots = schedule.slots(js)
    if not is_staff(current_user):
        slots = [s for s in slots if active_assignment(current_user, js, s.proposal_id)]
    return render_template(
        "judging/schedule.html",
        js=js,
        slots=slots,
        clashes=schedule.clashes(js) if is_staff(current_user) else [],
        settings=js.schedule_settings or {},
        outside=schedule.outside_hours_ids(js, slots),
        hours=schedule.hours_text(),
    )


@bp.post("/stages/<int:stage_id>/schedule")
@require_roles(*STAFF)
def schedule_generate(stage_id: int):
    """Lay out the presentation slots from the settings in the form."""
    js = load_stage(stage_id)
    act(
        lambda: schedule.generate(
            js, _schedule_settings(), actor=current_user, outside_hours=_outside_hours()
        ),
        _("The schedule was generated."),
    )
    return redirect(url_for("judging.schedule_view", stage_id=js.stage_id))


def _outside_hours() -> bool:
    """Did staff tick that the slots may fall outside working hours?"""
    return request.form.get("outside_hours") == "yes"


def _time(name: str, default: time | None) -> time | None:
    raw = form_text(name)
    if not raw:
        return default if name in ("day_start", "day_end") else None
    try:
        return time.fromisoformat(raw)
    except ValueError:
        raise ServiceError(_("Enter a time such as 08:00."), field=name) from None


def _int_or(name: str, default: int) -> int:
    """The number typed, or ``default`` when the field is left empty (a 0 stays 0: an
    interview may be left out, and a 0 where it makes no sense is refused, not replaced)."""
    value = form_int(name)
    return default if value is None else value


def _schedule_settings() -> schedule.ScheduleSettings:
    first = form_date("first_day")
    if first is None:
        raise ServiceError(_("Give the first day."), field="first_day")
    holidays = []
    for raw in form_text("holidays").replace(",", " ").split():
        try:
            holidays.append(date.fromisoformat(raw))
        except ValueError:
            raise ServiceError(_("Holidays: dates such as 2027-05-13."), field="holidays") from None
    return schedule.ScheduleSettings(
        first_day=first,
        last_day=form_date("last_day"),
        day_start=_time("day_start", time(8, 0)) or time(8, 0),
        day_end=_time("day_end", time(16, 0)) or time(16, 0),
        break_start=_time("break_start", None),
        break_end=_time("break_end", None),
        presentation_minutes=_int_or("presentation_minutes", 7),
        interview_minutes=_int_or("interview_minutes", 13),
        gap_minutes=_int_or("gap_minutes", 0),
        parallel=_int_or("parallel", 1),
        holidays=tuple(holidays),
    )


@bp.post("/slots/<int:slot_id>/move")
@require_roles(*STAFF)
def move_slot(slot_id: int):
    """Move one slot; refused when a panelist would present twice at once."""
    slot = load_or_404(PresentationSlot, slot_id)
    js = load_stage(slot.stage_id)

    def _move() -> None:
        start = form_wib("starts_at")
        if start is None:
            raise ServiceError(_("Give the new start."), field="starts_at")
        schedule.move(js, slot, start, actor=current_user, outside_hours=_outside_hours())

    act(_move, _("The slot was moved; the finalist must confirm again."))
    return redirect(url_for("judging.schedule_view", stage_id=js.stage_id))


# -- field verification ----------------------------------------------------------------------


@bp.route("/stages/<int:stage_id>/verification")
@require_roles(*STAFF_AND_JUDGES)
def verification_list(stage_id: int):
    """Finalists and their visits (a TE and a TPI member each)."""
    js = _verification_stage(stage_id)
    ensure_stage_access(current_user, js)
    items = verification.summary(js)
    masked = conflicted_ids(current_user, [s.entry.proposal_id for s in items])
    return render_template(
        "judging/verification.html", js=js, items=items, masked=masked, blind=_blind(js)
    )


def _verification_stage(stage_id: int) -> JudgingStage:
    """The stage from the URL; its verification pages exist only on a field-verification stage."""
    js = load_stage(stage_id)
    if js.kind != StageKind.VERIFICATION:
        abort(404)
    return js


def _blind(js: JudgingStage) -> bool:
    """Judges of a blind stage never see the agency or the unit; staff always do."""
    return js.blind and not is_staff(current_user)


@bp.route(
    "/stages/<int:stage_id>/proposals/<int:proposal_id>/verification", methods=["GET", "POST"]
)
@require_roles(*STAFF_AND_JUDGES)
def verify(stage_id: int, proposal_id: int):
    """Notes, findings and the outcome of a field visit to a finalist."""
    _verification_stage(stage_id)
    target = load_target(stage_id, proposal_id, current_user)
    if request.method == "POST":
        if is_staff(current_user):
            abort(403)
        if act(
            lambda: verification.save_note(
                target.js,
                target.proposal,
                author=current_user,
                visited_on=form_date("visited_on"),
                notes=form_text("notes"),
                findings=form_text("findings"),
                outcome=form_text("outcome"),
            ),
            _("Visit recorded."),
        ):
            return redirect(url_for("judging.verification_list", stage_id=stage_id))
    notes = verification.notes_for(target.js, target.proposal.id)
    own = next((n for n in notes if n.author_id == current_user.id), None)
    return render_template(
        "judging/verify.html",
        js=target.js,
        proposal=target.proposal,
        notes=notes,
        own=own,
        outcomes=list(VerificationOutcome),
        material=materials.material_of(target.proposal),
        blind=_blind(target.js),
    )


@bp.route("/stages/<int:stage_id>/proposals/<int:proposal_id>/material/<kind>")
@require_roles(*STAFF_AND_JUDGES)
def material(stage_id: int, proposal_id: int, kind: str):
    """Download a finalist's slides or summary."""
    target = load_target(stage_id, proposal_id, current_user)
    return _send(target.proposal, kind, neutral_name=_blind(target.js))


def _send(proposal: Proposal, kind: str, *, neutral_name: bool = False):
    item = materials.material_of(proposal)
    found = materials.file_of(item, kind) if item else None
    if found is None or not found[0].exists():
        abort(404)
    path, filename, media_type = found
    if neutral_name:  # a file name typed by the agency may name it
        filename = f"{kind}{PurePath(filename).suffix.lower()}"
    return send_file(path, mimetype=media_type, as_attachment=True, download_name=filename)


# -- tenants: their finalists ----------------------------------------------------------------


def _own_proposal(proposal_uuid: str) -> Proposal:
    proposal = load_or_404(Proposal, proposal_uuid, column="uuid")
    if not can_view_proposal(current_user, proposal):
        abort(403)
    return proposal


@finalist_bp.route("/")
@require_roles(*TENANT)
def index():
    """The tenant's proposals in the finalist phase, with their slot and materials."""
    rows = []
    for proposal in db.session.execute(
        sa.select(Proposal).where(Proposal.stage_code.is_not(None)).order_by(Proposal.title)
    ).scalars():
        if not can_view_proposal(current_user, proposal):
            continue
        js = materials.finalist_stage(proposal)
        if js is not None:
            rows.append(
                (proposal, js, schedule.slot_of(proposal.id), materials.material_of(proposal))
            )
    return render_template("finalist/index.html", rows=rows)


@finalist_bp.route("/<proposal_uuid>", methods=["GET", "POST"])
@require_roles(*TENANT)
def materials_form(proposal_uuid: str):
    """Send the slides, the summary and the video link for the presentation."""
    proposal = _own_proposal(proposal_uuid)
    js: JudgingStage | None = materials.finalist_stage(proposal)
    if js is None:
        abort(404)
    if request.method == "POST" and act(
        lambda: materials.save(
            proposal,
            actor=current_user,
            video_url=form_text("video_url"),
            slides=materials.read_upload(request.files.get("slides")),
            summary=materials.read_upload(request.files.get("summary")),
        ),
        _("Materials saved."),
    ):
        return redirect(url_for("finalist.materials_form", proposal_uuid=proposal.uuid))
    return render_template(
        "finalist/materials.html",
        proposal=proposal,
        js=js,
        material=materials.material_of(proposal),
        slot=schedule.slot_of(proposal.id),
    )


@finalist_bp.post("/<proposal_uuid>/confirm")
@require_roles(*TENANT)
def confirm(proposal_uuid: str):
    """Confirm attendance at the presentation slot (due 24 hours before)."""
    proposal = _own_proposal(proposal_uuid)
    slot = schedule.slot_of(proposal.id)
    if slot is None:
        abort(404)
    act(lambda: schedule.confirm(slot, actor=current_user), _("Attendance confirmed."))
    return redirect(url_for("finalist.materials_form", proposal_uuid=proposal.uuid))


@finalist_bp.route("/<proposal_uuid>/files/<kind>")
@require_roles(*TENANT)
def download(proposal_uuid: str, kind: str):
    """Download a material the tenant sent."""
    return _send(_own_proposal(proposal_uuid), kind)
