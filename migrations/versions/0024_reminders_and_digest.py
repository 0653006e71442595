"""reminders and the daily digest: each person chooses how notifications reach them by mail (each,
daily, never; daily by default), a notification remembers when it was mailed, and each reminder of
a dated duty is written once (its duty, record and stage)

Revision ID: 0024_reminders_and_digest
Revises: 0023_notifications_area
Create Date: 2026-11-30 17:20:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0024_reminders_and_digest'
down_revision = '0023_notifications_area'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('mail_frequency', sa.String(length=10), nullable=False,
                                      server_default='daily'))
    # Who had turned mail off keeps it off; who had it on now gets the daily digest, the new default.
    op.execute("UPDATE \"user\" SET mail_frequency = 'never' WHERE NOT mail_opt_in")
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_column('mail_opt_in')
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.add_column(sa.Column('mailed_at', sa.DateTime(), nullable=True))
    # Notifications from before the digest are not mailed again.
    op.execute("UPDATE notification SET mailed_at = created_at")
    op.create_table(
        'reminder',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('duty', sa.String(length=40), nullable=False),
        sa.Column('subject_id', sa.Integer(), nullable=False),
        sa.Column('stage', sa.String(length=20), nullable=False),
        sa.Column('sent_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_reminder')),
        sa.UniqueConstraint('duty', 'subject_id', 'stage', name=op.f('uq_reminder_duty_subject_id_stage')),
    )


def downgrade():
    op.drop_table('reminder')
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.drop_column('mailed_at')
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('mail_opt_in', sa.Boolean(), nullable=False, server_default=sa.true()))
    op.execute("UPDATE \"user\" SET mail_opt_in = (mail_frequency <> 'never')")
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_column('mail_frequency')
