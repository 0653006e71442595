#!/usr/bin/env bash
# The city on PostgreSQL, in a throw-away server: build it (search in PostgreSQL too, the
# several-machines setup), then measure the pages under load, rendered and from the page cache.
# Figures go to stdout.
#   bash scripts/with-postgres.sh bash bench/postgres-city.sh 1.0
set -euo pipefail
scale=${1:-0.1}
cd "$(dirname "$0")/.."
export DATABASE_URL="$TEST_DATABASE_URL" SEARCH_BACKEND=postgresql FLASK_APP=market:create_app
.venv/bin/flask db upgrade >/dev/null
/usr/bin/time -f "generation and indexing: %e s wall, %M KB peak memory" .venv/bin/flask seed city --scale "$scale" \
  | grep -v "…"
.venv/bin/python bench/load.py --requests "${REQUESTS:-400}" --concurrency 8 --label "PostgreSQL, scale $scale" \
  --no-page-cache
.venv/bin/python bench/load.py --requests "${CACHED_REQUESTS:-2000}" --concurrency 8 --label "PostgreSQL, scale $scale"
