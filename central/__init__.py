"""The central server: the ministry's national intake, screening, judging and announcements."""

from __future__ import annotations

from typing import Any

from flask import Flask

from central import models  # noqa: F401  (central's own tables join the metadata)
from central.config import CentralConfig
from shared import proposals, tenant_admin
from shared.app import build_app


def create_app(
    test_config: dict[str, Any] | None = None, instance_path: str | None = None
) -> Flask:
    """Application factory for the central server."""
    app = build_app(__name__, CentralConfig, instance_path=instance_path, test_config=test_config)
    from central import accounts, competition, dashboard, judging, main, screening, tenants
    from central.labels import init_labels

    init_labels(app)
    app.add_url_rule("/", endpoint="index", view_func=main.index)
    app.register_blueprint(main.bp)
    tenants.register(app)
    accounts.register(app)
    competition.register(app)
    dashboard.register(app)
    screening.register(app)
    proposals.register(app)
    tenant_admin.register(app)  # units and operators of tenants without a node
    judging.init_app(app)
    from sync import api as sync_api

    sync_api.init_app(app)
    from central import nodes

    nodes.init_app(app)
    _register_announcement(app)
    return app


def _register_announcement(app: Flask) -> None:
    """Announcement, public site, certificates, catalogue, open data, UNPSA and reports."""
    from central import announce, api, catalogue, certificates, public, reports, unpsa
    from shared import results

    results.init_app(app)
    for feature in (announce, catalogue, certificates, unpsa, reports, public, api):
        feature.init_app(app)
