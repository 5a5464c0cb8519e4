"""Content-addressed file store: bytes are kept once under their SHA-256.

Layout: ``<root>/ab/cd/abcd...`` (two levels of sharding keep directories small). A write
goes to a temporary file in ``<root>/tmp``, is flushed to disk and then renamed into place,
so a reader never sees a half-written blob and a crash leaves at most a stray temp file.
The same bytes uploaded twice are stored once. Several blobs can be copied aside first and
kept together, once all are checked (:class:`Staging`).
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Protocol

from flask import current_app

CHUNK = 64 * 1024
SHA256_RE = re.compile(r"^[0-9a-f]{64}$")


class Readable(Protocol):
    def read(self, size: int = -1, /) -> bytes: ...


class BlobTooLarge(Exception):
    """The stream is longer than the limit given to :meth:`BlobStore.put_stream`."""


@dataclass(frozen=True)
class StoredBlob:
    sha256: str
    size: int
    head: bytes  # the first bytes, for content sniffing


class BlobStore:
    """A folder of immutable blobs named by their SHA-256."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root)

    def path(self, sha256: str) -> Path:
        if not SHA256_RE.match(sha256):
            raise ValueError(f"not a SHA-256 hex digest: {sha256!r}")
        return self.root / sha256[:2] / sha256[2:4] / sha256

    def exists(self, sha256: str) -> bool:
        return self.path(sha256).is_file()

    def put(self, data: bytes) -> StoredBlob:
        """Store ``data``; returns its digest and size."""
        import io

        return self.put_stream(io.BytesIO(data))

    def put_stream(self, stream: Readable, *, max_bytes: int | None = None) -> StoredBlob:
        """Copy ``stream`` into the store, hashing as it goes; refuse past ``max_bytes``."""
        with self.staging() as staging:
            blob = staging.add(stream, max_bytes=max_bytes)
            staging.keep()
        return blob

    def staging(self) -> Staging:
        """Blobs to keep all at once or not at all (see :class:`Staging`)."""
        return Staging(self)

    def _stage(self, stream: Readable, max_bytes: int | None) -> tuple[StoredBlob, Path]:
        """Copy ``stream`` to a temporary file in the store, hashing as it goes, flushed to
        disk; the temporary file is gone again if this fails."""
        tmp_dir = self.root / "tmp"
        tmp_dir.mkdir(parents=True, exist_ok=True)
        digest = hashlib.sha256()
        size = 0
        head = b""
        fd, tmp_name = tempfile.mkstemp(dir=tmp_dir, prefix="upload-")
        tmp = Path(tmp_name)
        try:
            with os.fdopen(fd, "wb") as out:
                for chunk in iter(lambda: stream.read(CHUNK), b""):
                    size += len(chunk)
                    if max_bytes is not None and size > max_bytes:
                        raise BlobTooLarge(size)
                    if len(head) < 16:
                        head = (head + chunk)[:16]
                    digest.update(chunk)
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        return StoredBlob(digest.hexdigest(), size, head), tmp

    def _keep(self, sha256: str, tmp: Path) -> None:
        """Move a temporary file into place under its digest (dropped if the store already
        holds those bytes)."""
        final = self.path(sha256)
        if final.exists():
            tmp.unlink()
        else:
            final.parent.mkdir(parents=True, exist_ok=True)
            os.replace(tmp, final)
            _fsync_dir(final.parent)

    def open(self, sha256: str) -> BinaryIO:
        return self.path(sha256).open("rb")

    def read(self, sha256: str) -> bytes:
        return self.path(sha256).read_bytes()

    def iter_digests(self) -> Iterator[str]:
        """Every stored blob's digest (for backups and consistency checks)."""
        for path in self.root.glob("??/??/*"):
            if SHA256_RE.match(path.name):
                yield path.name


class Staging:
    """Blobs copied into the store's temporary folder and hashed, kept all at once by
    :meth:`keep`: what is not kept when the ``with`` block ends is deleted. A caller can
    check every digest before it keeps any file, reading each stream once."""

    def __init__(self, store: BlobStore) -> None:
        self.store = store
        self._waiting: deque[tuple[str, Path]] = deque()

    def add(self, stream: Readable, *, max_bytes: int | None = None) -> StoredBlob:
        """Copy ``stream`` aside (in blocks: memory stays bounded); refuse past ``max_bytes``."""
        blob, tmp = self.store._stage(stream, max_bytes)
        self._waiting.append((blob.sha256, tmp))
        return blob

    def keep(self) -> None:
        """Move every added blob into the store."""
        while self._waiting:
            sha256, tmp = self._waiting[0]
            self.store._keep(sha256, tmp)
            self._waiting.popleft()  # only once it is in place: else __exit__ deletes it

    def __enter__(self) -> Staging:
        return self

    def __exit__(self, *exc_info: object) -> None:
        for _, tmp in self._waiting:
            tmp.unlink(missing_ok=True)
        self._waiting.clear()


def _fsync_dir(folder: Path) -> None:
    """Make the rename durable (POSIX); harmless where directories cannot be opened."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def blob_store() -> BlobStore:
    """The store of the current app (``BLOB_DIR``)."""
    return BlobStore(current_app.config["BLOB_DIR"])
