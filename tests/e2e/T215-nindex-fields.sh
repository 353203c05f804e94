#!/usr/bin/env bash
# T215-nindex-fields: dates and typed fields from the inputs (issue 12,
# docs/fields.md "Inputs"). Reuters' unparseable dates reported with their
# line, the documents still indexed; the seed articles get no date (not the
# day they were copied); HTML and Markdown dates from their metas and front
# matter, written by this test; --field checked and documented.
set -euo pipefail

. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
e2e_init T215 NINDEX NSEARCH NS_SHARED_DIR

corpora="$NS_SHARED_DIR/corpora"
reuters="$corpora/reuters21578/docs.jsonl.gz"

# --- Reuters: every date that is a real date parses; the others are reported
# with their line (found here by the test's own reading of the dates), and
# their documents indexed without a date ------------------------------------
$py - "$reuters" >"$tmp/bad-dates" <<'PY'
import calendar, gzip, json, re, sys
pat = re.compile(r"^ ?(\d{1,2})-([A-Z]{3})-(\d{4}) +(\d\d):(\d\d):(\d\d)\.\d+(?:(?: *[A-Z]{1,3})(?: +[A-Z]{1,3})*)?$")
mons = "JAN FEB MAR APR MAY JUN JUL AUG SEP OCT NOV DEC".split()
for n, line in enumerate(gzip.open(sys.argv[1], "rt", encoding="utf-8"), 1):
    d = json.loads(line)["date"]
    m = pat.match(d)
    ok = bool(m) and m.group(2) in mons
    if ok:
        day, year = int(m.group(1)), int(m.group(3))
        hh, mi, ss = int(m.group(4)), int(m.group(5)), int(m.group(6))
        mon = mons.index(m.group(2)) + 1
        ok = 1 <= day <= calendar.monthrange(year, mon)[1] and hh < 24 and mi < 60 and ss < 60
    if not ok:
        print(f"{n}\t{d}")
PY
nbad=$(wc -l <"$tmp/bad-dates")
[ "$nbad" -ge 1 ] && [ "$nbad" -le 10 ] || fail "expected a few bad Reuters dates, found $nbad"
idx="$tmp/reuters"
ni -d "$idx" "$reuters"
expect_rc 0 "Reuters with its bad dates"
summary "21578 added, 0 updated, 0 unchanged, 0 deleted, 0 skipped, $nbad field value"
while IFS=$'\t' read -r line date; do
    err_has "$reuters:$line: field 'date': cannot parse date '$date'"
done <"$tmp/bad-dates"
[ "$(grep -c "field 'date'" "$tmp/err")" -eq "$nbad" ] || fail "other dates reported"

# --- the seeds: plain text files have no date, whatever their mtime ---------
mkdir "$tmp/seeds"
cp "$corpora"/seeds/*.txt "$tmp/seeds/"
touch "$tmp/seeds"/*.txt # written today
ni -d "$tmp/seeds-idx" "$tmp/seeds"
expect_rc 0 "seeds"
ns -d "$tmp/seeds-idx" --json --any "relations sever russia"
expect_rc 0 "seed search"
$py - "$tmp/out" <<'PY' || fail "seed articles must have no date"
import json, sys
hits = [json.loads(l) for l in open(sys.argv[1]) if '"type":"hit"' in l.replace(" ", "")]
assert len(hits) == 5, len(hits)
for h in hits:
    assert h.get("date", "") == "", (h["id"], h["date"])
PY

# --- HTML and Markdown dates ------------------------------------------------
mkdir "$tmp/pages"
cat >"$tmp/pages/article.html" <<'EOF'
<html><head><title>Quokka census</title>
<meta name="date" content="2001-01-01">
<meta property="article:published_time" content="2023-11-16T10:00:00&#43;02:00">
<script>var s = '<meta property="article:published_time" content="1999-09-09">';</script>
</head><body><p>The quokka census <time datetime="2020-02-02">then</time>.</p></body></html>
EOF
cat >"$tmp/pages/ld.html" <<'EOF'
<html><head><script type="application/ld+json">
{"@context": "https://schema.org", "@type": "NewsArticle", "datePublished": "Mon, 02 Mar 1987 14:31:00 -0500"}
</script></head><body>Quokka wire story</body></html>
EOF
cat >"$tmp/pages/time.htm" <<'EOF'
<p>Quokka diary, posted <time datetime="2019-07-01">July 1st</time>.</p>
EOF
cat >"$tmp/pages/bad.html" <<'EOF'
<html><head><meta name="dc.date" content="around noon"></head><body>Quokka rumours</body></html>
EOF
cat >"$tmp/pages/notes.md" <<'EOF'
---
title: Quokka notes
date: "2021-05-04"
tags: [marsupials, "rottnest island"]
author: Jane Doe
---
# Quokka notes

Seen on the island.
EOF
printf 'Quokka plain notes\nno date in here\n' >"$tmp/pages/plain.txt"
ni -d "$tmp/pages-idx" "$tmp/pages"
expect_rc 0 "pages"
summary "6 added, 0 updated, 0 unchanged, 0 deleted, 0 skipped, 1 field value dropped"
err_has "$tmp/pages/bad.html: field 'date': cannot parse date 'around noon'"
ns -d "$tmp/pages-idx" --json quokka
expect_rc 0 "quokka"
$py - "$tmp/out" "$tmp/pages" <<'PY' || fail "page dates"
import json, sys
# nsearch --json shows the document's date as ISO 8601 UTC (issue 12)
want = {
    "article.html": "2023-11-16T08:00:00Z",  # 2023-11-16T10:00:00+02:00
    "ld.html": "1987-03-02T19:31:00Z",  # Mon, 02 Mar 1987 14:31:00 -0500
    "time.htm": "2019-07-01T00:00:00Z",
    "bad.html": "",
    "notes.md": "2021-05-04T00:00:00Z",
    "plain.txt": "",
}
got = {}
for line in open(sys.argv[1]):
    o = json.loads(line)
    if o.get("type") == "hit":
        got[o["id"][len(sys.argv[2]) + 1:]] = o.get("date", "")
assert got == want, got
PY

# --- --field: checked before anything is indexed, and documented ------------
for spec in oldid number oldid:blob date:keyword 9lives:number "a b:keyword" :keyword; do
    ni -d "$tmp/field-idx" --field "$spec" "$tmp/pages/plain.txt"
    expect_rc 2 "--field '$spec'"
    err_has "--field takes NAME:TYPE"
    err_has "'$spec'"
done
[ ! -e "$tmp/field-idx/COMMIT" ] || fail "a bad --field wrote an index"
ni --help
expect_rc 0 "--help"
out_has "--field=NAME:TYPE"
out_has "modification time is its field mtime"

echo "T215-nindex-fields: ok"
