#!/usr/bin/env bash
# Memory of the example site under bursts of concurrent logins (issue 11, item 3).
#
#   bench/login_burst.sh                        # builds the release example_site, then measures
#   EXAMPLE_SITE=/path/to/example_site bench/login_burst.sh   # measures a given binary
#   BURSTS="40 100 100 100" bench/login_burst.sh              # burst sizes (default)
#
# Starts `example_site serve` on a free port over a fresh SQLite database in a temporary
# directory (removed at exit, as is the server), seeds 100 users, then fires each burst: N
# logins with the right password at once, each user from its own loopback address
# (127.0.B.I, so the login throttle never refuses one and every login costs an argon2
# verification). After each burst, and 5 s after the last, it prints the server's VmRSS
# and VmHWM from /proc.
# Needs curl and python3; builds under `flock $CARGO_LOCK` (default /tmp/cargo.lock) when
# flock is available.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BURSTS=${BURSTS:-"40 100 100 100"}
CARGO_LOCK=${CARGO_LOCK:-/tmp/cargo.lock}

log() { printf '%s\n' "$*" >&2; }

if [ -z "${EXAMPLE_SITE:-}" ]; then
    log "building example_site (release)"
    if command -v flock >/dev/null; then
        (cd "$ROOT" && flock "$CARGO_LOCK" cargo build --release --quiet -p example_site)
    else
        (cd "$ROOT" && cargo build --release --quiet -p example_site)
    fi
    EXAMPLE_SITE=${CARGO_TARGET_DIR:-$ROOT/target}/release/example_site
fi

WORK=$(mktemp -d "${TMPDIR:-/tmp}/actix-sea-login-burst.XXXXXX")
SERVER=""
cleanup() {
    if [ -n "$SERVER" ]; then
        kill "$SERVER" 2>/dev/null || true
        wait "$SERVER" 2>/dev/null || true
    fi
    rm -rf "$WORK"
}
trap cleanup EXIT

PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
URL="http://127.0.0.1:$PORT"
DB="sqlite://$WORK/burst.db?mode=rwc"
"$EXAMPLE_SITE" seed --users 100 --messages 1 --database "$DB" >/dev/null 2>&1
SECRET_KEY=$(head -c 64 /dev/urandom | od -An -tx1 | tr -d ' \n')
SECRET_KEY=$SECRET_KEY "$EXAMPLE_SITE" serve --bind "127.0.0.1:$PORT" --database "$DB" \
    >"$WORK/server.log" 2>&1 &
SERVER=$!
for _ in $(seq 100); do
    curl -s -o /dev/null --max-time 1 "$URL/accounts/login/" && break
    sleep 0.1
done

memory() {
    awk '/^VmRSS|^VmHWM/ { printf "%s %d MiB  ", $1, $2 / 1024 }' "/proc/$SERVER/status"
}

log "example_site: $EXAMPLE_SITE"
printf 'start: %s\n' "$(memory)"
burst_number=0
for size in $BURSTS; do
    burst_number=$((burst_number + 1))
    # Each client gets its own session and CSRF token first, so the burst is only the POSTs.
    for i in $(seq "$size"); do
        jar="$WORK/jar.$i"
        rm -f "$jar"
        curl -s --interface "127.0.$burst_number.$i" -c "$jar" -b "$jar" "$URL/accounts/login/" |
            grep -o 'name="csrf_token" value="[^"]*"' | head -1 | cut -d'"' -f4 >"$WORK/token.$i"
    done
    clients=()
    for i in $(seq "$size"); do
        curl -s -o /dev/null -w '%{http_code}\n' --interface "127.0.$burst_number.$i" \
            -b "$WORK/jar.$i" --data-urlencode "csrf_token=$(cat "$WORK/token.$i")" \
            --data-urlencode "username=user$i" --data-urlencode "password=password" \
            "$URL/accounts/login/" >"$WORK/status.$i" &
        clients+=($!)
    done
    wait "${clients[@]}" || true
    sleep 1
    statuses=$(cat "$WORK"/status.* | sort | uniq -c | awk '{ printf "%s x %s, ", $1, $2 }')
    rm -f "$WORK"/status.*
    printf 'burst %d of %d logins (%s): %s\n' "$burst_number" "$size" "${statuses%, }" "$(memory)"
done
sleep 5
printf '5 s after the last burst: %s\n' "$(memory)"
