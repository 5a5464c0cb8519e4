"""One sync run on a node (push, pull, or both), one at a time per instance.

A file lock in the instance folder keeps a scheduled run and a manual one from overlapping;
the link row records the last success and the last error for `status` and the admin's page.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from filelock import FileLock, Timeout
from flask import current_app

from shared.db import db, utcnow
from sync import node
from sync.client import CentralClient, SyncError
from sync.models import NodeLink
from sync.pull import PullReport, pull
from sync.push import PushReport, push

Progress = Callable[[int], None]


class SyncBusy(Exception):
    """Another sync of this instance is running."""


@dataclass
class RunReport:
    push: PushReport | None = None
    pull: PullReport | None = None
    pull_skipped: str = ""  # why the pull did not run, in English

    @property
    def ok(self) -> bool:
        return (self.push is None or self.push.ok) and (self.pull is None or self.pull.ok)

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "push": self.push.as_dict() if self.push else None,
            "pull": self.pull.as_dict() if self.pull else None,
            "pull_skipped": self.pull_skipped or None,
        }

    def failure_lines(self) -> list[str]:
        lines: list[str] = []
        if self.push:
            lines += [f"rejected {u} r{r}: {why}" for u, r, why in self.push.rejected]
            lines += [f"failed {u} r{r}: {why}" for u, r, why in self.push.failed]
            if self.push.error:
                lines.append(f"push: {self.push.error}")
        if self.pull and self.pull.error:
            lines.append(f"pull: {self.pull.error}")
        return lines

    def problems(self) -> list[dict[str, Any]]:
        """What failed for the whole node (not single proposals): each step with its error in
        English and as a message to translate (see :mod:`sync.reasons`)."""
        return [
            {"step": step, "text": part.error, "message": part.error_message}
            for step, part in (("push", self.push), ("pull", self.pull))
            if part is not None and part.error
        ]


def lock_path() -> Path:
    return Path(current_app.instance_path) / "sync" / "sync.lock"


def run(
    *,
    do_push: bool = True,
    do_pull: bool = True,
    push_progress: Progress | None = None,
    pull_progress: Progress | None = None,
    interactive: bool = False,
) -> RunReport:
    """One run; ``interactive`` when a person waits for it (fewer retries, see
    :func:`sync.node.settings`)."""
    path = lock_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        with FileLock(str(path), timeout=0):
            return _run(do_push, do_pull, push_progress, pull_progress, interactive)
    except Timeout:
        raise SyncBusy("another sync of this instance is running") from None


def _run(do_push, do_pull, push_progress, pull_progress, interactive) -> RunReport:
    link = node.require_link()
    client = node.client(link, interactive=interactive)
    report = RunReport()
    pushed_at = None
    try:
        if do_push:
            report.push = _push(client, link, push_progress)
            pushed_at = utcnow()
        if do_pull and report.push and report.push.error:
            report.pull_skipped = "the push failed for the whole node"
        elif do_pull:
            try:
                report.pull = pull(client, link, pull_progress)
            except SyncError as err:
                db.session.rollback()
                report.pull = PullReport(
                    error=err.message, error_message=err.why, cursor=node.require_link().cursor
                )
            if report.pull.resynced and do_push:
                # central lost what it had acknowledged: send it again now
                again = _push(client, node.require_link(), push_progress)
                again.notes[:0] = report.push.notes if report.push else []
                report.push = again
    finally:
        client.close()
    _record_outcome(report, pushed_at)
    return report


def _record_outcome(report: RunReport, pushed_at: datetime | None) -> None:
    """The run's outcome on the link row, committed: one UPDATE (the link object is not
    loaded again for it)."""
    now = utcnow()
    if report.ok:
        values: dict[str, Any] = dict(
            last_success_at=now, last_error="", last_error_at=None, last_problems=[]
        )
    else:
        values = dict(
            last_error="; ".join(report.failure_lines())[:2000],
            last_problems=report.problems(),
            last_error_at=now,
        )
    if pushed_at is not None:
        values["last_push_at"] = pushed_at
    db.session.flush()  # what the run changed on the link object goes first
    table = NodeLink.__table__
    db.session.execute(sa.update(table).where(table.c.id == 1).values(**values))  # node.link()
    db.session.commit()


def _push(client: CentralClient, link: NodeLink, progress: Progress | None) -> PushReport:
    """Push in batches central takes. A batch central refuses as too large teaches its limit:
    the refused items go again at once in batches of that size, and the link keeps it for
    later runs (the operator is told once, by this run's note)."""
    report = push(client, progress, max_items=link.central_max_items)
    learnt = None
    # each limit is smaller than the batch it refused, so this ends
    while (limit := report.central_limit) is not None:
        learnt = link.central_max_items = limit  # committed with the next batch
        first, report = report, push(client, progress, max_items=limit)
        report.merge_earlier(first)
    if learnt is not None:
        configured = current_app.config.get("SYNC_BATCH_ITEMS", 500)
        report.notes.append(
            f"central takes at most {learnt} items a batch (this node's SYNC_BATCH_ITEMS is "
            f"{configured}): the refused items went again in batches of {learnt}, and later "
            f"runs send at most {learnt} until the node is connected again"
        )
    return report


_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
MAX_INTERVAL = 30 * 86400  # a node silent for longer is a mistake (and time.sleep has a limit)


def parse_interval(text: str) -> int:
    """'15m', '1h', '90s', '2d' -> seconds (at most 30 days)."""
    match = re.fullmatch(r"\s*(\d+)\s*([smhd]?)\s*", text)
    if not match or int(match.group(1)) == 0:
        raise ValueError(f"not an interval: {text!r} (e.g. 15m, 1h, 90s)")
    seconds = int(match.group(1)) * _UNITS[match.group(2) or "s"]
    if seconds > MAX_INTERVAL:
        raise ValueError(f"{text.strip()} is too long: at most 30 days (e.g. 15m, 1h)")
    return seconds


def next_delay(interval: int, jitter: float = 0.1) -> float:
    """The interval with up to ±10 % jitter, so many nodes do not call central in step."""
    return max(1.0, interval * (1 + random.uniform(-jitter, jitter)))
