"""The lists of the competition form as editable tables: rows to and from the config."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from flask_babel import lazy_gettext as _l

from central.competition.forms import CategoryRow, GroupRow, SdgRow, SectionRow
from shared.competition_config import (
    CategoryConfig,
    CompetitionConfig,
    GroupConfig,
    Label,
    SdgConfig,
    SectionConfig,
)
from shared.web.form_base import SubForm


def _text(row: dict[str, Any], key: str) -> str:
    return (row.get(key) or "").strip()


def _kept(rows: list[dict[str, Any]], key: str) -> list[dict[str, Any]]:
    """Rows to keep: not ticked for removal and not left empty."""
    return [r for r in rows if not r.get("delete") and (r.get(key) not in (None, ""))]


def _groups_from(config: CompetitionConfig, rows: list[dict[str, Any]]) -> CompetitionConfig:
    groups = tuple(
        GroupConfig(
            code=_text(r, "code"),
            name=Label(_text(r, "name_id"), _text(r, "name_en")),
            by_invitation=bool(r.get("by_invitation")),
            requires_source=bool(r.get("requires_source")),
            quota=r.get("quota"),
        )
        for r in _kept(rows, "code")
    )
    return replace(config, groups=groups)


def _groups_to(config: CompetitionConfig) -> list[dict[str, Any]]:
    return [
        {
            "code": g.code,
            "name_id": g.name.id,
            "name_en": g.name.en,
            "quota": g.quota,
            "by_invitation": g.by_invitation,
            "requires_source": g.requires_source,
        }
        for g in config.groups
    ]


def _categories_from(config: CompetitionConfig, rows: list[dict[str, Any]]) -> CompetitionConfig:
    categories = tuple(
        CategoryConfig(_text(r, "code"), Label(_text(r, "name_id"), _text(r, "name_en")))
        for r in _kept(rows, "code")
    )
    return replace(config, categories=categories)


def _categories_to(config: CompetitionConfig) -> list[dict[str, Any]]:
    return [{"code": c.code, "name_id": c.name.id, "name_en": c.name.en} for c in config.categories]


def _sdgs_from(config: CompetitionConfig, rows: list[dict[str, Any]]) -> CompetitionConfig:
    sdgs = tuple(
        SdgConfig(int(r["number"]), Label(_text(r, "name_id"), _text(r, "name_en")))
        for r in _kept(rows, "number")
    )
    return replace(config, sdgs=tuple(sorted(sdgs, key=lambda s: s.number)))


def _sdgs_to(config: CompetitionConfig) -> list[dict[str, Any]]:
    return [{"number": s.number, "name_id": s.name.id, "name_en": s.name.en} for s in config.sdgs]


def _sections_from(config: CompetitionConfig, rows: list[dict[str, Any]]) -> CompetitionConfig:
    old = {s.key: s for s in config.sections}
    sections = []
    for r in _kept(rows, "key"):
        key = _text(r, "key")
        groups = tuple(g.strip() for g in _text(r, "groups").split(",") if g.strip())
        sections.append(
            SectionConfig(
                key=key,
                title=Label(_text(r, "title_id"), _text(r, "title_en")),
                word_limit=int(r.get("word_limit") or 0),
                required=bool(r.get("required")),
                groups=groups,
                help=old[key].help if key in old else None,
            )
        )
    return replace(config, sections=tuple(sections))


def _sections_to(config: CompetitionConfig) -> list[dict[str, Any]]:
    return [
        {
            "key": s.key,
            "title_id": s.title.id,
            "title_en": s.title.en,
            "word_limit": s.word_limit,
            "required": s.required,
            "groups": ", ".join(s.groups),
        }
        for s in config.sections
    ]


@dataclass(frozen=True)
class TableSpec:
    title: object
    row_form: type[SubForm]
    to_rows: Callable[[CompetitionConfig], list[dict[str, Any]]]
    from_rows: Callable[[CompetitionConfig, list[dict[str, Any]]], CompetitionConfig]
    extra: int = 2


TABLES: dict[str, TableSpec] = {
    "groups": TableSpec(_l("Groups (kelompok)"), GroupRow, _groups_to, _groups_from, 1),
    "categories": TableSpec(_l("Categories"), CategoryRow, _categories_to, _categories_from),
    "sdgs": TableSpec(_l("SDG goals"), SdgRow, _sdgs_to, _sdgs_from, 1),
    "sections": TableSpec(
        _l("Form sections and word limits"), SectionRow, _sections_to, _sections_from
    ),
}
