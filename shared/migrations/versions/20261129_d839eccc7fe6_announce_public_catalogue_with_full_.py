"""announce: public catalogue with full-text search

Revision ID: d839eccc7fe6
Revises: 5debff474bf1
Create Date: 2026-11-29 04:18:08.498732

"""
from alembic import op
import sqlalchemy as sa

import shared.db
from sqlalchemy import Text  # autogenerate renders JSONB(astext_type=Text())
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision = 'd839eccc7fe6'
down_revision = '5debff474bf1'
branch_labels = None
depends_on = None


# Kept by the database, outside the SQLAlchemy model (see central/catalogue/models.py):
# - full-text search: SQLite, an external-content FTS5 table over catalogue_text (title,
#   search_text) kept by triggers; PostgreSQL, a weighted tsvector column with a GIN index kept
#   by a trigger;
# - catalogue_entry.stage_code/award follow the proposal's, by a trigger on proposal.
SQLITE = [
    "CREATE VIRTUAL TABLE catalogue_fts USING fts5(title, search_text, "
    "content='catalogue_text', content_rowid='entry_id', "
    "tokenize='unicode61 remove_diacritics 2', prefix='2 3 4')",
    # rank = bm25 with the title weighing five times the rest
    "INSERT INTO catalogue_fts(catalogue_fts, rank) VALUES ('rank', 'bm25(5.0, 1.0)')",
    "CREATE TRIGGER catalogue_fts_ai AFTER INSERT ON catalogue_text BEGIN "
    "INSERT INTO catalogue_fts(rowid, title, search_text) "
    "VALUES (new.entry_id, new.title, new.search_text); END",
    "CREATE TRIGGER catalogue_fts_ad AFTER DELETE ON catalogue_text BEGIN "
    "INSERT INTO catalogue_fts(catalogue_fts, rowid, title, search_text) "
    "VALUES ('delete', old.entry_id, old.title, old.search_text); END",
    "CREATE TRIGGER catalogue_fts_au AFTER UPDATE OF title, search_text ON catalogue_text BEGIN "
    "INSERT INTO catalogue_fts(catalogue_fts, rowid, title, search_text) "
    "VALUES ('delete', old.entry_id, old.title, old.search_text); "
    "INSERT INTO catalogue_fts(rowid, title, search_text) "
    "VALUES (new.entry_id, new.title, new.search_text); END",
    "CREATE TRIGGER catalogue_entry_follows_proposal AFTER UPDATE OF stage_code, award "
    "ON proposal BEGIN UPDATE catalogue_entry SET stage_code = new.stage_code, "
    "award = new.award WHERE proposal_id = new.id; END",
]
POSTGRES = [
    "ALTER TABLE catalogue_text ADD COLUMN search_vector tsvector",
    "CREATE FUNCTION catalogue_text_fts() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
    "new.search_vector := "
    "setweight(to_tsvector('pg_catalog.indonesian', coalesce(new.title, '')), 'A') || "
    "setweight(to_tsvector('pg_catalog.indonesian', coalesce(new.search_text, '')), 'B'); "
    "RETURN new; END $$",
    "CREATE TRIGGER catalogue_text_fts BEFORE INSERT OR UPDATE OF title, search_text "
    "ON catalogue_text FOR EACH ROW EXECUTE FUNCTION catalogue_text_fts()",
    "CREATE INDEX ix_catalogue_text_fts ON catalogue_text USING gin (search_vector)",
    # titles alone, for "titles holding every word first" without reading the long texts
    "CREATE INDEX ix_catalogue_entry_title_fts ON catalogue_entry "
    "USING gin (to_tsvector('pg_catalog.indonesian', title))",
    "CREATE FUNCTION catalogue_entry_follow_proposal() RETURNS trigger LANGUAGE plpgsql AS $$ "
    "BEGIN UPDATE catalogue_entry SET stage_code = new.stage_code, award = new.award "
    "WHERE proposal_id = new.id; RETURN new; END $$",
    "CREATE TRIGGER catalogue_entry_follows_proposal AFTER UPDATE OF stage_code, award "
    "ON proposal FOR EACH ROW EXECUTE FUNCTION catalogue_entry_follow_proposal()",
]


def upgrade():
    op.create_table('catalogue_entry',
    sa.Column('proposal_id', sa.Integer(), nullable=False),
    sa.Column('proposal_uuid', sa.String(length=36), nullable=False),
    sa.Column('competition_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('agency_name', sa.String(length=200), nullable=False),
    sa.Column('agency_kind', sa.Enum('kementerian', 'lembaga', 'provinsi', 'kabupaten', 'kota', 'bumn', 'bumd', name='tenantkind', native_enum=False, length=24), nullable=False),
    sa.Column('province_code', sa.String(length=8), nullable=True),
    sa.Column('unit_name', sa.String(length=200), nullable=False),
    sa.Column('innovator', sa.String(length=300), nullable=False),
    sa.Column('category_code', sa.String(length=40), nullable=False),
    sa.Column('group_code', sa.String(length=32), nullable=False),
    sa.Column('sdgs', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=False),
    sa.Column('implementation_start', sa.Date(), nullable=True),
    sa.Column('video_url', sa.String(length=500), nullable=False),
    sa.Column('replicates_uuid', sa.String(length=36), nullable=True),
    sa.Column('replicates_title', sa.String(length=300), nullable=False),
    sa.Column('stage_code', sa.String(length=40), nullable=True),
    sa.Column('award', sa.String(length=80), nullable=True),
    sa.Column('contact_name', sa.String(length=120), nullable=False),
    sa.Column('contact_phone', sa.String(length=40), nullable=False),
    sa.Column('contact_email', sa.String(length=120), nullable=False),
    sa.Column('status', sa.Enum('continuing', 'stopped', name='replicationstatus', native_enum=False, length=24), nullable=False),
    sa.Column('status_note', sa.String(length=500), nullable=False),
    sa.Column('status_updated_at', shared.db.UTCDateTime(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('created_at', shared.db.UTCDateTime(), nullable=False),
    sa.Column('updated_at', shared.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['competition_id'], ['competition.id'], name=op.f('fk_catalogue_entry_competition_id_competition')),
    sa.ForeignKeyConstraint(['proposal_id'], ['proposal.id'], name=op.f('fk_catalogue_entry_proposal_id_proposal')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenant.id'], name=op.f('fk_catalogue_entry_tenant_id_tenant')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_catalogue_entry')),
    sa.UniqueConstraint('proposal_id', name=op.f('uq_catalogue_entry_proposal_id')),
    sa.UniqueConstraint('proposal_uuid', name=op.f('uq_catalogue_entry_proposal_uuid'))
    )
    with op.batch_alter_table('catalogue_entry', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_catalogue_entry_agency_kind'), ['agency_kind'], unique=False)
        batch_op.create_index(batch_op.f('ix_catalogue_entry_category_code'), ['category_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_catalogue_entry_competition_id'), ['competition_id'], unique=False)
        batch_op.create_index('ix_catalogue_entry_listing', ['competition_id', 'stage_code', 'year', 'title'], unique=False)
        batch_op.create_index(batch_op.f('ix_catalogue_entry_province_code'), ['province_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_catalogue_entry_replicates_uuid'), ['replicates_uuid'], unique=False)
        batch_op.create_index(batch_op.f('ix_catalogue_entry_tenant_id'), ['tenant_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_catalogue_entry_year'), ['year'], unique=False)

    op.create_table('catalogue_text',
    sa.Column('entry_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('problem', sa.Text(), nullable=False),
    sa.Column('solution', sa.Text(), nullable=False),
    sa.Column('results', sa.Text(), nullable=False),
    sa.Column('resources', sa.Text(), nullable=False),
    sa.Column('adaptability', sa.Text(), nullable=False),
    sa.Column('replication_summary', sa.Text(), nullable=False),
    sa.Column('search_text', sa.Text(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['entry_id'], ['catalogue_entry.id'], name=op.f('fk_catalogue_text_entry_id_catalogue_entry'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenant.id'], name=op.f('fk_catalogue_text_tenant_id_tenant')),
    sa.PrimaryKeyConstraint('entry_id', name=op.f('pk_catalogue_text'))
    )
    with op.batch_alter_table('catalogue_text', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_catalogue_text_tenant_id'), ['tenant_id'], unique=False)

    statements = {"sqlite": SQLITE, "postgresql": POSTGRES}.get(op.get_bind().dialect.name, [])
    for statement in statements:
        op.execute(statement)


def downgrade():
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for name in ("catalogue_fts_ai", "catalogue_fts_ad", "catalogue_fts_au",
                     "catalogue_entry_follows_proposal"):
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        op.execute("DROP TABLE IF EXISTS catalogue_fts")
    elif dialect == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS catalogue_entry_follows_proposal ON proposal")
        op.execute("DROP FUNCTION IF EXISTS catalogue_entry_follow_proposal()")
        op.execute("DROP TRIGGER IF EXISTS catalogue_text_fts ON catalogue_text")
        op.execute("DROP FUNCTION IF EXISTS catalogue_text_fts()")
    with op.batch_alter_table('catalogue_text', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_catalogue_text_tenant_id'))

    op.drop_table('catalogue_text')
    with op.batch_alter_table('catalogue_entry', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_catalogue_entry_year'))
        batch_op.drop_index(batch_op.f('ix_catalogue_entry_tenant_id'))
        batch_op.drop_index(batch_op.f('ix_catalogue_entry_replicates_uuid'))
        batch_op.drop_index(batch_op.f('ix_catalogue_entry_province_code'))
        batch_op.drop_index(batch_op.f('ix_catalogue_entry_competition_id'))
        batch_op.drop_index('ix_catalogue_entry_listing')
        batch_op.drop_index(batch_op.f('ix_catalogue_entry_category_code'))
        batch_op.drop_index(batch_op.f('ix_catalogue_entry_agency_kind'))

    op.drop_table('catalogue_entry')
