#!/usr/bin/env bash
# T700-explain-fuzzy: `word~`, --explain, --proximity and --expand through
# nsearch on BBC News.
# A misspelling with `~` finds every document the right spelling finds (its
# stem is one edit away), on the native index and, with the same set, on a
# Xapian one; `~3` is a syntax error. --explain --json gives every hit parts
# that add up to its score (JSON numbers carry 6 digits, so within 1e-5 per
# part here; the unit tests test_oracle and test_xapian check 1e-6 on full
# doubles); the text output indents one line per part. A Xapian index gives
# the same fuzzy matches and explanations that add up the same way, with
# --proximity and --expand too.
set -euo pipefail

. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
e2e_init T700 NINDEX NSEARCH NS_SHARED_DIR

corpus="$NS_SHARED_DIR/corpora/bbc_news/docs.jsonl"
[ -r "$corpus" ] || {
    echo "T700: $corpus is missing" >&2
    exit 77
}
idx="$tmp/idx"
ni -d "$idx" "$corpus"
[ "$rc" -eq 0 ] || fail "nindex exit $rc"

# the ids of every hit of a query, sorted, into $tmp/$2
ids_of() {
    ns_ids -n 5000 "$1"
    [ "$rc" -eq 0 ] || fail "'$1' exit $rc"
    sort "$tmp/ids" >"$tmp/$2"
}

# "goverment~": stem gover, one edit from govern (government, governed...)
ids_of government right
ids_of 'goverment~' fuzzy
[ "$(wc -l <"$tmp/right")" -gt 100 ] || fail "government finds too little"
missing=$(comm -23 "$tmp/right" "$tmp/fuzzy" | wc -l)
[ "$missing" -eq 0 ] || fail "goverment~ misses $missing documents that government finds"
# with no budget, the misspelling alone is not the word
ids_of 'goverment~0' exact0
[ "$(wc -l <"$tmp/exact0")" -lt "$(wc -l <"$tmp/right")" ] || fail "goverment~0 finds as much"
ns -d "$idx" 'goverment~3'
expect_rc 2 "fuzzy distance 3"
grep -qF "fuzzy distance must be 0 to 2" "$tmp/err" || fail "no message for ~3"

# --explain in JSON: parts that sum to the score, for several kinds of query
# (also with the ranking rewrites, whose clauses are parts of their own):
# "OPTIONS|QUERY"; explain_all IDX FIELDS checks every spec on an index whose
# term parts start with one of FIELDS ("title: body:" natively, "title: text:"
# on Xapian, whose plain term holds both fields)
explain_all() {
    local on=$1 fields=$2 spec q
    for spec in '|goverment~ spending' '|title:election "general election"' '|budget* tax' \
        '|economy OR growth -title:china' '--proximity|government spending cuts' \
        '--expand|government spending cuts' '--proximity --expand|oil prices'; do
        q=${spec#*|}
        read -ra extra <<<"${spec%%|*}"
        ns -d "$on" --json --explain -n 20 --any "${extra[@]}" -- "$q"
        [ "$rc" -eq 0 ] || fail "--explain ${extra[*]} '$q' on $on exit $rc"
        "$py" - "$tmp/out" "${extra[*]} $q" "$fields" <<'PY' || fail "explain parts of ${extra[*]} '$q' on $on"
import json, sys
hits = 0
fields = tuple(sys.argv[3].split()) + ("proximity ", "feedback ")
for line in open(sys.argv[1], encoding="utf-8"):
    o = json.loads(line)
    if o["type"] != "hit":
        continue
    parts = o["explain"]["parts"]
    assert parts, o
    s = sum(p["score"] for p in parts)
    assert abs(s - o["score"]) <= 1e-5 * len(parts) * abs(o["score"]), (o["score"], s, parts)
    for p in parts:
        assert p["what"].startswith(fields), p
    hits += 1
    if "--expand" in sys.argv[2] and hits == 1:  # the best hit has feedback terms
        assert any(p["what"].startswith("feedback ") for p in parts), parts
    if "--proximity" in sys.argv[2] and hits == 1:  # and proximity clauses
        assert any(p["what"].startswith("proximity ") for p in parts), parts
assert hits >= 5, (sys.argv[2], hits)
summary = json.loads(open(sys.argv[1], encoding="utf-8").read().splitlines()[-1])
if "--expand" in sys.argv[2]:
    assert "^" in summary["query"], summary["query"]
if "--proximity" in sys.argv[2]:
    assert "(NEAR/4 " in summary["query"], summary["query"]
PY
    done
}
explain_all "$idx" "title: body:"
# text: an indented line per part under each hit
ns -d "$idx" --explain -n 2 spending
[ "$rc" -eq 0 ] || fail "--explain text exit $rc"
grep -qE '^ +[0-9]+\.[0-9]{4}  body:spend tf=[0-9]+ idf=' "$tmp/out" || fail "no indented parts"

# HTTP: explain=1 gives each hit the same parts; fuzzy terms in q work
if "$NSEARCH" serve --help >/dev/null 2>&1; then
    start_server s1 -d "$idx"
    req "$base/search?q=goverment~%20spending&any=1&explain=1&n=5"
    expect_code 200 "search with explain"
    json_check 'len(d["hits"]) == 5 and all(abs(sum(p["score"] for p in h["explain"]["parts"]) - h["score"]) <= 1e-5 * len(h["explain"]["parts"]) * h["score"] for h in d["hits"]) and d["query"].startswith("(OR gover~1")'
    req "$base/search?q=spending&n=2"
    json_check 'all("explain" not in h for h in d["hits"])'
    stop_server
else
    echo "T700: nsearch serve not built; HTTP part skipped"
fi

# Xapian: the same matches for a fuzzy term; no explanations
xidx="$tmp/xidx"
ni -d "$xidx" --backend=xapian "$corpus"
if [ "$rc" -ne 0 ] && grep -qF "without the Xapian backend" "$tmp/err"; then
    echo "T700: no Xapian in this build; its part skipped"
    exit 0
fi
[ "$rc" -eq 0 ] || fail "nindex --backend=xapian exit $rc"
idx=$xidx ids_of 'goverment~' xfuzzy
cmp -s "$tmp/fuzzy" "$tmp/xfuzzy" || fail "Xapian's goverment~ matches another set"
idx=$xidx ids_of 'goverment~0' xexact0
cmp -s "$tmp/exact0" "$tmp/xexact0" || fail "Xapian's goverment~0 matches another set"
ns -d "$xidx" 'goverment~3'
expect_rc 2 "fuzzy distance 3 on Xapian"
# explanations add up on Xapian too (Xapian's own BM25 weights, per leaf)
explain_all "$xidx" "title: text:"
ns -d "$xidx" --explain -n 2 spending
[ "$rc" -eq 0 ] || fail "--explain text on Xapian exit $rc"
grep -qE '^ +[0-9]+\.[0-9]{4}  text:spend wdf=[0-9]+ df=[0-9]+ doclen=' "$tmp/out" ||
    fail "no indented parts on Xapian"
echo "T700: ok"
