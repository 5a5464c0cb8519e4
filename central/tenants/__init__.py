"""Tenants (instansi) as the secretariat manages them.

Other features add panels to a tenant's page with :func:`add_tenant_panel` (the sync feature
shows the tenant's nodes and last sync there), without touching this package's templates.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Flask, current_app, render_template
from markupsafe import Markup

from shared.models.tenant import Tenant


@dataclass(frozen=True)
class TenantPanel:
    template: str
    context: Callable[[Tenant], dict[str, Any]]
    order: int = 50


def add_tenant_panel(
    app: Flask,
    template: str,
    context: Callable[[Tenant], dict[str, Any]] = lambda tenant: {},
    order: int = 50,
) -> None:
    """Show ``template`` (rendered with ``tenant`` and ``context(tenant)``) on tenant pages."""
    panels = app.extensions.setdefault("sinovik_tenant_panels", [])
    panels.append(TenantPanel(template, context, order))
    panels.sort(key=lambda p: p.order)


def render_tenant_panels(tenant: Tenant) -> list[Markup]:
    """The extra panels of a tenant's page, rendered in order."""
    panels: list[TenantPanel] = current_app.extensions.get("sinovik_tenant_panels", [])
    return [Markup(render_template(p.template, tenant=tenant, **p.context(tenant))) for p in panels]


def register(app: Flask) -> None:
    from central.tenants.views import bp

    app.register_blueprint(bp)
