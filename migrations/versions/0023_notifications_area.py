"""notifications are their own area: a notification names its kind, details and page itself
instead of pointing at a need's timeline event, so any area can write one

Revision ID: 0023_notifications_area
Revises: 0022_form_receipt
Create Date: 2026-11-30 14:10:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0023_notifications_area'
down_revision = '0022_form_receipt'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.add_column(sa.Column('kind', sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column('detail', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('endpoint', sa.String(length=80), nullable=True))
        batch_op.add_column(sa.Column('endpoint_values', sa.JSON(), nullable=True))
    # Each notification takes what it told from its timeline event: the kind, the details, and the
    # need's (or else the request's) page.
    bind = op.get_bind()
    notification = sa.table('notification', sa.column('id', sa.Integer), sa.column('event_id', sa.Integer),
                            sa.column('kind', sa.String), sa.column('detail', sa.JSON),
                            sa.column('endpoint', sa.String), sa.column('endpoint_values', sa.JSON))
    event = sa.table('timeline_event', sa.column('id', sa.Integer), sa.column('kind', sa.String),
                     sa.column('detail', sa.JSON), sa.column('need_id', sa.Integer),
                     sa.column('request_id', sa.Integer))
    rows = bind.execute(sa.select(notification.c.id, event.c.kind, event.c.detail, event.c.need_id,
                                  event.c.request_id).join(event, event.c.id == notification.c.event_id)).all()
    for row in rows:
        endpoint, values = (('needs.show', {'need_id': row.need_id}) if row.need_id is not None
                            else ('needs.request_page', {'request_id': row.request_id}))
        bind.execute(notification.update().where(notification.c.id == row.id).values(
            kind=row.kind, detail=row.detail or {}, endpoint=endpoint, endpoint_values=values))
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.alter_column('kind', existing_type=sa.String(length=40), nullable=False)
        batch_op.alter_column('detail', existing_type=sa.JSON(), nullable=False)
        batch_op.alter_column('endpoint', existing_type=sa.String(length=80), nullable=False)
        batch_op.alter_column('endpoint_values', existing_type=sa.JSON(), nullable=False)
        batch_op.drop_constraint('fk_notification_event_id_timeline_event', type_='foreignkey')
        batch_op.drop_column('event_id')


def downgrade():
    # A notification written by another area has no timeline event to point back to: the list of
    # notifications starts empty again.
    op.execute('DELETE FROM notification')
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.add_column(sa.Column('event_id', sa.Integer(), nullable=False))
        batch_op.create_foreign_key('fk_notification_event_id_timeline_event', 'timeline_event', ['event_id'],
                                    ['id'])
        batch_op.drop_column('endpoint_values')
        batch_op.drop_column('endpoint')
        batch_op.drop_column('detail')
        batch_op.drop_column('kind')
