"""Test helpers for central: real PDF letters, made with reportlab; version tokens of pages."""

from __future__ import annotations

import io
import re

from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas


def pdf_letter(text: str = "Surat permohonan akun Admin Lokal") -> bytes:
    """A one-page PDF, as an agency would scan or print its letter."""
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4)
    pdf.drawString(72, 760, text)
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def version_of(page: str, name: str = "version") -> str:
    """The version token a page's form carries (shared/web/stale.py); "" when it has none."""
    found = re.search(rf'name="{re.escape(name)}"[^>]*value="([^"]*)"', page)
    return found.group(1) if found else ""
