#!/usr/bin/env bash
# T310-xapian-shards: nindex --shards and nsearch over local and remote shards.
# A sharded index is a folder of shard databases and a Xapian stub (XAPIANDB)
# that Xapian's tools open as one database; re-indexing finds every document
# in its shard. Each shard is then served by xapian-tcpsrv on 127.0.0.1
# (ephemeral ports, another one on a collision): through a stub of remote
# shards, nsearch ranks exactly as with one database of the same documents
# (on these 40 queries: equal scores rank in Xapian's docid order, which may
# differ between one database and shards; docs/xapian.md, "Queries").
# A server killed in the middle of a batch makes the next query fail naming
# the shard; --allow-partial searches the others and warns. Every server is
# stopped when the script ends, whichever way it ends.
set -euo pipefail

. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
e2e_init T310 NINDEX NSEARCH NS_SHARED_DIR
servers=() # process ids (each leads its own process group)
# SIGTERM, then SIGKILL to each group: a connection's child can outlive its server.
stop_servers() {
    local pid
    for pid in "${servers[@]}"; do
        kill -TERM -- "-$pid" 2>/dev/null || true
    done
    sleep 0.2
    for pid in "${servers[@]}"; do
        kill -KILL -- "-$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
}
e2e_on_exit+=(stop_servers)

corpus=$NS_SHARED_DIR/corpora/cranfield
ni --backend=xapian -d "$tmp/one" "$corpus/docs.jsonl"
if [ "$rc" -ne 0 ] && grep -q "without the Xapian backend" "$tmp/err"; then
    echo "T310 skipped: built without Xapian"
    exit 0
fi
expect_rc 0 "one database"
total=$(grep -o '[0-9]* added' "$tmp/err" | cut -d' ' -f1)

# --- three local shards -------------------------------------------------------------
sh=$tmp/sharded
ni --backend=xapian --shards=3 -d "$sh" "$corpus/docs.jsonl"
expect_rc 0 "--shards=3"
summary "$total added, 0 updated, 0 unchanged, 0 deleted, 0 skipped"
grep -qx "auto shard-0" "$sh/XAPIANDB" && grep -qx "auto shard-2" "$sh/XAPIANDB" ||
    fail "the stub does not list the shards"
ni -d "$sh" "$corpus/docs.jsonl"
summary "0 added, 0 updated, $total unchanged, 0 deleted, 0 skipped"
ni -d "$sh" --stats
grep -qE "^documents +$total\$" "$tmp/out" || fail "--stats on the shards"
grep -qE '^segments +3$' "$tmp/out" || fail "--stats does not count 3 shards"
ni --backend=xapian --shards=4 -d "$sh" "$corpus/docs.jsonl"
expect_rc 2 "another shard count"
err_has "has 3 shards, not 4"
if command -v xapian-delve >/dev/null; then
    xapian-delve "$sh" >"$tmp/out" 2>"$tmp/err" || fail "xapian-delve on the stub folder"
    grep -qx "number of documents = $total" "$tmp/out" || fail "xapian-delve: not $total documents"
    sum=0
    for i in 0 1 2; do
        xapian-check "$sh/shard-$i" >"$tmp/out" 2>&1 || fail "xapian-check shard-$i"
        n=$(xapian-delve "$sh/shard-$i" | sed -n 's/^number of documents = //p')
        [ "$n" -gt 0 ] || fail "shard-$i is empty"
        sum=$((sum + n))
    done
    [ "$sum" -eq "$total" ] || fail "the shards hold $sum documents, not $total"
fi

# the local stub ranks as the one database does
head -n 40 "$corpus/queries.tsv" >"$tmp/queries.tsv"
"$NSEARCH" -d "$tmp/one" --queries "$tmp/queries.tsv" --trec t -n 10 >"$tmp/one.trec"
[ -s "$tmp/one.trec" ] || fail "no results from the one database"
ns -d "$sh" --queries "$tmp/queries.tsv" --trec t -n 10
expect_rc 0 "the local shards"
cmp -s "$tmp/one.trec" "$tmp/out" || fail "local shards rank differently from one database"

# --- the same shards, served by xapian-tcpsrv ------------------------------------------
if ! command -v xapian-tcpsrv >/dev/null; then
    echo "T310: xapian-tcpsrv not installed, remote shards not tested"
    echo "T310 ok"
    exit 0
fi
free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
listening() { python3 - "$1" <<'PY'
import socket, sys
try:
    socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=1).close()
except OSError:
    sys.exit(1)
PY
}
ports=()
serve() { # serve DIR: one xapian-tcpsrv in its own process group, on a free port
    local dir=$1 port pid tries waited
    for tries in 1 2 3 4 5 6 7 8; do
        port=$(free_port)
        setsid xapian-tcpsrv --interface 127.0.0.1 --port "$port" --quiet "$dir" \
            >"$tmp/srv.$port.log" 2>&1 </dev/null &
        pid=$!
        servers+=("$pid")
        for waited in $(seq 50); do
            kill -0 "$pid" 2>/dev/null || break # the port was taken: another one
            if listening "$port"; then
                ports+=("$port")
                return 0
            fi
            sleep 0.1
        done
        kill -TERM -- "-$pid" 2>/dev/null || true
    done
    fail "xapian-tcpsrv could not serve $dir"
}
for i in 0 1 2; do serve "$sh/shard-$i"; done
stub=$tmp/remote.stub
printf 'remote 127.0.0.1:%s\n' "${ports[@]}" >"$stub"

ns -d "$stub" --queries "$tmp/queries.tsv" --trec t -n 10
expect_rc 0 "the remote shards"
cmp -s "$tmp/one.trec" "$tmp/out" || fail "remote shards rank differently from one database"
ns -d "$stub" --json "boundary layer"
expect_rc 0 "--json through remote shards"
grep -q '"snippet":' "$tmp/out" || fail "no snippet from a remote shard"

# --- a server dies in the middle of a batch ------------------------------------------------
mkfifo "$tmp/fifo"
# line-buffered, so that the first query's results show before the second
stdbuf -oL "$NSEARCH" -d "$stub" --queries - --trec t -n 3 <"$tmp/fifo" >"$tmp/batch.out" \
    2>"$tmp/batch.err" &
searcher=$!
exec 7>"$tmp/fifo"
printf 'first\tboundary layer\n' >&7
for waited in $(seq 100); do
    grep -q '^first ' "$tmp/batch.out" && break
    sleep 0.1
done
grep -q '^first ' "$tmp/batch.out" || fail "the first query of the batch did not run"
dead=${ports[1]}
kill -KILL -- "-${servers[1]}"
wait "${servers[1]}" 2>/dev/null || true
printf 'second\tboundary layer\n' >&7
exec 7>&-
rc=0
wait "$searcher" || rc=$?
cp "$tmp/batch.err" "$tmp/err"
expect_rc 2 "a batch that lost a shard"
err_has "query second: shard 127.0.0.1:$dead unreachable"
err_has "partial"
grep -q '^second ' "$tmp/batch.out" && fail "the second query printed results"

ns -d "$stub" "boundary layer"
expect_rc 2 "a stub with a dead shard"
err_has "shard 127.0.0.1:$dead unreachable"
err_has "--allow-partial"
ns -d "$stub" --allow-partial --trec t -n 10 "boundary layer"
expect_rc 0 "--allow-partial"
err_has "warning: shard 127.0.0.1:$dead unreachable"
err_has "results are partial"
[ -s "$tmp/out" ] || fail "--allow-partial found nothing"

echo "T310 ok"
