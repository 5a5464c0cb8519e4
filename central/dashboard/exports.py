"""The dashboard as files: CSV (per tenant) and XLSX (per tenant plus every breakdown)."""

from __future__ import annotations

import csv
import io

from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from central.dashboard.services import Dashboard, Row, export_rows


def to_csv(dash: Dashboard) -> bytes:
    """One line per tenant; UTF-8 with a BOM so spreadsheet programs read the accents."""
    header, rows = export_rows(dash.competition, dash.flt)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def to_xlsx(dash: Dashboard) -> bytes:
    """A workbook: per tenant, per type, province, category, group and per day."""
    wb = Workbook(write_only=True)
    bold = Font(bold=True)

    def sheet(title: str, header: list[str], rows: list[list]) -> None:
        ws = wb.create_sheet(title[:31])
        cells = []
        for value in header:
            cell = WriteOnlyCell(ws, value=value)
            cell.font = bold
            cells.append(cell)
        ws.append(cells)
        for row in rows:
            ws.append(row)

    header, rows = export_rows(dash.competition, dash.flt)
    sheet(_("Per tenant"), header, rows)

    def breakdown(title: str, items: list[Row]) -> None:
        if items:
            sheet(
                title,
                [_("Code"), _("Name"), _("All proposals"), _("Submitted")],
                [[r.key, r.label, r.total, r.submitted] for r in items],
            )

    breakdown(_("Per type"), dash.by_kind)
    breakdown(_("Per province"), dash.by_province)
    breakdown(_("Per category"), dash.by_category)
    breakdown(_("Per group"), dash.by_group)
    sheet(_("Per day"), [_("Day (WIB)"), _("Submitted")], [[d, n] for d, n in dash.per_day])
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
