"""Certificates: the secretariat issues and lists them; tenants download their own."""

from __future__ import annotations

from flask import Flask

from central.certificates import models  # noqa: F401  (register the models with the metadata)


def init_app(app: Flask) -> None:
    """Register the blueprint (views import the services, which import other features)."""
    from central.certificates.views import bp

    app.register_blueprint(bp)
