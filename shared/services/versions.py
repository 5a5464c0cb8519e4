"""Edit conflicts: a form saved after someone else's save is refused instead of overwriting.

A form carries the version of the record it was loaded from (a hidden field). A save compares
it with the record's version now; when they differ, someone saved in between (perhaps the same
person in another window) and the save is refused with nothing written. The refusal carries
the version now and the stored values of the fields where the typed ones differ, so the page
can show both and the person merge them, as on a wiki's edit conflict.

A version is a fingerprint of the values the form shows, not a stored counter: no schema
change and no clock, and a change the form does not show (a workflow step, an uploaded
document) leaves an open form valid. Services make it with :func:`version_token` and check
it with :func:`require` (locks and reloads the row first) or :func:`refuse_if_stale`; the
web side of a versioned form is ``shared.web.stale``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime
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


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        # the same instant gives the same token, whether the driver returns it aware or naive
        if value.tzinfo is not None:
            value = value.astimezone(UTC).replace(tzinfo=None)
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        items = [_plain(v) for v in value]
        return sorted(items, key=repr) if isinstance(value, set | frozenset) else items
    if hasattr(value, "value") and not isinstance(value, str | int | float | bool):
        return _plain(value.value)  # an enum
    return value


def version_token(*parts: Any) -> str:
    """The version of a record as the values a page shows make it (mappings, lists, times,
    enums: one instant or member always gives the same token)."""
    data = json.dumps(
        [_plain(p) for p in parts],
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        default=str,
    )
    return hashlib.sha256(data.encode()).hexdigest()[:24]


def refuse_if_stale(shown: str | None, current: str, message: str) -> None:
    """Raise :class:`StaleVersion` with ``message`` unless the page showed the ``current``
    version. ``shown`` is None when no page is involved (a command, a sync job): nothing to
    compare; a page that sent no version at all ("") is refused."""
    if shown is not None and shown != current:
        raise StaleVersion(message, current=current)


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
