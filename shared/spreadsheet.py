"""Spreadsheets people download (CSV and XLSX), written so that text stays text.

A title or a name typed by a unit must never become a formula on the admin's machine
("CSV/formula injection"): in CSV, text starting with ``=``, ``+``, ``-``, ``@``, a tab or a
carriage return gets an apostrophe in front; in XLSX every text cell is stored as text
(openpyxl would otherwise store ``=...`` as a live formula). Every export goes through here.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
BOLD = Font(bold=True)


def csv_text(value: Any) -> Any:
    """A CSV field: text that a spreadsheet would run as a formula gets an apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def to_csv(head: Sequence[Any], body: Iterable[Sequence[Any]]) -> bytes:
    """UTF-8 with a byte-order mark, so spreadsheet programs read the accents right; dates
    as ISO dates, nothing as an empty field."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([csv_text(str(h)) for h in head])
    for row in body:
        writer.writerow(
            [
                "" if v is None else v.isoformat() if isinstance(v, date) else csv_text(v)
                for v in row
            ]
        )
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def write_only_book() -> Workbook:
    return Workbook(write_only=True)


def add_sheet(
    book: Workbook, title: str, head: Sequence[Any], body: Iterable[Sequence[Any]]
) -> None:
    """A sheet of a write-only workbook: a bold frozen header, text as text, dates shown as
    dates."""
    sheet = book.create_sheet(str(title)[:31])
    sheet.freeze_panes = "A2"
    header = []
    for text in head:
        cell = WriteOnlyCell(sheet, value=str(text))
        cell.font = BOLD
        cell.data_type = "s"
        header.append(cell)
    sheet.append(header)
    for row in body:
        sheet.append([_cell(sheet, value) for value in row])


def _cell(sheet: Any, value: Any) -> WriteOnlyCell:
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)  # what a cell cannot hold (old data)
    cell = WriteOnlyCell(sheet, value=value)
    if isinstance(value, date | datetime):
        cell.number_format = "DD-MM-YYYY"
    elif isinstance(value, str):
        cell.data_type = "s"  # never a formula
    return cell


def append(sheet: Any, row: Iterable[Any]) -> None:
    """A row of an ordinary (not write-only) sheet, its text kept as text."""
    sheet.append([ILLEGAL_CHARACTERS_RE.sub("", v) if isinstance(v, str) else v for v in row])
    keep_text(sheet[sheet.max_row])


def keep_text(row: Iterable[Any]) -> None:
    """Cells of an ordinary (not write-only) sheet just appended: their text stays text."""
    for cell in row:
        if isinstance(cell.value, str):
            cell.data_type = "s"


def one_sheet(title: str, head: Sequence[Any], body: Iterable[Sequence[Any]]) -> bytes:
    """A workbook of one sheet (see :func:`add_sheet`)."""
    book = write_only_book()
    add_sheet(book, title, head, body)
    return save(book)


def save(book: Workbook) -> bytes:
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
