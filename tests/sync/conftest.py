"""Two nodes for sync tests: central served over real HTTP on 127.0.0.1 (SQLite and, when
configured, PostgreSQL) and a regional node app (SQLite), connected with real credentials."""

from __future__ import annotations

import itertools
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from werkzeug.serving import make_server

from shared.db import db
from shared.models import ProposalStatus
from shared.models.proposal import Proposal, ProposalRevision
from shared.models.tenant import TenantKind
from shared.models.user import Role
from shared.services import proposals as proposal_service
from shared.tenancy import national_scope
from sync import credentials, node
from sync.models import OutboxItem
from tests.conftest import make_test_app
from tests.factories import Factory
from tests.proposal_support import complete_proposal, open_window

TENANT_CODE = "33.20"
WORDS = tuple(
    [
        "puskesmas",
        "keliling",
        "lansia",
        "posyandu",
        "sekolah",
        "pasar",
        "perizinan",
        "kependudukan",
        "air",
        "bersih",
        "sampah",
        "nelayan",
        "petani",
        "jalan",
        "desa",
        "bidan",
        "gizi",
        "stunting",
        "pajak",
        "retribusi",
        "perpustakaan",
        "ambulans",
        "banjir",
        "irigasi",
        "koperasi",
        "umkm",
        "wisata",
        "pelabuhan",
        "bandara",
        "terminal",
    ]
)


def distinct_title(n: int) -> str:
    """Titles that no near-duplicate rule mistakes for each other."""
    words = [WORDS[(n // len(WORDS) ** k) % len(WORDS)] for k in range(3)]
    return f"Layanan {' '.join(words)} nomor {n * 7919 % 100003}"


@dataclass
class Served:
    app: Flask
    url: str
    factory: Factory


@dataclass
class Pair:
    central: Served
    node: Flask
    node_factory: Factory
    tenant: Any  # on the node
    central_tenant: Any
    unit: Any
    admin: Any
    node_id: str = ""
    secret: str = ""
    _titles: Any = field(default_factory=lambda: itertools.count(1))

    def issue(self) -> tuple[str, str]:
        def _issue():
            t = db.session.get(type(self.central_tenant), self.central_tenant.id)
            issued = credentials.issue([t], actor=None)
            return issued.node.id, issued.secret

        self.node_id, self.secret = self.central.factory.run(_issue)
        return self.node_id, self.secret

    def connect(self, url: str | None = None) -> None:
        if not self.node_id:
            self.issue()
        self.node_factory.run(node.connect, url or self.central.url, self.node_id, self.secret)

    def submitted(self, count: int = 1, **overrides: Any) -> list[str]:
        """``count`` proposals written, verified and submitted on the node; their uuids."""
        uuids = []
        for _ in range(count):
            proposal = complete_proposal(
                self.node_factory,
                self.tenant,
                self.unit,
                status=ProposalStatus.VERIFIED,
                title=overrides.pop("title", None) or distinct_title(next(self._titles)),
                **overrides,
            )
            self.submit(proposal.uuid)
            uuids.append(proposal.uuid)
        return uuids

    def submit(self, uuid: str) -> None:
        def _submit():
            p = db.session.execute(sa.select(Proposal).where(Proposal.uuid == uuid)).scalar_one()
            admin = db.session.get(type(self.admin), self.admin.id)
            proposal_service.submit_proposal(p, actor=admin)

        self.node_factory.run(_submit)

    def on_central(self, fn, *args, **kwargs):
        return self.central.factory.run(fn, *args, **kwargs)

    def on_node(self, fn, *args, **kwargs):
        return self.node_factory.run(fn, *args, **kwargs)

    def central_revisions(self) -> list[tuple[str, int, str]]:
        def _rows():
            return [
                tuple(r)
                for r in db.session.execute(
                    sa.select(
                        ProposalRevision.proposal_uuid,
                        ProposalRevision.revision,
                        ProposalRevision.content_hash,
                    ).order_by(ProposalRevision.proposal_uuid, ProposalRevision.revision)
                )
            ]

        return self.on_central(_rows)

    def outbox_states(self) -> dict[str, int]:
        def _states():
            rows = db.session.execute(
                sa.select(OutboxItem.state, sa.func.count()).group_by(OutboxItem.state)
            )
            return {str(s.value if hasattr(s, "value") else s): n for s, n in rows}

        return self.on_node(_states)


def serve_app(app: Flask) -> tuple[str, Any]:
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return f"http://127.0.0.1:{server.server_port}", server


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def central_served(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Served]:
    folder = tmp_path / "central"
    folder.mkdir()
    with make_test_app("central", request.param, folder, request) as app:
        url, server = serve_app(app)
        try:
            yield Served(app, url, Factory(app))
        finally:
            server.shutdown()


@pytest.fixture
def node_app(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Flask]:
    folder = tmp_path / "node"
    folder.mkdir()
    with make_test_app(
        "regional", "sqlite", folder, request, {"SYNC_ATTEMPTS": 2, "SYNC_BACKOFF_MAX": 0.2}
    ) as app:
        yield app


@pytest.fixture
def pair(central_served: Served, node_app: Flask) -> Pair:
    nf = Factory(node_app)
    tenant = nf.tenant(code=TENANT_CODE, name="Kabupaten Jepara", kind=TenantKind.KABUPATEN)
    central_tenant = central_served.factory.tenant(
        code=TENANT_CODE, name="Kabupaten Jepara", kind=TenantKind.KABUPATEN
    )
    for f in (nf, central_served.factory):
        open_window(f)
    unit = nf.unit(tenant, name="Dinas Kesehatan")
    admin = nf.user(Role.LOCAL_ADMIN, tenant)
    return Pair(central_served, node_app, nf, tenant, central_tenant, unit, admin)


def sync_run(pair: Pair, *, do_push: bool = True, do_pull: bool = True):
    from sync.runner import run

    def _run():
        return run(do_push=do_push, do_pull=do_pull)

    with pair.node.app_context(), national_scope():
        return _run()
