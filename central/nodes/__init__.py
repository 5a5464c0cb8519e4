"""A tenant's regional nodes on central: a panel on the tenant page, issue, rotate, revoke.

The credentials themselves (and their audit) live in :mod:`sync.credentials`; this feature is
the secretariat's window onto them.
"""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from central.nodes.services import panel_context
    from central.nodes.views import bp
    from central.tenants import add_tenant_panel

    app.register_blueprint(bp)
    add_tenant_panel(app, "nodes/_panel.html", panel_context, order=30)
