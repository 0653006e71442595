"""need outcomes: where each need ended up (answered by a service or by the community, stopped,
still waiting), kept as its timeline moves, and the services answering it, so a place's outcome
figures are one grouped query. Derived rows: on a database with needs already, run `flask outcomes
rebuild` after this upgrade to fill them from the records (the migration does not run app code).

Revision ID: 0026_need_outcomes
Revises: 0025_incubation_halfway
Create Date: 2026-12-01 03:30:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0026_need_outcomes'
down_revision = '0025_incubation_halfway'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'need_outcome',
        sa.Column('need_id', sa.Integer(), nullable=False),
        sa.Column('posted_on', sa.Date(), nullable=False),
        sa.Column('answer', sa.String(length=10), nullable=False),
        sa.Column('answered_on', sa.Date(), nullable=True),
        sa.Column('stop', sa.String(length=10), nullable=False),
        sa.Column('stopped_on', sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(['need_id'], ['need.id'], name=op.f('fk_need_outcome_need_id_need')),
        sa.PrimaryKeyConstraint('need_id', name=op.f('pk_need_outcome')),
    )
    op.create_index('ix_need_outcome_posted_on', 'need_outcome', ['posted_on'], unique=False)
    op.create_index('ix_need_outcome_answered_on', 'need_outcome', ['answered_on'], unique=False)
    op.create_table(
        'need_service',
        sa.Column('need_id', sa.Integer(), nullable=False),
        sa.Column('contract_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['contract_id'], ['contract.id'], name=op.f('fk_need_service_contract_id_contract')),
        sa.ForeignKeyConstraint(['need_id'], ['need.id'], name=op.f('fk_need_service_need_id_need')),
        sa.PrimaryKeyConstraint('need_id', 'contract_id', name=op.f('pk_need_service')),
    )
    op.create_index(op.f('ix_need_service_contract_id'), 'need_service', ['contract_id'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_need_service_contract_id'), table_name='need_service')
    op.drop_table('need_service')
    op.drop_index('ix_need_outcome_answered_on', table_name='need_outcome')
    op.drop_index('ix_need_outcome_posted_on', table_name='need_outcome')
    op.drop_table('need_outcome')
