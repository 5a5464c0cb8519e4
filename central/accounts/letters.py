"""Official request letters: checked to be real PDFs by their content, stored by SHA-256."""

from __future__ import annotations

import io
import warnings
from pathlib import Path

from flask_babel import gettext as _
from pypdf import PdfReader
from pypdf.errors import PdfReadError

from shared.blobstore import blob_store
from shared.services import ServiceError

PDF_MAGIC = b"%PDF-"


def check_pdf(data: bytes, *, max_mb: int) -> int:
    """Refuse anything that is not a readable, unencrypted PDF within the size limit.

    The file name and the browser's media type prove nothing; the bytes are parsed. Returns
    the number of pages.
    """
    if not data:
        raise ServiceError(_("Attach the request letter (PDF)."), field="letter")
    if len(data) > max_mb * 1024 * 1024:
        raise ServiceError(_("The letter is larger than %(mb)d MB.", mb=max_mb), field="letter")
    if PDF_MAGIC not in data[:1024]:  # the header may follow up to 1 KB of junk
        raise ServiceError(_("The letter must be a PDF document."), field="letter")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # a sloppy but readable PDF is still a letter
            reader = PdfReader(io.BytesIO(data), strict=False)
            if reader.is_encrypted:
                raise ServiceError(
                    _("The letter is password-protected; send it without a password."),
                    field="letter",
                )
            pages = len(reader.pages)
    except ServiceError:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, OSError, AssertionError):
        pages = 0
    if pages < 1:
        raise ServiceError(_("The letter is not a readable PDF document."), field="letter")
    return pages


def blob_path(sha256: str) -> Path:
    return blob_store().path(sha256)


def store(data: bytes) -> str:
    """Keep the letter in the content-addressed blob store; returns its SHA-256."""
    return blob_store().put(data).sha256
