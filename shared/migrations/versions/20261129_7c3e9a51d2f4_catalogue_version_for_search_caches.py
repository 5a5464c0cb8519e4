"""catalogue: a version number moved by triggers on every catalogue change (search caches)

Revision ID: 7c3e9a51d2f4
Revises: 3999dcf16d84
Create Date: 2026-11-29 09:50:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '7c3e9a51d2f4'
down_revision = '3999dcf16d84'
branch_labels = None
depends_on = None

# An upsert, not a plain UPDATE: the row comes back if the table was ever emptied (the test
# suite truncates every table between PostgreSQL tests).
BUMP = (
    "INSERT INTO catalogue_state (id, version) VALUES (1, 1) "
    "ON CONFLICT (id) DO UPDATE SET version = catalogue_state.version + 1"
)
TRIGGERS = [
    (table, event)
    for table in ("catalogue_entry", "catalogue_text")
    for event in ("INSERT", "UPDATE", "DELETE")
]


def _name(table: str, event: str) -> str:
    return f"{table}_bumps_version_{event.lower()}"


def upgrade():
    op.create_table('catalogue_state',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_catalogue_state'))
    )
    op.execute("INSERT INTO catalogue_state (id, version) VALUES (1, 1)")
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for table, event in TRIGGERS:
            op.execute(
                f"CREATE TRIGGER {_name(table, event)} AFTER {event} ON {table} "
                f"BEGIN {BUMP}; END"
            )
    elif dialect == "postgresql":
        op.execute(
            "CREATE FUNCTION catalogue_bump_version() RETURNS trigger LANGUAGE plpgsql AS $$ "
            f"BEGIN {BUMP}; RETURN NULL; END $$"
        )
        for table, event in TRIGGERS:
            op.execute(
                f"CREATE TRIGGER {_name(table, event)} AFTER {event} ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION catalogue_bump_version()"
            )


def downgrade():
    dialect = op.get_bind().dialect.name
    for table, event in TRIGGERS:
        if dialect == "sqlite":
            op.execute(f"DROP TRIGGER IF EXISTS {_name(table, event)}")
        elif dialect == "postgresql":
            op.execute(f"DROP TRIGGER IF EXISTS {_name(table, event)} ON {table}")
    if dialect == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS catalogue_bump_version()")
    op.drop_table('catalogue_state')
