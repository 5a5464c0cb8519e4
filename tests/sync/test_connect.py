"""Connecting a node says what central will and will not take from it."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import sqlalchemy as sa

from shared.db import db
from shared.models import ProposalStatus, Role
from shared.models.proposal import Proposal
from shared.models.tenant import Tenant, TenantKind
from shared.services import proposals as proposal_service
from sync import credentials
from tests.proposal_support import complete_proposal
from tests.sync.conftest import TENANT_CODE, Pair, distinct_title, sync_run
from tests.sync.test_operator_errors import cli, describe

OTHER_CODE = "33.74"


class _OtherServer(BaseHTTPRequestHandler):
    status = 200
    json = False  # a SINOVIK site that is not central (a node) answers its 404 in JSON

    def do_GET(self) -> None:
        body = b"<!DOCTYPE html><html><head><title>Dinas Kominfo</title></head>" + b"x" * 400
        if self.json:
            body = b'{"error": "Halaman atau data yang Anda minta tidak ada."}'
        self.send_response(self.status)
        self.send_header("Content-Type", "application/json" if self.json else "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.mark.parametrize(("status", "json"), [(200, False), (404, False), (404, True)])
def test_connect_to_another_web_server_says_it_is_not_central(
    pair: Pair, status: int, json: bool
) -> None:
    pair.issue()
    handler = type("Handler", (_OtherServer,), {"status": status, "json": json})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_port}"
    try:
        result = cli("regional", "connect", "--instance", describe(pair.node, "regional"),
                     "--central-url", url, "--node-id", pair.node_id,
                     input=pair.secret + "\n")  # fmt: skip
    finally:
        server.shutdown()
        server.server_close()
    assert result.exit_code == 1
    assert f"{url} does not answer like a SINOVIK central" in result.output
    assert "<" not in result.output and "refused" not in result.output
    assert "tidak ada" not in result.output


def test_connect_to_an_unreachable_central_says_so(pair: Pair) -> None:
    pair.issue()
    result = cli("regional", "connect", "--instance", describe(pair.node, "regional"),
                 "--central-url", "http://127.0.0.1:9", "--node-id", pair.node_id,
                 input=pair.secret + "\n")  # fmt: skip
    assert result.exit_code == 1
    assert "Central could not be reached at http://127.0.0.1:9" in result.output
    assert "refused the credentials" not in result.output


def _second_tenant(pair: Pair) -> str:
    """A second tenant on the node (and on central) with one submitted proposal; its uuid."""
    pair.central.factory.tenant(code=OTHER_CODE, name="Kota Semarang", kind=TenantKind.KOTA)
    nf = pair.node_factory
    tenant = nf.tenant(code=OTHER_CODE, name="Kota Semarang", kind=TenantKind.KOTA)
    unit = nf.unit(tenant, name="Dinas Pendidikan")
    admin = nf.user(Role.LOCAL_ADMIN, tenant)
    proposal = complete_proposal(
        nf, tenant, unit, status=ProposalStatus.VERIFIED, title=distinct_title(977)
    )

    def _submit():
        p = db.session.execute(sa.select(Proposal).where(Proposal.uuid == proposal.uuid))
        proposal_service.submit_proposal(
            p.scalar_one(), actor=db.session.get(type(admin), admin.id)
        )

    nf.run(_submit)
    return proposal.uuid


def _issue(pair: Pair, *codes: str) -> tuple[str, str]:
    def _run():
        chosen = [
            db.session.execute(sa.select(Tenant).where(Tenant.code == c)).scalar_one()
            for c in codes
        ]
        issued = credentials.issue(chosen, actor=None)
        return issued.node.id, issued.secret

    return pair.on_central(_run)


def test_connect_warns_of_tenants_central_does_not_serve_and_requeues_them_later(
    pair: Pair,
) -> None:
    _second_tenant(pair)
    pair.submitted(1)
    instance = describe(pair.node, "regional")
    node_id, secret = _issue(pair, TENANT_CODE)
    first = cli("regional", "connect", "--instance", instance, "--central-url", pair.central.url,
                "--node-id", node_id, input=secret + "\n")  # fmt: skip
    assert first.exit_code == 0, first.output
    assert f"central does not serve tenant {OTHER_CODE} for this node" in first.output
    report = sync_run(pair)
    assert report.push.acked == 1 and len(report.push.rejected) == 1
    assert pair.outbox_states() == {"acked": 1, "rejected": 1}

    node_id, secret = _issue(pair, TENANT_CODE, OTHER_CODE)
    again = cli("regional", "connect", "--instance", instance, "--central-url", pair.central.url,
                "--node-id", node_id, input=secret + "\n")  # fmt: skip
    assert again.exit_code == 0, again.output
    assert "does not serve" not in again.output
    assert "1 revision rejected for its tenant is queued again" in again.output
    assert pair.outbox_states() == {"acked": 1, "pending": 1}
    assert sync_run(pair).ok
    assert pair.outbox_states() == {"acked": 2}
    assert len(pair.central_revisions()) == 2
