"""problems and needs turned into each other: a problem names the need it came from or became; and the
time by which a problem waiting for a dispatch is dispatched (issue 22)

Revision ID: 0030_problem_need_moves
Revises: 0029_grid_ledger
Create Date: 2026-12-01 17:44:38.610735

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0030_problem_need_moves'
down_revision = '0029_grid_ledger'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('problem', schema=None) as batch_op:
        batch_op.add_column(sa.Column('from_need_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('to_need_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('dispatch_by', sa.DateTime(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_problem_to_need_id_need'), 'need', ['to_need_id'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_problem_from_need_id_need'), 'need', ['from_need_id'], ['id'])


def downgrade():
    with op.batch_alter_table('problem', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_problem_from_need_id_need'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_problem_to_need_id_need'), type_='foreignkey')
        batch_op.drop_column('dispatch_by')
        batch_op.drop_column('to_need_id')
        batch_op.drop_column('from_need_id')
