"""What the sync page shows, and one manual sync run with its outcome in words."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import ngettext

from shared.db import db
from shared.models.proposal import Proposal
from shared.services import ServiceError
from shared.tenancy import national_scope
from sync import status
from sync.models import NodeLink, OutboxItem, OutboxState
from sync.reasons import translate


def state_label(state: OutboxState | str) -> str:
    """The outbox state as the Admin Lokal reads it."""
    labels = {
        OutboxState.PENDING: _("Waiting to be sent"),
        OutboxState.IN_FLIGHT: _("Sent, waiting for central"),
        OutboxState.ACKED: _("Received by central"),
        OutboxState.REJECTED: _("Rejected by central"),
    }
    return labels[OutboxState(state)]


@dataclass(frozen=True)
class ProposalSync:
    """The sync state of a proposal's submitted revision."""

    state: OutboxState
    revision: int
    reason: str
    acked_at: datetime | None

    @property
    def label(self) -> str:
        return state_label(self.state)


@dataclass(frozen=True)
class RejectedRow:
    item: OutboxItem
    proposal: Proposal | None
    newer: ProposalSync | None = None  # a later revision of the proposal, once submitted


# The runner's per-item lines ("rejected <uuid> r<n>: why") may name another tenant's proposal
# on a node that hosts several tenants; the page lists the tenant's own items instead.
_ITEM_LINE = re.compile(r"^(rejected|failed) [0-9a-fA-F-]{36} r\d+: ")


def node_problems(lines: list[str]) -> str:
    """The node-wide problems of a run, without lines about single proposals."""
    return "; ".join(line for line in lines if line and not _ITEM_LINE.match(line))


def problems_text(problems: list[dict[str, Any]] | None) -> str:
    """A run's node-wide problems (``RunReport.problems``) in the reader's language."""
    steps = {
        "push": _("Sending to central: %(error)s"),
        "pull": _("Reading central's decisions: %(error)s"),
    }
    return "; ".join(
        steps.get(p.get("step"), "%(error)s")
        % {"error": translate(p.get("message"), p.get("text", ""))}
        for p in problems or ()
        if isinstance(p, dict)
    )


@dataclass(frozen=True)
class WaitingRow:
    """A revision waiting on the node because one of its files did not reach central."""

    item: OutboxItem
    proposal: Proposal | None


@dataclass
class SyncOverview:
    link: NodeLink | None
    counts: dict[str, int]
    rejected: list[RejectedRow]
    not_sent: list[WaitingRow]

    @property
    def last_error(self) -> str:
        """The last run's error as this tenant may read it ("" when the last run went well)."""
        if self.link is None or not self.link.last_error:
            return ""
        return (
            problems_text(self.link.last_problems)
            or node_problems(self.link.last_error.split("; "))  # a run before messages
            or _(
                "Central did not accept some revisions this node sent; "
                "yours, if any, are listed below."
            )
        )

    @property
    def central_limit(self) -> str:
        """The most proposals central takes in one push, as the node learnt it (from central's
        hello on connect, or a refused batch); "" while the node does not know it."""
        limit = self.link.central_max_items if self.link is not None else None
        if not limit:
            return ""
        return ngettext(
            "Central takes at most %(num)d proposal per batch.",
            "Central takes at most %(num)d proposals per batch.",
            limit,
        )

    def series(self) -> list[tuple[str, int]]:
        """(label, count) per outbox state, for the chart."""
        return [(state_label(s), self.counts.get(s.value, 0)) for s in OutboxState]


def overview() -> SyncOverview:
    """The link to central, the tenant's outbox counts, and its rejected items and those
    waiting for a file central did not take, with their proposals."""
    # sync.node and sync.runner bring the HTTP client (requests, ~5 MB): imported when the
    # page is used, so an idle serving node does not carry them
    from sync import node

    rejected, not_sent = status.rejected(), status.not_sent()
    uuids = [item.proposal_uuid for item in rejected]
    proposals = {
        p.uuid: p
        for p in db.session.execute(
            sa.select(Proposal).where(
                Proposal.uuid.in_(uuids + [item.proposal_uuid for item in not_sent])
            )
        ).scalars()
    }
    newest = status.by_proposal(uuids)
    rows = []
    for item in rejected:
        latest = newest.get(item.proposal_uuid)
        newer = None
        if latest is not None and latest.revision > item.revision:
            newer = ProposalSync(latest.state, latest.revision, latest.reason, latest.acked_at)
        rows.append(RejectedRow(item, proposals.get(item.proposal_uuid), newer))
    waiting = [WaitingRow(item, proposals.get(item.proposal_uuid)) for item in not_sent]
    return SyncOverview(node.link(), status.counts(), rows, waiting)


def proposal_sync_states(proposals: list[Proposal]) -> dict[str, ProposalSync]:
    """uuid -> the sync state of each submitted proposal's newest outbox item."""
    uuids = [p.uuid for p in proposals if p.submitted_revision]
    return {
        uuid: ProposalSync(item.state, item.revision, item.reason, item.acked_at)
        for uuid, item in status.by_proposal(uuids).items()
    }


@dataclass(frozen=True)
class Outcome:
    message: str
    category: str  # a flash category


def sync_now() -> Outcome:
    """Push and pull once, for every tenant of the node, and say how it went."""
    from sync import runner
    from sync.client import SyncError

    try:
        with national_scope():
            report = runner.run(interactive=True)
    except runner.SyncBusy:
        db.session.rollback()
        return Outcome(
            _("A sync is already running on this node. Wait a moment, then look again."), "warning"
        )
    except (ServiceError, SyncError) as err:
        db.session.rollback()
        return Outcome(_("The sync failed: %(error)s", error=getattr(err, "message", err)), "error")
    push, pull = report.push, report.pull
    counts = _(
        "%(acked)d received by central (%(dup)d of them already there), %(rejected)d rejected; "
        "%(results)d updates received.",
        acked=push.acked if push else 0,
        dup=push.duplicates if push else 0,
        rejected=len(push.rejected) if push else 0,
        results=pull.applied if pull else 0,
    )
    if report.ok:
        return Outcome(_("Sync finished: %(counts)s", counts=counts), "success")
    problems = problems_text(report.problems())
    return Outcome(
        _("Sync finished with problems: %(counts)s %(problems)s", counts=counts, problems=problems),
        "error",
    )
