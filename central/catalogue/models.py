"""The public catalogue (JIPPNas-like): one entry per finalist or winner, for replication.

``CatalogueEntry`` is narrow (what search filters, sorts and lists) and ``CatalogueText`` holds
the long texts (problem, solution, results, resources, the owner's replication summary, and the
text the full-text index covers), so that filtering and counting thousands of matches never
reads the long texts.  The entry copies the frozen, judged content of the proposal and holds
what the owning tenant keeps current: the status (continuing or stopped, with the date it was
last confirmed), the replication summary and the contact.

The stage and award are copies kept by the database itself: a trigger on ``proposal`` updates
every entry of a proposal whose ``stage_code`` or ``award`` changes, so a later decision (an
upheld objection) shows at once.  Publication is decided at read time against each stage's
publish time (central/announce/published.py).

Full-text search is kept by the database (created in the migration, outside this model):
SQLite has an FTS5 table ``catalogue_fts`` over ``catalogue_text`` (title, search_text) kept by
triggers; PostgreSQL has a weighted ``search_vector`` tsvector column on ``catalogue_text`` with
a GIN index, kept by a trigger.

``CatalogueState.version`` moves (by database triggers, in the same transaction) whenever any
entry or text is inserted, updated or deleted, whoever writes it (services, the trigger on
proposal, raw SQL).  Public search keeps per-process caches built from the catalogue and checks
them against this one number on every request (central/catalogue/search_index.py).
"""

from __future__ import annotations

import enum
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shared.db import Base, PkMixin, TimestampMixin, utcnow
from shared.db_types import JSONType, str_enum
from shared.models.tenant import Tenant, TenantKind
from shared.tenancy import TenantScoped


class ReplicationStatus(enum.StrEnum):
    CONTINUING = "continuing"
    STOPPED = "stopped"


class CatalogueEntry(PkMixin, TenantScoped, TimestampMixin, Base):
    __tablename__ = "catalogue_entry"
    # Covers what listing and counting read: which entries are public, and their order.
    __table_args__ = (
        sa.Index("ix_catalogue_entry_listing", "competition_id", "stage_code", "year", "title"),
    )

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
    video_url: Mapped[str] = mapped_column(sa.String(500), default="")
    replicates_uuid: Mapped[str | None] = mapped_column(sa.String(36), index=True)
    replicates_title: Mapped[str] = mapped_column(sa.String(300), default="")
    # Copies of the proposal's decision, kept by a database trigger on proposal
    stage_code: Mapped[str | None] = mapped_column(sa.String(40))
    award: Mapped[str | None] = mapped_column(sa.String(80))

    # Kept current by the owning tenant
    contact_name: Mapped[str] = mapped_column(sa.String(120), default="")
    contact_phone: Mapped[str] = mapped_column(sa.String(40), default="")
    contact_email: Mapped[str] = mapped_column(sa.String(120), default="")
    status: Mapped[ReplicationStatus] = mapped_column(
        str_enum(ReplicationStatus), default=ReplicationStatus.CONTINUING
    )
    status_note: Mapped[str] = mapped_column(sa.String(500), default="")
    status_updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    tenant: Mapped[Tenant] = relationship()
    text: Mapped[CatalogueText] = relationship(
        back_populates="entry", cascade="all, delete-orphan", uselist=False
    )

    def __repr__(self) -> str:
        return f"<CatalogueEntry {self.proposal_uuid} {self.year}>"


class CatalogueText(TenantScoped, Base):
    """The long texts of an entry (one row per entry) and what full-text search covers."""

    __tablename__ = "catalogue_text"

    entry_id: Mapped[int] = mapped_column(
        sa.ForeignKey("catalogue_entry.id", ondelete="CASCADE"), primary_key=True
    )
    title: Mapped[str] = mapped_column(sa.String(300))  # indexed with the text, weighted higher
    summary: Mapped[str] = mapped_column(sa.Text, default="")
    problem: Mapped[str] = mapped_column(sa.Text, default="")
    solution: Mapped[str] = mapped_column(sa.Text, default="")
    results: Mapped[str] = mapped_column(sa.Text, default="")
    resources: Mapped[str] = mapped_column(sa.Text, default="")
    adaptability: Mapped[str] = mapped_column(sa.Text, default="")
    replication_summary: Mapped[str] = mapped_column(sa.Text, default="")  # by the owner
    search_text: Mapped[str] = mapped_column(sa.Text, default="")

    entry: Mapped[CatalogueEntry] = relationship(back_populates="text")


class CatalogueState(Base):
    """One row: a version number the database moves on every change to the catalogue."""

    __tablename__ = "catalogue_state"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(sa.BigInteger, default=0)
