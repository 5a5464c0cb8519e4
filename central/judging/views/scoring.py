"""Assignments (secretariat), the judges' queue, the score sheet, abstention, conflicts and
the consolidation thread."""

from __future__ import annotations

from pathlib import Path

from flask import abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user

from central.judging import assignment, conflicts, consolidation, scoring, stages
from central.judging.access import (
    JUDGES,
    STAFF,
    STAFF_AND_JUDGES,
    active_assignment,
    is_member,
    is_staff,
    load_stage,
    load_target,
)
from central.judging.models import Assignment, AssignmentStatus, StageKind
from central.judging.scoring import SheetInvalid
from central.judging.views import act, form_int, form_text
from central.judging.views import judging_bp as bp
from shared.blobstore import blob_store
from shared.db import db
from shared.models.proposal import Attachment, Proposal
from shared.models.user import User
from shared.permissions import require_roles
from shared.services import ServiceError
from shared.web.loading import load_or_404

PAGE_LIMIT = 200


@bp.route("/stages/<int:stage_id>/assignments")
@require_roles(*STAFF)
def assignments(stage_id: int):
    """Who scores what: loads per judge, assignments per entrant, manual changes."""
    js = load_stage(stage_id)
    items = assignment.assignments_of(js)
    by_proposal: dict[int, list[Assignment]] = {}
    for item in items:
        by_proposal.setdefault(item.proposal_id, []).append(item)
    entries = stages.entries(js)
    q = request.args.get("q", "").strip().lower()
    short_only = request.args.get("short") == "1"
    k = js.evaluators_per_proposal
    rows = []
    for entry in entries:
        active = [
            a for a in by_proposal.get(entry.proposal_id, []) if a.status == AssignmentStatus.ACTIVE
        ]
        if q and q not in entry.proposal.title.lower():
            continue
        if short_only and len(active) >= k:
            continue
        rows.append((entry, by_proposal.get(entry.proposal_id, []), len(active)))
    return render_template(
        "judging/assignments.html",
        js=js,
        rows=rows[:PAGE_LIMIT],
        total=len(rows),
        limit=PAGE_LIMIT,
        loads=assignment.loads(js),
        members=[m.user for m in assignment.panel(js)],
        q=q,
        short_only=short_only,
    )


@bp.post("/stages/<int:stage_id>/assignments/auto")
@require_roles(*STAFF)
def assign_auto(stage_id: int):
    """Run the automatic, load-balanced assignment."""
    js = load_stage(stage_id)
    result: list[assignment.AssignResult] = []
    if act(lambda: result.append(assignment.run_auto(js, actor=current_user))):
        flash(_("%(n)d assignments created.", n=result[0].created), "success")
        if result[0].short:
            flash(
                _("%(n)d proposals have fewer judges than required.", n=len(result[0].short)),
                "warning",
            )
    return redirect(url_for("judging.assignments", stage_id=js.stage_id))


@bp.post("/stages/<int:stage_id>/assignments/add")
@require_roles(*STAFF)
def assign(stage_id: int):
    """Assign one judge to one proposal by hand (audited)."""
    js = load_stage(stage_id)
    proposal = load_or_404(Proposal, form_int("proposal_id") or 0)
    judge = load_or_404(User, form_int("judge_id") or 0)
    act(
        lambda: assignment.assign_manually(js, proposal, judge, actor=current_user),
        _("%(name)s was assigned.", name=judge.display_name),
    )
    return redirect(url_for("judging.assignments", stage_id=js.stage_id, q=proposal.title.lower()))


@bp.post("/assignments/<int:assignment_id>/remove")
@require_roles(*STAFF)
def unassign(assignment_id: int):
    """Take a judge off a proposal (audited); a replacement is assigned. Scores already sent
    are left out only when the page showed them and the user ticked to leave them out."""
    item = load_or_404(Assignment, assignment_id)
    js = load_stage(item.stage_id)
    name = item.judge.display_name
    done: list[assignment.RemovalResult] = []
    if act(
        lambda: done.append(
            assignment.remove_assignment(
                js, item, reason=form_text("reason"), actor=current_user, leave_out=_leave_out()
            )
        )
    ):
        total = done[0].left_out_total
        if total is None:
            flash(_("The judge was taken off; a replacement was sought."), "success")
        else:
            flash(
                _(
                    "%(name)s was taken off; their scores (weighted score %(total)s) no longer "
                    "count in the ranking and are kept in the audit trail. A replacement was "
                    "sought.",
                    name=name,
                    total=f"{total:.2f}",
                ),
                "success",
            )
    return redirect(url_for("judging.assignments", stage_id=js.stage_id))


def _leave_out() -> int | None:
    """The submission number of the sent scores the user ticked to leave out, if any."""
    raw = form_text("leave_out")
    return int(raw) if raw.isdigit() else None


@bp.post("/assignments/<int:assignment_id>/rescore")
@require_roles(*STAFF)
def rescore(assignment_id: int):
    """Ask the judge to score this proposal again."""
    item = load_or_404(Assignment, assignment_id)
    js = load_stage(item.stage_id)
    sheet = scoring.sheet_of(item)
    if sheet is None:
        abort(404)
    act(
        lambda: scoring.request_rescore(js, sheet, note=form_text("note"), actor=current_user),
        _("The judge was asked to score again."),
    )
    return redirect(url_for("judging.proposal", stage_id=js.stage_id, proposal_id=item.proposal_id))


@bp.route("/queue")
@require_roles(*JUDGES)
def queue():
    """The judge's to-do list across open stages."""
    items = scoring.queue(current_user)
    stages_open = assignment.open_stages_for(current_user)
    return render_template("judging/queue.html", items=items, stages_open=stages_open)


@bp.post("/stages/<int:stage_id>/withdraw")
@require_roles(*JUDGES)
def withdraw(stage_id: int):
    """A judge leaves a stage's panel; their unfinished work is reassigned."""
    js = load_stage(stage_id)
    if not is_member(current_user, js):
        abort(403)
    act(
        lambda: assignment.withdraw_judge(
            js, current_user, reason=form_text("reason"), actor=current_user
        ),
        _("You withdrew from the stage; your open work was reassigned."),
    )
    return redirect(url_for("judging.queue"))


@bp.route("/stages/<int:stage_id>/proposals/<int:proposal_id>", methods=["GET", "POST"])
@require_roles(*STAFF_AND_JUDGES)
def proposal(stage_id: int, proposal_id: int):
    """The proposal as the judge sees it (blind when the stage says so) and their sheet."""
    target = load_target(stage_id, proposal_id, current_user)
    js, prop = target.js, target.proposal
    mine = active_assignment(current_user, js, prop.id) if not is_staff(current_user) else None
    errors: dict[str, str] = {}
    if request.method == "POST":
        if mine is None:
            abort(403)
        submit = request.form.get("action") == "submit"
        try:
            scoring.save(
                js,
                mine,
                values={k[6:]: v for k, v in request.form.items() if k.startswith("score_")},
                justifications={k[5:]: v for k, v in request.form.items() if k.startswith("note_")},
                submit=submit,
                actor=current_user,
            )
        except SheetInvalid as err:
            db.session.rollback()
            errors = err.errors
            flash(err.message, "error")
        except ServiceError as err:
            db.session.rollback()
            flash(err.message, "error")
        else:
            db.session.commit()
            flash(_("Your scores were submitted.") if submit else _("Draft saved."), "success")
            return redirect(url_for("judging.proposal", stage_id=js.stage_id, proposal_id=prop.id))
    return _render_proposal(target, mine, errors), 400 if errors else 200


def _render_proposal(target, mine: Assignment | None, errors: dict[str, str]):
    js, prop = target.js, target.proposal
    staff = is_staff(current_user)
    sheet = scoring.sheet_of(mine) if mine else None
    peers = (
        scoring.sheets_for(js, prop.id)
        if staff
        else (scoring.peer_sheets(js, prop.id, current_user) if mine else None)
    )
    may_discuss = staff or (sheet is not None and sheet.done)
    typed = request.form if request.method == "POST" else None
    return render_template(
        "judging/proposal.html",
        js=js,
        proposal=prop,
        entry=target.entry,
        blind=js.blind and not staff,
        staff=staff,
        mine=mine,
        sheet=sheet,
        peers=peers,
        errors=errors,
        typed=typed,
        config=prop.competition_version.config,
        messages=consolidation.messages(js, prop.id) if may_discuss else None,
        may_discuss=may_discuss,
        assignments=assignment.assignments_of(js, proposal_id=prop.id) if staff else [],
        scored=js.kind == StageKind.SCORED,
    )


@bp.post("/stages/<int:stage_id>/proposals/<int:proposal_id>/abstain")
@require_roles(*JUDGES)
def abstain(stage_id: int, proposal_id: int):
    """Decline to score this proposal, with a reason."""
    target = load_target(stage_id, proposal_id, current_user)
    mine = active_assignment(current_user, target.js, target.proposal.id)
    if mine is None:
        abort(403)
    act(
        lambda: scoring.abstain(target.js, mine, reason=form_text("reason"), actor=current_user),
        _("You abstained on this proposal."),
    )
    return redirect(url_for("judging.queue"))


@bp.post("/stages/<int:stage_id>/proposals/<int:proposal_id>/conflict")
@require_roles(*JUDGES)
def declare_conflict(stage_id: int, proposal_id: int):
    """Declare a conflict of interest: the proposal leaves the judge's work at once."""
    target = load_target(stage_id, proposal_id, current_user)
    if act(
        lambda: conflicts.declare(
            current_user, proposal=target.proposal, reason=form_text("reason"), actor=current_user
        ),
        _("Conflict of interest recorded; the proposal was reassigned."),
    ):
        return redirect(url_for("judging.queue"))
    return redirect(url_for("judging.proposal", stage_id=stage_id, proposal_id=proposal_id))


@bp.post("/stages/<int:stage_id>/proposals/<int:proposal_id>/discussion")
@require_roles(*STAFF_AND_JUDGES)
def discuss(stage_id: int, proposal_id: int):
    """Post to the proposal's consolidation thread (judges: after submitting their own)."""
    target = load_target(stage_id, proposal_id, current_user)
    if not is_staff(current_user):
        mine = active_assignment(current_user, target.js, target.proposal.id)
        sheet = scoring.sheet_of(mine) if mine else None
        if sheet is None or not sheet.done:
            abort(403)
    act(
        lambda: consolidation.post(
            target.js, target.proposal, body=form_text("body"), author=current_user
        ),
        _("Message posted."),
    )
    return redirect(
        url_for(
            "judging.proposal", stage_id=stage_id, proposal_id=proposal_id, _anchor="discussion"
        )
    )


@bp.route("/stages/<int:stage_id>/consolidation")
@require_roles(*STAFF)
def consolidation_view(stage_id: int):
    """Mean, spread and count per proposal; disagreements above the threshold first."""
    js = load_stage(stage_id)
    flagged_only = request.args.get("flagged") == "1"
    items = consolidation.consolidate(js, flagged_only=flagged_only)
    flagged = sum(1 for c in items if c.flagged)
    return render_template(
        "judging/consolidation.html", js=js, items=items, flagged=flagged, flagged_only=flagged_only
    )


@bp.route("/stages/<int:stage_id>/proposals/<int:proposal_id>/attachments/<int:attachment_id>")
@require_roles(*STAFF_AND_JUDGES)
def attachment(stage_id: int, proposal_id: int, attachment_id: int):
    """An evidence file of the proposal; in blind stages judges get it under a neutral name."""
    target = load_target(stage_id, proposal_id, current_user)
    item = load_or_404(Attachment, attachment_id)
    if item.proposal_id != target.proposal.id:
        abort(404)
    path = blob_store().path(item.sha256)
    if not path.exists():
        abort(404)
    name = item.filename
    if target.js.blind and not is_staff(current_user):
        position = [a.id for a in target.proposal.attachments].index(item.id) + 1
        name = f"lampiran-{position}{Path(item.filename).suffix.lower()}"
    return send_file(path, mimetype=item.media_type, as_attachment=True, download_name=name)
