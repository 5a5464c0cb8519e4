"""The public catalogue (JIPPNas-like): entries for every finalist and winner, full-text search,
and what the owning tenant keeps current (status, replication summary, contact)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask_babel import get_locale
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from central.announce.published import Publication, StageInfo, publication_for, publications
from central.announce.results import province_names, tenant_province
from central.catalogue.models import CatalogueEntry, ReplicationStatus
from shared.db import db, utcnow
from shared.models.proposal import Proposal
from shared.models.tenant import TenantKind
from shared.models.user import User
from shared.results import AWARD_LABELS, award_label
from shared.services import ServiceError, audit

# Which proposal sections make up each part of the catalogue page (several are joined).
SECTION_MAP: dict[str, tuple[str, ...]] = {
    "summary": ("ringkasan",),
    "problem": ("signifikansi",),
    "solution": ("ide_inovatif",),
    "results": ("kontribusi_sdgs", "capaian_lanjutan"),
    "resources": ("keberlanjutan", "kolaborasi"),
    "adaptability": ("adaptabilitas", "inspirasi", "proses_replikasi", "faktor_pembeda"),
}
SNAPSHOT_FIELDS = (
    "title",
    "agency_name",
    "agency_kind",
    "province_code",
    "unit_name",
    "innovator",
    "category_code",
    "group_code",
    "sdgs",
    "implementation_start",
    *SECTION_MAP,
    "video_url",
    "replicates_uuid",
    "replicates_title",
)
OWNER_FIELDS = (
    "status",
    "status_note",
    "replication_summary",
    "contact_name",
    "contact_phone",
    "contact_email",
)
ANY_AWARD = "any"
PER_PAGE = 20
MAX_PER_PAGE = 100
_TOKEN = re.compile(r"[^\W_]+", re.UNICODE)
POSTGRES_TS_CONFIG = "pg_catalog.indonesian"  # as in the catalogue migration's trigger


# -- building entries ---------------------------------------------------------------------------


def _sections_text(sections: dict[str, str], keys: tuple[str, ...]) -> str:
    return "\n\n".join(sections[k].strip() for k in keys if (sections.get(k) or "").strip())


def rebuild_search_text(entry: CatalogueEntry, pub: Publication | None = None) -> None:
    """What full-text search covers besides the title (kept by the database's index)."""
    locale = "id"
    parts = [
        entry.agency_name,
        province_names().get(entry.province_code or "", ""),
        entry.unit_name,
        entry.innovator,
        pub.category_label(entry.category_code, locale) if pub else entry.category_code,
        entry.summary,
        entry.problem,
        entry.solution,
        entry.results,
        entry.resources,
        entry.adaptability,
        entry.replication_summary,
        entry.replicates_title,
    ]
    entry.search_text = "\n".join(p for p in parts if p)


def _snapshot(entry: CatalogueEntry, proposal: Proposal) -> None:
    tenant = proposal.tenant
    sections = proposal.sections or {}
    entry.title = proposal.title
    entry.agency_name = tenant.name
    entry.agency_kind = tenant.kind
    entry.province_code = tenant_province(tenant.kind, tenant.code, tenant.province_code)
    entry.unit_name = proposal.unit.name if proposal.unit else ""
    entry.innovator = proposal.innovator
    entry.category_code = proposal.category_code
    entry.group_code = proposal.group_code
    entry.sdgs = sorted(proposal.sdgs or [])
    entry.implementation_start = proposal.implementation_start
    for name, keys in SECTION_MAP.items():
        setattr(entry, name, _sections_text(sections, keys))
    entry.video_url = proposal.video_url
    entry.replicates_uuid = proposal.replicates_uuid or None
    entry.replicates_title = proposal.replicates_title


@dataclass
class RefreshResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0


def refresh_entries(competition_id: int, *, actor: User | None) -> RefreshResult:
    """Create or update the entry of every finalist (and so every winner) of a competition.

    Run before or after the announcement (idempotent): entries stay invisible until the
    finalist list is public, and what the owner keeps current is never overwritten.
    """
    pub = publication_for(competition_id)
    result = RefreshResult()
    if pub is None or not pub.finalist_codes:
        return result
    proposals = db.session.execute(
        sa.select(Proposal)
        .where(Proposal.competition_id == competition_id)
        .where(Proposal.stage_code.in_(pub.finalist_codes))
        .options(selectinload(Proposal.tenant), selectinload(Proposal.unit))
        .order_by(Proposal.id)
    ).scalars()
    existing = {
        e.proposal_id: e
        for e in db.session.execute(
            sa.select(CatalogueEntry).where(CatalogueEntry.competition_id == competition_id)
        ).scalars()
    }
    for proposal in proposals:
        entry = existing.get(proposal.id)
        if entry is None:
            entry = CatalogueEntry(
                tenant_id=proposal.tenant_id,
                proposal_id=proposal.id,
                proposal_uuid=proposal.uuid,
                competition_id=competition_id,
                year=pub.year,
                contact_name=proposal.contact_name,
                contact_phone=proposal.contact_phone,
                contact_email=proposal.contact_email,
            )
            _snapshot(entry, proposal)
            rebuild_search_text(entry, pub)
            db.session.add(entry)
            db.session.flush()
            audit.record(
                "catalogue.entry_created",
                entry,
                actor=actor,
                after={"proposal_uuid": proposal.uuid, "year": pub.year},
            )
            result.created += 1
            continue
        before = audit.snapshot(entry, SNAPSHOT_FIELDS)
        _snapshot(entry, proposal)
        after = audit.snapshot(entry, SNAPSHOT_FIELDS)
        if before == after:
            result.unchanged += 1
            continue
        rebuild_search_text(entry, pub)
        changed = sorted(k for k in after if after[k] != before[k])
        audit.record(
            "catalogue.entry_refreshed",
            entry,
            actor=actor,
            before={k: before[k] for k in changed},
            after={k: after[k] for k in changed},
        )
        result.updated += 1
    db.session.flush()
    return result


def update_entry(entry: CatalogueEntry, *, actor: User, **values: Any) -> CatalogueEntry:
    """The owning tenant confirms or changes the status, replication summary and contact.

    Every save counts as a status confirmation: the date of the last update moves to now.
    """
    status = values.get("status")
    if status not in {s.value for s in ReplicationStatus}:
        raise ServiceError(_("Choose whether the innovation continues or has stopped."), "status")
    email = (values.get("contact_email") or "").strip()
    if email and ("@" not in email or " " in email):
        raise ServiceError(_("Enter a valid email address."), "contact_email")
    before = audit.snapshot(entry, OWNER_FIELDS)
    entry.status = ReplicationStatus(status)
    entry.status_note = (values.get("status_note") or "").strip()[:500]
    entry.replication_summary = (values.get("replication_summary") or "").strip()
    entry.contact_name = (values.get("contact_name") or "").strip()[:120]
    entry.contact_phone = (values.get("contact_phone") or "").strip()[:40]
    entry.contact_email = email[:120]
    entry.status_updated_at = utcnow()
    rebuild_search_text(entry, publication_for(entry.competition_id))
    db.session.flush()
    audit.record(
        "catalogue.entry_updated",
        entry,
        actor=actor,
        before=before,
        after=audit.snapshot(entry, OWNER_FIELDS),
    )
    return entry


# -- reading published entries -----------------------------------------------------------------


@dataclass(frozen=True)
class CatalogueItem:
    """An entry as the public sees it: the award and stage only once they are public."""

    entry: CatalogueEntry
    award: str | None
    stage: StageInfo | None
    pub: Publication

    @property
    def award_label(self) -> str:
        return award_label(self.award)

    @property
    def province_name(self) -> str:
        return province_names().get(self.entry.province_code or "", "")

    @property
    def category_label(self) -> str:
        return self.pub.category_label(self.entry.category_code, str(get_locale() or "id"))

    @property
    def group_label(self) -> str:
        return self.pub.group_label(self.entry.group_code, str(get_locale() or "id"))

    def stage_name(self) -> str:
        return self.stage.name(str(get_locale() or "id")) if self.stage else ""

    def as_json(self, *, detail: bool = False) -> dict[str, Any]:
        e = self.entry
        data: dict[str, Any] = {
            "uuid": e.proposal_uuid,
            "title": e.title,
            "year": e.year,
            "agency": {"name": e.agency_name, "kind": e.agency_kind.value},
            "province": (
                {"code": e.province_code, "name": self.province_name} if e.province_code else None
            ),
            "category": {"code": e.category_code, "name": self.category_label},
            "group": {"code": e.group_code, "name": self.group_label},
            "award": {"code": self.award, "name": self.award_label} if self.award else None,
            "stage": {"code": self.stage.code, "name": self.stage_name()} if self.stage else None,
            "status": e.status.value,
            "status_updated_at": e.status_updated_at.isoformat(),
            "summary": e.summary,
            "replicates": (
                {"uuid": e.replicates_uuid, "title": e.replicates_title}
                if (e.replicates_uuid or e.replicates_title)
                else None
            ),
        }
        if detail:
            data.update(
                unit=e.unit_name,
                innovator=e.innovator,
                sdgs=list(e.sdgs or []),
                implementation_start=(
                    e.implementation_start.isoformat() if e.implementation_start else None
                ),
                problem=e.problem,
                solution=e.solution,
                results=e.results,
                resources=e.resources,
                adaptability=e.adaptability,
                replication_summary=e.replication_summary,
                status_note=e.status_note,
                video_url=e.video_url,
                contact={
                    "name": e.contact_name,
                    "phone": e.contact_phone,
                    "email": e.contact_email,
                },
            )
        return data


def _published_stmt(pubs: list[Publication]) -> sa.Select | None:
    """Entries whose finalist list is public and whose proposal is still a finalist."""
    visible = [p for p in pubs if p.finalists_published and p.finalist_codes]
    if not visible:
        return None
    return (
        sa.select(CatalogueEntry, Proposal.award, Proposal.stage_code)
        .join(Proposal, Proposal.id == CatalogueEntry.proposal_id)
        .where(
            sa.or_(
                *(
                    sa.and_(
                        CatalogueEntry.competition_id == p.competition_id,
                        Proposal.stage_code.in_(p.finalist_codes),
                    )
                    for p in visible
                )
            )
        )
    )


def _items(rows: Any, pubs: dict[int, Publication]) -> list[CatalogueItem]:
    out = []
    for entry, award, stage_code in rows:
        pub = pubs[entry.competition_id]
        out.append(
            CatalogueItem(entry, pub.visible_award(award), pub.visible_stage(stage_code), pub)
        )
    return out


@dataclass
class CatalogueQuery:
    """Search parameters (from a form or the API); empty means "all"."""

    q: str = ""
    category: str = ""
    province: str = ""
    year: int | None = None
    award: str = ""
    agency_kind: str = ""
    status: str = ""
    page: int = 1
    per_page: int = PER_PAGE

    @classmethod
    def from_args(cls, args: Any) -> CatalogueQuery:
        """Read request arguments; raises ServiceError on values that cannot be numbers."""

        def number(name: str, default: int | None) -> int | None:
            raw = (args.get(name) or "").strip()
            if not raw:
                return default
            if not raw.isdigit():
                raise ServiceError(_("%(name)s must be a whole number.", name=name), name)
            return int(raw)

        award = (args.get("award") or "").strip()
        kind = (args.get("kind") or "").strip()
        status = (args.get("status") or "").strip()
        return cls(
            q=(args.get("q") or "").strip()[:200],
            category=(args.get("category") or "").strip()[:40],
            province=(args.get("province") or "").strip()[:8],
            year=number("year", None),
            award=award if award in {*AWARD_LABELS, ANY_AWARD} else "",
            agency_kind=kind if kind in {k.value for k in TenantKind} else "",
            status=status if status in {s.value for s in ReplicationStatus} else "",
            page=max(1, number("page", 1) or 1),
            per_page=min(MAX_PER_PAGE, max(1, number("per_page", PER_PAGE) or PER_PAGE)),
        )

    @property
    def tokens(self) -> list[str]:
        return _TOKEN.findall(self.q.casefold())[:12]


@dataclass
class SearchPage:
    items: list[CatalogueItem]
    total: int
    page: int
    per_page: int
    years: list[int] = field(default_factory=list)

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def prev_num(self) -> int:
        return self.page - 1

    @property
    def next_num(self) -> int:
        return self.page + 1


def _full_text(stmt: sa.Select, tokens: list[str]) -> tuple[sa.Select, Any]:
    """Add the full-text match; returns the statement and the relevance ordering."""
    if db.engine.dialect.name == "postgresql":
        query = " & ".join(f"{t}:*" for t in tokens)
        tsquery = sa.func.to_tsquery(
            sa.literal_column(f"'{POSTGRES_TS_CONFIG}'::regconfig"), sa.literal(query)
        )
        vector = sa.literal_column("catalogue_entry.search_vector")
        return stmt.where(vector.op("@@")(tsquery)), sa.func.ts_rank_cd(vector, tsquery).desc()
    match = " ".join(f'"{t}"*' for t in tokens)
    fts = (
        sa.text("SELECT rowid AS id, rank AS score FROM catalogue_fts WHERE catalogue_fts MATCH :q")
        .bindparams(q=match)
        .columns(id=sa.Integer, score=sa.Float)
        .subquery("fts")
    )
    return stmt.join(fts, fts.c.id == CatalogueEntry.id), fts.c.score.asc()


def search(query: CatalogueQuery, *, now: datetime | None = None) -> SearchPage:
    """Published finalists and winners matching the query, best match first (or newest)."""
    pubs = publications(now)
    by_id = {p.competition_id: p for p in pubs}
    years = sorted({p.year for p in pubs if p.finalists_published}, reverse=True)
    stmt = _published_stmt(pubs)
    if stmt is None:
        return SearchPage([], 0, query.page, query.per_page, years)
    if query.year is not None:
        stmt = stmt.where(CatalogueEntry.year == query.year)
    if query.category:
        stmt = stmt.where(CatalogueEntry.category_code == query.category)
    if query.province:
        stmt = stmt.where(CatalogueEntry.province_code == query.province)
    if query.agency_kind:
        stmt = stmt.where(CatalogueEntry.agency_kind == TenantKind(query.agency_kind))
    if query.status:
        stmt = stmt.where(CatalogueEntry.status == ReplicationStatus(query.status))
    if query.award:
        awarded = [p.competition_id for p in pubs if p.awards_published]
        stmt = stmt.where(CatalogueEntry.competition_id.in_(awarded))
        if query.award == ANY_AWARD:
            stmt = stmt.where(Proposal.award.is_not(None), Proposal.award != "")
        else:
            stmt = stmt.where(Proposal.award == query.award)
    order: list[Any] = []
    if query.tokens:
        stmt, relevance = _full_text(stmt, query.tokens)
        order.append(relevance)
    order += [CatalogueEntry.year.desc(), sa.func.lower(CatalogueEntry.title), CatalogueEntry.id]
    # Public read: opts out of tenant scoping visibly; _published_stmt keeps it to public data.
    count = sa.select(sa.func.count()).select_from(stmt.order_by(None).subquery())
    total = db.session.execute(count.execution_options(national=True)).scalar_one()
    rows = db.session.execute(
        stmt.order_by(*order)
        .limit(query.per_page)
        .offset((query.page - 1) * query.per_page)
        .execution_options(national=True)
    ).all()
    return SearchPage(_items(rows, by_id), total, query.page, query.per_page, years)


@dataclass
class EntryPage:
    item: CatalogueItem
    inspiration: CatalogueItem | None
    replicated_by: list[CatalogueItem]


def published_entry(proposal_uuid: str, *, now: datetime | None = None) -> EntryPage | None:
    """One published entry with its inspiration and the published entries that replicate it."""
    pubs = publications(now)
    by_id = {p.competition_id: p for p in pubs}
    stmt = _published_stmt(pubs)
    if stmt is None:
        return None
    # Public reads: opt out of tenant scoping visibly, only ever on published entries.
    row = db.session.execute(
        stmt.where(CatalogueEntry.proposal_uuid == proposal_uuid).execution_options(national=True)
    ).first()
    if row is None:
        return None
    item = _items([row], by_id)[0]
    inspiration = None
    if item.entry.replicates_uuid:
        found = db.session.execute(
            stmt.where(
                CatalogueEntry.proposal_uuid == item.entry.replicates_uuid
            ).execution_options(national=True)
        ).all()
        inspiration = _items(found, by_id)[0] if found else None
    replicas = db.session.execute(
        stmt.where(CatalogueEntry.replicates_uuid == proposal_uuid)
        .order_by(CatalogueEntry.year.desc(), sa.func.lower(CatalogueEntry.title))
        .execution_options(national=True)
    ).all()
    return EntryPage(item, inspiration, _items(replicas, by_id))


def own_entries(*, now: datetime | None = None) -> list[CatalogueItem]:
    """The current tenant's published entries (tenant-scoped: no national opt-out here)."""
    pubs = publications(now)
    stmt = _published_stmt(pubs)
    if stmt is None:
        return []
    rows = db.session.execute(
        stmt.order_by(CatalogueEntry.year.desc(), sa.func.lower(CatalogueEntry.title))
    ).all()
    return _items(rows, {p.competition_id: p for p in pubs})


def own_entry(entry_id: int, *, now: datetime | None = None) -> CatalogueItem | None:
    """One of the current tenant's published entries, or None (another tenant's is invisible)."""
    pubs = publications(now)
    stmt = _published_stmt(pubs)
    if stmt is None:
        return None
    row = db.session.execute(stmt.where(CatalogueEntry.id == entry_id)).first()
    return _items([row], {p.competition_id: p for p in pubs})[0] if row else None
