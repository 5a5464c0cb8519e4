"""The proposal list as a spreadsheet (CSV or XLSX), with the same filters as the page.

Times are in WIB. A title typed by a unit must not become a formula on the admin's machine:
in CSV, text starting with ``=``, ``+``, ``-`` or ``@`` gets an apostrophe in front; in XLSX
every text cell is stored as text.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import date, datetime

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

from shared.models.proposal import Proposal
from shared.services.proposals import status_label
from shared.timeutil import format_wib

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
Value = str | int | date | None

COLUMNS = (
    ("no", _l("No.")),
    ("uuid", _l("Proposal ID")),
    ("unit", _l("Unit")),
    ("title", _l("Title")),
    ("group", _l("Group")),
    ("category", _l("Category")),
    ("sdgs", _l("SDG goals")),
    ("status", _l("Status")),
    ("revision", _l("Revision")),
    ("innovator", _l("Innovator or team")),
    ("implementation_start", _l("Implementation start")),
    ("contact", _l("Contact")),
    ("updated", _l("Last change (WIB)")),
    ("sent", _l("Sent to admin (WIB)")),
    ("submitted", _l("Submitted (WIB)")),
)


def header() -> list[str]:
    return [str(label) for _, label in COLUMNS]


def rows(proposals: Iterable[Proposal]) -> Iterable[list[Value]]:
    """One row per proposal, in the order of :data:`COLUMNS`."""
    locale = str(get_locale() or "id")
    configs: dict[int, object] = {}
    for number, p in enumerate(proposals, start=1):
        config = configs.get(p.competition_version_id)
        if config is None:
            config = configs[p.competition_version_id] = p.competition_version.config
        group = config.group(p.group_code)
        category = config.category(p.category_code)
        contact = " / ".join(x for x in (p.contact_name, p.contact_phone, p.contact_email) if x)
        yield [
            number,
            p.uuid,
            p.unit.name if p.unit else "",
            p.title,
            group.name.get(locale) if group else p.group_code,
            category.name.get(locale) if category else p.category_code,
            ", ".join(str(n) for n in sorted(p.sdgs or [])),
            status_label(p.status),
            p.revision,
            p.innovator,
            p.implementation_start,
            contact,
            format_wib(p.updated_at),
            format_wib(p.sent_at) if p.sent_at else "",
            format_wib(p.submitted_at) if p.submitted_at else "",
        ]


def _safe(value: Value) -> Value:
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def to_csv(head: Sequence[str], body: Iterable[Sequence[Value]]) -> bytes:
    """UTF-8 with a byte-order mark, so spreadsheet programs read the accents right."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(head)
    for row in body:
        writer.writerow(
            ["" if v is None else v.isoformat() if isinstance(v, date) else _safe(v) for v in row]
        )
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def to_xlsx(head: Sequence[str], body: Iterable[Sequence[Value]], *, title: str) -> bytes:
    """A workbook with one sheet, a bold frozen header and dates as real dates."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    book = Workbook(write_only=True)
    sheet = book.create_sheet(title[:31])
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    cells = []
    for text in head:
        cell = WriteOnlyCell(sheet, value=text)
        cell.font = bold
        cells.append(cell)
    sheet.append(cells)
    for row in body:
        out = []
        for value in row:
            cell = WriteOnlyCell(sheet, value=value)
            if isinstance(value, date | datetime):
                cell.number_format = "DD-MM-YYYY"
            elif isinstance(value, str):
                cell.data_type = "s"  # never a formula
            out.append(cell)
        sheet.append(out)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
