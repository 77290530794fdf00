#!/usr/bin/env bash
# pgway benchmark on the Chinook database: REST workloads (issue 3 "Speed") against pgbench running
# the same SQL, and GraphQL workloads (issue 6 "Speed") against PostGraphile 5 with V4 naming.
#
#   bash examples/bench/run.sh [path/to/chinook.sql]     (default: ../shared/data/chinook.sql
#                                                         relative to the repository root)
# Knobs (environment):
#   DURATION=10s      length of every measured wrk / pgbench run (s, m or h suffix)
#   WARMUP=2s         unrecorded wrk run before each measured one (0 to skip)
#   CONNECTIONS=32    wrk -c and pgbench -c
#   THREADS=2         wrk -t and pgbench -j
#   POOL=10           pgway's PGRST_DB_POOL (PostGraphile's pg pool is 10 by default)
#   POSTGRAPHILE=1    0 skips the PostGraphile side of the GraphQL workloads
#   PGV4_DIR          where /work/shared/tools/postgraphile-v4 installs itself (its default: /tmp/...)
#   PGWAY_BIN         use this binary instead of `cargo build --release` + target/release/pgway
#   PGBIN             PostgreSQL server binaries (default: newest /usr/lib/postgresql/*/bin)
#   PROBE_ID=90       the id of the one request per workload that is checked, compared and logged
#   UPDATE_SQL=1      copy the captured pgbench scripts over examples/bench/<workload>{,_tx}.sql
#
# Everything listens on 127.0.0.1 on free ports; the cluster lives in a private temp dir; an EXIT
# trap stops pgway, PostGraphile and the cluster and removes the dir (also on Ctrl-C or failure).
# Results go to stdout and examples/bench/results/latest.md. See examples/bench/README.md.
set -euo pipefail

BENCH=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$BENCH/../.." && pwd)
CHINOOK=${1:-$ROOT/../shared/data/chinook.sql}
DURATION=${DURATION:-10s}
WARMUP=${WARMUP:-2s}
CONNECTIONS=${CONNECTIONS:-32}
THREADS=${THREADS:-2}
POOL=${POOL:-10}
POSTGRAPHILE=${POSTGRAPHILE:-1}
PGV4_TOOL=${PGV4_TOOL:-$ROOT/../shared/tools/postgraphile-v4}
PROBE_ID=${PROBE_ID:-90}
BIN=${PGWAY_BIN:-}   # read before the PGWAY_* variables are cleared below
SCHEMA=public   # chinook.sql creates everything in the default schema (no CREATE SCHEMA, no search_path)
ID_MAX=275      # artist ids are 1..275 (and album.artist_id falls in the same range)

exec 3>&2   # progress messages go here even from inside a redirected block (e.g. a trap during a run)
log() { printf '[bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&3; }
die() { log "error: $*"; exit 1; }

seconds() { # 10s, 2m, 1h, 15 -> seconds
  local v=$1
  case $v in
    *h) echo $(( ${v%h} * 3600 )) ;;
    *m) echo $(( ${v%m} * 60 )) ;;
    *s) echo "${v%s}" ;;
    *) echo "$v" ;;
  esac
}
DURATION_S=$(seconds "$DURATION")
WARMUP_S=$(seconds "$WARMUP")

[ -f "$CHINOOK" ] || die "no Chinook SQL at $CHINOOK (pass its path as the first argument)"
CHINOOK=$(cd "$(dirname "$CHINOOK")" && pwd)/$(basename "$CHINOOK")

# A caller's PGRST_*/PGWAY_* settings (JWT secret, max rows …) would change what is measured.
for var in $(compgen -e | grep -E '^(PGRST|PGWAY)_' || true); do unset "$var"; done

# ---------------------------------------------------------------------------------------------
# Tools: wrk, PostgreSQL server binaries, curl, jq, python3 (apt when root and missing)
# ---------------------------------------------------------------------------------------------
newest_pgbin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }
PGBIN=${PGBIN:-$(newest_pgbin)}
missing=()
command -v wrk >/dev/null || missing+=(wrk)
command -v curl >/dev/null || missing+=(curl)
command -v jq >/dev/null || missing+=(jq)
command -v python3 >/dev/null || missing+=(python3)
command -v pgrep >/dev/null || missing+=(procps)
{ [ -n "$PGBIN" ] && [ -x "$PGBIN/initdb" ]; } || missing+=(postgresql postgresql-contrib)
if [ ${#missing[@]} -gt 0 ]; then
  [ "$(id -u)" = 0 ] || die "missing: ${missing[*]} (install them, e.g. apt-get install -y ${missing[*]})"
  log "installing ${missing[*]} with apt"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  PGBIN=$(newest_pgbin)
fi
[ -x "$PGBIN/initdb" ] || die "no initdb in $PGBIN"
[ -x "$PGBIN/pgbench" ] || die "no pgbench in $PGBIN"
PSQL=$PGBIN/psql
command -v psql >/dev/null && [ ! -x "$PSQL" ] && PSQL=$(command -v psql)

# ---------------------------------------------------------------------------------------------
# Cleanup: everything this script starts is stopped by its own pid / data dir
# ---------------------------------------------------------------------------------------------
W=""
PGWAY_PID=""
PGV4_PID=""
if [ "$(id -u)" = 0 ]; then
  as_pg() { runuser -u postgres -- "$@"; }   # initdb and postgres refuse to run as root
else
  as_pg() { "$@"; }
fi
stop_group() { # a process started with setsid leads its own group: stop the group, then reap
  local pid=$1
  [ -n "$pid" ] || return 0
  kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL -- "-$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  stop_group "$PGWAY_PID"
  stop_group "$PGV4_PID"
  if [ -n "$W" ]; then
    if [ -f "$W/data/postmaster.pid" ]; then
      as_pg "$PGBIN/pg_ctl" -D "$W/data" -m fast -w -s stop >/dev/null 2>&1 || true
    fi
    rm -rf "$W"
  fi
  [ "$rc" = 0 ] || log "stopped everything (exit $rc)"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

free_ports() { # N distinct free loopback ports
  python3 - "$1" <<'EOF'
import socket, sys
socks = []
for _ in range(int(sys.argv[1])):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    socks.append(s)
print(" ".join(str(s.getsockname()[1]) for s in socks))
EOF
}
read -r PG_PORT API_PORT PGV4_PORT <<<"$(free_ports 3)"

# ---------------------------------------------------------------------------------------------
# pgway binary (built first: fail fast before anything is started)
# ---------------------------------------------------------------------------------------------
if [ -n "$BIN" ]; then
  PGWAY=$BIN
else
  command -v cargo >/dev/null || die "cargo not found (or set PGWAY_BIN)"
  log "cargo build --release"
  (cd "$ROOT" && cargo build --release --quiet)
  PGWAY=$ROOT/target/release/pgway
fi
[ -x "$PGWAY" ] || die "no pgway binary at $PGWAY"

# ---------------------------------------------------------------------------------------------
# Throwaway cluster (stack-notes §4), statement logging to jsonlog, switched on only to capture
# ---------------------------------------------------------------------------------------------
W=$(mktemp -d -t pgbench.XXXXXX)
[ "$(id -u)" = 0 ] && chown postgres:postgres "$W"
mkdir -p "$W/probe" "$W/capture" "$W/out"
chmod 0755 "$W"   # the probe/out files are written by this user, the cluster by postgres
log "PostgreSQL cluster in $W on 127.0.0.1:$PG_PORT"
as_pg "$PGBIN/initdb" -D "$W/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 \
  --no-sync --no-instructions >"$W/initdb.log" 2>&1 || { cat "$W/initdb.log" >&2; die "initdb failed"; }
as_pg "$PGBIN/pg_ctl" -D "$W/data" -l "$W/data/server.log" -w -s -o "-p $PG_PORT \
  -c listen_addresses=127.0.0.1 -k $W -c fsync=off -c synchronous_commit=off -c full_page_writes=off \
  -c max_connections=200 -c logging_collector=on -c log_destination=jsonlog \
  -c log_directory=$W/data/log -c log_filename=postgresql.log -c log_rotation_size=0" start \
  || { cat "$W/data/server.log" >&2 || true; die "pg_ctl start failed"; }
PGLOG=$W/data/log/postgresql.json
sql() { "$PSQL" -h 127.0.0.1 -p "$PG_PORT" -U postgres -X -q -v ON_ERROR_STOP=1 "$@"; }

log "loading $(basename "$CHINOOK")"
sql -d postgres -c "CREATE DATABASE chinook"
sql -d chinook -f "$CHINOOK" >"$W/load.log" 2>&1 || { tail -20 "$W/load.log" >&2; die "loading $CHINOOK failed"; }
sql -d chinook <<EOF
CREATE ROLE authenticator LOGIN NOINHERIT;
CREATE ROLE web_anon NOLOGIN;
GRANT web_anon TO authenticator;
GRANT USAGE ON SCHEMA $SCHEMA TO web_anon;
GRANT SELECT ON ALL TABLES IN SCHEMA $SCHEMA TO web_anon;
VACUUM ANALYZE;
EOF

statement_logging() { # on|off
  local value=-1
  [ "$1" = on ] && value=0
  sql -d postgres -c "ALTER SYSTEM SET log_min_duration_statement = $value" -c "SELECT pg_reload_conf()" >/dev/null
  sleep 0.5   # backends pick the setting up before their next command
}
log_offset() { stat -c %s "$PGLOG" 2>/dev/null || echo 0; }

# ---------------------------------------------------------------------------------------------
# Servers
# ---------------------------------------------------------------------------------------------
export PGRST_DB_URI=postgres://authenticator@127.0.0.1:$PG_PORT/chinook
export PGRST_DB_SCHEMAS=$SCHEMA
export PGRST_DB_ANON_ROLE=web_anon
export PGRST_SERVER_HOST=127.0.0.1
wait_http() { # URL PID SECONDS [curl args…]: until the server answers anything
  local url=$1 pid=$2 limit=$3
  shift 3
  local deadline=$((SECONDS + limit))
  while [ $SECONDS -lt $deadline ]; do
    kill -0 "$pid" 2>/dev/null || return 1
    local code
    code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$@" "$url" || true)
    [ "$code" != 000 ] && [ -n "$code" ] && return 0
    sleep 0.2
  done
  return 1
}

API=http://127.0.0.1:$API_PORT
log "starting pgway on $API (pool $POOL)"
PGRST_SERVER_PORT=$API_PORT PGRST_DB_POOL=$POOL setsid "$PGWAY" >"$W/pgway.log" 2>&1 &
PGWAY_PID=$!
wait_http "$API/" "$PGWAY_PID" 60 || { tail -20 "$W/pgway.log" >&2; die "pgway did not answer"; }
# pgway's GraphQL names (PostGraphile V4 convention) for the fields the workloads use
PGWAY_SDL=$W/pgway.graphql
if PGRST_DB_POOL=1 "$PGWAY" schema >"$PGWAY_SDL" 2>"$W/pgway-schema.log"; then
  for field in allTracks artistByArtistId allAlbums tracksByAlbumId genreByGenreId; do
    grep -Eq "^[[:space:]]*$field[(:]" "$PGWAY_SDL" || log "  note: pgway's SDL (pgway schema) has no field $field"
  done
else
  log "  note: \`pgway schema\` failed: $(tail -n 1 "$W/pgway-schema.log")"
fi

PGV4=http://127.0.0.1:$PGV4_PORT
PGV4_NOTE=""
if [ "$POSTGRAPHILE" = 1 ]; then
  if [ ! -x "$PGV4_TOOL" ]; then
    PGV4_NOTE="not run: $PGV4_TOOL not found"
  elif ! command -v npm >/dev/null; then
    PGV4_NOTE="not run: npm not found"
  else
    log "starting PostGraphile (V4 preset) on $PGV4 (first run installs it, ~20 s)"
    PGRST_SERVER_PORT=$PGV4_PORT setsid "$PGV4_TOOL" >"$W/postgraphile.log" 2>&1 &
    PGV4_PID=$!
    if ! wait_http "$PGV4/graphql" "$PGV4_PID" 180 -H 'Content-Type: application/json' \
      -d '{"query":"{__typename}"}'; then
      tail -20 "$W/postgraphile.log" >&2
      PGV4_NOTE="not run: did not start (see log above)"
      stop_group "$PGV4_PID"
      PGV4_PID=""
    fi
  fi
else
  PGV4_NOTE="not run: POSTGRAPHILE=0"
fi

# ---------------------------------------------------------------------------------------------
# Workloads
# ---------------------------------------------------------------------------------------------
REST_NAMES=(get_single nested_embed big_embed)
declare -A REST_PATH=(
  [get_single]='/artist?select=*&artist_id=eq.{id}'
  [nested_embed]='/album?select=*,track(*,genre(*))&artist_id=eq.{id}'
  [big_embed]='/album?select=*,track(*,genre(*))'
)
GQL_NAMES=(gql_all_tracks gql_by_pk gql_nested)
declare -A GQL_QUERY=(
  [gql_all_tracks]='{ allTracks(first: 20) { nodes { trackId name } } }'
  [gql_by_pk]='{ artistByArtistId(artistId: {id}) { name } }'
  [gql_nested]='{ allAlbums(condition: {artistId: {id}}) { nodes { albumId title artistId tracksByAlbumId { nodes { trackId name genreByGenreId { genreId name } } } } } }'
)
gql_body() { jq -nc --arg q "$1" '{query: $q}'; }
with_id() { local t=$1; printf '%s' "${t//\{id\}/$2}"; }

# CPU time in clock ticks: a process (with its reaped children) and the whole cluster
# (postmaster and reaped backends + live backends), to split where the time went.
CLK_TCK=$(getconf CLK_TCK)
proc_ticks() {
  local stat
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || { echo 0; return; }
  stat=${stat##*) }
  # shellcheck disable=SC2086
  set -- $stat   # field 3 (state) is now $1: utime=$12 stime=$13 cutime=$14 cstime=$15
  echo $(( ${12} + ${13} + ${14} + ${15} ))
}
group_ticks() { # the server: every process of the group it leads (started with setsid)
  local total=0 member
  for member in $(pgrep -g "$1" || true); do total=$((total + $(proc_ticks "$member"))); done
  echo "$total"
}
pg_ticks() {
  local pm total child
  pm=$(head -n 1 "$W/data/postmaster.pid")
  total=$(proc_ticks "$pm")
  for child in $(pgrep -P "$pm" || true); do total=$((total + $(proc_ticks "$child"))); done
  echo "$total"
}
busy_ticks() { # all CPUs, all processes: user nice system irq softirq steal
  awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 + $9; exit }' /proc/stat
}
us_per() { # ticks count -> microseconds of CPU per request
  awk -v t="$1" -v n="$2" -v hz="$CLK_TCK" 'BEGIN { if (n > 0) printf "%.0f", t / hz * 1e6 / n; else printf "n/a" }'
}
other_pct() { # TICKS TIMEFILE SECONDS: CPU of processes outside this benchmark, % of the machine
  # (busy ticks of the whole machine minus server and PostgreSQL, minus the load generator's time)
  awk -v t="$1" -v hz="$CLK_TCK" -v s="$3" -v cores="$(nproc)" '{
    o = t / hz - ($1 + $2); if (o < 0) o = 0; printf "%.0f%%", 100 * o / (s * cores) }' "$2"
}
to_ms() { # wrk's 850.00us / 12.3ms / 1.2s -> milliseconds
  awk -v v="$1" 'BEGIN {
    if (v ~ /us$/) { sub(/us$/, "", v); printf "%.2f", v / 1000 }
    else if (v ~ /ms$/) { sub(/ms$/, "", v); printf "%.2f", v }
    else if (v ~ /m$/) { sub(/m$/, "", v); printf "%.0f", v * 60000 }
    else if (v ~ /s$/) { sub(/s$/, "", v); printf "%.0f", v * 1000 }
    else printf "n/a" }'
}

# run_wrk KEY SERVER_PID URL LUA ARGS… -> R_RPS R_P99 R_REQS R_ERR R_SRV_US R_PG_US R_GEN_US
run_wrk() {
  local key=$1 pid=$2 url=$3 lua=$4
  shift 4
  if [ "$WARMUP_S" -gt 0 ]; then
    wrk -t"$THREADS" -c"$CONNECTIONS" -d"$WARMUP" --timeout 30s -s "$lua" "$url" -- "$@" >/dev/null 2>&1 || true
  fi
  local out=$W/out/$key.wrk srv0 pg0 srv1 pg1
  local all0 all1
  srv0=$(group_ticks "$pid"); pg0=$(pg_ticks); all0=$(busy_ticks)
  local TIMEFORMAT='%3U %3S'
  { time wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --timeout 30s --latency -s "$lua" "$url" -- "$@" \
      >"$out" 2>&1; } 2>"$out.time"
  srv1=$(group_ticks "$pid"); pg1=$(pg_ticks); all1=$(busy_ticks)
  R_RPS=$(awk '/^Requests\/sec:/ { printf "%.0f", $2 }' "$out")
  R_P99=$(to_ms "$(awk '$1 == "99%" { print $2 }' "$out")")
  R_REQS=$(awk '/requests in/ { print $1 }' "$out")
  local non2xx sockerr
  non2xx=$(awk '/Non-2xx or 3xx responses:/ { print $NF }' "$out")
  sockerr=$(awk '/Socket errors:/ { sub(/.*Socket errors: /, ""); print }' "$out")
  R_ERR=""
  [ -n "$non2xx" ] && R_ERR="$non2xx non-2xx"
  [ -n "$sockerr" ] && R_ERR="${R_ERR:+$R_ERR; }socket errors: $sockerr"
  local gqlerr
  gqlerr=$(awk '/^graphql errors:/ { print $3 }' "$out")
  [ -n "$gqlerr" ] && [ "$gqlerr" != 0 ] && R_ERR="${R_ERR:+$R_ERR; }$gqlerr answers with GraphQL errors"
  R_RPS=${R_RPS:-n/a}; R_REQS=${R_REQS:-0}
  R_SRV_US=$(us_per $((srv1 - srv0)) "$R_REQS")
  R_PG_US=$(us_per $((pg1 - pg0)) "$R_REQS")
  R_GEN_US=$(awk -v n="$R_REQS" '{ if (n > 0) printf "%.0f", ($1 + $2) * 1e6 / n; else printf "n/a" }' "$out.time")
  R_OTHER=$(other_pct $((all1 - all0 - (srv1 - srv0) - (pg1 - pg0))) "$out.time" "$DURATION_S")
  log "  $key: $R_RPS req/s, p99 $R_P99 ms${R_ERR:+ ($R_ERR)}"
}

# run_pgbench KEY SCRIPT -> R_TPS R_LAT R_TX R_PG_US R_GEN_US (R_TPS=failed… when the script fails)
run_pgbench() {
  local key=$1 script=$2 out=$W/out/$1.pgbench pg0 pg1
  local bench=("$PGBIN/pgbench" -h 127.0.0.1 -p "$PG_PORT" -U postgres -n -M prepared)
  if ! "${bench[@]}" -c 1 -t 1 -f "$script" chinook >"$out.check" 2>&1; then
    R_TPS="script failed: $(grep -m1 -iE 'error' "$out.check" | cut -c1-120 || true)"; R_LAT=""; R_TX=0
    R_PG_US=n/a; R_GEN_US=n/a; R_OTHER=n/a
    log "  $key: pgbench script failed"; sed 's/^/    /' "$out.check" >&2
    return
  fi
  local all0 all1
  pg0=$(pg_ticks); all0=$(busy_ticks)
  local TIMEFORMAT='%3U %3S'
  { time "${bench[@]}" -c "$CONNECTIONS" -j "$THREADS" -T "$DURATION_S" -f "$script" chinook >"$out" 2>&1; } 2>"$out.time" \
    || true
  pg1=$(pg_ticks); all1=$(busy_ticks)
  R_TPS=$(awk -F'[ =]+' '/^tps = .*without initial connection time/ { printf "%.0f", $2 }' "$out")
  R_LAT=$(awk '/^latency average/ { print $4 }' "$out")
  R_TX=$(awk '/number of transactions actually processed/ { print $NF }' "$out")
  R_TPS=${R_TPS:-n/a}; R_TX=${R_TX:-0}
  R_PG_US=$(us_per $((pg1 - pg0)) "$R_TX")
  R_GEN_US=$(awk -v n="$R_TX" '{ if (n > 0) printf "%.0f", ($1 + $2) * 1e6 / n; else printf "n/a" }' "$out.time")
  R_OTHER=$(other_pct $((all1 - all0 - (pg1 - pg0))) "$out.time" "$DURATION_S")
  log "  $key: $R_TPS tps (latency avg $R_LAT ms)"
}

# ---------------------------------------------------------------------------------------------
# 1. Probe each workload once: status, errors, and pgway vs PostGraphile answers
# ---------------------------------------------------------------------------------------------
log "probing workloads (id $PROBE_ID)"
declare -A SKIP BYTES GQL_SKIP_PGWAY GQL_SKIP_PGV4 GQL_SAME STMTS
for name in "${REST_NAMES[@]}"; do
  path=$(with_id "${REST_PATH[$name]}" "$PROBE_ID")
  status=$(curl -sS -o "$W/probe/$name.body" -w '%{http_code}' --max-time 60 "$API$path" || echo 000)
  BYTES[$name]=$(stat -c %s "$W/probe/$name.body" 2>/dev/null || echo 0)
  if [ "$status" != 200 ]; then
    code=$(jq -r '.code // empty' "$W/probe/$name.body" 2>/dev/null || true)
    SKIP[$name]="skipped: $status${code:+ $code}"
    log "  $name: ${SKIP[$name]} $(head -c 200 "$W/probe/$name.body")"
  fi
done

gql_error() { # FILE -> first error message, or nothing when the answer has data and no errors
  jq -r 'if (.errors // []) | length > 0 then (.errors[0].message // "error")
         elif .data == null then "no data" else empty end' "$1" 2>/dev/null || echo "not JSON"
}
for name in "${GQL_NAMES[@]}"; do
  body=$(gql_body "$(with_id "${GQL_QUERY[$name]}" "$PROBE_ID")")
  for side in pgway pgv4; do
    if [ "$side" = pgway ]; then url=$API/graphql; else url=$PGV4/graphql; fi
    if [ "$side" = pgv4 ] && [ -z "$PGV4_PID" ]; then
      GQL_SKIP_PGV4[$name]=$PGV4_NOTE; continue
    fi
    file=$W/probe/$name.$side.json
    status=$(curl -sS -o "$file" -w '%{http_code}' --max-time 60 -H 'Content-Type: application/json' \
      -H 'Accept: application/json' -d "$body" "$url" || echo 000)
    err=$(gql_error "$file")
    [ "$status" = 200 ] || err="HTTP $status${err:+: $err}"
    if [ -n "$err" ]; then
      if [ "$side" = pgway ]; then GQL_SKIP_PGWAY[$name]="skipped: $err"; else GQL_SKIP_PGV4[$name]="skipped: $err"; fi
      log "  $name on $side: skipped: $err"
    fi
  done
  if [ -z "${GQL_SKIP_PGWAY[$name]:-}" ] && [ -z "${GQL_SKIP_PGV4[$name]:-}" ]; then
    if diff <(jq -S . "$W/probe/$name.pgway.json") <(jq -S . "$W/probe/$name.pgv4.json") >"$W/probe/$name.diff"; then
      GQL_SAME[$name]=yes
    else
      GQL_SAME[$name]="**no** (diff below)"
      log "  $name: pgway and PostGraphile answers DIFFER"
    fi
  else
    GQL_SAME[$name]="n/a"
  fi
done

# ---------------------------------------------------------------------------------------------
# 2. Capture the SQL each server sends for one request (statement logging on only here)
# ---------------------------------------------------------------------------------------------
log "capturing the SQL of one request per workload"
statement_logging on
capture() { # KEY CURL-ARGS…: the authenticator's statements for one request -> capture/KEY.json
  local key=$1 off
  shift
  off=$(log_offset)
  curl -sS -o /dev/null --max-time 60 "$@" || true
  sleep 0.5   # the logging collector writes asynchronously
  tail -c +$((off + 1)) "$PGLOG" >"$W/capture/$key.json"
  STMTS[$key]=$(python3 "$BENCH/pglog.py" count "$W/capture/$key.json" authenticator)
}
for name in "${REST_NAMES[@]}"; do
  [ -n "${SKIP[$name]:-}" ] && continue
  capture "$name" "$API$(with_id "${REST_PATH[$name]}" "$PROBE_ID")"
done
for name in "${GQL_NAMES[@]}"; do
  body=$(gql_body "$(with_id "${GQL_QUERY[$name]}" "$PROBE_ID")")
  [ -z "${GQL_SKIP_PGWAY[$name]:-}" ] && capture "$name.pgway" -H 'Content-Type: application/json' -d "$body" "$API/graphql"
  [ -z "${GQL_SKIP_PGV4[$name]:-}" ] && capture "$name.pgv4" -H 'Content-Type: application/json' -d "$body" "$PGV4/graphql"
done
statement_logging off

# pgbench scripts from the captured SQL; the committed examples/bench/<name>{,_tx}.sql (what pgway
# sent when the recorded results were taken) only stand in when nothing was captured.
declare -A PGB_SOURCE
sans_port() { sed -E 's/127\.0\.0\.1(\\x3a|:)[0-9]+/127.0.0.1:PORT/g' "$1"; }   # the Host header's port varies
for name in "${REST_NAMES[@]}"; do
  [ -n "${SKIP[$name]:-}" ] && continue
  if [ "${STMTS[$name]:-0}" -gt 0 ] && python3 "$BENCH/pglog.py" pgbench "$W/capture/$name.json" authenticator \
      "$PROBE_ID" "$ID_MAX" "$W/$name.sql" "$W/${name}_tx.sql"; then
    PGB_SOURCE[$name]=captured
    if [[ ${REST_PATH[$name]} == *"{id}"* ]] && ! grep -q ':n::text' "$W/$name.sql"; then
      log "  warning: the captured query for $name does not carry the id $PROBE_ID; pgbench would not vary it"
    fi
    if [ -f "$BENCH/${name}_tx.sql" ] && ! cmp -s <(sans_port "$W/${name}_tx.sql") <(sans_port "$BENCH/${name}_tx.sql"); then
      log "  note: pgway's SQL for $name differs from examples/bench/${name}_tx.sql (using what it sends now)"
    fi
  elif [ -f "$BENCH/$name.sql" ]; then
    log "  warning: nothing captured for $name; using examples/bench/$name.sql"
    cp "$BENCH/$name.sql" "$W/$name.sql"; cp "$BENCH/${name}_tx.sql" "$W/${name}_tx.sql"
    PGB_SOURCE[$name]=committed
  fi
done

# ---------------------------------------------------------------------------------------------
# 3. Measure
# ---------------------------------------------------------------------------------------------
declare -A RES
# How busy the machine is before measuring (a 2 s sample; the load average lags by minutes)
read -r b0 t0 < <(awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 + $9, $2 + $3 + $4 + $5 + $6 + $7 + $8 + $9 }' /proc/stat)
sleep 2
read -r b1 t1 < <(awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 + $9, $2 + $3 + $4 + $5 + $6 + $7 + $8 + $9 }' /proc/stat)
BUSY_START=$(( 100 * (b1 - b0) / (t1 - t0 > 0 ? t1 - t0 : 1) ))
if [ "$BUSY_START" -gt 15 ]; then
  log "warning: the CPUs were ${BUSY_START}% busy before measuring: other processes are running, numbers will be low and noisy"
fi
log "REST workloads: wrk -t$THREADS -c$CONNECTIONS -d$DURATION (warm-up $WARMUP) and pgbench -M prepared -c$CONNECTIONS -j$THREADS -T$DURATION_S"
for name in "${REST_NAMES[@]}"; do
  [ -n "${SKIP[$name]:-}" ] && { log "  $name: ${SKIP[$name]}"; continue; }
  run_wrk "$name" "$PGWAY_PID" "$API" "$BENCH/get_random_id.lua" "${REST_PATH[$name]}" 1 "$ID_MAX"
  RES[$name.rps]=$R_RPS RES[$name.p99]=$R_P99 RES[$name.err]=$R_ERR RES[$name.reqs]=$R_REQS
  RES[$name.srv_us]=$R_SRV_US RES[$name.pg_us]=$R_PG_US RES[$name.gen_us]=$R_GEN_US RES[$name.other]=$R_OTHER
  for variant in bare tx; do
    script=$W/$name.sql
    [ "$variant" = tx ] && script=$W/${name}_tx.sql
    if [ -f "$script" ]; then
      run_pgbench "$name.$variant" "$script"
    else
      R_TPS="n/a (no SQL captured)"; R_LAT=""; R_TX=0; R_PG_US=n/a; R_GEN_US=n/a; R_OTHER=n/a
    fi
    RES[$name.$variant.tps]=$R_TPS RES[$name.$variant.lat]=$R_LAT RES[$name.$variant.tx]=$R_TX
    RES[$name.$variant.pg_us]=$R_PG_US RES[$name.$variant.gen_us]=$R_GEN_US RES[$name.$variant.other]=$R_OTHER
  done
done

log "GraphQL workloads: wrk -t$THREADS -c$CONNECTIONS -d$DURATION (warm-up $WARMUP), pgway then PostGraphile"
for name in "${GQL_NAMES[@]}"; do
  body=$(gql_body "${GQL_QUERY[$name]}")
  for side in pgway pgv4; do
    if [ "$side" = pgway ]; then
      [ -n "${GQL_SKIP_PGWAY[$name]:-}" ] && { log "  $name on pgway: ${GQL_SKIP_PGWAY[$name]}"; continue; }
      run_wrk "$name.$side" "$PGWAY_PID" "$API/graphql" "$BENCH/graphql_random_id.lua" "$body" 1 "$ID_MAX"
    else
      [ -n "${GQL_SKIP_PGV4[$name]:-}" ] && { log "  $name on PostGraphile: ${GQL_SKIP_PGV4[$name]}"; continue; }
      run_wrk "$name.$side" "$PGV4_PID" "$PGV4/graphql" "$BENCH/graphql_random_id.lua" "$body" 1 "$ID_MAX"
    fi
    RES[$name.$side.rps]=$R_RPS RES[$name.$side.p99]=$R_P99 RES[$name.$side.err]=$R_ERR
    RES[$name.$side.reqs]=$R_REQS RES[$name.$side.srv_us]=$R_SRV_US RES[$name.$side.pg_us]=$R_PG_US
    RES[$name.$side.gen_us]=$R_GEN_US RES[$name.$side.other]=$R_OTHER
  done
done

# ---------------------------------------------------------------------------------------------
# 4. Report
# ---------------------------------------------------------------------------------------------
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a ~ /^[0-9.]+$/ && b ~ /^[0-9.]+$/ && b > 0) printf "%.2f", a / b; else printf "n/a" }'; }
v() { printf '%s' "${RES[$1]:-}"; }
human_bytes() { awk -v b="$1" 'BEGIN { if (b >= 1048576) printf "%.1f MB", b / 1048576; else if (b >= 1024) printf "%.1f KB", b / 1024; else printf "%d B", b }'; }

PG_VERSION=$("$PGBIN/postgres" --version | awk '{ print $3 }')
WRK_VERSION=$(wrk -v 2>&1 | awk 'NR == 1 { print $2 }' || true)
PGV4_VERSIONS=""
if [ -n "$PGV4_PID" ]; then
  PGV4_NODE=$(tr '\0' '\n' <"/proc/$PGV4_PID/cmdline" | head -n 1)
  PGV4_PKG=${PGV4_DIR:-${TMPDIR:-/tmp}/postgraphile-v4}/node_modules/postgraphile/package.json
  PGV4_VERSIONS="PostGraphile $(jq -r .version "$PGV4_PKG" 2>/dev/null || echo '?') with the V4 preset on node $("$PGV4_NODE" --version 2>/dev/null || echo '?')"
fi
GIT_REV=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?')
GIT_DIRTY=$({ git -C "$ROOT" status --porcelain -- src Cargo.toml Cargo.lock 2>/dev/null || true; } | wc -l)
CPU_MODEL=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
MEM=$(awk '/^MemTotal/ { printf "%.1f GB", $2 / 1048576 }' /proc/meminfo)

REPORT=$W/report.md
{
  echo "# pgway benchmark — $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo
  if [ -n "$BIN" ]; then
    echo "- pgway binary \`$BIN\` (PGWAY_BIN; the checkout is $GIT_REV with $GIT_DIRTY changed file(s) under src/ or Cargo.*), PGRST_DB_POOL=$POOL"
  else
    echo "- pgway $GIT_REV$([ "$GIT_DIRTY" -gt 0 ] && echo " + $GIT_DIRTY uncommitted file(s) under src/ or Cargo.*"), \`cargo build --release\`, PGRST_DB_POOL=$POOL"
  fi
  echo "- PostgreSQL $PG_VERSION (fsync off, defaults otherwise); wrk ${WRK_VERSION:-?}; ${PGV4_VERSIONS:-PostGraphile $PGV4_NOTE}"
  echo "- Machine: $(nproc) cores ($CPU_MODEL), $MEM. **wrk / pgbench, PostgreSQL and the server share these"
  echo "  $(nproc) cores**, so every number includes the load generator's CPU; absolute numbers are"
  echo "  only comparable within one run."
  echo "- CPUs ${BUSY_START}% busy just before measuring (2 s sample); the last column of the CPU table shows how"
  echo "  much CPU other processes on the machine took during each run."
  echo "- Load: \`wrk -t$THREADS -c$CONNECTIONS -d$DURATION --latency\` after a $WARMUP warm-up; \`pgbench -M prepared -n"
  echo "  -c$CONNECTIONS -j$THREADS -T$DURATION_S\` as \`postgres\` over 127.0.0.1. Ids random in 1..$ID_MAX per request."
  echo
  echo "## REST (issue 3) — pgway vs pgbench running the SQL pgway sends"
  echo
  echo "| workload | response | pgway req/s | pgway p99 ms | pgbench tps (query only) | pgbench tps (same transaction) | pgway / pgbench-transaction | statements per request | notes |"
  echo "|---|---|---:|---:|---:|---:|---:|---:|---|"
  for name in "${REST_NAMES[@]}"; do
    if [ -n "${SKIP[$name]:-}" ]; then
      echo "| $name | | ${SKIP[$name]} | | | | | | |"
      continue
    fi
    note=$(v "$name.err")
    [ "${PGB_SOURCE[$name]:-}" = committed ] && note="${note:+$note; }pgbench SQL from committed file"
    echo "| $name | $(human_bytes "${BYTES[$name]}") | $(v "$name.rps") | $(v "$name.p99") | $(v "$name.bare.tps") | $(v "$name.tx.tps") | $(ratio "$(v "$name.rps")" "$(v "$name.tx.tps")") | ${STMTS[$name]:-?} | $note |"
  done
  echo
  echo "## GraphQL (issue 6) — pgway vs PostGraphile 5 (V4 preset), same database, same load"
  echo
  echo "| workload | pgway req/s | pgway p99 ms | PostGraphile req/s | PostGraphile p99 ms | pgway / PostGraphile | same answer | statements per request (pgway / PostGraphile) | notes |"
  echo "|---|---:|---:|---:|---:|---:|---|---|---|"
  for name in "${GQL_NAMES[@]}"; do
    a_rps=${GQL_SKIP_PGWAY[$name]:-$(v "$name.pgway.rps")}
    b_rps=${GQL_SKIP_PGV4[$name]:-$(v "$name.pgv4.rps")}
    note=$(v "$name.pgway.err")
    [ -n "$(v "$name.pgv4.err")" ] && note="${note:+$note; }PostGraphile: $(v "$name.pgv4.err")"
    echo "| $name | $a_rps | $(v "$name.pgway.p99") | $b_rps | $(v "$name.pgv4.p99") | $(ratio "$a_rps" "$b_rps") | ${GQL_SAME[$name]} | ${STMTS[$name.pgway]:--} / ${STMTS[$name.pgv4]:--} | $note |"
  done
  echo
  echo "GraphQL queries (\`{id}\` random per request):"
  echo
  for name in "${GQL_NAMES[@]}"; do echo "- \`$name\`: \`${GQL_QUERY[$name]}\`"; done
  echo
  echo "## Where the CPU went (µs of CPU per request, from /proc; $(nproc) cores = $(( $(nproc) * 1000000 )) µs per second)"
  echo
  echo "| run | server | PostgreSQL (all backends) | load generator | other processes on the machine (% of all cores) |"
  echo "|---|---:|---:|---:|---:|"
  for name in "${REST_NAMES[@]}"; do
    [ -n "${SKIP[$name]:-}" ] && continue
    echo "| $name via pgway | $(v "$name.srv_us") | $(v "$name.pg_us") | $(v "$name.gen_us") (wrk) | $(v "$name.other") |"
    echo "| $name pgbench query only | – | $(v "$name.bare.pg_us") | $(v "$name.bare.gen_us") (pgbench) | $(v "$name.bare.other") |"
    echo "| $name pgbench transaction | – | $(v "$name.tx.pg_us") | $(v "$name.tx.gen_us") (pgbench) | $(v "$name.tx.other") |"
  done
  for name in "${GQL_NAMES[@]}"; do
    [ -z "${GQL_SKIP_PGWAY[$name]:-}" ] && echo "| $name via pgway | $(v "$name.pgway.srv_us") | $(v "$name.pgway.pg_us") | $(v "$name.pgway.gen_us") (wrk) | $(v "$name.pgway.other") |"
    [ -z "${GQL_SKIP_PGV4[$name]:-}" ] && echo "| $name via PostGraphile | $(v "$name.pgv4.srv_us") | $(v "$name.pgv4.pg_us") | $(v "$name.pgv4.gen_us") (wrk) | $(v "$name.pgv4.other") |"
  done
  for name in "${GQL_NAMES[@]}"; do
    if [ -s "$W/probe/$name.diff" ]; then
      echo
      echo "### $name: pgway (<) and PostGraphile (>) answers differ for id $PROBE_ID (first 40 lines of the diff of \`jq -S\`)"
      echo
      echo '```diff'
      head -n 40 "$W/probe/$name.diff"
      echo '```'
    fi
  done
  echo
  echo "## SQL per request (captured from the server log for id $PROBE_ID)"
  for name in "${REST_NAMES[@]}"; do
    [ -n "${SKIP[$name]:-}" ] && continue
    [ -s "$W/capture/$name.json" ] || continue
    echo
    echo "<details><summary>$name via pgway (${STMTS[$name]} statements)</summary>"
    echo
    echo '```sql'
    python3 "$BENCH/pglog.py" show "$W/capture/$name.json" authenticator
    echo '```'
    echo "</details>"
  done
  for name in "${GQL_NAMES[@]}"; do
    for side in pgway pgv4; do
      [ -s "$W/capture/$name.$side.json" ] || continue
      label=pgway; [ "$side" = pgv4 ] && label=PostGraphile
      echo
      echo "<details><summary>$name via $label (${STMTS[$name.$side]} statements)</summary>"
      echo
      echo '```sql'
      python3 "$BENCH/pglog.py" show "$W/capture/$name.$side.json" authenticator
      echo '```'
      echo "</details>"
    done
  done
} >"$REPORT"

mkdir -p "$BENCH/results"
cp "$REPORT" "$BENCH/results/latest.md"
if [ "${UPDATE_SQL:-0}" = 1 ]; then   # refresh the committed fallback/reference pgbench scripts
  for name in "${REST_NAMES[@]}"; do
    if [ "${PGB_SOURCE[$name]:-}" = captured ]; then cp "$W/$name.sql" "$W/${name}_tx.sql" "$BENCH/"; fi
  done
fi
echo
cat "$REPORT"
log "written to examples/bench/results/latest.md"
