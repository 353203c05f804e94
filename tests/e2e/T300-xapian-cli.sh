#!/usr/bin/env bash
# T300-xapian-cli: nindex --backend=xapian and nsearch on the Xapian index.
# The same inputs give the same summaries and the same matches as the native
# backend (every output format, --any, --queries, --trec); incremental runs,
# --delete and --prune behave alike; Xapian's own tools (xapian-delve,
# xapian-check, xapian-compact) accept the database nindex writes; usage
# errors, and a damaged database (exit 3).
set -euo pipefail

. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
e2e_init T300 NINDEX NSEARCH NS_SHARED_DIR NS_SOURCE_DIR

ni --backend=xapian -d "$tmp/probe" "$NS_SOURCE_DIR/samples"
if [ "$rc" -ne 0 ] && grep -q "without the Xapian backend" "$tmp/err"; then
    echo "T300 skipped: built without Xapian"
    exit 0
fi
expect_rc 0 "probe"

# --- the same inputs, both backends ---------------------------------------------
docs=$tmp/docs
mkdir "$docs"
cp "$NS_SOURCE_DIR"/samples/* "$docs/"
cp "$NS_SHARED_DIR"/corpora/seeds/*.txt "$docs/"
head -n 400 "$NS_SHARED_DIR/corpora/bbc_news/docs.jsonl" >"$docs/bbc.jsonl"
nat=$tmp/native xap=$tmp/xapian
ni -d "$nat" "$docs"
expect_rc 0 "native"
grep -o 'nindex: [0-9]* added.*skipped' "$tmp/err" >"$tmp/sum.native"
ni --backend=xapian -d "$xap" "$docs"
expect_rc 0 "xapian"
grep -o 'nindex: [0-9]* added.*skipped' "$tmp/err" >"$tmp/sum.xapian"
cmp -s "$tmp/sum.native" "$tmp/sum.xapian" ||
    fail "summaries differ: $(cat "$tmp/sum.native") / $(cat "$tmp/sum.xapian")"
[ -f "$xap/iamglass" ] || fail "no glass database in $xap"

# Every hit's id (-n large, sorted) must be the same on both.
same_matches() { # QUERY [OPTION...]
    local q=$1
    shift
    "$NSEARCH" -d "$nat" --json -n 5000 "$@" -- "$q" >"$tmp/a.json" 2>"$tmp/err" || true
    "$NSEARCH" -d "$xap" --json -n 5000 "$@" -- "$q" >"$tmp/b.json" 2>"$tmp/err" || true
    for s in a b; do # the ids as JSON strings (escapes kept: compared, not read)
        grep -o '^{"rank":[0-9]*,"id":"\([^"\\]\|\\.\)*"' "$tmp/$s.json" | sed 's/^{"rank":[0-9]*,//' |
            sort >"$tmp/$s.ids" || true
    done
    cmp -s "$tmp/a.ids" "$tmp/b.ids" || fail "'$q' $*: native and Xapian match different documents"
    [ -s "$tmp/a.ids" ] || fail "'$q' $*: matches nothing (a useless check)"
}
same_matches "sever relations"
same_matches '"diplomatic relations"'
same_matches "storm OR harbour -boats"
same_matches "embassy NEAR/6 reopen"
same_matches "relat*"
same_matches "title:sever*"
same_matches "title:(storm OR profit)"
same_matches "+profit shares market" --any
same_matches "Détente thaw sever" --any
same_matches "growth economy" --literal

# --- the outputs look the same: text, JSON fields, snippets ------------------------
ns -d "$xap" --color=never "sever relations"
expect_rc 0 "text output"
grep -qF "valmora-severs-ties.txt" "$tmp/out" || fail "text output lacks the path"
grep -qE '^1\. .+  [0-9.]+$' "$tmp/out" || fail "text output lacks a ranked title"
grep -qF "of 3 matches" "$tmp/out" || grep -qE '[0-9]+ of [0-9]+ match' "$tmp/out" ||
    fail "text output lacks the count line"
ns -d "$xap" --json "sever relations"
python3 - "$tmp/out" <<'PY' || fail "JSON hits of the Xapian index"
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8")]
hits, last = lines[:-1], lines[-1]
assert hits and last["total_exact"] in (True, False) and last["returned"] == len(hits)
for h in hits:
    assert set(h) >= {"rank", "id", "score", "title", "snippet", "highlights"}, h
    s = h["snippet"].encode("utf-8")
    for a, b in h["highlights"]:
        assert s[a:b].decode("utf-8").lower().startswith(("sever", "relat")), (h, a, b)
PY
ns -d "$xap" "zzyzzyqx"
expect_rc 1 "no match"

# --- --queries and --trec -------------------------------------------------------------
printf 'q1\tsever relations\nq2\tstorm harbour\nq3\t"free trade"\n' >"$tmp/queries.tsv"
ns -d "$xap" --queries "$tmp/queries.tsv" --trec xap -n 5
expect_rc 0 "--queries --trec"
awk 'NF != 6 || $2 != "Q0" || $6 != "xap" { bad = 1 } END { exit bad }' "$tmp/out" ||
    fail "TREC lines are not 'qid Q0 docid rank score tag'"
grep -q '^q1 Q0 .*valmora-severs-ties.txt [1-5] ' "$tmp/out" || fail "q1 does not find valmora"
cut -d' ' -f1 "$tmp/out" | sort -u | tr '\n' ' ' | grep -qF "q1 q2" || fail "queries missing"

# --- Xapian's tools accept the database --------------------------------------------------
if command -v xapian-delve >/dev/null; then
    xapian-delve "$xap" >"$tmp/out" 2>"$tmp/err" || fail "xapian-delve $xap"
    n=$(sed -n 's/^number of documents = //p' "$tmp/out")
    [ "$n" -eq "$(grep -o '[0-9]* added' "$tmp/sum.xapian" | cut -d' ' -f1)" ] ||
        fail "xapian-delve counts $n documents"
    xapian-check "$xap" >"$tmp/out" 2>"$tmp/err" || fail "xapian-check $xap"
    grep -q "No errors found" "$tmp/out" || fail "xapian-check found errors"
    xapian-compact "$xap" "$tmp/compact" >"$tmp/out" 2>"$tmp/err" || fail "xapian-compact"
    ns -d "$tmp/compact" --trec c -n 5 "sever relations"
    expect_rc 0 "search the compacted copy"
    ns -d "$xap" --trec c -n 5 "sever relations"
    "$NSEARCH" -d "$tmp/compact" --trec c -n 5 "sever relations" | cmp -s - "$tmp/out" ||
        fail "the compacted copy ranks differently"
fi

# --- incremental runs, --delete, --prune --------------------------------------------------
total=$(grep -o '[0-9]* added' "$tmp/sum.xapian" | cut -d' ' -f1)
ni -d "$xap" "$docs"
expect_rc 0 "again"
summary "0 added, 0 updated, $total unchanged, 0 deleted, 0 skipped"
printf '\nA quokkaberry was seen.\n' >>"$docs/river-cleanup.txt"
printf 'Wombat notes\nThe wombatfruit is here.\n' >"$docs/extra.txt"
ni -d "$xap" "$docs"
summary "1 added, 1 updated, $((total - 1)) unchanged, 0 deleted, 0 skipped"
ns -d "$xap" --trec t quokkaberry
grep -qF "$docs/river-cleanup.txt" "$tmp/out" || fail "the update is not searchable"
ni -d "$xap" --delete "$docs/extra.txt"
summary "0 added, 0 updated, 0 unchanged, 1 deleted, 0 skipped"
ni -d "$xap" --delete "$docs/extra.txt"
expect_rc 1 "--delete of a missing id"
err_has "no such document"
rm "$docs/harbour-storm.txt"
ni -d "$xap" --prune
summary "0 added, 0 updated, 0 unchanged, 1 deleted, 0 skipped"
ns -d "$xap" --trec t "kelby harbour"
grep -qF "harbour-storm.txt" "$tmp/out" && fail "--prune left the removed file"
ni -d "$xap" --stats
expect_rc 0 "--stats"
grep -qE "^documents +$((total - 1))\$" "$tmp/out" || fail "--stats does not count $((total - 1))"
ni -d "$xap" --optimize
expect_rc 0 "--optimize (a commit on Xapian)"

# --- usage errors and a damaged database ----------------------------------------------------
ni --backend=xapian -d "$nat" "$docs"
expect_rc 2 "Xapian asked for on a native index"
err_has "native nsearch index"
ni --shards=2 -d "$tmp/x2" "$docs"
expect_rc 2 "--shards without --backend=xapian"
err_has "--shards needs --backend=xapian"
ni --backend=lucene -d "$tmp/x3" "$docs"
expect_rc 2 "unknown backend"
cp -r "$xap" "$tmp/broken"
python3 - "$tmp/broken/postlist.glass" <<'PY'
import os, sys
with open(sys.argv[1], "r+b") as f:
    size = os.path.getsize(sys.argv[1])
    f.write(bytes((i * 131 + 7) & 255 for i in range(size)))
PY
ns -d "$tmp/broken" "sever relations"
expect_rc 3 "a damaged database"
err_has "DatabaseCorruptError"

echo "T300 ok"
