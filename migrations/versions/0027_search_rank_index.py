"""search ranked from an index on PostgreSQL: a RUM index on search_document.words (Debian's
postgresql-<major>-rum), so `ORDER BY words <=> query LIMIT n` reads the best documents from the index
instead of ranking every match. Optional: where the server lacks the extension, or the user may not
create it, the GIN index stays the only one and the application says so at start-up. Nothing on
SQLite (search there is Whoosh's).

Revision ID: 0027_search_rank_index
Revises: 0026_need_outcomes
Create Date: 2026-12-01 06:20:00

"""
from alembic import context, op
import sqlalchemy as sa


revision = '0027_search_rank_index'
down_revision = '0026_need_outcomes'
branch_labels = None
depends_on = None

INDEX = 'ix_search_document_words_rank'


def upgrade():
    bind = op.get_bind()
    if bind.dialect.name != 'postgresql' or context.is_offline_mode():  # offline: run `flask search rank-index`
        return
    if bind.execute(sa.text("SELECT 1 FROM pg_available_extensions WHERE name = 'rum'")).first() is None:
        print("search: the RUM extension is not installed on this PostgreSQL server; search ranks with the "
              "GIN index (install postgresql-<major>-rum, then run `flask search rank-index`)")
        return
    with bind.begin_nested() as savepoint:
        try:
            bind.execute(sa.text("CREATE EXTENSION IF NOT EXISTS rum"))
        except sa.exc.DBAPIError as error:  # not allowed to: the operator creates it (README)
            savepoint.rollback()
            print(f"search: could not create the RUM extension ({error.orig}); search ranks with the GIN index "
                  "(a superuser can run `CREATE EXTENSION rum`, then `flask search rank-index`)")
            return
    op.execute(f"CREATE INDEX IF NOT EXISTS {INDEX} ON search_document USING rum (words rum_tsvector_ops)")


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(f"DROP INDEX IF EXISTS {INDEX}")
