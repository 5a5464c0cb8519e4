"""The database connection pool: a connection the server dropped is replaced unseen."""

import pytest
import sqlalchemy as sa

from shared import db as shared_db
from shared.db import db


def test_a_connection_the_server_dropped_is_replaced_before_a_page_uses_it(
    app, in_app, monkeypatch
) -> None:
    with in_app(app):
        if db.engine.dialect.name != "postgresql":
            pytest.skip("SQLite has no server to drop a connection")
        first = db.session.execute(sa.text("SELECT pg_backend_pid()")).scalar_one()
        db.session.commit()
        other = sa.create_engine(db.engine.url, poolclass=sa.pool.NullPool)
    with other.connect() as admin:  # as a server restart or an idle timeout would
        admin.execute(sa.text(f"SELECT pg_terminate_backend({first})"))
    other.dispose()
    monkeypatch.setattr(shared_db, "PING_BYPASS_SECONDS", 0.0)  # the connection has rested

    page = app.test_client().get("/login")

    assert page.status_code == 200
    with in_app(app):
        now = db.session.execute(sa.text("SELECT pg_backend_pid()")).scalar_one()
    assert now != first
