#!/usr/bin/env bash
# T255-nindex-jobs: the same input gives the same index to search for any
# -j. BBC + Reuters (JSON lines, typed fields) and a folder of files (the
# repository's docs/ and samples/) are indexed with -j 1, 2 and 4, with a
# small --ram-budget and --commit-every so that every run writes many
# batches, commits and merges them; a set of queries (words, phrases,
# prefixes, fields, sorting, facets, duplicates) must print byte for byte the
# same `nsearch --json` output (timing keys aside): ids, scores, order,
# snippets, highlights. The same holds with --no-merge (the run's segments
# stay as the batches made them) for a run that replaces nothing: replaced
# documents count in the statistics until a merge drops them, and which
# merges ran depends on how the run was cut, so there only the merged index
# (nindex's default) is the same for any -j. Ids that occur two and three times in the
# input, in batches far apart, resolve as in input order: the last record
# wins, and the earlier ones' words find nothing. `nindex --check --full`
# passes on every merged index (--check on the others).
set -euo pipefail

. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
e2e_init T255 NINDEX NSEARCH NS_SHARED_DIR NS_SOURCE_DIR

bbc=$NS_SHARED_DIR/corpora/bbc_news/docs.jsonl
reuters=$NS_SHARED_DIR/corpora/reuters21578/docs.jsonl.gz
[ -r "$bbc" ] && [ -r "$reuters" ] || fail "corpora missing under $NS_SHARED_DIR"

# Records whose id comes again later: BBC's first 300 records again at the
# end with a new body (marker word), and its first 20 a third time.
python3 - "$bbc" "$tmp/again.jsonl" <<'EOF'
import json, sys
src, out = sys.argv[1:3]
recs = [json.loads(l) for _, l in zip(range(300), open(src, encoding="utf-8"))]
with open(out, "w", encoding="utf-8") as f:
    for r in recs:
        r2 = dict(r, body="secondcopyzq " + r["body"][:400])
        f.write(json.dumps(r2) + "\n")
    for r in recs[:20]:
        r3 = dict(r, body="thirdcopyzq " + r["body"][:200])
        f.write(json.dumps(r3) + "\n")
EOF

queries=(
    'oil prices' '"crude oil"' 'econom*' 'market OR shares -bank' 'gold NEAR/5 price'
    'topics:crude opec' 'film award' 'secondcopyzq' 'thirdcopyzq' 'nsearch index'
    'storm harbour' 'govern* tax' 'date:1987-03 wheat'
)
run_queries() {
    local idx=$1 out=$2 q
    : >"$out"
    for q in "${queries[@]}"; do
        "$NSEARCH" -d "$idx" --json -n 30 "$q" >>"$out" 2>&1 || echo "rc=$? for $q" >>"$out"
    done
    "$NSEARCH" -d "$idx" --json -n 20 --sort date:desc --facet topics 'trade' >>"$out" 2>&1
    "$NSEARCH" -d "$idx" --json -n 20 --dedup 'company' >>"$out" 2>&1
    # timing keys differ from run to run
    sed -E -i 's/"(elapsed_us|snippet_us)":[0-9]+,?//g' "$out"
}

build() { # index-folder jobs extra-options...
    local idx=$1 j=$2
    shift 2
    # not ni: 24k documents under the sanitizers on a busy machine take
    # longer than its 120 s
    rc=0
    timeout 900 "$NINDEX" -q -j "$j" --ram-budget 4 --commit-every 2500 "$@" -d "$idx" "$bbc" \
        "$reuters" "${again[@]}" "$NS_SOURCE_DIR/docs" "$NS_SOURCE_DIR/samples" \
        >"$tmp/out" 2>"$tmp/err" || rc=$?
    expect_rc 0 "nindex -j $j $*"
    ni -d "$idx" --check "${check[@]}"
    expect_rc 0 "nindex -j $j $*: --check ${check[*]}"
}

for mode in merged no-merge; do
    extra=() check=(--full) jobs=(1 2 4) again=("$tmp/again.jsonl")
    [ "$mode" = no-merge ] && extra=(--no-merge) check=() jobs=(1 4) again=()
    for j in "${jobs[@]}"; do
        build "$tmp/$mode-$j" "$j" "${extra[@]}"
        run_queries "$tmp/$mode-$j" "$tmp/$mode-$j.out"
    done
    grep -q '"type":"hit"' "$tmp/$mode-1.out" || fail "$mode: the queries found nothing"
    for j in "${jobs[@]:1}"; do
        cmp -s "$tmp/$mode-1.out" "$tmp/$mode-$j.out" ||
            fail "$mode: -j $j searches differently from -j 1: $(diff "$tmp/$mode-1.out" \
                "$tmp/$mode-$j.out" | head -c 1500)"
    done
done
# --no-merge left several segments: batches were written by the workers
segs=$(ls "$tmp/no-merge-4" | grep -c '^seg-')
[ "$segs" -ge 4 ] || fail "--no-merge -j 4 left $segs segments: the batches did not split the input"

# The last copy of a repeated id wins, whatever batch the first went into.
idx=$tmp/merged-2
ns -d "$idx" --json -n 1000 secondcopyzq
n2=$(grep -c '"type":"hit"' "$tmp/out" || true)
ns -d "$idx" --json -n 1000 thirdcopyzq
n3=$(grep -c '"type":"hit"' "$tmp/out" || true)
[ "$n2" -eq 280 ] && [ "$n3" -eq 20 ] ||
    fail "repeated ids: $n2 hits for the second copies (want 280), $n3 for the third (want 20)"
first_id=$(head -1 "$bbc" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
ns -d "$idx" --json -n 30 "thirdcopyzq"
grep -qF "\"id\":\"$first_id\"" "$tmp/out" || fail "$first_id is not its third copy"
ni -d "$idx" --stats
live=$(awk '$1 == "documents" {print $2}' "$tmp/out")
ni -d "$tmp/merged-1" --stats
live1=$(awk '$1 == "documents" {print $2}' "$tmp/out")
[ -n "$live" ] && [ "$live" = "$live1" ] || fail "-j 2 holds '$live' documents, -j 1 '$live1'"
echo "T255: ok (${#queries[@]} queries + 2 alike for -j 1, 2, 4 merged, 1 and 4 not; $live documents)"
