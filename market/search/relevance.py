"""The relevance harness: a throw-away index of given documents, built with the production analysis
and searched with the production query rules, then recall@10 and MRR over the queries' judged
relevant documents (`flask search evaluate FILE.json`). The file:
{"docs": [{"id", "kind", "title", "body"}], "queries": [{"q", "relevant": [ids]}]}."""
import tempfile
from dataclasses import dataclass

from sqlalchemy import delete, insert

from market.extensions import db
from market.search import analysis
from market.search.backends import Filters, PostgresBackend, WhooshBackend
from market.search.models import SearchDocument

TOP = 10


@dataclass
class Judged:
    query: str
    relevant: list[str]
    found: list[str]  # the top ten, in order
    tiers: list[int] = ()  # how many of the query's concepts each holds: the tiers both backends rank by

    @property
    def recall(self) -> float:
        return len(set(self.relevant) & set(self.found)) / len(self.relevant) if self.relevant else 1.0

    @property
    def reciprocal_rank(self) -> float:
        return next((1 / rank for rank, doc in enumerate(self.found, 1) if doc in self.relevant), 0.0)


@dataclass
class Report:
    backend: str
    judged: list[Judged]

    @property
    def recall(self) -> float:
        return sum(j.recall for j in self.judged) / len(self.judged)

    @property
    def mrr(self) -> float:
        return sum(j.reciprocal_rank for j in self.judged) / len(self.judged)

    def worst_first(self) -> list[Judged]:
        return sorted(self.judged, key=lambda j: (j.recall, j.reciprocal_rank, j.query))


@dataclass
class _Document:
    """What a backend indexes, for a harness document (no place, status or grade)."""

    kind: str
    record_id: int
    title: str
    body: str
    category_id: int | None = None
    places: tuple = ()
    status: str = ""
    grade: int = 0

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.record_id}"


def evaluate(data: dict, backend: str = "whoosh", synonyms_file: str | None = None) -> Report:
    docs = [_Document(d["kind"], number, d["title"], d["body"]) for number, d in enumerate(data["docs"], 1)]
    names = {number: d["id"] for number, d in enumerate(data["docs"], 1)}
    queries = [(q["q"], list(q["relevant"])) for q in data["queries"]]
    if backend == "whoosh":
        with tempfile.TemporaryDirectory() as folder:
            engine = WhooshBackend(folder)
            writer = engine.index().writer()
            for document in docs:
                writer.add_document(**engine._fields(document))
            writer.commit()
            return Report(backend, _judge(engine, queries, names, synonyms_file))
    if backend == "postgresql":
        if db.engine.dialect.name != "postgresql":
            raise ValueError("The PostgreSQL backend needs a PostgreSQL DATABASE_URL.")
        engine = PostgresBackend()
        try:  # the site's documents are set aside inside this transaction, which is rolled back
            db.session.execute(delete(SearchDocument))
            db.session.execute(insert(SearchDocument), [engine._row(document) for document in docs])
            return Report(backend, _judge(engine, queries, names, synonyms_file))
        finally:
            db.session.rollback()
    raise ValueError(f"no such backend: {backend}")


def _judge(engine, queries, names, synonyms_file) -> list[Judged]:
    judged = []
    for text, relevant in queries:
        query = analysis.parse(text, synonyms_file)
        hits = engine.search(query, Filters(), 1, TOP).hits if query else []
        judged.append(Judged(text, relevant, [names[hit.record_id] for hit in hits],
                             [hit.matched for hit in hits]))
    return judged
