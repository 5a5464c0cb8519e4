"""announce: UNPSA nominations

Revision ID: 8e5f03a6c2b1
Revises: 4a1c7e2b9d30
Create Date: 2026-11-29 04:18:08.498732

"""
from alembic import op
import sqlalchemy as sa

import shared.db
from sqlalchemy import Text  # autogenerate renders JSONB(astext_type=Text())
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision = '8e5f03a6c2b1'
down_revision = '4a1c7e2b9d30'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('unpsa_nomination',
    sa.Column('proposal_id', sa.Integer(), nullable=False),
    sa.Column('cycle_year', sa.Integer(), nullable=False),
    sa.Column('category_code', sa.String(length=60), nullable=False),
    sa.Column('title_en', sa.String(length=300), nullable=False),
    sa.Column('summary_en', sa.Text(), nullable=False),
    sa.Column('problem_en', sa.Text(), nullable=False),
    sa.Column('solution_en', sa.Text(), nullable=False),
    sa.Column('impact_en', sa.Text(), nullable=False),
    sa.Column('sdgs', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=False),
    sa.Column('nominated_by_id', sa.Integer(), nullable=True),
    sa.Column('exported_at', shared.db.UTCDateTime(), nullable=True),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('created_at', shared.db.UTCDateTime(), nullable=False),
    sa.Column('updated_at', shared.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['nominated_by_id'], ['user_account.id'], name=op.f('fk_unpsa_nomination_nominated_by_id_user_account')),
    sa.ForeignKeyConstraint(['proposal_id'], ['proposal.id'], name=op.f('fk_unpsa_nomination_proposal_id_proposal')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenant.id'], name=op.f('fk_unpsa_nomination_tenant_id_tenant')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_unpsa_nomination')),
    sa.UniqueConstraint('proposal_id', 'cycle_year', name=op.f('uq_unpsa_nomination_proposal_id_cycle_year'))
    )
    with op.batch_alter_table('unpsa_nomination', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_unpsa_nomination_cycle_year'), ['cycle_year'], unique=False)
        batch_op.create_index(batch_op.f('ix_unpsa_nomination_proposal_id'), ['proposal_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_unpsa_nomination_tenant_id'), ['tenant_id'], unique=False)


def downgrade():
    with op.batch_alter_table('unpsa_nomination', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_unpsa_nomination_tenant_id'))
        batch_op.drop_index(batch_op.f('ix_unpsa_nomination_proposal_id'))
        batch_op.drop_index(batch_op.f('ix_unpsa_nomination_cycle_year'))

    op.drop_table('unpsa_nomination')
