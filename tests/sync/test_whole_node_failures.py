"""When central refuses a whole request (revoked or rotated credentials, a batch too large),
the node says so once, keeps its proposals queued, and tells the truth about what it did."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from shared.db import db
from shared.models.proposal import Proposal
from sync import credentials, feed, node
from sync import push as push_module
from sync.models import NodeLink
from tests.sync.conftest import Pair, sync_run
from tests.sync.test_operator_errors import cli, describe, with_config


def _link(pair: Pair) -> dict:
    def _read():
        link = db.session.get(NodeLink, 1)
        return {"cursor": link.cursor, "last_error": link.last_error}

    return pair.on_node(_read)


def _push_statuses(pair: Pair, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The status of every push request central answers from now on."""
    seen: list[int] = []
    inner = pair.central.app.wsgi_app

    def _wsgi(environ, start_response):
        def _start(status, headers, *exc_info):
            if environ["PATH_INFO"].endswith("/push"):
                seen.append(int(status.split()[0]))
            return start_response(status, headers, *exc_info)

        return inner(environ, _start)

    monkeypatch.setattr(pair.central.app, "wsgi_app", _wsgi)
    return seen


def test_central_batch_limit_is_learnt_once_kept_and_forgotten_on_connect(
    pair: Pair, monkeypatch: pytest.MonkeyPatch
) -> None:
    pair.connect()
    pair.submitted(3)
    pair.central.app.config["SYNC_MAX_ITEMS"] = 2
    instance = with_config(describe(pair.node, "regional"), SYNC_BATCH_ITEMS=3)
    statuses = _push_statuses(pair, monkeypatch)

    first = cli("sync", "run", "--instance", instance)
    assert first.exit_code == 0, first.output
    assert "push: 3/3 acknowledged" in first.output
    assert statuses == [413, 200, 200]  # refused once, then sent again in batches of 2

    # the next run (e.g. the scheduled one) starts with central's limit: nothing is refused
    pair.submitted(3)
    statuses.clear()
    second = cli("sync", "run", "--instance", instance)
    assert second.exit_code == 0, second.output
    assert "push: 3/3 acknowledged" in second.output
    assert statuses == [200, 200]
    assert "at most 2" not in second.output  # the operator was told once, on the first run

    status = json.loads(cli("sync", "status", "--instance", instance, "--json").output)
    assert status["central_max_items"] == 2 and status["batch_items"] == 2
    text = cli("sync", "status", "--instance", instance).output
    assert "push batches: at most 2 items (central's limit; SYNC_BATCH_ITEMS is 3)" in text

    # connecting again (new credentials, another central) learns the limit central tells
    def _connect() -> None:
        pair.issue()
        connected = cli(
            "regional", "connect", "--instance", instance, "--central-url", pair.central.url,
            "--node-id", pair.node_id, input=pair.secret + "\n",
        )  # fmt: skip
        assert connected.exit_code == 0, connected.output

    pair.central.app.config["SYNC_MAX_ITEMS"] = 1000  # central now takes more
    _connect()
    status = json.loads(cli("sync", "status", "--instance", instance, "--json").output)
    assert status["central_max_items"] == 1000 and status["batch_items"] == 3
    text = cli("sync", "status", "--instance", instance).output
    assert "push batches: at most 3 items (SYNC_BATCH_ITEMS)" in text

    # and a connect to a central that takes fewer starts below it: no batch is refused
    pair.central.app.config["SYNC_MAX_ITEMS"] = 2
    _connect()
    pair.submitted(3)
    statuses.clear()
    third = cli("sync", "run", "--instance", instance)
    assert third.exit_code == 0, third.output
    assert "push: 3/3 acknowledged" in third.output and statuses == [200, 200]


def test_a_batch_larger_than_central_takes_is_told_once_clearly(pair: Pair) -> None:
    pair.connect()
    pair.submitted(3)
    pair.central.app.config["SYNC_MAX_ITEMS"] = 2
    instance = with_config(describe(pair.node, "regional"), SYNC_BATCH_ITEMS=3)

    result = cli("sync", "run", "--instance", instance)
    assert result.exit_code == 0, result.output
    assert pair.outbox_states() == {"acked": 3}
    [line] = [line for line in result.output.splitlines() if "SYNC_BATCH_ITEMS" in line]
    assert line == (
        "push: central takes at most 2 items a batch (this node's SYNC_BATCH_ITEMS is 3): "
        "the refused items went again in batches of 2, and later runs send at most 2 "
        "until the node is connected again"
    )
    assert "at most 2" not in result.output.replace(line, "")
    pair.submitted(3)
    data = json.loads(cli("sync", "run", "--instance", instance, "--json").output)
    assert data["push"]["notes"] == [] and data["push"]["error"] == ""


def test_a_batch_refused_as_a_whole_is_one_line_and_stays_queued(
    pair: Pair, monkeypatch: pytest.MonkeyPatch
) -> None:
    pair.connect()
    pair.submitted(3)
    upload = push_module._with_attachments

    def _revoked_meanwhile(*args):  # the ministry revokes the node while it is sending
        sendable = upload(*args)
        pair.on_central(lambda: credentials.revoke(credentials.get(pair.node_id), actor=None))
        return sendable

    monkeypatch.setattr(push_module, "_with_attachments", _revoked_meanwhile)
    report = sync_run(pair)
    lines = report.failure_lines()
    assert len(lines) == 1 and lines[0].startswith("push: this node's credentials were revoked")
    assert report.push.failed == [] and report.push.acked == 0
    assert pair.outbox_states() == {"pending": 3}  # central never read them
    assert _link(pair)["last_error"] == lines[0]


def test_after_a_rotation_the_node_is_told_to_connect_again(pair: Pair) -> None:
    pair.connect()
    pair.submitted(2)
    pair.on_central(lambda: credentials.rotate(credentials.get(pair.node_id), actor=None))

    report = sync_run(pair)
    [line] = report.failure_lines()
    assert line.startswith("push: ") and "bad signature" in line
    assert "connect the node again" in line
    assert pair.outbox_states() == {"pending": 2}


def _publish(pair: Pair, uuid: str, count: int) -> None:
    def _decide():
        p = db.session.execute(sa.select(Proposal).where(Proposal.uuid == uuid)).scalar_one()
        for _ in range(count):
            feed.publish(
                "screening.decided",
                {"uuid": uuid, "revision": 1, "result": "passed", "reason": ""},
                tenant_id=p.tenant_id,
            )

    pair.on_central(_decide)


def test_a_failed_or_skipped_pull_says_what_happened(pair: Pair) -> None:
    pair.connect()
    [uuid] = pair.submitted(1)
    assert sync_run(pair).ok
    _publish(pair, uuid, 2)
    assert sync_run(pair).ok
    cursor = _link(pair)["cursor"]
    assert cursor >= 2
    pair.on_central(lambda: credentials.revoke(credentials.get(pair.node_id), actor=None))
    instance = describe(pair.node, "regional")

    pulled = cli("sync", "pull", "--instance", instance)
    assert pulled.exit_code == 1
    assert f"pull: failed (cursor at {cursor})" in pulled.output
    assert "cursor 0" not in pulled.output

    pair.submitted(1)
    ran = cli("sync", "run", "--instance", instance)
    assert ran.exit_code == 1
    assert "pull: skipped (the push failed for the whole node)" in ran.output
    data = json.loads(cli("sync", "run", "--instance", instance, "--json").stdout)
    assert data["pull"] is None and data["pull_skipped"] == "the push failed for the whole node"


def test_status_shows_no_error_time_once_the_error_is_gone(pair: Pair) -> None:
    pair.connect()
    pair.submitted(1)
    instance = describe(pair.node, "regional")
    url = pair.central.url
    pair.on_node(lambda: setattr(node.link(), "central_url", "http://127.0.0.1:9"))
    assert not sync_run(pair).ok
    pair.on_node(lambda: setattr(node.link(), "central_url", url))
    assert sync_run(pair).ok

    text = cli("sync", "status", "--instance", instance).output
    assert "last error: none\n" in text
    data = json.loads(cli("sync", "status", "--instance", instance, "--json").output)
    assert data["last_error"] == "" and data["last_error_at"] is None
