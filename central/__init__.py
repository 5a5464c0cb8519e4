"""The central server: the ministry's national intake, screening, judging and announcements."""

from __future__ import annotations

from typing import Any

from flask import Flask

from central.config import CentralConfig
from shared import proposals
from shared.app import build_app


def create_app(
    test_config: dict[str, Any] | None = None, instance_path: str | None = None
) -> Flask:
    """Application factory for the central server."""
    app = build_app(__name__, CentralConfig, instance_path=instance_path, test_config=test_config)
    from central import judging, main

    app.add_url_rule("/", endpoint="index", view_func=main.index)
    app.register_blueprint(main.bp)
    proposals.register(app)
    judging.init_app(app)
    return app
