"""Fifty regional nodes push at the same moment into one central: nothing lost, nothing twice."""

from __future__ import annotations

import threading
from contextlib import ExitStack
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask

from shared.db import db
from shared.models.audit import AuditLog
from shared.models.proposal import Proposal, ProposalRevision
from shared.models.tenant import Tenant, TenantKind
from shared.models.unit import Unit
from shared.tenancy import national_scope
from sync import credentials, node
from sync.loadgen import seed_submitted
from sync.models import OutboxItem, OutboxState, SyncNode
from tests.conftest import make_test_app
from tests.factories import Factory
from tests.proposal_support import open_window
from tests.sync.conftest import Served

NODES = 50
PER_NODE = 100


def _tenant_codes() -> list[str]:
    return [f"33.{71 + i // 100}{i % 100:02d}" for i in range(NODES)]


def _issue_all(central: Served, codes: list[str]) -> list[tuple[str, str]]:
    def _issue():
        issued = []
        for code in codes:
            tenant = db.session.execute(sa.select(Tenant).where(Tenant.code == code)).scalar_one()
            made = credentials.issue([tenant], actor=None)
            issued.append((made.node.id, made.secret))
        return issued

    return central.factory.run(_issue)


def _node(app: Flask, central_url: str, code: str, node_id: str, secret: str) -> list[str]:
    """A connected node of one tenant holding ``PER_NODE`` submitted proposals."""
    factory = Factory(app)
    tenant = factory.tenant(code=code, name=f"Kabupaten {code}", kind=TenantKind.KABUPATEN)
    open_window(factory)
    unit = factory.unit(tenant, name=f"Dinas Kesehatan {code}")
    factory.run(node.connect, central_url, node_id, secret)
    return factory.run(
        lambda: seed_submitted(
            db.session.get(Tenant, tenant.id), db.session.get(Unit, unit.id), PER_NODE
        )
    )


def _push(app: Flask, reports: dict[int, object], index: int, start: threading.Barrier) -> None:
    from sync.runner import run

    with app.app_context(), national_scope():
        start.wait()
        reports[index] = run(do_push=True, do_pull=False)


@pytest.mark.slow
def test_fifty_nodes_pushing_at_once_lose_and_duplicate_nothing(
    central_served: Served, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    codes = _tenant_codes()
    for code in codes:
        central_served.factory.tenant(
            code=code, name=f"Kabupaten {code}", kind=TenantKind.KABUPATEN
        )
    open_window(central_served.factory)
    issued = _issue_all(central_served, codes)

    with ExitStack() as stack:
        apps = []
        sent: list[str] = []
        for i, (code, (node_id, secret)) in enumerate(zip(codes, issued, strict=True)):
            folder = tmp_path / f"node{i}"
            folder.mkdir()
            app = stack.enter_context(
                make_test_app(
                    "regional",
                    "sqlite",
                    folder,
                    request,
                    {"SYNC_ATTEMPTS": 5, "SYNC_BACKOFF_MAX": 1, "SYNC_BATCH_ITEMS": 40},
                )
            )
            sent += _node(app, central_served.url, code, node_id, secret)
            apps.append(app)

        reports: dict[int, object] = {}
        start = threading.Barrier(NODES)
        threads = [
            threading.Thread(target=_push, args=(app, reports, i, start))
            for i, app in enumerate(apps)
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=600)

        assert len(reports) == NODES
        assert all(r.ok for r in reports.values()), [
            line for r in reports.values() for line in r.failure_lines()
        ][:5]
        assert sum(r.push.acked for r in reports.values()) == NODES * PER_NODE

        def _outbox() -> dict[str, int]:
            rows = db.session.execute(
                sa.select(OutboxItem.state, sa.func.count()).group_by(OutboxItem.state)
            )
            return {str(getattr(s, "value", s)): n for s, n in rows}

        for app in apps:
            assert Factory(app).run(_outbox) == {OutboxState.ACKED.value: PER_NODE}

    def _central():
        revisions = db.session.execute(
            sa.select(ProposalRevision.proposal_uuid, ProposalRevision.revision)
        ).all()
        proposals = db.session.execute(sa.select(Proposal.uuid)).scalars().all()
        received = db.session.execute(
            sa.select(sa.func.count())
            .select_from(AuditLog)
            .where(AuditLog.action == "proposal.received")
        ).scalar_one()
        pushed = db.session.execute(sa.select(sa.func.sum(SyncNode.pushed_total))).scalar_one()
        return revisions, proposals, received, pushed

    revisions, proposals, received, pushed = central_served.factory.run(_central)
    assert sorted(u for u, _ in revisions) == sorted(sent)  # every one, each exactly once
    assert all(r == 1 for _, r in revisions)
    assert sorted(proposals) == sorted(sent)
    assert received == pushed == NODES * PER_NODE
