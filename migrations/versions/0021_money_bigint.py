"""money in bigint: three amounts in fen were 32-bit integers (at most ¥21,474,836.47)

Revision ID: 0021_money_bigint
Revises: 0020_user_sessions
Create Date: 2026-11-30 09:35:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0021_money_bigint'
down_revision = '0020_user_sessions'
branch_labels = None
depends_on = None

COLUMNS = [('community_request', 'estimated_budget_fen', False), ('tender', 'budget_ceiling_fen', False),
           ('bid', 'price_fen', True)]


def upgrade():
    for table, column, nullable in COLUMNS:
        with op.batch_alter_table(table) as batch:
            batch.alter_column(column, existing_type=sa.Integer(), type_=sa.BigInteger(), existing_nullable=nullable)


def downgrade():
    for table, column, nullable in COLUMNS:
        with op.batch_alter_table(table) as batch:
            batch.alter_column(column, existing_type=sa.BigInteger(), type_=sa.Integer(), existing_nullable=nullable)
