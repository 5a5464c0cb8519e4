"""PostgreSQL: lz4 compression for the big JSON of proposal revisions and proposals

Revision ID: 7c3e5a1f2b90
Revises: 7c3e9a51d2f4
Create Date: 2026-11-29 10:10:00.000000

A pushed batch stores each proposal's text twice (the revision's content and the proposal's
sections), 3-6 KB each, which PostgreSQL compresses on the way into TOAST. Its default
(pglz) made that compression the largest part of central's insert time; lz4 compresses about
as well at several times the speed. Only new values are affected (nothing is rewritten);
SQLite, and a PostgreSQL built without lz4, are left as they are.
"""
from alembic import op
import sqlalchemy as sa

import shared.db
from sqlalchemy import Text  # autogenerate renders JSONB(astext_type=Text())


# revision identifiers, used by Alembic.
revision = '7c3e5a1f2b90'
down_revision = '7c3e9a51d2f4'
branch_labels = None
depends_on = None

COLUMNS = (("proposal_revision", "content"), ("proposal", "sections"))


def _lz4_available() -> bool:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql" or (bind.dialect.server_version_info or (0,)) < (14,):
        return False
    return bool(
        bind.exec_driver_sql(
            "SELECT 'lz4' = ANY(enumvals) FROM pg_settings "
            "WHERE name = 'default_toast_compression'"
        ).scalar()
    )


def upgrade():
    if _lz4_available():
        for table, column in COLUMNS:
            op.execute(f"ALTER TABLE {table} ALTER COLUMN {column} SET COMPRESSION lz4")


def downgrade():
    if _lz4_available():
        for table, column in COLUMNS:
            op.execute(f"ALTER TABLE {table} ALTER COLUMN {column} SET COMPRESSION default")
