"""A node pushes submitted proposals to central and pulls back its decisions, over HTTP."""

from __future__ import annotations

import sqlalchemy as sa

from shared.blobstore import BlobStore
from shared.db import db
from shared.models.proposal import Attachment, Proposal
from tests.sync.conftest import Pair, sync_run


def test_push_delivers_every_revision_with_its_attachments(pair: Pair) -> None:
    pair.connect()
    uuids = pair.submitted(3)
    report = sync_run(pair)
    assert report.ok, report.failure_lines()
    assert report.push.acked == 3
    held = pair.central_revisions()
    assert sorted(u for u, _, _ in held) == sorted(uuids)
    assert pair.outbox_states() == {"acked": 3}

    def _central_copy():
        proposals = db.session.execute(sa.select(Proposal)).scalars().all()
        shas = db.session.execute(sa.select(Attachment.sha256)).scalars().all()
        return [(p.uuid, p.status.value, p.unit.name if p.unit else None) for p in proposals], shas

    copies, shas = pair.on_central(_central_copy)
    assert {c[0] for c in copies} == set(uuids)
    assert all(status == "submitted" and unit == "Dinas Kesehatan" for _, status, unit in copies)
    central_store = BlobStore(pair.central.app.config["BLOB_DIR"])
    node_store = BlobStore(pair.node.config["BLOB_DIR"])
    assert len(shas) == 6
    assert all(central_store.read(s) == node_store.read(s) for s in shas)


def test_central_keeps_the_bytes_each_revision_was_hashed_over(pair: Pair) -> None:
    """A frozen revision is stored as the canonical text its hash covers (PostgreSQL's json,
    SQLite's text): anyone can check it against its hash later. Central's copy of the
    proposal reads its sections from there (not stored twice) and shows the node's."""
    import hashlib

    from shared.models.proposal import ProposalRevision

    pair.connect()
    pair.submitted(2)
    assert sync_run(pair, do_pull=False).ok

    def _node_sections():
        return {p.uuid: p.sections for p in db.session.execute(sa.select(Proposal)).scalars()}

    def _stored():
        text = sa.cast(ProposalRevision.content, sa.Text)
        revisions = db.session.execute(sa.select(ProposalRevision.content_hash, text)).all()
        own = db.session.execute(sa.select(Proposal.own_sections)).scalars().all()
        return revisions, _node_sections(), own

    revisions, sections, own = pair.on_central(_stored)
    assert own == [None, None]  # the text is stored once, in the revision
    assert len(revisions) == 2
    for digest, text in revisions:
        assert hashlib.sha256(text.encode()).hexdigest() == digest
    node_sections = pair.on_node(_node_sections)
    assert sections == node_sections and all(sections.values())


def test_central_keeps_every_character_of_a_pushed_header(pair: Pair) -> None:
    """Quotes, backslashes, line breaks, tabs, accents and emoji in a proposal's header
    reach central's copy exactly as the node's admin typed them."""
    title = 'Inovasi "Jemput Bola" \\ Posyandu\tSehat\nDesa Ngabul — Sekolah Ibu ☀️ 🏥 😀'
    innovator = "Dinas Kesehatan & Keluarga Berencana (Dinkes-KB) d'Jepara: “Ibu” é"
    pair.connect()
    [uuid] = pair.submitted(1, title=title, innovator=innovator)
    assert sync_run(pair, do_pull=False).ok

    def _header():
        row = db.session.execute(
            sa.select(Proposal.title, Proposal.innovator).where(Proposal.uuid == uuid)
        ).one()
        return tuple(row)

    assert pair.on_central(_header) == (title, innovator)


def test_second_run_sends_nothing_and_replays_are_acknowledged(pair: Pair) -> None:
    pair.connect()
    pair.submitted(2)
    assert sync_run(pair).ok
    again = sync_run(pair)
    assert again.ok and again.push.pending == 0

    # forget the acknowledgements: central acknowledges the same content again
    def _requeue():
        from sync.models import OutboxItem, OutboxState

        db.session.execute(sa.update(OutboxItem).values(state=OutboxState.PENDING))

    pair.on_node(_requeue)
    replay = sync_run(pair, do_pull=False)
    assert replay.ok and replay.push.duplicates == 2
    assert len(pair.central_revisions()) == 2


def test_many_proposals_travel_in_bounded_batches(pair: Pair) -> None:
    from shared.models.tenant import Tenant
    from shared.models.unit import Unit
    from sync.loadgen import seed_submitted

    pair.connect()
    pair.node.config.update(SYNC_BATCH_ITEMS=40, SYNC_BATCH_BYTES=64 * 1024)
    uuids = pair.on_node(
        lambda: seed_submitted(
            db.session.get(Tenant, pair.tenant.id),
            db.session.get(Unit, pair.unit.id),
            150,
            attachments_per_proposal=1,
        )
    )
    requests_seen: list[int] = []

    def _count_batches(n: int) -> None:
        requests_seen.append(n)

    from sync import node
    from sync.push import push

    def _push():
        return push(node.client(), _count_batches)

    report = pair.on_node(_push)
    assert report.ok and report.acked == 150
    assert len(requests_seen) >= 4 and max(requests_seen) <= 40
    assert sorted(u for u, _, _ in pair.central_revisions()) == sorted(uuids)


def test_the_rehearsal_before_forking_takes_a_revision_through_and_keeps_nothing(
    pair: Pair,
) -> None:
    """``central serve``'s master rehearses a push before it forks (its warm-up functions);
    central must hold exactly what it held before, and real pushes go on as ever."""
    from shared.models.audit import AuditLog
    from shared.models.proposal import ProposalRevision
    from shared.models.unit import Unit
    from sync import ingest

    def _counts():
        return [
            db.session.execute(sa.select(sa.func.count()).select_from(model)).scalar_one()
            for model in (Proposal, ProposalRevision, AuditLog, Unit)
        ]

    before = pair.on_central(_counts)
    assert ingest.rehearse in pair.central.app.extensions["sinovik_warm_up"]
    assert pair.on_central(ingest.rehearse) is True
    assert pair.on_central(_counts) == before
    pair.connect()
    uuids = pair.submitted(2)
    report = sync_run(pair)
    assert report.ok and report.push.acked == 2
    assert sorted(u for u, _, _ in pair.central_revisions()) == sorted(uuids)
