"""search ranked from an index for each kind of document on PostgreSQL: beside the RUM index over every
document (0027), a partial RUM index for each kind (need, request, tender, organization, contract,
proposal), which a search narrowed to a kind reads instead of ranking every document of its words and
then reading each from the table to keep those of the kind (心理 among tenders on a city: 20 ms → 3 ms).
Only where the RUM extension is there (0027 made it); `flask search rank-index` makes them later.

Revision ID: 0028_search_rank_index_by_kind
Revises: 0027_search_rank_index
Create Date: 2026-12-01 11:30:00

"""
from alembic import context, op
import sqlalchemy as sa


revision = '0028_search_rank_index_by_kind'
down_revision = '0027_search_rank_index'
branch_labels = None
depends_on = None

KINDS = ('need', 'request', 'tender', 'organization', 'contract', 'proposal')
INDEX = 'ix_search_document_words_rank'


def upgrade():
    bind = op.get_bind()
    if bind.dialect.name != 'postgresql' or context.is_offline_mode():  # offline: run `flask search rank-index`
        return
    if bind.execute(sa.text("SELECT 1 FROM pg_extension WHERE extname = 'rum'")).first() is None:
        return  # 0027 said why, and `flask search rank-index` makes every RUM index once the server has it
    # concurrently, so search documents go on being written while the indexes are built (9 s for a city)
    with op.get_context().autocommit_block():
        for kind in KINDS:
            op.execute(f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {INDEX}_{kind} ON search_document "
                       f"USING rum (words rum_tsvector_ops) WHERE kind = '{kind}'")


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        for kind in KINDS:
            op.execute(f"DROP INDEX IF EXISTS {INDEX}_{kind}")
