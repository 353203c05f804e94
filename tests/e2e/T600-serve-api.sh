#!/usr/bin/env bash
# T600-serve-api: every endpoint of nsearch serve over the seed articles:
# /search agrees with nsearch --json, parameters, query errors with their
# offset, /doc/{id}, /stats, /health, the page, methods, unknown paths,
# the access log and a clean SIGTERM.
set -euo pipefail

. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
e2e_init T600 NINDEX NSEARCH NS_SHARED_DIR

index_seeds "$tmp/docs" "$tmp/idx"
start_server api -d "$tmp/idx"

# --- /health and /stats ------------------------------------------------------
req "$base/health"
expect_code 200 "/health"
[ "$(header Content-Type)" = "application/json; charset=utf-8" ] || fail "JSON content type"
json_check 'd["status"] == "ok" and d["documents"] == 5 and d["generation"] >= 1'
req "$base/stats"
expect_code 200 "/stats"
json_check 'd["documents"] == 5 and d["deleted"] == 0 and d["segments"] >= 1 and d["terms"] > 100
and d["language"] == "english" and d["bytes"]["total"] > d["bytes"]["stored"] > 0'

# --- /search is nsearch --json -----------------------------------------------
# same_as_cli URL_QUERY CLI_ARGS...: the hits (every key the CLI writes, in
# its order) and the summary numbers must be identical.
same_as_cli() {
    local query=$1
    shift
    "$NSEARCH" -d "$tmp/idx" --json "$@" >"$tmp/cli.json" || true
    req "$base/search?$query"
    expect_code 200 "/search?$query"
    "$py" - "$tmp/body" "$tmp/cli.json" <<'EOF' || fail "/search?$query differs from nsearch --json $*"
import json, sys
srv = json.load(open(sys.argv[1], encoding="utf-8"), object_pairs_hook=lambda kv: kv)
cli = [json.loads(l, object_pairs_hook=lambda kv: kv) for l in open(sys.argv[2], encoding="utf-8")]
summary = dict(cli[-1])
s = dict(srv)
for k in ("query", "total", "total_exact", "returned"):
    assert s[k] == summary[k], (k, s[k], summary[k])
assert [k for k, _ in srv][:7] == ["query", "total", "total_exact", "returned", "offset",
                                   "elapsed_us", "hits"], srv
assert isinstance(s["elapsed_us"], int)
assert [k for k, _ in srv][-1] == "snippet_us" and isinstance(s["snippet_us"], int), srv
hits = s["hits"]
assert len(hits) == len(cli) - 1, (len(hits), len(cli))
for h, c in zip(hits, cli[:-1]):
    assert c[-1] == ("type", "hit"), c  # the CLI's line kind; hits in an array need none
    c = c[:-1]
    keys = [k for k, _ in c]
    assert [k for k, _ in h][:len(keys)] == keys, (h, c)
    assert dict(h)["cut_before"] in (True, False)
    for k, v in c:
        assert dict(h)[k] == v, (k, dict(h)[k], v)
EOF
}
same_as_cli "q=sever+relations" "sever relations"
json_check 'd["total"] == 4 and d["total_exact"] and d["query"] == "(AND sever relat)"
and [h["id"].rsplit("/", 1)[1][:4] for h in d["hits"]] != []
and sorted(h["id"].rsplit("/", 1)[1][:4] for h in d["hits"]) == ["000_", "001_", "002_", "004_"]'
same_as_cli "q=sever%20relations&n=2&offset=1" -n 2 --offset 1 "sever relations"
json_check '[h["rank"] for h in d["hits"]] == [2, 3] and d["offset"] == 1 and d["returned"] == 2'
same_as_cli "q=sever+relations&any=1" --any "sever relations"
json_check 'd["total"] == 5'
same_as_cli "q=%22diplomatic+ties%22" '"diplomatic ties"'
same_as_cli "q=d%C3%A9tente+OR+relations&n=3" -n 3 "détente OR relations"
same_as_cli "q=relations+-russia&literal=0" "relations -russia"

# Highlights are byte offsets into the UTF-8 snippet and cover query words.
req "$base/search?q=sever+relations"
"$py" - "$tmp/body" <<'EOF' || fail "highlights do not cover query words"
import json, sys
d = json.load(open(sys.argv[1], encoding="utf-8"))
seen = 0
for h in d["hits"]:
    b = h["snippet"].encode("utf-8")
    for s, e in h["highlights"]:
        word = b[s:e].decode("utf-8").lower()
        assert word.startswith("sever") or word.startswith("relation"), word
        seen += 1
assert seen >= 4
EOF

# Options: no snippets; literal words; a query that analyses to nothing.
req "$base/search?q=sever+relations&snippets=0"
json_check 'd["total"] == 4 and all("snippet" not in h and "highlights" not in h for h in d["hits"])'
req "$base/search?q=(sever+relations&literal=1"
expect_code 200 "literal query with a parenthesis"
json_check 'd["total"] == 4'
req "$base/search?q=%2C%2C%2C"
expect_code 200 "punctuation-only query"
json_check 'd["total"] == 0 and d["hits"] == [] and d["returned"] == 0'
req "$base/search?q=sever&n=0"
expect_code 200 "n=0"
json_check 'd["hits"] == [] and d["total"] >= 4'

# --- errors: query syntax with its offset, parameters ------------------------
req "$base/search?q=relations+AND+(sever"
expect_code 400 "unbalanced parenthesis"
json_check 'd == {"status": 400, "error": "bad_query", "message": d["message"], "offset": 14, "param": "q"}
and "(" in d["message"]'
# the offset is in bytes: two 2-byte letters move it by 2 more
req "$base/search?q=%C3%A9t%C3%A9+AND+(sever"
json_check 'd["error"] == "bad_query" and d["offset"] == 10'
req "$base/search?q=%22unclosed+phrase"
expect_code 400 "unclosed quote"
json_check 'd["error"] == "bad_query" and d["offset"] == 0'
req "$base/search"
expect_code 400 "missing q"
json_check 'd["error"] == "bad_param" and d["param"] == "q"'
for bad in "n=1001" "n=-1" "n=abc" "n=" "offset=10001" "any=maybe" "snippets=2"; do
    req "$base/search?q=sever&$bad"
    expect_code 400 "$bad"
    json_check 'd["error"] == "bad_param" and d["param"] in ("n", "offset", "any", "snippets")'
done
req "$base/search?q=sever&n=1000&offset=10000"
expect_code 200 "n and offset at their limits"
json_check 'd["hits"] == [] and d["offset"] == 10000'
req "$base/search?q=sever&_=123"
expect_code 200 "the cache-buster _ is accepted"
for bad in filter=topics:x facets=topics unknown=1; do
    req "$base/search?q=sever&$bad"
    expect_code 400 "unknown parameter $bad"
    json_check 'd["error"] == "bad_param" and d["param"] == "'"${bad%%=*}"'" and "unknown parameter" in d["message"]'
done
for bad in sort=date sort=date:up sort=:desc facet=, facet=topics:0 facet=topics:x 'facet=a%20b'; do
    req "$base/search?q=sever&$bad"
    expect_code 400 "$bad"
    json_check 'd["error"] == "bad_param" and d["param"] == "'"${bad%%=*}"'"'
done

# --- /doc/{id} ----------------------------------------------------------------
id="$tmp/docs/004_fc305638f481958c.txt"
enc=$("$py" -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$id")
req "$base/doc/$enc"
expect_code 200 "/doc/ID"
"$py" - "$tmp/body" "$id" <<'EOF' || fail "/doc body"
import json, sys
d = json.load(open(sys.argv[1], encoding="utf-8"))
text = open(sys.argv[2], encoding="utf-8").read()
assert list(d) == ["id", "title", "url", "date", "meta", "body"], list(d)
assert d["id"] == sys.argv[2] and d["url"] == sys.argv[2]
assert d["title"] == "Moscow reiterates threat to sever diplomatic ties with US", d["title"]
assert d["body"].strip() == text.strip() or d["body"].strip() in text, d["body"][:200]
assert len(d["body"]) > 500
EOF
req "$base/doc/$id" # unencoded slashes work too
expect_code 200 "/doc/ with raw slashes"
json_check 'd["title"].startswith("Moscow reiterates")'
req "$base/doc/$enc.nope"
expect_code 404 "unknown id"
json_check 'd["error"] == "not_found" and "no document" in d["message"]'
req "$base/doc/"
expect_code 404 "empty id"
req "$base/doc/%zz"
expect_code 400 "bad escape in the id"

# --- the page -----------------------------------------------------------------
req "$base/"
expect_code 200 "/"
[ "$(header Content-Type)" = "text/html; charset=utf-8" ] || fail "page content type"
header Content-Security-Policy | grep -q "default-src 'none'" || fail "page CSP"
grep -q "<title>nsearch</title>" "$tmp/body" || fail "page title"
grep -q "TextEncoder" "$tmp/body" || fail "page converts byte offsets"
if grep -Eiq '(src|href|action)="(https?:)?//' "$tmp/body"; then fail "page fetches from elsewhere"; fi
req "$base/?q=sever+relations"
expect_code 200 "/?q="

# --- methods and unknown paths --------------------------------------------------
req -I "$base/search?q=sever"
expect_code 200 "HEAD /search"
if grep -q "^{" "$tmp/body"; then fail "HEAD has a body"; fi
req -X OPTIONS "$base/search"
expect_code 204 "OPTIONS"
[ "$(header Allow)" = "GET, HEAD, OPTIONS" ] || fail "OPTIONS Allow"
[ -z "$(header Access-Control-Allow-Origin)" ] || fail "CORS header without --cors"
for m in POST PUT DELETE PATCH; do
    req -X "$m" "$base/search?q=sever"
    expect_code 405 "$m /search"
    [ "$(header Allow)" = "GET, HEAD, OPTIONS" ] || fail "405 Allow"
    json_check 'd["error"] == "method_not_allowed"'
done
req -X POST --data-binary 'q=sever' "$base/search"
expect_code 405 "POST with a body"
for p in /nope /search/ /doc /stats/x /index.html /favicon.ico; do
    req "$base$p"
    expect_code 404 "$p"
    json_check 'd["error"] == "not_found" and d["status"] == 404'
done
req -X POST "$base/nope"
expect_code 404 "unknown path beats wrong method"

# --- keep-alive: two requests, one connection ---------------------------------
curl -sv -o /dev/null -o /dev/null "$base/health" "$base/search?q=sever" 2>"$tmp/verbose"
grep -q "Re-using existing connection" "$tmp/verbose" || fail "keep-alive"

# --- access log, then a clean stop --------------------------------------------
grep -Eq '^[0-9T:-]+Z 127\.0\.0\.1 GET /search\?q=sever\+relations 200 [0-9]+ [0-9.]+ms$' "$srv_log" ||
    fail "access log line"
grep -Eq ' POST /search\?q=sever 405 ' "$srv_log" || fail "405 in the access log"
stop_server
echo "T600 ok"
