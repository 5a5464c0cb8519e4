"""The UNPSA dossier of a nominee: an English PDF plus the evidence files, as one zip."""

from __future__ import annotations

import hashlib
import io
import json
import re
import zipfile
from xml.sax.saxutils import escape

from flask_babel import gettext as _
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from central.announce.results import province_names, tenant_province
from central.unpsa.models import UnpsaNomination
from central.unpsa.services import UnpsaCycle, checklist
from shared.blobstore import BlobStore
from shared.results import award_label
from shared.services import ServiceError


def _safe_name(name: str) -> str:
    cleaned = re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("._") or "file"
    return cleaned[:80]


def _paragraphs(text: str, style) -> list:
    return [Paragraph(escape(p).replace("\n", "<br/>"), style) for p in text.split("\n\n") if p]


def render_pdf(nomination: UnpsaNomination, cycle: UnpsaCycle) -> bytes:
    """The nominee's English dossier (A4)."""
    proposal = nomination.proposal
    tenant = proposal.tenant
    config = proposal.competition.config
    sdg_names = {s.number: s.name.en for s in config.sdgs}
    province = province_names().get(
        tenant_province(tenant.kind, tenant.code, tenant.province_code) or "", ""
    )
    styles = getSampleStyleSheet()
    buf = io.BytesIO()
    doc = SimpleDocTemplate(
        buf,
        pagesize=A4,
        leftMargin=20 * mm,
        rightMargin=20 * mm,
        topMargin=18 * mm,
        bottomMargin=18 * mm,
        title=nomination.title_en,
        author="KemenPAN-RB",
    )
    facts = [
        ("Country", "Indonesia"),
        ("Institution", tenant.name + (f", {province}" if province else "")),
        ("Unit", proposal.unit.name if proposal.unit else "-"),
        ("Original title", proposal.title),
        (
            "National award",
            f"{award_label(proposal.award)}, KIPP {proposal.competition.year}",
        ),
        ("UNPSA cycle", str(cycle.year)),
        ("UNPSA category", cycle.category_name(nomination.category_code)),
        (
            "Implemented since",
            proposal.implementation_start.isoformat() if proposal.implementation_start else "-",
        ),
        ("SDGs", "; ".join(f"{n}. {sdg_names.get(n, '')}" for n in nomination.sdgs)),
        (
            "Contact",
            ", ".join(
                v
                for v in (proposal.contact_name, proposal.contact_email, proposal.contact_phone)
                if v
            )
            or "-",
        ),
    ]
    table = Table(
        [
            [
                Paragraph(f"<b>{escape(k)}</b>", styles["Normal"]),
                Paragraph(escape(v), styles["Normal"]),
            ]
            for k, v in facts
        ],
        colWidths=[40 * mm, doc.width - 40 * mm],
    )
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    story: list = [
        Paragraph("United Nations Public Service Awards: nomination dossier", styles["Heading3"]),
        Paragraph(escape(nomination.title_en), styles["Title"]),
        table,
        Spacer(1, 6 * mm),
    ]
    for heading, text in (
        ("Summary", nomination.summary_en),
        ("Problem addressed", nomination.problem_en),
        ("Solution", nomination.solution_en),
        ("Impact", nomination.impact_en),
    ):
        story.append(Paragraph(heading, styles["Heading2"]))
        story += _paragraphs(text, styles["BodyText"])
    attachments = proposal.attachments
    if attachments:
        story.append(Paragraph("Attachments", styles["Heading2"]))
        story += [
            Paragraph(
                escape(f"{a.kind}: {a.filename} ({a.size:,} bytes, sha256 {a.sha256[:16]}…)"),
                styles["BodyText"],
            )
            for a in attachments
        ]
    doc.build(story)
    return buf.getvalue()


def build_dossier(
    nomination: UnpsaNomination, cycle: UnpsaCycle, *, store: BlobStore
) -> tuple[str, bytes]:
    """(file name, zip bytes); refused while a check fails or an attachment is missing."""
    failing = [c.label for c in checklist(nomination, cycle) if not c.ok]
    if failing:
        raise ServiceError(_("The dossier is not ready: %(items)s.", items="; ".join(failing)))
    proposal = nomination.proposal
    folder = f"unpsa-{cycle.year}-{_safe_name(proposal.tenant.code)}-{proposal.uuid[:8]}"
    files = []
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        pdf = render_pdf(nomination, cycle)
        zf.writestr(f"{folder}/dossier.pdf", pdf)
        files.append({"name": "dossier.pdf", "sha256": hashlib.sha256(pdf).hexdigest()})
        for i, att in enumerate(proposal.attachments, start=1):
            if not store.exists(att.sha256):
                raise ServiceError(
                    _("The attachment %(name)s is missing from the file store.", name=att.filename)
                )
            data = store.read(att.sha256)
            if hashlib.sha256(data).hexdigest() != att.sha256:
                raise ServiceError(
                    _("The attachment %(name)s is damaged in the file store.", name=att.filename)
                )
            name = f"attachments/{i:02d}-{_safe_name(att.kind)}-{_safe_name(att.filename)}"
            zf.writestr(f"{folder}/{name}", data)
            files.append({"name": name, "sha256": att.sha256, "kind": att.kind})
        manifest = {
            "cycle": cycle.year,
            "category": nomination.category_code,
            "title": nomination.title_en,
            "institution": proposal.tenant.name,
            "proposal_uuid": proposal.uuid,
            "files": files,
        }
        zf.writestr(f"{folder}/manifest.json", json.dumps(manifest, indent=2, ensure_ascii=False))
    return f"{folder}.zip", buf.getvalue()
