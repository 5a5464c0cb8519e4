"""The node's outbox: enqueue a submitted revision in the same transaction as the submit."""

from __future__ import annotations

from shared.db import db
from shared.models.proposal import ProposalRevision
from sync.models import OutboxItem


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
