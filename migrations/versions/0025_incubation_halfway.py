"""incubation halfway: the day halfway between a stay's admission and its planned exit, kept so
the incubator staff's desk can list, in one query, organizations past it without a contract or a
grant (falling behind)

Revision ID: 0025_incubation_halfway
Revises: 0024_reminders_and_digest
Create Date: 2026-11-30 21:25:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0025_incubation_halfway'
down_revision = '0024_reminders_and_digest'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('incubation', schema=None) as batch_op:
        batch_op.add_column(sa.Column('halfway_on', sa.Date(), nullable=True))
    incubation = sa.table('incubation', sa.column('id', sa.Integer), sa.column('admitted_on', sa.Date),
                          sa.column('planned_exit_on', sa.Date), sa.column('halfway_on', sa.Date))
    connection = op.get_bind()
    for stay_id, admitted_on, planned_exit_on in connection.execute(
            sa.select(incubation.c.id, incubation.c.admitted_on, incubation.c.planned_exit_on)).all():
        connection.execute(incubation.update().where(incubation.c.id == stay_id).values(
            halfway_on=admitted_on + (planned_exit_on - admitted_on) / 2))
    with op.batch_alter_table('incubation', schema=None) as batch_op:
        batch_op.alter_column('halfway_on', existing_type=sa.Date(), nullable=False)


def downgrade():
    with op.batch_alter_table('incubation', schema=None) as batch_op:
        batch_op.drop_column('halfway_on')
