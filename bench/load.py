"""HTTP throughput and latency of the key pages under concurrent load, against the production
server setup (gunicorn, one worker per core) on loopback, each beside the bare endpoint /healthz
measured in the same run.

Run on a generated city (bench/README.md):
    bash scripts/bench-deps.sh        # ApacheBench
    DATABASE_URL=sqlite:////tmp/city.db SEARCH_DIR=/tmp/city-search \\
        .venv/bin/python bench/load.py --requests 2000 --concurrency 8 --label "full city"

For each URL: ab -k -n REQUESTS -c CONCURRENCY after a warm-up; prints requests per second,
p50/p95/p99 latency in ms, the ratio of the page's throughput to the bare endpoint's, and the
resident memory of every server process afterwards. ab sends no cookies, so it reads as an anonymous
visitor: with the page cache on (as in production) it measures pages served from the cache, each with
a fresh CSRF token and session cookie; --no-page-cache measures every page rendered.
"""
import argparse
import os
import re
import signal
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def key_urls() -> list[tuple[str, str]]:
    """The pages to measure, with ids read from the city in the database."""
    from sqlalchemy import func, select

    from market import create_app
    from market.extensions import db
    from market.organizations.models import Organization
    from market.places.models import Community
    from market.procurement.models import Tender

    app = create_app({"SEARCH_BACKEND": "none"})
    with app.app_context():
        tender = db.session.scalar(select(Tender).where(Tender.status == "contracted").order_by(Tender.id.desc()))
        org = db.session.scalar(select(Organization.id).where(Organization.status == "approved")
                                .order_by(Organization.id.desc()))
        community = db.session.scalar(select(Community.id).order_by(Community.id.desc()))
        db.session.scalar(select(func.count(Tender.id)))
    return [
        ("bare endpoint", "/healthz"),
        ("home", "/"),
        # a category's open tenders: a full page at a tenth and at full scale alike (with a district
        # as well, the tenth city shows 7 rows and the full one 20, and the page's cost is its rows)
        ("tender list, filtered", f"/procurement/tenders?category={tender.category_id}&status=published"),
        ("tender list", "/procurement/tenders"),
        ("tender page", f"/procurement/tenders/{tender.id}"),
        ("organization scorecard", f"/evaluation/organizations/{org}"),
        ("community page", f"/places/community/{community}"),
        ("search results", "/search?q=%E5%85%BB%E8%80%81"),  # 养老
        ("search, filtered", "/search?q=%E5%BF%83%E7%90%86&kind=tender"),  # 心理
        ("API: search", "/api/search?q=%E5%9E%83%E5%9C%BE%E5%88%86%E7%B1%BB"),  # 垃圾分类
        # 家里老人没人照顾: any word, with synonyms
        ("API: search, a phrase", "/api/search?q=%E5%AE%B6%E9%87%8C%E8%80%81%E4%BA%BA%E6%B2%A1%E4%BA%BA"
                                  "%E7%85%A7%E9%A1%BE"),
        ("API: dataset page", "/api/v1/datasets/tenders?page=50"),
        ("API: OCDS record", None),
    ]


def ab(url: str, requests: int, concurrency: int) -> dict:
    out = subprocess.run(["ab", "-k", "-q", "-n", str(requests), "-c", str(concurrency), url],
                         capture_output=True, text=True, check=True).stdout
    failed = int(re.search(r"Failed requests:\s+(\d+)", out).group(1))
    non_2xx = re.search(r"Non-2xx responses:\s+(\d+)", out)
    percent = {int(p): int(ms) for p, ms in re.findall(r"^\s+(\d+)%\s+(\d+)", out, re.M)}
    return {"rps": float(re.search(r"Requests per second:\s+([\d.]+)", out).group(1)), "p50": percent[50],
            "p95": percent[95], "p99": percent[99], "failed": failed + (int(non_2xx.group(1)) if non_2xx else 0)}


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--workers", type=int, default=os.cpu_count())
    parser.add_argument("--port", type=int, default=5099)
    parser.add_argument("--label", default="")
    parser.add_argument("--no-page-cache", action="store_true",
                        help="render every request (PAGE_CACHE_SECONDS=0): the pages' own cost")
    parser.add_argument("--rounds", type=int, default=1,
                        help="measure every page this many times, one round of pages after another, and print "
                             "each figure's median (a shared host moves a page's p95 by 20-30 ms from run to run)")
    parser.add_argument("--only", default="",
                        help="measure only the pages whose label starts with one of these, comma-separated (the "
                             "bare endpoint always): --only 'tender list,search,API: search'")
    args = parser.parse_args()
    urls = key_urls()
    from market import create_app
    from market.extensions import db
    from market.procurement.models import Tender

    app = create_app({"SEARCH_BACKEND": "none"})
    with app.app_context():
        from sqlalchemy import select

        tender_id = db.session.scalar(select(Tender.id).where(Tender.status == "contracted").order_by(Tender.id.desc()))
        ocid = f"{app.config['OCDS_OCID_PREFIX']}-tender-{tender_id}"
    urls[-1] = ("API: OCDS record", f"/api/ocds/records/{ocid}.json")
    if args.only:
        wanted = tuple(label.strip() for label in args.only.split(","))
        urls = [(label, path) for label, path in urls if label == "bare endpoint" or label.startswith(wanted)]
    env = {**os.environ, "MARKET_ENV": "production", "SECRET_KEY": os.environ.get("SECRET_KEY", "bench-secret"),
           "API_RATE_ANONYMOUS": "100000000", **({"PAGE_CACHE_SECONDS": "0"} if args.no_page_cache else {})}
    server = subprocess.Popen(
        [
            str(ROOT / ".venv/bin/gunicorn"),
            "-w",
            str(args.workers),
            "-b",
            f"127.0.0.1:{args.port}",
            "--access-logfile",
            "/dev/null",
            "market:create_app()",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{args.port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(base + "/healthz", timeout=1)
                break
            except OSError:
                time.sleep(0.2)
        for _label, path in urls:  # warm every worker: jieba, templates, caches
            for _ in range(args.workers * 3):
                urllib.request.urlopen(base + path, timeout=60).read()
        rounds = [{label: ab(base + path, args.requests, args.concurrency) for label, path in urls}
                  for _ in range(args.rounds)]
        results = {label: {key: (sum if key == "failed" else statistics.median)(r[label][key] for r in rounds)
                           for key in rounds[0][label]} for label, _path in urls}  # failures of every round
        bare = results["bare endpoint"]["rps"]
        cache = "page cache off" if args.no_page_cache else "page cache on"
        print(f"## {args.label or 'HTTP'}, {cache}: gunicorn, {args.workers} workers, "
              f"ab -k -n {args.requests} -c {args.concurrency}"
              + (f", median of {args.rounds} rounds" if args.rounds > 1 else ""))
        print()
        print("| page | req/s | p50 ms | p95 ms | p99 ms | share of bare throughput | failed |")
        print("|---|---:|---:|---:|---:|---:|---:|")
        for label, path in urls:
            r = results[label]
            print(f"| {label} (`{path.split('?')[0]}`) | {r['rps']:.0f} | {r['p50']:.0f} | {r['p95']:.0f} | "
                  f"{r['p99']:.0f} | {r['rps'] / bare:.2f} | {r['failed']:.0f} |")
        children = subprocess.run(["pgrep", "-P", str(server.pid)], capture_output=True, text=True).stdout.split()
        print()
        print("memory (RSS): master %.0f MB; workers %s MB" % (
            rss_mb(server.pid), ", ".join(f"{rss_mb(int(pid)):.0f}" for pid in children)))
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
