"""The proposal form, workflow, attachments and history, shared by both apps.

A regional node registers it for its tenants; central registers it too, for tenants that work
without a node (direct submission). Same code, same rules: ``register(app)``.
"""

from __future__ import annotations

from flask import Flask


def register(app: Flask) -> None:
    """Add the proposal pages to ``app``."""
    from shared.proposals import attachments, views, workflow  # noqa: F401  (routes)
    from shared.proposals.blueprint import bp, status_label

    app.register_blueprint(bp)
    # macros.html's status_badge reads this global
    app.jinja_env.globals.setdefault("status_label", status_label)
