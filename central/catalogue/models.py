"""CatalogueEntry: a finalist or winner as the public catalogue shows it, for replication.

The entry copies the frozen, judged content of the proposal (title, agency, sections mapped to
problem, solution, results and resources) and holds what the owning tenant keeps current: the
status (continuing or stopped, with the date it was last confirmed), a replication-oriented
summary and the contact.  Stage and award are read live from the proposal, so a later decision
never leaves a stale copy; publication is decided at read time (central/announce/published.py).

Full-text search is kept by the database itself (created in the migration, not in this model):
SQLite has an FTS5 table ``catalogue_fts`` over (title, search_text) kept by triggers;
PostgreSQL has a weighted ``search_vector`` tsvector column with a GIN index, kept by a trigger.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shared.db import Base, PkMixin, TimestampMixin, utcnow
from shared.db_types import JSONType, str_enum
from shared.models.proposal import Proposal
from shared.models.tenant import Tenant, TenantKind
from shared.tenancy import TenantScoped


class ReplicationStatus(enum.StrEnum):
    CONTINUING = "continuing"
    STOPPED = "stopped"


class CatalogueEntry(PkMixin, TenantScoped, TimestampMixin, Base):
    __tablename__ = "catalogue_entry"

    proposal_id: Mapped[int] = mapped_column(sa.ForeignKey("proposal.id"), unique=True)
    proposal_uuid: Mapped[str] = mapped_column(sa.String(36), unique=True)
    competition_id: Mapped[int] = mapped_column(sa.ForeignKey("competition.id"), index=True)
    year: Mapped[int] = mapped_column(index=True)
    title: Mapped[str] = mapped_column(sa.String(300))
    agency_name: Mapped[str] = mapped_column(sa.String(200))
    agency_kind: Mapped[TenantKind] = mapped_column(str_enum(TenantKind), index=True)
    province_code: Mapped[str | None] = mapped_column(sa.String(8), index=True)
    unit_name: Mapped[str] = mapped_column(sa.String(200), default="")
    innovator: Mapped[str] = mapped_column(sa.String(300), default="")
    category_code: Mapped[str] = mapped_column(sa.String(40), index=True)
    group_code: Mapped[str] = mapped_column(sa.String(32))
    sdgs: Mapped[list[int]] = mapped_column(JSONType, default=list)
    implementation_start: Mapped[date | None]
    summary: Mapped[str] = mapped_column(sa.Text, default="")
    problem: Mapped[str] = mapped_column(sa.Text, default="")
    solution: Mapped[str] = mapped_column(sa.Text, default="")
    results: Mapped[str] = mapped_column(sa.Text, default="")
    resources: Mapped[str] = mapped_column(sa.Text, default="")
    adaptability: Mapped[str] = mapped_column(sa.Text, default="")
    video_url: Mapped[str] = mapped_column(sa.String(500), default="")
    replicates_uuid: Mapped[str | None] = mapped_column(sa.String(36), index=True)
    replicates_title: Mapped[str] = mapped_column(sa.String(300), default="")

    # Kept current by the owning tenant
    replication_summary: Mapped[str] = mapped_column(sa.Text, default="")
    contact_name: Mapped[str] = mapped_column(sa.String(120), default="")
    contact_phone: Mapped[str] = mapped_column(sa.String(40), default="")
    contact_email: Mapped[str] = mapped_column(sa.String(120), default="")
    status: Mapped[ReplicationStatus] = mapped_column(
        str_enum(ReplicationStatus), default=ReplicationStatus.CONTINUING
    )
    status_note: Mapped[str] = mapped_column(sa.String(500), default="")
    status_updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    # What the full-text index covers besides the title (rebuilt by the catalogue service)
    search_text: Mapped[str] = mapped_column(sa.Text, default="")

    proposal: Mapped[Proposal] = relationship()
    tenant: Mapped[Tenant] = relationship()

    def __repr__(self) -> str:
        return f"<CatalogueEntry {self.proposal_uuid} {self.year}>"
