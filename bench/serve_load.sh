#!/usr/bin/env bash
# serve_load.sh — load test of nsearch serve on loopback with wrk.
#
#   bench/serve_load.sh [-d INDEX] [-t SECONDS] [-c CONNECTIONS] [-w WRK_THREADS]
#                       [-s SERVER_THREADS] [-b BUILD_DIR]
#
# Without -d, indexes the Reuters-21578 corpus from the shared corpora
# ($NS_SHARED_DIR, default ../shared) into a temporary folder. Starts
# `nsearch serve --quiet` on 127.0.0.1 with a free port, runs wrk for a fixed
# time (default 10 s, 4 connections, 2 wrk threads) against /search with the
# query mix of bench/serve_queries.lua, and prints QPS, latency percentiles
# (p50, p90, p99) and the count of non-2xx answers. Traffic stays on this
# machine; the server is stopped on exit. Not a test: it always exits 0 unless
# something could not run (non-2xx answers are reported, and make it exit 1).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=$root/build
shared=${NS_SHARED_DIR:-$(cd "$root/.." && pwd)/shared}
index="" seconds=10 conns=4 wrk_threads=2 srv_threads=4

while getopts "d:t:c:w:s:b:h" opt; do
    case $opt in
    d) index=$OPTARG ;;
    t) seconds=$OPTARG ;;
    c) conns=$OPTARG ;;
    w) wrk_threads=$OPTARG ;;
    s) srv_threads=$OPTARG ;;
    b) build=$OPTARG ;;
    h) sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) exit 2 ;;
    esac
done

command -v wrk >/dev/null || { echo "serve_load: wrk is not installed (apt-get install wrk)" >&2; exit 2; }
nsearch=$build/searcher/nsearch
nindex=$build/indexer/nindex
[ -x "$nsearch" ] || { echo "serve_load: no $nsearch (build first)" >&2; exit 2; }

tmp=$(mktemp -d)
server=""
cleanup() {
    [ -n "$server" ] && kill -TERM "$server" 2>/dev/null && wait "$server" 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT

if [ -z "$index" ]; then
    corpus=$shared/corpora/reuters21578/docs.jsonl.gz
    [ -r "$corpus" ] || { echo "serve_load: no $corpus (give -d INDEX)" >&2; exit 2; }
    index=$tmp/idx
    echo "indexing $(basename "$(dirname "$corpus")")..."
    start=$EPOCHREALTIME
    "$nindex" -d "$index" "$corpus" >"$tmp/nindex.log" 2>&1 ||
        { cat "$tmp/nindex.log" >&2; exit 2; }
    awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { printf "indexed in %.1f s\n", b - a }'
fi

"$nsearch" serve -d "$index" --listen 127.0.0.1:0 --port-file "$tmp/port" --quiet \
    --threads "$srv_threads" --max-per-client $((conns + 8)) 2>"$tmp/serve.log" &
server=$!
for _ in $(seq 100); do
    [ -s "$tmp/port" ] && break
    sleep 0.05
done
[ -s "$tmp/port" ] || { cat "$tmp/serve.log" >&2; exit 2; }
head -1 "$tmp/serve.log"
url="http://127.0.0.1:$(cat "$tmp/port")"
curl -sf -o /dev/null "$url/health" || { echo "serve_load: server not answering" >&2; exit 2; }

echo "wrk: ${seconds}s, $conns connections, $wrk_threads threads, server threads $srv_threads"
wrk -t "$wrk_threads" -c "$conns" -d "${seconds}s" --latency \
    -s "$root/bench/serve_queries.lua" "$url" | tee "$tmp/wrk.out"
bad=$(sed -n 's/^non-2xx *//p' "$tmp/wrk.out")
[ "${bad:-1}" = "0" ] || { echo "serve_load: $bad answers were not 2xx" >&2; exit 1; }
