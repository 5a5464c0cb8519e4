"""The node's outbox: enqueue a submitted revision in the same transaction as the submit."""

from __future__ import annotations

import sqlalchemy as sa

from shared.db import db
from shared.models.proposal import Proposal, ProposalRevision
from sync.models import OutboxItem, OutboxState
from sync.reasons import UNDER_EVALUATION_IDS


def enqueue(revision: ProposalRevision) -> OutboxItem:
    """Queue a frozen revision for the next push; the caller's transaction commits both."""
    item = OutboxItem(
        tenant_id=revision.tenant_id,
        proposal_uuid=revision.proposal_uuid,
        revision=revision.revision,
        content_hash=revision.content_hash,
    )
    db.session.add(item)
    return item


def evaluation_begun(proposal: Proposal) -> bool:
    """Central refused a revision of this proposal because the ministry has begun evaluating
    it: the node learns it from that refusal, before any result is published."""
    messages = db.session.execute(
        sa.select(OutboxItem.last_message).where(
            OutboxItem.tenant_id == proposal.tenant_id,
            OutboxItem.proposal_uuid == proposal.uuid,
            OutboxItem.state == OutboxState.REJECTED,
        )
    ).scalars()
    return any(isinstance(m, dict) and m.get("id") in UNDER_EVALUATION_IDS for m in messages)
