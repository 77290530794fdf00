#!/usr/bin/env bash
# How long a schema cache reload takes: on Chinook, and on a generated schema of many tables.
#
#   bash examples/reload-bench.sh [path/to/chinook.sql]   (default: ../shared/data/chinook.sql
#                                                           relative to the repository root)
# Knobs (environment):
#   TABLES=5000     tables in the generated schema (each with a foreign key to the one before)
#   RELOADS=5       reloads measured per database (NOTIFY pgrst, 'reload schema', one at a time)
#   PGWAY_BIN       use this binary instead of `cargo build --release` + target/release/pgway
#   PGBIN           PostgreSQL server binaries (default: newest /usr/lib/postgresql/*/bin)
#
# For each database, pgway starts (its first load is measured too), then reloads RELOADS times;
# the times are pgway's own log lines ("schema cache loaded: … in X ms (Y ms introspecting)" and,
# at log-level debug, "built the OpenAPI documents in … ms, the GraphQL schema in … ms"); the
# columns after the reload time are medians / min / max too. Meanwhile one
# request at a time is sent, to show that requests do not wait for reloads. Everything listens
# on 127.0.0.1; an EXIT trap stops pgway and the cluster and removes the temp dir.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CHINOOK=${1:-$ROOT/../shared/data/chinook.sql}
TABLES=${TABLES:-5000}
RELOADS=${RELOADS:-5}
BIN=${PGWAY_BIN:-}
PGBIN=${PGBIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)}

log() { printf '[reload-bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "error: $*"; exit 1; }

[ -f "$CHINOOK" ] || die "no Chinook SQL at $CHINOOK (pass its path as the first argument)"
[ -x "$PGBIN/initdb" ] || die "no initdb in $PGBIN (set PGBIN)"
for var in $(compgen -e | grep -E '^(PGRST|PGWAY)_' || true); do unset "$var"; done

if [ -z "$BIN" ]; then
  log "building pgway (release)"
  (cd "$ROOT" && cargo build --release --quiet)
  BIN=${CARGO_TARGET_DIR:-$ROOT/target}/release/pgway
fi
[ -x "$BIN" ] || die "no pgway binary at $BIN"

if [ "$(id -u)" = 0 ]; then as_pg() { runuser -u postgres -- "$@"; }; else as_pg() { "$@"; }; fi

W=$(mktemp -d -t pgreload.XXXXXX)
PGWAY_PID=
cleanup() {
  trap - EXIT INT TERM
  [ -n "$PGWAY_PID" ] && kill "$PGWAY_PID" 2>/dev/null && wait "$PGWAY_PID" 2>/dev/null || true
  if [ -f "$W/data/postmaster.pid" ]; then
    as_pg "$PGBIN/pg_ctl" -D "$W/data" -m fast -w -s stop >/dev/null 2>&1 || true
  fi
  rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
PG_PORT=$(free_port)
[ "$(id -u)" = 0 ] && chown postgres:postgres "$W"
as_pg "$PGBIN/initdb" -D "$W/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 \
  --no-sync --no-instructions >"$W/initdb.log" 2>&1 || { cat "$W/initdb.log" >&2; die "initdb failed"; }
as_pg "$PGBIN/pg_ctl" -D "$W/data" -l "$W/data/server.log" -w -s -o "-p $PG_PORT \
  -c listen_addresses=127.0.0.1 -k $W -c fsync=off -c synchronous_commit=off \
  -c full_page_writes=off -c max_locks_per_transaction=256" start \
  || { cat "$W/data/server.log" >&2 || true; die "pg_ctl start failed"; }
psql_() { psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PG_PORT" -U postgres "$@"; }

log "loading Chinook"
psql_ -d postgres -c 'CREATE DATABASE chinook'
psql_ -d chinook -f "$CHINOOK" >/dev/null

log "generating $TABLES tables"
psql_ -d postgres -c 'CREATE DATABASE wide'
psql_ -d wide -c 'CREATE SCHEMA wide'
for ((from = 1; from <= TABLES; from += 500)); do
  to=$(( from + 499 < TABLES ? from + 499 : TABLES ))
  psql_ -d wide -c "DO \$\$ BEGIN FOR i IN $from..$to LOOP
    EXECUTE format('CREATE TABLE wide.t%s (id int PRIMARY KEY, name text NOT NULL, note text,
      created timestamptz NOT NULL DEFAULT now(), parent_id int %s)', i,
      CASE WHEN i > 1 THEN format('REFERENCES wide.t%s', i - 1) ELSE '' END);
    EXECUTE format('COMMENT ON TABLE wide.t%s IS %L', i, 'Table number ' || i);
  END LOOP; END \$\$"
done
psql_ -d wide -c 'INSERT INTO wide.t1 (id, name) VALUES (1, $$one$$)'

# "… in 123 ms (45 ms introspecting)" → "123 45", one line per load.
load_times() { sed -nE 's/.*schema cache loaded: .* in ([0-9]+) ms \(([0-9]+) ms introspecting\).*/\1 \2/p' "$1"; }
# "built the OpenAPI documents in 12 ms, the GraphQL schema in 34 ms" → "12 34" (log-level debug).
build_times() { sed -nE 's/.*built the OpenAPI documents in ([0-9]+) ms, the GraphQL schema in ([0-9]+) ms.*/\1 \2/p' "$1"; }
stats() { sort -n | awk '{a[NR]=$1} END {printf "%d / %d / %d", a[int((NR+1)/2)], a[1], a[NR]}'; }

results=$W/results.md
{
  echo "| schema | relations | functions | first load ms | reload ms (median / min / max) | introspection ms | OpenAPI ms | GraphQL ms | slowest request during reloads ms | RSS MiB after start / after reloads |"
  echo "|---|---|---|---|---|---|---|---|---|---|"
} >"$results"

measure() { # database schema probe-path
  local db=$1 schema=$2 probe=$3 api admin logf
  api=$(free_port); admin=$(free_port); logf=$W/pgway-$db.log
  "$BIN" serve --db-uri "postgres://postgres@127.0.0.1:$PG_PORT/$db" --db-schemas "$schema" \
    --db-anon-role postgres --server-host 127.0.0.1 --server-port "$api" \
    --admin-server-port "$admin" --log-level debug 2>"$logf" &
  PGWAY_PID=$!
  for _ in $(seq 600); do
    curl -fs -o /dev/null "http://127.0.0.1:$admin/ready" && break
    sleep 0.1
  done
  curl -fs -o /dev/null "http://127.0.0.1:$admin/ready" || { cat "$logf" >&2; die "pgway did not get ready on $db"; }
  local first; first=$(load_times "$logf" | head -1 | cut -d' ' -f1)
  local rss_started; rss_started=$(awk '/VmRSS/ {printf "%d", $2 / 1024}' "/proc/$PGWAY_PID/status")
  local latencies=$W/latencies-$db
  : >"$latencies"
  ( while kill -0 "$PGWAY_PID" 2>/dev/null; do
      curl -s -o /dev/null -w '%{time_total}\n' "http://127.0.0.1:$api$probe" >>"$latencies" || true
    done ) &
  local prober=$!
  for i in $(seq "$RELOADS"); do
    psql_ -d "$db" -c "NOTIFY pgrst, 'reload schema'"
    for _ in $(seq 1200); do
      [ "$(load_times "$logf" | wc -l)" -gt "$i" ] && break
      sleep 0.05
    done
    [ "$(load_times "$logf" | wc -l)" -gt "$i" ] || { cat "$logf" >&2; die "reload $i on $db did not finish"; }
  done
  kill "$prober" 2>/dev/null; wait "$prober" 2>/dev/null || true
  local rss; rss=$(awk '/VmRSS/ {printf "%d", $2 / 1024}' "/proc/$PGWAY_PID/status")
  local metrics; metrics=$(curl -fs "http://127.0.0.1:$admin/metrics")
  local relations functions
  relations=$(sed -n 's/^pgway_schema_cache_relations //p' <<<"$metrics")
  functions=$(sed -n 's/^pgway_schema_cache_functions //p' <<<"$metrics")
  local reloads introspections documents schemas slowest
  reloads=$(load_times "$logf" | tail -n +2 | cut -d' ' -f1 | stats)
  introspections=$(load_times "$logf" | tail -n +2 | cut -d' ' -f2 | stats)
  documents=$(build_times "$logf" | tail -n +2 | cut -d' ' -f1 | stats)
  schemas=$(build_times "$logf" | tail -n +2 | cut -d' ' -f2 | stats)
  slowest=$(sort -n "$latencies" | tail -1 | awk '{printf "%.1f", $1 * 1000}')
  echo "| $db ($schema) | $relations | $functions | $first | $reloads | $introspections | $documents | $schemas | $slowest ($(wc -l <"$latencies") requests) | $rss_started / $rss |" >>"$results"
  kill "$PGWAY_PID"; wait "$PGWAY_PID" 2>/dev/null || true
  PGWAY_PID=
}

log "measuring Chinook"
measure chinook public "/artist?select=name&artist_id=eq.1"
log "measuring $TABLES tables"
measure wide wide "/t1?select=name&id=eq.1"

echo
echo "pgway $("$BIN" --version | cut -d' ' -f2) ($BIN), $RELOADS reloads each, $(nproc) cores"
echo
cat "$results"
