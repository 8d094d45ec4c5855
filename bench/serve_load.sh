#!/usr/bin/env bash
# Load test of the HTTP API: `gongfu serve --demo` on loopback, then wrk with
# 64 connections for 10 s against each of the main read endpoints with a
# viewer token. Reports requests/s, the latency percentiles (p50, p99) and the
# server's peak RSS (VmHWM). Results: docs/performance.md, "The HTTP API
# under load".
#
#   bench/serve_load.sh                 # builds target/release/gongfu if needed
#   DURATION=30s CONNECTIONS=128 bench/serve_load.sh
#   GONGFU_BIN=/path/to/gongfu bench/serve_load.sh
#
# Needs wrk (Debian package `wrk`; installed here when missing and running as
# root). Only loopback is contacted; every run is bounded by DURATION.
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION=${DURATION:-10s}
CONNECTIONS=${CONNECTIONS:-64}
THREADS=${THREADS:-2}
PORT=${PORT:-18080}
BIN=${GONGFU_BIN:-${CARGO_TARGET_DIR:-target}/release/gongfu}

if ! command -v wrk >/dev/null; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null
    else
        echo "serve_load: wrk is needed (apt-get install wrk)" >&2
        exit 1
    fi
fi
if [ -z "${GONGFU_BIN:-}" ]; then
    cargo build --release -p gongfu >&2
fi

work=$(mktemp -d)
server=
cleanup() {
    if [ -n "$server" ] && kill -0 "$server" 2>/dev/null; then
        kill -TERM "$server" 2>/dev/null || true
        wait "$server" 2>/dev/null || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT

"$BIN" serve --demo --bind "127.0.0.1:$PORT" >"$work/out" 2>"$work/err" &
server=$!
for _ in $(seq 1 600); do
    grep -q '#token=' "$work/out" 2>/dev/null && break
    kill -0 "$server" 2>/dev/null || { cat "$work/err" >&2; exit 1; }
    sleep 0.5
done
url=$(grep -m1 '#token=' "$work/out") || { echo "serve_load: no URL from gongfu serve" >&2; cat "$work/err" >&2; exit 1; }
token=${url#*#token=}
base="http://127.0.0.1:$PORT"
rss_start=$(awk '/VmRSS/ {print $2}' "/proc/$server/status")

endpoints=(
    "/api/v1/releases"
    "/api/v1/releases/latest/values?indicator=income_pc&scope=county"
    "/api/v1/releases/latest/progress"
    "/api/v1/releases/latest/index"
)

echo "gongfu serve --demo on $base; wrk -t$THREADS -c$CONNECTIONS -d$DURATION --latency; $(nproc) CPUs"
echo
printf '| %-66s | %10s | %8s | %8s | %9s |\n' "endpoint" "requests/s" "p50" "p99" "bytes"
printf '|%s|%s|%s|%s|%s|\n' "$(printf -- '-%.0s' {1..68})" "------------" "----------" "----------" "-----------"
for path in "${endpoints[@]}"; do
    # warm the caches, and check the endpoint answers 200
    code=$(curl -s -o "$work/body" -w '%{http_code}' -H "Authorization: Bearer $token" "$base$path" 2>/dev/null || echo 000)
    if [ "$code" != 200 ]; then
        echo "serve_load: $path answered $code" >&2
        exit 1
    fi
    bytes=$(wc -c <"$work/body")
    wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency \
        -H "Authorization: Bearer $token" "$base$path" >"$work/wrk" 2>&1
    if grep -q 'Non-2xx' "$work/wrk"; then
        echo "serve_load: errors under load on $path" >&2
        cat "$work/wrk" >&2
        exit 1
    fi
    rps=$(awk '/Requests\/sec/ {print $2}' "$work/wrk")
    p50=$(awk '$1 == "50%" {print $2}' "$work/wrk")
    p99=$(awk '$1 == "99%" {print $2}' "$work/wrk")
    printf '| %-66s | %10.0f | %8s | %8s | %9s |\n' "\`$path\`" "$rps" "$p50" "$p99" "$bytes"
done
rss_end=$(awk '/VmRSS/ {print $2}' "/proc/$server/status")
peak=$(awk '/VmHWM/ {print $2}' "/proc/$server/status")
echo
echo "server RSS: $((rss_start / 1024)) MiB after start, $((rss_end / 1024)) MiB after the load;" \
    "peak $((peak / 1024)) MiB (VmHWM, including the demo computation at start)"
