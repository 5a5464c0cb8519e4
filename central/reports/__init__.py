"""Reports for the ministry: the national recap with charts, and the Ministry of Finance list."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the blueprint (views import the services, which import other features)."""
    from central.reports.views import bp

    app.register_blueprint(bp)
