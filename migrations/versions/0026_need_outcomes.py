"""need outcomes: where each need ended up (answered by a service or by the community, stopped,
still waiting), kept as its timeline moves, and the services answering it, so a place's outcome
figures are one grouped query. Derived rows: `flask outcomes rebuild` fills them from the records.

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
        sa.Column('community_id', sa.Integer(), nullable=False),
        sa.Column('category_id', sa.Integer(), nullable=False),
        sa.Column('author_id', sa.Integer(), nullable=False),
        sa.Column('posted_on', sa.Date(), nullable=False),
        sa.Column('answer', sa.String(length=10), nullable=False),
        sa.Column('answered_on', sa.Date(), nullable=True),
        sa.Column('stop', sa.String(length=10), nullable=False),
        sa.Column('stopped_on', sa.Date(), nullable=True),
        sa.Column('hidden', sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(['author_id'], ['user.id'], name=op.f('fk_need_outcome_author_id_user')),
        sa.ForeignKeyConstraint(['category_id'], ['service_category.id'],
                                name=op.f('fk_need_outcome_category_id_service_category')),
        sa.ForeignKeyConstraint(['community_id'], ['community.id'], name=op.f('fk_need_outcome_community_id_community')),
        sa.ForeignKeyConstraint(['need_id'], ['need.id'], name=op.f('fk_need_outcome_need_id_need')),
        sa.PrimaryKeyConstraint('need_id', name=op.f('pk_need_outcome')),
    )
    op.create_index('ix_need_outcome_community', 'need_outcome', ['community_id', 'posted_on'], unique=False)
    op.create_index('ix_need_outcome_category', 'need_outcome', ['category_id'], unique=False)
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
    op.drop_index('ix_need_outcome_category', table_name='need_outcome')
    op.drop_index('ix_need_outcome_community', table_name='need_outcome')
    op.drop_table('need_outcome')
