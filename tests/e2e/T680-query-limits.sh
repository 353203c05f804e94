#!/usr/bin/env bash
# T680-query-limits: a query's deadline (--query-timeout) and the cap on
# prefix expansions, in nsearch and nsearch serve, on the ag_news test corpus.
# A slow query (built from the corpus's own words: many NEAR pairs of
# frequent words); past its deadline nsearch exits 2 naming the
# deadline, and the server answers 503 "timeout" at once while /health, asked
# during eight such queries at the same time, still answers promptly. A query
# whose prefixes expand to more than 4096 terms together is refused: exit 2,
# HTTP 400. Bounded: about 10 s.
set -euo pipefail

. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
e2e_init T680 NINDEX NSEARCH NS_SHARED_DIR

corpus="$NS_SHARED_DIR/corpora/ag_news_test/docs.jsonl"
[ -r "$corpus" ] || {
    echo "T680: $corpus is missing" >&2
    exit 77
}
idx="$tmp/idx"
ni -d "$idx" "$corpus"
[ "$rc" -eq 0 ] || fail "nindex exit $rc"

# Two queries built from the corpus's own words. "prefixes": three-letter
# prefixes with 20 to 150 distinct words each (stemmed, fewer: under the 256
# one prefix may expand to), about 3,000 words in all, under the cap of 4,096
# expanded terms; "huge": prefixes with 5 or more words, over 9,000 in all
# (stemming merges some words, not enough to bring it under the cap). "slow":
# the 18 words in most documents, every ordered pair "a NEAR/30 b", searched
# with any (OR): 612 terms whose positions are compared in nearly every
# document, 5 kB in a URL (about 0.1 s on the dev VM; prefixes under the cap
# cost 15 to 75 ms).
"$py" - "$corpus" "$tmp" <<'PY' || fail "building the queries"
import collections, itertools, json, re, sys

words, df = set(), collections.Counter()
for line in open(sys.argv[1], encoding="utf-8"):
    d = json.loads(line)
    ws = set(re.findall(r"[a-z]+", (d["title"] + " " + d["body"]).lower()))
    words |= ws
    df.update(ws)
pre = collections.Counter(w[:3] for w in words if len(w) >= 3)


def take(limit, lo):
    out, total = [], 0
    for p in sorted(p for p, n in pre.items() if lo <= n <= 150):
        if total > limit:
            break
        out.append(p + "*")
        total += pre[p]
    assert total > limit, "not enough prefixes"
    return " ".join(out)


top = [w for w, _ in df.most_common(18)]
near = " ".join("%s NEAR/30 %s" % p for p in itertools.permutations(top, 2))
open(sys.argv[2] + "/slow.q", "w").write(near)
open(sys.argv[2] + "/prefixes.q", "w").write(take(3000, 20))
open(sys.argv[2] + "/huge.q", "w").write(take(9000, 5))
PY
slow=$(cat "$tmp/slow.q")
prefixes=$(cat "$tmp/prefixes.q")
huge=$(cat "$tmp/huge.q")

# --- nsearch ------------------------------------------------------------------
ns -d "$idx" --any --json -n 3 "$slow"
expect_rc 0 "the slow query without a deadline"
took_us=$("$py" -c 'import json,sys; print(json.loads(open(sys.argv[1]).read().splitlines()[-1])["elapsed_us"])' "$tmp/out")
# The deadline below must be well under the query's cost, or nothing is shown.
[ "$took_us" -gt 25000 ] || fail "the slow query took only $took_us us; it must take over 25 ms"

ns -d "$idx" --any --query-timeout 0.005 "$slow"
expect_rc 2 "a query past --query-timeout"
err_has "nsearch: query ran past its 0.005 s deadline"
[ ! -s "$tmp/out" ] || fail "a timed-out query printed hits"

ns -d "$idx" --any --query-timeout 60 -n 3 "$slow"
expect_rc 0 "a generous --query-timeout"
ns -d "$idx" --any --query-timeout 60 -n 3 "$prefixes"
expect_rc 0 "prefixes under the cap"

ns -d "$idx" --any "$huge"
expect_rc 2 "too many prefix expansions"
err_has "query prefixes expand to more than 4096 terms together"

ns -d "$idx" --query-timeout -1 word
expect_rc 2 "a negative --query-timeout"
err_has "--query-timeout wants seconds"
ns --help
grep -q -- "--query-timeout SECONDS" "$tmp/out" || fail "--query-timeout is not in nsearch --help"

# --- nsearch serve --------------------------------------------------------------
rc=0
"$NSEARCH" serve -d "$idx" --query-timeout abc >/dev/null 2>"$tmp/err" || rc=$?
expect_rc 2 "serve --query-timeout abc"
err_has "--query-timeout wants seconds from 0 to 3600, not 'abc'"
"$NSEARCH" serve --help >"$tmp/out"
grep -q -- "--query-timeout SECONDS" "$tmp/out" || fail "--query-timeout is not in serve --help"
grep -q "(default 2;" "$tmp/out" || fail "serve --help does not give the default of 2 s"

# With the default deadline (2 s): the cap is a 400, ordinary queries run.
start_server qd -d "$idx" --quiet
enc_huge=$("$py" -c 'import sys, urllib.parse; print(urllib.parse.quote_plus(sys.argv[1]))' "$huge")
req "$base/search?any=1&q=$enc_huge"
expect_code 400 "too many prefix expansions"
json_check 'd["error"] == "bad_query" and "expand to more than 4096 terms together" in d["message"]'
enc=$("$py" -c 'import sys, urllib.parse; print(urllib.parse.quote_plus(sys.argv[1]))' "$prefixes")
req "$base/search?any=1&n=3&q=$enc"
expect_code 200 "prefixes under the cap within the default deadline"
json_check 'd["total"] > 1000 and len(d["hits"]) == 3'
req "$base/search?q=oil+prices"
expect_code 200 "an ordinary query"
json_check 'd["total"] > 0'
stop_server

start_server qt -d "$idx" --query-timeout 0.005 --threads 4 --quiet
enc=$("$py" -c 'import sys, urllib.parse; print(urllib.parse.quote_plus(sys.argv[1]))' "$slow")
req "$base/search?any=1&q=$enc"
expect_code 503 "a slow query past --query-timeout"
json_check 'd["status"] == 503 and d["error"] == "timeout" and "ran past its 0.005 s deadline" in d["message"]'

# Eight slow queries at once (twice the request threads), each answered 503
# within a second, and /health probes meanwhile answered in under a second.
"$py" - "$port" "$enc" >"$tmp/conc" <<'PY' || fail "concurrent run: $(cat "$tmp/conc")"
import http.client, sys, threading, time

port, q = int(sys.argv[1]), sys.argv[2]
res, lock = [], threading.Lock()


def get(path):
    t0 = time.monotonic()
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
    c.request("GET", path, headers={"Host": "localhost"})
    r = c.getresponse()
    r.read()
    c.close()
    return r.status, time.monotonic() - t0


def slow():
    s, t = get("/search?any=1&q=" + q)
    with lock:
        res.append(("search", s, t))


ts = [threading.Thread(target=slow) for _ in range(8)]
for t in ts:
    t.start()
for _ in range(4):
    s, t = get("/health")
    res.append(("health", s, t))
for t in ts:
    t.join()
bad = [r for r in res if r[2] >= 1.0 or r[1] != (503 if r[0] == "search" else 200)]
print(res)
sys.exit(1 if bad or len(res) != 12 else 0)
PY
stop_server
echo "T680 ok"
