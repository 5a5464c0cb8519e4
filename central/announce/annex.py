"""The printable annex (lampiran) of the ministerial decree: a published list as a PDF table."""

from __future__ import annotations

import io
from collections.abc import Sequence
from xml.sax.saxutils import escape

from flask_babel import gettext as _
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from central.announce.results import ResultRow
from shared.db import utcnow
from shared.timeutil import format_wib

_BASE = ParagraphStyle("annex", fontName="Helvetica", fontSize=9, leading=11)
_HEAD = ParagraphStyle("annex-head", parent=_BASE, fontName="Helvetica-Bold")
_TITLE = ParagraphStyle(
    "annex-title", parent=_BASE, fontName="Helvetica-Bold", fontSize=12, leading=15, alignment=1
)
_NOTE = ParagraphStyle("annex-note", parent=_BASE, fontSize=8, textColor=colors.grey)


def _p(text: str, style: ParagraphStyle = _BASE) -> Paragraph:
    return Paragraph(escape(text), style)


def _table(rows: Sequence[ResultRow], width: float) -> Table:
    header = [
        _p(_("No."), _HEAD),
        _p(_("Innovation"), _HEAD),
        _p(_("Agency"), _HEAD),
        _p(_("Province"), _HEAD),
        _p(_("Category"), _HEAD),
    ]
    body = [
        [
            _p(str(i)),
            _p(r.title),
            _p(r.agency_name),
            _p(r.province_name or "-"),
            _p(r.category_label),
        ]
        for i, r in enumerate(rows, start=1)
    ]
    widths = [0.05, 0.38, 0.25, 0.14, 0.18]
    table = Table([header, *body], colWidths=[w * width for w in widths], repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.4, colors.black),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e3e8eb")),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    return table


def render_annex(
    title: str, sections: Sequence[tuple[str, Sequence[ResultRow]]], filters: str
) -> bytes:
    """A landscape A4 PDF: the decree heading, then one numbered table per section."""
    buf = io.BytesIO()
    doc = SimpleDocTemplate(
        buf,
        pagesize=landscape(A4),
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        topMargin=15 * mm,
        bottomMargin=15 * mm,
        title=title,
        author="KemenPAN-RB",
    )
    story: list = [
        _p(
            _(
                "ANNEX TO THE DECREE OF THE MINISTER OF ADMINISTRATIVE AND BUREAUCRATIC "
                "REFORM OF THE REPUBLIC OF INDONESIA"
            ),
            _HEAD,
        ),
        _p(_("NUMBER: ........................................")),
        Spacer(1, 6 * mm),
        _p(title, _TITLE),
        Spacer(1, 4 * mm),
    ]
    for heading, rows in sections:
        if heading:
            story += [_p(heading, _HEAD), Spacer(1, 2 * mm)]
        story += [_table(rows, doc.width), Spacer(1, 5 * mm)]
    note = _("Listed alphabetically. Printed %(at)s.", at=format_wib(utcnow()))
    if filters:
        note += " " + _("Filter: %(filters)s.", filters=filters)
    story.append(_p(note, _NOTE))

    def page_number(canvas, document) -> None:
        canvas.setFont("Helvetica", 8)
        canvas.drawRightString(landscape(A4)[0] - 15 * mm, 8 * mm, _("Page %(n)d", n=document.page))

    doc.build(story, onFirstPage=page_number, onLaterPages=page_number)
    return buf.getvalue()
