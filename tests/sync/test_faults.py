"""Sync survives a hostile network and crashes: everything on 127.0.0.1.

1. A thousand proposals pushed through :mod:`tests.sync.faultproxy` with a fifth of the
   connections dropped, cut, delayed, duplicated or reordered: the node syncs again until a
   run succeeds, and central then holds exactly what the node submitted.
2. The sync process is killed (SIGKILL) after some batches were acknowledged; a second run
   finishes the job.
3. Central (gunicorn, SQLite or PostgreSQL) is killed (SIGKILL) while it ingests; after a
   restart the node's next run finishes the job.

After each: every submitted revision is on central exactly once with the node's content hash,
central's copy of each proposal is at the node's latest revision with its attachments, every
attachment's bytes hash to their name and equal the node's, and the node's outbox holds only
acknowledged items.
"""

from __future__ import annotations

import copy
import hashlib
import os
import signal
import sqlite3
import subprocess
import sys
import time
import uuid as uuid_mod
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests
import sqlalchemy as sa
from click.testing import CliRunner
from flask import Flask

from shared import cli_support
from shared.blobstore import BlobStore, blob_store
from shared.cli import main
from shared.cli_support import app_context, free_port, make_app
from shared.config import write_instance_config
from shared.db import db
from shared.models.proposal import Attachment, Proposal, ProposalRevision
from shared.models.tenant import Tenant
from shared.models.unit import Unit
from shared.services.content import content_hash
from shared.tenancy import national_scope
from sync.loadgen import seed_submitted
from sync.models import NodeLink, OutboxItem, OutboxState
from tests.conftest import POSTGRES_URL, skip_or_fail
from tests.sync.conftest import Pair, sync_run
from tests.sync.faultproxy import FAULTS, FaultProxy

pytestmark = pytest.mark.slow

# Short timeouts and small requests, so a run makes many connections and a fault costs little
FAST_SYNC = {
    "SYNC_CONNECT_TIMEOUT": 1.0,
    "SYNC_READ_TIMEOUT": 0.5,
    "SYNC_ATTEMPTS": 3,
    "SYNC_BACKOFF_MAX": 0.05,
    "SYNC_BATCH_ITEMS": 25,
    "SYNC_BATCH_BYTES": 256 * 1024,
    "SYNC_CHUNK_BYTES": 768,
}


# -- seeding and checking (inside an app context with national scope) ---------------------


def seed(count: int, *, with_files: int, revised: int) -> list[str]:
    """``count`` submitted proposals on this node, the first ``with_files`` with an
    attachment; then ``revised`` of them (every other one among those with files, then
    others) submitted again as revision 2, half of those with an added attachment."""
    tenant = db.session.execute(sa.select(Tenant)).scalars().first()
    unit = db.session.execute(sa.select(Unit)).scalars().first()
    assert tenant is not None
    uuids = seed_submitted(tenant, unit, with_files, attachments_per_proposal=1)
    uuids += seed_submitted(tenant, unit, count - with_files)
    chosen = uuids[:with_files:2] + uuids[with_files : with_files + revised]
    add_second_revisions(chosen[:revised])
    return uuids


def add_second_revisions(uuids: list[str]) -> None:
    """Submit each proposal again as revision 2 (a new title; every other one with one more
    attachment), as the node's submit leaves it: frozen revision, proposal row, outbox item."""
    store = blob_store()
    for n, uuid in enumerate(uuids):
        proposal = db.session.execute(sa.select(Proposal).where(Proposal.uuid == uuid)).scalar_one()
        first = db.session.execute(
            sa.select(ProposalRevision).where(
                ProposalRevision.proposal_uuid == uuid, ProposalRevision.revision == 1
            )
        ).scalar_one()
        content = copy.deepcopy(first.content)
        content["title"] = f"{content['title']} (revisi)"
        if n % 2 == 0:
            blob = store.put(f"{uuid}:revisi:".encode() + b"%PDF-1.4 revisi\n" * 50)
            added = {
                "sha256": blob.sha256,
                "kind": "document",
                "filename": "lampiran-revisi.pdf",
                "size": blob.size,
                "media_type": "application/pdf",
            }
            content["attachments"] = sorted(
                [*content["attachments"], added],
                key=lambda a: (a["kind"], a["sha256"], a["filename"]),
            )
            db.session.add(
                Attachment(tenant_id=proposal.tenant_id, proposal_id=proposal.id, **added)
            )
        digest = content_hash(content)
        db.session.add(
            ProposalRevision(
                tenant_id=proposal.tenant_id,
                proposal_uuid=uuid,
                revision=2,
                content=content,
                content_hash=digest,
                submitted_at=first.submitted_at,
                received_at=first.submitted_at,
            )
        )
        proposal.title = content["title"]
        proposal.revision = proposal.submitted_revision = 2
        proposal.content_hash = digest
        db.session.add(
            OutboxItem(
                tenant_id=proposal.tenant_id,
                proposal_uuid=uuid,
                revision=2,
                content_hash=digest,
                state=OutboxState.PENDING,
            )
        )
    db.session.commit()


@dataclass
class Snapshot:
    revisions: list[tuple[str, int, str]]  # every revision row, sorted (duplicates show)
    proposals: list[tuple[str, int, str]]  # uuid, revision, content hash of each proposal row
    attachments: dict[str, list[str]]  # proposal uuid -> sorted attachment digests
    blob_dir: str
    outbox: dict[str, int]


def snapshot() -> Snapshot:
    revisions = sorted(
        tuple(r)
        for r in db.session.execute(
            sa.select(
                ProposalRevision.proposal_uuid,
                ProposalRevision.revision,
                ProposalRevision.content_hash,
            )
        )
    )
    proposals = sorted(
        tuple(r)
        for r in db.session.execute(
            sa.select(Proposal.uuid, Proposal.revision, Proposal.content_hash)
        )
    )
    attachments: dict[str, list[str]] = {}
    for uuid, sha in db.session.execute(
        sa.select(Proposal.uuid, Attachment.sha256).join(
            Attachment, Attachment.proposal_id == Proposal.id
        )
    ):
        attachments.setdefault(uuid, []).append(sha)
    outbox = {
        str(state): n
        for state, n in db.session.execute(
            sa.select(OutboxItem.state, sa.func.count()).group_by(OutboxItem.state)
        )
    }
    return Snapshot(
        revisions,
        proposals,
        {u: sorted(s) for u, s in attachments.items()},
        str(Path(blob_store().root)),
        outbox,
    )


def latest_attachments() -> dict[str, list[str]]:
    """The attachments of each proposal's latest submitted revision, as frozen on the node."""
    newest: dict[str, tuple[int, list[str]]] = {}
    for uuid, revision, content in db.session.execute(
        sa.select(
            ProposalRevision.proposal_uuid, ProposalRevision.revision, ProposalRevision.content
        )
    ):
        if revision > newest.get(uuid, (0, []))[0]:
            newest[uuid] = (revision, sorted(a["sha256"] for a in content["attachments"]))
    return {u: shas for u, (_, shas) in newest.items() if shas}


def assert_converged(node: Snapshot, node_files: dict[str, list[str]], central: Snapshot) -> None:
    assert central.revisions == node.revisions  # each revision once, same content
    assert central.proposals == node.proposals  # at the latest revision
    assert central.attachments == node_files
    node_store, central_store = BlobStore(node.blob_dir), BlobStore(central.blob_dir)
    for sha in {s for shas in node_files.values() for s in shas}:
        held = central_store.read(sha)
        assert hashlib.sha256(held).hexdigest() == sha
        assert held == node_store.read(sha)
    assert node.outbox == {"acked": len(node.revisions)}


def in_app(app: Flask, fn: Callable[[], Any], *, dispose: bool = False) -> Any:
    with app.app_context(), national_scope():
        try:
            return fn()
        finally:
            db.session.remove()
            if dispose:
                db.engine.dispose()


def check(node_app: Flask, central_app: Flask) -> None:
    node_snap = in_app(node_app, snapshot)
    node_files = in_app(node_app, latest_attachments)
    assert_converged(node_snap, node_files, in_app(central_app, snapshot))


# -- 1. a hostile network ------------------------------------------------------------------


def test_a_thousand_proposals_arrive_once_through_a_faulty_network(pair: Pair) -> None:
    pair.connect()
    pair.node.config.update(FAST_SYNC)
    uuids = pair.on_node(lambda: seed(1000, with_files=60, revised=60))
    assert len(uuids) == 1000
    delay = FAST_SYNC["SYNC_READ_TIMEOUT"] + 0.25
    with FaultProxy(pair.central.url, rate=0.2, seed=20261129, delay=delay, hold=delay) as proxy:

        def _through_proxy():
            db.session.execute(sa.update(NodeLink).values(central_url=proxy.url))

        pair.on_node(_through_proxy)
        for _ in range(40):  # what a scheduled sync does: try again later
            report = sync_run(pair)
            if report.ok:
                break
        counts = dict(proxy.counts)
    assert report.ok, report.failure_lines()
    assert set(FAULTS) <= set(counts), counts
    check(pair.node, pair.central.app)


# -- real processes: central under gunicorn, the node's sync as `python -m shared` --------

TENANT = ("33.20", "Kabupaten Jepara")
SUBPROCESS_SYNC = {**FAST_SYNC, "SYNC_READ_TIMEOUT": 10.0, "SYNC_BATCH_ITEMS": 10}


def cli(*args: str, input: str | None = None) -> str:
    """A `sinovik` command in this process; the apps it made close their connections."""
    apps: list[Flask] = []
    real_make_app = cli_support.make_app

    def _make_app(*a: Any, **kw: Any) -> Flask:
        apps.append(real_make_app(*a, **kw))
        return apps[-1]

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(cli_support, "make_app", _make_app)
        result = CliRunner().invoke(main, list(args), input=input, catch_exceptions=False)
    for app in apps:
        in_app(app, lambda: None, dispose=True)
    assert result.exit_code == 0, result.output
    return result.output


@dataclass
class Central:
    instance: Path
    port: int
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        with (self.instance / "server.log").open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "shared", "central", "serve"]
                + ["--instance", str(self.instance), "--port", str(self.port), "--workers", "1"],
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: SIGKILL reaches every worker
            )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            assert self.process.poll() is None, (self.instance / "server.log").read_text()[-3000:]
            try:
                requests.get(self.url + "/login", timeout=1)
                return
            except requests.RequestException:
                time.sleep(0.1)
        raise AssertionError("central did not start")

    def kill(self) -> None:
        """kill -9 of the whole server (gunicorn's master and its workers)."""
        assert self.process is not None
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)


@dataclass
class Deployment:
    central: Central
    node: Path

    def sync(self, *args: str) -> subprocess.Popen[bytes]:
        return subprocess.Popen(
            [sys.executable, "-m", "shared", "sync", "run", "--instance", str(self.node), *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )

    def sync_until_ok(self, rounds: int = 5) -> None:
        for _ in range(rounds):
            process = self.sync()
            output, _ = process.communicate(timeout=120)
            if process.returncode == 0:
                return
        raise AssertionError(f"sync kept failing: {output.decode()[-3000:]}")

    def outbox(self) -> dict[str, int]:
        """The node's outbox states, read while the sync process may be writing."""
        with sqlite3.connect(self.node / "sinovik.db", timeout=10) as conn:
            return dict(
                conn.execute("SELECT state, count(*) FROM outbox_item GROUP BY state").fetchall()
            )

    def check(self) -> None:
        node_app = make_app("regional", self.node)
        central_app = make_app("central", self.central.instance)
        try:
            check(node_app, central_app)
        finally:
            for app in (node_app, central_app):
                in_app(app, lambda: None, dispose=True)


@contextmanager
def database(backend: str) -> Iterator[str | None]:
    """None for SQLite in the instance folder, else the URL of a fresh PostgreSQL database."""
    if backend == "sqlite":
        yield None
        return
    if not POSTGRES_URL:
        skip_or_fail(
            "PostgreSQL tests skipped: set SINOVIK_TEST_POSTGRES_URL", "SINOVIK_REQUIRE_POSTGRES"
        )
    admin_url = sa.make_url(POSTGRES_URL).set(drivername="postgresql+psycopg")
    name = f"sinovik_fault_{uuid_mod.uuid4().hex[:10]}"
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield admin_url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


@contextmanager
def deployment(tmp_path: Path, backend: str, proposals: int) -> Iterator[Deployment]:
    """Central and a connected node set up as an operator would, with ``proposals`` waiting
    in the node's outbox; central is running."""
    code, name = TENANT
    central_dir, node_dir = tmp_path / "central", tmp_path / "node"
    with database(backend) as url:
        cli(
            "central",
            "init",
            "--instance",
            str(central_dir),
            *(["--database-url", url] if url else []),
        )
        cli(
            "central",
            "add-tenant",
            "--instance",
            str(central_dir),
            "--code",
            code,
            "--name",
            name,
            "--kind",
            "kabupaten",
        )
        issued = cli(
            "central", "issue-node-credentials", "--instance", str(central_dir), "--tenant", code
        )
        node_id = issued.split("node id:")[1].split()[0]
        secret = issued.split("secret:")[1].split()[0]
        central = Central(central_dir, free_port())
        central.start()
        try:
            cli(
                "regional",
                "init",
                "--instance",
                str(node_dir),
                "--tenant",
                code,
                "--tenant-name",
                name,
            )
            cli(
                "regional",
                "connect",
                "--instance",
                str(node_dir),
                "--central-url",
                central.url,
                "--node-id",
                node_id,
                input=secret + "\n",
            )
            write_instance_config(node_dir, SUBPROCESS_SYNC)
            with app_context("regional", node_dir):
                seed(proposals, with_files=proposals // 10, revised=proposals // 10)
                db.engine.dispose()
            yield Deployment(central, node_dir)
        finally:
            central.stop()


def wait_for(condition: Callable[[], bool], what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.02)


# -- 2. the node's sync killed mid-batch -----------------------------------------------------


def test_a_sync_killed_mid_batch_finishes_on_the_next_run(tmp_path: Path) -> None:
    with deployment(tmp_path, "sqlite", 300) as dep:
        sync = dep.sync()
        try:
            wait_for(
                lambda: dep.outbox().get("acked", 0) >= 60 and dep.outbox().get("in_flight", 0),
                "a batch in flight after some were acknowledged",
            )
        finally:
            sync.send_signal(signal.SIGKILL)
            sync.communicate(timeout=10)
        left = dep.outbox()
        assert left.get("acked", 0) < 330 and left.get("pending", 0) + left.get("in_flight", 0)
        dep.sync_until_ok()
        dep.check()


# -- 3. central killed mid-ingest -------------------------------------------------------------


@pytest.mark.parametrize(
    "backend", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def test_central_killed_mid_ingest_takes_the_rest_after_a_restart(
    tmp_path: Path, backend: str
) -> None:
    with deployment(tmp_path, backend, 300) as dep:
        sync = dep.sync()
        try:
            wait_for(
                lambda: dep.outbox().get("acked", 0) >= 60 and dep.outbox().get("in_flight", 0),
                "a batch in flight after some were acknowledged",
            )
            dep.central.kill()
            sync.communicate(timeout=120)
        finally:
            if sync.poll() is None:
                sync.kill()
                sync.communicate(timeout=10)
        assert sync.returncode != 0  # the run saw central go away
        left = dep.outbox()
        assert left.get("pending", 0) + left.get("in_flight", 0)
        dep.central.start()
        dep.sync_until_ok()
        dep.check()
