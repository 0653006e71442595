"""Two search backends behind one interface, chosen by SEARCH_BACKEND.

- `WhooshBackend` (default): an index on local disk. Changes reach it after the commit, from a
  background thread, so no request waits for the index. Several server processes on one machine
  share the directory: Whoosh's lock file lets one writer at a time in, and each writer reads the
  records it writes only once it holds the lock. Whatever order processes get the lock in, the
  last write of a record is therefore of its newest committed state.
- `PostgresBackend`: rows of `search_document`, written in the same transaction as the records,
  queried through a GIN index; for deployments on several machines.
"""
import os
import threading
from dataclasses import dataclass

from sqlalchemy import Integer, String, cast, delete, func, insert, literal, select
from sqlalchemy.dialects.postgresql import TSQUERY

from market.core import unit
from market.extensions import db
from market.search import documents
from market.search.analysis import Query, analyzer, indexed_words
from market.search.models import SearchDocument

WRITER_WAIT_SECONDS = 60
# The ranking, the same on both backends: first how many of the query's concepts a document holds,
# then how many of them in the very word typed (not a synonym), then how many in its title, then
# BM25 (ts_rank on PostgreSQL). Whoosh ranks by one score, so each step adds a weight far above the
# next one's largest sum.
CONCEPT_WEIGHT = 1_000_000.0
TYPED_WEIGHT = 10_000.0
TITLE_WEIGHT = 1_000.0
SYNONYM_BOOST = 0.3  # in BM25, a synonym counts for less than the word typed


@dataclass
class Hit:
    kind: str
    record_id: int
    title: str
    body: str
    score: float
    matched: int = 0  # how many of the query's concepts the document holds
    typed: int = 0  # how many of them in the word typed
    titled: int = 0  # how many of them in the title


@dataclass
class Filters:
    kind: str | None = None
    category_id: int | None = None
    place: str | None = None  # d12, s34 or c56
    status: str | None = None
    grade: int | None = None


class WhooshBackend:
    name = "whoosh"
    in_transaction = False  # written after the commit

    def __init__(self, directory: str):
        self.directory = directory
        self._index = None
        self._pid = None
        self._opening = threading.Lock()
        self._local = threading.local()  # a searcher per thread (Whoosh searchers are not shared)

    @staticmethod
    def schema():
        from whoosh.fields import ID, KEYWORD, TEXT, Schema

        return Schema(key=ID(unique=True, stored=True), kind=ID(stored=True), category=ID, places=KEYWORD,
                      status=ID, grade=ID, title=TEXT(analyzer=analyzer(), stored=True, field_boost=3.0),
                      body=TEXT(analyzer=analyzer(), stored=True))

    def index(self):
        """The index, made on first use; threads and processes racing to make it make it once."""
        import fcntl

        from whoosh import index

        with self._opening:
            if self._index is None or self._pid != os.getpid():
                os.makedirs(self.directory, exist_ok=True)
                with open(os.path.join(self.directory, "create.lock"), "w") as lock:
                    fcntl.flock(lock, fcntl.LOCK_EX)
                    if index.exists_in(self.directory):
                        self._index = index.open_dir(self.directory)
                    else:
                        self._index = index.create_in(self.directory, self.schema())
                self._pid = os.getpid()
            return self._index

    def searcher(self):
        """This thread's searcher, opened again when the index has changed (opening one costs ~0.1 s
        on a city's index, so it is not done per query). Not Whoosh's `refresh()`: reusing an empty
        index's reader fails in Whoosh-Reloaded 2.7.5."""
        local, index = self._local, self.index()
        generation = index.latest_generation()
        current = getattr(local, "searcher", None)
        if current is None or local.pid != os.getpid() or local.generation != generation:
            if current is not None and local.pid == os.getpid():
                current.close()
            current = index.searcher()  # BM25F: TF-IDF ranks twice as fast but puts long texts first
            local.searcher, local.pid, local.generation = current, os.getpid(), generation
        return current

    def _writer(self):
        return self.index().writer(timeout=WRITER_WAIT_SECONDS)

    def update(self, keys) -> None:
        """Bring the given documents up to date; their records are read once the lock is held."""
        writer = self._writer()
        try:
            found, gone = documents.build(documents.expand(keys))
            for kind, record_id in gone:
                writer.delete_by_term("key", f"{kind}:{record_id}")
            for document in found:
                writer.update_document(**self._fields(document))
        except BaseException:
            writer.cancel()
            raise
        writer.commit()

    def rebuild(self, progress) -> int:
        """Replace the whole index under the lock; searches see the old one until the commit."""
        from whoosh.writing import CLEAR

        writer = self._writer()
        count = 0
        try:
            for document in documents.everything(progress):
                writer.add_document(**self._fields(document))
                count += 1
        except BaseException:
            writer.cancel()
            raise
        writer.commit(mergetype=CLEAR, optimize=True)
        return count

    @staticmethod
    def _fields(document) -> dict:
        return dict(key=document.key, kind=document.kind, category=str(document.category_id or ""),
                    places=" ".join(document.places), status=document.status, grade=str(document.grade),
                    title=document.title, body=document.body)

    def search(self, query: Query, filters: Filters, page: int, per_page: int) -> tuple[list[Hit], int]:
        from whoosh import query as Q

        # Filters are required clauses that add nothing to the score (the ranking stays that of the
        # words). Whoosh's own `filter=` argument is far slower with pages: 10 s against 60 ms on
        # a city's 295,000 documents.
        conditions = [Q.ConstantScoreQuery(Q.Term(name, value), 0.0) for name, value in (
            ("kind", filters.kind), ("category", filters.category_id and str(filters.category_id)),
            ("places", filters.place), ("status", filters.status),
            ("grade", filters.grade is not None and str(filters.grade))) if value]
        held = []
        for concept in query.concepts:
            any_word = Q.Or([Q.Term(field, word) for word in concept for field in ("title", "body")])
            typed = Q.Or([Q.Term(field, concept[0]) for field in ("title", "body")])
            ranked = Q.Or([Q.Term(field, word, boost=1.0 if word == concept[0] else SYNONYM_BOOST)
                           for word in concept for field in ("title", "body")])
            titled = Q.Or([Q.Term("title", word) for word in concept])
            held.append(Q.Or([Q.ConstantScoreQuery(any_word, CONCEPT_WEIGHT), Q.ConstantScoreQuery(typed, TYPED_WEIGHT),
                              Q.ConstantScoreQuery(titled, TITLE_WEIGHT), ranked]))
        wanted = Q.And([Q.Or(held)] + conditions) if conditions else Q.Or(held)
        # One pass that ranks and counts: no block skipping (usequality) and no pruning of the query
        # as the top fills (replace=0). Either drops hits from the count, and Whoosh's default then
        # counts them again in a second pass.
        from whoosh.collectors import TopCollector

        collector = TopCollector(limit=page * per_page, usequality=False, replace=0)
        self.searcher().search_with_collector(wanted, collector)
        results, total = collector.results(), collector.count()
        if (page - 1) * per_page >= total:
            return [], total
        return [Hit(hit["kind"], int(hit["key"].split(":")[1]), hit["title"], hit["body"],
                    round(hit.score % TITLE_WEIGHT, 4), int(hit.score // CONCEPT_WEIGHT),
                    int(hit.score % CONCEPT_WEIGHT // TYPED_WEIGHT), int(hit.score % TYPED_WEIGHT // TITLE_WEIGHT))
                for hit in results[(page - 1) * per_page:page * per_page]], total

    def count(self) -> int:
        return self.searcher().doc_count()


class PostgresBackend:
    name = "postgresql"
    in_transaction = True  # written by the same transaction as the records

    def update(self, keys) -> None:
        found, gone = documents.build(documents.expand(keys))
        touched = {(d.kind, d.record_id) for d in found} | gone
        for kind in {k for k, _ in touched}:
            ids = [i for k, i in touched if k == kind]
            db.session.execute(delete(SearchDocument).where(SearchDocument.kind == kind,
                                                            SearchDocument.record_id.in_(ids)))
        if found:
            db.session.execute(insert(SearchDocument), [self._row(d) for d in found])

    def rebuild(self, progress) -> int:
        db.session.execute(delete(SearchDocument))
        count, batch = 0, []
        for document in documents.everything(progress):
            batch.append(self._row(document))
            if len(batch) >= documents.BATCH:
                db.session.execute(insert(SearchDocument), batch)
                count, batch = count + len(batch), []
        if batch:
            db.session.execute(insert(SearchDocument), batch)
            count += len(batch)
        unit.flush()
        return count

    @staticmethod
    def _row(document) -> dict:
        return dict(kind=document.kind, record_id=document.record_id, title=document.title, body=document.body,
                    category_id=document.category_id, places=f" {' '.join(document.places)} ",
                    status=document.status, grade=document.grade,
                    # PostgreSQL parses the literal
                    words=tsvector_text(indexed_words(document.title), indexed_words(document.body)))

    def search(self, query: Query, filters: Filters, page: int, per_page: int) -> tuple[list[Hit], int]:
        concepts = [_tsquery("(" + " | ".join(_lexeme(w) for w in concept) + ")") for concept in query.concepts]
        wanted = _tsquery(" | ".join("(" + " | ".join(_lexeme(w) for w in concept) + ")" for concept in query.concepts))
        matched = sum((cast(SearchDocument.words.op("@@")(concept), Integer) for concept in concepts), literal(0))
        typed = sum((cast(SearchDocument.words.op("@@")(_tsquery(_lexeme(concept[0]))), Integer)
                     for concept in query.concepts), literal(0))
        titled = sum((cast(SearchDocument.words.op("@@")(_tsquery(" | ".join(_lexeme(w) + ":A" for w in concept))),
                           Integer) for concept in query.concepts), literal(0))  # weight A: the title
        typed_words = _tsquery(" | ".join(_lexeme(concept[0]) for concept in query.concepts))
        score = func.ts_rank(SearchDocument.words, typed_words) + SYNONYM_BOOST * func.ts_rank(SearchDocument.words,
                                                                                               wanted)
        statement = select(SearchDocument.kind, SearchDocument.record_id, SearchDocument.title, SearchDocument.body,
                           score.label("score"), matched.label("matched"), typed.label("typed"), titled.label("titled"),
                           func.count().over().label("total")) \
            .where(SearchDocument.words.op("@@")(wanted))
        if filters.kind:
            statement = statement.where(SearchDocument.kind == filters.kind)
        if filters.category_id:
            statement = statement.where(SearchDocument.category_id == filters.category_id)
        if filters.place:
            statement = statement.where(SearchDocument.places.contains(f" {filters.place} "))
        if filters.status:
            statement = statement.where(SearchDocument.status == filters.status)
        if filters.grade is not None:
            statement = statement.where(SearchDocument.grade == filters.grade)
        rows = db.session.execute(statement.order_by(matched.desc(), typed.desc(), titled.desc(), score.desc(),
                                                     SearchDocument.kind,
                                                     SearchDocument.record_id)
                                  .limit(per_page).offset((page - 1) * per_page)).all()
        total = rows[0].total if rows else db.session.scalar(
            select(func.count()).select_from(statement.order_by(None).subquery())) if page > 1 else 0
        return [Hit(r.kind, r.record_id, r.title, r.body, round(float(r.score), 4), int(r.matched), int(r.typed),
                    int(r.titled)) for r in rows], total

    def count(self) -> int:
        return db.session.scalar(select(func.count()).select_from(SearchDocument))


def _tsquery(text: str):
    return cast(literal(text, String), TSQUERY)


def _lexeme(word: str) -> str:
    return "'" + word.replace("\\", "\\\\").replace("'", "''") + "'"


def tsvector_text(title_words: list[str], body_words: list[str]) -> str:
    """A tsvector literal: title words weighted A, body words B, numbered positions (PostgreSQL
    keeps at most 256 per word and positions up to 16383)."""
    positions: dict[str, list[str]] = {}
    for number, (word, weight) in enumerate([(w, "A") for w in title_words] + [(w, "B") for w in body_words], 1):
        found = positions.setdefault(word, [])
        if len(found) < 256:
            found.append(f"{min(number, 16383)}{weight}")
    return " ".join(f"{_lexeme(word)}:{','.join(places)}" for word, places in positions.items())

