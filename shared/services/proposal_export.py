"""The proposal list as a spreadsheet (CSV or XLSX), with the same filters as the page.

Times are in WIB. A title typed by a unit never becomes a formula on the admin's machine
(see :mod:`shared.spreadsheet`).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

from shared.models.proposal import Proposal
from shared.services.proposals import status_label
from shared.timeutil import format_wib

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
