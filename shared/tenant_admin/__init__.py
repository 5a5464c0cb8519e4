"""The Admin Lokal's management of its tenant: units (UPP/OPD) and unit operator accounts.

Generic over the node kind: the regional node registers these blueprints, and central can
register them too for tenants that work without a node (``register(app)``).
"""

from __future__ import annotations

from flask import Flask


def register(app: Flask) -> None:
    """Add the units and operator-account pages to ``app``."""
    from shared.tenant_admin.operators import bp as operators_bp
    from shared.tenant_admin.units import bp as units_bp

    app.register_blueprint(units_bp)
    app.register_blueprint(operators_bp)
