"""The Admin Lokal's sync page: the link to central, the outbox, rejected items, "Sync now".

It also tells the shared proposal pages the sync state of each submitted revision
(:func:`proposal_sync_states`), which they show only on a regional node.
"""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from regional.syncstatus.views import bp

    app.register_blueprint(bp)
