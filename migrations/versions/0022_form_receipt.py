"""form receipts: the one-time token of every form that changes something, sent once

Revision ID: 0022_form_receipt
Revises: 0021_money_bigint
Create Date: 2026-11-30 11:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0022_form_receipt'
down_revision = '0021_money_bigint'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'form_receipt',
        sa.Column('token', sa.String(length=64), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('sent_at', sa.DateTime(), nullable=False),
        sa.Column('location', sa.String(length=500), nullable=True),
        sa.Column('message', sa.String(length=500), nullable=False),
        sa.PrimaryKeyConstraint('token', name=op.f('pk_form_receipt')),
    )
    op.create_index(op.f('ix_form_receipt_sent_at'), 'form_receipt', ['sent_at'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_form_receipt_sent_at'), table_name='form_receipt')
    op.drop_table('form_receipt')
