"""Helpers the blueprints of both nodes share: service calls from forms, once-shown pages."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import flash, make_response, render_template, request
from flask_wtf import FlaskForm

from shared.db import db
from shared.services import ServiceError


def apply_service(form: FlaskForm | None, action: Callable[[], Any]) -> bool:
    """Run a service call; a refusal becomes the field's error (or a flash). True on success."""
    try:
        action()
    except ServiceError as err:
        db.session.rollback()
        target = getattr(form, err.field, None) if (form is not None and err.field) else None
        if target is not None and hasattr(target, "errors"):
            target.errors = [*target.errors, err.message]
        else:
            flash(err.message, "error")
        return False
    return True


def form_status() -> int:
    """200 for a form shown, 400 for a form sent back with errors."""
    return 400 if request.method == "POST" else 200


def no_store(template: str, **context: Any):
    """A page that must not be cached (it shows a password once)."""
    response = make_response(render_template(template, **context))
    response.headers["Cache-Control"] = "no-store"
    return response


def page_arg() -> int:
    """The page number asked for in the query string, at least 1."""
    return max(1, request.args.get("page", 1, type=int) or 1)
