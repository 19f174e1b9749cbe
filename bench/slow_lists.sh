#!/usr/bin/env bash
# Detail latency while slow list requests run (issue 11: "a slow statement is cut off by the
# statement limit so cheap requests keep their latency; goal: detail p99 under 100 ms while
# 16 slow lists run").
#
#   bench/slow_lists.sh                               # SQLite, 200k messages, 16 slow clients
#   BACKEND=postgres bench/slow_lists.sh              # a fresh PostgreSQL database
#   EXAMPLE_SITE=/path/to/example_site bench/slow_lists.sh   # measures a given binary
#   SLOW=64 MESSAGES=50000 DURATION=20 bench/slow_lists.sh
#
# Seeds 100 users and MESSAGES messages, serves them on a free port, measures
# `GET /api/message/1/` with `wrk -t1 -c4 --latency` for DURATION seconds alone, then again
# while SLOW anonymous clients loop over the slowest list request the default limits allow (20
# filters `content__icontains=` of 256 characters that match the seeded text for a while
# before they fail). Prints detail p50/p99 both times and the slow requests' statuses and
# durations. SQLite lives in a temporary directory; PostgreSQL in a database created on the
# server of ACTIX_SEA_TEST_POSTGRES_URL (default postgres://postgres@127.0.0.1:5432/test) and
# dropped at exit. Needs curl, python3 and wrk (installed with apt-get when missing); builds
# under `flock $CARGO_LOCK` (default /tmp/cargo.lock) when flock is available.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BACKEND=${BACKEND:-sqlite}
MESSAGES=${MESSAGES:-200000}
SLOW=${SLOW:-16}
DURATION=${DURATION:-15}
CARGO_LOCK=${CARGO_LOCK:-/tmp/cargo.lock}
PG_SERVER=${ACTIX_SEA_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/test}

log() { printf '%s\n' "$*" >&2; }

if ! command -v wrk >/dev/null; then
    SUDO=""
    if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; fi
    log "installing wrk"
    $SUDO apt-get install -y -qq wrk >/dev/null 2>&1 ||
        { $SUDO apt-get update -qq && $SUDO apt-get install -y -qq wrk >/dev/null; }
fi

if [ -z "${EXAMPLE_SITE:-}" ]; then
    log "building example_site (release)"
    if command -v flock >/dev/null; then
        (cd "$ROOT" && flock "$CARGO_LOCK" cargo build --release --quiet -p example_site)
    else
        (cd "$ROOT" && cargo build --release --quiet -p example_site)
    fi
    EXAMPLE_SITE=${CARGO_TARGET_DIR:-$ROOT/target}/release/example_site
fi

WORK=$(mktemp -d "${TMPDIR:-/tmp}/actix-sea-slow-lists.XXXXXX")
SERVER=""
PG_NAME=""
cleanup() {
    if [ -n "$SERVER" ]; then
        kill "$SERVER" 2>/dev/null || true
        wait "$SERVER" 2>/dev/null || true
    fi
    if [ -n "$PG_NAME" ]; then
        psql -q "$PG_SERVER" -c "DROP DATABASE IF EXISTS $PG_NAME WITH (FORCE)" >/dev/null 2>&1 || true
    fi
    rm -rf "$WORK"
}
trap cleanup EXIT

case "$BACKEND" in
sqlite) DB="sqlite://$WORK/slow.db?mode=rwc" ;;
postgres)
    PG_NAME=actix_sea_slow_$$
    psql -q "$PG_SERVER" -c "CREATE DATABASE $PG_NAME" >/dev/null
    DB="${PG_SERVER%/*}/$PG_NAME"
    ;;
*) log "BACKEND is sqlite or postgres"; exit 2 ;;
esac

log "example_site: $EXAMPLE_SITE; $BACKEND, seeding 100 users and $MESSAGES messages"
started=$(date +%s.%N)
"$EXAMPLE_SITE" seed --users 100 --messages "$MESSAGES" --database "$DB" >/dev/null 2>&1
log "seeded in $(python3 -c "print(f'{$(date +%s.%N) - $started:.1f}')") s"

PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
URL="http://127.0.0.1:$PORT"
SECRET_KEY=$(head -c 64 /dev/urandom | od -An -tx1 | tr -d ' \n') \
    "$EXAMPLE_SITE" serve --bind "127.0.0.1:$PORT" --database "$DB" >"$WORK/server.log" 2>&1 &
SERVER=$!
for _ in $(seq 100); do
    curl -fs -o /dev/null --max-time 1 "$URL/api/message/1/" && break
    sleep 0.1
done

# Twenty 256-character windows of the seeded words: each LIKE matches for a while at many
# places of every row before it fails, the most work the default limits let one request ask.
SLOW_PATH="/api/message/?$(python3 -c '
import urllib.parse
text = "coffee sea " * 30
print("&".join("content__icontains=" + urllib.parse.quote(text[i:i + 256]) for i in range(20)))')"
single=$(curl -s -o /dev/null -w '%{http_code} in %{time_total} s' "$URL$SLOW_PATH")
log "one slow list alone: $single"

detail() { # label
    wrk -t1 -c4 -d"${DURATION}s" --latency "$URL/api/message/1/" >"$WORK/wrk.txt"
    local p50 p99 count other
    p50=$(awk '$1 == "50%" {print $2}' "$WORK/wrk.txt")
    p99=$(awk '$1 == "99%" {print $2}' "$WORK/wrk.txt")
    count=$(awk '/requests in/ {print $1}' "$WORK/wrk.txt")
    other=$(awk '/Non-2xx/ {print $NF}' "$WORK/wrk.txt")
    printf '| %s | %s | %s | %s | %s |\n' "$1" "$p50" "$p99" "$count" "${other:-0}"
}

echo "| detail \`GET /api/message/1/\` (wrk -t1 -c4 -d${DURATION}s) | p50 | p99 | requests | non-2xx |"
echo "|---|---:|---:|---:|---:|"
detail "alone"

python3 - "$URL$SLOW_PATH" "$SLOW" "$WORK/stop" >"$WORK/slow.txt" <<'PY' &
import collections, os, sys, threading, time, urllib.error, urllib.request
url, clients, stop_file = sys.argv[1], int(sys.argv[2]), sys.argv[3]
counts, durations, lock = collections.Counter(), [], threading.Lock()
def client():
    while not os.path.exists(stop_file):
        started = time.monotonic()
        try:
            with urllib.request.urlopen(url, timeout=120) as reply:
                reply.read(); status = reply.status
        except urllib.error.HTTPError as error:
            error.read(); status = error.code
        except Exception as error:
            status = type(error).__name__
        with lock:
            counts[status] += 1
            durations.append(time.monotonic() - started)
threads = [threading.Thread(target=client) for _ in range(clients)]
for thread in threads: thread.start()
for thread in threads: thread.join()
durations.sort()
statuses = ", ".join(f"{n} x {status}" for status, n in sorted(counts.items(), key=str))
print(f"{sum(counts.values())} slow requests ({statuses}); duration p50 "
      f"{durations[len(durations) // 2]:.2f} s, max {durations[-1]:.2f} s")
PY
SLOW_CLIENTS=$!
sleep 3
detail "while $SLOW slow lists run"
touch "$WORK/stop"
wait "$SLOW_CLIENTS"
echo
echo "slow list: \`GET /api/message/?content__icontains=<256 chars>\` x 20; alone: $single"
echo "during the measure and until the clients stopped: $(cat "$WORK/slow.txt")"
echo "server log lines at ERROR: $(grep -c ' ERROR ' "$WORK/server.log" || true)"
