"""The national intake dashboard (ministry) and a tenant's own view (Admin Lokal on central)."""

from __future__ import annotations

from flask import Flask


def register(app: Flask) -> None:
    from central.dashboard.views import bp

    app.register_blueprint(bp)
