#!/usr/bin/env bash
# Benchmarks actix-sea's REST API (example_site, 127.0.0.1:8101) against a hand-written
# actix-web + SeaORM baseline (bench_baseline, 127.0.0.1:8102) over the same SQLite database.
#
#   bench/run.sh                 # 10 s per wrk run
#   DURATION=30 bench/run.sh     # 30 s per wrk run
#   ROUNDS=5 bench/run.sh        # 5 alternating rounds (default 3)
#   bench/run.sh --scale         # cost per page on 10k and 1M messages (bench/scale.sh)
#   bench/run.sh --ceiling       # against the shared hand-written ceiling (bench/ceiling.sh)
#
# Prints a Markdown table (best of the alternating rounds per server, with the server's CPU
# time per request in that round) and each server's peak RSS.
set -euo pipefail

case "${1:-}" in
--scale) exec "$(dirname "${BASH_SOURCE[0]}")/scale.sh" ;;
--ceiling) exec "$(dirname "${BASH_SOURCE[0]}")/ceiling.sh" ;;
esac

DURATION=${DURATION:-10}
ROUNDS=${ROUNDS:-3}
FRAMEWORK_ADDR=127.0.0.1:8101
BASELINE_ADDR=127.0.0.1:8102
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BIN=${CARGO_TARGET_DIR:-$ROOT/target}/release

log() { printf '%s\n' "$*" >&2; }

# --- wrk -----------------------------------------------------------------------------------
if ! command -v wrk >/dev/null; then
    SUDO=""
    if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; fi
    log "installing wrk"
    if ! $SUDO apt-get install -y -qq wrk >/dev/null 2>&1; then
        $SUDO apt-get update -qq
        $SUDO apt-get install -y -qq wrk >/dev/null
    fi
fi

# --- build ---------------------------------------------------------------------------------
log "building example_site and bench_baseline (release)"
(cd "$ROOT" && flock "${CARGO_LOCK:-/tmp/cargo.lock}" cargo build --release --quiet -p example_site -p bench_baseline)

# --- database and servers ------------------------------------------------------------------
WORK=$(mktemp -d "${TMPDIR:-/tmp}/actix-sea-bench.XXXXXX")
PIDS=()
cleanup() {
    for pid in "${PIDS[@]}"; do
        kill "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    rm -rf "$WORK"
}
trap cleanup EXIT

for addr in "$FRAMEWORK_ADDR" "$BASELINE_ADDR"; do
    if curl -s -o /dev/null --max-time 1 "http://$addr/"; then
        log "error: something already listens on $addr"
        exit 1
    fi
done

DB="sqlite://$WORK/bench.db?mode=rwc"
log "seeding $WORK/bench.db: 100 users, 10000 messages, user bench"
"$BIN/example_site" seed --users 100 --messages 10000 --database "$DB" >/dev/null 2>&1
"$BIN/example_site" create-user bench --password bench-password --database "$DB" >/dev/null
SECRET_KEY=$(head -c 64 /dev/urandom | od -An -tx1 | tr -d ' \n')
export SECRET_KEY

"$BIN/example_site" serve --bind "$FRAMEWORK_ADDR" --database "$DB" >"$WORK/framework.log" 2>&1 &
FRAMEWORK_PID=$!
PIDS+=("$FRAMEWORK_PID")
"$BIN/bench_baseline" --bind "$BASELINE_ADDR" --database "$DB" >"$WORK/baseline.log" 2>&1 &
BASELINE_PID=$!
PIDS+=("$BASELINE_PID")

wait_ready() { # name pid addr
    for _ in $(seq 100); do
        if curl -fs -o /dev/null "http://$3/api/message/?limit=1"; then return 0; fi
        if ! kill -0 "$2" 2>/dev/null; then
            log "error: $1 exited:"; cat "$WORK/$1.log" >&2; exit 1
        fi
        sleep 0.1
    done
    log "error: $1 did not answer on $3 within 10 s"; exit 1
}
wait_ready framework "$FRAMEWORK_PID" "$FRAMEWORK_ADDR"
wait_ready baseline "$BASELINE_PID" "$BASELINE_ADDR"

# --- same answers? -------------------------------------------------------------------------
same_json() { # file file key: prints "match" or "MISMATCH"
    python3 - "$@" <<'PY'
import json, sys
a, b = (json.load(open(path)) for path in sys.argv[1:3])
key = sys.argv[3]
if key != ".":
    a, b = a[key], b[key]
print("match" if json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True) else "MISMATCH")
PY
}
fetch() { curl -fsS -o "$WORK/$1.json" "http://$2$3"; }
fetch f-list "$FRAMEWORK_ADDR" "/api/message/"
fetch b-list "$BASELINE_ADDR" "/api/message/"
echo "list page 1 objects: $(same_json "$WORK/f-list.json" "$WORK/b-list.json" objects)"
for check in "meta=/api/message/?page=50" "meta=/api/message/?user__username=user3" ".=/api/message/5000/"; do
    key=${check%%=*} path=${check#*=}
    fetch f-check "$FRAMEWORK_ADDR" "$path"
    fetch b-check "$BASELINE_ADDR" "$path"
    echo "GET $path ${key/./body}: $(same_json "$WORK/f-check.json" "$WORK/b-check.json" "$key")"
done

AUTH="Basic $(printf 'bench:bench-password' | base64)"
BODY='{"content":"benchmark message","pub_date":"2024-01-01T00:00:00"}'
# One authenticated POST: checks that it is answered 201 and fills the server's 60-second
# credential cache, so that every POST run measures the cached path (a cold cache costs one
# argon2 verification per concurrent request until the first one is cached).
post_once() { # addr
    local status
    status=$(curl -s -o /dev/null -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
        -H "Authorization: $AUTH" --data "$BODY" "http://$1/api/message/")
    if [ "$status" != 201 ]; then log "error: POST to $1 answered $status, not 201"; exit 1; fi
}
post_once "$FRAMEWORK_ADDR"
post_once "$BASELINE_ADDR"
cat >"$WORK/post.lua" <<EOF
wrk.method = "POST"
wrk.body = '$BODY'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "$AUTH"
EOF

# --- load ----------------------------------------------------------------------------------
# name|path|wrk script; POST last so that the reads see the seeded data only.
ENDPOINTS=(
    "list page 1|/api/message/|"
    "list page 50|/api/message/?page=50|"
    "detail|/api/message/5000/|"
    "?user=3|/api/message/?user=3|"
    "?user__username=user3|/api/message/?user__username=user3|"
    "POST (basic auth)|/api/message/|$WORK/post.lua"
)

# Runs wrk once; prints "req/s p50 p99 non2xx errors cpu-us-per-request".
bench() { # addr path script pid
    local out="$WORK/wrk.out" before after
    if [ -n "$3" ]; then post_once "$1"; fi
    before=$(awk '{ print $14 + $15 }' "/proc/$4/stat")
    if [ -n "$3" ]; then
        wrk -t2 -c16 -d"${DURATION}s" --latency -s "$3" "http://$1$2" >"$out"
    else
        wrk -t2 -c16 -d"${DURATION}s" --latency "http://$1$2" >"$out"
    fi
    after=$(awk '{ print $14 + $15 }' "/proc/$4/stat")
    awk -v ticks=$((after - before)) -v hz="$(getconf CLK_TCK)" '
         /requests in/ { requests = $1 }
         /^Requests\/sec:/ { rps = $2 }
         $1 == "50%" { p50 = $2 }
         $1 == "99%" { p99 = $2 }
         /Non-2xx or 3xx responses:/ { bad = $NF }
         /Socket errors:/ { gsub(/,/, ""); errors = $4 + $6 + $8 + $10 }
         END { printf "%s %s %s %d %d %.0f\n", rps, p50, p99, bad, errors, (requests > 0 ? ticks * 1e6 / hz / requests : 0) }' "$out"
}
better() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a + 0 > b + 0) }'; }

ROWS=()
WARNINGS=()
for endpoint in "${ENDPOINTS[@]}"; do
    IFS='|' read -r name path script <<<"$endpoint"
    best_f="0 - - 0 0 0" best_b="0 - - 0 0 0"
    for round in $(seq "$ROUNDS"); do
        log "$name: round $round/$ROUNDS (framework, baseline; ${DURATION}s each)"
        result=$(bench "$FRAMEWORK_ADDR" "$path" "$script" "$FRAMEWORK_PID")
        if better "${result%% *}" "${best_f%% *}"; then best_f=$result; fi
        result=$(bench "$BASELINE_ADDR" "$path" "$script" "$BASELINE_PID")
        if better "${result%% *}" "${best_b%% *}"; then best_b=$result; fi
    done
    read -r f_rps f_p50 f_p99 f_bad f_err f_cpu <<<"$best_f"
    read -r b_rps b_p50 b_p99 b_bad b_err b_cpu <<<"$best_b"
    ratio=$(awk -v f="$f_rps" -v b="$b_rps" 'BEGIN { printf "%.2f", (b > 0 ? f / b : 0) }')
    ROWS+=("| $name | $f_rps | $b_rps | $ratio | $f_p50 / $f_p99 | $b_p50 / $b_p99 | $f_cpu | $b_cpu |")
    if [ "$f_bad" -gt 0 ] || [ "$f_err" -gt 0 ]; then WARNINGS+=("$name: framework had $f_bad non-2xx answers, $f_err socket errors"); fi
    if [ "$b_bad" -gt 0 ] || [ "$b_err" -gt 0 ]; then WARNINGS+=("$name: baseline had $b_bad non-2xx answers, $b_err socket errors"); fi
done

echo
echo "wrk -t2 -c16 -d${DURATION}s, best of $ROUNDS alternating rounds; $(nproc) CPUs; $(date -u +%Y-%m-%dT%H:%MZ)"
echo
echo "| endpoint | framework req/s | baseline req/s | ratio (framework/baseline) | framework p50/p99 | baseline p50/p99 | framework CPU µs/req | baseline CPU µs/req |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|"
printf '%s\n' "${ROWS[@]}"
for warning in "${WARNINGS[@]+"${WARNINGS[@]}"}"; do echo "warning: $warning"; done

echo
peak_rss() { awk '/^VmHWM:/ { printf "%d kB (%.1f MiB)", $2, $2 / 1024 }' "/proc/$1/status"; }
echo "framework peak RSS (VmHWM): $(peak_rss "$FRAMEWORK_PID")"
echo "baseline peak RSS (VmHWM): $(peak_rss "$BASELINE_PID")"
