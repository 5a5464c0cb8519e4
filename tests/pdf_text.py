"""Read the text a reportlab PDF draws (enough for tests to check what a PDF says)."""

from __future__ import annotations

import base64
import re
import zlib

_STREAM = re.compile(rb"<<((?:(?!<<).)*?)>>\s*stream\r?\n(.*?)\r?\n?endstream", re.S)


def _decode(header: bytes, raw: bytes) -> bytes:
    if b"ASCII85Decode" in header:
        raw = base64.a85decode(raw.strip().removesuffix(b"~>"), adobe=False)
    if b"FlateDecode" in header:
        raw = zlib.decompress(raw)
    return raw


def pdf_text(data: bytes) -> str:
    """The strings shown by the PDF's content streams, joined by newlines."""
    assert data.startswith(b"%PDF-"), data[:20]
    texts = []
    for header, raw in _STREAM.findall(data):
        content = _decode(header, raw)
        for found in re.findall(rb"\(((?:[^()\\]|\\.)*)\)\s*Tj", content, re.S):
            text = re.sub(rb"\\(.)", rb"\1", found)
            texts.append(text.decode("latin-1"))
    return "\n".join(texts)


def pdf_drawing(data: bytes) -> bytes:
    """The decoded content streams (drawing operators) of a PDF."""
    return b"\n".join(_decode(header, raw) for header, raw in _STREAM.findall(data))
