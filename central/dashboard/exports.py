"""The dashboard as files: CSV (per tenant) and XLSX (per tenant plus every breakdown)."""

from __future__ import annotations

from flask_babel import gettext as _

from central.dashboard.services import Dashboard, Row, export_rows
from shared import spreadsheet


def to_csv(dash: Dashboard) -> bytes:
    """One line per tenant."""
    return spreadsheet.to_csv(*export_rows(dash.competition, dash.flt))


def to_xlsx(dash: Dashboard) -> bytes:
    """A workbook: per tenant, per type, province, category, group and per day."""
    wb = spreadsheet.write_only_book()
    header, rows = export_rows(dash.competition, dash.flt)
    spreadsheet.add_sheet(wb, _("Per tenant"), header, rows)

    def breakdown(title: str, items: list[Row]) -> None:
        if items:
            spreadsheet.add_sheet(
                wb,
                title,
                [_("Code"), _("Name"), _("All proposals"), _("Submitted")],
                [[r.key, r.label, r.total, r.submitted] for r in items],
            )

    breakdown(_("Per type"), dash.by_kind)
    breakdown(_("Per province"), dash.by_province)
    breakdown(_("Per category"), dash.by_category)
    breakdown(_("Per group"), dash.by_group)
    spreadsheet.add_sheet(
        wb, _("Per day"), [_("Day (WIB)"), _("Submitted")], [[d, n] for d, n in dash.per_day]
    )
    return spreadsheet.save(wb)
