"""Test data for the announcement features: published stages, finalists, winners, catalogue
entries, certificates and UNPSA nominations (each call commits, like tests/factories.py)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from shared.db import db, utcnow
from shared.models import Proposal, ProposalStatus, ScreeningResult, Stage, Tenant

SECTIONS = {
    "ringkasan": "Ringkasan singkat inovasi layanan.",
    "signifikansi": "Masalah: layanan lambat dan data warga tercecer.",
    "ide_inovatif": "Solusi: pendaftaran daring lewat aplikasi dan pesan singkat.",
    "kontribusi_sdgs": "Hasil: waktu tunggu turun dari tiga jam menjadi tiga puluh menit.",
    "adaptabilitas": "Dapat diterapkan di daerah lain dengan biaya kecil.",
    "keberlanjutan": "Sumber daya: anggaran daerah, dua operator, peraturan bupati.",
    "kolaborasi": "Bekerja sama dengan dinas kominfo dan kader desa.",
}


def past(days: int = 1) -> datetime:
    return utcnow() - timedelta(days=days)


def future(days: int = 30) -> datetime:
    return utcnow() + timedelta(days=days)


def set_publish(f: Any, competition_id: int | None = None, **times: datetime | None) -> None:
    """Set ``Stage.publish_at`` by stage code, e.g. ``set_publish(f, top99=past(), final=None)``."""
    comp_id = competition_id or f.competition().id

    def _set() -> None:
        for code, at in times.items():
            db.session.execute(
                sa.update(Stage)
                .where(Stage.competition_id == comp_id, Stage.code == code)
                .values(publish_at=at)
            )

    f.run(_set)


def proposal(
    f: Any,
    tenant: Tenant,
    *,
    stage_code: str | None = "top99",
    award: str | None = None,
    screening: ScreeningResult = ScreeningResult.PASSED,
    unit: Any = None,
    **kw: Any,
) -> Proposal:
    """A submitted proposal with judged results (a finalist by default)."""
    values: dict[str, Any] = {
        "status": ProposalStatus.SUBMITTED,
        "screening_result": screening,
        "stage_code": stage_code,
        "award": award,
        "sections": dict(SECTIONS),
        "contact_name": "Siti Aminah",
        "contact_email": "inovasi@example.go.id",
        "implementation_start": date(2021, 1, 4),
        "submitted_revision": 1,
        **kw,
    }
    return f.proposal(tenant, unit or f.unit(tenant), **values)


def catalogue_entry(f: Any, tenant: Tenant, *, published: bool = True, **kw: Any) -> Any:
    """A finalist's catalogue entry (built by the catalogue service)."""
    from central.catalogue.models import CatalogueEntry
    from central.catalogue.services import refresh_entries

    p = proposal(f, tenant, **kw)
    if published:
        set_publish(f, p.competition_id, top99=past())
    f.run(refresh_entries, p.competition_id, actor=None)
    return _one(f, sa.select(CatalogueEntry).where(CatalogueEntry.proposal_id == p.id))


def certificate(f: Any, tenant: Tenant, *, published: bool = True, **kw: Any) -> Any:
    """A finalist's certificate (issued by the certificate service)."""
    from central.certificates.models import Certificate, CertificateKind
    from central.certificates.services import issue_certificates

    p = proposal(f, tenant, **kw)
    if published:
        set_publish(f, p.competition_id, top99=past())
    f.run(issue_certificates, p.competition_id, actor=None)
    return _one(
        f,
        sa.select(Certificate).where(
            Certificate.proposal_id == p.id, Certificate.kind == CertificateKind.FINALIST
        ),
    )


def nomination(f: Any, tenant: Tenant, **kw: Any) -> Any:
    """A winner nominated to the current UNPSA cycle."""
    from central.unpsa.models import UnpsaNomination

    p = proposal(f, tenant, stage_code="final", award="top", **kw)
    set_publish(f, p.competition_id, top99=past(), final=past())
    n = UnpsaNomination(tenant_id=tenant.id, proposal_id=p.id, cycle_year=utcnow().year + 1)
    return f._save(n)


def _one(f: Any, stmt: Any) -> Any:
    from shared.tenancy import national_scope

    with f.app.app_context(), national_scope():
        obj = db.session.execute(stmt).scalar_one()
        db.session.expunge(obj)
        return obj
