"""Competition (one per year), its versioned form configuration and its stages."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shared.competition_config import CompetitionConfig
from shared.db import Base, PkMixin, TimestampMixin, utcnow
from shared.db_types import JSONType


class Competition(PkMixin, TimestampMixin, Base):
    __tablename__ = "competition"

    year: Mapped[int] = mapped_column(unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    # Stored in UTC; shown and entered in WIB (see shared/timeutil.py).
    registration_opens_at: Mapped[datetime]
    registration_closes_at: Mapped[datetime]
    current_version: Mapped[int] = mapped_column(default=1)

    versions: Mapped[list[CompetitionVersion]] = relationship(
        back_populates="competition", order_by="CompetitionVersion.number"
    )
    stages: Mapped[list[Stage]] = relationship(
        back_populates="competition", order_by="Stage.position"
    )

    @property
    def current(self) -> CompetitionVersion:
        return next(v for v in self.versions if v.number == self.current_version)

    @property
    def config(self) -> CompetitionConfig:
        return self.current.config

    def is_open(self, at: datetime) -> bool:
        return self.registration_opens_at <= at < self.registration_closes_at

    def __repr__(self) -> str:
        return f"<Competition {self.year}>"


class CompetitionVersion(PkMixin, Base):
    """An immutable snapshot of the form and rules; proposals keep the one they were written on."""

    __tablename__ = "competition_version"
    __table_args__ = (sa.UniqueConstraint("competition_id", "number"),)

    competition_id: Mapped[int] = mapped_column(sa.ForeignKey("competition.id"), index=True)
    number: Mapped[int]
    data: Mapped[dict[str, Any]] = mapped_column(JSONType)
    note: Mapped[str] = mapped_column(sa.String(500), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    competition: Mapped[Competition] = relationship(back_populates="versions")

    @property
    def config(self) -> CompetitionConfig:
        cached = self.__dict__.get("_config_cache")
        if cached is None:
            cached = CompetitionConfig.from_json(self.data)
            self.__dict__["_config_cache"] = cached
        return cached


class Stage(PkMixin, Base):
    """A step of the competition year, with dates (screening, desk evaluation, Top 99, ...)."""

    __tablename__ = "stage"
    __table_args__ = (sa.UniqueConstraint("competition_id", "code"),)

    competition_id: Mapped[int] = mapped_column(sa.ForeignKey("competition.id"), index=True)
    code: Mapped[str] = mapped_column(sa.String(40))
    name_id: Mapped[str] = mapped_column(sa.String(120))
    name_en: Mapped[str] = mapped_column(sa.String(120))
    position: Mapped[int]
    starts_at: Mapped[datetime | None]
    ends_at: Mapped[datetime | None]
    publish_at: Mapped[datetime | None]  # results embargoed until then

    competition: Mapped[Competition] = relationship(back_populates="stages")

    def name(self, locale: str | None) -> str:
        return self.name_en if (locale or "id").startswith("en") else self.name_id
