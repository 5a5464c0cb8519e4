"""Drop the proposal indexes that composite indexes already cover

Revision ID: 5d1e7a9c3b42
Revises: 7c3e5a1f2b90
Create Date: 2026-12-07 01:40:00.000000

``proposal.tenant_id`` leads ix_proposal_list and ix_proposal_overview, ``competition_id``
leads four of central's indexes, ``status`` alone (a handful of values) is searched through
the composite indexes, and ``proposal_revision.tenant_id`` leads its unique key. Their own
indexes answered nothing more, but every pushed proposal paid for them: on PostgreSQL they
were about a third of the insert work (B-tree pages of one repeated key, deduplicated again
on every split).
"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '5d1e7a9c3b42'
down_revision = '7c3e5a1f2b90'
branch_labels = None
depends_on = None

INDEXES = (
    ("proposal", "ix_proposal_tenant_id", "tenant_id"),
    ("proposal", "ix_proposal_competition_id", "competition_id"),
    ("proposal", "ix_proposal_status", "status"),
    ("proposal_revision", "ix_proposal_revision_tenant_id", "tenant_id"),
)


def upgrade():
    for table, name, _column in INDEXES:
        op.drop_index(name, table_name=table)


def downgrade():
    for table, name, column in INDEXES:
        op.create_index(name, table, [column], unique=False)
