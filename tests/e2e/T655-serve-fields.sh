#!/usr/bin/env bash
# T655: typed fields through nsearch serve, on the first 2,000 Reuters-21578
# records (../shared/corpora; topics, places lists and dates):
#  API: q=topics:coffee returns exactly the records whose topics hold coffee
#  (a scan of the JSONL computed here); facet=places over that match set
#  gives the counts the scan gives; sort=date:desc orders by date; dedup=1
#  adds duplicates counts; /stats lists the fields.
#  Page (headless Chromium, tests/e2e/cdp.py): the facet column shows the
#  API's counts; clicking a value adds the filter to the query and the total
#  follows; clicking it again takes it out; the date range narrows the hits to
#  their dates; "newest" orders them; duplicates are hidden by default.
#  Screenshot: tests/artifacts/serve-fields.png in the build folder.
set -euo pipefail

. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
e2e_init T655 NINDEX NSEARCH NS_SHARED_DIR

chromium=$(command -v chromium || true)
[ -n "$chromium" ] || fail "chromium is not installed (scripts/install-deps.sh installs it)"
# (zcat ends on SIGPIPE when head has its lines: the count is checked instead)
zcat "$NS_SHARED_DIR/corpora/reuters21578/docs.jsonl.gz" | head -n 2000 >"$tmp/r.jsonl" || true
[[ $(wc -l <"$tmp/r.jsonl") == 2000 ]] || fail "could not read 2000 Reuters records"
"$NINDEX" -d "$tmp/idx" "$tmp/r.jsonl" >"$tmp/nindex.log" 2>&1 || fail "nindex: $(cat "$tmp/nindex.log")"
start_server fields -d "$tmp/idx"

NS_E2E_DIR=$(dirname "${BASH_SOURCE[0]}") PYTHONDONTWRITEBYTECODE=1 \
    "$py" - "$chromium" "$base" "$tmp" "$tmp/r.jsonl" <<'EOF' || fail "fields through serve"
import collections, json, os, sys, time, urllib.parse, urllib.request

sys.path.insert(0, os.environ["NS_E2E_DIR"])
import cdp

chromium, base, tmp, corpus = sys.argv[1:5]
recs = [json.loads(l) for l in open(corpus, encoding="utf-8")]


def get(path, **params):
    url = base + path + ("?" + urllib.parse.urlencode(params) if params else "")
    with urllib.request.urlopen(url) as r:
        return json.load(r)


def lower(xs):
    return [x.lower() for x in (xs or [])]


# --- the API against a scan ---------------------------------------------------
stats = get("/stats")
types = {f["name"]: f["type"] for f in stats["fields"]}
assert types.get("topics") == "keyword" and types.get("date") == "date", types
coffee = sorted(r["id"] for r in recs if "coffee" in lower(r.get("topics")))
assert len(coffee) >= 5, "the sample needs coffee stories"
d = get("/search", q="topics:coffee", n=1000, facet="places:1000")
assert sorted(h["id"] for h in d["hits"]) == coffee, (len(d["hits"]), len(coffee))
assert d["total"] == len(coffee)
want = collections.Counter(p for r in recs if "coffee" in lower(r.get("topics"))
                           for p in set(lower(r.get("places"))))
got = {v["value"].lower(): v["count"] for v in d["facets"]["places"]}
assert got == dict(want), (got, dict(want))
d = get("/search", q="oil", n=50, sort="date:desc")
dates = [h["date"] for h in d["hits"]]
assert dates and dates == sorted(dates, reverse=True), dates
d = get("/search", q="oil", n=10, dedup=1)
assert all("duplicates" in h for h in d["hits"]), d["hits"][0]
print("API ok")

# --- the page -----------------------------------------------------------------
b = cdp.Browser(chromium, tmp)
js, wait_for = b.js, b.wait_for


def status_total():
    t = js("(document.querySelector('#status b') || {}).textContent || ''")
    return int(t.split()[-2].replace(",", "")) if t else -1


try:
    b.open_page(width=1200, height=1000)
    b.navigate(base + "/?q=coffee")
    wait_for("document.querySelectorAll('#facets li').length > 0", "the facet column")
    wait_for("!document.getElementById('dates').hidden", "the date range")
    # the column shows the API's counts for this query (with the page's dedup)
    api = get("/search", q="coffee", n=10, dedup=1, facet="topics")
    shown = js("Array.from(document.querySelectorAll('#facets li[data-field=topics]'))"
               ".map(li => [li.dataset.value, li.lastChild.textContent])")
    assert shown == [[v["value"], "{:,}".format(v["count"])] for v in api["facets"]["topics"]], \
        (shown, api["facets"]["topics"])
    # duplicates hidden by default
    assert js("document.getElementById('dedup').checked")
    # click a topics value: the filter joins the query, the total follows the API's
    value = shown[1][0] if len(shown) > 1 else shown[0][0]
    js("document.querySelector('#facets li[data-field=topics][data-value=\"%s\"]').click()" % value)
    q2 = "coffee topics:" + value
    wait_for("document.getElementById('q').value === %s" % json.dumps(q2), "the filter in the box")
    want_total = get("/search", q=q2, n=10, dedup=1)["total"]
    wait_for("(document.querySelector('#status code') || {}).textContent && "
             "document.querySelector('#status code').textContent.indexOf('topics') >= 0",
             "the filtered search")
    wait_for("%d === (function(){var t=(document.querySelector('#status b')||{}).textContent||'';"
             "return parseInt(t.replace(/[^0-9]/g,''),10)})()" % want_total, "total %d" % want_total)
    assert js("document.querySelector('#facets li.on') !== null"), "the chosen value is not marked"
    # clicked again: the filter leaves
    js("document.querySelector('#facets li.on').click()")
    wait_for("document.getElementById('q').value === 'coffee'", "the filter gone")
    # the date range: every hit dated inside it
    import datetime
    days = sorted(datetime.datetime.strptime(r["date"].strip(), "%d-%b-%Y %H:%M:%S.%f").date()
                  for r in recs if "coffee" in lower(r.get("topics")))
    lo, hi = days[len(days) // 4].isoformat(), days[len(days) // 2].isoformat()
    js("var f=document.getElementById('from'); f.value='%s';"
       "f.dispatchEvent(new Event('change'));"
       "var t=document.getElementById('to'); t.value='%s';"
       "t.dispatchEvent(new Event('change'));" % (lo, hi))
    want = get("/search", q="coffee date:%s..%s" % (lo, hi), n=10, dedup=1)
    assert want["total"] > 0, "no coffee story from %s to %s" % (lo, hi)
    wait_for("%d === (function(){var t=(document.querySelector('#status b')||{}).textContent||'';"
             "return parseInt(t.replace(/[^0-9]/g,''),10)})()" % want["total"], "the dated total")
    times = js("Array.from(document.querySelectorAll('#hits time')).map(t => t.dateTime)")
    assert times and all(lo <= t[:10] <= hi for t in times), (lo, hi, times)
    # newest first
    js("var s=document.getElementById('sort'); s.value='date:desc'; s.dispatchEvent(new Event('change'))")
    wait_for("location.search.indexOf('sort=date') >= 0", "the sort in the address")
    time.sleep(0.5)
    times = js("Array.from(document.querySelectorAll('#hits time')).map(t => t.dateTime)")
    assert times == sorted(times, reverse=True), times
    artifacts = os.path.join(os.path.dirname(os.environ["NS_TMPDIR"].rstrip("/")), "artifacts")
    os.makedirs(artifacts, exist_ok=True)
    b.screenshot(os.path.join(artifacts, "serve-fields.png"))
    print("page ok; screenshot", os.path.join(artifacts, "serve-fields.png"))
finally:
    b.close()
EOF
stop_server
grep -q 'dedup=1' "$srv_log" || fail "the page did not ask for dedup"
echo "T655 ok"
