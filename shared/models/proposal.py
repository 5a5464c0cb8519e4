"""Proposal: an innovation entered in a competition, with its revisions and review comments."""

from __future__ import annotations

import enum
import uuid as uuid_mod
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shared.db import Base, PkMixin, TimestampMixin, utcnow
from shared.db_types import JSONDocument, JSONType, str_enum
from shared.models.competition import Competition, CompetitionVersion
from shared.models.tenant import Tenant
from shared.models.unit import Unit
from shared.tenancy import TenantScoped


class ProposalStatus(enum.StrEnum):
    DRAFT = "draft"
    SENT = "sent"  # sent by the unit to its Admin Lokal
    RETURNED = "returned"  # sent back to the unit with comments
    VERIFIED = "verified"  # checked by the Admin Lokal, ready to submit
    SUBMITTED = "submitted"  # submitted (diajukan) to the ministry; frozen


class ScreeningResult(enum.StrEnum):
    PENDING = "pending"
    PASSED = "passed"
    FAILED = "failed"


class Proposal(PkMixin, TenantScoped, TimestampMixin, Base):
    __tablename__ = "proposal"
    _tenant_index = False  # ix_proposal_list and ix_proposal_overview lead with tenant_id

    uuid: Mapped[str] = mapped_column(
        sa.String(36), unique=True, default=lambda: str(uuid_mod.uuid4())
    )
    unit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("unit.id"), index=True)
    # (competition_id and status are searched through the composite indexes that lead with
    # them, below and in central/models.py: indexes on either alone only cost inserts)
    competition_id: Mapped[int] = mapped_column(sa.ForeignKey("competition.id"))
    competition_version_id: Mapped[int] = mapped_column(sa.ForeignKey("competition_version.id"))
    group_code: Mapped[str] = mapped_column(sa.String(32))
    category_code: Mapped[str] = mapped_column(sa.String(40), default="")
    sdgs: Mapped[list[int]] = mapped_column(JSONType, default=list)
    title: Mapped[str] = mapped_column(sa.String(300))
    implementation_start: Mapped[date | None]
    innovator: Mapped[str] = mapped_column(sa.String(300), default="")
    contact_name: Mapped[str] = mapped_column(sa.String(120), default="")
    contact_phone: Mapped[str] = mapped_column(sa.String(40), default="")
    contact_email: Mapped[str] = mapped_column(sa.String(120), default="")
    # The proposal's own sections: a draft's, or a submitted one's as entered here. Central's
    # copy of a proposal pushed by a node holds JSON null instead: its sections are those of
    # the revision it holds (``held_revision``), stored once. Read them as ``sections``.
    own_sections: Mapped[dict[str, str] | None] = mapped_column(
        "sections",
        JSONDocument,
        default=dict,
        nullable=False,  # JSON null, never SQL NULL
    )
    video_url: Mapped[str] = mapped_column(sa.String(500), default="")
    truth_declared: Mapped[bool] = mapped_column(default=False)
    # Replikasi: the earlier innovation this one replicates (title and, when known, its uuid)
    replicates_title: Mapped[str] = mapped_column(sa.String(300), default="")
    replicates_uuid: Mapped[str | None] = mapped_column(sa.String(36))

    status: Mapped[ProposalStatus] = mapped_column(
        str_enum(ProposalStatus), default=ProposalStatus.DRAFT
    )
    revision: Mapped[int] = mapped_column(default=1)
    content_hash: Mapped[str] = mapped_column(sa.String(64), default="")
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    sent_at: Mapped[datetime | None]
    verified_at: Mapped[datetime | None]
    submitted_at: Mapped[datetime | None]  # when the Admin Lokal submitted (node clock)
    received_at: Mapped[datetime | None]  # when central received it (central clock)
    submitted_revision: Mapped[int | None]  # the last revision submitted to the ministry

    # Results decided by central and pulled back by nodes
    screening_result: Mapped[ScreeningResult] = mapped_column(
        str_enum(ScreeningResult), default=ScreeningResult.PENDING
    )
    screening_reason: Mapped[str] = mapped_column(sa.Text, default="")
    stage_code: Mapped[str | None] = mapped_column(sa.String(40))
    award: Mapped[str | None] = mapped_column(sa.String(80))

    tenant: Mapped[Tenant] = relationship()
    unit: Mapped[Unit | None] = relationship()
    competition: Mapped[Competition] = relationship()
    competition_version: Mapped[CompetitionVersion] = relationship()
    attachments: Mapped[list[Attachment]] = relationship(
        back_populates="proposal", order_by="Attachment.id", cascade="all, delete-orphan"
    )
    comments: Mapped[list[ProposalComment]] = relationship(
        back_populates="proposal", order_by="ProposalComment.id", cascade="all, delete-orphan"
    )
    held_revision: Mapped[ProposalRevision | None] = relationship(
        primaryjoin="and_(foreign(Proposal.tenant_id) == ProposalRevision.tenant_id, "
        "foreign(Proposal.uuid) == ProposalRevision.proposal_uuid, "
        "foreign(Proposal.revision) == ProposalRevision.revision)",
        viewonly=True,
    )

    @property
    def sections(self) -> dict[str, str]:
        """The section texts by key (from the held revision where the row has none)."""
        if self.own_sections is not None:
            return self.own_sections
        held = self.held_revision
        return dict(held.content.get("sections") or {}) if held is not None else {}

    @sections.setter
    def sections(self, value: dict[str, str]) -> None:
        self.own_sections = value

    @property
    def is_editable(self) -> bool:
        return self.status in (ProposalStatus.DRAFT, ProposalStatus.RETURNED)

    @property
    def under_evaluation(self) -> bool:
        """The ministry has screened it or taken it into a stage: no later revision."""
        return self.screening_result != ScreeningResult.PENDING or self.stage_code is not None

    def __repr__(self) -> str:
        return f"<Proposal {self.uuid} r{self.revision} {self.status}>"


class ProposalRevision(PkMixin, TenantScoped, Base):
    """A submitted revision, frozen: what was sent to the ministry, and central's inbox."""

    __tablename__ = "proposal_revision"
    __table_args__ = (sa.UniqueConstraint("tenant_id", "proposal_uuid", "revision"),)
    _tenant_index = False  # the unique key leads with tenant_id

    proposal_uuid: Mapped[str] = mapped_column(sa.String(36))  # found through the unique key
    revision: Mapped[int]
    content: Mapped[dict[str, Any]] = mapped_column(JSONDocument)
    content_hash: Mapped[str] = mapped_column(sa.String(64))
    submitted_at: Mapped[datetime]  # node clock at the Admin Lokal's submit
    received_at: Mapped[datetime] = mapped_column(default=utcnow)  # this database's clock


class Attachment(PkMixin, TenantScoped, Base):
    """Evidence file; the bytes live in the content-addressed blob store under ``sha256``."""

    __tablename__ = "attachment"
    __table_args__ = (sa.UniqueConstraint("proposal_id", "sha256", "kind"),)

    proposal_id: Mapped[int] = mapped_column(sa.ForeignKey("proposal.id"), index=True)
    sha256: Mapped[str] = mapped_column(sa.String(64), index=True)
    kind: Mapped[str] = mapped_column(sa.String(32))
    filename: Mapped[str] = mapped_column(sa.String(255))
    size: Mapped[int]
    media_type: Mapped[str] = mapped_column(sa.String(100))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    uploaded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))

    proposal: Mapped[Proposal] = relationship(back_populates="attachments")


class ProposalComment(PkMixin, TenantScoped, Base):
    """A review comment (e.g. why the Admin Lokal returned the proposal)."""

    __tablename__ = "proposal_comment"

    proposal_id: Mapped[int] = mapped_column(sa.ForeignKey("proposal.id"), index=True)
    author_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    author_name: Mapped[str] = mapped_column(sa.String(120))
    body: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    proposal: Mapped[Proposal] = relationship(back_populates="comments")


# The tenant dashboards count proposals by unit, status and group: one covering index answers
# them without reading the (large) proposal rows.
sa.Index(
    "ix_proposal_overview",
    Proposal.tenant_id,
    Proposal.competition_id,
    Proposal.unit_id,
    Proposal.status,
    Proposal.group_code,
    Proposal.submitted_revision,
)

# The proposal list pages newest first: walking this index in order reads only one page of
# rows instead of sorting every proposal of the year.
sa.Index(
    "ix_proposal_list",
    Proposal.tenant_id,
    Proposal.competition_id,
    Proposal.updated_at,
    Proposal.id,
)
