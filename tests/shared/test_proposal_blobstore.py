"""The content-addressed store behind attachments."""

from __future__ import annotations

import hashlib
import io
import tracemalloc

import pytest

from shared.blobstore import BlobStore, BlobTooLarge
from shared.services.attachments import clean_filename, sniff_media_type
from tests.factories import JPEG_BYTES, PDF_BYTES, PNG_BYTES


def test_blobs_are_stored_once_under_their_sha256(tmp_path) -> None:
    store = BlobStore(tmp_path)
    first = store.put(PDF_BYTES)
    again = store.put_stream(io.BytesIO(PDF_BYTES))
    digest = hashlib.sha256(PDF_BYTES).hexdigest()
    assert first.sha256 == again.sha256 == digest and first.size == len(PDF_BYTES)
    assert store.path(digest) == tmp_path / digest[:2] / digest[2:4] / digest
    assert store.read(digest) == PDF_BYTES
    assert list(store.iter_digests()) == [digest]
    assert list((tmp_path / "tmp").iterdir()) == []  # no temporary file left


def test_too_large_streams_leave_nothing(tmp_path) -> None:
    store = BlobStore(tmp_path)
    with pytest.raises(BlobTooLarge):
        store.put_stream(io.BytesIO(b"x" * 200_000), max_bytes=100_000)
    assert list(store.iter_digests()) == []
    assert list((tmp_path / "tmp").iterdir()) == []


def test_a_failing_stream_leaves_nothing(tmp_path) -> None:
    class Broken(io.RawIOBase):
        calls = 0

        def read(self, size: int = -1) -> bytes:
            self.calls += 1
            if self.calls > 2:
                raise OSError("connection reset")
            return b"a" * 70_000

    store = BlobStore(tmp_path)
    with pytest.raises(OSError, match="connection reset"):
        store.put_stream(Broken())
    assert list(store.iter_digests()) == [] and list((tmp_path / "tmp").iterdir()) == []


def test_staged_blobs_are_kept_together_or_not_at_all(tmp_path) -> None:
    store = BlobStore(tmp_path)
    with store.staging() as staging:
        pdf = staging.add(io.BytesIO(PDF_BYTES))
        png = staging.add(io.BytesIO(PNG_BYTES))
        assert list(store.iter_digests()) == []  # aside, not yet in the store
        staging.keep()
    assert sorted(store.iter_digests()) == sorted([pdf.sha256, png.sha256])

    with pytest.raises(ValueError), store.staging() as staging:
        staging.add(io.BytesIO(JPEG_BYTES))
        raise ValueError("a later file did not match its name")
    assert not store.exists(hashlib.sha256(JPEG_BYTES).hexdigest())
    assert list((tmp_path / "tmp").iterdir()) == []


def test_staging_a_big_stream_holds_one_block_in_memory(tmp_path) -> None:
    class Big(io.RawIOBase):  # 64 MB, made as it is read
        left = 64 << 20

        def read(self, size: int = -1) -> bytes:
            size = self.left if size < 0 else min(size, self.left)
            self.left -= size
            return b"z" * size

    store = BlobStore(tmp_path)
    tracemalloc.start()
    try:
        with store.staging() as staging:
            blob = staging.add(Big())
            staging.keep()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert blob.size == 64 << 20 and store.exists(blob.sha256)
    assert peak < 1 << 20


def test_paths_accept_only_digests(tmp_path) -> None:
    with pytest.raises(ValueError):
        BlobStore(tmp_path).path("../../etc/passwd")


@pytest.mark.parametrize(
    ("head", "media_type"),
    [
        (PDF_BYTES, "application/pdf"),
        (PNG_BYTES, "image/png"),
        (JPEG_BYTES, "image/jpeg"),
        (b"GIF89a......", None),
        (b"\x89PNG\r\n", None),  # truncated signature
        (b"", None),
    ],
)
def test_type_is_sniffed_from_the_content(head, media_type) -> None:
    assert sniff_media_type(head[:16]) == media_type


def test_filenames_are_cleaned_for_display() -> None:
    assert clean_filename("C:\\Users\\budi\\SK Bupati.pdf") == "SK Bupati.pdf"
    assert clean_filename("../../etc/passwd") == "passwd"
    assert clean_filename("laporan\x00\n akhir.pdf") == "laporan akhir.pdf"
    assert clean_filename("   ") == "berkas"
