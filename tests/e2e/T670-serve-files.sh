#!/usr/bin/env bash
# T670-serve-files: nsearch serve survives its index's files changing under it
# and follows an index rebuilt or swapped in at its path
# (docs/reliability.md, "Files changed under a reader").
#  (a) a segment cut in half in place: the server stays up, searches answer
#      503 index_corrupt naming the file, /health says degraded; the file
#      restored in place: ok again, the same answers;
#  (b) 200 kB of a segment zeroed in place: 503 and degraded (the checksums
#      at the refresh), never a 500 or "ok"; restored: ok;
#  (c) rm -rf idx && nindex -d idx with other documents: served within the
#      refresh interval, logged with the path and both generations;
#  (d) another index moved over idx with a lower generation: the same.
# BBC News articles (../shared/corpora/bbc_news), a few hundred per index so
# that a segment is several hundred KiB. Bounded: about 5 s (each wait at most 5 s).
set -euo pipefail

. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
e2e_init T670 NINDEX NSEARCH NS_SHARED_DIR

bbc="$NS_SHARED_DIR/corpora/bbc_news/docs.jsonl"
sed -n '1,400p' "$bbc" >"$tmp/a.jsonl"      # the first index
sed -n '1001,1300p' "$bbc" >"$tmp/b.jsonl"  # (c) rebuilt with these
sed -n '2001,2100p' "$bbc" >"$tmp/c.jsonl"  # (d) moved over with these
id_of() { "$py" -c 'import json,sys; print(json.loads(open(sys.argv[1]).readline())["id"])' "$1"; }
id_a=$(id_of "$tmp/a.jsonl")
id_b=$(id_of "$tmp/b.jsonl")
id_c=$(id_of "$tmp/c.jsonl")
[ "$id_a" != "$id_b" ] && [ "$id_b" != "$id_c" ] || fail "corpus ids are not distinct"

ni -d "$tmp/idx" --commit-every=100 --optimize "$tmp/a.jsonl"
expect_rc 0 "indexing the first set"
seg=$(ls "$tmp"/idx/seg-*.nss)
[ "$(wc -w <<<"$seg")" -eq 1 ] || fail "expected one segment after --optimize: $seg"
segname=$(basename "$seg")
size=$(stat -c %s "$seg")
[ "$size" -gt 400000 ] || fail "segment is only $size bytes"
cp "$seg" "$tmp/seg.good"

start_server files -d "$tmp/idx"
req "$base/health"
json_check 'd["status"] == "ok" and d["documents"] == 400'
gen_a=$("$py" -c 'import json,sys; print(json.load(open(sys.argv[1]))["generation"])' "$tmp/body")
[ "$gen_a" -ge 5 ] || fail "first index has generation $gen_a"
req "$base/search?q=the&n=50"
expect_code 200 "search on the intact index"
cp "$tmp/body" "$tmp/intact.json"

# wait_for JSON_CHECK URL: polls URL (every 50 ms, at most 5 s) until the
# check holds; prints the seconds it took.
wait_for() {
    local start=$EPOCHREALTIME
    for _ in $(seq 100); do
        req "$2"
        if "$py" -c "import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if ($1) else 1)" \
            "$tmp/body" 2>/dev/null; then
            "$py" -c "print(round($EPOCHREALTIME - $start, 2))"
            return 0
        fi
        sleep 0.05
    done
    fail "never saw $1 at $2"
}
alive() { kill -0 "$srv_pid" 2>/dev/null || fail "the server died: $1"; }
# the search answers 503 index_corrupt naming the segment file
expect_damaged() {
    req "$base/search?q=the&n=50"
    expect_code 503 "search on a damaged segment ($1)"
    json_check "d['error'] == 'index_corrupt' and '$segname' in d['message']"
    [ "$(header Retry-After)" = 1 ] || fail "no Retry-After on the 503"
}
# restores the segment in place (cp onto the file keeps its inode) and waits
# until the same answers come back
restore() {
    cp "$tmp/seg.good" "$seg"
    wait_for 'd["status"] == "ok" and "reason" not in d' "$base/health" >/dev/null
    req "$base/search?q=the&n=50"
    expect_code 200 "search after restoring the segment ($1)"
    "$py" - "$tmp/intact.json" "$tmp/body" <<'EOF' || fail "answers differ after restoring ($1)"
import json, sys
a, b = (json.load(open(f)) for f in sys.argv[1:3])
for d in (a, b):
    d.pop("elapsed_us")
sys.exit(0 if a == b else 1)
EOF
}

# --- (a) the segment cut in half ----------------------------------------------
truncate -s $((size / 2)) "$seg"
# at once: before the next refresh the guard answers, after it the refresh
expect_damaged "right after the cut"
alive "search right after the cut"
took=$(wait_for "d['status'] == 'degraded' and '$segname' in d['reason']" "$base/health")
echo "(a) cut: /health degraded after ${took}s"
expect_damaged "cut"
req "$base/doc/$id_a"
expect_code 503 "/doc on a cut segment"
alive "searches on the cut segment"
restore "cut"
grep -q "files of generation $gen_a changed on disk; loaded and verified it again" "$srv_log" ||
    fail "reloading not logged"

# --- (b) 200 kB zeroed in place ---------------------------------------------------
dd if=/dev/zero of="$seg" bs=1000 seek=$((size / 4000)) count=200 conv=notrunc status=none
took=$(wait_for "d['status'] == 'degraded' and '$segname' in d['reason']" "$base/health")
echo "(b) zeroed: /health degraded after ${took}s"
json_check '"checksum mismatch" in d["reason"]'
expect_damaged "zeroed"
alive "searches on the zeroed segment"
restore "zeroed"
grep -Eq "^[0-9TZ:-]+ 127\.0\.0\.1 GET /search\?q=the&n=50 500 " "$srv_log" &&
    fail "a search answered 500"

# --- (c) rm -rf and a rebuild with other documents -----------------------------
rm -rf "$tmp/idx"
ni -d "$tmp/idx" --commit-every=50 "$tmp/b.jsonl"
expect_rc 0 "rebuilding"
# the run's last commit (its end merges its segments: one more generation)
gen_built=$("$NINDEX" --stats -d "$tmp/idx" | awk '$1 == "generation" { print $2 }')
took=$(wait_for "d['documents'] == 300 and d['status'] == 'ok' and d['generation'] == $gen_built" "$base/health")
echo "(c) rebuilt index served after ${took}s"
"$py" -c "import sys; sys.exit(0 if $took < 3 else 1)" || fail "took ${took}s"
gen_b=$("$py" -c 'import json,sys; print(json.load(open(sys.argv[1]))["generation"])' "$tmp/body")
req "$base/doc/$id_b"
expect_code 200 "/doc of a rebuilt index's document"
req "$base/doc/$id_a"
expect_code 404 "/doc of a document of the deleted index"
# the server may pick up one of the rebuild's first commits, then the last
grep -Eq "^nsearch serve: $tmp/idx was replaced by another index: now serving its generation [0-9]+ \([0-9]+ documents\) instead of generation $gen_a\$" \
    "$srv_log" || fail "the replacement is not logged"

# --- (d) another index moved over idx, with a lower generation -----------------
ni -d "$tmp/new" "$tmp/c.jsonl"
expect_rc 0 "indexing the swapped-in set"
[ "$("$NINDEX" --stats -d "$tmp/new" | awk '$1 == "generation" { print $2 }')" -lt "$gen_built" ] ||
    fail "the swapped-in index's generation is not lower"
mv "$tmp/idx" "$tmp/idx.old"
mv "$tmp/new" "$tmp/idx"
took=$(wait_for 'd["documents"] == 100 and d["status"] == "ok"' "$base/health")
echo "(d) swapped-in index served after ${took}s"
"$py" -c "import sys; sys.exit(0 if $took < 3 else 1)" || fail "took ${took}s"
json_check "d['generation'] < $gen_b"
gen_c=$("$py" -c 'import json,sys; print(json.load(open(sys.argv[1]))["generation"])' "$tmp/body")
req "$base/doc/$id_c"
expect_code 200 "/doc of the swapped-in index's document"
req "$base/doc/$id_b"
expect_code 404 "/doc of a document of the index moved away"
grep -qF "nsearch serve: $tmp/idx was replaced by another index: now serving its generation $gen_c (100 documents) instead of generation $gen_b" \
    "$srv_log" || fail "the swap is not logged"

stop_server
echo "T670 ok"
