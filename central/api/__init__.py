"""Open data: a read-only JSON API over the published results and the catalogue.

Paged (``page``, ``per_page`` up to 100), rate-limited per client address with Flask-Limiter
(``API_RATE_LIMIT``; counters in memory per worker by default, or in a shared store named by
``RATELIMIT_STORAGE_URI``), described by an OpenAPI document at ``/api/v1/openapi.json``.
Like the public site, it returns only what is published.
"""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the blueprint (views import the services, which import other features)."""
    from central.api.views import bp, init_limits

    init_limits(app)
    app.register_blueprint(bp)
