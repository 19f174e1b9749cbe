#!/usr/bin/env bash
# Cost per page as the table grows (issue 18): the same requests on 10,000 and 1,000,000
# messages, one client, the median of sequential requests, with the ratio between sizes.
#
#   bench/run.sh --scale                      # SQLite (and PostgreSQL when its URL is set)
#   SIZES="10000 200000" bench/scale.sh       # other sizes (first = the reference)
#   REPEAT=31 bench/scale.sh                  # requests per URL (default 21)
#   EXAMPLE_SITE=/path/to/example_site bench/scale.sh
#
# For each backend (SQLite always; PostgreSQL when ACTIX_SEA_TEST_POSTGRES_URL is set, in a
# database created for the run and dropped at exit) and each size: seeds 100 users and the
# messages, serves them, logs in an admin and times each request REPEAT times. Prints a
# Markdown table per backend, the full CSV export (the median of 3: time and per-row cost, and
# on SQLite `sqlite3 -csv` dumping the same table, the median of 3 too), and the server's peak
# RSS (VmHWM). Builds the release example_site under `flock $CARGO_LOCK` (default
# /tmp/cargo.lock). Needs curl and python3.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SIZES=${SIZES:-"10000 1000000"}
REPEAT=${REPEAT:-21}
CARGO_LOCK=${CARGO_LOCK:-/tmp/cargo.lock}
PG_SERVER=${ACTIX_SEA_TEST_POSTGRES_URL:-}

log() { printf '%s\n' "$*" >&2; }

if [ -z "${EXAMPLE_SITE:-}" ]; then
    log "building example_site (release)"
    (cd "$ROOT" && flock "$CARGO_LOCK" cargo build --release --quiet -p example_site)
    EXAMPLE_SITE=${CARGO_TARGET_DIR:-$ROOT/target}/release/example_site
fi

WORK=$(mktemp -d "${TMPDIR:-/tmp}/actix-sea-scale.XXXXXX")
SERVER=""
PG_NAMES=()
stop_server() {
    if [ -n "$SERVER" ]; then
        kill "$SERVER" 2>/dev/null || true
        wait "$SERVER" 2>/dev/null || true
        SERVER=""
    fi
}
cleanup() {
    stop_server
    for name in "${PG_NAMES[@]+"${PG_NAMES[@]}"}"; do
        psql -q "$PG_SERVER" -c "DROP DATABASE IF EXISTS $name WITH (FORCE)" >/dev/null 2>&1 || true
    done
    rm -rf "$WORK"
}
trap cleanup EXIT

# Times the requests against one running server; prints "key seconds" lines.
measure() { # url size
    python3 - "$1" "$2" "$REPEAT" <<'PY'
import http.cookiejar, re, statistics, sys, time, urllib.parse, urllib.request
base, size, repeat = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
jar = http.cookiejar.CookieJar()
opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
def get(path):
    with opener.open(base + path, timeout=600) as reply:
        body = reply.read()
        if reply.status != 200:
            sys.exit(f"{path}: {reply.status}")
        return body
login = get("/accounts/login/").decode()
token = re.search(r'name="csrf_token" value="([^"]+)"', login).group(1)
form = urllib.parse.urlencode({"csrf_token": token, "username": "bench", "password": "bench-password"})
opener.open(base + "/accounts/login/", data=form.encode(), timeout=60).read()
def median(path):
    get(path)
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        get(path)
        times.append(time.perf_counter() - started)
    return statistics.median(times)
import json
# A cursor as deep as 2,000 pages of 20 (or half the table when it is smaller).
depth = min(2000, size // 40)
url = "/api/message/?cursor="
for _ in range(depth):
    url = json.loads(get(url))["meta"]["next"]
deep_cursor = url
rows = {
    "api_page1": "/api/message/",
    "api_middle": f"/api/message/?page={size // 40}",
    "cursor_first": "/api/message/?cursor=",
    "cursor_deep": deep_cursor,
    "dashboard": "/admin/",
    "admin_list": "/admin/message/",
    "admin_search": "/admin/message/?q=zzzz",
    "api_contains": "/api/message/?content__contains=zzzz",
    "api_icontains": "/api/message/?content__icontains=zzzz",
}
for key, path in rows.items():
    print(key, median(path))
print("cursor_depth", depth)
def export():
    started = time.perf_counter()
    get("/admin/message/export/?format=csv")
    return time.perf_counter() - started
print("export", statistics.median(export() for _ in range(3)))
PY
}

run_backend() { # backend
    local backend=$1 size db port url
    declare -A RESULT=()
    local peak=0
    for size in $SIZES; do
        case "$backend" in
        sqlite) db="sqlite://$WORK/scale-$size.db?mode=rwc" ;;
        postgres)
            local name=actix_sea_scale_$$_$size
            PG_NAMES+=("$name")
            psql -q "$PG_SERVER" -c "CREATE DATABASE $name" >/dev/null
            db="${PG_SERVER%/*}/$name"
            ;;
        esac
        log "$backend: seeding 100 users and $size messages"
        "$EXAMPLE_SITE" seed --users 100 --messages "$size" --database "$db" >/dev/null 2>&1
        "$EXAMPLE_SITE" create-user bench --password bench-password --admin --database "$db" >/dev/null
        if [ "$backend" = postgres ]; then
            # What autovacuum does soon after a bulk load, done before timing rather than
            # during it: the statistics (without them the planner guesses, e.g. a sequential
            # scan for the dashboard panel's date range), the vacuum and the checkpoint, which
            # otherwise compete with the server for the two cores and the disk while the
            # requests are timed.
            psql -q "$db" -c "VACUUM ANALYZE" >/dev/null
            # CHECKPOINT needs a superuser or pg_checkpoint; without either, skip it.
            psql -q "$db" -c "CHECKPOINT" >/dev/null 2>&1 || log "postgres: no CHECKPOINT (needs pg_checkpoint)"
        fi
        port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
        url="http://127.0.0.1:$port"
        SECRET_KEY=$(head -c 64 /dev/urandom | od -An -tx1 | tr -d ' \n') \
            "$EXAMPLE_SITE" serve --bind "127.0.0.1:$port" --database "$db" >"$WORK/server.log" 2>&1 &
        SERVER=$!
        for _ in $(seq 100); do
            curl -fs -o /dev/null --max-time 1 "$url/api/message/1/" && break
            sleep 0.1
        done
        log "$backend: timing $REPEAT requests per URL on $size messages"
        while read -r key seconds; do
            RESULT[$key.$size]=$seconds
        done < <(measure "$url" "$size")
        local hwm
        hwm=$(awk '/^VmHWM:/ { print $2 }' "/proc/$SERVER/status")
        if [ "$hwm" -gt "$peak" ]; then peak=$hwm; fi
        stop_server
        if [ "$backend" = sqlite ]; then
            RESULT[sqlite3.$size]=$(python3 - "$WORK/scale-$size.db" <<'PY'
import statistics, subprocess, sys, time
def dump():
    started = time.perf_counter()
    subprocess.run(["sqlite3", "-csv", sys.argv[1], "SELECT * FROM message"],
                   stdout=subprocess.DEVNULL, check=True)
    return time.perf_counter() - started
print(statistics.median(dump() for _ in range(3)))
PY
)
        fi
    done
    local sizes=($SIZES) small large
    small=${sizes[0]} large=${sizes[-1]}
    echo
    echo "### $backend: $small vs $large messages (median of $REPEAT sequential requests, one client)"
    echo
    echo "| request | $small | $large | ratio |"
    echo "|---|---:|---:|---:|"
    row() { # label key
        python3 -c "
a, b = $2, $3
print(f'| $1 | {a * 1000:.2f} ms | {b * 1000:.2f} ms | {b / a:.2f}x |')"
    }
    row "\`/api/message/\` page 1" "${RESULT[api_page1.$small]}" "${RESULT[api_page1.$large]}"
    row "\`/api/message/?page=<middle>\` (OFFSET)" "${RESULT[api_middle.$small]}" "${RESULT[api_middle.$large]}"
    row "\`/api/message/?cursor=\` first page" "${RESULT[cursor_first.$small]}" "${RESULT[cursor_first.$large]}"
    row "cursor page ${RESULT[cursor_depth.$small]} / ${RESULT[cursor_depth.$large]} deep" "${RESULT[cursor_deep.$small]}" "${RESULT[cursor_deep.$large]}"
    row "\`/admin/\` dashboard" "${RESULT[dashboard.$small]}" "${RESULT[dashboard.$large]}"
    row "\`/admin/message/\` page 1" "${RESULT[admin_list.$small]}" "${RESULT[admin_list.$large]}"
    row "\`/admin/message/?q=zzzz\` (search)" "${RESULT[admin_search.$small]}" "${RESULT[admin_search.$large]}"
    row "\`/api/message/?content__contains=zzzz\`" "${RESULT[api_contains.$small]}" "${RESULT[api_contains.$large]}"
    row "\`/api/message/?content__icontains=zzzz\`" "${RESULT[api_icontains.$small]}" "${RESULT[api_icontains.$large]}"
    echo
    python3 - "$small" "$large" "${RESULT[export.$small]}" "${RESULT[export.$large]}" \
        "${RESULT[admin_search.$large]}" "${RESULT[api_contains.$large]}" "${RESULT[api_icontains.$large]}" \
        "${RESULT[cursor_deep.$large]}" "${RESULT[cursor_first.$large]}" \
        "${RESULT[sqlite3.$small]:-}" "${RESULT[sqlite3.$large]:-}" <<'PY'
import sys
small, large = int(sys.argv[1]), int(sys.argv[2])
es, el, search, contains, icontains, deep, first = map(float, sys.argv[3:10])
print(f"- CSV export of all messages: {es:.2f} s at {small}, {el:.2f} s at {large}; per-row cost "
      f"{el / large * 1e6:.2f} µs vs {es / small * 1e6:.2f} µs ({el / large / (es / small):.2f}x)")
if sys.argv[10]:
    ss, sl = float(sys.argv[10]), float(sys.argv[11])
    print(f"- `sqlite3 -csv` of the same table: {ss:.2f} s / {sl:.2f} s; export / sqlite3 at {large}: {el / sl:.2f}x")
print(f"- at {large}: admin search / API `content__contains` = {search / contains:.2f}x, "
      f"/ API `content__icontains` = {search / icontains:.2f}x; "
      f"deep cursor page / first cursor page = {deep / first:.2f}x")
PY
    echo "- server peak RSS (VmHWM, largest over the sizes): $((peak / 1024)) MiB"
}

run_backend sqlite
if [ -n "$PG_SERVER" ]; then
    run_backend postgres
fi
