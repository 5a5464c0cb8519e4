"""Sneakernet: signed zip bundles for nodes without a link (a USB stick each way).

A proposals bundle (node -> central) holds ``manifest.json`` (schema, node id, the pending
items exactly as a push sends them, and the attachment digests), ``blobs/<sha256>`` and
``signature`` (HMAC under the node key over the manifest). Central checks the signature and
every blob's hash, then applies the items with :func:`sync.ingest.ingest`: the same code as
an online push, so importing twice, or after a push, changes nothing. A file larger than
central accepts is not kept, as its upload would be refused: the proposals naming it are
rejected as having an attachment that has not arrived, the others go through.

A results bundle (central -> node) holds the tenant's visible feed events, the revisions
central holds (so the node can acknowledge its outbox) and one signature per active node of
the tenant. The node applies the events with :func:`sync.pull.apply_events` (once each).
"""

from __future__ import annotations

import contextlib
import hmac
import json
import zipfile
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

import sqlalchemy as sa
from flask import current_app

from shared.blobstore import BlobTooLarge, Staging, blob_store
from shared.db import db, utcnow
from shared.models.proposal import ProposalRevision
from shared.models.tenant import Tenant
from shared.services import ServiceError
from shared.text import format_size
from sync import changes, credentials, ingest
from sync.models import OutboxItem, OutboxState, SyncNode
from sync.protocol import SCHEMA_VERSION, blob_max_bytes, bundle_signature
from sync.reasons import N_, Reason

MANIFEST = "manifest.json"
SIGNATURE = "signature"
# why central keeps no copy of a bundle's file (its upload would be refused the same way)
_TOO_LARGE = N_("attachment %(name)s (%(sha)s…) is larger than central accepts (%(limit)d bytes)")


def _dump(manifest: dict[str, Any]) -> bytes:
    return json.dumps(manifest, separators=(",", ":"), ensure_ascii=False).encode()


def _write(out: Path, raw: bytes, signature: str, blobs: list[str] | None = None) -> None:
    """Write the zip next to ``out`` and rename it into place (never a half-written bundle;
    on failure, e.g. a USB stick that is not mounted or is full, nothing is left behind)."""
    tmp = out.with_suffix(out.suffix + ".tmp")
    store = blob_store()
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zf:
            zf.writestr(MANIFEST, raw)
            zf.writestr(SIGNATURE, signature)
            for sha in blobs or []:
                zf.write(store.path(sha), f"blobs/{sha}")
        tmp.replace(out)
    except OSError as err:
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)
        raise ServiceError(f"cannot write {out}: {err.strerror or err}") from None


@dataclass(frozen=True)
class BundleLimits:
    """How large a bundle is read at all (see :func:`bundle_limits`)."""

    manifest_bytes: int  # SYNC_BUNDLE_MAX_MANIFEST_BYTES: the manifest is read whole
    total_bytes: int  # SYNC_BUNDLE_MAX_BYTES: every member unpacked, the manifest included
    files: int  # SYNC_BUNDLE_MAX_FILES: members of the zip, the manifest included


def bundle_limits(config: Mapping[str, Any]) -> BundleLimits:
    """The bounds a bundle must keep to be read: each setting, else derived from the limits
    an online push meets. A manifest is read whole, as a push's body is (at most
    ``MAX_CONTENT_LENGTH``); a bundle may hold ten files for each item a push may carry
    (``SYNC_MAX_ITEMS``) and unpack to its manifest and a hundred files of the largest size
    central keeps (:func:`sync.protocol.blob_max_bytes`)."""
    manifest = int(config.get("SYNC_BUNDLE_MAX_MANIFEST_BYTES") or config["MAX_CONTENT_LENGTH"])
    return BundleLimits(
        manifest_bytes=manifest,
        total_bytes=int(
            config.get("SYNC_BUNDLE_MAX_BYTES") or manifest + 100 * blob_max_bytes(config)
        ),
        files=int(
            config.get("SYNC_BUNDLE_MAX_FILES") or 10 * int(config.get("SYNC_MAX_ITEMS", 2000))
        ),
    )


def _over(figure: str, setting: str, limit: str) -> ServiceError:
    """A bundle refused whole for a bound: its figure, the limit and the setting to raise."""
    return ServiceError(
        f"{figure}, more than {setting} allows ({limit}). Nothing was imported; raise "
        f"{setting} to import it."
    )


def _check_bounds(zf: zipfile.ZipFile, limits: BundleLimits) -> None:
    """Refuse a bundle over a bound from its zip directory alone, before a member is read.
    The sizes it declares bound what is read: zipfile hands out no more of a member than
    its declared size (and then fails its checksum)."""
    members = zf.infolist()
    if len(members) > limits.files:
        raise _over(
            f"The bundle holds {len(members):,} files", "SYNC_BUNDLE_MAX_FILES", f"{limits.files:,}"
        )
    total = sum(info.file_size for info in members)
    if total > limits.total_bytes:
        raise _over(
            f"The bundle unpacks to {total:,} bytes ({format_size(total)})",
            "SYNC_BUNDLE_MAX_BYTES",
            f"{limits.total_bytes:,} bytes",
        )
    manifest = zf.getinfo(MANIFEST).file_size  # (KeyError: not a bundle)
    if manifest > limits.manifest_bytes:
        raise _over(
            f"The bundle's {MANIFEST} unpacks to {manifest:,} bytes ({format_size(manifest)})",
            "SYNC_BUNDLE_MAX_MANIFEST_BYTES",
            f"{limits.manifest_bytes:,} bytes",
        )


def _contents(zf: zipfile.ZipFile, limits: BundleLimits) -> tuple[bytes, Any, str]:
    """The manifest (raw and decoded) and the signature, once the zip's directory shows the
    bundle within ``limits``. The manifest is read up to its limit and no further: its
    declared size is trusted no more than a file's."""
    _check_bounds(zf, limits)
    with zf.open(MANIFEST) as data:
        raw = data.read(limits.manifest_bytes + 1)
    if len(raw) > limits.manifest_bytes:
        raise _over(
            f"The bundle's {MANIFEST} unpacks past its declared size",
            "SYNC_BUNDLE_MAX_MANIFEST_BYTES",
            f"{limits.manifest_bytes:,} bytes",
        )
    return raw, json.loads(raw), zf.read(SIGNATURE).decode().strip()


_NOT_A_BUNDLE = (zipfile.BadZipFile, zlib.error, KeyError, ValueError, UnicodeDecodeError)


def _read(path: Path) -> tuple[zipfile.ZipFile, bytes, dict[str, Any], str]:
    """The bundle's zip (open), manifest (raw and decoded) and signature; a bundle over one
    of :func:`bundle_limits` is refused before any of it is read."""
    try:
        zf = zipfile.ZipFile(path)
    except _NOT_A_BUNDLE:
        raise ServiceError(f"{path} is not a SINOVIK sync bundle.") from None
    try:
        try:
            raw, manifest, sig = _contents(zf, bundle_limits(current_app.config))
        except _NOT_A_BUNDLE:
            raise ServiceError(f"{path} is not a SINOVIK sync bundle.") from None
        if not isinstance(manifest, dict):
            raise ServiceError(f"{path} is not a SINOVIK sync bundle.")
        if manifest.get("schema") != SCHEMA_VERSION:
            raise ServiceError(
                f"The bundle has schema version {manifest.get('schema')}; this program speaks "
                f"{SCHEMA_VERSION}. Upgrade the older side."
            )
    except BaseException:
        zf.close()
        raise
    return zf, raw, manifest, sig


class _Unreadable(Exception):
    """A bundle member could not be read back as it was written."""


class _Member:
    """A bundle member's stream whose read errors (a bad checksum, data that does not
    decompress, an I/O error on the stick) tell themselves apart from the store's."""

    def __init__(self, data: BinaryIO) -> None:
        self.data = data

    def read(self, size: int = -1, /) -> bytes:
        try:
            return self.data.read(size)
        except (zipfile.BadZipFile, zlib.error, OSError, EOFError) as err:
            raise _Unreadable(str(err)) from err


class _TooLarge(Exception):
    """A bundle member is larger than central accepts."""


def _stage_member(staging: Staging, zf: zipfile.ZipFile, name: str, max_bytes: int) -> str | None:
    """Copy a member aside into the blob store; its SHA-256, None when it is absent or
    unreadable (nothing of it is left then). Raises :class:`_TooLarge` past ``max_bytes``:
    before reading when the zip declares more, else once that much has been read (a
    declared size can lie, and a zip bomb must not fill the disk)."""
    try:
        info = zf.getinfo(name)
    except KeyError:
        return None
    if info.file_size > max_bytes:
        raise _TooLarge
    try:
        data = zf.open(info)
    except (zipfile.BadZipFile, OSError):
        return None
    with data:
        try:
            return staging.add(_Member(data), max_bytes=max_bytes).sha256
        except _Unreadable:
            return None
        except BlobTooLarge:
            raise _TooLarge from None


# -- node -> central ------------------------------------------------------------------------


def export_proposals(out: Path) -> dict[str, int]:
    """Bundle every pending or in-flight revision with its attachments (node side)."""
    from sync import node
    from sync.push import pending_items

    link = node.require_link()
    key = node.key()
    items = pending_items()
    digests = sorted({d for item in items for d in item.digests})
    store = blob_store()
    absent = [d for d in digests if not store.exists(d)]
    if absent:
        raise ServiceError(f"Attachment {absent[0][:12]}… is missing from this node's files.")
    manifest = {
        "schema": SCHEMA_VERSION,
        "kind": "proposals",
        "node_id": link.node_id,
        "created_at": utcnow().isoformat(),
        "items": [json.loads(item.body) for item in items],
        "blobs": digests,
    }
    raw = _dump(manifest)
    _write(out, raw, bundle_signature(key, raw), digests)
    return {"items": len(items), "blobs": len(digests)}


@dataclass(frozen=True)
class RefusedFile:
    """A file of a bundle that central did not keep (see :func:`import_proposals`)."""

    sha256: str
    why: Reason

    def as_dict(self) -> dict[str, Any]:
        return {"sha256": self.sha256, "reason": str(self.why), "message": self.why.as_dict()}


@dataclass(frozen=True)
class BundleImport:
    """What a bundle's import did: one result per item, and the files it did not keep."""

    results: list[ingest.ItemResult]
    refused: list[RefusedFile]


def import_proposals(path: Path) -> BundleImport:
    """Apply a node's bundle on central (signature and hashes checked first). Exactly an
    online push: a file larger than central accepts is not kept, and the proposals naming it
    are rejected as an attachment that has not arrived; the others go through."""
    zf, raw, manifest, sig = _read(path)
    with zf:
        if manifest.get("kind") != "proposals":
            raise ServiceError("This is not a proposals bundle.")
        node = db.session.get(SyncNode, str(manifest.get("node_id")))
        if node is None:
            raise ServiceError(f"Unknown node {manifest.get('node_id')}.")
        if not hmac.compare_digest(bundle_signature(node.key, raw), sig):
            raise ServiceError("The bundle's signature does not match its node's key.")
        if node.revoked_at is not None:
            raise ServiceError(f"Node {node.id} was revoked; its bundles are refused.")
        items = manifest.get("items", [])
        refused = _store_blobs(zf, [str(sha) for sha in manifest.get("blobs", [])], items)
        results = ingest.ingest(
            items,
            tenants=credentials.tenants_of(node.id),
            blobs=blob_store(),
            source=f"bundle from node {node.id}",
        )
    node.last_push_at = utcnow()
    # counted as an online push counts them (the nodes panel's "proposals pushed")
    accepted = sum(1 for r in results if r.status == ingest.ACCEPTED)
    node.pushed_total = SyncNode.pushed_total + accepted  # in SQL: pushes add up
    db.session.commit()
    return BundleImport(results, refused)


def _store_blobs(zf: zipfile.ZipFile, digests: list[str], items: Any) -> list[RefusedFile]:
    """Keep the bundle's files central lacks; the files it refuses as too large. Each is
    read once, hashed while it is copied aside in the blob store, and all are kept only once
    every one matches its name: a damaged bundle leaves nothing behind."""
    store = blob_store()
    limit = blob_max_bytes(current_app.config)
    refused: list[str] = []
    try:
        with store.staging() as staging:
            for sha in dict.fromkeys(digests):
                if store.exists(sha):
                    continue
                try:
                    staged = _stage_member(staging, zf, f"blobs/{sha}", limit)
                except _TooLarge:
                    refused.append(sha)  # as an upload would be (sync.api.blob_chunk)
                    continue
                if staged != sha:
                    raise ServiceError(
                        f"The bundle is damaged: attachment {sha[:12]}… is missing or altered. "
                        "Nothing was imported; export the bundle again on the node."
                    )
            staging.keep()
    except OSError as err:  # the store's disk, not the bundle (its read errors are caught)
        raise ServiceError(
            f"Cannot store the bundle's attachments in {store.root}: {err.strerror or err}"
        ) from None
    names = _file_names(items) if refused else {}
    return [
        RefusedFile(
            sha,
            Reason(
                _TOO_LARGE,
                {"name": names.get(sha) or f"blobs/{sha}", "sha": sha[:12], "limit": limit},
            ),
        )
        for sha in refused
    ]


def _file_names(items: Any) -> dict[str, str]:
    """digest -> the file name the first proposal naming it gives it (for the operator)."""
    names: dict[str, str] = {}
    for item in items if isinstance(items, list) else ():
        content = item.get("content") if isinstance(item, dict) else None
        attachments = content.get("attachments") if isinstance(content, dict) else None
        for attachment in attachments if isinstance(attachments, list) else ():
            if isinstance(attachment, dict) and attachment.get("filename"):
                names.setdefault(str(attachment.get("sha256")), str(attachment["filename"]))
    return names


# -- central -> node ------------------------------------------------------------------------


def export_results(tenant: Tenant, out: Path) -> dict[str, int]:
    """The tenant's public results and central's holdings, signed for each of its nodes."""
    nodes = [n for n in credentials.nodes_of_tenant(tenant.id) if n.revoked_at is None]
    if not nodes:
        raise ServiceError(
            f"Tenant {tenant.code} has no active node: issue node credentials first."
        )
    events: list[dict[str, Any]] = []
    since = 0
    while True:
        page = changes.read([tenant.id], since, 1000)
        events += page.events
        since = page.scanned_to
        if not page.more:
            break
    held = [
        {"proposal_uuid": u, "revision": r, "content_hash": h}
        for u, r, h in db.session.execute(
            sa.select(
                ProposalRevision.proposal_uuid,
                ProposalRevision.revision,
                ProposalRevision.content_hash,
            )
            .where(ProposalRevision.tenant_id == tenant.id)
            .execution_options(national=True)
        )
    ]
    manifest = {
        "schema": SCHEMA_VERSION,
        "kind": "results",
        "tenant_code": tenant.code,
        "epoch": changes.epoch(),
        "created_at": utcnow().isoformat(),
        "events": events,
        "held": held,
    }
    raw = _dump(manifest)
    _write(out, raw, "\n".join(f"{n.id} {bundle_signature(n.key, raw)}" for n in nodes))
    db.session.commit()
    return {"events": len(events), "held": len(held)}


def import_results(path: Path) -> dict[str, int]:
    """Apply a results bundle on the node: events once each, acknowledgements by hash."""
    from sync import node
    from sync.pull import apply_events

    link = node.require_link()
    key = node.key()
    zf, raw, manifest, sig = _read(path)
    zf.close()
    if manifest.get("kind") != "results":
        raise ServiceError("This is not a results bundle.")
    mine = dict(line.split(" ", 1) for line in sig.splitlines() if " " in line).get(link.node_id)
    if mine is None or not hmac.compare_digest(bundle_signature(key, raw), mine):
        raise ServiceError("The bundle is not signed for this node.")
    applied = apply_events(str(manifest["epoch"]), manifest.get("events", []), {})
    held = {(h["proposal_uuid"], int(h["revision"])): h["content_hash"] for h in manifest["held"]}
    acked = conflicts = 0
    outstanding = db.session.execute(
        sa.select(OutboxItem).where(
            OutboxItem.state.in_((OutboxState.PENDING, OutboxState.IN_FLIGHT))
        )
    ).scalars()
    now = utcnow()
    for item in outstanding:
        digest = held.get((item.proposal_uuid, item.revision))
        if digest is None:
            continue
        if digest == item.content_hash:
            item.state, item.acked_at, item.last_error = OutboxState.ACKED, now, ""
            acked += 1
        else:
            item.state = OutboxState.REJECTED
            reason = Reason(N_("central holds this revision with different content"))
            item.last_error, item.last_message = str(reason), reason.as_dict()
            conflicts += 1
    db.session.commit()
    return {"applied": applied, "acked": acked, "conflicts": conflicts}
