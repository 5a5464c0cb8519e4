"""The text a PDF shows, read with pypdf (enough for tests to check what a PDF says)."""

from __future__ import annotations

import io

from pypdf import PdfReader


def pdf_text(data: bytes) -> str:
    """The text of every page, joined by newlines."""
    assert data.startswith(b"%PDF-"), data[:20]
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def pdf_drawing(data: bytes) -> bytes:
    """The decoded content streams (drawing operators) of every page."""
    reader = PdfReader(io.BytesIO(data))
    return b"\n".join(page.get_contents().get_data() for page in reader.pages)
