"""Keep central's batch limit on the node's link

Revision ID: e7a9c1b3d5f2
Revises: d2f4a6b8c0e1
Create Date: 2026-12-08 09:00:00.000000

When central refuses a push batch as too large (413), its answer names the most items it
takes. The node now keeps that number on its link, so later runs send batches central
accepts from the start instead of being refused again; a connect clears it. Existing links
start without one (NULL: only SYNC_BATCH_ITEMS bounds a batch).
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e7a9c1b3d5f2'
down_revision = 'd2f4a6b8c0e1'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("sync_link") as batch_op:
        batch_op.add_column(sa.Column("central_max_items", sa.Integer(), nullable=True))


def downgrade():
    with op.batch_alter_table("sync_link") as batch_op:
        batch_op.drop_column("central_max_items")
