"""Online backup and restore of a regional node: its SQLite database and its attachment store.

A backup is one uncompressed tar file (attachments are PDF/JPEG/PNG and barely compress):

    sinovik.db          a consistent copy taken with SQLite's online backup API
    blobs/...           the attachment store, same relative paths
    manifest.json       last: format, node kind, alembic revision, tenant codes, and the
                        SHA-256 and size of every member, so a restore can verify each byte

The copy is taken while the node keeps serving: in WAL mode readers and writers carry on,
and the backup API restarts by itself if a write lands during the copy. The attachment
store is content-addressed and only grows while proposals are written, so copying it after
the database snapshot includes every file the snapshot refers to.

A restore refuses an archive that is not a backup of this node (another format, node kind,
schema or set of tenants), verifies every member before touching anything, keeps a copy of
the database it replaces, then copies the backup into the live database with the same API
(safe for other connections) and upgrades the schema if the backup is older.
"""

from __future__ import annotations

import hashlib
import io
import json
import shutil
import sqlite3
import tarfile
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path, PurePosixPath

from alembic.config import Config
from alembic.script import ScriptDirectory
from alembic.util.exc import CommandError

FORMAT = "sinovik-regional-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
DB_MEMBER = "sinovik.db"
BLOB_PREFIX = "blobs/"
CHUNK = 1024 * 1024
PAGES_PER_STEP = 1024

Progress = Callable[[int], None]


class BackupError(Exception):
    """The backup or restore cannot go on; the message says why in one line."""


@dataclass
class Manifest:
    format: str
    format_version: int
    node_kind: str
    created_at: str
    sinovik_version: str
    alembic_revision: str
    tenant_codes: list[str]
    database: dict[str, int | str]  # {"sha256": ..., "size": ...}
    blobs: dict[str, dict[str, int | str]] = field(default_factory=dict)  # path -> sha/size
    counts: dict[str, int] = field(default_factory=dict)
    # attachments the database refers to whose file was not in the store when copied
    missing_files: list[str] = field(default_factory=list)

    @property
    def blob_bytes(self) -> int:
        return sum(int(b["size"]) for b in self.blobs.values())

    def to_json(self) -> bytes:
        return json.dumps(asdict(self), indent=2, sort_keys=True).encode()

    @classmethod
    def from_json(cls, raw: bytes) -> Manifest:
        try:
            data = json.loads(raw)
            return cls(**data)
        except (ValueError, TypeError) as err:
            raise BackupError(f"the backup's manifest is unreadable ({err})") from None


# -- reading a database file ------------------------------------------------------------------


def _connect(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(str(path), timeout=30, isolation_level=None)
    conn.execute("PRAGMA busy_timeout=30000")
    return conn


def describe_database(path: Path) -> tuple[str | None, list[str], dict[str, int]]:
    """(alembic revision, tenant codes, row counts) of a SQLite database file."""
    conn = _connect(path)
    try:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        revision = None
        if "alembic_version" in tables:
            row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
            revision = row[0] if row else None
        codes = (
            sorted(r[0] for r in conn.execute("SELECT code FROM tenant"))
            if "tenant" in tables
            else []
        )
        counts = {
            table: conn.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]
            for table in ("unit", "user_account", "proposal", "attachment")
            if table in tables
        }
        return revision, codes, counts
    except sqlite3.DatabaseError as err:
        raise BackupError(f"{path.name} is not a readable SQLite database ({err})") from None
    finally:
        conn.close()


def known_revision(revision: str, migrations_dir: str) -> bool:
    """Whether ``revision`` belongs to this version's migration chain."""
    config = Config()
    config.set_main_option("script_location", migrations_dir)
    try:
        return ScriptDirectory.from_config(config).get_revision(revision) is not None
    except CommandError:
        return False


def sqlite_path(database_uri: str) -> Path:
    """The file behind a ``sqlite:///`` URL; other databases have their own backup tools."""
    if not database_uri.startswith("sqlite:///"):
        raise BackupError(
            "backup and restore handle the SQLite database of a regional node; "
            "use the database's own tools (e.g. pg_dump) for others"
        )
    return Path(database_uri.removeprefix("sqlite:///"))


# -- backup -----------------------------------------------------------------------------------


def _copy_database(source: Path, target: Path, progress: Progress | None) -> None:
    """A consistent copy of a live database through SQLite's online backup API."""
    if not source.exists():
        raise BackupError(f"no database at {source}")
    src, dst = _connect(source), _connect(target)
    done = [0]

    def _step(status: int, remaining: int, total: int) -> None:
        if progress:
            copied = total - remaining
            progress(max(0, copied - done[0]))
            done[0] = copied

    try:
        src.backup(dst, pages=PAGES_PER_STEP, progress=_step, sleep=0)
        check = dst.execute("PRAGMA integrity_check").fetchone()[0]
        if check != "ok":
            raise BackupError(f"the database copy failed its integrity check: {check}")
    finally:
        dst.close()
        src.close()


def database_pages(path: Path) -> int:
    conn = _connect(path)
    try:
        return conn.execute("PRAGMA page_count").fetchone()[0]
    finally:
        conn.close()


def _blob_files(blob_dir: Path) -> Iterator[tuple[str, Path]]:
    """The store's files; ``tmp/`` holds uploads in progress and is left out."""
    if not blob_dir.is_dir():
        return
    for path in sorted(blob_dir.rglob("*")):
        relative = path.relative_to(blob_dir)
        if relative.parts[0] == "tmp" or not path.is_file() or path.name.startswith("."):
            continue
        yield BLOB_PREFIX + relative.as_posix(), path


def _referenced_files(db_file: Path) -> set[str]:
    """The SHA-256 of every attachment the database refers to."""
    conn = _connect(db_file)
    try:
        return {sha for (sha,) in conn.execute("SELECT DISTINCT sha256 FROM attachment")}
    except sqlite3.DatabaseError:
        return set()
    finally:
        conn.close()


class _HashingReader(io.RawIOBase):
    """Reads a file for tarfile while hashing what passes through."""

    def __init__(self, fh, progress: Progress | None) -> None:
        self.fh, self.progress = fh, progress
        self.digest = hashlib.sha256()

    def read(self, size: int = -1) -> bytes:
        data = self.fh.read(size)
        self.digest.update(data)
        if self.progress and data:
            self.progress(len(data))
        return data

    def readable(self) -> bool:
        return True


def _add_file(tar: tarfile.TarFile, name: str, path: Path, progress: Progress | None) -> dict:
    with path.open("rb") as fh:
        size = path.stat().st_size
        info = tarfile.TarInfo(name)
        info.size, info.mtime, info.mode = size, int(path.stat().st_mtime), 0o600
        reader = _HashingReader(fh, progress)
        tar.addfile(info, reader)
    return {"sha256": reader.digest.hexdigest(), "size": size}


def blob_bytes(blob_dir: Path) -> int:
    return sum(path.stat().st_size for _, path in _blob_files(blob_dir))


def create_backup(
    *,
    db_path: Path,
    blob_dir: Path,
    out: Path,
    db_progress: Progress | None = None,
    blob_progress: Progress | None = None,
) -> Manifest:
    """Write a backup of the node to ``out`` (atomically: a partial file is never left)."""
    out = out.resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=out.parent, prefix=".sinovik-backup-") as tmp:
        snapshot = Path(tmp) / DB_MEMBER
        _copy_database(db_path, snapshot, db_progress)
        revision, tenant_codes, counts = describe_database(snapshot)
        if revision is None:
            raise BackupError("the database has no schema revision: run `init` first")
        partial = Path(tmp) / "backup.tar"
        blobs: dict[str, dict] = {}
        with tarfile.open(partial, "w", format=tarfile.PAX_FORMAT) as tar:
            database = _add_file(tar, DB_MEMBER, snapshot, None)
            for name, path in _blob_files(blob_dir):
                try:
                    blobs[name] = _add_file(tar, name, path, blob_progress)
                except FileNotFoundError:
                    continue  # removed while we copied: the snapshot no longer refers to it
            stored = {PurePosixPath(name).name for name in blobs}
            missing = sorted(_referenced_files(snapshot) - stored)
            manifest = Manifest(
                format=FORMAT,
                format_version=FORMAT_VERSION,
                node_kind="regional",
                created_at=datetime.now(UTC).isoformat(timespec="seconds"),
                sinovik_version=version("sinovik"),
                alembic_revision=revision,
                tenant_codes=tenant_codes,
                database=database,
                blobs=blobs,
                counts=counts,
                missing_files=missing,
            )
            raw = manifest.to_json()
            info = tarfile.TarInfo(MANIFEST)
            info.size, info.mtime, info.mode = len(raw), int(datetime.now(UTC).timestamp()), 0o600
            tar.addfile(info, io.BytesIO(raw))
        partial.replace(out)
    return manifest


# -- restore ----------------------------------------------------------------------------------


def _open_archive(archive: Path) -> tarfile.TarFile:
    if not archive.is_file():
        raise BackupError(f"{archive} does not exist")
    try:
        return tarfile.open(archive, "r:")
    except tarfile.TarError:
        raise BackupError(f"{archive} is not a SINOVIK backup (not a backup archive)") from None


def read_manifest(archive: Path) -> Manifest:
    """The manifest of a backup file; refuses anything that is not a regional node backup."""
    with _open_archive(archive) as tar:
        try:
            member = tar.getmember(MANIFEST)
        except KeyError:
            raise BackupError(f"{archive} is not a SINOVIK backup (no manifest)") from None
        fh = tar.extractfile(member)
        manifest = Manifest.from_json(fh.read() if fh else b"")
    if manifest.format != FORMAT:
        raise BackupError(f"{archive} is not a SINOVIK regional backup ({manifest.format})")
    if manifest.format_version != FORMAT_VERSION:
        raise BackupError(
            f"backup format {manifest.format_version} is not supported by this version "
            f"(it reads format {FORMAT_VERSION})"
        )
    if manifest.node_kind != "regional":
        raise BackupError(f"this is a backup of a {manifest.node_kind} node, not a regional one")
    return manifest


def check_belongs_here(manifest: Manifest, *, node_tenants: list[str], migrations_dir: str) -> None:
    """Refuse a backup of another schema (unknown revision) or of other tenants."""
    if not known_revision(manifest.alembic_revision, migrations_dir):
        raise BackupError(
            f"the backup's schema revision {manifest.alembic_revision} is unknown to this "
            f"version of SINOVIK ({version('sinovik')}): it was made by another version; "
            "install that version or a newer one"
        )
    if sorted(manifest.tenant_codes) != sorted(node_tenants):
        raise BackupError(
            "the backup is of another node: it holds tenants "
            f"{', '.join(manifest.tenant_codes) or '(none)'}, this node hosts "
            f"{', '.join(sorted(node_tenants)) or '(none)'}"
        )


def _safe_member_path(root: Path, name: str) -> Path:
    pure = PurePosixPath(name)
    if pure.is_absolute() or ".." in pure.parts or not name.startswith(BLOB_PREFIX):
        raise BackupError(f"the backup holds an unexpected file {name!r}")
    return root.joinpath(*pure.parts[1:])


def _extract_verified(
    tar: tarfile.TarFile,
    member: tarfile.TarInfo,
    target: Path,
    expected: dict,
    progress: Progress | None,
) -> None:
    source = tar.extractfile(member) if member.isfile() else None
    if source is None:
        raise BackupError(f"the backup holds {member.name} as something other than a file")
    digest = hashlib.sha256()
    target.parent.mkdir(parents=True, exist_ok=True)
    with target.open("wb") as out:
        while chunk := source.read(CHUNK):
            digest.update(chunk)
            out.write(chunk)
            if progress:
                progress(len(chunk))
    if digest.hexdigest() != expected["sha256"]:
        raise BackupError(f"the backup is damaged: {member.name} does not match its checksum")


@dataclass
class Staged:
    """A backup unpacked and verified next to the instance, ready to be put in place."""

    manifest: Manifest
    folder: Path
    db_path: Path
    blobs: dict[str, Path]  # archive name -> staged file


def stage(archive: Path, manifest: Manifest, folder: Path, progress: Progress | None) -> Staged:
    """Unpack every member into ``folder`` (one pass), verify checksums and the database."""
    db_file = folder / DB_MEMBER
    blob_root = folder / "blobs"
    staged: dict[str, Path] = {}
    seen_db = False
    with _open_archive(archive) as tar:
        for member in tar:
            if member.name == MANIFEST:
                continue
            if member.name == DB_MEMBER:
                _extract_verified(tar, member, db_file, manifest.database, progress)
                seen_db = True
            elif member.name in manifest.blobs:
                target = _safe_member_path(blob_root, member.name)
                _extract_verified(tar, member, target, manifest.blobs[member.name], progress)
                staged[member.name] = target
            else:
                raise BackupError(f"the backup holds an unexpected file {member.name!r}")
    missing = [name for name in manifest.blobs if name not in staged]
    if not seen_db or missing:
        first = DB_MEMBER if not seen_db else missing[0]
        raise BackupError(f"the backup is incomplete: {first} is missing")
    conn = _connect(db_file)
    try:
        check = conn.execute("PRAGMA integrity_check").fetchone()[0]
    except sqlite3.DatabaseError as err:
        raise BackupError(f"the backup's database is unreadable ({err})") from None
    finally:
        conn.close()
    if check != "ok":
        raise BackupError(f"the backup's database failed its integrity check: {check}")
    revision, codes, _ = describe_database(db_file)
    if revision != manifest.alembic_revision or codes != sorted(manifest.tenant_codes):
        raise BackupError("the backup's database does not match its manifest")
    return Staged(manifest, folder, db_file, staged)


def keep_copy(db_path: Path, keep_dir: Path) -> Path | None:
    """Copy the database about to be replaced into ``keep_dir`` (online, consistent)."""
    if not db_path.exists():
        return None
    keep_dir.mkdir(parents=True, exist_ok=False)
    target = keep_dir / DB_MEMBER
    _copy_database(db_path, target, None)
    return target


def put_in_place(staged: Staged, *, db_path: Path, blob_dir: Path) -> int:
    """Copy the staged database into the live one and add the missing attachments.

    The attachment store is content-addressed, so files already present are the same bytes
    and stay; nothing in it is removed. Returns the number of attachment files added.
    """
    added = 0
    for name, source in staged.blobs.items():
        target = _safe_member_path(blob_dir, name)
        if target.exists():
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(source), str(target))
        added += 1
    src, dst = _connect(staged.db_path), _connect(db_path)
    try:
        src.backup(dst, pages=0, sleep=0)
        dst.execute("PRAGMA journal_mode=WAL")
    finally:
        dst.close()
        src.close()
    return added
