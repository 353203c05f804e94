#!/usr/bin/env bash
# T710-suggest: "did you mean" through nsearch and nsearch serve on BBC News.
# A misspelt query gets "Did you mean: government spending?" before the
# (absent) hits in text, a "suggestion" key in the JSON summary line, and the
# same field from GET /search; a correctly spelled query with hits gets none
# (no key); --no-suggest and suggest=0 turn it off; the page has the link's
# code. The suggested query, run, has matches.
set -euo pipefail

. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
e2e_init T710 NINDEX NSEARCH NS_SHARED_DIR

corpus="$NS_SHARED_DIR/corpora/bbc_news/docs.jsonl"
[ -r "$corpus" ] || {
    echo "T710: $corpus is missing" >&2
    exit 77
}
idx="$tmp/idx"
ni -d "$idx" "$corpus"
[ "$rc" -eq 0 ] || fail "nindex exit $rc"

# text: the line before the hits, or instead of them
ns -d "$idx" 'goverment spending'
[ "$rc" -eq 1 ] || fail "'goverment spending' exit $rc (want 1: no matches)"
head -1 "$tmp/out" | grep -qxF 'Did you mean: government spending?' ||
    fail "no 'Did you mean' line: $(head -3 "$tmp/out")"
out_has 'no matches'
# case and operators kept
ns -d "$idx" -n 3 'Goverment AND econmy'
head -1 "$tmp/out" | grep -qxF 'Did you mean: Government AND economy?' ||
    fail "no case-kept suggestion: $(head -1 "$tmp/out")"
# the suggestion has matches
ns -d "$idx" -n 3 'government spending'
[ "$rc" -eq 0 ] || fail "the suggestion finds nothing"
! grep -qF 'Did you mean' "$tmp/out" || fail "a correct query got a suggestion"
ns -d "$idx" --no-suggest 'goverment spending'
! grep -qF 'Did you mean' "$tmp/out" || fail "--no-suggest still suggests"

# JSON: the summary line's key, only when there is one
ns -d "$idx" --json 'goverment spending'
"$py" - "$tmp/out" <<'PY' || fail "JSON summary of the misspelt query"
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8")]
s = lines[-1]
assert s["type"] == "summary" and s["suggestion"] == "government spending", s
PY
ns -d "$idx" --json -n 2 'government spending'
"$py" - "$tmp/out" <<'PY' || fail "JSON summary of the correct query"
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8")]
s = lines[-1]
assert s["type"] == "summary" and "suggestion" not in s and s["total"] > 0, s
PY

# HTTP
start_server suggest -d "$idx"
req "$base/search?q=goverment+spending"
expect_code 200 "search"
json_check 'd["suggestion"] == "government spending" and d["total"] == 0'
req "$base/search?q=goverment+spending&suggest=0"
json_check '"suggestion" not in d'
req "$base/search?q=government+spending"
json_check '"suggestion" not in d and d["total"] > 0'
req "$base/"
grep -qF 'Did you mean: ' "$tmp/body" || fail "the page shows no suggestion"
grep -qF 'd.suggestion' "$tmp/body" || fail "the page does not read the suggestion"
stop_server
echo "T710: ok"
