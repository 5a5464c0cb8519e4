"""UnpsaNomination: a winner nominated to the UN Public Service Awards, with its English texts."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shared.db import Base, PkMixin, TimestampMixin
from shared.db_types import JSONType
from shared.models.proposal import Proposal
from shared.tenancy import TenantScoped


class UnpsaNomination(PkMixin, TenantScoped, TimestampMixin, Base):
    """A nomination to one UNPSA cycle. A withdrawn one keeps its row (``withdrawn_at``), so
    its English texts serve a later re-nomination and a colleague's open page can say what
    happened; the lists of a cycle leave it out."""

    __tablename__ = "unpsa_nomination"
    __table_args__ = (sa.UniqueConstraint("proposal_id", "cycle_year"),)

    proposal_id: Mapped[int] = mapped_column(sa.ForeignKey("proposal.id"), index=True)
    cycle_year: Mapped[int] = mapped_column(index=True)
    category_code: Mapped[str] = mapped_column(sa.String(60), default="")
    title_en: Mapped[str] = mapped_column(sa.String(300), default="")
    summary_en: Mapped[str] = mapped_column(sa.Text, default="")
    problem_en: Mapped[str] = mapped_column(sa.Text, default="")
    solution_en: Mapped[str] = mapped_column(sa.Text, default="")
    impact_en: Mapped[str] = mapped_column(sa.Text, default="")
    sdgs: Mapped[list[int]] = mapped_column(JSONType, default=list)
    nominated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    exported_at: Mapped[datetime | None]
    withdrawn_at: Mapped[datetime | None]

    proposal: Mapped[Proposal] = relationship()

    @property
    def withdrawn(self) -> bool:
        return self.withdrawn_at is not None

    def __repr__(self) -> str:
        return f"<UnpsaNomination {self.proposal_id} {self.cycle_year}>"
