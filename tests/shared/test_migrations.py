"""Migrations: one head, and the models match what the migrations build."""

from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from shared.app import MIGRATIONS_DIR
from shared.db import db, include_in_migrations


def test_single_head() -> None:
    config = Config()
    config.set_main_option("script_location", MIGRATIONS_DIR)
    heads = ScriptDirectory.from_config(config).get_heads()
    assert len(heads) == 1, f"several migration heads: {heads}; add a merge or re-chain"


def test_models_match_migrations(app) -> None:
    with app.app_context(), db.engine.connect() as conn:
        context = MigrationContext.configure(
            conn,
            opts={
                "compare_type": True,
                "render_as_batch": True,
                "include_name": include_in_migrations,
            },
        )
        diff = compare_metadata(context, db.metadata)
    assert diff == [], f"models differ from migrations; run `flask db migrate`: {diff}"


def test_audit_log_is_append_only_in_the_database(app, in_app) -> None:
    import pytest
    import sqlalchemy as sa

    from shared.models import AuditLog

    with in_app(app):
        db.session.add(AuditLog(actor_name="t", action="x", object_type="T", object_id="1"))
        db.session.commit()
        with pytest.raises(sa.exc.DatabaseError, match="append-only"):
            db.session.execute(sa.text("UPDATE audit_log SET action = 'changed'"))
        db.session.rollback()
        with pytest.raises(sa.exc.DatabaseError, match="append-only"):
            db.session.execute(sa.text("DELETE FROM audit_log"))
        db.session.rollback()
        assert db.session.execute(sa.select(AuditLog.action)).scalar_one() == "x"


def test_postgresql_keeps_proposal_json_as_text_compressed_with_lz4(app, in_app) -> None:
    import pytest
    import sqlalchemy as sa

    with in_app(app):
        if db.engine.dialect.name != "postgresql":
            pytest.skip("a PostgreSQL storage setting")
        methods = {
            (table, column): method
            for table, column, method in db.session.execute(
                sa.text(
                    "SELECT c.relname, a.attname, "
                    "format_type(a.atttypid, NULL) || ' ' || a.attcompression::text "
                    "FROM pg_attribute a "
                    "JOIN pg_class c ON c.oid = a.attrelid "
                    "WHERE (c.relname, a.attname) IN "
                    "(('proposal_revision', 'content'), ('proposal', 'sections'))"
                )
            )
        }
    assert methods == {
        ("proposal_revision", "content"): "json l",
        ("proposal", "sections"): "json l",
    }


def test_postgresql_keeps_a_revisions_compressed_content_in_its_row(app, in_app) -> None:
    """A pushed proposal's content (4 KB, about 2.5 KB compressed) is stored in the revision's
    row, not moved out to the TOAST table (which costs two more rows and index entries per
    revision written and read)."""
    import pytest
    import sqlalchemy as sa

    with in_app(app):
        if db.engine.dialect.name != "postgresql":
            pytest.skip("a PostgreSQL storage setting")
        options = db.session.execute(
            sa.text("SELECT reloptions FROM pg_class WHERE relname = 'proposal_revision'")
        ).scalar()
    assert options == ["toast_tuple_target=4096"]


def test_postgresql_catalogue_search_indexes_have_no_pending_list(app, in_app) -> None:
    """New catalogue entries go straight into the GIN indexes: a search right after the
    announcement does not scan a list of pending entries."""
    import pytest
    import sqlalchemy as sa

    with in_app(app):
        if db.engine.dialect.name != "postgresql":
            pytest.skip("a PostgreSQL storage setting")
        options = dict(
            db.session.execute(
                sa.text(
                    "SELECT relname, array_to_string(reloptions, ',') FROM pg_class "
                    "WHERE relname IN ('ix_catalogue_text_fts', 'ix_catalogue_entry_title_fts')"
                )
            ).all()
        )
    assert options == {
        "ix_catalogue_text_fts": "fastupdate=off",
        "ix_catalogue_entry_title_fts": "fastupdate=off",
    }
