"""Ranking, the shortlist tool with its composition rules and swaps, and the final selection.

Judges see these pages only for stages they sit on; proposals they are conflicted with are
masked (no title, no link).
"""

from __future__ import annotations

from flask import abort, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from central.judging import awards, scoring, shortlist
from central.judging.access import (
    STAFF,
    conflicted_ids,
    ensure_not_conflicted,
    ensure_stage_access,
    is_staff,
    load_stage,
)
from central.judging.models import SpecialAward, StageKind
from central.judging.ranking import scoring_stage_for, stage_ranking
from central.judging.stages import entries
from central.judging.views import act, form_int, form_text
from central.judging.views import judging_bp as bp
from shared.models.proposal import Proposal
from shared.models.user import Role
from shared.permissions import require_roles
from shared.web.loading import load_or_404

PANEL = (*STAFF, Role.PANELIST)


def _own_work_open(js) -> int:
    """A judge sees others' scores only once their own are in: sheets still open for the
    current user in the stage whose scores rank this one."""
    source = scoring_stage_for(js)
    if source is None or is_staff(current_user):
        return 0
    return scoring.open_sheets(source, current_user)


@bp.route("/stages/<int:stage_id>/ranking")
@require_roles(*PANEL)
def ranking(stage_id: int):
    """Ranking by score, raw mean and z-score side by side, the tie-break, and the Top N's cut."""
    js = load_stage(stage_id)
    ensure_stage_access(current_user, js)
    pending = _own_work_open(js)
    items = [] if pending else stage_ranking(js)
    return render_template(
        "judging/ranking.html",
        js=js,
        items=items,
        cut=shortlist.ranking_cut(js, items) if items else None,
        pending=pending,
        source=scoring_stage_for(js),
        masked=conflicted_ids(current_user, [r.proposal_id for r in items]),
    )


@bp.route("/stages/<int:stage_id>/shortlist")
@require_roles(*PANEL)
def shortlist_view(stage_id: int):
    """The proposed Top N, the composition rules (which bind) and the swap form."""
    js = load_stage(stage_id)
    ensure_stage_access(current_user, js)
    pending = _own_work_open(js)
    view = None if pending else shortlist.view(js)
    ids = [r.proposal_id for r in view.ranking] if view else []
    return render_template(
        "judging/shortlist.html",
        js=js,
        config=js.stage.competition.config,  # category names
        view=view,
        pending=pending,
        rules=shortlist.stage_rules(js),
        masked=conflicted_ids(current_user, ids),
        blind=js.blind and not is_staff(current_user),
    )


@bp.post("/stages/<int:stage_id>/shortlist/generate")
@require_roles(*STAFF)
def shortlist_generate(stage_id: int):
    """Propose the Top N from the ranking and the stage's composition rules."""
    js = load_stage(stage_id)
    act(lambda: shortlist.generate(js, actor=current_user), _("A shortlist was proposed."))
    return redirect(url_for("judging.shortlist_view", stage_id=js.stage_id))


@bp.post("/stages/<int:stage_id>/shortlist/swap")
@require_roles(*PANEL)
def shortlist_swap(stage_id: int):
    """Swap one entry of the list for another ranked entrant (audited, rules kept)."""
    js = load_stage(stage_id)
    ensure_stage_access(current_user, js)
    if _own_work_open(js):
        abort(403)
    out_id, in_id = form_int("out_id") or 0, form_int("in_id") or 0
    ensure_not_conflicted(current_user, [out_id, in_id])
    act(
        lambda: shortlist.swap(
            js, out_id=out_id, in_id=in_id, reason=form_text("reason"), actor=current_user
        ),
        _("The entries were swapped."),
    )
    return redirect(url_for("judging.shortlist_view", stage_id=js.stage_id))


@bp.route("/stages/<int:stage_id>/final")
@require_roles(*PANEL)
def final(stage_id: int):
    """The final selection: the Top list (alphabetical, as published) and special awards."""
    js = load_stage(stage_id)
    ensure_stage_access(current_user, js)
    if js.kind != StageKind.FINAL:
        abort(404)
    winners = awards.winners(js)
    finalists = sorted(
        (e for e in entries(js) if e.status.value in ("active", "advanced")),
        key=lambda e: e.proposal.title.lower(),
    )
    masked = conflicted_ids(current_user, [e.proposal_id for e in finalists])
    return render_template(
        "judging/final.html",
        js=js,
        winners=winners,
        finalists=finalists,
        names=awards.award_names(js, str(get_locale())),
        specials=js.special_awards or [],
        masked=masked,
        has_shortlist=shortlist.current(js) is not None,
        blind=js.blind and not is_staff(current_user),
    )


@bp.post("/stages/<int:stage_id>/awards")
@require_roles(*PANEL)
def award(stage_id: int):
    """Give a finalist a special award, or take it back."""
    js = load_stage(stage_id)
    ensure_stage_access(current_user, js)
    proposal = load_or_404(Proposal, form_int("proposal_id") or 0)
    ensure_not_conflicted(current_user, [proposal.id])
    if request.form.get("action") == "clear":
        item = load_or_404(SpecialAward, form_int("award_id") or 0)
        if item.stage_id != js.stage_id or item.proposal_id != proposal.id:
            abort(404)
        act(lambda: awards.clear_special(js, item, actor=current_user), _("Award withdrawn."))
    else:
        act(
            lambda: awards.set_special(
                js, proposal, award=form_text("award"), note=form_text("note"), actor=current_user
            ),
            _("Award recorded."),
        )
    return redirect(url_for("judging.final", stage_id=js.stage_id))
