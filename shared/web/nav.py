"""The main menu: each blueprint adds its own entries; the layout shows those the role may use."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, Flask, current_app, request, url_for
from flask_babel import get_locale
from flask_login import current_user

from shared.models.user import Role


@dataclass(frozen=True)
class NavItem:
    endpoint: str
    label: object  # a lazy_gettext string
    roles: tuple[Role, ...]
    order: int = 50


def add_nav(
    bp: Blueprint, endpoint: str, label: object, roles: tuple[Role, ...], order: int = 50
) -> None:
    """Register a menu entry when ``bp`` is registered on an app."""

    @bp.record_once
    def _register(state) -> None:
        items = state.app.extensions.setdefault("sinovik_nav", [])
        items.append(NavItem(endpoint, label, roles, order))
        items.sort(key=lambda item: item.order)


def nav_links() -> list[tuple[str, str, bool]]:
    """(url, label, active) of the entries the current user may use."""
    if not current_user.is_authenticated:
        return []
    # the same few menus on every page: built once per role, page, language and mount point
    key = (current_user.role, request.endpoint, str(get_locale()), request.script_root)
    cache = current_app.extensions.setdefault("sinovik_nav_cache", {})
    links = cache.get(key)
    if links is None:
        items = current_app.extensions.get("sinovik_nav", [])
        links = cache[key] = [
            (url_for(item.endpoint), str(item.label), _is_active(item.endpoint))
            for item in items
            if current_user.role in item.roles
        ]
    return links


def _is_active(endpoint: str) -> bool:
    current = request.endpoint or ""
    return current == endpoint or current.split(".")[0] == endpoint.split(".")[0] != "main"


def init_nav(app: Flask) -> None:
    app.jinja_env.globals["nav_links"] = nav_links
