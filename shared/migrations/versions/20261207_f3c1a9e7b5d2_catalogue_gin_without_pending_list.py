"""PostgreSQL: the catalogue's full-text indexes without a pending list

Revision ID: f3c1a9e7b5d2
Revises: e5b7c9d1f3a2
Create Date: 2026-12-07 13:40:00.000000

A GIN index's default ``fastupdate`` puts new entries in a pending list that every search
scans sequentially until VACUUM (or 4 MB of them) merges it into the index.  The catalogue is
written in bursts (the announcement: every finalist at once) and then read by the public,
most of all in the hours after the announcement, before autovacuum has come by: with 20,000
titles pending, looking up a word in the titles took 2-4 ms instead of 0.3 ms.  So the two
indexes take new entries directly (the announcement's inserts become slightly slower), and the
list already pending is merged now.  SQLite's FTS5 merges its segments itself.
"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'f3c1a9e7b5d2'
down_revision = 'e5b7c9d1f3a2'
branch_labels = None
depends_on = None

INDEXES = ("ix_catalogue_text_fts", "ix_catalogue_entry_title_fts")


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    for name in INDEXES:
        op.execute(f"ALTER INDEX {name} SET (fastupdate = off)")
        op.execute(f"SELECT gin_clean_pending_list('{name}'::regclass)")


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    for name in INDEXES:
        op.execute(f"ALTER INDEX {name} RESET (fastupdate)")
