#!/usr/bin/env bash
# T210-nindex-jsonl: JSON lines in, plain and gzip, from files and standard
# input. Counts, record ids, malformed lines reported with their line number,
# --prune leaving record ids alone, --delete of record ids.
set -euo pipefail

. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
e2e_init T210 NINDEX NSEARCH NS_SHARED_DIR

corpora="$NS_SHARED_DIR/corpora"
bbc="$corpora/bbc_news/docs.jsonl"
cran="$corpora/cranfield/docs.jsonl"
nbbc=$(grep -c . "$bbc")
ncran=$(grep -c . "$cran")

# --- a corpus: every record added, then unchanged ---------------------------
idx="$tmp/idx"
ni -d "$idx" "$bbc"
expect_rc 0 "bbc_news"
summary "$nbbc added, 0 updated, 0 unchanged, 0 deleted, 0 skipped"
ni -d "$idx" "$bbc"
summary "0 added, 0 updated, $nbbc unchanged, 0 deleted, 0 skipped"

# The first record is found by the words of its title, under its own id.
python3 - "$bbc" >"$tmp/first" <<'PY'
import json, re, sys
rec = json.loads(open(sys.argv[1], encoding="utf-8").readline())
print(rec["id"])
print(" ".join(re.findall(r"[A-Za-z]{4,}", rec["title"])[:5]))
PY
first_id=$(sed -n 1p "$tmp/first")
first_words=$(sed -n 2p "$tmp/first")
finds "$first_words" "$first_id"

# --- gzip: the same records give the same documents -------------------------
head -n 100 "$bbc" | gzip >"$tmp/part.jsonl.gz"
ni -d "$idx" "$tmp/part.jsonl.gz"
expect_rc 0 "jsonl.gz"
summary "0 added, 0 updated, 100 unchanged, 0 deleted, 0 skipped"
ni -d "$tmp/idx-gz" "$tmp/part.jsonl.gz"
summary "100 added, 0 updated, 0 unchanged, 0 deleted, 0 skipped"

# --- a second corpus, whose ids are numbers written as strings --------------
ni -d "$tmp/idx-cran" "$cran"
expect_rc 0 "cranfield"
summary "$ncran added, 0 updated, 0 unchanged, 0 deleted, 0 skipped"

# --- bad lines: reported with their number, the others indexed --------------
{
    printf '%s\n' '{"id":"good-1","title":"First good","body":"The xylograph alpha record."}'
    printf '%s\n' '{"id":"bad-2","title": oops}'
    printf '%s\n' '{"title":"no id here","body":"an xylograph without id"}'
    printf '{"id":"bad-4","body":"invalid \xff utf8 xylograph"}\n'
    printf '\n'
    printf '%s\n' '{"id":"good-6","body":"Second xylograph record","source":"test","n":[1,2]}'
    printf '%s\n' '[1,2]'
    printf '%s\n' '{"id":7,"body":"numbered xylograph"}'
    printf '%s\n' '{"id":"nul\u0000-9","body":"a NUL in its xylograph id"}'
    printf '%s' '{"id":"cut-10","body":"no end'
} >"$tmp/bad.jsonl"
idx="$tmp/idx-bad"
ni -d "$idx" "$tmp/bad.jsonl"
expect_rc 1 "malformed lines"
err_has "nindex: $tmp/bad.jsonl:2: malformed JSON ("
err_has "nindex: $tmp/bad.jsonl:3: missing \"id\", skipped"
err_has "nindex: $tmp/bad.jsonl:4: malformed JSON ("
err_has "nindex: $tmp/bad.jsonl:7: malformed JSON ("
err_has "nindex: $tmp/bad.jsonl:10: malformed JSON ("
err_has "nindex: $tmp/bad.jsonl:9: \"id\" holds a NUL character (\\u0000), which no id may, skipped"
grep -q ":2: malformed JSON (.*), skipped$" "$tmp/err" || fail "format of the malformed-line message"
grep -qF ":5:" "$tmp/err" && fail "a blank line was reported"
grep -qF ":1:" "$tmp/err" && fail "a good line was reported"
summary "3 added, 0 updated, 0 unchanged, 0 deleted, 6 skipped (4 malformed, 2 invalid)"
finds xylograph good-1 good-6 7
lacks bad-2
lacks bad-4
# a file relative to the working folder is named as given
rc=0
(cd "$tmp" && "$NINDEX" -d idx-bad bad.jsonl) >"$tmp/out" 2>"$tmp/err" || rc=$?
expect_rc 1 "malformed lines, relative"
err_has "nindex: bad.jsonl:2: malformed JSON ("
summary "0 added, 0 updated, 3 unchanged"

# --- standard input ------------------------------------------------------------
rc=0
printf '%s\n' '{"id":"stdin-1","body":"a zanzibarian record"}' |
    "$NINDEX" -d "$idx" --jsonl - >"$tmp/out" 2>"$tmp/err" || rc=$?
expect_rc 0 "--jsonl -"
summary "1 added, 0 updated, 0 unchanged, 0 deleted, 0 skipped"
finds zanzibarian stdin-1
rc=0
printf '%s\n' '{"id":"stdin-2","body":"a gzipped okapian record"}' | gzip |
    "$NINDEX" -d "$idx" --jsonl - >"$tmp/out" 2>"$tmp/err" || rc=$?
expect_rc 0 "--jsonl - (gzip)"
finds okapian stdin-2

# --- --prune leaves record ids alone; --delete takes them -------------------
ni -d "$idx" --prune
expect_rc 0 "--prune"
summary "0 added, 0 updated, 0 unchanged, 0 deleted, 0 skipped"
ni -d "$idx" --delete good-1 7
expect_rc 0 "--delete of record ids"
summary "0 added, 0 updated, 0 unchanged, 2 deleted, 0 skipped"
finds xylograph good-6
lacks good-1
lacks 7

echo "T210 ok"
