"""The published result lists: finalists and award winners, alphabetical, with filters."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import sqlalchemy as sa
from flask_babel import get_locale

from central.announce.published import Publication
from central.catalogue.models import CatalogueEntry
from shared.db import db
from shared.models.proposal import Proposal
from shared.models.tenant import Tenant, TenantKind
from shared.results import AWARD_ORDER, award_label
from shared.services.tenants import kind_label, official_regions


@dataclass(frozen=True)
class FilterOptions:
    """Choices of the public filters: (value, label) pairs."""

    kinds: list[tuple[str, str]]
    provinces: list[tuple[str, str]]
    categories: list[tuple[str, str]]


def filter_options(pub: Publication | None) -> FilterOptions:
    locale = str(get_locale() or "id")
    categories = (
        [(c.code, c.name.get(locale)) for c in pub.config.categories] if pub is not None else []
    )
    return FilterOptions(
        kinds=[(k.value, kind_label(k)) for k in TenantKind],
        provinces=sorted(province_names().items()),
        categories=categories,
    )


@lru_cache(maxsize=1)
def province_names() -> dict[str, str]:
    """Official province code -> name (shipped region data)."""
    return {r.code: r.name for r in official_regions() if r.kind == TenantKind.PROVINSI}


def tenant_province(kind: TenantKind | str, code: str, province_code: str | None) -> str | None:
    """The province of a tenant: its own code for a province, its parent for kabupaten/kota."""
    if province_code:
        return province_code
    return code if TenantKind(kind) == TenantKind.PROVINSI else None


def province_clause(province: str) -> sa.ColumnElement[bool]:
    return sa.or_(
        Tenant.province_code == province,
        sa.and_(Tenant.kind == TenantKind.PROVINSI, Tenant.code == province),
    )


@dataclass(frozen=True)
class ResultFilters:
    """Filters of the public lists; empty strings mean "all"."""

    agency_kind: str = ""
    province: str = ""
    category: str = ""

    @classmethod
    def from_args(cls, args: Any) -> ResultFilters:
        kind = args.get("kind", "").strip()
        return cls(
            agency_kind=kind if kind in {k.value for k in TenantKind} else "",
            province=args.get("province", "").strip()[:8],
            category=args.get("category", "").strip()[:40],
        )

    def as_args(self) -> dict[str, str]:
        return {
            k: v
            for k, v in (
                ("kind", self.agency_kind),
                ("province", self.province),
                ("category", self.category),
            )
            if v
        }


@dataclass(frozen=True)
class ResultRow:
    uuid: str
    title: str
    agency_code: str
    agency_name: str
    agency_kind: str
    province_code: str | None
    province_name: str
    category_code: str
    category_label: str
    group_code: str
    group_label: str
    year: int
    award: str | None
    award_label: str
    in_catalogue: bool = False

    def as_json(self) -> dict[str, Any]:
        return {
            "uuid": self.uuid,
            "title": self.title,
            "year": self.year,
            "agency": {
                "code": self.agency_code,
                "name": self.agency_name,
                "kind": self.agency_kind,
            },
            "province": (
                {"code": self.province_code, "name": self.province_name}
                if self.province_code
                else None
            ),
            "category": {"code": self.category_code, "name": self.category_label},
            "group": {"code": self.group_code, "name": self.group_label},
            "award": ({"code": self.award, "name": self.award_label} if self.award else None),
        }


def _rows(pub: Publication, filters: ResultFilters, where: list[Any]) -> list[ResultRow]:
    # Public read: opts out of tenant scoping visibly; callers pass only published conditions.
    stmt = (
        sa.select(
            Proposal.uuid,
            Proposal.title,
            Proposal.category_code,
            Proposal.group_code,
            Proposal.award,
            Tenant.code,
            Tenant.name,
            Tenant.kind,
            Tenant.province_code,
        )
        .join(Tenant, Tenant.id == Proposal.tenant_id)
        .where(Proposal.competition_id == pub.competition_id, *where)
        .execution_options(national=True)
    )
    if filters.agency_kind:
        stmt = stmt.where(Tenant.kind == TenantKind(filters.agency_kind))
    if filters.province:
        stmt = stmt.where(province_clause(filters.province))
    if filters.category:
        stmt = stmt.where(Proposal.category_code == filters.category)
    locale = str(get_locale() or "id")
    provinces = province_names()
    catalogued = set(
        db.session.execute(
            sa.select(CatalogueEntry.proposal_uuid)
            .where(CatalogueEntry.competition_id == pub.competition_id)
            .execution_options(national=True)
        ).scalars()
    )
    rows = []
    for r in db.session.execute(stmt):
        province = tenant_province(r.kind, r.code, r.province_code)
        award = pub.visible_award(r.award)
        rows.append(
            ResultRow(
                uuid=r.uuid,
                title=r.title,
                agency_code=r.code,
                agency_name=r.name,
                agency_kind=TenantKind(r.kind).value,
                province_code=province,
                province_name=provinces.get(province or "", ""),
                category_code=r.category_code,
                category_label=pub.category_label(r.category_code, locale),
                group_code=r.group_code,
                group_label=pub.group_label(r.group_code, locale),
                year=pub.year,
                award=award,
                award_label=award_label(award),
                in_catalogue=r.uuid in catalogued,
            )
        )
    # Published alphabetically, as the ministry does (not ranked); the same on every database.
    rows.sort(key=lambda r: (r.title.casefold(), r.agency_name.casefold(), r.uuid))
    return rows


def finalists(pub: Publication, filters: ResultFilters) -> list[ResultRow]:
    """The finalist list (Top 99) once public, else nothing."""
    if not pub.finalists_published or not pub.finalist_codes:
        return []
    return _rows(pub, filters, [Proposal.stage_code.in_(pub.finalist_codes)])


def winners(pub: Publication, filters: ResultFilters) -> dict[str, list[ResultRow]]:
    """Award code -> alphabetical list, the Top list first, once the final results are public."""
    if not pub.awards_published:
        return {}
    rows = _rows(pub, filters, [Proposal.award.is_not(None), Proposal.award != ""])
    out: dict[str, list[ResultRow]] = {}
    order = {code: i for i, code in enumerate(AWARD_ORDER)}
    for row in sorted(rows, key=lambda r: order.get(r.award or "", len(order))):
        out.setdefault(row.award or "", []).append(row)
    return out
