"""PostgreSQL: keep catalogue_text's long texts out of its heap pages

Revision ID: 9b4d2e6f1a37
Revises: 5d1e7a9c3b42
Create Date: 2026-12-07 05:00:00.000000

A full-text lookup of a word reads the heap page of every entry the GIN index finds (to see
which rows are visible). With the texts compressed inline a catalogue_text row took about
2 KB, four to a page, so a word in most of 20,000 entries read 5,000 pages. With
``toast_tuple_target = 128`` the texts go to the TOAST table and a row keeps little more
than its title: about 40 rows a page, three to four times less work per looked-up word.
Existing rows are stored again, unchanged (their triggers are off meanwhile: the texts, their
tsvector and the catalogue version stay what they are), and the table is compacted (VACUUM
FULL, outside the migration's transaction). SQLite is left as it is.
"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '9b4d2e6f1a37'
down_revision = '5d1e7a9c3b42'
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("ALTER TABLE catalogue_text SET (toast_tuple_target = 128)")
    op.execute("ALTER TABLE catalogue_text DISABLE TRIGGER USER")
    # A new value of a long text sends each row through the toaster again, with the new target
    op.execute("UPDATE catalogue_text SET search_text = search_text || ''")
    op.execute("ALTER TABLE catalogue_text ENABLE TRIGGER USER")
    with op.get_context().autocommit_block():
        op.execute("VACUUM FULL catalogue_text")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE catalogue_text RESET (toast_tuple_target)")
