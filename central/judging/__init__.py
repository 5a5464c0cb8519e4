"""National judging on central: desk evaluation, independent panel, shortlists, objections,
presentations, field verification and the final Top list (see docs/ARCHITECTURE.md)."""

from __future__ import annotations

from flask import Flask

from central.judging import models  # noqa: F401  (register the tables with the metadata)


def init_app(app: Flask) -> None:
    """Register the judging, finalist and public objection blueprints."""
    from central.judging.schedule import DEFAULT_WORKING_HOURS, parse_hours
    from central.judging.views import finalist_bp, judging_bp, public_bp

    app.config.setdefault("JUDGING_OBJECTIONS_PER_HOUR", 5)
    app.config.setdefault("JUDGING_MATERIAL_MAX_MB", 10)
    # refuse to start with unreadable hours rather than fail on the schedule page
    parse_hours(app.config.setdefault("JUDGING_WORKING_HOURS", DEFAULT_WORKING_HOURS))
    app.register_blueprint(judging_bp)
    app.register_blueprint(finalist_bp)
    app.register_blueprint(public_bp)
