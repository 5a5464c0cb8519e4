"""Finalist materials: slides, a summary and a video link, sent on central by the tenant.

Files go to the shared content-addressed blob store (:mod:`shared.blobstore`); the type is
checked from the bytes, not from the name. They are kept apart from the proposal's
attachments, which belong to the frozen submitted revision.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from werkzeug.datastructures import FileStorage
from werkzeug.utils import secure_filename

from central.judging.models import (
    EntryStatus,
    FinalistMaterial,
    JudgingStage,
    StageEntry,
    StageKind,
)
from shared.blobstore import blob_store
from shared.db import db
from shared.models.proposal import Proposal
from shared.models.user import User
from shared.services import ServiceError, audit

PDF = "application/pdf"
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
KINDS = {"slides": (PDF, PPTX), "summary": (PDF,)}
DEFAULT_MAX_MB = 10


def sniff(data: bytes) -> str | None:
    if data.startswith(b"%PDF-"):
        return PDF
    if data.startswith(b"PK\x03\x04") and b"ppt/" in data[:65536]:
        return PPTX
    return None


def finalist_stage(proposal: Proposal) -> JudgingStage | None:
    """The open finalist-phase stage the proposal is in (after the Top 99 list), if any."""
    stmt = (
        sa.select(JudgingStage)
        .join(StageEntry, StageEntry.stage_id == JudgingStage.stage_id)
        .where(
            StageEntry.proposal_id == proposal.id,
            StageEntry.status == EntryStatus.ACTIVE,
            JudgingStage.frozen_at.is_(None),
        )
    )
    for js in db.session.execute(stmt).scalars():
        if js.kind in (
            StageKind.GATE,
            StageKind.OBJECTION,
            StageKind.VERIFICATION,
            StageKind.FINAL,
        ) or (js.kind == StageKind.SCORED and js.has_schedule):
            return js
    return None


def material_of(proposal: Proposal) -> FinalistMaterial | None:
    stmt = sa.select(FinalistMaterial).where(FinalistMaterial.proposal_id == proposal.id)
    return db.session.execute(stmt).scalar_one_or_none()


@dataclass(frozen=True)
class Upload:
    data: bytes
    filename: str


def read_upload(storage: FileStorage | None) -> Upload | None:
    if storage is None or not storage.filename:
        return None
    return Upload(storage.read(), storage.filename)


def save(
    proposal: Proposal,
    *,
    actor: User,
    video_url: str,
    slides: Upload | None = None,
    summary: Upload | None = None,
) -> FinalistMaterial:
    """Store the finalist's materials; refused outside the finalist phase."""
    if finalist_stage(proposal) is None:
        raise ServiceError(_("Materials can be sent only while the proposal is a finalist."))
    video_url = video_url.strip()
    if video_url:
        parts = urlsplit(video_url)
        if parts.scheme not in ("http", "https") or not parts.netloc or len(video_url) > 500:
            raise ServiceError(_("Enter the full video address (https://...)."), field="video_url")
    limit = current_app.config.get("JUDGING_MATERIAL_MAX_MB", DEFAULT_MAX_MB) * 1024 * 1024
    material = material_of(proposal)
    if material is None:
        material = FinalistMaterial(proposal_id=proposal.id, tenant_id=proposal.tenant_id)
        db.session.add(material)
    material.video_url = video_url
    changed = {"video_url": video_url}
    for kind, upload in (("slides", slides), ("summary", summary)):
        if upload is None:
            continue
        if len(upload.data) > limit:
            raise ServiceError(
                _("The file is larger than %(mb)d MB.", mb=limit // (1024 * 1024)), field=kind
            )
        media_type = sniff(upload.data)
        if media_type not in KINDS[kind]:
            raise ServiceError(_("Slides: PDF or PowerPoint (.pptx). Summary: PDF."), field=kind)
        digest = blob_store().put(upload.data).sha256
        setattr(material, f"{kind}_sha256", digest)
        setattr(material, f"{kind}_filename", secure_filename(upload.filename) or kind)
        setattr(material, f"{kind}_size", len(upload.data))
        setattr(material, f"{kind}_media_type", media_type)
        changed[kind] = digest
    material.updated_by_id = actor.id
    db.session.flush()
    audit.record("judging.material.save", material, actor=actor, after=changed)
    return material


def file_of(material: FinalistMaterial, kind: str) -> tuple[Path, str, str] | None:
    """(path, filename, media type) of a stored material file."""
    if kind not in KINDS:
        return None
    digest = getattr(material, f"{kind}_sha256")
    if not digest:
        return None
    return (
        blob_store().path(digest),
        getattr(material, f"{kind}_filename"),
        getattr(material, f"{kind}_media_type"),
    )
