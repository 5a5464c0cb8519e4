"""The sync protocol's guarantees, each from the outside: signed requests, the inbox's
uniqueness, per-item results, resumable attachments, the schema version."""

from __future__ import annotations

import hashlib
import json
import time
from pathlib import Path

import pytest
import requests
import sqlalchemy as sa

from shared.db import db
from shared.models.proposal import Proposal
from sync import credentials, node
from sync import protocol as P
from sync.models import SyncNode
from sync.push import PushReport, _upload_attachments, pending_items
from tests.sync.conftest import Pair, sync_run


def _signed(pair: Pair, method: str, endpoint: str, body: bytes = b"", **override: str):
    path = f"{P.API_PREFIX}/{endpoint}"
    key = P.derive_key(pair.secret)
    headers = P.sign_headers(pair.node_id, key, method, path, body)
    headers.update(override)
    return requests.request(
        method, pair.central.url + path, data=body, headers=headers, timeout=10
    ), headers


def _items(pair: Pair, *, upload: bool = True) -> list[dict]:
    """The node's pending push items (their attachments uploaded first, as a push does)."""

    def _collect():
        items = pending_items()
        if upload:
            _upload_attachments(node.client(), items, PushReport())
        return [json.loads(i.body) for i in items]

    return pair.on_node(_collect)


def _push_body(items: list[dict], schema: int = P.SCHEMA_VERSION) -> bytes:
    return json.dumps({"schema": schema, "items": items}).encode()


def test_signed_request_is_accepted_and_every_forgery_refused(pair: Pair) -> None:
    pair.issue()
    ok, headers = _signed(pair, "GET", "hello")
    assert ok.status_code == 200 and ok.json()["tenants"] == ["33.20"]

    # the same request again (a replay): the nonce was used
    path = f"{P.API_PREFIX}/hello"
    replay = requests.get(pair.central.url + path, headers=headers, timeout=10)
    assert replay.status_code == 401 and "nonce" in replay.json()["error"]

    stale_time = str(int(time.time()) - 3600)
    key = P.derive_key(pair.secret)
    stale = P.sign_headers(pair.node_id, key, "GET", path, b"")
    stale[P.H_TIME] = stale_time
    stale[P.H_SIGNATURE] = P.signature(key, "GET", path, stale_time, stale[P.H_NONCE], b"")
    answer = requests.get(pair.central.url + path, headers=stale, timeout=10)
    assert answer.status_code == 401 and "timestamp" in answer.json()["error"]

    wrong_key = P.sign_headers(pair.node_id, P.derive_key("not-the-secret"), "GET", path, b"")
    answer = requests.get(pair.central.url + path, headers=wrong_key, timeout=10)
    assert answer.status_code == 401 and "signature" in answer.json()["error"]

    # a body altered after signing
    body = _push_body([])
    signed = P.sign_headers(pair.node_id, key, "POST", f"{P.API_PREFIX}/push", body)
    answer = requests.post(
        pair.central.url + f"{P.API_PREFIX}/push", data=body + b" ", headers=signed, timeout=10
    )
    assert answer.status_code == 401

    unknown = P.sign_headers("n-nobody", key, "GET", path, b"")
    assert requests.get(pair.central.url + path, headers=unknown, timeout=10).status_code == 401


def test_concurrent_signed_reads_all_succeed(pair: Pair) -> None:
    """Hellos and change-feed reads from many nodes at once each keep their nonce; none fails
    because another request holds the database's write lock (SQLite refused the late writer
    of a read transaction at once, with "database is locked", instead of letting it wait)."""
    from concurrent.futures import ThreadPoolExecutor

    pair.connect()
    endpoints = ["hello", "changes?since=0"] * 12
    with ThreadPoolExecutor(len(endpoints)) as pool:
        answers = list(pool.map(lambda e: _signed(pair, "GET", e)[0], endpoints))
    assert [a.status_code for a in answers] == [200] * len(endpoints), [
        a.text[:200] for a in answers if a.status_code != 200
    ]


def test_revoked_and_rotated_credentials_stop_working(pair: Pair) -> None:
    pair.connect()
    pair.submitted(1)
    pair.on_central(lambda: credentials.revoke(db.session.get(SyncNode, pair.node_id), actor=None))
    report = sync_run(pair)
    assert not report.ok and "revoked" in " ".join(report.failure_lines())
    assert pair.central_revisions() == []
    assert pair.outbox_states() == {"in_flight": 1} or pair.outbox_states() == {"pending": 1}


def test_central_keeps_only_a_hash_of_the_secret(pair: Pair) -> None:
    pair.issue()
    stored = pair.on_central(lambda: db.session.get(SyncNode, pair.node_id).key)
    assert pair.secret not in stored and stored == P.derive_key(pair.secret)


def test_connect_refuses_a_wrong_secret_and_stores_a_good_one_owner_only(pair: Pair) -> None:
    from shared.services import ServiceError

    pair.issue()
    with pytest.raises(ServiceError, match="refused"):
        pair.on_node(node.connect, pair.central.url, pair.node_id, "wrong")
    pair.connect()
    path = node.secret_path(pair.node.instance_path)
    assert path.read_text() == pair.secret
    assert path.stat().st_mode & 0o077 == 0


def test_node_writes_only_its_own_tenants(pair: Pair) -> None:
    pair.connect()
    pair.submitted(1)
    other = pair.central.factory.tenant(code="35.10", name="Kabupaten Banyuwangi")
    items = _items(pair)
    forged = dict(items[0], tenant_code=other.code)
    forged["content"] = dict(forged["content"], tenant_code=other.code)
    from shared.services.content import content_hash

    forged["content_hash"] = content_hash(forged["content"])
    answer, _ = _signed(pair, "POST", "push", _push_body([forged]))
    result = answer.json()["results"][0]
    assert result["status"] == "rejected" and "not served by this node" in result["reason"]
    assert pair.central_revisions() == []


def test_same_revision_with_other_content_is_a_409_and_a_replay_is_acknowledged(
    pair: Pair,
) -> None:
    pair.connect()
    pair.submitted(1)
    items = _items(pair)
    first, _ = _signed(pair, "POST", "push", _push_body(items))
    assert first.json()["results"][0]["status"] == "accepted"
    sections = pair.on_central(
        lambda: db.session.execute(sa.select(Proposal)).scalar_one().sections
    )
    assert sections == items[0]["content"]["sections"] and len(sections) >= 3
    again, _ = _signed(pair, "POST", "push", _push_body(items))
    assert again.json()["results"][0] | {"reason": ""} == {
        **again.json()["results"][0],
        "status": "duplicate",
        "code": 200,
    }
    changed = json.loads(json.dumps(items[0]))
    changed["content"]["title"] = "Judul yang diubah diam-diam"
    from shared.services.content import content_hash

    changed["content_hash"] = content_hash(changed["content"])
    conflict, _ = _signed(pair, "POST", "push", _push_body([changed]))
    result = conflict.json()["results"][0]
    assert result["status"] == "conflict" and result["code"] == 409
    assert "different content" in result["reason"]
    held = pair.central_revisions()
    assert held == [(items[0]["proposal_uuid"], 1, items[0]["content_hash"])]
    title = pair.on_central(lambda: db.session.execute(sa.select(Proposal.title)).scalar_one())
    assert title != "Judul yang diubah diam-diam"


def test_a_batch_mixing_held_and_new_revisions_settles_each_on_its_own(pair: Pair) -> None:
    """Replays, a changed revision and new proposals in one batch: each gets its own answer,
    and central holds every new one once, with its proposal."""
    from shared.services.content import content_hash

    pair.connect()
    pair.submitted(4)
    items = _items(pair)
    first, _ = _signed(pair, "POST", "push", _push_body(items[:2]))
    assert [r["status"] for r in first.json()["results"]] == ["accepted", "accepted"]
    changed = json.loads(json.dumps(items[1]))
    changed["content"]["title"] = "Judul yang diubah diam-diam"
    changed["content_hash"] = content_hash(changed["content"])
    mixed = [items[2], items[0], changed, items[3]]
    answer, _ = _signed(pair, "POST", "push", _push_body(mixed))
    statuses = [r["status"] for r in answer.json()["results"]]
    assert statuses == ["accepted", "duplicate", "conflict", "accepted"]
    held = sorted(pair.central_revisions())
    assert held == sorted((i["proposal_uuid"], 1, i["content_hash"]) for i in items)
    titles = pair.on_central(
        lambda: dict(db.session.execute(sa.select(Proposal.uuid, Proposal.title)).all())
    )
    assert titles == {i["proposal_uuid"]: i["content"]["title"] for i in items}


def test_a_replayed_push_is_refused_and_a_refused_push_uses_up_its_nonce(pair: Pair) -> None:
    pair.connect()
    pair.submitted(2)
    items = _items(pair)
    first, headers = _signed(pair, "POST", "push", _push_body(items[:1]))
    assert first.json()["results"][0]["status"] == "accepted"
    # the same signed request again, even with a batch of new work: refused, nothing written
    url = pair.central.url + f"{P.API_PREFIX}/push"
    replay = requests.post(url, data=_push_body(items[:1]), headers=headers, timeout=10)
    assert replay.status_code == 401 and "nonce" in replay.json()["error"]
    pushed = pair.on_central(
        lambda: db.session.execute(sa.select(SyncNode.pushed_total)).scalar_one()
    )
    assert pushed == 1 and len(pair.central_revisions()) == 1

    # a batch refused as a whole (items is not a list) still uses up its nonce
    bad = json.dumps({"schema": P.SCHEMA_VERSION, "items": "all of them"}).encode()
    refused, headers = _signed(pair, "POST", "push", bad)
    assert refused.status_code == 400 and "items must be a list" in refused.json()["error"]
    again = requests.post(url, data=bad, headers=headers, timeout=10)
    assert again.status_code == 401 and "nonce" in again.json()["error"]
    assert len(pair.central_revisions()) == 1


def test_a_push_marks_the_node_seen_and_forgets_nonces_too_old_to_replay(
    pair: Pair, monkeypatch: pytest.MonkeyPatch
) -> None:
    from datetime import timedelta

    from shared.db import utcnow
    from sync import auth
    from sync.models import SyncNonce

    pair.connect()
    pair.submitted(1)
    items = _items(pair)

    def _age_everything() -> None:
        db.session.add(SyncNonce(node_id=pair.node_id, nonce="old", seen_at=utcnow()))
        db.session.execute(sa.update(SyncNonce).values(seen_at=utcnow() - timedelta(days=1)))
        db.session.execute(sa.update(SyncNode).values(last_seen_at=None, last_push_at=None))
        db.session.commit()

    pair.on_central(_age_everything)
    monkeypatch.setattr(auth, "_swept_at", 0.0)  # a minute has passed since the last sweep
    answer, headers = _signed(pair, "POST", "push", _push_body(items))
    assert answer.json()["results"][0]["status"] == "accepted"

    def _after():
        node_row = db.session.get(SyncNode, pair.node_id)
        nonces = set(db.session.execute(sa.select(SyncNonce.nonce)).scalars())
        return node_row.last_seen_at, node_row.last_push_at, node_row.pushed_total, nonces

    seen, pushed_at, total, nonces = pair.on_central(_after)
    assert seen is not None and pushed_at is not None and total == 1
    assert nonces == {headers[P.H_NONCE]}  # only this push's own nonce is kept


def test_one_bad_item_never_blocks_the_rest_of_its_batch(pair: Pair) -> None:
    pair.connect()
    pair.submitted(3)
    items = _items(pair)
    items[1] = dict(items[1], content_hash="0" * 64)  # corrupted in transit
    answer, _ = _signed(pair, "POST", "push", _push_body(items))
    statuses = [r["status"] for r in answer.json()["results"]]
    assert statuses == ["accepted", "rejected", "accepted"]
    assert "hash" in answer.json()["results"][1]["reason"]
    assert len(pair.central_revisions()) == 2


def test_a_uuid_in_another_spelling_is_refused_alone(pair: Pair) -> None:
    """Central keeps proposal uuids as the node wrote them (36 characters, lower case): a
    uuid spelled otherwise (braces, a URN, no hyphens, capitals) is the item's problem only,
    never a batch that fails as a whole or a second spelling of one proposal."""
    from shared.services.content import content_hash

    pair.connect()
    pair.submitted(5)
    items = _items(pair)
    canonical = items[0]["proposal_uuid"]
    spellings = [
        "{" + canonical + "}",
        f"urn:uuid:{canonical}",
        canonical.replace("-", ""),
        canonical.upper(),
    ]
    for item, spelling in zip(items[:4], spellings, strict=True):
        item["proposal_uuid"] = spelling
        item["content"] = dict(item["content"], uuid=spelling)
        item["content_hash"] = content_hash(item["content"])
    answer, _ = _signed(pair, "POST", "push", _push_body(items))
    results = answer.json()["results"]
    assert [r["status"] for r in results] == ["rejected"] * 4 + ["accepted"]
    assert all("UUID" in r["reason"] for r in results[:4])
    assert [uuid for uuid, _, _ in pair.central_revisions()] == [items[4]["proposal_uuid"]]


def test_a_revision_number_out_of_range_is_refused_alone(pair: Pair) -> None:
    pair.connect()
    pair.submitted(2)
    items = _items(pair)
    items[0]["revision"] = 2**40  # more than the database's integer holds
    answer, _ = _signed(pair, "POST", "push", _push_body(items))
    results = answer.json()["results"]
    assert [r["status"] for r in results] == ["rejected", "accepted"]
    assert "revision" in results[0]["reason"]


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"title": "x" * 301}, "title is longer than 300"),
        ({"title": None}, "title is missing"),
        ({"contact_email": 42}, "contact_email must be text"),
        ({"innovator": "Dinas\x00Kesehatan"}, "innovator contains a NUL character"),
        ({"implementation_start": "2026-13-45"}, "implementation_start is not a date"),
        ({"sdgs": "3,4"}, "sdgs must be"),
        ({"unit": "Dinas Kesehatan"}, "unit must be an object"),
        ({"unit": {"uuid": "not-a-uuid", "name": "Dinas"}}, "unit uuid"),
        ({"attachments": ["decree.pdf"]}, "an attachment must be an object"),
        (
            {"attachments": [{"sha256": "0" * 64, "filename": "a.pdf", "size": 1}]},
            "attachment kind is missing",
        ),
        (
            {
                "attachments": [
                    {"kind": "decree", "filename": "a.pdf", "size": 1, "media_type": "x/y"}
                ]
            },
            "is not a SHA-256 digest",
        ),
        ({"competition_year": [2027]}, "central has no competition"),
        ({"competition_version": {"number": 1}}, "central has no form version"),
    ],
)
def test_content_that_does_not_fit_is_refused_alone(pair: Pair, change: dict, reason: str) -> None:
    """A forged or damaged item whose content central cannot store is refused with the
    reason; the batch's other items still go in (on PostgreSQL such a row would have failed
    the whole batch, again on every retry)."""
    from shared.services.content import content_hash

    pair.connect()
    pair.submitted(2)
    items = _items(pair)
    items[0]["content"] = dict(items[0]["content"], **change)
    items[0]["content_hash"] = content_hash(items[0]["content"])
    answer, _ = _signed(pair, "POST", "push", _push_body(items))
    assert answer.status_code == 200
    results = answer.json()["results"]
    assert [r["status"] for r in results] == ["rejected", "accepted"]
    assert reason in results[0]["reason"]
    message = results[0]["message"]  # what the node translates: the same words
    assert message["id"] % message["args"] == results[0]["reason"]
    assert [uuid for uuid, _, _ in pair.central_revisions()] == [items[1]["proposal_uuid"]]


def test_schema_mismatch_gets_a_clear_message_and_writes_nothing(pair: Pair) -> None:
    pair.connect()
    pair.submitted(1)
    answer, _ = _signed(pair, "POST", "push", _push_body(_items(pair), schema=99))
    assert answer.status_code == 400 and "schema version" in answer.json()["error"]
    old, _ = _signed(pair, "GET", "hello", **{P.H_SCHEMA: "0"})
    assert old.status_code == 400 and "upgrade" in old.json()["error"]
    assert pair.central_revisions() == []


def test_an_attachment_cut_halfway_resumes_where_it_stopped(pair: Pair) -> None:
    pair.issue()
    data = b"%PDF-1.4 " + bytes(range(256)) * 400
    sha = hashlib.sha256(data).hexdigest()
    half = len(data) // 2
    headers = {"X-Sinovik-Offset": "0", "X-Sinovik-Total": str(len(data))}
    first, _ = _signed(pair, "PUT", f"blobs/{sha}", data[:half], **headers)
    assert first.json() == {"sha256": sha, "complete": False, "offset": half}
    body = json.dumps({"schema": P.SCHEMA_VERSION, "sha256": [sha]}).encode()
    missing, _ = _signed(pair, "POST", "blobs/missing", body)
    assert missing.json()["missing"] == [{"sha256": sha, "offset": half}]
    # a chunk from the wrong offset is refused with the offset to resume from
    wrong, _ = _signed(pair, "PUT", f"blobs/{sha}", data[:10], **headers)
    assert wrong.status_code == 409 and wrong.json()["offset"] == half
    rest, _ = _signed(
        pair,
        "PUT",
        f"blobs/{sha}",
        data[half:],
        **{"X-Sinovik-Offset": str(half), "X-Sinovik-Total": str(len(data))},
    )
    assert rest.json()["complete"] is True
    from shared.blobstore import BlobStore

    assert BlobStore(pair.central.app.config["BLOB_DIR"]).read(sha) == data


def test_an_attachment_larger_than_central_accepts_is_refused_naming_the_limit(
    pair: Pair,
) -> None:
    """The 413 names central's limit, as a number and as a message the node translates."""
    pair.issue()
    pair.central.app.config["SYNC_BLOB_MAX_BYTES"] = 1024 * 1024
    sha = hashlib.sha256(b"large").hexdigest()
    headers = {"X-Sinovik-Offset": "0", "X-Sinovik-Total": str(1024 * 1024 + 1)}
    answer, _ = _signed(pair, "PUT", f"blobs/{sha}", b"%PDF-1.4 ", **headers)
    assert answer.status_code == 413
    assert answer.json()["limit"] == 1024 * 1024
    assert answer.json()["error"] == "attachment larger than central accepts (1.0 MB)"
    assert answer.json()["message"] == {
        "id": "attachment larger than central accepts (%(max_bytes)s)",
        "args": {"max_bytes": 1024 * 1024},
    }
    assert [p for p in Path(pair.central.app.config["BLOB_DIR"]).rglob("*") if p.is_file()] == []


def test_bytes_that_do_not_hash_to_their_name_are_refused(pair: Pair) -> None:
    pair.issue()
    data = b"%PDF-1.4 genuine"
    sha = hashlib.sha256(b"something else").hexdigest()
    headers = {"X-Sinovik-Offset": "0", "X-Sinovik-Total": str(len(data))}
    answer, _ = _signed(pair, "PUT", f"blobs/{sha}", data, **headers)
    assert answer.status_code == 422 and "hash" in answer.json()["error"]
    from shared.blobstore import BlobStore

    root = Path(pair.central.app.config["BLOB_DIR"])
    store = BlobStore(root)
    assert not store.exists(sha)
    assert not store.exists(hashlib.sha256(data).hexdigest())  # nor under the bytes' own name
    assert [p for p in root.rglob("*") if p.is_file()] == []  # no partial or copy left behind


def test_a_proposal_without_its_attachment_is_refused_until_it_arrives(pair: Pair) -> None:
    pair.connect()
    pair.submitted(1)
    answer, _ = _signed(pair, "POST", "push", _push_body(_items(pair, upload=False)))
    result = answer.json()["results"][0]
    assert result["status"] == "rejected" and "upload it first" in result["reason"]
    assert sync_run(pair).ok  # the real push uploads attachments first
    assert len(pair.central_revisions()) == 1


def test_deadline_is_judged_by_the_node_submit_time(pair: Pair) -> None:
    """A node offline at the deadline is not penalised; central records both times."""
    from datetime import timedelta

    from shared.db import utcnow

    pair.connect()
    [uuid] = pair.submitted(1)
    # the window closes (on central's clock) before central hears of the proposal
    pair.central.factory.set_window(utcnow() - timedelta(days=60), utcnow())
    items = _items(pair)
    assert sync_run(pair, do_pull=False).ok

    def _times():
        p = db.session.execute(sa.select(Proposal).where(Proposal.uuid == uuid)).scalar_one()
        return p.submitted_at, p.received_at

    submitted_at, received_at = pair.on_central(_times)
    assert submitted_at < received_at

    # a revision the node claims it submitted after the close is refused
    late = dict(items[0], revision=2, submitted_at=utcnow().isoformat())
    answer, _ = _signed(pair, "POST", "push", _push_body([late]))
    result = answer.json()["results"][0]
    assert result["status"] == "rejected" and "after the registration closed" in result["reason"]


def test_central_keeps_one_epoch_until_told_otherwise(pair: Pair) -> None:
    pair.issue()
    first, _ = _signed(pair, "GET", "hello")
    second, _ = _signed(pair, "GET", "hello")
    assert first.json()["epoch"] == second.json()["epoch"]
