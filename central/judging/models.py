"""National judging: stage setup, rubrics, panels, conflicts, assignments, scores, shortlists,
objections, presentation slots, finalist materials and field verification.

Everything here lives on central. Rows that tenants reach (presentation slots, finalist
materials) are tenant-scoped; the rest is ministry data, reached only through ministry roles.
"""

from __future__ import annotations

import enum
import secrets
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shared.db import Base, PkMixin, utcnow
from shared.db_types import JSONType, str_enum
from shared.models.competition import Competition, Stage
from shared.models.proposal import Proposal
from shared.models.tenant import Tenant
from shared.models.user import User
from shared.tenancy import TenantScoped


class StageKind(enum.StrEnum):
    EXTERNAL = "external"  # administrative screening: decided outside judging
    SCORED = "scored"  # judges score entrants with a rubric (desk, panel, presentation)
    GATE = "gate"  # a published list, no scoring (Top 99)
    OBJECTION = "objection"  # public objection period (masa sanggah)
    VERIFICATION = "verification"  # field verification notes
    FINAL = "final"  # final selection: Top list and special awards


class Normalisation(enum.StrEnum):
    RAW = "raw"  # the mean of the evaluators' weighted scores
    ZSCORE = "zscore"  # per-evaluator z-scores, rescaled to the stage's scale


class JudgingStage(PkMixin, Base):
    """How a competition stage is judged: kind, rubric version, rules, and its promotion."""

    __tablename__ = "judging_stage"

    stage_id: Mapped[int] = mapped_column(sa.ForeignKey("stage.id"), unique=True)
    kind: Mapped[StageKind] = mapped_column(str_enum(StageKind), default=StageKind.GATE)
    rubric_id: Mapped[int | None] = mapped_column(sa.ForeignKey("rubric.id"))
    normalisation: Mapped[Normalisation] = mapped_column(
        str_enum(Normalisation), default=Normalisation.RAW
    )
    evaluators_per_proposal: Mapped[int] = mapped_column(default=3)
    passing_grade: Mapped[float | None]
    disagreement_threshold: Mapped[float] = mapped_column(default=20.0)
    blind: Mapped[bool] = mapped_column(default=False)
    has_schedule: Mapped[bool] = mapped_column(default=False)
    shortlist_size: Mapped[int | None]
    # [{"dimension": "is_3t", "value": "yes", "min": 5, "max": None}, ...]
    composition_rules: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    # [{"code": "outstanding_achievement", "name_id": "...", "name_en": "..."}, ...]
    special_awards: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    schedule_settings: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    frozen_at: Mapped[datetime | None]
    frozen_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))

    stage: Mapped[Stage] = relationship()
    rubric: Mapped[Rubric | None] = relationship()
    frozen_by: Mapped[User | None] = relationship()

    @property
    def frozen(self) -> bool:
        return self.frozen_at is not None

    @property
    def competition(self) -> Competition:
        return self.stage.competition


class Rubric(PkMixin, Base):
    """One version of a rubric; versions are immutable once created (edit = new version)."""

    __tablename__ = "rubric"
    __table_args__ = (sa.UniqueConstraint("competition_id", "name", "version"),)

    competition_id: Mapped[int] = mapped_column(sa.ForeignKey("competition.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    version: Mapped[int] = mapped_column(default=1)
    note: Mapped[str] = mapped_column(sa.String(500), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))

    criteria: Mapped[list[RubricCriterion]] = relationship(
        back_populates="rubric", order_by="RubricCriterion.position", cascade="all, delete-orphan"
    )

    @property
    def label(self) -> str:
        return f"{self.name} v{self.version}"

    @property
    def total_weight(self) -> float:
        return sum(c.weight for c in self.criteria)


class RubricCriterion(PkMixin, Base):
    __tablename__ = "rubric_criterion"
    __table_args__ = (sa.UniqueConstraint("rubric_id", "code"),)

    rubric_id: Mapped[int] = mapped_column(sa.ForeignKey("rubric.id"), index=True)
    code: Mapped[str] = mapped_column(sa.String(40))
    name_id: Mapped[str] = mapped_column(sa.String(120))
    name_en: Mapped[str] = mapped_column(sa.String(120))
    aspect: Mapped[str] = mapped_column(sa.String(20), default="substance")
    weight: Mapped[float]
    min_score: Mapped[float] = mapped_column(default=0.0)
    max_score: Mapped[float] = mapped_column(default=100.0)
    position: Mapped[int] = mapped_column(default=0)

    rubric: Mapped[Rubric] = relationship(back_populates="criteria")

    def name(self, locale: str | None) -> str:
        return self.name_en if (locale or "id").startswith("en") else self.name_id


class PanelMember(PkMixin, Base):
    """A judge on a stage's panel (Tim Evaluasi or Tim Panel Independen)."""

    __tablename__ = "panel_member"
    __table_args__ = (sa.UniqueConstraint("stage_id", "user_id"),)

    stage_id: Mapped[int] = mapped_column(sa.ForeignKey("stage.id"), index=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"), index=True)
    added_at: Mapped[datetime] = mapped_column(default=utcnow)
    withdrawn_at: Mapped[datetime | None]
    withdrawn_reason: Mapped[str] = mapped_column(sa.Text, default="")

    user: Mapped[User] = relationship()

    @property
    def active(self) -> bool:
        return self.withdrawn_at is None


class JudgeAffiliation(PkMixin, Base):
    """An agency a judge belongs to: conflicts with its proposals and its province's."""

    __tablename__ = "judge_affiliation"
    __table_args__ = (sa.UniqueConstraint("user_id", "tenant_id"),)

    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"), index=True)
    tenant_id: Mapped[int] = mapped_column(sa.ForeignKey("tenant.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    tenant: Mapped[Tenant] = relationship()


class ConflictDeclaration(PkMixin, Base):
    """A declared conflict of interest: with one proposal, or with a whole agency."""

    __tablename__ = "conflict_declaration"
    __table_args__ = (
        sa.CheckConstraint(
            "proposal_id IS NOT NULL OR tenant_id IS NOT NULL", name="proposal_or_tenant"
        ),
    )

    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"), index=True)
    proposal_id: Mapped[int | None] = mapped_column(sa.ForeignKey("proposal.id"))
    tenant_id: Mapped[int | None] = mapped_column(sa.ForeignKey("tenant.id"))
    reason: Mapped[str] = mapped_column(sa.Text)
    declared_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    tenant: Mapped[Tenant | None] = relationship()


class EntryStatus(enum.StrEnum):
    ACTIVE = "active"  # in the stage now
    ADVANCED = "advanced"  # promoted to the next stage
    NOT_SELECTED = "not_selected"  # the stage was promoted without it
    REMOVED = "removed"  # taken out (objection upheld, withdrawal), with a reason


# Entrants that count in a stage's record: everyone but those taken out.
COUNTED = (EntryStatus.ACTIVE, EntryStatus.ADVANCED, EntryStatus.NOT_SELECTED)


class StageEntry(PkMixin, Base):
    """A proposal taking part in a stage; the promotion freezes its rank and score."""

    __tablename__ = "stage_entry"
    __table_args__ = (sa.UniqueConstraint("stage_id", "proposal_id"),)

    stage_id: Mapped[int] = mapped_column(sa.ForeignKey("stage.id"), index=True)
    proposal_id: Mapped[int] = mapped_column(sa.ForeignKey("proposal.id"), index=True)
    status: Mapped[EntryStatus] = mapped_column(
        str_enum(EntryStatus), default=EntryStatus.ACTIVE, index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    rank: Mapped[int | None]
    score: Mapped[float | None]
    removed_at: Mapped[datetime | None]
    removed_reason: Mapped[str] = mapped_column(sa.Text, default="")

    proposal: Mapped[Proposal] = relationship()


class AssignmentStatus(enum.StrEnum):
    ACTIVE = "active"
    WITHDRAWN = "withdrawn"  # the judge left the stage; reassigned
    CONFLICT = "conflict"  # a conflict came to light; reassigned
    REMOVED = "removed"  # taken off by the secretariat


class AssignmentSource(enum.StrEnum):
    AUTO = "auto"
    MANUAL = "manual"
    REASSIGN = "reassign"


class Assignment(PkMixin, Base):
    """A judge asked to score a proposal in a stage."""

    __tablename__ = "judging_assignment"
    __table_args__ = (
        sa.UniqueConstraint("stage_id", "proposal_id", "judge_id"),
        sa.Index("ix_judging_assignment_stage_judge", "stage_id", "judge_id"),
    )

    stage_id: Mapped[int] = mapped_column(sa.ForeignKey("stage.id"), index=True)
    proposal_id: Mapped[int] = mapped_column(sa.ForeignKey("proposal.id"), index=True)
    judge_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))
    status: Mapped[AssignmentStatus] = mapped_column(
        str_enum(AssignmentStatus), default=AssignmentStatus.ACTIVE
    )
    source: Mapped[AssignmentSource] = mapped_column(
        str_enum(AssignmentSource), default=AssignmentSource.AUTO
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[datetime | None]
    end_reason: Mapped[str] = mapped_column(sa.Text, default="")

    judge: Mapped[User] = relationship()
    proposal: Mapped[Proposal] = relationship()
    sheet: Mapped[ScoreSheet | None] = relationship(back_populates="assignment")


class SheetStatus(enum.StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    ABSTAINED = "abstained"


class ScoreSheet(PkMixin, Base):
    """A judge's scores for one proposal: a value and a justification per criterion."""

    __tablename__ = "score_sheet"
    __table_args__ = (sa.Index("ix_score_sheet_stage_status", "stage_id", "status"),)

    assignment_id: Mapped[int] = mapped_column(sa.ForeignKey("judging_assignment.id"), unique=True)
    stage_id: Mapped[int] = mapped_column(sa.ForeignKey("stage.id"))
    proposal_id: Mapped[int] = mapped_column(sa.ForeignKey("proposal.id"), index=True)
    judge_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"), index=True)
    rubric_id: Mapped[int] = mapped_column(sa.ForeignKey("rubric.id"))
    status: Mapped[SheetStatus] = mapped_column(str_enum(SheetStatus), default=SheetStatus.DRAFT)
    scores: Mapped[dict[str, float]] = mapped_column(JSONType, default=dict)
    justifications: Mapped[dict[str, str]] = mapped_column(JSONType, default=dict)
    total: Mapped[float | None]  # weighted, 0-100, set on submit
    abstain_reason: Mapped[str] = mapped_column(sa.Text, default="")
    rescore_note: Mapped[str] = mapped_column(sa.Text, default="")
    submissions: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    submitted_at: Mapped[datetime | None]

    assignment: Mapped[Assignment] = relationship(back_populates="sheet")
    judge: Mapped[User] = relationship()

    @property
    def done(self) -> bool:
        return self.status in (SheetStatus.SUBMITTED, SheetStatus.ABSTAINED)


class DiscussionMessage(PkMixin, Base):
    """The consolidation thread about one proposal in one stage."""

    __tablename__ = "discussion_message"
    __table_args__ = (sa.Index("ix_discussion_message_stage_proposal", "stage_id", "proposal_id"),)

    stage_id: Mapped[int] = mapped_column(sa.ForeignKey("stage.id"))
    proposal_id: Mapped[int] = mapped_column(sa.ForeignKey("proposal.id"))
    author_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    author_name: Mapped[str] = mapped_column(sa.String(120))
    body: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Shortlist(PkMixin, Base):
    """The proposed selection of a stage (e.g. the Top 99), with the rules it was built under."""

    __tablename__ = "shortlist"

    stage_id: Mapped[int] = mapped_column(sa.ForeignKey("stage.id"), unique=True)
    size: Mapped[int]
    rules: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    report: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    generated_at: Mapped[datetime] = mapped_column(default=utcnow)
    generated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))

    entries: Mapped[list[ShortlistEntry]] = relationship(
        back_populates="shortlist", cascade="all, delete-orphan", order_by="ShortlistEntry.id"
    )


class ShortlistEntry(PkMixin, Base):
    __tablename__ = "shortlist_entry"
    __table_args__ = (sa.UniqueConstraint("shortlist_id", "proposal_id"),)

    shortlist_id: Mapped[int] = mapped_column(sa.ForeignKey("shortlist.id"), index=True)
    proposal_id: Mapped[int] = mapped_column(sa.ForeignKey("proposal.id"))
    reason: Mapped[str] = mapped_column(sa.String(20), default="rank")  # rank, rule, swap
    rule_index: Mapped[int | None]
    added_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))

    shortlist: Mapped[Shortlist] = relationship(back_populates="entries")
    proposal: Mapped[Proposal] = relationship()


class SpecialAward(PkMixin, Base):
    """A special award of the final stage (Outstanding Achievement, Top Replikasi, ...)."""

    __tablename__ = "special_award"
    __table_args__ = (sa.UniqueConstraint("stage_id", "proposal_id"),)

    stage_id: Mapped[int] = mapped_column(sa.ForeignKey("stage.id"), index=True)
    proposal_id: Mapped[int] = mapped_column(sa.ForeignKey("proposal.id"))
    award: Mapped[str] = mapped_column(sa.String(80))
    note: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))

    proposal: Mapped[Proposal] = relationship()


class ObjectionStatus(enum.StrEnum):
    PENDING = "pending"
    UPHELD = "upheld"
    DISMISSED = "dismissed"


def _reference() -> str:
    return "SGH-" + secrets.token_hex(4).upper()


class Objection(PkMixin, Base):
    """A public objection (sanggahan) against a finalist, sent without an account."""

    __tablename__ = "objection"

    reference: Mapped[str] = mapped_column(sa.String(16), unique=True, default=_reference)
    stage_id: Mapped[int] = mapped_column(sa.ForeignKey("stage.id"), index=True)
    proposal_id: Mapped[int] = mapped_column(sa.ForeignKey("proposal.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(120), default="")
    email: Mapped[str] = mapped_column(sa.String(120))
    reason: Mapped[str] = mapped_column(sa.Text)
    status: Mapped[ObjectionStatus] = mapped_column(
        str_enum(ObjectionStatus), default=ObjectionStatus.PENDING, index=True
    )
    decision_reason: Mapped[str] = mapped_column(sa.Text, default="")
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    decided_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    remote_addr: Mapped[str] = mapped_column(sa.String(64), default="", index=True)

    proposal: Mapped[Proposal] = relationship()


class PresentationSlot(PkMixin, TenantScoped, Base):
    """A finalist's presentation and interview (7 + 13 minutes by default), in UTC."""

    __tablename__ = "presentation_slot"
    __table_args__ = (sa.UniqueConstraint("stage_id", "proposal_id"),)

    stage_id: Mapped[int] = mapped_column(sa.ForeignKey("stage.id"), index=True)
    proposal_id: Mapped[int] = mapped_column(sa.ForeignKey("proposal.id"))
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    session: Mapped[int] = mapped_column(default=1)  # the parallel video-conference room
    confirm_by: Mapped[datetime]
    confirmed_at: Mapped[datetime | None]
    confirmed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))

    proposal: Mapped[Proposal] = relationship()


class FinalistMaterial(PkMixin, TenantScoped, Base):
    """What a finalist sends for the presentation: slides, a summary and a video link."""

    __tablename__ = "finalist_material"

    proposal_id: Mapped[int] = mapped_column(sa.ForeignKey("proposal.id"), unique=True)
    video_url: Mapped[str] = mapped_column(sa.String(500), default="")
    slides_sha256: Mapped[str | None] = mapped_column(sa.String(64))
    slides_filename: Mapped[str] = mapped_column(sa.String(255), default="")
    slides_size: Mapped[int] = mapped_column(default=0)
    slides_media_type: Mapped[str] = mapped_column(sa.String(100), default="")
    summary_sha256: Mapped[str | None] = mapped_column(sa.String(64))
    summary_filename: Mapped[str] = mapped_column(sa.String(255), default="")
    summary_size: Mapped[int] = mapped_column(default=0)
    summary_media_type: Mapped[str] = mapped_column(sa.String(100), default="")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))


class VerificationOutcome(enum.StrEnum):
    CONFIRMED = "confirmed"
    CONCERNS = "concerns"
    NOT_CONFIRMED = "not_confirmed"


class VerificationNote(PkMixin, Base):
    """A field-verification visit by one judge: notes, findings and an outcome."""

    __tablename__ = "verification_note"
    __table_args__ = (sa.UniqueConstraint("stage_id", "proposal_id", "author_id"),)

    stage_id: Mapped[int] = mapped_column(sa.ForeignKey("stage.id"), index=True)
    proposal_id: Mapped[int] = mapped_column(sa.ForeignKey("proposal.id"))
    author_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))
    visited_on: Mapped[date]
    notes: Mapped[str] = mapped_column(sa.Text)
    findings: Mapped[str] = mapped_column(sa.Text, default="")
    outcome: Mapped[VerificationOutcome] = mapped_column(str_enum(VerificationOutcome))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    author: Mapped[User] = relationship()
