"""Announcement: the secretariat's view of each stage's embargo, and a tenant's own results."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the blueprint (views import the services, which import other features)."""
    from central.announce.views import bp

    app.register_blueprint(bp)
