"""Central's sync endpoints (``/api/sync/v1``): every request signed by a node.

``GET  hello``             who am I: node id, tenants, central's epoch, schema version
``POST blobs/missing``     which of these attachment digests central lacks, and how much of
                           each a cut upload already delivered
``PUT  blobs/<sha256>``    one chunk at ``X-Sinovik-Offset`` of ``X-Sinovik-Total`` bytes; the
                           blob is accepted only when its bytes hash to its name
``POST push``              a batch of revisions; one result per item (see :mod:`sync.ingest`)
``GET  changes?since=N``   the change feed for the node's tenants
"""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import orjson
import sqlalchemy as sa
from flask import Blueprint, Flask, current_app, g, jsonify, request
from werkzeug.exceptions import HTTPException

from shared.blobstore import SHA256_RE, blob_store
from shared.db import db, sqlite_begin_mode, utcnow
from shared.extensions import csrf
from shared.tenancy import national_scope
from sync import changes, ingest
from sync import protocol as P
from sync.auth import (
    AuthError,
    NodeIdentity,
    authenticate,
    mark_seen,
    remember_nonce,
    schema_mismatch,
)
from sync.models import SyncNode
from sync.reasons import BLOB_TOO_LARGE, N_, Reason

bp = Blueprint("sync_api", __name__, url_prefix=P.API_PREFIX)
csrf.exempt(bp)

H_OFFSET = "X-Sinovik-Offset"
H_TOTAL = "X-Sinovik-Total"


def init_app(app: Flask) -> None:
    app.config.setdefault("SYNC_MAX_ITEMS", 2000)
    app.config.setdefault("SYNC_FEED_LIMIT", 500)
    app.register_blueprint(bp)
    app.extensions.setdefault("sinovik_warm_up", []).append(ingest.rehearse)


def _error(message: str | Reason, status: int, **extra: Any):
    """An error answer: the English text and, for a :class:`Reason`, the message the node
    translates for its admin (see sync.reasons)."""
    answer = {"error": str(message), "schema": P.SCHEMA_VERSION, **extra}
    if isinstance(message, Reason):
        answer["message"] = message.as_dict()
    return jsonify(answer), status


PUSH_ENDPOINT = f"{bp.name}.push"


@bp.before_request
def _authenticate():
    # On SQLite, a request that writes opens its transaction with BEGIN IMMEDIATE: it waits
    # for another writer instead of failing with "database is locked" when a read
    # transaction has to become a write one. Every sync request writes its nonce, GETs too.
    # Only a push reads and checks its batch first (deferred: no write lock) and writes it,
    # with its nonce, in one short transaction after (see push).
    g._sync_scope = national_scope()
    g._sync_scope.__enter__()
    is_push = request.endpoint == PUSH_ENDPOINT
    g._sync_begin = sqlite_begin_mode.set("DEFERRED" if is_push else "IMMEDIATE")
    try:
        g.node = authenticate(request, keep_nonce=not is_push)
    except AuthError as err:
        db.session.rollback()
        return _error(err.why, err.status)
    return None


@bp.teardown_request
def _leave_scope(exc: BaseException | None) -> None:
    begin = g.pop("_sync_begin", None)
    if begin is not None:
        sqlite_begin_mode.reset(begin)
    scope = g.pop("_sync_scope", None)
    if scope is not None:
        scope.__exit__(None, None, None)


@bp.errorhandler(HTTPException)
def _http_error(err: HTTPException):
    return _error(
        getattr(err, "why", None) or err.description or err.name,
        err.code or 500,
        **getattr(err, "extra", {}),
    )


def _node() -> NodeIdentity:
    return g.node


def _json_body() -> dict[str, Any]:
    data = request.get_data() or b"{}"
    try:
        body = orjson.loads(data)
    except orjson.JSONDecodeError:  # what orjson refuses (NaN, huge numbers) json may read
        try:
            body = json.loads(data)
        except ValueError:
            body = None
    if not isinstance(body, dict):
        raise _BadRequest(Reason(N_("the body is not a JSON object")))
    schema = body.get("schema")
    if schema != P.SCHEMA_VERSION:
        raise _BadRequest(schema_mismatch(str(schema)[:20]))
    return body


class _Refused(HTTPException):
    """A request refused as a whole, with its reason as a message (see sync.reasons)."""

    def __init__(self, why: Reason | str, **extra: Any) -> None:
        super().__init__(str(why))
        self.why = why
        self.extra = extra  # more fields of the answer (e.g. central's limit)


class _BadRequest(_Refused):
    code = 400


@bp.get("/hello")
def hello():
    node = _node()
    epoch = node.epoch or changes.epoch()  # made (and committed) on first use
    db.session.commit()
    return jsonify(
        {
            "node_id": node.node_id,
            "tenants": sorted(node.tenants),
            "epoch": epoch,
            "schema": P.SCHEMA_VERSION,
            "max_items": current_app.config["SYNC_MAX_ITEMS"],  # a push batch's limit
        }
    )


@bp.post("/blobs/missing")
def blobs_missing():
    body = _json_body()
    digests = [str(d) for d in body.get("sha256", [])]
    if any(not SHA256_RE.match(d) for d in digests):
        raise _BadRequest("every entry must be a SHA-256 hex digest")
    store = blob_store()
    missing = [
        {"sha256": d, "offset": _partial(d).stat().st_size if _partial(d).exists() else 0}
        for d in dict.fromkeys(digests)
        if not store.exists(d)
    ]
    db.session.commit()
    return jsonify({"missing": missing, "schema": P.SCHEMA_VERSION})


def _partial(sha256: str) -> Path:
    return Path(current_app.config["BLOB_DIR"]) / "partial" / _node().node_id / f"{sha256}.part"


@bp.put("/blobs/<sha256>")
def blob_chunk(sha256: str):
    if not SHA256_RE.match(sha256):
        raise _BadRequest("not a SHA-256 hex digest")
    store = blob_store()
    db.session.commit()  # the nonce is kept even if the chunk is refused below
    if store.exists(sha256):
        return jsonify({"sha256": sha256, "complete": True})
    try:
        offset = int(request.headers[H_OFFSET])
        total = int(request.headers[H_TOTAL])
    except (KeyError, ValueError):
        raise _BadRequest(f"{H_OFFSET} and {H_TOTAL} are required") from None
    limit = P.blob_max_bytes(current_app.config)
    if total > limit:  # the limit twice: a number for the node, and in its admin's words
        return _error(Reason(BLOB_TOO_LARGE, {"max_bytes": limit}), 413, limit=limit)
    partial = _partial(sha256)
    partial.parent.mkdir(parents=True, exist_ok=True)
    chunk = request.get_data()
    with partial.open("ab") as out:
        fcntl.flock(out, fcntl.LOCK_EX)  # a duplicated request waits, then sees the new size
        have = os.fstat(out.fileno()).st_size
        if have > total:  # damaged (two unserialised writers once appended): start over
            out.truncate(0)
            have = 0
        if offset != have:
            return _error("resume from the offset central holds", 409, offset=have)
        if have + len(chunk) > total:
            return _error("chunk runs past the declared size", 400, offset=have)
        out.write(chunk)
        out.flush()
        os.fsync(out.fileno())
        have += len(chunk)
    if have < total:
        return jsonify({"sha256": sha256, "complete": False, "offset": have})
    with partial.open("rb") as data, store.staging() as staging:  # read once: hashed as copied
        if staging.add(data).sha256 != sha256:
            partial.unlink(missing_ok=True)  # (the copy is dropped with the staging)
            return _error("the bytes do not hash to the digest; upload again", 422, offset=0)
        staging.keep()
    partial.unlink(missing_ok=True)
    return jsonify({"sha256": sha256, "complete": True, "offset": have})


@bp.post("/push")
def push():
    node = _node()
    try:
        body = _json_body()
        items = body.get("items")
        if not isinstance(items, list):
            raise _BadRequest(Reason(N_("items must be a list")))
        limit = current_app.config["SYNC_MAX_ITEMS"]
        if len(items) > limit:
            raise _TooLarge(
                Reason(N_("a batch holds at most %(limit)d items"), {"limit": limit}), limit=limit
            )
        # Decoding, hashing and checking the batch only read: no write lock is held yet.
        batch = ingest.prepare(
            items, tenants=node.tenants, blobs=blob_store(), source=f"node {node.node_id}"
        )
        db.session.commit()  # ends the read transaction (nothing to flush to disk)
    except HTTPException as refused:
        with _writing():  # a refused batch still uses up its nonce
            if (replayed := _use_nonce(node)) is not None:
                return replayed
            mark_seen(node)
            db.session.commit()
        raise refused from None
    with _writing():  # nonce, batch and counters in one transaction, one flush to disk
        if (replayed := _use_nonce(node)) is not None:
            return replayed
        results = ingest.apply(batch)
        accepted = sum(1 for r in results if r.status == ingest.ACCEPTED)
        epoch = node.epoch or changes.epoch()
        # The node's row last: a concurrent push of the same node waits for this commit
        # only, not for this whole batch.
        mark_seen(  # in SQL: pushes add up
            node, last_push_at=utcnow(), pushed_total=SyncNode.pushed_total + accepted
        )
        db.session.commit()
    answer = {"results": [r.as_dict() for r in results], "epoch": epoch, "schema": P.SCHEMA_VERSION}
    return current_app.response_class(orjson.dumps(answer), mimetype="application/json")


def _use_nonce(node: NodeIdentity):
    """Keep the request's nonce; an error answer if it was already used (a replay)."""
    try:
        remember_nonce(node)
    except AuthError as err:
        db.session.rollback()
        return _error(err.why, err.status)
    return None


class _TooLarge(_Refused):
    code = 413


@contextmanager
def _writing() -> Iterator[None]:
    """The next transaction writes. On SQLite it opens with BEGIN IMMEDIATE, and pushes queue
    for it on a file lock first: the kernel wakes the next push the moment the lock is free,
    where SQLite's busy timeout would poll with growing sleeps."""
    token = sqlite_begin_mode.set("IMMEDIATE")
    lock = None
    try:
        if db.session.get_bind().dialect.name == "sqlite":
            lock = (Path(current_app.instance_path) / "sync-push.lock").open("ab")
            fcntl.flock(lock, fcntl.LOCK_EX)
        yield
    finally:
        if lock is not None:
            lock.close()  # releases the lock
        sqlite_begin_mode.reset(token)


@bp.get("/changes")
def feed():
    node = _node()
    since = request.args.get("since", 0, type=int)
    limit = min(
        request.args.get("limit", current_app.config["SYNC_FEED_LIMIT"], type=int),
        current_app.config["SYNC_FEED_LIMIT"],
    )
    page = changes.read(list(node.tenants.values()), since, max(1, limit))
    db.session.execute(
        sa.update(SyncNode.__table__)
        .where(SyncNode.__table__.c.id == node.node_id)
        .values(last_pull_at=utcnow())
    )
    epoch = node.epoch or changes.epoch()
    db.session.commit()
    return jsonify(
        {
            "epoch": epoch,
            "events": page.events,
            "next_cursor": page.next_cursor,
            "scanned_to": page.scanned_to,
            "blocked": page.blocked,
            "head": page.head,
            "more": page.more,
            "schema": P.SCHEMA_VERSION,
        }
    )
