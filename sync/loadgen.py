"""Fill a node with many submitted proposals quickly (fault tests, benchmarks, demo).

Rows are written set-based, exactly as a submit leaves them: the proposal (status
submitted), its frozen revision with the canonical content and hash, and its outbox item.
``docs`` may be the JSON documents of ``../shared/bench/make_docs.py`` (their text fields
become the proposal's sections); otherwise plain generated text is used.
"""

from __future__ import annotations

import uuid as uuid_mod
from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa

from shared.blobstore import blob_store
from shared.db import db, utcnow
from shared.models.competition import Competition
from shared.models.proposal import Attachment, Proposal, ProposalRevision, ProposalStatus
from shared.models.tenant import Tenant
from shared.models.unit import Unit
from shared.services.content import content_hash, unit_content
from sync.models import OutboxItem, OutboxState

TEXT_FIELDS = (
    "summary",
    "problem",
    "novelty",
    "implementation",
    "impact",
    "replicability",
    "resources",
    "sustainability",
)


# The default form's sections (the documents' eight text fields fill the first seven).
SECTION_KEYS = (
    "ringkasan",
    "ide_inovatif",
    "signifikansi",
    "kontribusi_sdgs",
    "adaptabilitas",
    "keberlanjutan",
    "kolaborasi",
)


def _default_docs(count: int) -> Iterable[dict[str, Any]]:
    for n in range(count):
        yield {
            "id": str(uuid_mod.uuid4()),
            "title": f"Inovasi layanan generated nomor {n}",
            **{f: f"Teks {f} untuk inovasi nomor {n}. " * 20 for f in TEXT_FIELDS},
        }


def seed_submitted(
    tenant: Tenant,
    unit: Unit | None,
    count: int,
    *,
    docs: Iterable[dict[str, Any]] | None = None,
    attachments_per_proposal: int = 0,
    chunk: int = 1000,
) -> list[str]:
    """Write ``count`` submitted proposals with pending outbox items; returns their uuids."""
    competition = db.session.execute(
        sa.select(Competition).order_by(Competition.year.desc())
    ).scalar_one()
    version = competition.current
    submitted_at = min(utcnow(), competition.registration_closes_at - timedelta(minutes=1))
    unit_content_ = unit_content(unit) if unit is not None else None
    store = blob_store()
    uuids: list[str] = []
    source = iter(docs if docs is not None else _default_docs(count))
    written = 0
    while written < count:
        batch = []
        for _ in range(min(chunk, count - written)):
            doc = next(source)
            batch.append(doc)
        written += len(batch)
        proposals, revisions, outbox, files = [], [], [], []
        for doc in batch:
            uuid = str(doc.get("id") or uuid_mod.uuid4())
            sections = {
                key: str(doc.get(field, ""))
                for key, field in zip(SECTION_KEYS, TEXT_FIELDS, strict=False)
                if doc.get(field)
            }
            blobs = [
                store.put(f"{uuid}:{i}:".encode() + b"%PDF-1.4 generated\n" * 64)
                for i in range(attachments_per_proposal)
            ]
            attach = sorted(
                (
                    {
                        "sha256": b.sha256,
                        "kind": "document",
                        "filename": f"lampiran-{i}.pdf",
                        "size": b.size,
                        "media_type": "application/pdf",
                    }
                    for i, b in enumerate(blobs)
                ),
                key=lambda a: (a["kind"], a["sha256"], a["filename"]),
            )
            content = {
                "group_code": "umum",
                "category_code": "kesehatan",
                "title": str(doc.get("title") or uuid)[:300],
                "innovator": str(doc.get("unit_name") or "Tim Inovasi")[:300],
                "contact_name": "Admin Inovasi",
                "contact_phone": "0291-1",
                "contact_email": "inovasi@example.go.id",
                "video_url": "",
                "truth_declared": True,
                "replicates_title": "",
                "replicates_uuid": None,
                "uuid": uuid,
                "tenant_code": tenant.code,
                "competition_year": competition.year,
                "competition_version": version.number,
                "implementation_start": date(competition.year - 3, 1, 1).isoformat(),
                "sdgs": [16],
                "sections": dict(sorted(sections.items())),
                "unit": unit_content_,
                "attachments": attach,
            }
            digest = content_hash(content)
            proposals.append(
                {
                    "uuid": uuid,
                    "tenant_id": tenant.id,
                    "unit_id": unit.id if unit else None,
                    "competition_id": competition.id,
                    "competition_version_id": version.id,
                    "group_code": "umum",
                    "category_code": "kesehatan",
                    "sdgs": [16],
                    "title": content["title"],
                    "implementation_start": date(competition.year - 3, 1, 1),
                    "innovator": content["innovator"],
                    "contact_name": content["contact_name"],
                    "contact_phone": content["contact_phone"],
                    "contact_email": content["contact_email"],
                    "sections": content["sections"],
                    "truth_declared": True,
                    "status": ProposalStatus.SUBMITTED.value,
                    "revision": 1,
                    "content_hash": digest,
                    "submitted_at": submitted_at,
                    "submitted_revision": 1,
                    "created_at": submitted_at,
                    "updated_at": submitted_at,
                }
            )
            revisions.append(
                {
                    "tenant_id": tenant.id,
                    "proposal_uuid": uuid,
                    "revision": 1,
                    "content": content,
                    "content_hash": digest,
                    "submitted_at": submitted_at,
                    "received_at": submitted_at,
                }
            )
            outbox.append(
                {
                    "tenant_id": tenant.id,
                    "proposal_uuid": uuid,
                    "revision": 1,
                    "content_hash": digest,
                    "state": OutboxState.PENDING.value,
                    "attempts": 0,
                    "last_error": "",
                    "created_at": submitted_at,
                }
            )
            files.append((uuid, attach))
            uuids.append(uuid)
        ids = dict(
            db.session.execute(
                sa.insert(Proposal.__table__).returning(
                    Proposal.__table__.c.uuid, Proposal.__table__.c.id
                ),
                proposals,
            ).all()
        )
        db.session.execute(sa.insert(ProposalRevision.__table__), revisions)
        db.session.execute(sa.insert(OutboxItem.__table__), outbox)
        rows = [
            {"tenant_id": tenant.id, "proposal_id": ids[uuid], "created_at": submitted_at, **a}
            for uuid, attach in files
            for a in attach
        ]
        if rows:
            db.session.execute(sa.insert(Attachment.__table__), rows)
        db.session.commit()
    return uuids
