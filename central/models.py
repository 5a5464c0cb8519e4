"""The central server's own tables (imported by the app factory so the metadata knows them)."""

import sqlalchemy as sa

from central.accounts.models import AccountRequest, RequestStatus
from central.screening.models import ScreeningCheck
from shared.models.proposal import Proposal

__all__ = ["PROPOSAL_INDEXES", "AccountRequest", "RequestStatus", "ScreeningCheck"]


# Central's read paths on the shared proposal table (the national dashboard's change probe,
# the screening list's order and the newest-intake probe). Declared next to the code that needs
# them; like every table, they exist on nodes too (one schema), where they cost little.
PROPOSAL_INDEXES = (
    sa.Index("ix_proposal_competition_updated", Proposal.competition_id, Proposal.updated_at),
    sa.Index(
        "ix_proposal_competition_status_submitted",
        Proposal.competition_id,
        Proposal.status,
        Proposal.submitted_at,
    ),
    sa.Index("ix_proposal_competition_received", Proposal.competition_id, Proposal.received_at),
    sa.Index(
        "ix_proposal_competition_status_screening",
        Proposal.competition_id,
        Proposal.status,
        Proposal.screening_result,
    ),
)
