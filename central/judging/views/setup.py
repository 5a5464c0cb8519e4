"""Stage setup, rubrics, panels, judges' conflicts, entrants, promotion and export."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from central.judging import assignment, conflicts, rubrics, shortlist, stages
from central.judging.access import (
    JUDGES,
    STAFF,
    STAFF_AND_JUDGES,
    ensure_stage_access,
    is_staff,
    load_stage,
)
from central.judging.export import stage_workbook
from central.judging.models import (
    ConflictDeclaration,
    EntryStatus,
    JudgeAffiliation,
    Normalisation,
    Rubric,
    StageKind,
)
from central.judging.views import (
    act,
    form_float,
    form_int,
    form_text,
    form_wib,
)
from central.judging.views import (
    judging_bp as bp,
)
from shared.db import db
from shared.models.proposal import Proposal
from shared.models.user import Role, User
from shared.permissions import require_roles
from shared.services import ServiceError
from shared.services.competitions import current_competition
from shared.services.tenants import require_by_code
from shared.web.loading import load_or_404


@bp.route("/")
@require_roles(*STAFF_AND_JUDGES)
def index():
    """The competition's stages: staff see all of them, judges the ones they sit on."""
    competition = current_competition()
    sequence = stages.sequence(competition.id) if competition else []
    if not is_staff(current_user):
        mine = {js.stage_id for js in assignment.open_stages_for(current_user)}
        sequence = [js for js in sequence if js.stage_id in mine]
    return render_template(
        "judging/index.html", competition=competition, sequence=sequence, counts=_counts(sequence)
    )


def _counts(sequence) -> dict[int, dict[str, int]]:
    from central.judging.models import StageEntry

    rows = db.session.execute(
        sa.select(StageEntry.stage_id, StageEntry.status, sa.func.count()).group_by(
            StageEntry.stage_id, StageEntry.status
        )
    )
    out: dict[int, dict[str, int]] = {}
    for stage_id, status, n in rows:
        out.setdefault(stage_id, {})[EntryStatus(status).value] = n
    return out


@bp.post("/setup")
@require_roles(*STAFF)
def setup():
    """Create the judging settings and default rubrics of the current competition."""
    competition = current_competition()
    if competition is None:
        abort(404)
    act(
        lambda: stages.setup_competition(competition, actor=current_user),
        _("Judging is set up for %(year)d.", year=competition.year),
    )
    return redirect(url_for("judging.index"))


@bp.route("/stages/<int:stage_id>")
@require_roles(*STAFF_AND_JUDGES)
def stage(stage_id: int):
    """A stage at a glance: settings, entrants, the tools of its kind, and its promotion."""
    js = load_stage(stage_id)
    ensure_stage_access(current_user, js)
    check = stages.check_promotion(js) if is_staff(current_user) else None
    entries = stages.entries(js)
    return render_template(
        "judging/stage.html",
        js=js,
        check=check,
        entries=entries,
        counts=_counts([js]).get(js.stage_id, {}),
        rules=shortlist.stage_rules(js),
        shares=rubrics.aspect_shares(js.rubric) if js.rubric else {},
        previous=stages.previous(js),
        following=stages.following(js),
    )


@bp.route("/stages/<int:stage_id>/settings", methods=["GET", "POST"])
@require_roles(*STAFF)
def settings(stage_id: int):
    """Edit a stage's dates, kind, rubric version, rules and composition rules."""
    js = load_stage(stage_id)
    posted = request.form if request.method == "POST" else None
    if posted is not None and act(
        lambda: stages.update_settings(js, actor=current_user, **_settings_from_form()),
        _("Settings saved."),
    ):
        return redirect(url_for("judging.stage", stage_id=js.stage_id))
    page = render_template(
        "judging/settings.html",
        js=js,
        posted=posted,  # a refused form shows what was typed, not the stored values
        kinds=list(StageKind),
        normalisations=list(Normalisation),
        rubrics=rubrics.competition_rubrics(js.stage.competition_id),
        rules=_posted_rules(posted) if posted is not None else js.composition_rules or [],
        dimensions=shortlist.DIMENSIONS,
    )
    return page, 400 if posted is not None else 200


def _posted_rules(form) -> list[dict[str, str]]:
    """The composition rules as typed (rows with a dimension)."""
    return [
        {"dimension": d, "value": v, "min": lo, "max": hi}
        for d, v, lo, hi in zip(
            form.getlist("rule_dimension"),
            form.getlist("rule_value"),
            form.getlist("rule_min"),
            form.getlist("rule_max"),
            strict=False,
        )
        if d
    ]


def _settings_from_form() -> dict:
    try:
        return _parse_settings()
    except ValueError:
        raise ServiceError(_("Check the values: limits are whole numbers.")) from None


def _parse_settings() -> dict:
    rules = []
    for dimension, value, lo, hi in zip(
        request.form.getlist("rule_dimension"),
        request.form.getlist("rule_value"),
        request.form.getlist("rule_min"),
        request.form.getlist("rule_max"),
        strict=False,
    ):
        if not dimension:
            continue
        rules.append(
            {
                "dimension": dimension,
                "value": value.strip(),
                "min": int(lo) if lo.strip() else None,
                "max": int(hi) if hi.strip() else None,
            }
        )
    awards = []
    for line in form_text("special_awards").splitlines():
        parts = [p.strip() for p in line.split("|")]
        if parts and parts[0]:
            awards.append(
                {
                    "code": parts[0],
                    "name_id": parts[1] if len(parts) > 1 else parts[0],
                    "name_en": parts[2] if len(parts) > 2 else parts[0],
                }
            )
    rubric = form_int("rubric_id")
    return {
        "kind": StageKind(form_text("kind")),
        "rubric_id": rubric,
        "normalisation": Normalisation(form_text("normalisation") or "raw"),
        # left empty, these stay None and the service refuses them: never a silent default
        "evaluators_per_proposal": form_int("evaluators_per_proposal"),
        "passing_grade": form_float("passing_grade"),
        "disagreement_threshold": form_float("disagreement_threshold"),
        "blind": bool(request.form.get("blind")),
        "has_schedule": bool(request.form.get("has_schedule")),
        "shortlist_size": form_int("shortlist_size"),
        "composition_rules": rules,
        "special_awards": awards,
        "starts_at": form_wib("starts_at"),
        "ends_at": form_wib("ends_at"),
        "publish_at": form_wib("publish_at"),
    }


@bp.route("/rubrics")
@require_roles(*STAFF)
def rubric_list():
    """Every rubric version of the current competition."""
    competition = current_competition()
    items = rubrics.competition_rubrics(competition.id) if competition else []
    return render_template("judging/rubrics.html", rubrics=items)


@bp.route("/rubrics/<int:rubric_id>", methods=["GET", "POST"])
@require_roles(*STAFF)
def rubric(rubric_id: int):
    """A rubric version; saving the form creates the next version."""
    base = load_or_404(Rubric, rubric_id)
    if request.method == "POST":
        created: list[Rubric] = []

        def _create() -> None:
            created.append(
                rubrics.create_version(
                    competition=base_competition(base),
                    name=base.name,
                    criteria=_criteria_from_form(),
                    note=form_text("note"),
                    actor=current_user,
                )
            )

        if act(_create, _("A new rubric version was saved.")):
            return redirect(url_for("judging.rubric", rubric_id=created[0].id))
    return render_template(
        "judging/rubric.html",
        rubric=base,
        aspects=rubrics.ASPECTS,
        shares=rubrics.aspect_shares(base),
    )


def base_competition(rubric: Rubric):
    from shared.models.competition import Competition

    return db.session.get(Competition, rubric.competition_id)


def _criteria_from_form() -> list[rubrics.CriterionInput]:
    rows = []
    fields = ("code", "name_id", "name_en", "aspect", "weight", "min_score", "max_score")
    columns = [request.form.getlist(f"c_{name}") for name in fields]
    for code, name_id, name_en, aspect, weight, lo, hi in zip(*columns, strict=False):
        if not code.strip():
            continue
        try:
            numbers = [float(v.replace(",", ".")) for v in (weight, lo, hi)]
        except ValueError:
            raise ServiceError(
                _("Criterion %(c)s: weights and ranges are numbers.", c=code)
            ) from None
        rows.append(rubrics.CriterionInput(code.strip(), name_id, name_en, *numbers, aspect=aspect))
    return rows


@bp.route("/stages/<int:stage_id>/panel", methods=["GET", "POST"])
@require_roles(*STAFF)
def panel(stage_id: int):
    """Who sits on the stage's panel; add a judge or record a withdrawal (reassigns)."""
    js = load_stage(stage_id)
    if request.method == "POST":
        judge = load_or_404(User, form_int("user_id") or 0)
        if request.form.get("action") == "withdraw":
            act(
                lambda: assignment.withdraw_judge(
                    js, judge, reason=form_text("reason"), actor=current_user
                ),
                _("%(name)s withdrew; open work was reassigned.", name=judge.display_name),
            )
        else:
            act(
                lambda: assignment.add_panel_member(js, judge, actor=current_user),
                _("Added to the panel."),
            )
        return redirect(url_for("judging.panel", stage_id=js.stage_id))
    members = assignment.panel(js, include_withdrawn=True)
    on_panel = {m.user_id for m in members if m.active}
    candidates = [u for u in _judges() if u.id not in on_panel]
    return render_template(
        "judging/panel.html",
        js=js,
        members=members,
        candidates=candidates,
        loads=assignment.loads(js),
    )


def _judges() -> list[User]:
    stmt = sa.select(User).where(User.role.in_(JUDGES), User.active.is_(True))
    return list(db.session.execute(stmt.order_by(User.full_name, User.username)).scalars())


@bp.route("/judges")
@require_roles(*STAFF)
def judges():
    """Evaluators and panelists with their affiliations and declared conflicts."""
    people = _judges()
    table = conflicts.conflicts_for(u.id for u in people)
    return render_template(
        "judging/judges.html", people=people, table=table, affiliations=_affiliations()
    )


def _affiliations() -> dict[int, list[str]]:
    from shared.models.tenant import Tenant

    rows = db.session.execute(
        sa.select(JudgeAffiliation.user_id, Tenant.name).join(
            Tenant, Tenant.id == JudgeAffiliation.tenant_id
        )
    )
    out: dict[int, list[str]] = {}
    for uid, name in rows:
        out.setdefault(uid, []).append(name)
    return out


@bp.route("/judges/<int:judge_id>", methods=["GET", "POST"])
@require_roles(*STAFF)
def judge(judge_id: int):
    """A judge's affiliations and declared conflicts; changes end conflicted assignments."""
    person = load_or_404(User, judge_id)
    if person.role not in (Role.EVALUATOR, Role.PANELIST):
        abort(404)
    if request.method == "POST":
        action = request.form.get("action")
        if action == "affiliate":
            act(
                lambda: conflicts.add_affiliation(
                    person, require_by_code(form_text("tenant_code")), actor=current_user
                ),
                _("Affiliation recorded."),
            )
        elif action == "unaffiliate":
            item = load_or_404(JudgeAffiliation, form_int("affiliation_id") or 0)
            if item.user_id != person.id:
                abort(404)
            act(
                lambda: conflicts.remove_affiliation(item, actor=current_user),
                _("Affiliation removed."),
            )
        else:
            act(lambda: _declare_for(person), _("Conflict recorded."))
        return redirect(url_for("judging.judge", judge_id=person.id))
    return render_template(
        "judging/judge.html",
        person=person,
        affiliations=conflicts.affiliations(person),
        declarations=conflicts.declarations(person),
        titles=_titles(conflicts.declarations(person)),
    )


def _declare_for(person: User) -> None:
    code, uuid = form_text("tenant_code"), form_text("proposal_uuid")
    proposal = None
    if uuid:
        proposal = db.session.execute(
            sa.select(Proposal).where(Proposal.uuid == uuid)
        ).scalar_one_or_none()
        if proposal is None:
            raise ServiceError(_("No proposal has this UUID."), field="proposal_uuid")
    conflicts.declare(
        person,
        reason=form_text("reason"),
        actor=current_user,
        proposal=proposal,
        tenant=require_by_code(code) if code else None,
    )


def _titles(declarations: list[ConflictDeclaration]) -> dict[int, str]:
    ids = [d.proposal_id for d in declarations if d.proposal_id]
    if not ids:
        return {}
    rows = db.session.execute(sa.select(Proposal.id, Proposal.title).where(Proposal.id.in_(ids)))
    return dict(rows.tuples())


@bp.route("/stages/<int:stage_id>/entries", methods=["GET", "POST"])
@require_roles(*STAFF)
def entries(stage_id: int):
    """The stage's entrants and their status; the first judged stage takes them from screening."""
    js = load_stage(stage_id)
    if request.method == "POST":
        counted: list[int] = []
        early = request.form.get("before_start") == "yes"
        if act(
            lambda: counted.append(stages.open_entries(js, actor=current_user, before_start=early))
        ):
            flash(_("%(n)d proposals entered the stage.", n=counted[0]), "success")
        return redirect(url_for("judging.entries", stage_id=js.stage_id))
    status = request.args.get("status") or None
    items = (
        stages.entries(js, EntryStatus(status))
        if status in {s.value for s in EntryStatus}
        else stages.entries(js)
    )
    previous = stages.previous(js)
    return render_template(
        "judging/entries.html",
        js=js,
        items=items,
        status=status,
        statuses=list(EntryStatus),
        can_open=previous is None or previous.kind == StageKind.EXTERNAL,
        not_started=stages.not_started(js),
    )


@bp.post("/stages/<int:stage_id>/proposals/<int:proposal_id>/remove")
@require_roles(*STAFF)
def remove_entry(stage_id: int, proposal_id: int):
    """Take an entrant out of the stage, with the reason."""
    js = load_stage(stage_id)
    proposal = load_or_404(Proposal, proposal_id)
    act(
        lambda: stages.remove_entry(js, proposal, reason=form_text("reason"), actor=current_user),
        _("The proposal was removed from the stage."),
    )
    return redirect(url_for("judging.entries", stage_id=js.stage_id))


@bp.post("/stages/<int:stage_id>/promote")
@require_roles(*STAFF)
def promote(stage_id: int):
    """Promote the stage: freeze its record and move its selection on."""
    js = load_stage(stage_id)
    if request.form.get("confirm") != "yes":
        flash(_("Tick the confirmation to promote the stage."), "error")
    else:
        early = request.form.get("before_start") == "yes"
        act(
            lambda: stages.promote(js, actor=current_user, before_start=early),
            _("The stage was promoted and frozen."),
        )
    return redirect(url_for("judging.stage", stage_id=js.stage_id))


@bp.route("/stages/<int:stage_id>/export.xlsx")
@require_roles(*STAFF)
def export(stage_id: int):
    """Download the stage's whole judging record as a spreadsheet."""
    js = load_stage(stage_id)
    data = stage_workbook(js, actor=current_user)
    name = f"penjurian-{js.stage.competition.year}-{js.stage.code}.xlsx"
    return Response(
        data,
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@bp.app_template_global()
def stage_name(stage) -> str:
    return stage.name(str(get_locale()))
