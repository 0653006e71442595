#!/usr/bin/env bash
# Runs a command against a throw-away PostgreSQL server on loopback:
# initdb into a temporary folder, start on a free port, set TEST_DATABASE_URL, stop afterwards.
# POSTGRES_OPTIONS adds server settings (the benchmarks: "-c shared_buffers=6GB").
set -euo pipefail

initdb=$(ls /usr/lib/postgresql/*/bin/initdb 2>/dev/null | sort -V | tail -n 1)
if [ -z "$initdb" ]; then
  echo "PostgreSQL is not installed; run scripts/system-deps.sh" >&2
  exit 1
fi
bindir=$(dirname "$initdb")
dir=$(mktemp -d /tmp/market-pg.XXXXXX)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

as_pg=()
if [ "$(id -u)" -eq 0 ]; then
  chown postgres:postgres "$dir"
  as_pg=(runuser -u postgres --)
fi

stop() {
  "${as_pg[@]}" "$bindir/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$dir"
}
trap stop EXIT

"${as_pg[@]}" "$bindir/initdb" -D "$dir/data" -A trust -U postgres -E UTF8 --locale=C.UTF-8 >/dev/null
"${as_pg[@]}" "$bindir/pg_ctl" -D "$dir/data" -w -l "$dir/server.log" \
  -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=off -c synchronous_commit=off -c full_page_writes=off ${POSTGRES_OPTIONS:-}" \
  start >/dev/null
"$bindir/createdb" -h 127.0.0.1 -p "$port" -U postgres market_test

export TEST_DATABASE_URL="postgresql+psycopg://postgres@127.0.0.1:$port/market_test"
"$@"
