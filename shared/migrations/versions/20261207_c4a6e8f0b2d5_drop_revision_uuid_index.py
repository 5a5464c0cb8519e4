"""Drop the index on proposal_revision.proposal_uuid alone

Revision ID: c4a6e8f0b2d5
Revises: b8e2f4a6c1d3
Create Date: 2026-12-07 19:10:00.000000

Every read of revisions by proposal knows its tenant too, so the unique key (tenant_id,
proposal_uuid, revision) finds them; the separate index only cost every revision written,
on nodes at submit and on central at every push, one more index entry.
"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'c4a6e8f0b2d5'
down_revision = 'b8e2f4a6c1d3'
branch_labels = None
depends_on = None


def upgrade():
    op.drop_index("ix_proposal_revision_proposal_uuid", table_name="proposal_revision")


def downgrade():
    op.create_index(
        "ix_proposal_revision_proposal_uuid", "proposal_revision", ["proposal_uuid"], unique=False
    )
