"""The ministry admin's configuration of the competition year."""

from __future__ import annotations

from flask import Flask


def register(app: Flask) -> None:
    from central.competition.views import bp

    app.register_blueprint(bp)
