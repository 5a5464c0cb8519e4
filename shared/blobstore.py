"""Content-addressed file store: bytes are kept once under their SHA-256.

Layout: ``<root>/ab/cd/abcd...`` (two levels of sharding keep directories small). A write
goes to a temporary file in ``<root>/tmp``, is flushed to disk and then renamed into place,
so a reader never sees a half-written blob and a crash leaves at most a stray temp file.
The same bytes uploaded twice are stored once.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
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
            sha = digest.hexdigest()
            final = self.path(sha)
            if final.exists():
                tmp.unlink()
            else:
                final.parent.mkdir(parents=True, exist_ok=True)
                os.replace(tmp, final)
                _fsync_dir(final.parent)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        return StoredBlob(sha, size, head)

    def open(self, sha256: str) -> BinaryIO:
        return self.path(sha256).open("rb")

    def read(self, sha256: str) -> bytes:
        return self.path(sha256).read_bytes()

    def iter_digests(self) -> Iterator[str]:
        """Every stored blob's digest (for backups and consistency checks)."""
        for path in self.root.glob("??/??/*"):
            if SHA256_RE.match(path.name):
                yield path.name


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
