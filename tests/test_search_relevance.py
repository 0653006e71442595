"""The relevance harness (market/search/relevance.py, `flask search evaluate`) over the shipped set
tests/data/search_relevance.json: natural phrases, synonyms, traditional characters and pinyin among
plain words. Recall@10 ≥ 0.9 and MRR ≥ 0.8 with Whoosh; on PostgreSQL with its backend too, and the
two backends return the same top ten for every query (the order within may differ)."""
import json
import os
from pathlib import Path

import pytest

from market.core.unit import command
from market.search import relevance

SET = Path(__file__).resolve().parent / "data" / "search_relevance.json"
ON_POSTGRESQL = os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql")


def shipped() -> dict:
    data = json.loads(SET.read_text(encoding="utf-8"))
    assert len(data["docs"]) >= 30 and len(data["queries"]) >= 30
    return data


def test_the_shipped_set_is_found_with_whoosh(app):
    with command(app):
        report = relevance.evaluate(shipped(), "whoosh")
    worst = [(j.query, round(j.recall, 2), j.found[:3]) for j in report.worst_first()[:5]]
    assert report.recall >= 0.9 and report.mrr >= 0.8, (report.recall, report.mrr, worst)
    # The queries residents type that found nothing before: each finds a relevant document first.
    firsts = {j.query: j.reciprocal_rank for j in report.judged}
    for asked in ("家里老人没人照顾", "孩子心理问题", "老人吃饭", "老年人助餐", "長者", "yang lao"):
        assert firsts[asked] == 1.0, (asked, next(j.found for j in report.judged if j.query == asked))


def test_the_command_prints_the_worst_queries_first(app, tmp_path):
    tiny = {"docs": [{"id": "a", "kind": "need", "title": "老人助餐", "body": "每天送午饭"},
                     {"id": "b", "kind": "need", "title": "篮球场翻修", "body": "地面开裂"}],
            "queries": [{"q": "老年人吃饭", "relevant": ["a"]}, {"q": "篮球", "relevant": ["b", "a"]}]}
    path = tmp_path / "tiny.json"
    path.write_text(json.dumps(tiny, ensure_ascii=False), encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["search", "evaluate", str(path)])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith("recall 0.50") and "篮球" in lines[0] and "missed: a" in lines[0]
    assert lines[-1] == "whoosh: 2 queries over 2 documents: recall@10 0.750, MRR 1.000"


@pytest.mark.skipif(not ON_POSTGRESQL, reason="the PostgreSQL backend runs in the suite's PostgreSQL pass")
def test_postgresql_ranks_by_the_same_rules(app):
    """Both backends rank first by the same shared rule, how many of the query's concepts a document
    holds, and differ within a tier (Whoosh: typed words, title, BM25; PostgreSQL: the RUM index's
    distance to the words typed): for every query their top ten fall in the same tiers, and every
    document of a tier wholly inside the top ten is in both."""
    data = shipped()
    with command(app):
        whoosh = relevance.evaluate(data, "whoosh")
        postgresql = relevance.evaluate(data, "postgresql")
    assert postgresql.recall >= 0.9 and postgresql.mrr >= 0.8, (postgresql.recall, postgresql.mrr)
    different = []
    for w, p in zip(whoosh.judged, postgresql.judged):
        if w.tiers != p.tiers:
            different.append((w.query, w.tiers, p.tiers))
            continue
        boundary = w.tiers[-1] if len(w.tiers) == relevance.TOP else None
        inside = {doc for doc, tier in zip(w.found, w.tiers) if tier != boundary}
        if inside != {doc for doc, tier in zip(p.found, p.tiers) if tier != boundary}:
            different.append((w.query, w.found, p.found))
    assert different == []
