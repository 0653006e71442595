"""grid ledger: grids and buildings of a community, the roles bound to them and to streets and
districts (and a resident's building), problems recorded for residents with their dispatches, notes and
photos, and the dispatch rules by district and category (issue 22)

Revision ID: 0029_grid_ledger
Revises: 0028_search_rank_index_by_kind
Create Date: 2026-12-01 13:45:34

"""
from alembic import op
import sqlalchemy as sa


revision = '0029_grid_ledger'
down_revision = '0028_search_rank_index_by_kind'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('dispatch_rule',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('district_id', sa.Integer(), nullable=False),
    sa.Column('category', sa.String(length=30), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('effective_from', sa.Date(), nullable=False),
    sa.Column('effective_until', sa.Date(), nullable=True),
    sa.Column('body_kind', sa.String(length=12), nullable=False),
    sa.Column('body_id', sa.Integer(), nullable=True),
    sa.Column('respond_hours', sa.Integer(), nullable=False),
    sa.Column('urgent_amount', sa.Integer(), nullable=False),
    sa.Column('urgent_unit', sa.String(length=12), nullable=False),
    sa.Column('normal_amount', sa.Integer(), nullable=False),
    sa.Column('normal_unit', sa.String(length=12), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_dispatch_rule_created_by_id_user')),
    sa.ForeignKeyConstraint(['district_id'], ['district.id'], name=op.f('fk_dispatch_rule_district_id_district')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dispatch_rule')),
    sa.UniqueConstraint('district_id', 'category', 'version', name=op.f('uq_dispatch_rule_district_id_category_version'))
    )
    op.create_table('grid',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.ForeignKeyConstraint(['community_id'], ['community.id'], name=op.f('fk_grid_community_id_community')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_grid')),
    sa.UniqueConstraint('community_id', 'name', name=op.f('uq_grid_community_id_name'))
    )
    with op.batch_alter_table('grid', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_grid_community_id'), ['community_id'], unique=False)

    op.create_table('building',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('grid_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('address', sa.String(length=120), nullable=False),
    sa.ForeignKeyConstraint(['grid_id'], ['grid.id'], name=op.f('fk_building_grid_id_grid')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_building')),
    sa.UniqueConstraint('grid_id', 'name', name=op.f('uq_building_grid_id_name'))
    )
    with op.batch_alter_table('building', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_building_grid_id'), ['grid_id'], unique=False)

    op.create_table('problem',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('grid_id', sa.Integer(), nullable=True),
    sa.Column('building_id', sa.Integer(), nullable=True),
    sa.Column('address', sa.String(length=120), nullable=False),
    sa.Column('latitude', sa.Numeric(precision=9, scale=6, asdecimal=False), nullable=True),
    sa.Column('longitude', sa.Numeric(precision=9, scale=6, asdecimal=False), nullable=True),
    sa.Column('category', sa.String(length=30), nullable=False),
    sa.Column('urgency', sa.String(length=10), nullable=False),
    sa.Column('summary', sa.String(length=80), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('channel', sa.String(length=10), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('reporter_id', sa.Integer(), nullable=True),
    sa.Column('reporter_name', sa.String(length=40), nullable=False),
    sa.Column('reporter_phone', sa.String(length=20), nullable=False),
    sa.Column('private_deleted_at', sa.DateTime(), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('due_at', sa.DateTime(), nullable=True),
    sa.Column('dispatch_count', sa.Integer(), nullable=False),
    sa.Column('first_dispatched_at', sa.DateTime(), nullable=True),
    sa.Column('body_kind', sa.String(length=12), nullable=False),
    sa.Column('body_id', sa.Integer(), nullable=True),
    sa.Column('level', sa.Integer(), nullable=False),
    sa.Column('overdue_at', sa.DateTime(), nullable=True),
    sa.Column('escalated_at', sa.DateTime(), nullable=True),
    sa.Column('closed_at', sa.DateTime(), nullable=True),
    sa.Column('resolution', sa.String(length=12), nullable=False),
    sa.Column('result', sa.Text(), nullable=False),
    sa.Column('rating', sa.String(length=20), nullable=False),
    sa.Column('rating_note', sa.Text(), nullable=False),
    sa.Column('rated_at', sa.DateTime(), nullable=True),
    sa.Column('reopened_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['building_id'], ['building.id'], name=op.f('fk_problem_building_id_building')),
    sa.ForeignKeyConstraint(['community_id'], ['community.id'], name=op.f('fk_problem_community_id_community')),
    sa.ForeignKeyConstraint(['grid_id'], ['grid.id'], name=op.f('fk_problem_grid_id_grid')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['user.id'], name=op.f('fk_problem_recorded_by_id_user')),
    sa.ForeignKeyConstraint(['reporter_id'], ['user.id'], name=op.f('fk_problem_reporter_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_problem'))
    )
    with op.batch_alter_table('problem', schema=None) as batch_op:
        batch_op.create_index('ix_problem_body', ['body_kind', 'body_id', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_problem_building_id'), ['building_id'], unique=False)
        batch_op.create_index('ix_problem_community_status', ['community_id', 'status'], unique=False)
        batch_op.create_index('ix_problem_created', ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_problem_first_dispatched_at'), ['first_dispatched_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_problem_grid_id'), ['grid_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_problem_recorded_by_id'), ['recorded_by_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_problem_reporter_id'), ['reporter_id'], unique=False)
        batch_op.create_index('ix_problem_status_due', ['status', 'due_at'], unique=False)

    op.create_table('dispatch',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('problem_id', sa.Integer(), nullable=False),
    sa.Column('body_kind', sa.String(length=12), nullable=False),
    sa.Column('body_id', sa.Integer(), nullable=False),
    sa.Column('body_name', sa.String(length=80), nullable=False),
    sa.Column('rule_id', sa.Integer(), nullable=True),
    sa.Column('dispatched_at', sa.DateTime(), nullable=False),
    sa.Column('dispatched_by_id', sa.Integer(), nullable=True),
    sa.Column('respond_by', sa.DateTime(), nullable=False),
    sa.Column('due_at', sa.DateTime(), nullable=False),
    sa.Column('answer', sa.String(length=10), nullable=False),
    sa.Column('answered_at', sa.DateTime(), nullable=True),
    sa.Column('answered_by_id', sa.Integer(), nullable=True),
    sa.Column('return_reason', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['answered_by_id'], ['user.id'], name=op.f('fk_dispatch_answered_by_id_user')),
    sa.ForeignKeyConstraint(['dispatched_by_id'], ['user.id'], name=op.f('fk_dispatch_dispatched_by_id_user')),
    sa.ForeignKeyConstraint(['problem_id'], ['problem.id'], name=op.f('fk_dispatch_problem_id_problem')),
    sa.ForeignKeyConstraint(['rule_id'], ['dispatch_rule.id'], name=op.f('fk_dispatch_rule_id_dispatch_rule')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dispatch'))
    )
    with op.batch_alter_table('dispatch', schema=None) as batch_op:
        batch_op.create_index('ix_dispatch_body', ['body_kind', 'body_id', 'dispatched_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_dispatch_problem_id'), ['problem_id'], unique=False)

    op.create_table('problem_note',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('problem_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('after_change_id', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['user.id'], name=op.f('fk_problem_note_actor_id_user')),
    sa.ForeignKeyConstraint(['after_change_id'], ['status_change.id'], name=op.f('fk_problem_note_after_change_id_status_change')),
    sa.ForeignKeyConstraint(['problem_id'], ['problem.id'], name=op.f('fk_problem_note_problem_id_problem')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_problem_note'))
    )
    with op.batch_alter_table('problem_note', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_problem_note_problem_id'), ['problem_id'], unique=False)

    op.create_table('problem_photo',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('problem_id', sa.Integer(), nullable=False),
    sa.Column('stage', sa.String(length=10), nullable=False),
    sa.Column('original_filename', sa.String(length=255), nullable=False),
    sa.Column('stored_name', sa.String(length=80), nullable=False),
    sa.Column('content_type', sa.String(length=80), nullable=False),
    sa.Column('size_bytes', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['problem_id'], ['problem.id'], name=op.f('fk_problem_photo_problem_id_problem')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_problem_photo'))
    )
    with op.batch_alter_table('problem_photo', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_problem_photo_problem_id'), ['problem_id'], unique=False)

    with op.batch_alter_table('residence', schema=None) as batch_op:
        batch_op.add_column(sa.Column('building_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_residence_building_id_building'), 'building', ['building_id'], ['id'])

    with op.batch_alter_table('role_grant', schema=None) as batch_op:
        batch_op.add_column(sa.Column('grid_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('building_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('street_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('district_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_role_grant_building_id'), ['building_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_role_grant_district_id'), ['district_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_role_grant_grid_id'), ['grid_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_role_grant_street_id'), ['street_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_role_grant_building_id_building'), 'building', ['building_id'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_role_grant_street_id_street'), 'street', ['street_id'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_role_grant_grid_id_grid'), 'grid', ['grid_id'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_role_grant_district_id_district'), 'district', ['district_id'], ['id'])



def downgrade():
    with op.batch_alter_table('role_grant', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_role_grant_district_id_district'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_role_grant_grid_id_grid'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_role_grant_street_id_street'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_role_grant_building_id_building'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_role_grant_street_id'))
        batch_op.drop_index(batch_op.f('ix_role_grant_grid_id'))
        batch_op.drop_index(batch_op.f('ix_role_grant_district_id'))
        batch_op.drop_index(batch_op.f('ix_role_grant_building_id'))
        batch_op.drop_column('district_id')
        batch_op.drop_column('street_id')
        batch_op.drop_column('building_id')
        batch_op.drop_column('grid_id')

    with op.batch_alter_table('residence', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_residence_building_id_building'), type_='foreignkey')
        batch_op.drop_column('building_id')

    with op.batch_alter_table('problem_photo', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_problem_photo_problem_id'))

    op.drop_table('problem_photo')
    with op.batch_alter_table('problem_note', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_problem_note_problem_id'))

    op.drop_table('problem_note')
    with op.batch_alter_table('dispatch', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_dispatch_problem_id'))
        batch_op.drop_index('ix_dispatch_body')

    op.drop_table('dispatch')
    with op.batch_alter_table('problem', schema=None) as batch_op:
        batch_op.drop_index('ix_problem_status_due')
        batch_op.drop_index(batch_op.f('ix_problem_reporter_id'))
        batch_op.drop_index(batch_op.f('ix_problem_recorded_by_id'))
        batch_op.drop_index(batch_op.f('ix_problem_grid_id'))
        batch_op.drop_index(batch_op.f('ix_problem_first_dispatched_at'))
        batch_op.drop_index('ix_problem_created')
        batch_op.drop_index('ix_problem_community_status')
        batch_op.drop_index(batch_op.f('ix_problem_building_id'))
        batch_op.drop_index('ix_problem_body')

    op.drop_table('problem')
    with op.batch_alter_table('building', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_building_grid_id'))

    op.drop_table('building')
    with op.batch_alter_table('grid', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_grid_community_id'))

    op.drop_table('grid')
    op.drop_table('dispatch_rule')
