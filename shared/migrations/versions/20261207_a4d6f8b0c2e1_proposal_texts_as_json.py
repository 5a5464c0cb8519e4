"""PostgreSQL: a revision's content and a proposal's sections as json, not jsonb

Revision ID: a4d6f8b0c2e1
Revises: f3c1a9e7b5d2
Create Date: 2026-12-07 16:30:00.000000

Both are 3-6 KB documents that central stores and reads whole, never queries inside. As
jsonb, every pushed proposal was parsed, its keys sorted and the whole rebuilt in binary
form, twice: the largest part of PostgreSQL's work per pushed proposal. As json, PostgreSQL
only checks the text on the way in and keeps it as written, so a frozen revision now keeps
the very bytes its hash was computed over. The columns are rewritten once (the text of a
jsonb value is valid json); their lz4 compression is set again, as a rewrite may reset it.
SQLite stores JSON as text already: nothing changes there.
"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'a4d6f8b0c2e1'
down_revision = 'f3c1a9e7b5d2'
branch_labels = None
depends_on = None

COLUMNS = (("proposal_revision", "content"), ("proposal", "sections"))


def _lz4_available() -> bool:
    bind = op.get_bind()
    if (bind.dialect.server_version_info or (0,)) < (14,):
        return False
    return bool(
        bind.exec_driver_sql(
            "SELECT 'lz4' = ANY(enumvals) FROM pg_settings "
            "WHERE name = 'default_toast_compression'"
        ).scalar()
    )


def _retype(new: str) -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    lz4 = _lz4_available()
    for table, column in COLUMNS:
        op.execute(
            f"ALTER TABLE {table} ALTER COLUMN {column} TYPE {new} USING {column}::text::{new}"
        )
        if lz4:
            op.execute(f"ALTER TABLE {table} ALTER COLUMN {column} SET COMPRESSION lz4")


def upgrade():
    _retype("json")


def downgrade():
    _retype("jsonb")
