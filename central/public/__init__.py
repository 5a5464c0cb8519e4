"""The public site, no login: published results, the decree annex, the catalogue, certificate
verification and the open-data documentation.

Every read here goes through central/announce/published.py, which opts out of tenant scoping
visibly (``execution_options(national=True)``) and returns only what is already published.
"""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the blueprint (views import the services, which import other features)."""
    from central.public.html import option_tags
    from central.public.views import bp

    app.register_blueprint(bp)
    app.jinja_env.globals["option_tags"] = option_tags
