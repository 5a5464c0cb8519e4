"""The public catalogue (JIPPNas-like): entries for every finalist and winner, full-text search,
and what the owning tenant keeps current (status, replication summary, contact)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from central.announce.published import Publication, StageInfo, publication_for, publications
from central.announce.results import province_names, tenant_province
from central.catalogue import search_index
from central.catalogue.models import CatalogueEntry, CatalogueText, ReplicationStatus
from shared.db import core_connection, db, utcnow
from shared.i18n import locale_code
from shared.models.proposal import Proposal
from shared.models.tenant import TenantKind
from shared.models.user import User
from shared.pagination import Paged
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
    "video_url",
    "replicates_uuid",
    "replicates_title",
    "stage_code",
    "award",
)
OWNER_FIELDS = (
    "status",
    "status_note",
    "contact_name",
    "contact_phone",
    "contact_email",
)
ANY_AWARD = "any"
PER_PAGE = 20
MAX_PER_PAGE = 100
_TOKEN = re.compile(r"[^\W_]+", re.UNICODE)


# -- building entries ---------------------------------------------------------------------------


def _sections_text(sections: dict[str, str], keys: tuple[str, ...]) -> str:
    return "\n\n".join(sections[k].strip() for k in keys if (sections.get(k) or "").strip())


def rebuild_search_text(entry: CatalogueEntry, pub: Publication | None = None) -> None:
    """What full-text search covers besides the title (kept by the database's index)."""
    text = entry.text
    parts = [
        entry.agency_name,
        province_names().get(entry.province_code or "", ""),
        entry.unit_name,
        entry.innovator,
        pub.category_label(entry.category_code, "id") if pub else entry.category_code,
        text.summary,
        text.problem,
        text.solution,
        text.results,
        text.resources,
        text.adaptability,
        text.replication_summary,
        entry.replicates_title,
    ]
    text.title = entry.title
    text.search_text = "\n".join(p for p in parts if p)


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
    entry.video_url = proposal.video_url
    entry.replicates_uuid = proposal.replicates_uuid or None
    entry.replicates_title = proposal.replicates_title
    entry.stage_code = proposal.stage_code
    entry.award = proposal.award
    for name, keys in SECTION_MAP.items():
        setattr(entry.text, name, _sections_text(sections, keys))


def _state(entry: CatalogueEntry) -> dict[str, Any]:
    state = audit.snapshot(entry, SNAPSHOT_FIELDS)
    state.update(audit.snapshot(entry.text, tuple(SECTION_MAP)))
    return state


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
        .options(
            selectinload(Proposal.tenant),
            selectinload(Proposal.unit),
            selectinload(Proposal.held_revision),  # a pushed proposal's sections
        )
        .order_by(Proposal.id)
    ).scalars()
    existing = {
        e.proposal_id: e
        for e in db.session.execute(
            sa.select(CatalogueEntry)
            .where(CatalogueEntry.competition_id == competition_id)
            .options(selectinload(CatalogueEntry.text))
        ).scalars()
    }
    created: list[CatalogueEntry] = []
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
                text=CatalogueText(tenant_id=proposal.tenant_id),
            )
            _snapshot(entry, proposal)
            rebuild_search_text(entry, pub)
            db.session.add(entry)
            created.append(entry)
            continue
        before = _state(entry)
        _snapshot(entry, proposal)
        after = _state(entry)
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
    db.session.flush()  # one flush for all new entries: ids for their audit entries
    for entry in created:
        audit.record(
            "catalogue.entry_created",
            entry,
            actor=actor,
            after={"proposal_uuid": entry.proposal_uuid, "year": pub.year},
        )
    result.created = len(created)
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
    before = _owner_state(entry)
    entry.status = ReplicationStatus(status)
    entry.status_note = (values.get("status_note") or "").strip()[:500]
    entry.text.replication_summary = (values.get("replication_summary") or "").strip()
    entry.contact_name = (values.get("contact_name") or "").strip()[:120]
    entry.contact_phone = (values.get("contact_phone") or "").strip()[:40]
    entry.contact_email = email[:120]
    entry.status_updated_at = utcnow()
    rebuild_search_text(entry, publication_for(entry.competition_id))
    db.session.flush()
    audit.record(
        "catalogue.entry_updated", entry, actor=actor, before=before, after=_owner_state(entry)
    )
    return entry


def _owner_state(entry: CatalogueEntry) -> dict[str, Any]:
    state = audit.snapshot(entry, OWNER_FIELDS)
    state["replication_summary"] = entry.text.replication_summary
    return state


# -- reading published entries -----------------------------------------------------------------


@dataclass(frozen=True)
class CatalogueItem:
    """An entry as the public sees it: the award and stage only once they are public."""

    entry: CatalogueEntry
    pub: Publication

    @property
    def text(self) -> CatalogueText:
        return self.entry.text

    @property
    def award(self) -> str | None:
        return self.pub.visible_award(self.entry.award)

    @property
    def stage(self) -> StageInfo | None:
        return self.pub.visible_stage(self.entry.stage_code)

    @property
    def award_label(self) -> str:
        return award_label(self.award)

    @property
    def province_name(self) -> str:
        return province_names().get(self.entry.province_code or "", "")

    @property
    def category_label(self) -> str:
        return self.pub.category_label(self.entry.category_code, locale_code())

    @property
    def group_label(self) -> str:
        return self.pub.group_label(self.entry.group_code, locale_code())

    def stage_name(self) -> str:
        stage = self.stage
        return stage.name(locale_code()) if stage else ""

    @property
    def sdg_labels(self) -> list[str]:
        locale = locale_code()
        names = {s.number: s.name.get(locale) for s in self.pub.config.sdgs}
        return [f"{n}. {names.get(n, '')}".rstrip(". ") for n in self.entry.sdgs or []]

    def as_json(self, *, detail: bool = False) -> dict[str, Any]:
        e, t = self.entry, self.entry.text
        stage, award = self.stage, self.award
        locale = locale_code()  # once: a page lists up to a hundred entries
        data: dict[str, Any] = {
            "uuid": e.proposal_uuid,
            "title": e.title,
            "year": e.year,
            "agency": {"name": e.agency_name, "kind": e.agency_kind.value},
            "province": (
                {"code": e.province_code, "name": self.province_name} if e.province_code else None
            ),
            "category": {
                "code": e.category_code,
                "name": self.pub.category_label(e.category_code, locale),
            },
            "group": {"code": e.group_code, "name": self.pub.group_label(e.group_code, locale)},
            "award": {"code": award, "name": award_label(award)} if award else None,
            "stage": {"code": stage.code, "name": stage.name(locale)} if stage else None,
            "status": e.status.value,
            "status_updated_at": e.status_updated_at.isoformat(),
            "summary": t.summary,
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
                problem=t.problem,
                solution=t.solution,
                results=t.results,
                resources=t.resources,
                adaptability=t.adaptability,
                replication_summary=t.replication_summary,
                status_note=e.status_note,
                video_url=e.video_url,
                contact={
                    "name": e.contact_name,
                    "phone": e.contact_phone,
                    "email": e.contact_email,
                },
            )
        return data


def published_clause(pubs: list[Publication]) -> sa.ColumnElement[bool] | None:
    """Entries whose finalist list is public and whose proposal is still a finalist."""
    by_codes: dict[tuple[str, ...], list[int]] = {}
    for p in pubs:
        if p.finalists_published and p.finalist_codes:
            by_codes.setdefault(p.finalist_codes, []).append(p.competition_id)
    if not by_codes:
        return None
    return sa.or_(
        *(
            sa.and_(CatalogueEntry.competition_id.in_(ids), CatalogueEntry.stage_code.in_(codes))
            for codes, ids in by_codes.items()
        )
    )


def _load(ids: list[int], pubs: dict[int, Publication], *, national: bool) -> list[CatalogueItem]:
    """Entries with their texts for ``ids``, in that order."""
    if not ids:
        return []
    stmt = (
        sa.select(CatalogueEntry)
        .where(CatalogueEntry.id.in_(ids))
        .options(selectinload(CatalogueEntry.text))
    )
    if national:  # public read of ids already restricted to published entries
        stmt = stmt.execution_options(national=True)
    by_id = {e.id: e for e in db.session.execute(stmt).scalars()}
    return [CatalogueItem(by_id[i], pubs[by_id[i].competition_id]) for i in ids if i in by_id]


@dataclass(frozen=True)
class ListedText:
    summary: str


class ListedEntry:
    """A read-only entry of a result list: the entry's columns and the summary of its texts,
    read in one query without building ORM objects (a search page shows twenty).  The columns
    are copied to plain attributes: a template reads each several times."""

    def __init__(self, row: sa.Row) -> None:
        self.__dict__.update(row._mapping)
        self.text = ListedText(row.summary)


_LISTED = (
    sa.select(CatalogueEntry.__table__, CatalogueText.summary)
    .join(CatalogueText, CatalogueText.entry_id == CatalogueEntry.id)
    .where(CatalogueEntry.id.in_(sa.bindparam("ids", expanding=True)))
)


LISTED_CACHE = "sinovik_catalogue_listed"
MAX_LISTED = 4096  # entries of result lists kept per process (a few KB each)


def _listed(ids: list[int], pubs: dict[int, Publication]) -> list[CatalogueItem]:
    """Published entries of a result list by ids (already restricted to published entries:
    a national read), in that order.  Entries are kept per process for the catalogue version
    they were read at, so a result list of entries shown before needs no query."""
    if not ids:
        return []
    version = search_index.current_version()
    held_at, held = current_app.extensions.get(LISTED_CACHE, (None, {}))
    if held_at != version or len(held) > MAX_LISTED:
        held = {}
        current_app.extensions[LISTED_CACHE] = (version, held)
    if missing := [i for i in ids if i not in held]:
        for row in core_connection().execute(_LISTED, {"ids": missing}).all():
            held[row.id] = ListedEntry(row)
    return [CatalogueItem(held[i], pubs[held[i].competition_id]) for i in ids if i in held]  # type: ignore[arg-type]


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

    def filters(self, pubs: list[Publication]) -> list[sa.ColumnElement[bool]]:
        where: list[sa.ColumnElement[bool]] = []
        if self.year is not None:
            where.append(CatalogueEntry.year == self.year)
        if self.category:
            where.append(CatalogueEntry.category_code == self.category)
        if self.province:
            where.append(CatalogueEntry.province_code == self.province)
        if self.agency_kind:
            where.append(CatalogueEntry.agency_kind == TenantKind(self.agency_kind))
        if self.status:
            where.append(CatalogueEntry.status == ReplicationStatus(self.status))
        if self.award:
            # an award filter only ever matches years whose final results are public
            awarded = [p.competition_id for p in pubs if p.awards_published]
            where.append(CatalogueEntry.competition_id.in_(awarded))
            if self.award == ANY_AWARD:
                where += [CatalogueEntry.award.is_not(None), CatalogueEntry.award != ""]
            else:
                where.append(CatalogueEntry.award == self.award)
        return where


@dataclass
class SearchPage(Paged):
    items: list[CatalogueItem]
    total: int
    page: int
    per_page: int
    years: list[int] = field(default_factory=list)
    ranked: bool = False  # title matches first (else newest year first, then title)


# -- search ----------------------------------------------------------------------------------
# The database's full-text index says which entries hold each word; the filters, the published
# entries, counting and ordering are bitmask operations on the per-process listing of the
# current catalogue version (central/catalogue/search_index.py).


def _published_mask(index: search_index.Listing, pubs: list[Publication]) -> int:
    """Entries whose finalist list is public and whose proposal is still a finalist."""
    visible = tuple(
        (p.competition_id, p.finalist_codes)
        for p in pubs
        if p.finalists_published and p.finalist_codes
    )

    def build() -> int:
        out = 0
        for competition_id, codes in visible:
            out |= index.mask("competition_id", competition_id) & index.any_of("stage_code", codes)
        return out

    return index.derived(("published", visible), build)


def _filter_mask(
    index: search_index.Listing, query: CatalogueQuery, pubs: list[Publication]
) -> int:
    mask = index.all
    if query.year is not None:
        mask &= index.mask("year", query.year)
    if query.category:
        mask &= index.mask("category_code", query.category)
    if query.province:
        mask &= index.mask("province_code", query.province)
    if query.agency_kind:
        mask &= index.mask("agency_kind", query.agency_kind)
    if query.status:
        mask &= index.mask("status", query.status)
    if query.award:
        # an award filter only ever matches years whose final results are public
        awarded = tuple(p.competition_id for p in pubs if p.awards_published)
        mask &= index.any_of("competition_id", awarded)
        if query.award == ANY_AWARD:
            mask &= index.derived(
                ("any award",),
                lambda: index.all & ~(index.mask("award", None) | index.mask("award", "")),
            )
        else:
            mask &= index.mask("award", query.award)
    return mask


def _words_masks(index: search_index.Listing, tokens: list[str]) -> tuple[int, int]:
    """Entries holding every word (as a prefix) in their title or texts, and in their title;
    words the text search ignores are left out, and a query of only such words matches nothing
    (as one query of all words would)."""
    in_texts = in_title = index.all
    used = False
    for token in tokens:
        found = index.word(token)
        if found is not None:
            in_texts &= found[0]
            in_title &= found[1]
            used = True
    return (in_texts, in_title) if used else (0, 0)


def search(query: CatalogueQuery, *, now: datetime | None = None) -> SearchPage:
    """Published finalists and winners matching the query.

    Order: entries whose title holds every word first, then the others; within each, the
    newest year first, then alphabetical.  The database's full-text index does the matching
    (FTS5 or tsvector+GIN), word by word; the rest works on the cached listing.
    """
    pubs = publications(now)
    by_id = {p.competition_id: p for p in pubs}
    years = sorted({p.year for p in pubs if p.finalists_published}, reverse=True)
    page = SearchPage([], 0, query.page, query.per_page, years)
    index = search_index.listing()
    matches = _published_mask(index, pubs)
    if not matches:
        return page
    matches &= _filter_mask(index, query, pubs)
    skip, count = (query.page - 1) * query.per_page, query.per_page
    if query.tokens:
        page.ranked = True
        in_texts, in_title = _words_masks(index, query.tokens)
        matches &= in_texts
        in_title &= matches
        first = in_title.bit_count()
        ids = index.page(in_title, skip, count)
        if len(ids) < count:
            ids += index.page(matches & ~in_title, max(0, skip - first), count - len(ids))
    else:
        ids = index.page(matches, skip, count)
    page.total = matches.bit_count()
    page.items = _listed(ids, by_id)
    return page


@dataclass
class EntryPage:
    item: CatalogueItem
    inspiration: CatalogueItem | None
    replicated_by: list[CatalogueItem]


def _published_ids(where: list[Any], pubs: list[Publication]) -> list[int]:
    published = published_clause(pubs)
    if published is None:
        return []
    stmt = (
        sa.select(CatalogueEntry.id)
        .where(published, *where)
        .order_by(CatalogueEntry.year.desc(), CatalogueEntry.title, CatalogueEntry.id)
    )
    # Public read: opts out of tenant scoping visibly, on published entries only.
    return list(db.session.execute(stmt.execution_options(national=True)).scalars())


def published_entry(proposal_uuid: str, *, now: datetime | None = None) -> EntryPage | None:
    """One published entry with its inspiration and the published entries that replicate it."""
    pubs = publications(now)
    by_id = {p.competition_id: p for p in pubs}
    found = _load(
        _published_ids([CatalogueEntry.proposal_uuid == proposal_uuid], pubs), by_id, national=True
    )
    if not found:
        return None
    item = found[0]
    inspiration = None
    if item.entry.replicates_uuid:
        source = _published_ids([CatalogueEntry.proposal_uuid == item.entry.replicates_uuid], pubs)
        inspiration = next(iter(_load(source, by_id, national=True)), None)
    replicas = _published_ids([CatalogueEntry.replicates_uuid == proposal_uuid], pubs)
    return EntryPage(item, inspiration, _load(replicas, by_id, national=True))


def own_entries(*, now: datetime | None = None) -> list[CatalogueItem]:
    """The current tenant's published entries (tenant-scoped: no national opt-out here)."""
    pubs = publications(now)
    published = published_clause(pubs)
    if published is None:
        return []
    ids = list(
        db.session.execute(
            sa.select(CatalogueEntry.id)
            .where(published)
            .order_by(CatalogueEntry.year.desc(), CatalogueEntry.title)
        ).scalars()
    )
    return _load(ids, {p.competition_id: p for p in pubs}, national=False)


def own_entry(entry_id: int, *, now: datetime | None = None) -> CatalogueItem | None:
    """One of the current tenant's published entries, or None (another tenant's is invisible)."""
    pubs = publications(now)
    published = published_clause(pubs)
    if published is None:
        return None
    ids = list(
        db.session.execute(
            sa.select(CatalogueEntry.id).where(published, CatalogueEntry.id == entry_id)
        ).scalars()
    )
    return next(iter(_load(ids, {p.competition_id: p for p in pubs}, national=False)), None)
