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
    """A nomination to one UNPSA cycle.

    A withdrawn nomination keeps its row, so its English texts serve a later re-nomination and
    a colleague's open page can say what happened. It is marked by storing its cycle negated
    (``-2028``): every list of a cycle selects ``cycle_year == year`` and so leaves it out, the
    unique (proposal, cycle) pair still holds, and no column had to be added. Read the state
    through :attr:`withdrawn` and :attr:`cycle`, never through the sign.
    """

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

    proposal: Mapped[Proposal] = relationship()

    @property
    def withdrawn(self) -> bool:
        return self.cycle_year < 0

    @property
    def cycle(self) -> int:
        """The UNPSA cycle (year) it was nominated to, withdrawn or not."""
        return abs(self.cycle_year)

    def mark_withdrawn(self, withdrawn: bool) -> None:
        self.cycle_year = -self.cycle if withdrawn else self.cycle

    def __repr__(self) -> str:
        return f"<UnpsaNomination {self.proposal_id} {self.cycle_year}>"
