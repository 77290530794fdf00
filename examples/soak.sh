#!/usr/bin/env bash
# A bounded soak test, or the cost of authentication, against a release build serving the demo
# schema (`pgway demo`: the example database in a throwaway cluster).
#
#   bash examples/soak.sh          60 s of mixed valid and invalid requests (examples/soak.lua) from
#                                  many tokens; pgway's RSS sampled every few seconds, and whether
#                                  it stayed flat
#   bash examples/soak.sh auth     req/s of GET /people?id=eq.1 anonymous, then with one valid
#                                  JWT (the same token every request, so the JWT cache applies)
#
# Knobs (environment):
#   DURATION=60      seconds of load (soak), or of each run (auth: default 15)
#   CONNECTIONS=16   wrk connections; THREADS=2 wrk threads
#   TOKENS=3000      distinct valid tokens (soak; more than jwt-cache-max-entries, so it evicts)
#   SAMPLE=5         seconds between RSS samples (soak)
#   PGWAY_BIN        use this binary instead of `cargo build --release`
#
# Needs wrk, python3 and PostgreSQL's server binaries (for `pgway demo`). Everything listens on
# 127.0.0.1; an EXIT trap stops pgway (which stops its cluster) and removes the temp dir.
set -euo pipefail

MODE=${1:-soak}
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
THREADS=${THREADS:-2}
CONNECTIONS=${CONNECTIONS:-16}
TOKENS=${TOKENS:-3000}
SAMPLE=${SAMPLE:-5}
BIN=${PGWAY_BIN:-}
# The demo's JWT secret (public on purpose: src/demo.rs).
SECRET=pgway-demo-secret-not-for-production-use

log() { printf '[soak %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "error: $*"; exit 1; }

case $MODE in
  soak) DURATION=${DURATION:-60} ;;
  auth) DURATION=${DURATION:-15} ;;
  *) die "unknown mode '$MODE' (soak or auth)" ;;
esac
command -v wrk >/dev/null || die "wrk is not installed (apt-get install wrk)"
for var in $(compgen -e | grep -E '^(PGRST|PGWAY)_' || true); do unset "$var"; done

if [ -z "$BIN" ]; then
  log "building pgway (release)"
  (cd "$ROOT" && cargo build --release --quiet)
  BIN=${CARGO_TARGET_DIR:-$ROOT/target}/release/pgway
fi
[ -x "$BIN" ] || die "no pgway binary at $BIN"

W=$(mktemp -d -t pgsoak.XXXXXX)
PGWAY_PID=
cleanup() {
  trap - EXIT INT TERM
  if [ -n "$PGWAY_PID" ] && kill -TERM "$PGWAY_PID" 2>/dev/null; then
    wait "$PGWAY_PID" 2>/dev/null || true
  fi
  rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
BASE=http://127.0.0.1:$PORT
# Request lines at info would measure the terminal: warnings only.
RUST_LOG=warn "$BIN" demo --port "$PORT" >"$W/pgway.out" 2>"$W/pgway.log" &
PGWAY_PID=$!
for _ in $(seq 1 300); do
  curl -fso /dev/null "$BASE/people?id=eq.1" && break
  kill -0 "$PGWAY_PID" 2>/dev/null || { cat "$W/pgway.log" >&2; die "pgway demo exited"; }
  sleep 0.1
done
curl -fso /dev/null "$BASE/people?id=eq.1" || die "pgway did not come up"
log "pgway demo (pid $PGWAY_PID) on $BASE"

# Tokens: HS256 JWTs signed with the demo secret.
python3 - "$SECRET" "$TOKENS" "$W" <<'PY'
import base64, hashlib, hmac, json, sys, time
secret, count, out = sys.argv[1].encode(), int(sys.argv[2]), sys.argv[3]
def b64(data): return base64.urlsafe_b64encode(data).rstrip(b"=").decode()
def jwt(claims, key=secret):
    head = b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    body = b64(json.dumps(claims).encode())
    sig = b64(hmac.new(key, f"{head}.{body}".encode(), hashlib.sha256).digest())
    return f"{head}.{body}.{sig}"
now = int(time.time())
roles = ["mgr_alice", "mgr_bob", "web_anon"]
tokens = [jwt({"role": roles[i % 3], "sub": f"user{i}", "exp": now + 3600}) for i in range(count)]
tokens += [jwt({"role": "mgr_alice", "sub": f"late{i}", "exp": now - 3600}) for i in range(count // 20)]
tokens += [jwt({"role": "mgr_alice", "sub": f"forged{i}"}, b"wrong-secret") for i in range(count // 20)]
tokens += ["not.a.jwt"]
with open(f"{out}/tokens.txt", "w") as f:
    f.write("\n".join(tokens) + "\n")
with open(f"{out}/one.txt", "w") as f:
    f.write(jwt({"role": "mgr_alice", "exp": now + 3600}))
PY

rss_kib() { awk '/^VmRSS/ {print $2}' "/proc/$PGWAY_PID/status"; }

auth_mode() {
  local url="$BASE/people?id=eq.1" token
  token=$(cat "$W/one.txt")
  [ "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $token" "$url")" = 200 ] \
    || die "the JWT request does not answer 200"
  log "warming up"
  wrk -t"$THREADS" -c"$CONNECTIONS" -d5s "$url" >/dev/null
  log "anonymous: ${DURATION}s"
  wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --latency "$url" | tee "$W/anon.txt"
  log "with one JWT: ${DURATION}s"
  wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --latency \
    -H "Authorization: Bearer $token" "$url" | tee "$W/jwt.txt"
  local anon jwt
  anon=$(awk '/^Requests\/sec/ {print $2}' "$W/anon.txt")
  jwt=$(awk '/^Requests\/sec/ {print $2}' "$W/jwt.txt")
  printf '\nGET /people?id=eq.1, %s connections, %s s each:\n' "$CONNECTIONS" "$DURATION"
  printf '  anonymous     %10s req/s\n  one JWT       %10s req/s  (%s%% of anonymous)\n' \
    "$anon" "$jwt" "$(python3 -c "print(round(100 * $jwt / $anon, 1))")"
}

soak_mode() {
  log "warming up (5 s)"
  wrk -t"$THREADS" -c"$CONNECTIONS" -d5s -s "$ROOT/examples/soak.lua" "$BASE" -- "$W/tokens.txt" >/dev/null
  log "soak: ${DURATION}s of mixed requests from $(wc -l <"$W/tokens.txt") tokens"
  wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --latency -s "$ROOT/examples/soak.lua" \
    "$BASE" -- "$W/tokens.txt" >"$W/wrk.txt" &
  local wrk_pid=$! elapsed=0 samples=()
  samples+=("$(rss_kib)")
  printf '%6s %10s\n' "t (s)" "RSS (MiB)"
  printf '%6s %10.1f\n' 0 "$(echo "${samples[0]} / 1024" | bc -l)"
  while kill -0 "$wrk_pid" 2>/dev/null; do
    sleep "$SAMPLE"
    elapsed=$((elapsed + SAMPLE))
    kill -0 "$PGWAY_PID" 2>/dev/null || die "pgway died during the soak"
    samples+=("$(rss_kib)")
    printf '%6s %10.1f\n' "$elapsed" "$(echo "${samples[-1]} / 1024" | bc -l)"
  done
  wait "$wrk_pid"
  cat "$W/wrk.txt"
  grep -q "5xx 0$" "$W/wrk.txt" || log "warning: some answers were 5xx"
  # Flat: the second half never grows more than 10% (and 8 MiB) above the end of the first.
  python3 - "${samples[@]}" <<'PY'
import sys
samples = [int(s) for s in sys.argv[1:]]
half = len(samples) // 2
base, peak = samples[half], max(samples[half:])
growth = peak - base
flat = growth <= max(base * 0.10, 8 * 1024)
print(f"RSS: start {samples[0] / 1024:.1f} MiB, mid {base / 1024:.1f} MiB, "
      f"peak after mid {peak / 1024:.1f} MiB, end {samples[-1] / 1024:.1f} MiB: "
      + ("flat" if flat else f"GROWING (+{growth / 1024:.1f} MiB in the second half)"))
sys.exit(0 if flat else 1)
PY
}

"${MODE}_mode"
