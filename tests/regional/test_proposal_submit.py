"""Submitting on a regional node: the frozen revision and its outbox row are written together
or not at all."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from shared.db import db
from shared.models import AuditLog, Proposal, ProposalRevision, ProposalStatus, Role
from shared.services.content import content_hash, proposal_content
from sync.models import OutboxItem, OutboxState
from tests.proposal_support import complete_proposal, open_window, submit_post

S = ProposalStatus


@pytest.fixture
def verified(factory, tenant, login_as):
    open_window(factory)
    unit = factory.unit(tenant, name="Badan Perencanaan Pembangunan Daerah")
    proposal = complete_proposal(factory, tenant, unit, status=S.VERIFIED)
    login_as(Role.LOCAL_ADMIN, tenant=tenant)
    return proposal


def _nothing_written(app, in_app, proposal) -> None:
    with in_app(app):
        stored = db.session.get(Proposal, proposal.id)
        assert stored.status == S.VERIFIED
        assert (stored.submitted_at, stored.submitted_revision, stored.content_hash) == (
            None,
            None,
            "",
        )
        assert db.session.execute(sa.select(sa.func.count(ProposalRevision.id))).scalar() == 0
        submits = sa.select(sa.func.count(AuditLog.id)).where(AuditLog.action == "proposal.submit")
        assert db.session.execute(submits).scalar() == 0


def test_submit_freezes_the_revision_and_queues_it(app, client, verified, in_app) -> None:
    assert submit_post(client, verified.id).status_code == 302
    with in_app(app):
        proposal = db.session.get(Proposal, verified.id)
        revision = db.session.execute(sa.select(ProposalRevision)).scalar_one()
        item = db.session.execute(sa.select(OutboxItem)).scalar_one()
        assert revision.content == proposal_content(proposal)
        assert revision.content_hash == content_hash(revision.content) == proposal.content_hash
        assert (item.proposal_uuid, item.revision, item.content_hash, item.state) == (
            proposal.uuid,
            1,
            revision.content_hash,
            OutboxState.PENDING,
        )
        assert proposal.submitted_at == revision.submitted_at
        assert len(revision.content["attachments"]) == 2


def test_a_failing_enqueue_leaves_nothing_behind(
    app, client, verified, in_app, monkeypatch
) -> None:
    from sync import outbox

    def broken(revision):
        raise RuntimeError("outbox unavailable")

    monkeypatch.setattr(outbox, "enqueue", broken)
    with pytest.raises(RuntimeError, match="outbox unavailable"):
        submit_post(client, verified.id)
    _nothing_written(app, in_app, verified)


def test_an_outbox_conflict_rolls_the_submit_back(app, client, verified, in_app) -> None:
    with in_app(app):  # a stale queue entry for the same revision (e.g. a restored backup)
        db.session.add(
            OutboxItem(
                tenant_id=verified.tenant_id,
                proposal_uuid=verified.uuid,
                revision=1,
                content_hash="0" * 64,
            )
        )
        db.session.commit()
    with pytest.raises(sa.exc.IntegrityError):
        submit_post(client, verified.id)
    _nothing_written(app, in_app, verified)
    with in_app(app):
        assert db.session.execute(sa.select(OutboxItem.content_hash)).scalars().all() == ["0" * 64]


def test_submission_after_the_close_is_refused_and_the_page_says_so(
    app, client, factory, verified, in_app
) -> None:
    from datetime import timedelta

    from shared.db import utcnow

    now = utcnow()
    factory.set_window(now - timedelta(days=120), now - timedelta(seconds=1))
    page = submit_post(client, verified.id, follow_redirects=True)
    text = page.get_data(as_text=True)
    assert "Proposal belum dapat diajukan." in text
    assert "Pendaftaran ditutup pada" in text and "WIB" in text
    assert "tidak ada lagi yang dapat dikirim atau diajukan" in text  # the page's notice
    _nothing_written(app, in_app, verified)
    assert client.get("/proposals/").get_data(as_text=True).count("Pendaftaran ditutup") == 1
