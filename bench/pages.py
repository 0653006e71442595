"""Page timings in process: p50/p95 latency and SQL statements per page on the demo data.

Run: .venv/bin/python bench/pages.py [--requests 200]
Builds a throw-away SQLite database with the demo seed, signs in a resident, and requests
each key page through the Flask test client (no network, no server: this measures the
application's own cost per page; the HTTP benchmarks under load come with the city-scale work).
"""
import argparse
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import event

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from market import create_app  # noqa: E402
from market.extensions import db  # noqa: E402


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=200, help="requests per page")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="market-bench-"))
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{workdir / 'bench.db'}", "SECRET_KEY": "bench",
                      "MAIL_OUTBOX_DIR": str(workdir / "outbox")})
    with app.app_context():
        from flask_migrate import upgrade

        from market.demo.seed import DEMO_PASSWORD, seed_demo
        from market.places.models import Community, Street

        upgrade()
        seed_demo()
        street = db.session.scalar(db.select(Street).filter_by(name="平江街道"))
        community = db.session.scalar(db.select(Community).filter_by(street_id=street.id))
        engine = db.engine
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    client.post("/login", data={"csrf_token": token, "email": "resident@demo.market", "password": DEMO_PASSWORD})

    pages = ["/", "/places/", f"/places/street/{street.id}", f"/places/community/{community.id}",
             "/organizations/", "/organizations/1", "/residence", "/profile", "/needs/1", "/requests/1",
             "/notifications", "/procurement/catalogs/1", "/procurement/tenders", "/procurement/tenders/1",
             "/procurement/undertakers", "/contracts", "/contracts/1", "/money", f"/money/street/{street.id}",
             f"/money/community/{community.id}", "/money/chart.svg", "/money/contracts.csv",
             "/evaluation/contracts/2", "/evaluation/2", "/evaluation/organizations/1",
             "/evaluation/organizations/1/scores.svg", "/evaluation/departments/1", "/evaluation/grading",
             "/evaluation/rubrics", "/evaluation/rubrics/1", "/rounds/", "/rounds/1", "/rounds/proposals/1",
             "/incubators/1", "/incubators/1/capacity.svg", "/incubators/stays/1"]
    statements = []
    event.listen(engine, "before_cursor_execute", lambda *a: statements.append(1))
    print(f"{'page':<28} {'p50 ms':>8} {'p95 ms':>8} {'queries':>8}")
    for url in pages:
        for _ in range(10):  # warm caches and templates
            client.get(url)
        timings = []
        statements.clear()
        for _ in range(args.requests):
            start = time.perf_counter()
            response = client.get(url)
            timings.append((time.perf_counter() - start) * 1000)
            assert response.status_code == 200, (url, response.status_code)
        queries = len(statements) / args.requests
        print(f"{url:<28} {statistics.median(timings):8.2f} {percentile(timings, 0.95):8.2f} {queries:8.1f}")


if __name__ == "__main__":
    main()
