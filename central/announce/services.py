"""The announcement: what the secretariat prepares, and what a tenant sees of its own results."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask_babel import get_locale
from sqlalchemy.orm import selectinload

from central.announce.published import Publication, StageInfo, publications
from central.catalogue.models import CatalogueEntry
from central.catalogue.services import RefreshResult, refresh_entries
from central.certificates.models import Certificate
from central.certificates.services import IssueResult, issue_certificates, result_published
from shared.db import db
from shared.models.competition import Competition
from shared.models.proposal import Proposal, ProposalStatus, ScreeningResult
from shared.models.user import User
from shared.results import award_label, screening_label
from shared.services import audit


@dataclass
class Prepared:
    catalogue: RefreshResult
    certificates: IssueResult


def prepare_announcement(pub: Publication, *, actor: User | None) -> Prepared:
    """Build the catalogue entries and certificates of a year (idempotent; national scope).

    Both stay invisible until the stage concerned is published, so this may run as soon as
    judging has decided; run it again after any later decision (an upheld objection).
    """
    catalogue = refresh_entries(pub.competition_id, actor=actor)
    certificates = issue_certificates(pub.competition_id, actor=actor)
    audit.record(
        "announcement.prepared",
        db.session.get(Competition, pub.competition_id),
        actor=actor,
        tenant_id=None,
        after={
            "year": pub.year,
            "catalogue_created": catalogue.created,
            "catalogue_updated": catalogue.updated,
            "certificates_issued": certificates.issued,
            "certificates_revoked": certificates.revoked,
        },
    )
    return Prepared(catalogue, certificates)


@dataclass(frozen=True)
class StageRow:
    stage: StageInfo
    published: bool


@dataclass(frozen=True)
class Overview:
    pub: Publication
    stages: list[StageRow]
    finalists: int
    winners: dict[str, int]
    entries: int
    certificates: int


def overview(pub: Publication) -> Overview:
    """Per stage its publish time and state; counts of what the announcement will show."""
    stages = [StageRow(s, s.publish_at is not None and s.publish_at <= pub.now) for s in pub.stages]
    base = sa.select(sa.func.count()).select_from(Proposal)
    base = base.where(Proposal.competition_id == pub.competition_id)
    finalists = db.session.execute(
        base.where(Proposal.stage_code.in_(pub.finalist_codes or ("",)))
    ).scalar_one()
    winners = dict(
        db.session.execute(
            sa.select(Proposal.award, sa.func.count())
            .where(Proposal.competition_id == pub.competition_id, Proposal.award.is_not(None))
            .group_by(Proposal.award)
        ).all()
    )
    entries = db.session.execute(
        sa.select(sa.func.count())
        .select_from(CatalogueEntry)
        .where(CatalogueEntry.competition_id == pub.competition_id)
    ).scalar_one()
    certificates = db.session.execute(
        sa.select(sa.func.count())
        .select_from(Certificate)
        .where(Certificate.competition_id == pub.competition_id, Certificate.revoked_at.is_(None))
    ).scalar_one()
    return Overview(pub, stages, finalists, winners, entries, certificates)


@dataclass(frozen=True)
class OwnResult:
    """One of the tenant's proposals with the results that are public so far."""

    proposal: Proposal
    year: int
    screening: ScreeningResult
    screening_reason: str
    stage: StageInfo | None
    award: str | None
    certificates: list[Certificate]
    entry_id: int | None

    @property
    def screening_label(self) -> str:
        return screening_label(self.screening)

    @property
    def award_label(self) -> str:
        return award_label(self.award)

    def stage_name(self) -> str:
        return self.stage.name(str(get_locale() or "id")) if self.stage else ""


def own_results(*, now: datetime | None = None) -> list[OwnResult]:
    """The current tenant's submitted proposals and their published results (tenant scope)."""
    pubs = {p.competition_id: p for p in publications(now)}
    proposals = db.session.execute(
        sa.select(Proposal)
        .where(Proposal.status == ProposalStatus.SUBMITTED)
        .options(selectinload(Proposal.unit))
        .order_by(Proposal.competition_id.desc(), Proposal.title)
    ).scalars()
    certs: dict[int, list[Certificate]] = {}
    for cert in db.session.execute(
        sa.select(Certificate).where(Certificate.revoked_at.is_(None)).order_by(Certificate.id)
    ).scalars():
        certs.setdefault(cert.proposal_id, []).append(cert)
    entries = dict(
        db.session.execute(sa.select(CatalogueEntry.proposal_id, CatalogueEntry.id)).all()
    )
    out = []
    for p in proposals:
        pub = pubs[p.competition_id]
        screened = pub.screening_published
        out.append(
            OwnResult(
                proposal=p,
                year=pub.year,
                screening=p.screening_result if screened else ScreeningResult.PENDING,
                screening_reason=p.screening_reason if screened else "",
                stage=pub.visible_stage(p.stage_code),
                award=pub.visible_award(p.award),
                certificates=[c for c in certs.get(p.id, []) if result_published(c, pub)],
                entry_id=entries.get(p.id) if pub.finalists_published else None,
            )
        )
    return out
