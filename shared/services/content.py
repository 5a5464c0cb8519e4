"""The canonical content of a proposal revision: what is frozen, hashed, synced and compared.

The content is a plain JSON document with stable keys. Its hash is the SHA-256 of its
canonical JSON form (sorted keys, no whitespace, UTF-8), so the same proposal gives the same
hash on a node and on central, whatever the database.
"""

from __future__ import annotations

import hashlib
import json
from datetime import date
from typing import Any

from shared.models.proposal import Proposal
from shared.models.unit import Unit

CONTENT_FIELDS = (
    "group_code",
    "category_code",
    "title",
    "innovator",
    "contact_name",
    "contact_phone",
    "contact_email",
    "video_url",
    "truth_declared",
    "replicates_title",
    "replicates_uuid",
)


def canonical_json(data: Any) -> bytes:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def content_hash(content: dict[str, Any]) -> str:
    return hashlib.sha256(canonical_json(content)).hexdigest()


def proposal_content(proposal: Proposal) -> dict[str, Any]:
    """Everything a revision freezes: header, sections, SDGs, unit and attachment references."""
    unit = proposal.unit
    content: dict[str, Any] = {name: getattr(proposal, name) for name in CONTENT_FIELDS}
    content.update(
        uuid=proposal.uuid,
        tenant_code=proposal.tenant.code,
        competition_year=proposal.competition.year,
        competition_version=proposal.competition_version.number,
        implementation_start=(
            proposal.implementation_start.isoformat() if proposal.implementation_start else None
        ),
        sdgs=sorted(proposal.sdgs or []),
        sections={k: v for k, v in sorted((proposal.sections or {}).items()) if v},
        unit=unit_content(unit) if unit is not None else None,
        attachments=sorted(
            (
                {
                    "sha256": a.sha256,
                    "kind": a.kind,
                    "filename": a.filename,
                    "size": a.size,
                    "media_type": a.media_type,
                }
                for a in proposal.attachments
            ),
            key=lambda a: (a["kind"], a["sha256"], a["filename"]),
        ),
    )
    return content


def unit_content(unit: Unit) -> dict[str, Any]:
    """A unit as a revision freezes it: its uuid (made where it was registered) and fields."""
    from shared.services.units import UNIT_FIELDS

    return {"uuid": unit.uuid, **{name: getattr(unit, name) for name in UNIT_FIELDS}}


def parse_date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None
