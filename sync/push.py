"""The node pushes its outbox to central: attachments first, then bounded batches.

The outbox is read a chunk of ``SYNC_BATCH_ITEMS`` at a time (oldest first, by outbox id), so
the first batch leaves before the last one is read and the node's memory stays bounded.

1. Every attachment a chunk's revisions name is offered to central (``blobs/missing``);
   what central lacks is uploaded in chunks, resuming where a cut upload stopped.
2. Revisions go in batches bounded by count and bytes. Before a batch is sent its items are
   marked in flight (committed), so a crash leaves them to be sent again; central treats a
   replay as a duplicate and acknowledges it again. Up to ``SYNC_PUSH_CONCURRENCY`` batches
   (default 2) are on their way at once, so the node prepares and records while central
   works, and central's workers share the batches; the node's database is used from one
   thread only. After a failed batch no new one is sent.
3. Each item's answer is recorded on its own: acknowledged, or rejected with central's reason.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import orjson
import sqlalchemy as sa
from flask import current_app

from shared.blobstore import BlobStore, blob_store
from shared.db import db, utcnow
from shared.models.proposal import ProposalRevision
from shared.models.tenant import Tenant
from sync.client import CentralClient, SyncError
from sync.models import OutboxItem, OutboxState
from sync.protocol import SCHEMA_VERSION
from sync.reasons import FILE_NOT_UPLOADED, FILE_TOO_LARGE, N_, Reason

Progress = Callable[[int], None]


@dataclass
class PushReport:
    pending: int = 0
    acked: int = 0
    duplicates: int = 0
    rejected: list[tuple[str, int, str]] = field(default_factory=list)
    failed: list[tuple[str, int, str]] = field(default_factory=list)
    blobs_uploaded: int = 0
    bytes_uploaded: int = 0
    error: str = ""  # in English
    error_message: dict[str, Any] | None = None  # the error to translate (sync.reasons)
    # central refused a batch as too large and named the most items it takes (fewer than
    # the batch held): the refused items are pending again, to be sent in smaller batches
    central_limit: int | None = None
    notes: list[str] = field(default_factory=list)  # in English, for the operator

    @property
    def ok(self) -> bool:
        return not (self.rejected or self.failed or self.error)

    def merge_earlier(self, earlier: PushReport) -> None:
        """Count in what an earlier push of the same run delivered (before it was refused)."""
        self.pending = earlier.pending
        self.acked += earlier.acked
        self.duplicates += earlier.duplicates
        self.rejected[:0] = earlier.rejected
        self.failed[:0] = earlier.failed
        self.blobs_uploaded += earlier.blobs_uploaded
        self.bytes_uploaded += earlier.bytes_uploaded

    def as_dict(self) -> dict[str, Any]:
        return {
            "pending": self.pending,
            "acked": self.acked,
            "duplicates": self.duplicates,
            "rejected": [
                {"proposal_uuid": u, "revision": r, "reason": why} for u, r, why in self.rejected
            ],
            "failed": [
                {"proposal_uuid": u, "revision": r, "reason": why} for u, r, why in self.failed
            ],
            "blobs_uploaded": self.blobs_uploaded,
            "bytes_uploaded": self.bytes_uploaded,
            "error": self.error,
            "notes": self.notes,
            "ok": self.ok,
        }


@dataclass
class _Item:
    outbox_id: int
    uuid: str
    revision: int
    body: bytes  # the item's JSON, serialised once
    digests: list[str]


# The content as stored lists no attachment (whatever JSON whitespace the database kept);
# a key inside a JSON string would have its quotes escaped, so this only matches the real key.
_NO_ATTACHMENTS = re.compile(r'"attachments"\s*:\s*\[\s*\]')


_WAITING = (OutboxState.PENDING, OutboxState.IN_FLIGHT)
_OUTBOX = OutboxItem.__table__


def batch_items(central_max: int | None = None) -> int:
    """The most items a batch holds: ``SYNC_BATCH_ITEMS``, or central's limit if smaller."""
    configured = int(current_app.config.get("SYNC_BATCH_ITEMS", 500))
    return min(configured, central_max) if central_max else configured


def pending_count() -> int:
    """How many outbox items wait to be sent (pending or in flight)."""
    stmt = sa.select(sa.func.count()).where(OutboxItem.state.in_(_WAITING))
    return db.session.execute(stmt).scalar_one()


def pending_items(after: int = 0, limit: int | None = None) -> list[_Item]:
    """Pending and in-flight outbox items with their frozen revision, oldest first (those
    after outbox id ``after``, at most ``limit``).

    The content is read as the JSON text the database holds and spliced into the item's
    body as it is: it is neither decoded nor encoded again (central hashes what it parses).
    """
    # The ids first (from the state index alone): sorting the joined rows would read every
    # waiting revision's content for each chunk. Core tables, not the ORM entities: the ORM's
    # result processing tripled the cost of reading a chunk.
    outbox, revision, tenant = _OUTBOX, ProposalRevision.__table__, Tenant.__table__
    ids = (
        sa.select(outbox.c.id)
        .where(outbox.c.state.in_(_WAITING), outbox.c.id > after)
        .order_by(outbox.c.id)
        .limit(limit)
    )
    stmt = (
        sa.select(
            outbox.c.id,
            outbox.c.proposal_uuid,
            outbox.c.revision,
            outbox.c.content_hash,
            sa.cast(revision.c.content, sa.Text),
            revision.c.submitted_at,
            tenant.c.code,
        )
        .join_from(
            outbox,
            revision,
            sa.and_(
                revision.c.tenant_id == outbox.c.tenant_id,
                revision.c.proposal_uuid == outbox.c.proposal_uuid,
                revision.c.revision == outbox.c.revision,
            ),
        )
        .join(tenant, tenant.c.id == outbox.c.tenant_id)
        .where(outbox.c.id.in_(ids))
        .order_by(outbox.c.id)
    )
    items = []
    for oid, uuid, number, digest, text, submitted_at, tenant_code in db.session.execute(stmt):
        head = orjson.dumps(
            {
                "proposal_uuid": uuid,
                "revision": number,
                "tenant_code": tenant_code,
                "content_hash": digest,
                "submitted_at": submitted_at.isoformat(),
            }
        )
        body = b"".join((head[:-1], b',"content":', text.encode(), b"}"))
        if '"attachments":[]' in text or _NO_ATTACHMENTS.search(text):  # the first: compact
            digests = []
        else:
            digests = [a["sha256"] for a in orjson.loads(text).get("attachments") or []]
        items.append(_Item(oid, uuid, number, body, digests))
    return items


def pending_chunks(size: int) -> Iterator[list[_Item]]:
    """The waiting items, ``size`` at a time, each chunk read when it is asked for (the node
    holds one chunk in memory, and the first batch leaves before the last is read)."""
    after = 0
    while chunk := pending_items(after, size):
        after = chunk[-1].outbox_id
        yield chunk
        if len(chunk) < size:
            return  # the last one (what is submitted meanwhile goes on the next run)


def batches(items: list[_Item], max_items: int, max_bytes: int) -> Iterator[list[_Item]]:
    """Consecutive batches of at most ``max_items`` and about ``max_bytes`` (one oversized
    item still travels, alone)."""
    batch: list[_Item] = []
    size = 0
    for item in items:
        if batch and (len(batch) >= max_items or size + len(item.body) > max_bytes):
            yield batch
            batch, size = [], 0
        batch.append(item)
        size += len(item.body) + 1
    if batch:
        yield batch


def upload_blob(client: CentralClient, store: BlobStore, sha256: str, offset: int) -> int:
    """Send one attachment from ``offset`` in chunks; returns the bytes sent."""
    chunk_size = int(current_app.config.get("SYNC_CHUNK_BYTES", 512 * 1024))
    path = store.path(sha256)
    total = path.stat().st_size
    sent = 0
    restarted = False
    with path.open("rb") as data:
        while True:  # at least one request: at offset == total it makes central keep the file
            data.seek(offset)
            chunk = data.read(chunk_size)
            try:
                answer = client.request(
                    "PUT",
                    f"blobs/{sha256}",
                    body=chunk,
                    headers={"X-Sinovik-Offset": str(offset), "X-Sinovik-Total": str(total)},
                    content_type="application/octet-stream",
                )
            except SyncError as err:
                if err.status == 409 and "offset" in err.data:
                    offset = int(err.data["offset"])  # central holds a different amount: resume
                    continue
                if err.status == 422 and "offset" in err.data and not restarted:
                    restarted = True  # central dropped a damaged partial upload: once more
                    offset = int(err.data["offset"])
                    continue
                raise
            sent += len(chunk)
            if answer.get("complete"):
                return sent
            offset = int(answer["offset"])


def _upload_attachments(
    client: CentralClient, items: list[_Item], report: PushReport
) -> dict[str, int | None]:
    """Upload what central lacks; returns the digests that could not be delivered, each
    with central's size limit when it refused the file as larger than that (else None)."""
    store = blob_store()
    digests = sorted({d for item in items for d in item.digests})
    failed: dict[str, int | None] = {}
    if not digests:
        return failed
    for start in range(0, len(digests), 1000):
        answer = client.post_json("blobs/missing", {"sha256": digests[start : start + 1000]})
        for entry in answer.get("missing", []):
            sha = entry["sha256"]
            if not store.exists(sha):
                failed[sha] = None
                continue
            try:
                report.bytes_uploaded += upload_blob(
                    client, store, sha, int(entry.get("offset", 0))
                )
                report.blobs_uploaded += 1
            except SyncError as err:
                if err.retryable:
                    raise
                failed[sha] = _size_limit(err)
    return failed


# how centrals before 2026-12 named their limit in a refused upload's answer
_OLD_SIZE_LIMIT = re.compile(r"larger than central accepts \((\d+) bytes\)")


def _size_limit(err: SyncError) -> int | None:
    """Central's size limit when it refused an upload as too large (a 413 of its sync API,
    not a proxy's: that one names no limit)."""
    if err.status != 413:
        return None
    limit = err.data.get("limit")
    if type(limit) is int and limit > 0:
        return limit
    old = _OLD_SIZE_LIMIT.search(err.message)
    return int(old.group(1)) if old else None


def _mark(ids: list[int], **values: Any) -> None:
    """Update outbox rows by id (a Core statement: the rows are not in the session)."""
    if ids:
        db.session.execute(sa.update(_OUTBOX).where(_OUTBOX.c.id.in_(ids)).values(**values))


def push(
    client: CentralClient, progress: Progress | None = None, *, max_items: int | None = None
) -> PushReport:
    """Push every pending outbox item; the report says what went through and what did not.
    ``max_items`` bounds a batch below ``SYNC_BATCH_ITEMS`` (central's limit, once learnt)."""
    cfg = current_app.config
    report = PushReport(pending=pending_count())
    if not report.pending:
        return report
    max_items = batch_items(max_items)
    max_bytes = int(cfg.get("SYNC_BATCH_BYTES", 4 * 1024 * 1024))
    depth = max(1, int(cfg.get("SYNC_PUSH_CONCURRENCY", 2)))
    pool = ThreadPoolExecutor(max_workers=depth, thread_name_prefix="sync-push")
    inflight: deque[tuple[list[_Item], Future[dict[str, Any]]]] = deque()
    try:
        for chunk in pending_chunks(max_items):
            try:
                sendable = _with_attachments(client, chunk, report)
            except SyncError as err:
                report.error = f"attachments: {err.message}"
                report.error_message = err.why
                break
            for batch in batches(sendable, max_items, max_bytes):
                ids = [i.outbox_id for i in batch]
                _mark(
                    ids,
                    state=OutboxState.IN_FLIGHT,
                    sent_at=utcnow(),
                    attempts=_OUTBOX.c.attempts + 1,
                )
                db.session.commit()
                head = b'{"schema":%d,"items":[' % SCHEMA_VERSION
                body = head + b",".join(i.body for i in batch) + b"]}"
                inflight.append((batch, pool.submit(client.request, "POST", "push", body=body)))
                if len(inflight) >= depth and not _settle(*inflight.popleft(), report, progress):
                    return report
            if report.error:
                break
    finally:
        while inflight:  # what is already on its way is recorded, whatever happened
            _settle(*inflight.popleft(), report, progress)
        pool.shutdown()
    return report


def _with_attachments(client: CentralClient, items: list[_Item], report: PushReport) -> list[_Item]:
    """The items whose attachments central holds (uploading what it lacks); the others are
    recorded as failed."""
    missing_blobs = _upload_attachments(client, items, report)
    if not missing_blobs:
        return items
    sendable = []
    for item in items:
        lacking = [d for d in item.digests if d in missing_blobs]
        if lacking:
            why = _not_sent(item, lacking, missing_blobs)
            report.failed.append((item.uuid, item.revision, str(why)))
            _mark([item.outbox_id], last_error=str(why), last_message=why.as_dict())
        else:
            sendable.append(item)
    db.session.commit()
    return sendable


def _not_sent(item: _Item, lacking: list[str], missing_blobs: dict[str, int | None]) -> Reason:
    """Why an item waits: the first of its files central refused as too large, by the name
    the proposal gives it, with central's limit; else the first file that did not arrive."""
    too_large = [d for d in lacking if missing_blobs[d] is not None]
    if not too_large:
        return Reason(FILE_NOT_UPLOADED, {"sha": lacking[0][:12]})
    sha = too_large[0]
    content = orjson.loads(item.body).get("content") or {}
    names = {a.get("sha256"): a.get("filename") for a in content.get("attachments") or ()}
    return Reason(
        FILE_TOO_LARGE,
        {"name": names.get(sha) or f"{sha[:12]}…", "max_bytes": missing_blobs[sha]},
    )


def _settle(
    batch: list[_Item],
    sent: Future[dict[str, Any]],
    report: PushReport,
    progress: Progress | None,
) -> bool:
    """Record central's answer to one batch (committed); False if the request failed."""
    try:
        answer = sent.result()
    except SyncError as err:
        # The request failed as a whole: one error for the report, not one per item.
        ids = [i.outbox_id for i in batch]
        message = err.message
        limit = err.data.get("limit") if err.status == 413 else None
        if isinstance(limit, int) and 0 < limit < len(batch):
            report.central_limit = limit  # the caller sends them again in smaller batches
        elif err.status == 413:  # too many bytes, or a limit smaller batches would not meet
            cfg = current_app.config
            message += (
                f"; lower this node's SYNC_BATCH_ITEMS (now {cfg.get('SYNC_BATCH_ITEMS', 500)}) "
                f"or SYNC_BATCH_BYTES (now {cfg.get('SYNC_BATCH_BYTES', 4 * 1024 * 1024)})"
            )
        if err.retryable:  # central may have received it: in flight, sent again next run
            _mark(ids, last_error=message, last_message=err.why)
        else:  # central refused it unread: the items wait to be sent again
            _mark(ids, state=OutboxState.PENDING, last_error=message, last_message=err.why)
        db.session.commit()
        report.error, report.error_message = message, err.why
        return False
    _record_results(batch, answer.get("results", []), report)
    db.session.commit()
    if progress:
        progress(len(batch))
    return True


def _record_results(batch: list[_Item], results: list[dict[str, Any]], report: PushReport) -> None:
    if len(results) != len(batch):
        why = Reason(N_("central answered a different number of results; will resend"))
        report.failed.extend((i.uuid, i.revision, str(why)) for i in batch)
        _mark([i.outbox_id for i in batch], last_error=str(why), last_message=why.as_dict())
        return
    now = utcnow()
    acked, rejected = [], []
    for item, result in zip(batch, results, strict=True):
        status = result.get("status")
        if status in ("accepted", "duplicate"):
            acked.append(item.outbox_id)
            report.acked += 1
            report.duplicates += status == "duplicate"
        else:
            reason = str(result.get("reason") or status)
            message = result.get("message")  # translated where it is shown (sync.reasons)
            rejected.append(
                {
                    "b_id": item.outbox_id,
                    "b_error": reason,
                    "b_message": message if isinstance(message, dict) else None,
                }
            )
            report.rejected.append((item.uuid, item.revision, reason))
    _mark(acked, state=OutboxState.ACKED, acked_at=now, last_error="", last_message=None)
    if rejected:
        db.session.execute(
            sa.update(_OUTBOX)
            .where(_OUTBOX.c.id == sa.bindparam("b_id"))
            .values(
                state=OutboxState.REJECTED.value,
                last_error=sa.bindparam("b_error"),
                last_message=sa.bindparam("b_message", type_=_OUTBOX.c.last_message.type),
            ),
            rejected,
        )
