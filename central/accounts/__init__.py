"""Admin Lokal accounts: requests with the official letter, issuance, resets, deactivation."""

from __future__ import annotations

from flask import Flask


def register(app: Flask) -> None:
    from central.accounts.views import bp, public_bp

    app.register_blueprint(public_bp)
    app.register_blueprint(bp)
