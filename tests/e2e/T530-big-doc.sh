#!/usr/bin/env bash
# T530-big-doc: one 200 MB document of real text (the BBC bodies repeated,
# generated here, never committed) with a marker word at the very start of
# its body (right after the title line), its middle and its very end.
# nindex must take it whole: exit 0, 1 added; each marker is found, with a
# snippet around it, and phrases at both ends match (so neither the stored
# text nor the positions were cut short or wrapped);
# `nindex --check --full` passes. Then a real text file one byte over
# NS_MAX_DOC_BYTES (256 MiB), indexed in one run with three small documents,
# and the same size again on standard input: each is refused with a message
# naming it and counted as skipped ("too large"), the exit status stays 0 (as
# nindex --help documents), and the index keeps the big document and gains
# the small ones. Peak memory is measured with /usr/bin/time when present and
# only bounded loosely (NS_BIG_RSS_MB, default 4096).
# Label "big": run by the gcc test phase, not under the sanitizers.
set -euo pipefail

. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
e2e_init T530 NINDEX NSEARCH NS_SHARED_DIR NS_SOURCE_DIR

limit=$((256 * 1024 * 1024)) # NS_MAX_DOC_BYTES
grep -q 'NS_MAX_DOC_BYTES (256u << 20)' "$NS_SOURCE_DIR/include/nsearch.h" ||
    fail "NS_MAX_DOC_BYTES changed: update this test"
max_rss_mb=${NS_BIG_RSS_MB:-4096}

timed=()
[ -x /usr/bin/time ] && timed=(/usr/bin/time -f 'T530-rss %M %e' -o "$tmp/time")
measure() { # measure WHAT: reports (and bounds) the peak RSS of the last timed run
    [ -s "$tmp/time" ] || { echo "T530: $1: (no /usr/bin/time: peak memory not measured)"; return; }
    local kb secs
    read -r _ kb secs < <(grep '^T530-rss' "$tmp/time")
    echo "T530: $1: ${secs} s, peak RSS $((kb / 1024)) MB"
    [ $((kb / 1024)) -lt "$max_rss_mb" ] || fail "$1: peak RSS $((kb / 1024)) MB >= $max_rss_mb MB"
}

idx() { # idx ARGS...: runs nindex on the test index; sets rc
    rc=0
    "${timed[@]}" "$NINDEX" --progress=never -d "$tmp/idx" "$@" >"$tmp/out" 2>"$tmp/err" || rc=$?
}

search() { # search QUERY: exactly the big document, with the marker in the snippet
    rc=0
    "$NSEARCH" --json -d "$tmp/idx" "$1" >"$tmp/out" 2>"$tmp/err" || rc=$?
    [ "$rc" -eq 0 ] || fail "search $1: exit $rc"
    python3 - "$tmp/out" "$tmp/docs/big.txt" "$2" <<'EOF' || fail "search $1"
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8")]
hits, summary = lines[:-1], lines[-1]
assert summary["total"] == 1 and len(hits) == 1, f"expected 1 hit: {lines}"
assert hits[0]["id"] == sys.argv[2], f"wrong document: {hits[0]['id']}"
assert sys.argv[3] in hits[0].get("snippet", ""), f"no '{sys.argv[3]}' in the snippet: {hits[0]}"
EOF
}

# ---- the 200 MB document
mkdir "$tmp/docs"
python3 - "$NS_SHARED_DIR/corpora/bbc_news/docs.jsonl" >"$tmp/bodies.txt" <<'EOF'
import json, sys
for line in open(sys.argv[1], encoding="utf-8"):
    print(json.loads(line)["body"])
EOF
half=$((100000000 / $(stat -c %s "$tmp/bodies.txt")))
{
    echo "A very large document" # the title: snippets start after it
    echo "zqbegmark opens the body"
    for _ in $(seq "$half"); do cat "$tmp/bodies.txt"; done
    echo "zqmidmark"
    for _ in $(seq "$half"); do cat "$tmp/bodies.txt"; done
    printf 'closing words zqendmark'
} >"$tmp/docs/big.txt"
size=$(stat -c %s "$tmp/docs/big.txt")
[ "$size" -gt 190000000 ] && [ "$size" -lt "$limit" ] || fail "generated $size bytes"
echo "T530: big.txt is $size bytes"

idx "$tmp/docs"
[ "$rc" -eq 0 ] || fail "indexing the 200 MB document: exit $rc"
grep -q "nindex: 1 added, 0 updated, 0 unchanged, 0 deleted, 0 skipped" "$tmp/err" ||
    fail "the summary does not count 1 document added"
# a limit met on the way (positions, stored text) must be reported; none is
# expected at this size, and everything below checks nothing was cut
! grep -v "^nindex: 1 added" "$tmp/err" | grep -q . || fail "unexpected messages"
measure "indexing 200 MB"

search zqbegmark zqbegmark
search zqmidmark zqmidmark
search zqendmark zqendmark
search '"zqbegmark opens the body"' zqbegmark
search '"closing words zqendmark"' zqendmark # positions at the very end

idx --check --full
[ "$rc" -eq 0 ] || fail "nindex --check --full after the big document: exit $rc"
grep -q "1 documents (1 live).*postings match the stored text" "$tmp/out" "$tmp/err" ||
    fail "nindex --check --full: unexpected report"
measure "check --full"

# ---- one byte over NS_MAX_DOC_BYTES, in a run with other documents
rm "$tmp/docs/big.txt" # keep the disk use down; the index has it
mkdir "$tmp/docs2"
{
    echo "zqovermark over the limit"
    while cat "$tmp/bodies.txt"; do :; done # ends when head has enough
} 2>/dev/null | head -c $((limit + 1)) >"$tmp/docs2/over.txt" || true
[ "$(stat -c %s "$tmp/docs2/over.txt")" -eq $((limit + 1)) ] || fail "over.txt has the wrong size"
python3 - "$NS_SHARED_DIR/corpora/bbc_news/docs.jsonl" "$tmp/docs2" <<'EOF'
import json, sys
src, out = sys.argv[1:3]
for i, line in zip(range(3), open(src, encoding="utf-8")):
    d = json.loads(line)
    with open(f"{out}/small{i}.txt", "w", encoding="utf-8") as f:
        f.write(f"{d['title']}\nzqsmall{'abc'[i]}mark {d['body']}\n")
EOF

idx "$tmp/docs2"
[ "$rc" -eq 0 ] || fail "a run with a file over the limit: exit $rc (nindex --help: skipping a too large file is not a failure)"
grep -q "over.txt: skipped: larger than 256 MiB" "$tmp/err" || fail "no message naming over.txt"
grep -q "nindex: 3 added, 0 updated, 0 unchanged, 0 deleted, 1 skipped (1 too large)" "$tmp/err" ||
    fail "the summary does not count 3 added, 1 skipped as too large"

# the same size on standard input, where no size is known in advance
rc=0
head -c $((limit + 1)) "$tmp/docs2/over.txt" |
    "$NINDEX" --progress=never -d "$tmp/idx" --id=stdin-over - >"$tmp/out" 2>"$tmp/err" || rc=$?
[ "$rc" -eq 0 ] || fail "over the limit on standard input: exit $rc"
grep -q "^nindex: -: skipped: larger than 256 MiB" "$tmp/err" || fail "no message for standard input"
grep -q "0 added, .* 1 skipped (1 too large)" "$tmp/err" || fail "stdin: the summary does not count 1 skipped"

idx --check
[ "$rc" -eq 0 ] || fail "nindex --check after refusing the oversized documents: exit $rc"
idx --list-ids
sort "$tmp/out" >"$tmp/ids"
printf '%s\n' "$tmp/docs/big.txt" "$tmp/docs2/small0.txt" "$tmp/docs2/small1.txt" \
    "$tmp/docs2/small2.txt" | sort | cmp -s - "$tmp/ids" || fail "live ids: $(cat "$tmp/ids")"
for w in zqsmallamark zqsmallbmark zqsmallcmark; do
    rc=0
    "$NSEARCH" --json -d "$tmp/idx" "$w" >"$tmp/out" 2>"$tmp/err" || rc=$?
    [ "$rc" -eq 0 ] && [ "$(grep -c '"rank"' "$tmp/out")" -eq 1 ] || fail "search $w: exit $rc"
done
search zqendmark zqendmark
rc=0
"$NSEARCH" -d "$tmp/idx" zqovermark >"$tmp/out" 2>"$tmp/err" || rc=$?
[ "$rc" -eq 1 ] || fail "the refused document is searchable (exit $rc)"

echo "T530-big-doc: ok"
