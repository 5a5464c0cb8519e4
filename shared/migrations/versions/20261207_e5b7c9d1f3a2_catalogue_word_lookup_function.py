"""PostgreSQL: look up a catalogue word in one round trip

Revision ID: e5b7c9d1f3a2
Revises: 9b4d2e6f1a37
Create Date: 2026-12-07 07:30:00.000000

A word in nearly every entry makes the planner pick a sequential scan, which decodes every
row's tsvector: about three times what the GIN bitmap costs. The search turned sequential
scans off around each lookup (SET, lookup, RESET: three round trips). A function declared
with ``SET enable_seqscan = off`` plans its statement with that setting and restores the
session's own on return, so a lookup is one call. SQLite is left as it is.
"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'e5b7c9d1f3a2'
down_revision = '9b4d2e6f1a37'
branch_labels = None
depends_on = None

CONFIG = "'pg_catalog.indonesian'"  # as the catalogue's trigger and title index use


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(
        f"""
        CREATE FUNCTION catalogue_word_ids(
            prefix text, OUT in_texts integer[], OUT in_title integer[], OUT ignored boolean
        ) STABLE LANGUAGE sql SET enable_seqscan = off AS $$
            SELECT
                (SELECT array_agg(entry_id) FROM catalogue_text
                 WHERE search_vector @@ to_tsquery({CONFIG}, prefix)),
                (SELECT array_agg(id) FROM catalogue_entry
                 WHERE to_tsvector({CONFIG}, title) @@ to_tsquery({CONFIG}, prefix)),
                numnode(to_tsquery({CONFIG}, prefix)) = 0
        $$
        """
    )


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION catalogue_word_ids(text)")
