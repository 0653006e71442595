"""data version for the page cache

Revision ID: 0019_data_version
Revises: 0018_tender_category_status
Create Date: 2026-11-23 13:10:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0019_data_version'
down_revision = '0018_tender_category_status'
branch_labels = None
depends_on = None


def upgrade():
    table = op.create_table(
        'data_version',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_data_version')),
    )
    op.bulk_insert(table, [{'id': 1, 'version': 0}])


def downgrade():
    op.drop_table('data_version')
