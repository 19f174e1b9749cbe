#!/usr/bin/env bash
# Restarts PostgreSQL under light load against the release example_site and counts the
# answers: a restart should give 503s (with Retry-After) and no 500, and no write may be
# stored while its request was answered with an error.
#
#   bench/faults.sh                       # 3 restarts, 4 clients
#   RESTARTS=5 CLIENTS=8 bench/faults.sh
#
# Needs root (pg_ctlcluster), psql, curl and python3. It creates and drops its own database
# on the server of ACTIX_SEA_TEST_POSTGRES_URL (default postgres://postgres@127.0.0.1:5432/test)
# and starts the cluster again if it is left down.
set -euo pipefail

RESTARTS=${RESTARTS:-3}
CLIENTS=${CLIENTS:-4}
CLUSTER=${CLUSTER:-"15 main"}
SERVER=${ACTIX_SEA_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/test}
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BIN=${CARGO_TARGET_DIR:-$ROOT/target}/release
NAME=actix_sea_faults_$$
URL="${SERVER%/*}/$NAME"

log() { printf '%s\n' "$*" >&2; }

log "building example_site (release, under the global cargo lock)"
(cd "$ROOT" && flock /tmp/cargo.lock cargo build --release --quiet -p example_site)

WORK=$(mktemp -d "${TMPDIR:-/tmp}/actix-sea-faults.XXXXXX")
SERVER_PID=""
cleanup() {
    if [ -n "$SERVER_PID" ]; then
        kill "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
    fi
    # shellcheck disable=SC2086
    pg_ctlcluster $CLUSTER status >/dev/null 2>&1 || pg_ctlcluster $CLUSTER start
    psql -q "$SERVER" -c "DROP DATABASE IF EXISTS $NAME WITH (FORCE)" >/dev/null 2>&1 || true
    rm -rf "$WORK"
}
trap cleanup EXIT

psql -q "$SERVER" -c "CREATE DATABASE $NAME" >/dev/null
"$BIN/example_site" seed --users 20 --messages 500 --database "$URL" >/dev/null 2>&1
"$BIN/example_site" create-user bench --password bench-password --database "$URL" >/dev/null
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
SECRET_KEY=$(head -c 64 /dev/urandom | od -An -tx1 | tr -d ' \n') \
    "$BIN/example_site" serve --bind "127.0.0.1:$PORT" --database "$URL" >"$WORK/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 100); do
    if curl -fs -o /dev/null "http://127.0.0.1:$PORT/public/"; then break; fi
    sleep 0.1
done

log "load: $CLIENTS clients; $RESTARTS PostgreSQL restarts, 6 s apart"
python3 - "$PORT" "$CLIENTS" "$WORK/posts.txt" >"$WORK/counts.txt" <<'PY' &
import base64, collections, json, sys, threading, time, urllib.request, urllib.error
port, clients, posts_file = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
base = f"http://127.0.0.1:{port}"
auth = "Basic " + base64.b64encode(b"bench:bench-password").decode()
stop = threading.Event()
counts = collections.Counter()
missing_retry_after = collections.Counter()
posts, lock = [], threading.Lock()
def call(method, path, body=None, headers=()):
    request = urllib.request.Request(base + path, data=body, method=method, headers=dict(headers))
    try:
        with urllib.request.urlopen(request, timeout=30) as r:
            r.read(); return r.status, r.headers
    except urllib.error.HTTPError as e:
        e.read(); return e.code, e.headers
    except Exception as e:
        return type(e).__name__, {}
def client(n):
    i = 0
    while not stop.is_set():
        i += 1
        kind = ("public", "login", "api-list", "api-post")[i % 4]
        if kind == "public":
            status, headers = call("GET", "/public/", headers=[("Accept", "text/html")])
        elif kind == "login":
            status, headers = call("GET", "/accounts/login/", headers=[("Accept", "text/html")])
        elif kind == "api-list":
            status, headers = call("GET", "/api/message/?limit=5")
        else:
            content = f"faults {n}-{i}"
            body = json.dumps({"content": content, "pub_date": "2026-01-01T00:00:00"}).encode()
            status, headers = call("POST", "/api/message/", body,
                                   [("Content-Type", "application/json"), ("Authorization", auth)])
            with lock:
                posts.append((content, status))
        counts[(kind, status)] += 1
        if status == 503 and not headers.get("Retry-After"):
            missing_retry_after[kind] += 1
        time.sleep(0.02)
threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
for t in threads: t.start()
while True:
    try:
        open(posts_file + ".stop").close(); break
    except FileNotFoundError:
        time.sleep(0.1)
stop.set()
for t in threads: t.join()
with open(posts_file, "w") as f:
    for content, status in posts: f.write(f"{status}\t{content}\n")
for (kind, status), n in sorted(counts.items(), key=str):
    print(f"{kind}\t{status}\t{n}")
for kind, n in missing_retry_after.items():
    print(f"{kind}\t503-without-Retry-After\t{n}")
PY
LOAD_PID=$!
sleep 3
for n in $(seq "$RESTARTS"); do
    log "restart $n"
    # shellcheck disable=SC2086
    pg_ctlcluster $CLUSTER restart -m fast
    sleep 6
done
touch "$WORK/posts.txt.stop"
wait "$LOAD_PID"

stored=$(psql -qAt "$URL" -c "SELECT content FROM message WHERE content LIKE 'faults %'" | sort)
created=$(awk -F'\t' '$1 == 201 {print $2}' "$WORK/posts.txt" | sort)
failed=$(awk -F'\t' '$1 != 201 {print $2}' "$WORK/posts.txt" | sort)
lost=$(comm -23 <(printf '%s\n' "$created" | sed '/^$/d') <(printf '%s\n' "$stored" | sed '/^$/d') | wc -l)
stored_on_error=$(comm -12 <(printf '%s\n' "$failed" | sed '/^$/d') <(printf '%s\n' "$stored" | sed '/^$/d') | wc -l)

echo "| request | status | count |"
echo "|---|---|---|"
awk -F'\t' '{printf "| %s | %s | %s |\n", $1, $2, $3}' "$WORK/counts.txt"
echo
echo "5xx other than 503: $(awk -F'\t' '$2 ~ /^5/ && $2 != 503 {n += $3} END {print n + 0}' "$WORK/counts.txt")"
echo "acknowledged writes lost: $lost"
echo "writes stored while their request got an error: $stored_on_error"
echo "server log lines at ERROR: $(grep -c ' ERROR ' "$WORK/server.log" || true)"
