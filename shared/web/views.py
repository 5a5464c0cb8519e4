"""Helpers the blueprints of both nodes share: service calls from forms, once-shown pages."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from flask import flash, make_response, render_template, request
from flask_wtf import FlaskForm

from shared.db import db
from shared.services import ServiceError
from shared.services.versions import StaleVersion


def apply_service(form: FlaskForm | None, action: Callable[[], Any]) -> bool:
    """Run a service call; a refusal becomes the field's error (or a flash). True on success.
    A stale form's refusal is shown as :func:`show_stale` does."""
    try:
        action()
    except ServiceError as err:
        db.session.rollback()
        if isinstance(err, StaleVersion) and form is not None:
            show_stale(form, err)
            return False
        target = getattr(form, err.field, None) if (form is not None and err.field) else None
        if target is not None and hasattr(target, "errors"):
            target.errors = [*target.errors, err.message]
        else:
            flash(err.message, "error")
        return False
    return True


def show_stale(form: FlaskForm, err: StaleVersion, shown: Mapping[str, Any] | None = None) -> None:
    """A form refused as loaded before someone else's save (shared.services.versions): what
    was typed stays; each field that differs gets its saved value as the page shows it
    (``field.saved_version``; ``shown`` by field name, else the stored values), which the
    form macros show under it; and the form moves to the version now, since saving again
    after checking is meant."""
    flash(err.message, "error")
    form.version.data = err.current
    for name, value in (err.saved if shown is None else shown).items():
        if name in form:
            form[name].saved_version = value
    form.stale = True


def form_status(form: FlaskForm | None = None) -> int:
    """200 for a form shown, 400 for a form sent back with errors, 409 for a stale form."""
    if form is not None and getattr(form, "stale", False):
        return 409
    return 400 if request.method == "POST" else 200


def no_store(template: str, **context: Any):
    """A page that must not be cached (it shows a password once)."""
    response = make_response(render_template(template, **context))
    response.headers["Cache-Control"] = "no-store"
    return response


def page_arg() -> int:
    """The page number asked for in the query string, at least 1."""
    return max(1, request.args.get("page", 1, type=int) or 1)
