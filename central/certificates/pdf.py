"""The certificate PDF (reportlab): text from a template, a QR code with the verification URL."""

from __future__ import annotations

import io
from dataclasses import dataclass, fields, replace
from datetime import datetime
from typing import Any
from xml.sax.saxutils import escape

from babel.dates import format_date
from reportlab.graphics import renderPDF
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Paragraph

from shared.timeutil import wib_date


@dataclass(frozen=True)
class CertificateTemplate:
    """The wording of the certificate; ``{year}``, ``{award}``, ``{url}`` and ``{code}`` are filled
    in.  Override any field with the ``CERTIFICATE_TEMPLATE`` setting (a JSON object)."""

    heading: str = "PIAGAM PENGHARGAAN"
    issuer: str = (
        "Kementerian Pendayagunaan Aparatur Negara dan Reformasi Birokrasi Republik Indonesia"
    )
    intro: str = "memberikan penghargaan kepada"
    innovation_intro: str = "atas inovasi pelayanan publik"
    finalist_line: str = "sebagai Finalis Top 99 Kompetisi Inovasi Pelayanan Publik Tahun {year}"
    award_line: str = "sebagai {award} Kompetisi Inovasi Pelayanan Publik Tahun {year}"
    place: str = "Jakarta"
    signatory_title: str = "Menteri Pendayagunaan Aparatur Negara\ndan Reformasi Birokrasi"
    signatory_name: str = ""
    verify_note: str = "Periksa keaslian: {url}"
    code_label: str = "Kode sertifikat: {code}"
    locale: str = "id"

    @classmethod
    def from_config(cls, overrides: dict[str, Any] | None) -> CertificateTemplate:
        known = {f.name for f in fields(cls)}
        return replace(cls(), **{k: str(v) for k, v in (overrides or {}).items() if k in known})


@dataclass(frozen=True)
class CertificateText:
    agency: str
    unit: str
    innovation: str
    award: str | None  # label of the award; None for a finalist certificate
    year: int
    date: datetime
    code: str  # formatted, as printed
    url: str


def _style(size: float, *, bold: bool = False, leading: float | None = None) -> ParagraphStyle:
    return ParagraphStyle(
        f"s{size}{bold}",
        fontName="Helvetica-Bold" if bold else "Helvetica",
        fontSize=size,
        leading=leading or size * 1.25,
        alignment=TA_CENTER,
    )


def _centered(canvas: Canvas, text: str, style: ParagraphStyle, y: float, width: float) -> float:
    """Draw a wrapped, centred paragraph whose top is at ``y``; returns the y below it."""
    para = Paragraph(escape(text).replace("\n", "<br/>"), style)
    _, height = para.wrap(width, 1000)
    page_w = landscape(A4)[0]
    para.drawOn(canvas, (page_w - width) / 2, y - height)
    return y - height


def _qr(canvas: Canvas, value: str, x: float, y: float, size: float) -> None:
    widget = QrCodeWidget(value, barLevel="M")
    x0, y0, x1, y1 = widget.getBounds()
    drawing = Drawing(size, size, transform=[size / (x1 - x0), 0, 0, size / (y1 - y0), -x0, -y0])
    drawing.add(widget)
    renderPDF.draw(drawing, canvas, x, y)


def render(text: CertificateText, template: CertificateTemplate) -> bytes:
    """One certificate as a one-page landscape A4 PDF."""
    buf = io.BytesIO()
    width, height = landscape(A4)
    canvas = Canvas(buf, pagesize=(width, height), pageCompression=1)
    canvas.setTitle(f"{template.heading} {text.code}")
    canvas.setAuthor(template.issuer)
    canvas.setStrokeColor(colors.HexColor("#1f6f8b"))
    canvas.setLineWidth(3)
    canvas.rect(12 * mm, 12 * mm, width - 24 * mm, height - 24 * mm)
    canvas.setLineWidth(0.8)
    canvas.rect(15 * mm, 15 * mm, width - 30 * mm, height - 30 * mm)

    body = width - 70 * mm
    y = height - 30 * mm
    y = _centered(canvas, template.heading, _style(30, bold=True), y, body) - 6 * mm
    y = _centered(canvas, template.issuer, _style(13), y, body) - 2 * mm
    y = _centered(canvas, template.intro, _style(13), y, body) - 6 * mm
    y = _centered(canvas, text.agency, _style(20, bold=True), y, body) - 1 * mm
    if text.unit:
        y = _centered(canvas, text.unit, _style(13), y, body) - 4 * mm
    y = _centered(canvas, template.innovation_intro, _style(13), y, body) - 3 * mm
    y = _centered(canvas, f"\u201c{text.innovation}\u201d", _style(17, bold=True), y, body) - 5 * mm
    line = (
        template.award_line.format(award=text.award, year=text.year)
        if text.award
        else template.finalist_line.format(year=text.year)
    )
    _centered(canvas, line, _style(14), y, body)

    # Verification: QR code and the URL with the code, bottom left
    qr_size = 32 * mm
    _qr(canvas, text.url, 24 * mm, 24 * mm, qr_size)
    canvas.setFont("Helvetica", 8.5)
    canvas.drawString(
        24 * mm + qr_size + 4 * mm, 36 * mm, template.code_label.format(code=text.code)
    )
    canvas.drawString(
        24 * mm + qr_size + 4 * mm,
        31 * mm,
        template.verify_note.format(url=text.url, code=text.code),
    )

    # Place, date and signatory, bottom right
    right = width - 30 * mm
    day = format_date(wib_date(text.date), "d MMMM y", locale=template.locale)
    canvas.setFont("Helvetica", 11)
    y = 52 * mm
    canvas.drawRightString(right, y, f"{template.place}, {day}")
    for part in template.signatory_title.split("\n"):
        y -= 5 * mm
        canvas.drawRightString(right, y, part)
    if template.signatory_name:
        canvas.setFont("Helvetica-Bold", 11)
        canvas.drawRightString(right, 24 * mm, template.signatory_name)
    canvas.showPage()
    canvas.save()
    return buf.getvalue()
