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

# The schema nindex --stats lists: every other member of the records, all
# keywords (lists, and strings that are neither dates nor running text), and
# the built-in date.
ni -d "$idx" --stats
expect_rc 0 "--stats"
$py - "$reuters" "$tmp/out" <<'PY' || fail "Reuters' schema"
import gzip, json, sys
names = set()
for line in gzip.open(sys.argv[1], "rt", encoding="utf-8"):
    names |= set(json.loads(line)) - {"id", "title", "body", "url", "date"}
want = sorted([(n, "keyword") for n in names] + [("date", "date")])
line = [l for l in open(sys.argv[2]) if l.startswith("fields ")]
assert len(line) == 1, line
got = sorted(tuple(f.split()) for f in line[0][len("fields "):].strip().split(", "))
assert got == want, (got, want)
PY

# --- values that do not fit the type their field has: reported with file and
# line, dropped, the document indexed; types persist across runs ------------
cat >"$tmp/typed.jsonl" <<'EOF'
{"id":"t1","body":"typed one","price":12.5,"published":"1987-03-02T14:31:00Z","tags":["a","b"]}
{"id":"t2","body":"typed two","price":"twelve","published":"someday","tags":"c"}
{"id":"t3","body":"typed three","price":[1,2],"published":["1987-03-03","1987-03-04"]}
{"id":"t4","body":"typed four","price":"7","published":"Tue, 3 Mar 1987 10:00:00 +0100","tags":{"x":1}}
{"id":"t5","body":"typed five","price":null,"published":"","tags":[]}
EOF
ni -d "$tmp/typed" "$tmp/typed.jsonl"
expect_rc 0 "typed.jsonl"
summary "5 added, 0 updated, 0 unchanged, 0 deleted, 0 skipped, 5 field values dropped"
err_has "$tmp/typed.jsonl:2: field 'price': 'twelve' is not a number"
err_has "$tmp/typed.jsonl:2: field 'published': cannot parse date 'someday'"
err_has "$tmp/typed.jsonl:3: field 'price': a number field takes one value, not a list of 2"
err_has "$tmp/typed.jsonl:3: field 'published': a date field takes one value, not a list of 2"
err_has "$tmp/typed.jsonl:4: field 'tags': an object is not a keyword value"
[ "$(grep -c "field '" "$tmp/err")" -eq 5 ] || fail "other values reported"
ni -d "$tmp/typed" --stats
for f in "date date" "price number" "published date" "tags keyword"; do
    grep -q "^fields .*$f" "$tmp/out" || fail "schema lacks '$f'"
done
# a later run knows the types from the index
printf '%s\n' '{"id":"t6","body":"typed six","price":"cheap","tags":5}' >"$tmp/typed2.jsonl"
ni -d "$tmp/typed" "$tmp/typed2.jsonl"
expect_rc 0 "typed2.jsonl"
summary "1 added, 0 updated, 0 unchanged, 0 deleted, 0 skipped, 1 field value dropped"
err_has "$tmp/typed2.jsonl:1: field 'price': 'cheap' is not a number"
# a changed field value is an update; the same values leave the documents alone
ni -d "$tmp/typed" "$tmp/typed.jsonl"
summary "0 added, 0 updated, 5 unchanged"
sed 's/"price":"7"/"price":"8"/' "$tmp/typed.jsonl" >"$tmp/typed3.jsonl"
ni -d "$tmp/typed" "$tmp/typed3.jsonl"
summary "0 added, 1 updated, 4 unchanged"

# --- --field: declared types win over inference; one the index has with
# another type is refused before anything is read ---------------------------
ni -d "$tmp/declared" --field oldid:number --field topics:text "$reuters"
expect_rc 0 "Reuters with --field"
summary "21578 added, 0 updated, 0 unchanged, 0 deleted, 0 skipped, $nbad field value"
ni -d "$tmp/declared" --stats
grep -q "^fields .*oldid number" "$tmp/out" || fail "--field oldid:number not recorded"
grep -q "^fields .*topics text" "$tmp/out" || fail "--field topics:text not recorded"
ni -d "$tmp/typed" --field price:keyword "$tmp/typed2.jsonl"
expect_rc 2 "--field with another type"
err_has "--field price:keyword"
! grep -q "added" "$tmp/err" || fail "indexed despite the bad --field"

# --- BBC News and 20 Newsgroups: their members fit the types their first
# records give (category; newsgroup, from, organization, split): nothing is
# dropped -------------------------------------------------------------------
for c in bbc_news/docs.jsonl 20newsgroups/docs.jsonl.gz; do
    n=$($py -c 'import gzip,sys; f=sys.argv[1]; print(sum(1 for l in (gzip.open(f,"rt") if f.endswith(".gz") else open(f)) if l.strip()))' "$corpora/$c")
    ni -d "$tmp/idx-${c%%/*}" "$corpora/$c"
    expect_rc 0 "$c"
    summary "$n added, 0 updated, 0 unchanged, 0 deleted, 0 skipped "$'\xE2\x80\x94' # none dropped
    ! grep -q "field '" "$tmp/err" || fail "$c: a value was dropped"
done

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
# the front matter's tags and author, and every file's mtime, are fields
ni -d "$tmp/pages-idx" --stats
for f in "author keyword" "mtime date" "tags keyword"; do
    grep -q "^fields .*$f" "$tmp/out" || fail "pages' schema lacks '$f'"
done

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
