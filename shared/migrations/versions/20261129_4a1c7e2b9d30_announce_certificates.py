"""announce: certificates

Revision ID: 4a1c7e2b9d30
Revises: d839eccc7fe6
Create Date: 2026-11-29 04:18:08.498732

"""
from alembic import op
import sqlalchemy as sa

import shared.db
from sqlalchemy import Text  # autogenerate renders JSONB(astext_type=Text())
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision = '4a1c7e2b9d30'
down_revision = 'd839eccc7fe6'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('certificate',
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('proposal_id', sa.Integer(), nullable=False),
    sa.Column('competition_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('finalist', 'award', name='certificatekind', native_enum=False, length=24), nullable=False),
    sa.Column('award', sa.String(length=80), nullable=True),
    sa.Column('innovation_title', sa.String(length=300), nullable=False),
    sa.Column('agency_name', sa.String(length=200), nullable=False),
    sa.Column('unit_name', sa.String(length=200), nullable=False),
    sa.Column('issued_at', shared.db.UTCDateTime(), nullable=False),
    sa.Column('issued_by_id', sa.Integer(), nullable=True),
    sa.Column('revoked_at', shared.db.UTCDateTime(), nullable=True),
    sa.Column('revoked_reason', sa.String(length=300), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['competition_id'], ['competition.id'], name=op.f('fk_certificate_competition_id_competition')),
    sa.ForeignKeyConstraint(['issued_by_id'], ['user_account.id'], name=op.f('fk_certificate_issued_by_id_user_account')),
    sa.ForeignKeyConstraint(['proposal_id'], ['proposal.id'], name=op.f('fk_certificate_proposal_id_proposal')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenant.id'], name=op.f('fk_certificate_tenant_id_tenant')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_certificate')),
    sa.UniqueConstraint('code', name=op.f('uq_certificate_code'))
    )
    with op.batch_alter_table('certificate', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_certificate_competition_id'), ['competition_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_certificate_proposal_id'), ['proposal_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_certificate_tenant_id'), ['tenant_id'], unique=False)


def downgrade():
    with op.batch_alter_table('certificate', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_certificate_tenant_id'))
        batch_op.drop_index(batch_op.f('ix_certificate_proposal_id'))
        batch_op.drop_index(batch_op.f('ix_certificate_competition_id'))

    op.drop_table('certificate')
