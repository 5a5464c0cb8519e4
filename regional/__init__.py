"""The regional node: what a Pemda runs on its intranet to collect proposals."""

from __future__ import annotations

from typing import Any

from flask import Flask

from regional.config import RegionalConfig
from shared import proposals
from shared.app import build_app


def create_app(
    test_config: dict[str, Any] | None = None, instance_path: str | None = None
) -> Flask:
    """Application factory for a regional node."""
    app = build_app(__name__, RegionalConfig, instance_path=instance_path, test_config=test_config)
    from regional import exports, imports, main
    from shared import tenant_admin

    app.add_url_rule("/", endpoint="index", view_func=main.index)
    app.register_blueprint(main.bp)
    from regional import results

    results.init_app(app)
    tenant_admin.register(app)
    proposals.register(app)
    app.register_blueprint(imports.bp)
    app.register_blueprint(exports.bp)
    from regional import syncstatus

    syncstatus.init_app(app)
    return app
