"""Load an object named in the URL: within the caller's tenant scope, or 404."""

from __future__ import annotations

from typing import Any, TypeVar

import sqlalchemy as sa
from flask import abort

from shared.db import db

T = TypeVar("T")


def load_or_404(model: type[T], value: Any, *, column: str = "id") -> T:
    """The object whose ``column`` equals ``value``; 404 when missing or outside the scope.

    The tenant filter comes from the session hook (shared/tenancy.py), so another tenant's
    object is indistinguishable from a missing one.
    """
    stmt = sa.select(model).where(getattr(model, column) == value)
    obj = db.session.execute(stmt).scalar_one_or_none()
    if obj is None:
        abort(404)
    return obj
