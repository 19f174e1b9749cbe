#!/usr/bin/env bash
# The hot path against the shared hand-written ceiling (issue 18): example_site and
# `bench-ceiling` (a plain actix-web + SeaORM server, /work/shared/bench-ceiling), each on its
# own SQLite database with 100 users and 10,000 messages, loaded alternately in one run.
#
#   bench/run.sh --ceiling
#   CEILING_SRC=/path/to/bench-ceiling DURATION=10 ROUNDS=3 bench/ceiling.sh
#   SQLITE_SYNC=full bench/ceiling.sh     # the example at sqlx's FULL (the ceiling stays NORMAL)
#
# The ceiling is copied (its folder is read-only) and built in release mode into this
# workspace's target directory, under `flock $CARGO_LOCK` like every cargo command here, and
# served as its README says (`--workers 2 --pool 10 --blocking 1`). Both run SQLite in WAL
# mode with `synchronous=NORMAL` unless SQLITE_SYNC says otherwise. Each endpoint is loaded
# with `wrk -t2 -c32 -d${DURATION}s`, example then ceiling, ROUNDS times; the best round of
# each is kept, with the server's CPU time per request in that round. The ceiling lists newest
# first, so the example is asked for `ordering=-id` (the same rows). Authenticated POST: the
# example's Basic auth with its credential cache against the ceiling's cached
# `POST /api/message/fast/`. Prints a Markdown table and both servers' peak RSS.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CEILING_SRC=${CEILING_SRC:-/work/shared/bench-ceiling}
DURATION=${DURATION:-10}
ROUNDS=${ROUNDS:-3}
CARGO_LOCK=${CARGO_LOCK:-/tmp/cargo.lock}
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
export SQLITE_SYNC=${SQLITE_SYNC:-normal}

log() { printf '%s\n' "$*" >&2; }

if ! command -v wrk >/dev/null; then
    SUDO=""
    if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; fi
    log "installing wrk"
    $SUDO apt-get install -y -qq wrk >/dev/null 2>&1 ||
        { $SUDO apt-get update -qq && $SUDO apt-get install -y -qq wrk >/dev/null; }
fi

WORK=$(mktemp -d "${TMPDIR:-/tmp}/actix-sea-ceiling.XXXXXX")
PIDS=()
cleanup() {
    for pid in "${PIDS[@]+"${PIDS[@]}"}"; do
        kill "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    rm -rf "$WORK"
}
trap cleanup EXIT

log "building example_site and the ceiling (release)"
(cd "$ROOT" && flock "$CARGO_LOCK" cargo build --release --quiet -p example_site)
cp -r "$CEILING_SRC" "$WORK/ceiling-src"
(cd "$WORK/ceiling-src" && CARGO_TARGET_DIR=$TARGET flock "$CARGO_LOCK" cargo build --release --quiet)
EXAMPLE_SITE=$TARGET/release/example_site
CEILING=$TARGET/release/ceiling

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
FRAMEWORK_ADDR=127.0.0.1:$(free_port)
CEILING_ADDR=127.0.0.1:$(free_port)

DB="sqlite://$WORK/example.db?mode=rwc"
"$EXAMPLE_SITE" seed --users 100 --messages 10000 --database "$DB" >/dev/null 2>&1
"$EXAMPLE_SITE" create-user bench --password bench-password --database "$DB" >/dev/null
"$CEILING" seed --users 100 --messages 10000 --db "$WORK/ceiling.db" >/dev/null 2>&1

SECRET_KEY=$(head -c 64 /dev/urandom | od -An -tx1 | tr -d ' \n') \
    "$EXAMPLE_SITE" serve --bind "$FRAMEWORK_ADDR" --database "$DB" >"$WORK/framework.log" 2>&1 &
FRAMEWORK_PID=$!
PIDS+=("$FRAMEWORK_PID")
"$CEILING" serve --bind "$CEILING_ADDR" --db "$WORK/ceiling.db" --workers 2 --pool 10 --blocking 1 \
    >"$WORK/ceiling.log" 2>&1 &
CEILING_PID=$!
PIDS+=("$CEILING_PID")
for addr in "$FRAMEWORK_ADDR" "$CEILING_ADDR"; do
    for _ in $(seq 100); do
        curl -fs -o /dev/null --max-time 1 "http://$addr/api/message/1/" && break
        sleep 0.1
    done
done

BODY='{"content":"benchmark message","pub_date":"2024-01-01T00:00:00"}'
post_script() { # file user:password
    cat >"$1" <<EOF
wrk.method = "POST"
wrk.body = '$BODY'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Basic $(printf '%s' "$2" | base64)"
EOF
}
post_script "$WORK/f-post.lua" bench:bench-password
post_script "$WORK/c-post.lua" user0001:password
post_once() { # url user:password
    local status
    status=$(curl -s -o /dev/null -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
        -u "$2" --data "$BODY" "$1")
    if [ "$status" != 201 ] && [ "$status" != 200 ]; then log "error: POST $1 answered $status"; exit 1; fi
}

# name|example path|ceiling path|example script|ceiling script
ENDPOINTS=(
    "list page 1|/api/message/?ordering=-id|/api/message/||"
    "list page 50|/api/message/?ordering=-id&page=50|/api/message/?page=50||"
    "detail|/api/message/5000/|/api/message/5000/||"
    "?user=3|/api/message/?user=3&ordering=-id|/api/message/?user=3||"
    "POST (basic auth, cached)|/api/message/|/api/message/fast/|$WORK/f-post.lua|$WORK/c-post.lua"
)

# Runs wrk once; prints "req/s p50 p99 non2xx cpu-us-per-request".
bench() { # url script pid
    local out="$WORK/wrk.out" before after
    before=$(awk '{ print $14 + $15 }' "/proc/$3/stat")
    if [ -n "$2" ]; then
        wrk -t2 -c32 -d"${DURATION}s" --latency -s "$2" "$1" >"$out"
    else
        wrk -t2 -c32 -d"${DURATION}s" --latency "$1" >"$out"
    fi
    after=$(awk '{ print $14 + $15 }' "/proc/$3/stat")
    awk -v ticks=$((after - before)) -v hz="$(getconf CLK_TCK)" '
         /requests in/ { requests = $1 }
         /^Requests\/sec:/ { rps = $2 }
         $1 == "50%" { p50 = $2 }
         $1 == "99%" { p99 = $2 }
         /Non-2xx or 3xx responses:/ { bad = $NF }
         END { printf "%s %s %s %d %.0f\n", rps, p50, p99, bad, (requests > 0 ? ticks * 1e6 / hz / requests : 0) }' "$out"
}
better() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a + 0 > b + 0) }'; }

ROWS=()
for endpoint in "${ENDPOINTS[@]}"; do
    IFS='|' read -r name f_path c_path f_script c_script <<<"$endpoint"
    if [ -n "$f_script" ]; then
        post_once "http://$FRAMEWORK_ADDR$f_path" bench:bench-password
        post_once "http://$CEILING_ADDR$c_path" user0001:password
    fi
    best_f="0 - - 0 0" best_c="0 - - 0 0"
    for round in $(seq "$ROUNDS"); do
        log "$name: round $round/$ROUNDS"
        result=$(bench "http://$FRAMEWORK_ADDR$f_path" "$f_script" "$FRAMEWORK_PID")
        if better "${result%% *}" "${best_f%% *}"; then best_f=$result; fi
        result=$(bench "http://$CEILING_ADDR$c_path" "$c_script" "$CEILING_PID")
        if better "${result%% *}" "${best_c%% *}"; then best_c=$result; fi
    done
    read -r f_rps f_p50 f_p99 f_bad f_cpu <<<"$best_f"
    read -r c_rps c_p50 c_p99 c_bad c_cpu <<<"$best_c"
    ratios=$(awk -v f="$f_rps" -v c="$c_rps" -v fc="$f_cpu" -v cc="$c_cpu" \
        'BEGIN { printf "%.2f | %.2f", (c > 0 ? f / c : 0), (fc > 0 ? cc / fc : 0) }')
    ROWS+=("| $name | $f_rps | $c_rps | $ratios | $f_cpu | $c_cpu | $f_p50 / $f_p99 | $c_p50 / $c_p99 | $f_bad / $c_bad |")
done

echo
echo "wrk -t2 -c32 -d${DURATION}s, best of $ROUNDS alternating rounds; example SQLITE_SYNC=$SQLITE_SYNC, ceiling NORMAL; $(nproc) CPUs; $(date -u +%Y-%m-%dT%H:%MZ)"
echo
echo "| endpoint | example req/s | ceiling req/s | req/s ratio (example/ceiling) | CPU ratio (ceiling/example per request) | example CPU µs/req | ceiling CPU µs/req | example p50/p99 | ceiling p50/p99 | non-2xx (example / ceiling) |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
printf '%s\n' "${ROWS[@]}"
echo
peak_rss() { awk '/^VmHWM:/ { printf "%.1f MiB", $2 / 1024 }' "/proc/$1/status"; }
echo "peak RSS (VmHWM): example $(peak_rss "$FRAMEWORK_PID"), ceiling $(peak_rss "$CEILING_PID")"
