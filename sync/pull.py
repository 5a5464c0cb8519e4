"""The node pulls central's change feed and applies each event exactly once.

The cursor is central's sequence number (never a clock). Each applied event is recorded as
(epoch, seq), in the same transaction as its effect and the cursor move, so a crash or a
repeated page never applies an event twice. When central's epoch changes (central was reset
or restored) or central's newest sequence number is behind the node's cursor, the node
resynchronises: cursor back to zero and every acknowledged revision queued again (central
acknowledges what it still holds as duplicates and takes back what it lost).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from shared.db import db, utcnow
from shared.models.competition import Competition, CompetitionVersion, Stage
from shared.models.proposal import Proposal, ScreeningResult
from shared.services import audit
from sync.client import CentralClient
from sync.models import NodeLink, OutboxItem, OutboxState, ReceivedEvent

# Events that set the same fields of a proposal: an older one arriving late (it was under
# embargo) never overwrites a newer one.
RESULT_KINDS = {
    "screening.decided": ("screening.decided",),
    "stage.reached": ("stage.reached", "award.given"),
    "award.given": ("stage.reached", "award.given"),
}


@dataclass
class PullReport:
    received: int = 0
    applied: int = 0
    resynced: bool = False
    cursor: int = 0
    kinds: dict[str, int] = field(default_factory=dict)
    error: str = ""  # in English
    error_message: dict[str, Any] | None = None  # the error to translate (sync.reasons)

    @property
    def ok(self) -> bool:
        return not self.error

    def as_dict(self) -> dict[str, Any]:
        return {
            "received": self.received,
            "applied": self.applied,
            "resynced": self.resynced,
            "cursor": self.cursor,
            "kinds": self.kinds,
            "error": self.error,
            "ok": self.ok,
        }


def resync(link: NodeLink, epoch: str) -> int:
    """Central is not the one we knew: start the feed over and queue every revision again."""
    link.central_epoch = epoch
    link.cursor = 0
    requeued = db.session.execute(
        sa.update(OutboxItem)
        .where(OutboxItem.state == OutboxState.ACKED)
        .values(state=OutboxState.PENDING, acked_at=None)
    ).rowcount
    audit.record(
        "sync.resync",
        link,
        actor=None,
        tenant_id=None,
        after={"epoch": epoch, "requeued": requeued},
        actor_name="sync",
    )
    return requeued


def pull(
    client: CentralClient, link: NodeLink, progress: Callable[[int], None] | None = None
) -> PullReport:
    report = PullReport()
    scan = link.cursor
    blocked = False
    while True:
        page = client.get("changes", since=scan)
        epoch = str(page["epoch"])
        if link.central_epoch != epoch or link.cursor > int(page["head"]):
            if link.central_epoch:  # a different central, or one restored to an older state
                resync(link, epoch)
                report.resynced = True
                db.session.commit()
                scan, blocked = 0, False
                continue
            link.central_epoch = epoch
        events = page.get("events", [])
        report.received += len(events)
        report.applied += apply_events(epoch, events, report.kinds)
        if not blocked:
            link.cursor = max(link.cursor, int(page["next_cursor"]))
        blocked = blocked or bool(page.get("blocked"))
        link.last_pull_at = utcnow()
        db.session.commit()
        if progress:
            progress(len(events))
        scan = int(page["scanned_to"])
        if not page.get("more"):
            break
    report.cursor = link.cursor
    return report


def apply_events(epoch: str, events: Iterable[dict[str, Any]], kinds: dict[str, int]) -> int:
    """Apply the events not yet applied in this epoch; returns how many were new."""
    events = list(events)
    if not events:
        return 0
    seen = set(
        db.session.execute(
            sa.select(ReceivedEvent.seq).where(
                ReceivedEvent.epoch == epoch,
                ReceivedEvent.seq.in_([int(e["seq"]) for e in events]),
            )
        ).scalars()
    )
    applied = 0
    for event in sorted(events, key=lambda e: int(e["seq"])):
        seq = int(event["seq"])
        if seq in seen:
            continue
        seen.add(seq)
        kind = str(event["kind"])
        payload = event.get("payload") or {}
        uuid = payload.get("uuid") if isinstance(payload, dict) else None
        if not _superseded(epoch, seq, kind, uuid):
            APPLY.get(kind, _ignore)(payload)
        db.session.add(
            ReceivedEvent(epoch=epoch, seq=seq, kind=kind, proposal_uuid=uuid, payload=payload)
        )
        db.session.flush()
        kinds[kind] = kinds.get(kind, 0) + 1
        applied += 1
    return applied


def _superseded(epoch: str, seq: int, kind: str, uuid: str | None) -> bool:
    if uuid is None or kind not in RESULT_KINDS:
        return False
    stmt = sa.select(sa.func.count()).where(
        ReceivedEvent.epoch == epoch,
        ReceivedEvent.proposal_uuid == uuid,
        ReceivedEvent.kind.in_(RESULT_KINDS[kind]),
        ReceivedEvent.seq > seq,
    )
    return bool(db.session.execute(stmt).scalar_one())


def _proposal(uuid: Any) -> Proposal | None:
    if not uuid:
        return None
    return db.session.execute(sa.select(Proposal).where(Proposal.uuid == str(uuid))).scalar()


def _apply_screening(payload: dict[str, Any]) -> None:
    proposal = _proposal(payload.get("uuid"))
    if proposal is None:
        return
    proposal.screening_result = ScreeningResult(payload.get("result", ScreeningResult.PENDING))
    proposal.screening_reason = str(payload.get("reason") or "")
    audit.record(
        "proposal.screening_received",
        proposal,
        actor=None,
        after={"result": proposal.screening_result.value, "reason": proposal.screening_reason},
        actor_name="sync",
    )


def _apply_stage(payload: dict[str, Any]) -> None:
    proposal = _proposal(payload.get("uuid"))
    if proposal is None:
        return
    proposal.stage_code = payload.get("stage_code")
    proposal.award = payload.get("award")
    audit.record(
        "proposal.stage_received",
        proposal,
        actor=None,
        after={"stage_code": proposal.stage_code, "award": proposal.award},
        actor_name="sync",
    )


def _time(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _apply_competition(payload: dict[str, Any]) -> None:
    """Follow central's year: window (a deadline extension), form versions and stages."""
    year = int(payload["year"])
    competition = db.session.execute(
        sa.select(Competition).where(Competition.year == year)
    ).scalar()
    if competition is None:
        competition = Competition(year=year, name=payload.get("name") or str(year))
        db.session.add(competition)
    competition.name = payload.get("name") or competition.name
    competition.registration_opens_at = _time(payload["registration_opens_at"])  # type: ignore[assignment]
    competition.registration_closes_at = _time(payload["registration_closes_at"])  # type: ignore[assignment]
    db.session.flush()
    number = int(payload["version"])
    versions = {v.number: v for v in competition.versions}
    if number not in versions:
        db.session.add(
            CompetitionVersion(
                competition_id=competition.id,
                number=number,
                data=payload.get("config") or {},
                note="from central",
            )
        )
    competition.current_version = number
    stages = {s.code: s for s in competition.stages}
    for data in payload.get("stages") or []:
        stage = stages.get(data["code"])
        if stage is None:
            stage = Stage(competition_id=competition.id, code=data["code"])
            db.session.add(stage)
        stage.name_id = data.get("name_id") or data["code"]
        stage.name_en = data.get("name_en") or data["code"]
        stage.position = int(data.get("position") or 0)
        stage.starts_at = _time(data.get("starts_at"))
        stage.ends_at = _time(data.get("ends_at"))
        stage.publish_at = _time(data.get("publish_at"))
    audit.record(
        "competition.received",
        competition,
        actor=None,
        tenant_id=None,
        after={"version": number, "closes_at": payload["registration_closes_at"]},
        actor_name="sync",
    )
    db.session.flush()


def _apply_invitation(payload: dict[str, Any]) -> None:
    """The ministry invited one of this node's tenants to a by-invitation group."""
    from shared.models.tenant import Tenant
    from shared.services import ServiceError, invitations

    tenant = db.session.execute(
        sa.select(Tenant).where(Tenant.code == str(payload.get("tenant_code")))
    ).scalar()
    competition = db.session.execute(
        sa.select(Competition).where(Competition.year == payload.get("year"))
    ).scalar()
    if tenant is None or competition is None:
        return
    # a group the node's form does not know yet is skipped: the competition update brings it
    with contextlib.suppress(ServiceError):
        invitations.invite(tenant, competition, str(payload.get("group_code")), actor=None)


def _ignore(payload: dict[str, Any]) -> None:
    """An event kind this node does not know yet: recorded, nothing else."""


APPLY: dict[str, Callable[[dict[str, Any]], None]] = {
    "screening.decided": _apply_screening,
    "stage.reached": _apply_stage,
    "award.given": _apply_stage,
    "competition.updated": _apply_competition,
    "invitation.created": _apply_invitation,
}
