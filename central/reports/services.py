"""Reports: the national recap of results, and the Ministry of Finance's list of winning Pemda
innovations (regional incentive fund)."""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from sqlalchemy.orm import selectinload

from central.announce.published import Publication, publications
from central.announce.results import kind_label, province_names, tenant_province
from shared import spreadsheet
from shared.db import db
from shared.models.proposal import Proposal, ProposalStatus, ScreeningResult
from shared.models.tenant import Tenant, TenantKind
from shared.results import AWARD_ORDER, award_label

DIMENSIONS = {
    "kind": _l("Agency type"),
    "category": _l("Category"),
    "group": _l("Group"),
    "province": _l("Province"),
    "year": _l("Year"),
}


@dataclass
class RecapRow:
    key: str
    label: str
    submitted: int = 0
    passed: int = 0
    finalists: int = 0
    winners: int = 0


@dataclass
class Recap:
    year: int | None
    dimensions: dict[str, list[RecapRow]] = field(default_factory=dict)
    totals: RecapRow = field(default_factory=lambda: RecapRow("", ""))

    def chart(self, dimension: str, measure: str) -> list[tuple[str, int]]:
        """(label, count) pairs for a chart of one measure by one dimension."""
        return [(r.label, getattr(r, measure)) for r in self.dimensions[dimension]]


def recap(year: int | None) -> Recap:
    """Submitted, passed screening, finalists and winners by agency type, category, group,
    province and year (ministry-internal: embargoed decisions count too)."""
    pubs = {p.competition_id: p for p in publications()}
    keys = (
        Proposal.competition_id,
        Tenant.kind,
        Tenant.code,
        Tenant.province_code,
        Proposal.category_code,
        Proposal.group_code,
        Proposal.screening_result,
        Proposal.stage_code,
        Proposal.award,
    )
    stmt = (
        sa.select(*keys, sa.func.count().label("n"))
        .join(Tenant, Tenant.id == Proposal.tenant_id)
        .where(Proposal.status == ProposalStatus.SUBMITTED)
        .group_by(*keys)
    )
    if year is not None:
        wanted = [cid for cid, p in pubs.items() if p.year == year]
        stmt = stmt.where(Proposal.competition_id.in_(wanted))
    locale = str(get_locale() or "id")
    provinces = province_names()
    out = Recap(year, {name: [] for name in DIMENSIONS})
    rows: dict[str, dict[str, RecapRow]] = {name: {} for name in DIMENSIONS}
    for r in db.session.execute(stmt):
        pub: Publication = pubs[r.competition_id]
        province = tenant_province(r.kind, r.code, r.province_code) or ""
        keys = {
            "kind": (TenantKind(r.kind).value, kind_label(r.kind)),
            "category": (r.category_code, pub.category_label(r.category_code, locale)),
            "group": (r.group_code, pub.group_label(r.group_code, locale)),
            "province": (province, provinces.get(province, str(_("No province")))),
            "year": (str(pub.year), str(pub.year)),
        }
        counts = (
            r.n,
            r.n if r.screening_result == ScreeningResult.PASSED else 0,
            r.n if r.stage_code in pub.finalist_codes else 0,
            r.n if r.award else 0,
        )
        for name, (key, label) in keys.items():
            row = rows[name].setdefault(key, RecapRow(key, label))
            _add(row, counts)
        _add(out.totals, counts)
    for name, by_key in rows.items():
        ordered = sorted(
            by_key.values(),
            key=lambda x: x.key if name in ("year", "province") else x.label.casefold(),
        )
        out.dimensions[name] = ordered
    return out


def _add(row: RecapRow, counts: tuple[int, int, int, int]) -> None:
    row.submitted += counts[0]
    row.passed += counts[1]
    row.finalists += counts[2]
    row.winners += counts[3]


def _sheet(ws, header: list[str], rows: list[list[Any]], widths: list[int]) -> None:
    ws.append(header)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for row in rows:
        spreadsheet.append(ws, row)
    for i, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = ws.dimensions


def recap_xlsx(data: Recap) -> bytes:
    wb = Workbook()
    wb.remove(wb.active)
    header = [
        "",
        str(_("Submitted")),
        str(_("Passed screening")),
        str(_("Finalists")),
        str(_("Winners")),
    ]
    for name, title in DIMENSIONS.items():
        ws = wb.create_sheet(str(title)[:31])
        _sheet(
            ws,
            [str(title), *header[1:]],
            [
                [r.label, r.submitted, r.passed, r.finalists, r.winners]
                for r in data.dimensions[name]
            ],
            [40, 14, 18, 12, 12],
        )
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


@dataclass(frozen=True)
class PemdaWinner:
    year: int
    province: str
    agency_code: str
    agency_name: str
    agency_kind: str
    title: str
    award: str
    category: str
    group: str
    unit: str


def pemda_winners(year: int | None) -> list[PemdaWinner]:
    """Award-winning innovations of provinces, regencies and cities, once published."""
    pubs = {p.competition_id: p for p in publications() if p.awards_published}
    if year is not None:
        pubs = {cid: p for cid, p in pubs.items() if p.year == year}
    stmt = (
        sa.select(Proposal)
        .join(Tenant, Tenant.id == Proposal.tenant_id)
        .where(
            Proposal.competition_id.in_(list(pubs)),
            Proposal.award.is_not(None),
            Proposal.award != "",
            Tenant.kind.in_([TenantKind.PROVINSI, TenantKind.KABUPATEN, TenantKind.KOTA]),
        )
        .options(selectinload(Proposal.tenant), selectinload(Proposal.unit))
    )
    locale = str(get_locale() or "id")
    provinces = province_names()
    order = {code: i for i, code in enumerate(AWARD_ORDER)}
    keyed = []
    for p in db.session.execute(stmt).scalars():
        pub = pubs[p.competition_id]
        t = p.tenant
        winner = PemdaWinner(
            year=pub.year,
            province=provinces.get(tenant_province(t.kind, t.code, t.province_code) or "", ""),
            agency_code=t.code,
            agency_name=t.name,
            agency_kind=kind_label(t.kind),
            title=p.title,
            award=award_label(p.award),
            category=pub.category_label(p.category_code, locale),
            group=pub.group_label(p.group_code, locale),
            unit=p.unit.name if p.unit else "",
        )
        rank = order.get(p.award or "", len(order))
        keyed.append(((-pub.year, winner.province, t.code, rank, p.title.casefold()), winner))
    return [w for _, w in sorted(keyed, key=lambda kw: kw[0])]


def pemda_winners_xlsx(rows: list[PemdaWinner]) -> bytes:
    """The list for the Ministry of Finance (regional incentive fund), one row per innovation."""
    wb = Workbook()
    ws = wb.active
    ws.title = str(_("Winning Pemda innovations"))[:31]
    header = [
        str(_("No.")),
        str(_("Year")),
        str(_("Province")),
        str(_("Agency code")),
        str(_("Agency")),
        str(_("Agency type")),
        str(_("Innovation")),
        str(_("Award")),
        str(_("Category")),
        str(_("Group")),
        str(_("Unit")),
    ]
    data = [
        [
            i,
            w.year,
            w.province,
            w.agency_code,
            w.agency_name,
            w.agency_kind,
            w.title,
            w.award,
            w.category,
            w.group,
            w.unit,
        ]
        for i, w in enumerate(rows, start=1)
    ]
    _sheet(ws, header, data, [6, 8, 22, 12, 32, 14, 50, 30, 26, 14, 30])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
