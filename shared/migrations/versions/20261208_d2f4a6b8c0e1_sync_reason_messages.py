"""Keep central's reasons as messages the node translates

Revision ID: d2f4a6b8c0e1
Revises: c4a6e8f0b2d5
Create Date: 2026-12-07 21:40:00.000000

Central now answers a refused item, and a request refused as a whole, with its reason as a
message id and arguments beside the English text. The node keeps an item's reason on its
outbox item, and the last sync run's node-wide problems on its link, and shows them in the
reader's language. Rows written before keep their English text (the new columns stay
empty).
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql


# revision identifiers, used by Alembic.
revision = 'd2f4a6b8c0e1'
down_revision = 'c4a6e8f0b2d5'
branch_labels = None
depends_on = None


def _json() -> sa.types.TypeEngine:
    return sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade():
    with op.batch_alter_table("outbox_item") as batch_op:
        batch_op.add_column(sa.Column("last_message", _json(), nullable=True))
    with op.batch_alter_table("sync_link") as batch_op:
        batch_op.add_column(sa.Column("last_problems", _json(), nullable=True))


def downgrade():
    with op.batch_alter_table("sync_link") as batch_op:
        batch_op.drop_column("last_problems")
    with op.batch_alter_table("outbox_item") as batch_op:
        batch_op.drop_column("last_message")
