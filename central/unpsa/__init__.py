"""UNPSA: nominate winners, write their English dossier, check eligibility, export it."""

from __future__ import annotations

from flask import Flask

from central.unpsa import models  # noqa: F401  (register the models with the metadata)


def init_app(app: Flask) -> None:
    """Register the blueprint (views import the services, which import other features)."""
    from central.unpsa.views import bp

    app.register_blueprint(bp)
