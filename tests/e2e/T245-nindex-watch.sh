#!/usr/bin/env bash
# T245: nindex --watch keeps an index up to date as files change (inotify).
# After the first pass, while it runs: a new file, a file in a new nested
# folder, a changed file, a removed file, a folder moved to a hidden name
# (its files leave the index), an --exclude'd file (never indexed) are each
# seen by nsearch within the wait below; the index folder inside the watched
# tree causes no endless re-indexing; SIGTERM ends the run with status 0 and
# the summary; usage errors for --watch with '-' or without a folder.
# Waits poll the index (up to 30 s each), so a slow machine is slower, not red.
set -euo pipefail

. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
e2e_init T245 NINDEX NSEARCH

docs=$tmp/docs
idx=$docs/idx # inside the watched folder on purpose
mkdir -p "$docs/sub"
echo "alpha quokka first" >"$docs/a.txt"

"$NINDEX" -d "$idx" --watch --exclude '*.tmp' "$docs" >"$tmp/watch.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true' EXIT

# until QUERY has hits (want=1) or has none (want=0)
wait_for() { # wait_for WANT QUERY
    local want=$1 q=$2 i rc
    for ((i = 0; i < 300; i++)); do
        rc=0
        "$NSEARCH" -d "$idx" --json -- "$q" >"$tmp/out" 2>/dev/null || rc=$?
        if ((want == 1 && rc == 0)) || ((want == 0 && rc == 1)); then
            return 0
        fi
        kill -0 $pid 2>/dev/null || fail "nindex --watch exited: $(cat "$tmp/watch.log")"
        sleep 0.1
    done
    fail "'$q' should $( ((want)) && echo match || echo 'not match') by now: $(cat "$tmp/watch.log")"
}

wait_for 1 quokka # the first pass
grep -q "watching" "$tmp/watch.log" || sleep 1

echo "brandnew zebra" >"$docs/sub/b.txt"
mkdir -p "$docs/new/deeper"
echo "giraffe in depth" >"$docs/new/deeper/c.txt"
echo "excluded okapi" >"$docs/x.tmp"
wait_for 1 zebra
wait_for 1 giraffe
grep -qF "\"id\":\"$docs/new/deeper/c.txt\"" "$tmp/out" || fail "giraffe: not c.txt: $(cat "$tmp/out")"

echo "changed to wombat" >"$docs/sub/b.txt"
rm "$docs/a.txt"
mv "$docs/new" "$docs/.hidden"
wait_for 1 wombat
wait_for 0 zebra
wait_for 0 quokka
wait_for 0 giraffe
wait_for 0 okapi

# settled: the commits into idx/ (inside the tree) must not trigger batches
n1=$(grep -c "watch " "$tmp/watch.log" || true)
sleep 2
n2=$(grep -c "watch " "$tmp/watch.log" || true)
[[ $n1 == "$n2" ]] || fail "batches go on with nothing changing ($n1 then $n2): $(cat "$tmp/watch.log")"

kill -TERM $pid
rc=0
wait $pid || rc=$?
trap - EXIT
[[ $rc == 0 ]] || fail "nindex --watch after SIGTERM exited $rc: $(cat "$tmp/watch.log")"
grep -q "added" "$tmp/watch.log" || fail "no summary after SIGTERM: $(cat "$tmp/watch.log")"
"$NINDEX" -d "$idx" --check >/dev/null || fail "index not sound after the watch"

ni -d "$tmp/idx2" --watch --id=x -
expect_rc 2 "--watch with -"
err_has "--watch needs folders"
echo "T245: ok"
