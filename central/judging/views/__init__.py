"""Judging blueprints: ``judging`` (ministry staff and judges), ``finalist`` (tenants on
central) and ``sanggah`` (the public objection form)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from flask import Blueprint, flash, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from central.judging.access import JUDGES, STAFF
from central.judging.labels import TEMPLATE_LABELS
from shared.db import db, utcnow
from shared.models.user import Role
from shared.services import ServiceError
from shared.timeutil import from_wib, to_wib
from shared.web.nav import add_nav

judging_bp = Blueprint("judging", __name__, url_prefix="/judging", template_folder="../templates")
finalist_bp = Blueprint(
    "finalist", __name__, url_prefix="/finalist", template_folder="../templates"
)
public_bp = Blueprint("sanggah", __name__, url_prefix="/sanggah", template_folder="../templates")

add_nav(judging_bp, "judging.index", _l("Judging"), STAFF, order=40)


@judging_bp.context_processor
def _labels() -> dict[str, Any]:
    return TEMPLATE_LABELS


add_nav(judging_bp, "judging.queue", _l("My evaluations"), JUDGES, order=20)
add_nav(judging_bp, "judging.index", _l("Stages"), JUDGES, order=21)
add_nav(finalist_bp, "finalist.index", _l("Finalists"), (Role.LOCAL_ADMIN, Role.OPERATOR), order=60)


def act(action: Callable[[], Any], success: str | None = None) -> bool:
    """Run one service call: commit and flash on success, roll back and flash the refusal."""
    try:
        action()
    except ServiceError as err:
        db.session.rollback()
        flash(err.message, "error")
        return False
    db.session.commit()
    if success:
        flash(success, "success")
    return True


def form_text(name: str) -> str:
    return request.form.get(name, "").strip()


def form_float(name: str) -> float | None:
    raw = form_text(name).replace(",", ".")
    try:
        return float(raw) if raw else None
    except ValueError:
        raise ServiceError(_("Enter a number."), field=name) from None


def form_int(name: str) -> int | None:
    """A whole number (2.0 is one; 2.5 is refused, never cut to 2)."""
    value = form_float(name)
    if value is not None and not value.is_integer():
        raise ServiceError(_("Enter a whole number."), field=name)
    return None if value is None else int(value)


def form_wib(name: str) -> datetime | None:
    """A datetime-local field typed in WIB, as aware UTC."""
    raw = form_text(name)
    if not raw:
        return None
    try:
        return from_wib(datetime.fromisoformat(raw))
    except ValueError:
        raise ServiceError(_("Enter a date and time."), field=name) from None


def form_date(name: str) -> date | None:
    raw = form_text(name)
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise ServiceError(_("Enter a date."), field=name) from None


@judging_bp.app_template_filter("wib_local")
def wib_local(value: datetime | None) -> str:
    """A UTC datetime as the value of a datetime-local input, in WIB."""
    return to_wib(value).strftime("%Y-%m-%dT%H:%M") if value else ""


@judging_bp.app_template_global("now_utc")
def now_utc() -> datetime:
    return utcnow()


from central.judging.views import (  # noqa: E402,F401  (routes register on import)
    finalists,
    public,
    results,
    scoring,
    setup,
)
