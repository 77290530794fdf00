#!/usr/bin/env bash
# Bulk inserts through pgway next to COPY of the same rows (issue 4 "Speed and memory"):
# 100 000 rows POSTed as one JSON request, as 10 requests of 10 000, and as one CSV request, then
# `\copy` of the same CSV, each into an empty table; and pgway's peak RSS (VmHWM) around the
# 100 000-row JSON request.
#
#   bash examples/bench/bulk.sh
# Knobs (environment): ROWS=100000, PGWAY_BIN (else `cargo build --release`), PGBIN (else the newest
# /usr/lib/postgresql/*/bin). Everything runs on 127.0.0.1 on free ports in a private temp dir,
# removed on exit. Results go to stdout.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
ROWS=${ROWS:-100000}
PGBIN=${PGBIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)}
log() { printf '[bulk %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
for var in $(compgen -e | grep -E '^(PGRST|PGWAY)_' || true); do unset "$var"; done

BIN=${PGWAY_BIN:-}
if [ -z "$BIN" ]; then
  log "building pgway (release)"
  (cd "$ROOT" && cargo build --release -q)
  BIN=$ROOT/target/release/pgway
fi

WORK=$(mktemp -d /tmp/pgway-bulk.XXXXXX)
chmod 755 "$WORK"
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
PGPORT=$(free_port)
PORT=$(free_port)
PGWAY_PID=
cleanup() {
  [ -n "$PGWAY_PID" ] && kill "$PGWAY_PID" 2>/dev/null && wait "$PGWAY_PID" 2>/dev/null
  as_pg "$PGBIN/pg_ctl" -D "$WORK/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT

[ "$(id -u)" = 0 ] && chown postgres "$WORK"
as_pg "$PGBIN/initdb" -D "$WORK/data" -U postgres -A trust >/dev/null
as_pg "$PGBIN/pg_ctl" -D "$WORK/data" -l "$WORK/pg.log" -w \
  -o "-p $PGPORT -k $WORK -c listen_addresses=127.0.0.1" start >/dev/null
PSQL=(psql -X -q -h 127.0.0.1 -p "$PGPORT" -U postgres -d postgres -v ON_ERROR_STOP=1)
"${PSQL[@]}" <<'SQL'
CREATE SCHEMA api;
CREATE TABLE api.bulk (id int PRIMARY KEY, name text NOT NULL, amount numeric, created timestamptz);
CREATE ROLE bulk_anon NOLOGIN;
GRANT USAGE ON SCHEMA api TO bulk_anon;
GRANT SELECT, INSERT ON api.bulk TO bulk_anon;
SQL

log "generating $ROWS rows"
python3 - "$WORK" "$ROWS" <<'PY'
import json, sys
work, rows = sys.argv[1], int(sys.argv[2])
data = [{"id": i, "name": f"name {i}", "amount": f"{i * 1.25:.2f}", "created": "2026-11-30T12:00:00Z"} for i in range(rows)]
with open(f"{work}/all.json", "w") as f:
    json.dump(data, f)
chunk = rows // 10
for n in range(10):
    with open(f"{work}/chunk{n}.json", "w") as f:
        json.dump(data[n * chunk:(n + 1) * chunk], f)
with open(f"{work}/all.csv", "w") as f:
    f.write("id,name,amount,created\n")
    for r in data:
        f.write(f'{r["id"]},{r["name"]},{r["amount"]},{r["created"]}\n')
PY

PGRST_DB_URI="postgres://postgres@127.0.0.1:$PGPORT/postgres" PGRST_DB_SCHEMAS=api \
  PGRST_DB_ANON_ROLE=bulk_anon PGRST_SERVER_PORT=$PORT PGRST_SERVER_HOST=127.0.0.1 \
  PGRST_SERVER_MAX_BODY_SIZE=$((200 * 1024 * 1024)) PGRST_LOG_LEVEL=warn \
  "$BIN" >"$WORK/pgway.log" 2>&1 &
PGWAY_PID=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$PORT/bulk?limit=0" >/dev/null && break; sleep 0.1; done

hwm() { awk '/VmHWM/ {print $2}' "/proc/$PGWAY_PID/status"; }
now() { date +%s.%N; }
reset() { "${PSQL[@]}" -c 'TRUNCATE api.bulk; CHECKPOINT;'; }
post() { # file content-type -> status
  curl -s -o "$WORK/out" -w '%{http_code}' -H "Content-Type: $2" -H 'Prefer: return=minimal' \
    --data-binary "@$1" "http://127.0.0.1:$PORT/bulk"
}
report() { # label seconds
  python3 -c "import sys; r,s=int(sys.argv[1]),float(sys.argv[2]); print(f'| {sys.argv[3]} | {s:.2f} s | {r/s:,.0f} rows/s |')" "$ROWS" "$2" "$1"
}
check() { # expected status
  local count
  count=$("${PSQL[@]}" -t -A -c 'SELECT count(*) FROM api.bulk')
  [ "$1" = 201 ] && [ "$count" = "$ROWS" ] || { log "unexpected: status $1, $count rows: $(cat "$WORK/out")"; exit 1; }
}

echo "| $ROWS rows into api.bulk | time | throughput |"
echo "|---|---|---|"
reset; before=$(hwm); start=$(now); status=$(post "$WORK/all.json" application/json); end=$(now); after=$(hwm)
check "$status"; report "JSON, one request" "$(echo "$end - $start" | bc)"
reset; start=$(now)
for n in $(seq 0 9); do status=$(post "$WORK/chunk$n.json" application/json); [ "$status" = 201 ] || check "$status"; done
end=$(now); check 201; report "JSON, 10 requests of $((ROWS / 10))" "$(echo "$end - $start" | bc)"
reset; start=$(now); status=$(post "$WORK/all.csv" text/csv); end=$(now)
check "$status"; report "CSV, one request" "$(echo "$end - $start" | bc)"
reset; start=$(now); "${PSQL[@]}" -c "\\copy api.bulk FROM '$WORK/all.csv' CSV HEADER"; end=$(now)
check 201; report "psql \\copy of the CSV" "$(echo "$end - $start" | bc)"
echo
echo "pgway peak RSS (VmHWM): $((before / 1024)) MiB before the one-request JSON insert, $((after / 1024)) MiB after; body $(($(stat -c %s "$WORK/all.json") / 1024 / 1024)) MiB"
