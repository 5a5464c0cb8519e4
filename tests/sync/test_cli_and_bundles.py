"""The sync commands as an operator uses them, and sneakernet bundles both ways."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from shared.cli import main
from shared.db import db
from shared.models.proposal import Proposal
from shared.services import ServiceError
from sync import bundle, feed
from sync.models import NodeLink, OutboxItem
from tests.sync.conftest import Pair, sync_run


def _cli(pair: Pair, *args: str, input: str | None = None):
    return CliRunner().invoke(main, list(args), input=input, catch_exceptions=False)


def test_push_pull_status_commands_report_and_exit_honestly(pair: Pair) -> None:
    pair.connect()
    pair.submitted(2)
    instance = pair.node.instance_path
    # the CLI builds the app from the instance folder: describe the test's node there
    config = {
        key: pair.node.config[key]
        for key in (
            "SQLALCHEMY_DATABASE_URI",
            "BLOB_DIR",
            "SECRET_KEY",
            "ENV",
            "SYNC_ATTEMPTS",
            "SYNC_BACKOFF_MAX",
        )
    }
    Path(instance, "config.json").write_text(json.dumps({"NODE_KIND": "regional", **config}))

    status = _cli(pair, "sync", "status", "--instance", instance, "--json")
    assert status.exit_code == 0, status.output
    assert json.loads(status.output)["outbox"]["pending"] == 2

    result = _cli(pair, "sync", "run", "--instance", instance, "--json")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    assert summary["ok"] and summary["push"]["acked"] == 2

    text = _cli(pair, "sync", "status", "--instance", instance)
    assert "acknowledged 2" in text.output and "last error: none" in text.output

    # central goes away: non-zero exit, one line saying why (not one per item)
    pair.submitted(1)
    pair.on_node(lambda: setattr(db.session.get(NodeLink, 1), "central_url", "http://127.0.0.1:9"))
    failed = _cli(pair, "sync", "push", "--instance", instance)
    assert failed.exit_code == 1
    assert "cannot reach central" in failed.output
    again = _cli(pair, "sync", "status", "--instance", instance, "--json")
    data = json.loads(again.output)
    assert data["outbox"]["in_flight"] + data["outbox"]["pending"] == 1
    assert "cannot reach central" in data["last_error"]


def test_a_bundle_applies_like_a_push_and_twice_changes_nothing(pair: Pair, tmp_path) -> None:
    pair.connect()
    uuids = pair.submitted(2)
    out = tmp_path / "usb" / "jepara.zip"
    summary = pair.on_node(bundle.export_proposals, out)
    assert summary == {"items": 2, "blobs": 4}

    first = pair.on_central(bundle.import_proposals, out)
    assert [r.status for r in first.results] == ["accepted", "accepted"]
    assert first.refused == []
    second = pair.on_central(bundle.import_proposals, out)
    assert [r.status for r in second.results] == ["duplicate", "duplicate"]
    assert sorted(u for u, _, _ in pair.central_revisions()) == sorted(uuids)

    # the node goes online later: central acknowledges what it already holds
    report = sync_run(pair)
    assert report.ok and report.push.duplicates == 2


def test_a_tampered_bundle_is_refused(pair: Pair, tmp_path) -> None:
    pair.connect()
    pair.submitted(1)
    out = tmp_path / "b.zip"
    pair.on_node(bundle.export_proposals, out)
    forged = tmp_path / "forged.zip"
    with zipfile.ZipFile(out) as src, zipfile.ZipFile(forged, "w") as dst:
        for name in src.namelist():
            data = src.read(name)
            if name == "manifest.json":
                data = data.replace(b"Layanan", b"Layanan palsu")
            dst.writestr(name, data)
    with pytest.raises(ServiceError, match="signature"):
        pair.on_central(bundle.import_proposals, forged)
    assert pair.central_revisions() == []


def test_results_come_back_by_bundle_once_and_acknowledge_the_outbox(pair: Pair, tmp_path) -> None:
    pair.connect()
    [uuid] = pair.submitted(1)
    out = tmp_path / "to-central.zip"
    pair.on_node(bundle.export_proposals, out)
    pair.on_central(bundle.import_proposals, out)

    def _decide():
        p = db.session.execute(sa.select(Proposal).where(Proposal.uuid == uuid)).scalar_one()
        feed.publish(
            "screening.decided",
            {"uuid": uuid, "revision": 1, "result": "passed", "reason": ""},
            tenant_id=p.tenant_id,
        )

    pair.on_central(_decide)
    back = tmp_path / "to-node.zip"
    from shared.models.tenant import Tenant

    pair.on_central(
        lambda: bundle.export_results(db.session.get(Tenant, pair.central_tenant.id), back)
    )
    first = pair.on_node(bundle.import_results, back)
    assert first["acked"] == 1 and first["applied"] >= 1
    again = pair.on_node(bundle.import_results, back)
    assert again == {"applied": 0, "acked": 0, "conflicts": 0}
    result = pair.on_node(
        lambda: db.session.execute(
            sa.select(Proposal.screening_result).where(Proposal.uuid == uuid)
        ).scalar_one()
    )
    assert result.value == "passed"
    assert pair.outbox_states() == {"acked": 1}
    states = pair.on_node(lambda: db.session.execute(sa.select(OutboxItem.state)).scalars().all())
    assert [s.value for s in states] == ["acked"]
