"""Search engine figures: index build rate (documents per second) and query latency (p50/p95).

Run: .venv/bin/python bench/search.py [--documents 20000] [--queries 200]
Builds a Whoosh index in a temporary folder from synthetic documents made of the demo's own
Chinese texts (titles and descriptions of needs, tenders and organizations, varied by place and
number), then times searches for the demo's topic words and a few mixed queries, with and without
filters. No database: this is the search engine's own cost; the pages around it are in pages.py.
"""
import argparse
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from market.demo.seed import DEMO_NEEDS, DEMO_ORGANIZATIONS  # noqa: E402
from market.demo.topics import TOPIC_NEEDS, TOPIC_TENDERS  # noqa: E402
from market.search.backends import Filters, WhooshBackend  # noqa: E402
from market.search.documents import Document  # noqa: E402

QUERIES = [
    "养老",
    "助残",
    "心理",
    "垃圾分类",
    "社区矫正",
    "居家养老 上门",
    "青少年 心理健康",
    "App 老人",
    "就业指导",
    "法律援助",
]
STREETS = ["平江", "沧浪", "双塔", "金阊", "虎丘", "吴门桥", "狮山", "枫桥", "横塘", "娄葑"]


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def synthetic(count: int) -> list[Document]:
    texts = [(t, d) for _a, t, d, *_rest in DEMO_NEEDS + TOPIC_NEEDS] \
        + [(t, f"{d}\n{s}") for _c, t, d, s, *_rest in TOPIC_TENDERS] + [(n, d) for n, *_m, d in DEMO_ORGANIZATIONS]
    kinds = ["need", "tender", "organization", "contract", "request", "proposal"]
    rng = random.Random(7)
    documents = []
    for number in range(1, count + 1):
        title, body = rng.choice(texts)
        street = rng.choice(STREETS)
        documents.append(
            Document(
                kinds[number % len(kinds)],
                number,
                f"{street}街道{title}",
                f"{street}{body}（第{number}号）",
                rng.randint(1, 16),
                [f"d{rng.randint(1, 10)}", f"s{rng.randint(1, 104)}", f"c{rng.randint(1, 1200)}"],
                "open",
                rng.choice([0, 0, 0, 2, 3, 4, 5]),
            )
        )
    return documents


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--documents", type=int, default=20000)
    parser.add_argument("--queries", type=int, default=200, help="searches per query")
    parser.add_argument("--index", help="time the queries on this existing index (a city's SEARCH_DIR) instead")
    args = parser.parse_args()
    filter_choices = [("none", Filters()), ("kind=tender", Filters(kind="tender"))]
    if args.index:
        backend = WhooshBackend(args.index)
        print(f"index: {args.index}, {backend.count():,} documents")
    else:
        documents = synthetic(args.documents)
        backend = WhooshBackend(tempfile.mkdtemp(prefix="market-search-bench-"))
        writer = backend.index().writer()
        started = time.perf_counter()
        for document in documents:
            writer.add_document(**backend._fields(document))
        writer.commit()
        seconds = time.perf_counter() - started
        print(
            f"index build: {len(documents)} documents in {seconds:.1f} s = {len(documents) / seconds:,.0f} documents/s"
        )
        filter_choices.append(("district", Filters(place="d3")))
    print()
    print("| query | filter | hits | p50 ms | p95 ms |")
    print("|---|---|---:|---:|---:|")
    for query in QUERIES:
        for label, filters in filter_choices:
            from market.search.analysis import parse

            backend.search(parse(query), filters, 1, 20)  # warm: the searcher, jieba
            timings, total = [], 0
            for _ in range(args.queries):
                start = time.perf_counter()
                total = backend.search(parse(query), filters, 1, 20).total
                timings.append((time.perf_counter() - start) * 1000)
            print(
                f"| {query} | {label} | {total} | {statistics.median(timings):.2f} | {percentile(timings, 0.95):.2f} |"
            )


if __name__ == "__main__":
    main()
