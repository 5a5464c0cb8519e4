"""Text as people typed it, without the invisible control characters a paste brings along.

A title pasted from a word processor may hold a vertical tab (its line break) or a NUL from a
PDF fragment: nobody can see them on the page, central refuses a NUL, and a spreadsheet
export cannot hold them. What was a line break stays one in multi-line texts and becomes a
space in one-line fields; the other control characters go. Sizes are shown as people read
them (:func:`format_size`).
"""

from __future__ import annotations

import re

_NEWLINES = re.compile(r"\r\n?|[\x0b\x0c\x1c-\x1e\x85\u2028\u2029]")
_CONTROLS = re.compile(r"[\x00-\x08\x0e-\x1b\x1f\x7f]")
_LINE_SPACE = re.compile(r"[\t\n]")


def tidy_text(value: str | None) -> str:
    """A multi-line text: line breaks as ``\\n``, tabs kept, other controls removed, trimmed."""
    return _CONTROLS.sub("", _NEWLINES.sub("\n", value or "")).strip()


def tidy_line(value: str | None) -> str:
    """A one-line field: line breaks and tabs as spaces, other controls removed, trimmed."""
    return _LINE_SPACE.sub(" ", tidy_text(value)).strip()


def format_size(size: int) -> str:
    """A number of bytes as people read it: "2.0 MB", or "40 KB" below a megabyte."""
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.1f} MB"
    return f"{max(1, round(size / 1024))} KB"
