"""Certificates for every finalist and award winner, verified by an unguessable code."""

from __future__ import annotations

import base64
import re
import secrets
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from central.announce.published import Publication, publication_for
from central.certificates.models import Certificate, CertificateKind
from central.certificates.pdf import CertificateTemplate, CertificateText, render
from shared.db import db, utcnow
from shared.models.proposal import Proposal
from shared.models.user import User
from shared.results import FINAL_STAGE, FINALIST_STAGE, award_label
from shared.services import audit

CODE_BYTES = 10  # 80 random bits: 16 base32 characters, printed in groups of four


def new_code() -> str:
    return base64.b32encode(secrets.token_bytes(CODE_BYTES)).decode("ascii").rstrip("=")


def normalise_code(raw: str) -> str:
    """What a person typed (any case, spaces or dashes) as stored."""
    return re.sub(r"[^A-Z2-7]", "", (raw or "").upper())[:32]


@dataclass
class IssueResult:
    issued: int = 0
    revoked: int = 0
    unchanged: int = 0


def _wanted(pub: Publication) -> dict[tuple[int, CertificateKind], tuple[Proposal, str | None]]:
    """(proposal id, kind) -> (proposal, award) for every certificate the year should have."""
    wanted: dict[tuple[int, CertificateKind], tuple[Proposal, str | None]] = {}
    if not pub.finalist_codes:
        return wanted
    proposals = db.session.execute(
        sa.select(Proposal)
        .where(Proposal.competition_id == pub.competition_id)
        .where(sa.or_(Proposal.stage_code.in_(pub.finalist_codes), Proposal.award.is_not(None)))
        .options(selectinload(Proposal.tenant), selectinload(Proposal.unit))
        .order_by(Proposal.id)
    ).scalars()
    for p in proposals:
        if p.stage_code in pub.finalist_codes:
            wanted[(p.id, CertificateKind.FINALIST)] = (p, None)
        if p.award:
            wanted[(p.id, CertificateKind.AWARD)] = (p, p.award)
    return wanted


def issue_certificates(competition_id: int, *, actor: User | None) -> IssueResult:
    """Issue the missing certificates of a year and revoke those no longer deserved.

    Idempotent. A certificate only verifies once its result is public, so issuing before the
    announcement reveals nothing.
    """
    result = IssueResult()
    pub = publication_for(competition_id)
    if pub is None:
        return result
    wanted = _wanted(pub)
    active = db.session.execute(
        sa.select(Certificate).where(
            Certificate.competition_id == competition_id, Certificate.revoked_at.is_(None)
        )
    ).scalars()
    for cert in active:
        want = wanted.get((cert.proposal_id, cert.kind))
        if want is not None and want[1] == cert.award:
            del wanted[(cert.proposal_id, cert.kind)]
            result.unchanged += 1
            continue
        cert.revoked_at = utcnow()
        cert.revoked_reason = (
            "award changed" if want is not None else "no longer a finalist or award winner"
        )
        audit.record(
            "certificate.revoked", cert, actor=actor, after={"reason": cert.revoked_reason}
        )
        result.revoked += 1
    for (_pid, kind), (proposal, award) in wanted.items():
        cert = Certificate(
            tenant_id=proposal.tenant_id,
            code=new_code(),
            proposal_id=proposal.id,
            competition_id=competition_id,
            year=pub.year,
            kind=kind,
            award=award,
            innovation_title=proposal.title,
            agency_name=proposal.tenant.name,
            unit_name=proposal.unit.name if proposal.unit else "",
            issued_by_id=actor.id if actor else None,
        )
        db.session.add(cert)
        db.session.flush()
        audit.record(
            "certificate.issued",
            cert,
            actor=actor,
            after={"proposal_uuid": proposal.uuid, "kind": kind.value, "award": award},
        )
        result.issued += 1
    db.session.flush()
    return result


def result_published(cert: Certificate, pub: Publication | None) -> bool:
    """Whether the result a certificate attests is public yet."""
    if pub is None:
        return False
    stage = FINALIST_STAGE if cert.kind == CertificateKind.FINALIST else FINAL_STAGE
    return pub.published(stage)


def publish_date(cert: Certificate, pub: Publication | None) -> datetime:
    """The date printed on the certificate: when its result was (or will be) announced."""
    stage = pub.stage(FINALIST_STAGE if cert.kind == CertificateKind.FINALIST else FINAL_STAGE)
    return (stage.publish_at if stage and stage.publish_at else None) or cert.issued_at


@dataclass(frozen=True)
class Verification:
    certificate: Certificate
    pub: Publication

    @property
    def revoked(self) -> bool:
        return self.certificate.revoked_at is not None


def verify(code: str, *, now: datetime | None = None) -> Verification | None:
    """The certificate with this code, if its result is public (else as if it did not exist)."""
    normalised = normalise_code(code)
    if len(normalised) < 16:
        return None
    # Public read: opts out of tenant scoping visibly; the result must be public (checked below).
    cert = db.session.execute(
        sa.select(Certificate)
        .where(Certificate.code == normalised)
        .execution_options(national=True)
    ).scalar_one_or_none()
    if cert is None:
        return None
    pub = publication_for(cert.competition_id, now)
    if pub is None or not result_published(cert, pub):
        return None
    return Verification(cert, pub)


def title_of(cert: Certificate) -> str:
    """What the certificate attests, in the current language."""
    if cert.kind == CertificateKind.FINALIST:
        return _(
            "Finalist (Top 99), Public Service Innovation Competition %(year)d", year=cert.year
        )
    return _(
        "%(award)s, Public Service Innovation Competition %(year)d",
        award=award_label(cert.award),
        year=cert.year,
    )


def template() -> CertificateTemplate:
    return CertificateTemplate.from_config(current_app.config.get("CERTIFICATE_TEMPLATE"))


def certificate_pdf(cert: Certificate, *, verify_url: str) -> bytes:
    """The certificate as a PDF, worded by the configured template (in its language)."""
    tpl = template()
    pub = publication_for(cert.competition_id)
    with force_locale(tpl.locale):
        award = award_label(cert.award) if cert.kind == CertificateKind.AWARD else None
    text = CertificateText(
        agency=cert.agency_name,
        unit=cert.unit_name,
        innovation=cert.innovation_title,
        award=award,
        year=cert.year,
        date=publish_date(cert, pub),
        code=cert.formatted_code,
        url=verify_url,
    )
    return render(text, tpl)
