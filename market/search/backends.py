"""Two search backends behind one interface, chosen by SEARCH_BACKEND.

- `WhooshBackend` (default): an index on local disk. Changes reach it after the commit, from a
  background thread, so no request waits for the index. Several server processes on one machine
  share the directory: Whoosh's lock file lets one writer at a time in, and each writer reads the
  records it writes only once it holds the lock. Whatever order processes get the lock in, the
  last write of a record is therefore of its newest committed state.
- `PostgresBackend`: rows of `search_document`, written in the same transaction as the records,
  matched through a GIN index and ranked from a RUM index where the server has one; for a whole
  city and for deployments on several machines.
"""
import logging
import os
import re
import threading
from collections import Counter
from dataclasses import dataclass, field
from itertools import combinations
from operator import itemgetter

from flask import current_app
from sqlalchemy import (
    ARRAY,
    Float,
    Integer,
    String,
    all_,
    bindparam,
    case,
    cast,
    delete,
    func,
    insert,
    literal,
    or_,
    select,
    text,
)
from sqlalchemy.dialects.postgresql import TSQUERY

from market.core import unit
from market.extensions import db
from market.search import documents
from market.search.analysis import Query, analyzer, indexed_words
from market.search.models import RANK_INDEX, SearchDocument

logger = logging.getLogger(__name__)
WRITER_WAIT_SECONDS = 60
# The ranking: first how many of the query's concepts a document holds, on both backends; then, on
# Whoosh, how many of them in the very word typed (not a synonym), how many in its title, and BM25;
# on PostgreSQL, holding them by the words typed, then the RUM distance to those words (ts_rank).
_DISTRICT = re.compile(r"(?<=\s)d(\d+)(?=\s)")  # a district in a document's places: " d12 "
TIE_WINDOW = 50  # PostgreSQL: rows read past a page so that documents tied at its edge keep one order
PROBE = 200  # PostgreSQL: a tier of several concepts holding at most this many documents is ranked whole
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
class Found:
    hits: list[Hit]
    total: int
    facets: dict[str, dict[str, int]] = field(default_factory=dict)  # facet → value → documents
    capped: bool = False  # more matches than were counted (COUNT_LIMIT): total and facets are of the first ones


# The facets a result list is counted by, and the index field each is read from.
FACET_FIELDS = {"kind": "kind", "category": "category", "district": "places", "status": "status", "grade": "grade"}


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

    def search(self, query: Query, filters: Filters, page: int, per_page: int) -> Found:
        """Candidates first, then scores, over arrays indexed by document number (numpy): which
        documents hold which concepts is read from the postings (decoded once per word and kept, see
        `_postings`), so the total, the facets and the tiers of the ranking (concepts held, typed words
        held, words in the title) cost a few array operations each. BM25 then scores only the tiers the
        page shows, also as array operations (Whoosh's own scorer costs about 13 µs a hit in Python)."""
        import numpy as np

        searcher = self.searcher()
        size = searcher.reader().doc_count_all()

        def ids(field: str, word: str):
            return self._postings(searcher, field, word)[0]

        def mask(*arrays):
            found = np.zeros(size, dtype=bool)
            for array in arrays:
                found[array] = True
            return found

        allowed = None  # the documents the filters and phrases let through, as a mask (None: every one)
        for name, value in (("kind", filters.kind), ("category", filters.category_id and str(filters.category_id)),
                            ("places", filters.place), ("status", filters.status),
                            ("grade", filters.grade is not None and str(filters.grade))):
            if value:
                found = mask(ids(name, value))
                allowed = found if allowed is None else allowed & found
        for phrase in query.phrases:
            candidates = np.logical_and.reduce([mask(ids("title", w), ids("body", w)) for w in phrase.words])
            if allowed is not None:
                candidates &= allowed
            allowed = mask(np.array([d for d in np.flatnonzero(candidates).tolist() if phrase.held_by(
                *(searcher.stored_fields(d).get(f, "") for f in ("title", "body")))], dtype=np.int64))
        held = np.zeros(size, dtype=np.int8)  # how many concepts each document holds
        typed = np.zeros(size, dtype=np.int8)  # … by the word typed
        titled = np.zeros(size, dtype=np.int8)  # … in its title
        for concept in query.concepts:
            in_title = [ids("title", w) for w in concept]
            in_body = [ids("body", w) for w in concept]
            found = mask(*in_title, *in_body)
            held += found if allowed is None else found & allowed
            typed += mask(in_title[0], in_body[0])
            titled += mask(*in_title)
        matched = np.flatnonzero(held)
        facets = self._facets(searcher, held > 0)
        start, end = (page - 1) * per_page, page * per_page
        if start >= len(matched):
            return Found([], len(matched), facets)
        # the tiers, best first (a tier's key: concepts held, then typed, then in the title; each at most
        # MAX_CONCEPTS < 8), as far as the page reaches; BM25 orders only the tiers it shows
        keys = held[matched].astype(np.int32) * 64 + typed[matched] * 8 + titled[matched]
        shown, position = [], 0  # position: where the current tier starts in the whole ranking
        for key in np.unique(keys)[::-1].tolist():
            tier = matched[keys == key]
            if position + len(tier) > start:
                best = self._scored(searcher, query, tier, min(len(tier), end - position))
                shown += [(docnum, score, key >> 6, (key >> 3) & 7, key & 7)
                          for docnum, score in best[max(0, start - position):]]
            position += len(tier)
            if position >= end:
                break
        hits = []
        for docnum, score, n, typed_count, titled_count in shown:
            stored = searcher.stored_fields(docnum)
            hits.append(Hit(stored["kind"], int(stored["key"].split(":")[1]), stored["title"], stored["body"],
                            round(score, 4), n, typed_count, titled_count))
        return Found(hits, len(matched), facets)

    def _scored(self, searcher, query: Query, docnums, limit: int) -> list[tuple[int, float]]:
        """The `limit` best of `docnums` (an array) by BM25F over the query's words, as Whoosh sums an
        `Or` of their terms (a synonym weighs less than the word typed; the schema weights the title,
        in the postings' weights), with Whoosh's own formula (`whoosh.scoring.bm25`), statistics and
        field lengths, computed for every posting of these documents at once; ties by document number."""
        import numpy as np

        weighting = searcher.weighting
        wanted = np.zeros(searcher.reader().doc_count_all(), dtype=bool)
        wanted[docnums] = True
        scores = np.zeros(len(wanted))
        for name in ("title", "body"):
            lengths = self._lengths(searcher, name)
            avgfl = searcher.avg_field_length(name) or 1
            b, k1 = getattr(weighting, "_field_B", {}).get(name, weighting.B), weighting.K1
            for concept in query.concepts:
                for word in concept:
                    ids, weights = self._postings(searcher, name, word)
                    if not len(ids):
                        continue
                    boost = 1.0 if word == concept[0] else SYNONYM_BOOST
                    idf = searcher.idf(name, word)
                    keep = wanted[ids]
                    ids, tf = ids[keep], weights[keep].astype(np.float64)
                    # the terms in bm25's order, so each document's score is the same float as Whoosh's
                    scores[ids] += boost * (idf * ((tf * (k1 + 1)) / (tf + k1 * ((1 - b) + b * lengths[ids] / avgfl))))
        chosen = scores[docnums]
        best = np.lexsort((docnums, -chosen))[:limit]
        return list(zip(docnums[best].tolist(), chosen[best].tolist()))

    def _segments(self, searcher, what, build) -> list:
        """[(reader, offset, build(reader))] for each segment of the index, in document order, each
        built once and kept (per thread and process) while the segment lives: a write adds a small
        segment, so the next search builds only that one. What is built holds a segment's deleted
        documents too (a write deletes the old version of a record from an older segment; `_postings`
        leaves them out), so a delete does not make a large segment be read again."""
        local = self._local
        kept = getattr(local, "segments", None)
        if kept is None or local.pid != os.getpid():
            kept = local.segments = {}
        found, alive = [], set()
        for reader, offset in sorted(searcher.reader().leaf_readers(), key=lambda leaf: leaf[1]):
            if reader.segment() is None:
                continue
            key = (reader.segment().segment_id(), what)
            alive.add(key)
            if key not in kept:
                kept[key] = build(reader)
            found.append((reader, offset, kept[key]))
        for key in [k for k in kept if k[1] == what and k not in alive]:  # merged away
            del kept[key]
        return found

    def _postings(self, searcher, field: str, word: str):
        """(document numbers, weights) of a word in a field, over the whole index and without deleted
        documents, as arrays: each segment's decoded once and kept while the segment lives
        (`SegmentPostings`)."""
        import numpy as np

        parts = []
        for reader, offset, (kept, live) in self._segments(searcher, "postings",
                                                            lambda _reader: (SegmentPostings(), {})):
            ids, weights = kept.read(reader, field, word)
            if reader.has_deletions():
                count = reader.doc_count()
                if live.get("count") != count:  # a mask of the segment's live documents, made again after a delete
                    mask = np.ones(reader.doc_count_all(), dtype=bool)
                    mask[np.fromiter(reader.deleted_docs_set, dtype=np.int64)] = False
                    live.update(count=count, mask=mask)
                keep = live["mask"][ids]
                ids, weights = ids[keep], weights[keep]
            parts.append((offset, ids, weights))
        if not parts:  # an empty index
            return SegmentPostings.empty()
        if len(parts) == 1 and parts[0][0] == 0:
            return parts[0][1], parts[0][2]
        return (np.concatenate([ids + offset for offset, ids, _weights in parts]),
                np.concatenate([weights for _offset, _ids, weights in parts]))

    def _lengths(self, searcher, name: str):
        """Every document's length in a field, by document number, as an array of floats."""
        import numpy as np

        local = self._local
        joined = getattr(local, "lengths", None)
        if joined is None or joined[0] is not searcher:
            joined = local.lengths = (searcher, {})
        if name not in joined[1]:
            joined[1][name] = np.concatenate([lengths for _reader, _offset, lengths in self._segments(
                searcher, ("length", name),
                lambda reader: np.array([reader.doc_field_length(d, name, 1) for d in range(reader.doc_count_all())],
                                        dtype=np.float64))])
        return joined[1][name]

    def _facets(self, searcher, matched) -> dict[str, dict[str, int]]:
        """How many of the `matched` documents (a mask) have each value of each facet, from each
        segment's facet postings (a district's whole index takes about 0.2 s to read)."""
        import numpy as np

        def postings_of(reader):
            return {facet: {(term[1:] if facet == "district" else term): SegmentPostings.decode(reader, name, term)[0]
                            for term in reader.field_terms(name) if term and (facet != "district" or term[0] == "d")}
                    for facet, name in FACET_FIELDS.items()}

        counts: dict[str, dict[str, int]] = {facet: {} for facet in FACET_FIELDS}
        for reader, offset, facets in self._segments(searcher, "facets", postings_of):
            local = matched[offset:offset + reader.doc_count_all()]
            for facet, values in facets.items():
                for value, docs in values.items():
                    n = int(np.count_nonzero(local[docs]))
                    if n:
                        counts[facet][value] = counts[facet].get(value, 0) + n
        return counts

    def count(self) -> int:
        return self.searcher().doc_count()


class SegmentPostings:
    """One index segment's postings, decoded into arrays of document numbers (int32) and weights
    (float32, as Whoosh stores them) and kept, the most recently used last, up to `cap` postings
    (8 bytes each) for the segment, in each thread that searches (a word of more postings than that
    is kept alone). Decoded block by block from Whoosh-Reloaded 2.7.5's postings file
    (`W3LeafMatcher`'s blocks), about twice as fast as stepping a matcher posting by posting (loading
    the pickled blocks costs the rest, which is why they are kept); a matcher of another kind (a word
    with a single posting, inlined in the term's entry) is stepped. Deleted documents are kept: the
    caller leaves them out."""

    CAP = 2_000_000  # postings kept per segment and thread: 16 MB

    def __init__(self, cap: int | None = CAP):
        self.cap, self.size, self.kept = cap, 0, {}

    def read(self, reader, field: str, word: str):
        key = (field, word)
        found = self.kept.pop(key, None)
        if found is None:
            found = self.decode(reader, field, word)
            self.size += len(found[0])
        self.kept[key] = found  # (dicts keep their order: the last used is last)
        while self.cap is not None and self.size > self.cap and len(self.kept) > 1:
            oldest = next(iter(self.kept))
            self.size -= len(self.kept.pop(oldest)[0])
        return found

    @staticmethod
    def empty():
        import numpy as np

        return np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.float32)

    @staticmethod
    def decode(reader, field: str, word: str):
        import numpy as np
        from whoosh.codec.whoosh3 import W3LeafMatcher

        if (field, word) not in reader:
            return SegmentPostings.empty()
        matcher = reader.postings(field, word)
        if reader.has_deletions():  # postings() wrapped it to step past them (moving it): all of it, from the start
            matcher = matcher.child
            matcher.reset()
        ids, weights = [], []
        if isinstance(matcher, W3LeafMatcher):
            while not matcher._atend:
                matcher._read_ids()
                matcher._read_weights()
                ids.append(np.fromiter(matcher._ids, dtype=np.int32, count=len(matcher._ids)))
                weights.append(np.fromiter(matcher._weights, dtype=np.float32, count=len(matcher._weights)))
                matcher._next_block()
            found = (np.concatenate(ids), np.concatenate(weights)) if ids else SegmentPostings.empty()
        else:
            while matcher.is_active():
                ids.append(matcher.id())
                weights.append(matcher.weight())
                matcher.next()
            found = (np.array(ids, dtype=np.int32), np.array(weights, dtype=np.float32))
        for array in found:  # shared by every search of the thread
            array.flags.writeable = False
        return found


# What a ranked row of PostgreSQL's carries: the document, and what the facets count
RANKED_COLUMNS = (SearchDocument.id, SearchDocument.kind, SearchDocument.record_id, SearchDocument.category_id,
                  SearchDocument.places, SearchDocument.status, SearchDocument.grade)


# Ranked rows (RANKED_COLUMNS, then the distance) in order, documents at one distance by kind and id
_TIE_ORDER = itemgetter(len(RANKED_COLUMNS), 1, 2)
_PART = len(RANKED_COLUMNS) + 1  # a probed row's slice, after its distance


class PostgresBackend:
    name = "postgresql"
    in_transaction = True  # written by the same transaction as the records

    def __init__(self):
        self._rank_index = None  # whether the RUM index is there: asked on first search

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

    def ranks_from_index(self) -> bool:
        """Whether the RUM index is there (migration 0027, or `flask search rank-index`): asked once
        per process, and said once in the log when it is missing."""
        if self._rank_index is None:
            self._rank_index = db.session.scalar(
                select(func.count()).select_from(text("pg_indexes"))
                .where(text("indexname = :name")).params(name=RANK_INDEX)) > 0
            if not self._rank_index:
                logger.warning("search: no RUM index (%s) on this PostgreSQL server; results are ranked from "
                               "the GIN index, which ranks every match (see README, Search)", RANK_INDEX)
        return self._rank_index

    def search(self, query: Query, filters: Filters, page: int, per_page: int) -> Found:
        """Slice by slice, the best first (`_slices`): the documents holding every concept by the words
        typed, then the rest of those holding every concept, then those holding one fewer… Within a
        slice the RUM index orders by distance (`words <=> query`) and stops at the page; a tier of
        several concepts is first probed without an order, as RUM ranks every posting of its words even
        when few documents hold them all, and a small one is ranked here whole. The total and the
        facets are counted over at most COUNT_LIMIT + 1 matches, like every list's pager, so no step
        reads every match: the first slice read from the index (RUM has ranked it all to find the
        page's rows), then, if it holds fewer, what else matches in the table's order."""
        cap = current_app.config["COUNT_LIMIT"]
        groups = ["(" + " | ".join(_lexeme(w) for w in concept) + ")" for concept in query.concepts]
        typed_groups = [_lexeme(concept[0]) for concept in query.concepts]
        wanted, typed = _tsquery(" | ".join(groups)), _tsquery(" | ".join(typed_groups))
        conditions = _conditions(query, filters)
        # for the rest of the request's transaction, in one statement:
        # - a plan for each query's own words, which decide how many rows match, rather than the generic
        #   plan PostgreSQL settles on for a statement the driver has prepared (psycopg prepares one run
        #   five times: for 养老 on a city, a bitmap of every match, 11 ms instead of 4); this costs the
        #   transaction's other statements a plan each;
        # - "the table's order" of `_counted`, the same from one search to the next: a sequential scan
        #   of a large table otherwise starts wherever another scan of it is (synchronized scans)
        db.session.execute(text("SELECT set_config('plan_cache_mode', 'force_custom_plan', true), "
                                "set_config('synchronize_seqscans', 'off', true)"))
        start, end = (page - 1) * per_page, min(page * per_page, cap)  # pages end where the count stops
        total = facets = None
        if start >= end:  # past the last page counted
            total, facets = self._counted(wanted, conditions, cap)
            return Found([], min(total, cap), facets, total > cap)
        by_index = self.ranks_from_index()
        shown: list[tuple[int, int, bool]] = []  # (id, concepts held, by the words typed), best first
        position = 0  # where the current slice starts in the whole ranking
        earlier: list[int] = []  # the documents of the slices before: each held at most COUNT_LIMIT
        probed: dict[int, list | None] = {}  # a tier's documents, if it holds at most PROBE
        ranked: list = []  # the first slice read from the index, when it holds at most COUNT_LIMIT
        for held, part, slice_words in _slices(groups, typed_groups):
            near = wanted if part == "rest" else typed  # documents holding no word typed are all
            # at an infinite distance from them: the rest is ordered by its distance to every word
            if by_index and held > 1 and held not in probed:
                probed[held] = self._probed(held, groups, typed_groups, typed, wanted, conditions, earlier)
            if probed.get(held) is not None:
                rows = sorted((r for r in probed[held] if r[_PART] == part), key=_TIE_ORDER)
            else:
                where = [SearchDocument.words.op("@@")(_tsquery(slice_words)), *conditions]
                if earlier:  # excluded by id, not by a negated tsquery, which reads every match's words
                    where.append(_not_among(earlier))
                if by_index and not earlier:  # the first slice holding anything: up to the counting limit
                    rows = self._ranked(where, near, cap + 1, by_index)
                    if len(rows) > cap:  # more than are counted: total and facets are those of the best
                        total, facets = cap + 1, _facet_counts(rows[:cap])
                    else:  # all of the slice: counted first, then what else matches
                        ranked = rows
                else:
                    if position < start:  # a later page: how many this slice holds decides where the page starts
                        ids = _connection().scalars(select(SearchDocument.id).where(*where).limit(cap + 1)).all()
                        if position + len(ids) <= start:
                            position += len(ids)
                            if len(ids) > cap:
                                break
                            earlier += ids
                            continue
                    rows = self._ranked(where, near, end - position, by_index)
            shown += [(r[0], held, part != "rest") for r in rows[max(0, start - position):end - position]]
            if len(rows) >= end - position:  # the page is full
                break
            position += len(rows)  # the slice ended inside the page: it held exactly these
            earlier += [r[0] for r in rows]
        if total is None:
            total, facets = self._counted(wanted, conditions, cap, ranked)
        texts = {r.id: r for r in _connection().execute(
            select(SearchDocument.id, SearchDocument.kind, SearchDocument.record_id, SearchDocument.title,
                   SearchDocument.body, func.ts_rank(SearchDocument.words, typed).label("score"))
            .where(SearchDocument.id.in_([id_ for id_, _held, _typed in shown])))} if shown else {}
        # (a document rewritten since it was ranked has a new id, and is left out of this page)
        hits = [Hit(texts[id_].kind, texts[id_].record_id, texts[id_].title, texts[id_].body,
                    round(float(texts[id_].score), 4), held, int(by_typed)) for id_, held, by_typed in shown
                if id_ in texts]
        return Found(hits, min(total, cap), facets, total > cap)

    @staticmethod
    def _counted(wanted, conditions: list, cap: int, ranked=()) -> tuple[int, dict[str, dict[str, int]]]:
        """The number of matches (up to COUNT_LIMIT + 1) and how many of the first COUNT_LIMIT have each
        value of each facet: `ranked` (rows the search has ranked, the best first, of RANKED_COLUMNS),
        then other matches in the table's order (no ranking, no text) as far as the limit."""
        where = [SearchDocument.words.op("@@")(wanted), *conditions]
        if ranked:
            where.append(_not_among([row[0] for row in ranked]))
        found = list(ranked) + _rows(select(*RANKED_COLUMNS).where(*where).limit(cap + 1 - len(ranked)))
        return len(found), _facet_counts(found[:cap])

    @staticmethod
    def _probed(held: int, groups, typed_groups, typed, wanted, conditions: list, earlier: list[int]) -> list | None:
        """The documents of the tier holding `held` concepts (and not in the tiers before), each with
        its slice and its distance, if there are at most PROBE of them; else None. Their ids first,
        unordered and at most PROBE + 1, with no distance computed (for the two-concept tier of
        家里老人没人照顾 on the full city: 5 ms, where RUM took 93 ms to rank its three slices, all
        empty); then, for a small tier, each row's slice and distance from its own words."""
        where = [*_holding(groups, held), *conditions]
        if earlier:
            where.append(_not_among(earlier))
        ids = _connection().scalars(select(SearchDocument.id).where(*where).limit(PROBE + 1)).all()
        if len(ids) > PROBE:
            return None
        if not ids:
            return []
        holds_typed = SearchDocument.words.op("@@")(_tsquery(_at_least(typed_groups, held)))
        holds_some_typed = SearchDocument.words.op("@@")(_tsquery(_at_least(typed_groups, 1)))
        part = case((holds_typed, "typed"), (holds_some_typed, "some typed"), else_="rest")
        distance = case((holds_some_typed, SearchDocument.words.op("<=>", return_type=Float)(typed)),
                        else_=SearchDocument.words.op("<=>", return_type=Float)(wanted))
        return _rows(select(*RANKED_COLUMNS, distance.label("distance"), part.label("part"))
                     .where(SearchDocument.id.in_(ids)))

    @staticmethod
    def _ranked(where: list, near, wanted: int, by_index: bool) -> list:
        """The first `wanted` rows of a slice, nearest first, with what facets count. The RUM index
        orders by distance alone (a second key would make PostgreSQL sort every match), and documents at
        the same distance may come in any order: the rows are read TIE_WINDOW past the page and ties
        ordered by kind and id here, so the pages of a search agree (unless more than TIE_WINDOW
        documents are at the distance of a page's edge). Without RUM, ts_rank over every document of
        the slice."""
        if by_index:
            distance = SearchDocument.words.op("<=>", return_type=Float)(near)
            statement = select(*RANKED_COLUMNS, distance.label("distance")).where(*where).order_by(distance)
            return sorted(_rows(statement.limit(wanted + TIE_WINDOW)), key=_TIE_ORDER)
        distance = -func.ts_rank(SearchDocument.words, near)
        return _rows(select(*RANKED_COLUMNS, distance.label("distance")).where(*where)
                     .order_by(distance, SearchDocument.kind, SearchDocument.record_id).limit(wanted))

    def count(self) -> int:
        return db.session.scalar(select(func.count()).select_from(SearchDocument))


def _conditions(query: Query, filters: Filters) -> list:
    """What a PostgreSQL match must also satisfy: its quoted phrases and the filters."""
    conditions = []
    for phrase in query.phrases:  # its words from the index, then the text as written, in the title or the body
        conditions.append(SearchDocument.words.op("@@")(_tsquery(" & ".join(_lexeme(w) for w in phrase.words))))
        conditions.append(or_(*[func.strpos(func.regexp_replace(func.lower(text), r"\s", "", "g"), phrase.text) > 0
                                for text in (SearchDocument.title, SearchDocument.body)]))
    if filters.kind:
        conditions.append(SearchDocument.kind == filters.kind)
    if filters.category_id:
        conditions.append(SearchDocument.category_id == filters.category_id)
    if filters.place:
        conditions.append(SearchDocument.places.contains(f" {filters.place} "))
    if filters.status:
        conditions.append(SearchDocument.status == filters.status)
    if filters.grade is not None:
        conditions.append(SearchDocument.grade == filters.grade)
    return conditions


def _slices(groups: list[str], typed_groups: list[str]):
    """The ranking's slices, best first, as (concepts held, part, tsquery text): for each number of
    concepts held, from all to one, the documents holding that many by the very words typed
    ("typed": the words typed alone, as holding them is holding their concepts), then those holding
    that many concepts and some word typed ("some typed"), then the rest ("rest"). Each slice's text
    also matches the slices before it, which the search leaves out by id."""
    for held in range(len(groups), 0, -1):
        yield held, "typed", _at_least(typed_groups, held)
        if held > 1:  # with one concept held, "some word typed" is the slice above
            yield held, "some typed", f"({_at_least(groups, held)}) & ({_at_least(typed_groups, 1)})"
        yield held, "rest", _at_least(groups, held)


def _connection():
    """The session's connection, for the search's reads of plain columns: rows read through it skip the
    ORM's work for each row (a ranked slice of COUNT_LIMIT + 1 rows: 2.2 ms through the session, 1.4
    through its connection)."""
    return db.session.connection()


def _rows(statement) -> list[tuple]:
    """The rows of `statement` as the driver returns them, plain tuples: the search reads up to
    COUNT_LIMIT + TIE_WINDOW + 1 ranked rows to count and facet them, and SQLAlchemy made a Row of each
    (Python's CPU for a search on the full city, without them: 0.3–0.5 ms less)."""
    result = _connection().execute(statement)
    try:
        return result.cursor.fetchall()
    finally:
        result.close()


def _not_among(ids: list[int]):
    """Not one of these documents: one array parameter (`id <> ALL(…)`), not a parameter for each of up
    to COUNT_LIMIT ids, which SQLAlchemy and the driver would each handle one by one."""
    return SearchDocument.id != all_(bindparam(None, ids, type_=ARRAY(Integer)))


def _facet_counts(rows) -> dict[str, dict[str, int]]:
    """How many of `rows` (of RANKED_COLUMNS) have each value of each facet; a row's districts are the
    " d12 " of its places."""
    _ids, kinds, _records, categories, places, statuses, grades, *_rest = zip(*rows) if rows else ((),) * 7
    columns = {"kind": kinds, "category": categories, "status": statuses, "grade": grades,
               "district": _DISTRICT.findall(" ".join(p for p in places if p))}
    return {facet: {str(value): n for value, n in Counter(columns[facet]).items() if value not in (None, "")}
            for facet in FACET_FIELDS}


def _holding(groups: list[str], n: int) -> list:
    """Conditions on documents holding at least `n` of the concepts. Holding all of them is one
    condition per concept, each an index scan key of its own, which GIN combines, rather than one
    query that it tests as a whole on each document of any of its words (the two concepts of
    家里老人没人照顾 on the full city: 6.7 → 5.1 ms; a tenth: 2.0 → 1.0). It still reads their postings."""
    if n == len(groups):
        return [SearchDocument.words.op("@@")(_tsquery(group)) for group in groups]
    return [SearchDocument.words.op("@@")(_tsquery(_at_least(groups, n)))]


def _at_least(groups: list[str], n: int) -> str:
    """A tsquery text matching documents that hold at least `n` of the concepts (each a group of
    alternatives): any `n` of them, all together."""
    return " | ".join("(" + " & ".join(chosen) + ")" for chosen in combinations(groups, n))


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

