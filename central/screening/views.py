"""Screening pages: the list with checklists and bulk decisions, one proposal's page."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup

from central import pagecache
from central.screening import checks, services
from central.tenants.services import kinds_present, provinces
from shared.db import db
from shared.models.proposal import Proposal, ProposalStatus
from shared.models.user import Role
from shared.permissions import require_roles
from shared.services.competitions import current_competition
from shared.web import safe_next
from shared.web.loading import load_or_404
from shared.web.nav import add_nav
from shared.web.views import apply_service, page_arg

STAFF = (Role.SECRETARIAT, Role.MINISTRY_ADMIN)
FILTER_ARGS = ("result", "flagged", "tenant", "kind", "province", "group", "category", "q")

bp = Blueprint("screening", __name__, url_prefix="/screening", template_folder="templates")
add_nav(bp, "screening.index", _l("Screening"), STAFF, order=30)


def _filter() -> services.ScreeningFilter:
    a = request.args
    return services.ScreeningFilter(
        result=a.get("result", ""),
        flagged=a.get("flagged", ""),
        tenant_code=a.get("tenant", "").strip(),
        kind=a.get("kind", ""),
        province=a.get("province", ""),
        group=a.get("group", ""),
        category=a.get("category", ""),
        q=a.get("q", ""),
    )


def _back() -> str:
    return safe_next(request.form.get("next"), url_for("screening.index"))


@dataclass(frozen=True)
class ListParts:
    head: Markup
    rows: Markup


def _list_parts(flt: services.ScreeningFilter, page: int) -> ListParts:
    """The list's figures, filters and rows (the same for every ministry user: cached)."""
    competition = current_competition()
    assert competition is not None
    result = services.list_page(competition, flt, page)
    if services.ensure_fresh(competition, result.rows):
        result = services.list_page(competition, flt, page)
    context = {
        "c": competition,
        "config": competition.config,
        "result": result,
        "flt": flt,
        "checks": [(code, checks.check_label(code)) for code in checks.CHECKS],
        "kinds": kinds_present(),
        "provinces": provinces(),
        "reasons": services.REASONS,
    }
    return ListParts(
        Markup(render_template("screening/_list_head.html", **context)),
        Markup(render_template("screening/_list_rows.html", **context)),
    )


@bp.get("/")
@require_roles(*STAFF)
def index():
    """Submitted proposals with their automatic checklist; select many to decide at once."""
    flt, page = _filter(), page_arg()
    key = ("screening", tuple(sorted(request.args.items(multi=True))), str(get_locale()))
    found, parts = pagecache.cached(key, lambda: _list_parts(flt, page))
    if found is None:
        return render_template("dashboard/empty.html", competition=None)
    return render_template("screening/index.html", parts=parts)


@bp.post("/refresh")
@require_roles(*STAFF)
def refresh():
    """Recompute every checklist (after late submissions or corrections of earlier years)."""
    competition = current_competition()
    n = services.refresh_checks(competition) if competition else 0
    db.session.commit()
    flash(_("%(n)d checklists were recomputed.", n=n), "success")
    return redirect(_back())


@bp.post("/decide")
@require_roles(*STAFF)
def decide_many():
    """Pass or fail every selected proposal with the same reason."""
    proposals = services.load_many(request.form.getlist("uuid"))
    done: list[int] = []
    if apply_service(
        None,
        lambda: done.append(
            services.decide_many(
                proposals,
                result=request.form.get("result", ""),
                reason_code=request.form.get("reason_code", ""),
                note=request.form.get("note", ""),
                actor=current_user,
                shown_versions={
                    key.removeprefix("version-"): value
                    for key, value in request.form.items()
                    if key.startswith("version-")
                },
            )
        ),
    ):
        db.session.commit()
        flash(_("Decision recorded for %(n)d proposals.", n=done[0]), "success")
    return redirect(_back())


@bp.route("/<proposal_uuid>", methods=["GET", "POST"])
@require_roles(*STAFF)
def show(proposal_uuid: str):
    """One proposal: its content, the checklist with details, the decision and its history."""
    proposal = load_or_404(Proposal, proposal_uuid, column="uuid")
    if proposal.status != ProposalStatus.SUBMITTED:
        flash(_("This proposal has not been submitted yet."), "warning")
    if request.method == "POST" and apply_service(
        None,
        lambda: services.decide(
            proposal,
            result=request.form.get("result", ""),
            reason_code=request.form.get("reason_code", ""),
            note=request.form.get("note", ""),
            actor=current_user,
            shown_version=request.form.get("version", ""),
        ),
    ):
        db.session.commit()
        flash(_("The screening decision was recorded."), "success")
        return redirect(_back())
    results = services.fresh_checklist(proposal)
    db.session.commit()
    suggested = next((services.REASON_FOR_CHECK[r.code] for r in results if not r.ok), "incomplete")
    return render_template(
        "screening/show.html",
        p=proposal,
        config=proposal.competition_version.config,
        results=results,
        check_label=checks.check_label,
        reasons=services.REASONS,
        suggested=suggested,
        history=services.history(proposal),
        version=services.screening_version(proposal),
        judged=services.judging_entry(proposal),
        word_count=checks.rules.count_words,
    ), (400 if request.method == "POST" else 200)
