"""A withdrawn UNPSA nomination keeps its row, marked by when it was withdrawn

Revision ID: f1b3d5e7a9c2
Revises: e7a9c1b3d5f2
Create Date: 2026-12-08 12:00:00.000000

Withdrawing a nomination deleted it, and with it the English texts written for the dossier.
The row now stays, with ``withdrawn_at`` set, so a colleague's open page can say what
happened and a re-nomination in the same cycle brings the texts back. Existing rows are
nominations in force (NULL).
"""
from alembic import op
import sqlalchemy as sa

import shared.db


# revision identifiers, used by Alembic.
revision = 'f1b3d5e7a9c2'
down_revision = 'e7a9c1b3d5f2'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("unpsa_nomination") as batch_op:
        batch_op.add_column(sa.Column("withdrawn_at", shared.db.UTCDateTime(), nullable=True))


def downgrade():
    # a nomination withdrawn since the upgrade was deleted before it: it goes again
    op.execute("DELETE FROM unpsa_nomination WHERE withdrawn_at IS NOT NULL")
    with op.batch_alter_table("unpsa_nomination") as batch_op:
        batch_op.drop_column("withdrawn_at")
