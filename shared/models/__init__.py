"""The domain model both nodes share; import models from here."""

from shared.models.audit import AuditLog
from shared.models.competition import Competition, CompetitionVersion, Stage
from shared.models.invitation import Invitation
from shared.models.proposal import (
    Attachment,
    Proposal,
    ProposalComment,
    ProposalRevision,
    ProposalStatus,
    ScreeningResult,
)
from shared.models.tenant import Tenant, TenantKind
from shared.models.unit import Unit
from shared.models.user import MINISTRY_ROLES, LoginAttempt, Role, User

__all__ = [
    "MINISTRY_ROLES",
    "Attachment",
    "AuditLog",
    "Competition",
    "CompetitionVersion",
    "Invitation",
    "LoginAttempt",
    "Proposal",
    "ProposalComment",
    "ProposalRevision",
    "ProposalStatus",
    "Role",
    "ScreeningResult",
    "Stage",
    "Tenant",
    "TenantKind",
    "Unit",
    "User",
]
