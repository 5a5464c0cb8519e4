"""Central: apply a batch of pushed revisions to the national inbox, in one transaction.

The same function serves an online push and a sneakernet bundle, so both have exactly the
same semantics. Per item:

- ``accepted``: a new revision; the inbox row is written and the central copy of the proposal
  (its header, unit and attachment list; its sections are read from the revision it holds,
  see ``Proposal.sections``) moves to it;
- ``duplicate``: central already holds this revision with the same content hash (a replay, a
  retried batch, a bundle imported twice): acknowledged again, nothing changes;
- ``conflict`` (code 409): central holds this revision with *different* content;
- ``rejected`` (code 422): the item is invalid (wrong tenant, bad hash, missing attachment,
  submitted after the close, unknown competition); the reason says which.

The inbox is unique on (tenant, proposal uuid, revision): rows are inserted with ``ON
CONFLICT DO NOTHING`` and the outcome is read back, never checked first and inserted after.
Statements are set-based (one per table per batch) so a batch of hundreds costs a few queries.
The big inserts are one ``executemany`` of plain tuples on SQLite and, on PostgreSQL, one JSON
array unpacked by ``json_to_recordset`` beside the documents as binary texts (no per-row
parameter processing either way), and the content is stored as the canonical text that was
hashed, never serialised again.
"""

from __future__ import annotations

import hashlib
import operator
import uuid as uuid_mod
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import orjson
import sqlalchemy as sa
from sqlalchemy.dialects import sqlite

from shared.blobstore import BlobStore, blob_store
from shared.db import db, insert_on_conflict, utcnow
from shared.models.audit import AuditLog
from shared.models.competition import Competition, CompetitionVersion
from shared.models.proposal import (
    Attachment,
    Proposal,
    ProposalRevision,
    ProposalStatus,
    ScreeningResult,
)
from shared.models.tenant import Tenant
from shared.models.unit import Unit
from shared.services.content import CONTENT_FIELDS, canonical_json, parse_date
from shared.services.units import UNIT_FIELDS
from shared.tenancy import national_scope
from sync import content_check
from sync.reasons import N_, NOT_SERVED, UNDER_EVALUATION, Reason

ACCEPTED = "accepted"
DUPLICATE = "duplicate"
CONFLICT = "conflict"
REJECTED = "rejected"
CODES = {ACCEPTED: 201, DUPLICATE: 200, CONFLICT: 409, REJECTED: 422}


@dataclass
class ItemResult:
    proposal_uuid: str
    revision: int
    status: str
    why: Reason | None = None

    @property
    def reason(self) -> str:
        """The reason in English ("" when there is none)."""
        return str(self.why) if self.why else ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "proposal_uuid": self.proposal_uuid,
            "revision": self.revision,
            "status": self.status,
            "code": CODES[self.status],
            "reason": self.reason,
            "message": self.why.as_dict() if self.why else None,  # for the node to translate
        }


@dataclass
class _Valid:
    index: int
    tenant_id: int
    uuid: str
    revision: int
    digest: str
    content: dict[str, Any]
    submitted_at: datetime
    submitted_stamp: str  # submitted_at as the rows store it
    competition_id: int
    version_id: int
    text: str  # the content's canonical JSON, as hashed
    rows: dict[str, dict[str, Any]] = field(default_factory=dict)  # made before the write


@dataclass
class _Lookups:
    competitions: dict[int, tuple[int, datetime]] = field(default_factory=dict)
    versions: dict[tuple[int, int], int] = field(default_factory=dict)


def _lookups() -> _Lookups:
    """Every competition with its form versions, in one read."""
    out = _Lookups()
    stmt = sa.select(
        Competition.id,
        Competition.year,
        Competition.registration_closes_at,
        CompetitionVersion.id,
        CompetitionVersion.number,
    ).outerjoin(CompetitionVersion, CompetitionVersion.competition_id == Competition.id)
    for cid, year, closes, vid, number in db.session.execute(stmt):
        out.competitions[year] = (cid, closes)
        if vid is not None:
            out.versions[(cid, number)] = vid
    return out


def _canonical(content: dict[str, Any]) -> bytes:
    """:func:`canonical_json`, made by orjson (the same bytes for what nodes send, about 15
    times faster). Where the two could differ (floats, huge integers) orjson's hash does not
    match and :func:`_validate` falls back to the reference form."""
    try:
        return orjson.dumps(content, option=orjson.OPT_SORT_KEYS)
    except (TypeError, orjson.JSONEncodeError):
        return canonical_json(content)


def _json(value: Any) -> str:
    return orjson.dumps(value).decode()


_MAX_INT = 2**31 - 1  # the largest revision number the database's integer holds


def _parse_time(value: Any) -> datetime:
    parsed = datetime.fromisoformat(str(value))
    if parsed.tzinfo is None:
        raise ValueError("a time without a zone")
    return parsed


def _validate(
    index: int,
    item: dict[str, Any],
    tenants: dict[str, int],
    lookups: _Lookups,
    blobs: BlobStore,
) -> _Valid | ItemResult:
    uuid = str(item.get("proposal_uuid", ""))
    try:
        revision = int(item.get("revision", 0))
    except (TypeError, ValueError):
        revision = 0

    def reject(template: str, **args: Any) -> ItemResult:
        return ItemResult(uuid, revision, REJECTED, Reason(template, args))

    if not content_check.UUID_RE.fullmatch(uuid):
        return reject(
            N_("proposal_uuid is not a UUID as nodes write it (36 characters, lower case)")
        )
    if not 1 <= revision <= _MAX_INT:
        return reject(N_("revision must be a positive number"))
    tenant_code = str(item.get("tenant_code", ""))
    tenant_id = tenants.get(tenant_code)
    if tenant_id is None:
        return reject(NOT_SERVED, tenant=tenant_code[:40] or "?")
    content = item.get("content")
    if not isinstance(content, dict):
        return reject(N_("content is missing"))
    digest = str(item.get("content_hash", ""))
    canonical = _canonical(content)
    if hashlib.sha256(canonical).hexdigest() != digest:
        canonical = canonical_json(content)  # the reference form decides, never orjson's
        if hashlib.sha256(canonical).hexdigest() != digest:
            return reject(N_("content hash does not match the content (corrupted in transit?)"))
    if content.get("uuid") != uuid or content.get("tenant_code") != tenant_code:
        return reject(N_("content names another proposal or tenant than the item"))
    if problem := content_check.problem(content):
        return ItemResult(uuid, revision, REJECTED, problem)
    year, number = content.get("competition_year"), content.get("competition_version")
    competition = lookups.competitions.get(year) if type(year) is int else None
    if competition is None:
        return reject(N_("central has no competition %(year)s"), year=str(year)[:20])
    competition_id, closes_at = competition
    version_id = lookups.versions.get((competition_id, number)) if type(number) is int else None
    if version_id is None:
        return reject(N_("central has no form version %(version)s"), version=str(number)[:20])
    try:
        submitted_at = _parse_time(item.get("submitted_at"))
    except (TypeError, ValueError):
        return reject(N_("submitted_at is not an ISO time with a zone"))
    if submitted_at > closes_at:
        return reject(N_("submitted on the node after the registration closed"))
    for attachment in content.get("attachments") or []:
        sha = str(attachment.get("sha256", ""))
        try:
            present = blobs.exists(sha)
        except ValueError:
            return reject(N_("attachment %(sha)s is not a SHA-256 digest"), sha=sha[:16])
        if not present:
            return reject(
                N_("attachment %(sha)s… has not reached central; upload it first"), sha=sha[:12]
            )
    return _Valid(
        index,
        tenant_id,
        uuid,
        revision,
        digest,
        content,
        submitted_at,
        _stamp(submitted_at),
        competition_id,
        version_id,
        canonical.decode(),
    )


@dataclass
class Batch:
    """A batch checked and hashed, ready to write: one slot per item, filled for the items
    already refused, and the valid ones."""

    results: list[ItemResult | None]
    valid: list[_Valid]
    now: datetime


def prepare(items: list[Any], *, tenants: dict[str, int], blobs: BlobStore, source: str) -> Batch:
    """Check every item (the costly part: canonical form and hash). Only reads: a caller that
    runs this before opening its write transaction does this work without holding SQLite's
    write lock, so concurrent pushes overlap. The rows to insert are made here too."""
    now = utcnow()
    stamp = _stamp(now)
    lookups = _lookups()
    results: list[ItemResult | None] = [None] * len(items)
    valid: list[_Valid] = []
    for index, item in enumerate(items):
        outcome = (
            _validate(index, item, tenants, lookups, blobs)
            if isinstance(item, dict)
            else ItemResult("", 0, REJECTED, Reason(N_("an item must be an object")))
        )
        if isinstance(outcome, ItemResult):
            results[index] = outcome
        else:
            outcome.rows = _rows(outcome, stamp, source)
            valid.append(outcome)
    return Batch(results, valid, now)


def apply(batch: Batch) -> list[ItemResult]:
    """Write a prepared batch (in the caller's transaction); one result per item, in order."""
    results = list(batch.results)
    now = batch.now
    held = _held_proposals(batch.valid) if batch.valid else {}
    valid = _refuse_unwritable(batch.valid, held, results)
    if valid:
        inserted = _insert_revisions(valid)
        fresh, existing = [], []
        for v in valid:
            key = (v.tenant_id, v.uuid, v.revision)
            if key in inserted:
                inserted.discard(key)  # the same revision twice in a batch: the second is held
                fresh.append(v)
            else:
                existing.append(v)
        _settle_existing(existing, results)
        for v in fresh:
            results[v.index] = ItemResult(v.uuid, v.revision, ACCEPTED)
        if fresh:
            _apply_to_proposals(fresh, held, now)
            _write_rows(AuditLog.__table__, [v.rows["audit"] for v in fresh])
    return [r for r in results if r is not None]


def ingest(
    items: list[Any],
    *,
    tenants: dict[str, int],
    blobs: BlobStore,
    source: str,
) -> list[ItemResult]:
    """:func:`prepare` and :func:`apply` in one go (in the caller's transaction)."""
    return apply(prepare(items, tenants=tenants, blobs=blobs, source=source))


def rehearse() -> bool:
    """Take one made-up revision through :func:`prepare` and :func:`apply` and roll it back.

    Run once by ``sinovik central serve``'s master before it forks (see ``shared.server``):
    the batch statements are compiled and cached there, so no worker's first push pays for
    it (about 6 ms each, a tenth of a 500-item batch). Nothing is kept; True when the
    revision went all the way (a central without a tenant or a form yet has nothing to
    rehearse).
    """
    tenant = db.session.execute(sa.select(Tenant.id, Tenant.code).limit(1)).first()
    form = db.session.execute(
        sa.select(Competition.year, Competition.registration_closes_at, CompetitionVersion.number)
        .join(CompetitionVersion, CompetitionVersion.competition_id == Competition.id)
        .limit(1)
    ).first()
    if tenant is None or form is None:
        return False
    proposal_uuid, unit_uuid = str(uuid_mod.uuid4()), str(uuid_mod.uuid4())
    content = {
        "uuid": proposal_uuid,
        "tenant_code": tenant.code,
        "competition_year": form.year,
        "competition_version": form.number,
        "title": "rehearsal",
        "group_code": "rehearsal",
        "unit": {"uuid": unit_uuid, **dict.fromkeys(UNIT_FIELDS, "rehearsal")},
    }
    item = {
        "proposal_uuid": proposal_uuid,
        "revision": 1,
        "tenant_code": tenant.code,
        "content_hash": hashlib.sha256(_canonical(content)).hexdigest(),
        "submitted_at": form.registration_closes_at.isoformat(),
        "content": content,
    }
    try:
        with national_scope():
            results = ingest(
                [item], tenants={tenant.code: tenant.id}, blobs=blob_store(), source=""
            )
    finally:
        db.session.rollback()
    return results[0].status == ACCEPTED


def _held_proposals(valid: list[_Valid]) -> dict[str, tuple[int, int, int, bool]]:
    """Central's copies of the batch's proposals, whichever tenant holds them: uuid -> (id,
    tenant id, revision, under evaluation: screened or taken into a stage)."""
    uuids = list({v.uuid for v in valid})
    connection = db.session.connection()
    if connection.dialect.name == "postgresql":
        # Planned for this batch every time, never prepared: batches of one size would make
        # psycopg prepare the lookup, and PostgreSQL would keep the plan it chose while the
        # table was small (a scan of every proposal) as the table grew during a surge.
        driver = connection.connection.driver_connection
        rows = driver.execute(_HELD_SQL, (_PENDING, uuids), prepare=False).fetchall()
    else:  # a Core read: every tenant's rows
        table = Proposal.__table__
        rows = connection.execute(
            sa.select(
                table.c.uuid,
                table.c.id,
                table.c.tenant_id,
                table.c.revision,
                sa.or_(
                    table.c.screening_result != ScreeningResult.PENDING,
                    table.c.stage_code.is_not(None),
                ),
            ).where(table.c.uuid.in_(uuids))
        ).all()
    return {
        uuid: (pid, tenant, revision, bool(locked)) for uuid, pid, tenant, revision, locked in rows
    }


_HELD_SQL = (
    "SELECT uuid, id, tenant_id, revision, "
    "(screening_result <> %s OR stage_code IS NOT NULL) FROM proposal WHERE uuid = ANY(%s)"
)


def _refuse_unwritable(
    valid: list[_Valid],
    held: dict[str, tuple[int, int, int, bool]],
    results: list[ItemResult | None],
) -> list[_Valid]:
    """A uuid that central already holds under another tenant is not this node's to write; a
    new revision of a proposal the ministry has screened or taken into judging comes too
    late (the one it holds is the one being evaluated)."""
    kept = []
    for v in valid:
        found = held.get(v.uuid)
        if found is None:
            kept.append(v)
        elif found[1] != v.tenant_id:
            results[v.index] = ItemResult(
                v.uuid, v.revision, REJECTED, Reason(N_("this proposal belongs to another tenant"))
            )
        elif found[3] and v.revision > found[2]:
            results[v.index] = ItemResult(v.uuid, v.revision, REJECTED, Reason(UNDER_EVALUATION))
        else:
            kept.append(v)
    return kept


def _stamp(value: datetime) -> str:
    """A time as the JSON rows carry it: naive UTC, microseconds always written."""
    return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")


class _JsonText(str):
    """A JSON column's value that is already JSON text (stored as it is, never re-encoded)."""


def _write_rows(
    table: sa.Table,
    rows: list[dict[str, Any]],
    *,
    conflict: list[str] | None = None,
    returning: tuple[str, ...] = (),
) -> list[Any]:
    """Insert ``rows`` (ready values: times as :func:`_stamp` strings; the same keys in each;
    the rows are used up) with one statement; a :class:`_JsonText` goes in as the JSON text
    it is.

    With ``conflict``, a row whose key exists is skipped; the ``returning`` columns of the
    inserted rows come back. SQLite gets one ``executemany`` of plain tuples. PostgreSQL gets
    the rows as one JSON array unpacked by ``json_to_recordset``, except the JSON documents
    (``json`` columns, kept as text), which come beside it as a binary array of texts: the
    database parses the small values once and only checks the documents (not
    ``jsonb_to_recordset``: building the binary form first, its keys sorted, cost PostgreSQL
    30 µs per proposal row instead of 18). Either way SQLAlchemy processes no row. Nothing
    is checked first and inserted after: SQLite reads back the rows with an id above the
    largest one before the insert, which inside its single write transaction are exactly the
    rows this insert wrote; when every row went in (its count of changed rows says so) and
    the rows hold the columns asked for, they are the answer and nothing is read back.
    """
    names = tuple(rows[0])
    dialect = db.session.get_bind().dialect
    key = (table.name, names, tuple(conflict or ()), returning, dialect.name)
    prepared = _PREPARED.get(key)
    if prepared is None:
        prepared = _PREPARED[key] = _prepare_insert(table, names, conflict, returning, dialect)
    sql, order, json_columns = prepared
    connection = db.session.connection()
    if dialect.name == "postgresql":
        documents = [[_json_text(row.pop(name)) for row in rows] for name in order]
        payload = orjson.dumps(rows, default=_fragment, option=orjson.OPT_PASSTHROUGH_SUBCLASS)
        result = connection.exec_driver_sql(sql, (payload.decode(), *documents))
        return list(result) if returning else []
    for row in rows:
        for name in json_columns:
            row[name] = _json_text(row[name])
    before = 0
    if returning:
        before = db.session.execute(sa.select(sa.func.max(table.c.id))).scalar() or 0
    if len(order) > 1:
        tuples = list(map(operator.itemgetter(*order), rows))
    else:
        tuples = [(row[order[0]],) for row in rows]
    written = connection.exec_driver_sql(sql, tuples).rowcount
    if not returning:
        return []
    if written == len(rows) and all(n in names for n in returning):
        return [tuple(row[n] for n in returning) for row in rows]  # all went in, as they are
    return list(
        db.session.execute(sa.select(*(table.c[n] for n in returning)).where(table.c.id > before))
    )


def _json_text(value: Any) -> str:
    return str(value) if isinstance(value, _JsonText) else _json(value)


def _fragment(value: Any) -> Any:
    if isinstance(value, _JsonText):
        return orjson.Fragment(str(value))
    raise TypeError(type(value).__name__)


# The insert of each (table, columns, options): built once per process, not once per batch
# (compiling a 25-column insert cost about a millisecond, three or four times per batch).
_PREPARED: dict[tuple[Any, ...], tuple[str, list[str], set[str]]] = {}


def _prepare_insert(
    table: sa.Table,
    names: tuple[str, ...],
    conflict: list[str] | None,
    returning: tuple[str, ...],
    dialect: sa.Dialect,
) -> tuple[str, list[str], set[str]]:
    """The SQL text of :func:`_write_rows`'s insert with positional parameters, the columns
    that take them (SQLite: all, in their order; PostgreSQL: the documents, after the JSON
    rows) and the JSON columns."""
    json_columns = {n for n in names if isinstance(table.c[n].type, sa.JSON)}
    if dialect.name != "postgresql":
        insert = sqlite.insert(table).values({n: sa.bindparam(n) for n in names})
        if conflict:
            insert = insert.on_conflict_do_nothing(index_elements=conflict)
        compiled = insert.compile(dialect=dialect)
        return str(compiled), list(compiled.positiontup or ()), json_columns

    def pg_type(name: str) -> str:
        return table.c[name].type.compile(dialect=dialect)

    quote = dialect.identifier_preparer.quote
    documents = [n for n in names if n in json_columns and pg_type(n) == "JSON"]
    small = [n for n in names if n not in documents]
    fields = ", ".join(f"{quote(n)} {'JSONB' if n in json_columns else pg_type(n)}" for n in small)
    sources = [f"json_to_recordset(CAST(%s AS JSON)) AS ({fields})"]
    sources += ["unnest(%b::text[])"] * len(documents)
    columns = ", ".join(quote(n) for n in small + documents)
    values = [f"x.{quote(n)}" for n in small] + [f"CAST(x.{quote(n)} AS JSON)" for n in documents]
    sql = (
        f"INSERT INTO {quote(table.name)} ({columns}) SELECT {', '.join(values)} "
        f"FROM ROWS FROM ({', '.join(sources)}) AS x({columns})"
    )
    if conflict:
        sql += f" ON CONFLICT ({', '.join(quote(n) for n in conflict)}) DO NOTHING"
    if returning:
        sql += f" RETURNING {', '.join(quote(n) for n in returning)}"
    return sql, documents, json_columns


def _insert_revisions(valid: list[_Valid]) -> set[tuple[int, str, int]]:
    rows = [v.rows["revision"] for v in _unique(valid)]
    inserted = _write_rows(
        ProposalRevision.__table__,
        rows,
        conflict=["tenant_id", "proposal_uuid", "revision"],
        returning=("tenant_id", "proposal_uuid", "revision"),
    )
    return {tuple(row) for row in inserted}  # type: ignore[misc]


def _unique(valid: list[_Valid]) -> Iterable[_Valid]:
    """The same revision twice in one batch is inserted once (the second is a duplicate)."""
    seen: set[tuple[int, str, int]] = set()
    for v in valid:
        key = (v.tenant_id, v.uuid, v.revision)
        if key not in seen:
            seen.add(key)
            yield v


def _settle_existing(existing: list[_Valid], results: list[ItemResult | None]) -> None:
    if not existing:
        return
    table = ProposalRevision.__table__
    keys = {(v.tenant_id, v.uuid, v.revision) for v in existing}
    held = {
        (row.tenant_id, row.proposal_uuid, row.revision): row.content_hash
        for row in db.session.execute(
            sa.select(
                table.c.tenant_id, table.c.proposal_uuid, table.c.revision, table.c.content_hash
            ).where(  # the unique key's leading columns
                table.c.tenant_id.in_({k[0] for k in keys}),
                table.c.proposal_uuid.in_({k[1] for k in keys}),
            )
        )
    }
    for v in existing:
        digest = held.get((v.tenant_id, v.uuid, v.revision))
        if digest == v.digest:
            results[v.index] = ItemResult(v.uuid, v.revision, DUPLICATE)
        else:
            results[v.index] = ItemResult(
                v.uuid, v.revision, CONFLICT, _different_content(v.revision)
            )


def _different_content(revision: int) -> Reason:
    return Reason(
        N_(
            "central already holds revision %(revision)d of this proposal with different "
            "content; submit the change as a new revision"
        ),
        {"revision": revision},
    )


def _apply_to_proposals(
    fresh: list[_Valid], held: dict[str, tuple[int, int, int, bool]], now: datetime
) -> None:
    """Move central's copy of each proposal (``held``: read in this transaction, before the
    batch's revisions) to the newest revision that arrived."""
    newest: dict[str, _Valid] = {}
    for v in fresh:
        if v.uuid not in newest or v.revision > newest[v.uuid].revision:
            newest[v.uuid] = v
    table = Proposal.__table__
    current = {uuid: (held[uuid][0], held[uuid][2]) for uuid in newest if uuid in held}
    units = _upsert_units(newest.values(), now)
    inserts, updates = [], []
    for uuid, v in newest.items():
        if uuid not in current:
            inserts.append(v)
        elif v.revision > current[uuid][1]:
            values = _proposal_values(v, units, now, v.submitted_at)
            updates.append({"b_id": current[uuid][0], **values})
    ids: dict[str, int] = _insert_proposals(inserts, units) if inserts else {}
    if updates:
        keys = [k for k in updates[0] if k != "b_id"]
        stmt = (
            sa.update(table)
            .where(table.c.id == sa.bindparam("b_id"))
            .values({k: sa.bindparam(k) for k in keys})
        )
        db.session.execute(stmt, updates)
        ids.update({uuid: current[uuid][0] for uuid in newest if uuid in current})
        att = Attachment.__table__
        db.session.execute(
            sa.delete(att).where(att.c.proposal_id.in_([u["b_id"] for u in updates]))
        )
    rows = [
        {
            "tenant_id": newest[uuid].tenant_id,
            "proposal_id": pid,
            "sha256": a["sha256"],
            "kind": a["kind"],
            "filename": a["filename"],
            "size": a["size"],
            "media_type": a["media_type"],
            "created_at": now,
        }
        for uuid, pid in ids.items()
        if uuid in newest and (newest[uuid].revision > current.get(uuid, (0, 0))[1])
        for a in newest[uuid].content.get("attachments") or []
    ]
    if rows:
        db.session.execute(sa.insert(Attachment.__table__), rows)


def _insert_proposals(inserts: list[_Valid], units: dict[str, int]) -> dict[str, int]:
    """Central's first copy of each proposal; uuid -> id when some have attachments to list
    (else nothing is read back)."""
    rows = []
    for v in inserts:
        row = v.rows["proposal"]
        row["unit_id"] = units.get((v.content.get("unit") or {}).get("uuid", ""))
        rows.append(row)
    if not any(v.content.get("attachments") for v in inserts):
        _write_rows(Proposal.__table__, rows)
        return {}
    written = _write_rows(Proposal.__table__, rows, returning=("uuid", "id"))
    return {uuid: pid for uuid, pid in written}


def _rows(v: _Valid, stamp: str, source: str) -> dict[str, dict[str, Any]]:
    """The rows a new revision writes (revision, proposal if it is the first, audit), with
    times as ``stamp`` strings and JSON columns as text; the unit is filled in at write."""
    proposal = _proposal_values(v, {}, stamp, v.submitted_stamp)
    start = proposal["implementation_start"]
    proposal.update(
        implementation_start=start.isoformat() if start else None,
        sdgs=_JsonText(_json(proposal["sdgs"])),
        sections=_HELD,
        uuid=v.uuid,
        tenant_id=v.tenant_id,
        created_at=stamp,
    )
    revision = {
        "tenant_id": v.tenant_id,
        "proposal_uuid": v.uuid,
        "revision": v.revision,
        "content_hash": v.digest,
        "submitted_at": v.submitted_stamp,
        "received_at": stamp,
        "content": _JsonText(v.text),
    }
    after = {
        "revision": v.revision,
        "content_hash": v.digest,
        "submitted_at": v.submitted_at.isoformat(),
    }
    audit = {
        "tenant_id": v.tenant_id,
        "at": stamp,
        "actor_name": source,
        "action": "proposal.received",
        "object_type": "Proposal",
        "object_id": v.uuid,
        "after": _JsonText(_json(after)),
        "remote_addr": "",
    }
    return {"proposal": proposal, "revision": revision, "audit": audit}


_HELD = _JsonText("null")  # a proposal row's sections: those of the revision it holds
_SUBMITTED = ProposalStatus.SUBMITTED.value
_PENDING = ScreeningResult.PENDING.value
_TEXTS = (  # content fields the proposal row holds as text, empty when absent
    "replicates_title",
    "category_code",
    "innovator",
    "contact_name",
    "contact_phone",
    "contact_email",
    "video_url",
)


def _proposal_values(
    v: _Valid, units: dict[str, int], now: datetime | str, submitted_at: datetime | str
) -> dict[str, Any]:
    """The proposal row's columns from a revision (times as given: datetimes or stamps)."""
    c = v.content
    unit = c.get("unit") or {}
    values = {name: c.get(name) for name in CONTENT_FIELDS}
    for name in _TEXTS:
        values[name] = c.get(name) or ""
    values.update(
        truth_declared=bool(c.get("truth_declared")),
        unit_id=units.get(unit.get("uuid", "")),
        competition_id=v.competition_id,
        competition_version_id=v.version_id,
        sdgs=list(c.get("sdgs") or []),
        sections=None,  # the revision's: stored once (see Proposal.sections)
        implementation_start=parse_date(c.get("implementation_start")),
        status=_SUBMITTED,
        revision=v.revision,
        submitted_revision=v.revision,
        content_hash=v.digest,
        submitted_at=submitted_at,
        received_at=now,
        screening_result=_PENDING,
        screening_reason="",
        updated_at=now,
    )
    return values


def _upsert_units(items: Iterable[_Valid], now: datetime) -> dict[str, int]:
    """Central's copy of each unit, by its uuid (made where the unit was registered)."""
    wanted: dict[str, tuple[int, dict[str, Any]]] = {}
    for v in items:
        unit = v.content.get("unit")
        if isinstance(unit, dict) and unit.get("uuid"):
            wanted[unit["uuid"]] = (v.tenant_id, unit)
    if not wanted:
        return {}
    table = Unit.__table__
    existing = {
        row.uuid: row
        for row in db.session.execute(sa.select(table).where(table.c.uuid.in_(wanted)))
    }
    new_rows = [
        {
            "uuid": uuid,
            "tenant_id": tenant_id,
            "created_at": now,
            "updated_at": now,
            "active": True,
            **{f: str(unit.get(f) or "") for f in UNIT_FIELDS},
        }
        for uuid, (tenant_id, unit) in wanted.items()
        if uuid not in existing
    ]
    ids = {uuid: row.id for uuid, row in existing.items()}
    if new_rows:
        # A name already used by another unit of the tenant keeps the proposal unit-less on
        # central rather than failing the batch.
        db.session.execute(insert_on_conflict(table).on_conflict_do_nothing(), new_rows)
        made = [row["uuid"] for row in new_rows]
        ids.update(
            db.session.execute(
                sa.select(table.c.uuid, table.c.id).where(table.c.uuid.in_(made))
            ).all()
        )
    changed = [
        {
            "b_id": row.id,
            "updated_at": now,
            **{f: str(wanted[uuid][1].get(f) or "") for f in UNIT_FIELDS},
        }
        for uuid, row in existing.items()
        if any(str(wanted[uuid][1].get(f) or "") != getattr(row, f) for f in UNIT_FIELDS)
    ]
    if changed:
        stmt = sa.update(table).where(table.c.id == sa.bindparam("b_id"))
        try:
            with db.session.begin_nested():
                db.session.execute(
                    stmt.values({k: sa.bindparam(k) for k in changed[0] if k != "b_id"}), changed
                )
        except sa.exc.IntegrityError:
            pass  # a rename onto another unit's name: keep central's copy as it was
    return ids
