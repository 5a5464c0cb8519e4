"""Edit conflicts: a form saved after someone else's save is refused instead of overwriting.

A form carries the version of the record it was loaded from (a hidden field). A save compares
it with the record's version now; when they differ, someone saved in between (perhaps the same
person in another window) and the save is refused with nothing written. The refusal carries
the version now and the stored values of the fields where the typed ones differ, so the page
can show both and the person merge them, as on a wiki's edit conflict.

A version is a fingerprint of the values the form shows, not a stored counter: no schema
change and no clock, and a change the form does not show (a workflow step, an uploaded
document) leaves an open form valid.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

import sqlalchemy as sa
from flask_babel import gettext as _

from shared.db import db
from shared.services import ServiceError

T = TypeVar("T")


class StaleVersion(ServiceError):
    """Refused: the form was loaded from an older version. ``current`` is the version now;
    ``saved`` the stored values of the fields where what was typed differs from them."""

    def __init__(
        self, message: str, *, current: str, saved: Mapping[str, Any] | None = None
    ) -> None:
        super().__init__(message)
        self.current = current
        self.saved = dict(saved or {})


def version_token(values: Mapping[str, Any]) -> str:
    """The version of a record as ``values`` show it (JSON values; dates as ISO strings)."""
    data = json.dumps(
        values, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str
    )
    return hashlib.sha256(data.encode()).hexdigest()[:24]


def differences(stored: Mapping[str, Any], typed: Mapping[str, Any]) -> dict[str, Any]:
    """The stored values of the fields whose typed value differs (only the fields typed)."""
    return {name: stored.get(name) for name, value in typed.items() if stored.get(name) != value}


def lock(obj: Any) -> None:
    """Lock ``obj``'s row until the transaction ends and reload it (its values now), so that
    requests checking then changing it run one after the other (SQLite serialises writing
    requests anyway). The lock is taken on the row alone: a reload with joined relations
    cannot be locked on PostgreSQL."""
    model = type(obj)
    db.session.execute(sa.select(model.id).where(model.id == obj.id).with_for_update())
    db.session.refresh(obj)


def require(
    obj: T,
    seen: str,
    version_of: Callable[[T], str],
    *,
    saved: Callable[[], Mapping[str, Any]] | None = None,
    message: str | None = None,
) -> None:
    """Refuse (:class:`StaleVersion`) unless ``obj`` is still at the version ``seen``.

    The row is locked first (:func:`lock`), so two saves of forms loaded from the same
    version are compared one after the other: the second one is refused."""
    lock(obj)
    current = version_of(obj)
    if seen != current:
        raise StaleVersion(
            message
            or _(
                "Someone saved a change after you opened this page (perhaps you, in another "
                "window). Nothing was saved: what you typed is still in the form, and each "
                "field that differs shows the saved version under it. Check them, then save "
                "again."
            ),
            current=current,
            saved=saved() if saved is not None else None,
        )
