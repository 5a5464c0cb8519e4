"""Attachment uploads resume correctly whatever state a cut upload left on central."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa

from shared.blobstore import BlobStore
from shared.db import db
from shared.models.proposal import ProposalRevision
from tests.sync.conftest import Pair, sync_run


def _attachments(pair: Pair) -> list[str]:
    def _shas():
        contents = db.session.execute(sa.select(ProposalRevision.content)).scalars()
        return sorted(a["sha256"] for c in contents for a in c["attachments"])

    return pair.on_node(_shas)


def _partial(pair: Pair, sha: str) -> Path:
    return Path(pair.central.app.config["BLOB_DIR"]) / "partial" / pair.node_id / f"{sha}.part"


def test_an_upload_cut_after_its_last_byte_is_completed(pair: Pair) -> None:
    """Central died after writing the last chunk but before keeping the file: the next sync
    finishes that upload instead of pushing a proposal whose attachment central lacks."""
    pair.connect()
    pair.submitted(1)
    sha = _attachments(pair)[0]
    partial = _partial(pair, sha)
    partial.parent.mkdir(parents=True)
    partial.write_bytes(BlobStore(pair.node.config["BLOB_DIR"]).read(sha))

    report = sync_run(pair)

    assert report.ok, report.failure_lines()
    assert pair.outbox_states() == {"acked": 1}
    assert BlobStore(pair.central.app.config["BLOB_DIR"]).exists(sha)
    assert not partial.exists()


def test_an_overlong_partial_upload_is_started_over(pair: Pair) -> None:
    """Two writers once appended the same chunk: central drops the damaged part and the
    node uploads the file again from the start."""
    pair.connect()
    pair.submitted(1)
    sha = _attachments(pair)[0]
    data = BlobStore(pair.node.config["BLOB_DIR"]).read(sha)
    partial = _partial(pair, sha)
    partial.parent.mkdir(parents=True)
    partial.write_bytes(data + data[:100])

    report = sync_run(pair)

    assert report.ok, report.failure_lines()
    assert BlobStore(pair.central.app.config["BLOB_DIR"]).read(sha) == data
