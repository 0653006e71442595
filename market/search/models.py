"""The PostgreSQL search backend's table: one row per public document, its jieba-cut words in a
tsvector with a GIN index, written in the same transaction as the record it describes."""
from sqlalchemy import Index, String, Text, UniqueConstraint
from sqlalchemy.dialects.postgresql import TSVECTOR
from sqlalchemy.orm import Mapped, mapped_column

from market.extensions import db

# Built by migrations 0027 and 0028 where the PostgreSQL server has the RUM extension, so not declared
# here: a schema comparison leaves them out (`include_object`). One over every document, and one for
# each kind of document (`documents.KINDS`), which a search narrowed to a kind reads: the whole index
# would rank every document of the words and then read each from the table to keep those of the kind.
RANK_INDEX = "ix_search_document_words_rank"
RANK_KINDS = ("need", "request", "tender", "organization", "contract", "proposal")
RANK_INDEXES = {None: RANK_INDEX, **{kind: f"{RANK_INDEX}_{kind}" for kind in RANK_KINDS}}


def rank_index_sql(kind: str | None) -> str:
    """The statement making the RUM index of one kind of document (of every document for None)."""
    where = f" WHERE kind = '{kind}'" if kind else ""
    return (f"CREATE INDEX IF NOT EXISTS {RANK_INDEXES[kind]} ON search_document "
            f"USING rum (words rum_tsvector_ops){where}")


def include_object(obj, name, type_, reflected, compare_to) -> bool:
    """For Alembic's comparisons: everything but the optional RUM indexes."""
    return not (type_ == "index" and name in RANK_INDEXES.values())


class SearchDocument(db.Model):
    __tablename__ = "search_document"
    __table_args__ = (
        UniqueConstraint("kind", "record_id"),
        Index("ix_search_document_words", "words", postgresql_using="gin"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    record_id: Mapped[int]
    title: Mapped[str] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)
    category_id: Mapped[int | None]
    places: Mapped[str] = mapped_column(Text, default="")  # " c1 s2 d3 ", matched with LIKE
    STATUSES = ()  # a copy of its record's status, for filtering: not a lifecycle of its own
    status: Mapped[str] = mapped_column(String(20), default="")
    grade: Mapped[int] = mapped_column(default=0)
    words = mapped_column(Text().with_variant(TSVECTOR(), "postgresql"))  # used on PostgreSQL only
