"""Administrative screening (seleksi administrasi) by the secretariat."""

from __future__ import annotations

from flask import Flask


def register(app: Flask) -> None:
    from central.screening.views import bp

    app.register_blueprint(bp)
