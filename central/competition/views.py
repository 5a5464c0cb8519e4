"""Competition configuration pages (ministry admin): window, rules, form lists, stages."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from central.competition import services
from central.competition.forms import RulesForm, StageRow, WindowForm, table_form
from central.competition.tables import TABLES
from shared.competition_config import CompetitionConfig
from shared.db import db
from shared.models.competition import Competition
from shared.models.user import Role
from shared.permissions import require_roles
from shared.services.competitions import current_competition, ensure_default_competition
from shared.timeutil import from_wib, to_wib
from shared.web.nav import add_nav
from shared.web.stale import VersionedForm, carry_current, shown_version
from shared.web.views import apply_service, form_status

ADMIN = (Role.MINISTRY_ADMIN,)

bp = Blueprint("competition", __name__, url_prefix="/competition", template_folder="templates")
add_nav(bp, "competition.index", _l("Competition"), ADMIN, order=60)


def _competition() -> Competition:
    competition = current_competition()
    if competition is None:
        competition = ensure_default_competition()
        db.session.commit()
        competition = current_competition()
    assert competition is not None
    return competition


def _wib_naive(value: datetime | None) -> datetime | None:
    return to_wib(value).replace(tzinfo=None) if value else None


def _utc(value: datetime | None) -> datetime | None:
    return from_wib(value) if value else None


def _saved(message: str):
    db.session.commit()
    flash(message, "success")
    return redirect(url_for("competition.index"))


@bp.get("/")
@require_roles(*ADMIN)
def index():
    """The year at a glance: window, form version, groups, sections, stages, versions."""
    competition = _competition()
    return render_template(
        "competition/index.html",
        c=competition,
        config=competition.config,
        frozen=services.form_is_frozen(competition),
        versions=services.versions(competition),
    )


@bp.route("/window", methods=["GET", "POST"])
@require_roles(*ADMIN)
def window():
    """Open and close of registration, in WIB; moving the deadline needs a reason."""
    competition = _competition()
    form = WindowForm(
        opens_at=_wib_naive(competition.registration_opens_at),
        closes_at=_wib_naive(competition.registration_closes_at),
    )
    if form.validate_on_submit() and apply_service(
        form,
        lambda: services.update_window(
            competition,
            opens_at=_utc(form.opens_at.data),
            closes_at=_utc(form.closes_at.data),
            reason=form.reason.data or "",
            actor=current_user,
            shown_version=shown_version(form),
        ),
    ):
        return _saved(_("The registration window was saved and sent to the regional nodes."))
    stale = carry_current(form, services.window_version(competition))
    return render_template(
        "competition/window.html", c=competition, form=form, stale=stale
    ), form_status()


def _save_config(
    competition: Competition,
    form: VersionedForm,
    build: Callable[[CompetitionConfig], CompetitionConfig],
    part: Callable[[CompetitionConfig], Any],
    what: object,
) -> bool:
    """Save one page's part of the form config, refused if the page was outdated."""
    changes = []
    ok = apply_service(
        None,
        lambda: changes.append(
            services.update_config(
                competition,
                build,
                actor=current_user,
                note=form.note.data or "",
                part=part,
                shown_version=shown_version(form),
                what=str(what),
            )
        ),
    )
    if ok and changes and changes[0].new_version:
        flash(
            _(
                "Saved as form version %(n)d; proposals already written keep their version.",
                n=changes[0].version.number,
            ),
            "warning",
        )
    return ok


@bp.route("/rules", methods=["GET", "POST"])
@require_roles(*ADMIN)
def rules():
    """Minimum implementation age, attachment size, SDG requirement."""
    competition = _competition()
    config = competition.config
    form = RulesForm(obj=config)
    if form.validate_on_submit() and _save_config(
        competition,
        form,
        lambda stored: services.replace_rules(
            stored,
            min_implementation_years=form.min_implementation_years.data,
            max_attachment_mb=form.max_attachment_mb.data,
            sdg_required=form.sdg_required.data,
        ),
        services.rules_of,
        _("Rules"),
    ):
        return _saved(_("The rules were saved."))
    stale = carry_current(form, services.part_version(services.rules_of(competition.config)))
    return render_template(
        "competition/rules.html", c=competition, form=form, stale=stale
    ), form_status()


@bp.route("/form/<part>", methods=["GET", "POST"])
@require_roles(*ADMIN)
def table(part: str):
    """Edit one list of the form: groups, categories, SDGs or sections."""
    spec = TABLES.get(part) or abort(404)
    competition = _competition()
    rows = spec.to_rows(competition.config)
    form = table_form(spec.row_form, len(rows) + spec.extra)(data={"rows": rows})
    if form.validate_on_submit() and _save_config(
        competition,
        form,
        lambda stored: spec.from_rows(stored, [r.data for r in form.rows]),
        spec.to_rows,
        spec.title,
    ):
        return _saved(_("%(what)s saved.", what=spec.title))
    saved = spec.to_rows(competition.config)
    stale = carry_current(form, services.part_version(saved))
    return render_template(
        "competition/table.html",
        c=competition,
        form=form,
        spec=spec,
        part=part,
        saved=saved if stale else None,
    ), form_status()


@bp.route("/stages", methods=["GET", "POST"])
@require_roles(*ADMIN)
def stages():
    """Dates of each stage and the time its results are published (announcement)."""
    competition = _competition()
    rows = [
        {
            "code": s.code,
            "starts_at": _wib_naive(s.starts_at),
            "ends_at": _wib_naive(s.ends_at),
            "publish_at": _wib_naive(s.publish_at),
        }
        for s in competition.stages
    ]
    form = table_form(StageRow, len(rows))(data={"rows": rows})
    if form.validate_on_submit():
        dates = [
            services.StageDates(
                r.data["code"],
                _utc(r.data["starts_at"]),
                _utc(r.data["ends_at"]),
                _utc(r.data["publish_at"]),
            )
            for r in form.rows
        ]
        if apply_service(
            None,
            lambda: services.update_stages(
                competition, dates, actor=current_user, shown_version=shown_version(form)
            ),
        ):
            return _saved(_("The stages were saved."))
    stale = carry_current(form, services.stages_version(competition))
    names = {s.code: s.name(str(get_locale())) for s in competition.stages}
    return render_template(
        "competition/stages.html", c=competition, form=form, names=names, stale=stale
    ), form_status()
