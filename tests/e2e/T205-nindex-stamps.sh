#!/usr/bin/env bash
# T205-nindex-stamps: a re-run skips a file whose size, mtime (ns), inode and
# device are those of the last run without opening it (INDEX/nindex.stamps,
# docs/format.md). The seed articles, a JSON-lines file of three BBC records
# and an mbox of three 20 Newsgroups posts (ids of their own, not paths):
# a re-run reads 0 bytes and counts every document unchanged; a touched file
# (new mtime) is read and found unchanged; a file changed in place keeping
# its size and mtime (touch -d) is skipped: the known limit, which --rehash
# catches; --prune keeps the documents of a skipped JSON-lines file and mbox;
# --delete of a record's id makes the next run read its file again; a file
# with a bad line gets no stamp (reported again); a damaged or outdated
# stamps file is ignored (every file read, same counts).
set -euo pipefail

. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
e2e_init T205 NINDEX NSEARCH NS_SHARED_DIR

corp="$NS_SHARED_DIR/corpora"
docs="$tmp/docs"
idx="$tmp/idx"
mkdir "$docs"
cp "$corp"/seeds/*.txt "$docs/"
head -n 3 "$corp/bbc_news/docs.jsonl" >"$docs/bbc.jsonl"
$py - "$corp/20newsgroups/docs.jsonl.gz" "$docs/posts.mbox" <<'EOF'
import gzip, json, sys
with gzip.open(sys.argv[1], "rt", encoding="utf-8") as f, open(sys.argv[2], "w") as out:
    for i, line in zip(range(3), f):
        d = json.loads(line)
        body = "\n".join(">" + l if l.startswith("From ") else l for l in d["body"].splitlines())
        out.write("From news@example.org Mon Jan  1 00:00:0%d 2001\n" % i)
        out.write("From: news@example.org\nSubject: %s\n\n%s\n\n" % (d.get("title") or "post", body))
EOF
ndocs=11 # 5 seeds, 3 records, 3 messages
read_bytes() { sed -n 's/^nindex: .* skipped — \(.*\) in .*/\1/p' "$tmp/err"; }

ni -d "$idx" "$docs"
expect_rc 0 "first run"
summary "$ndocs added, 0 updated, 0 unchanged, 0 deleted, 0 skipped"
[ -s "$idx/nindex.stamps" ] || fail "no nindex.stamps after the first run"

# --- nothing changed: nothing read --------------------------------------------
ni -d "$idx" "$docs"
expect_rc 0 "second run"
summary "0 added, 0 updated, $ndocs unchanged, 0 deleted, 0 skipped"
[ "$(read_bytes)" = "0 B" ] || fail "the unchanged tree was read ($(read_bytes))"

# --- touched: read again (its mtime changed), still unchanged; the mtime
# field has whole seconds, so a touch within the same second changes no
# document, and one to another second updates the field ---------------------
seed=$(ls "$docs"/*.txt | head -n 1)
size=$(stat -c %s "$seed")
sec=$(stat -c %Y "$seed")
ns=$(stat -c %y "$seed" | sed 's/.*\.\([0-9]*\) .*/\1/')
[ "$ns" = 123456789 ] && ns2=987654321 || ns2=123456789
touch -d "@$sec.$ns2" "$seed"
ni -d "$idx" "$docs"
expect_rc 0 "after touch"
summary "0 added, 0 updated, $ndocs unchanged, 0 deleted, 0 skipped"
[ "$(read_bytes)" != "0 B" ] || fail "the touched file was not read"
ni -d "$idx" "$docs"
[ "$(read_bytes)" = "0 B" ] || fail "the touched file's new stamp was not kept ($(read_bytes))"
touch -d "@$((sec - 86400))" "$seed"
ni -d "$idx" "$docs"
summary "0 added, 1 updated, $((ndocs - 1)) unchanged, 0 deleted, 0 skipped"
ns_ids "mtime:<=$(date -u -d "@$((sec - 86400 + 1))" +%Y-%m-%dT%H:%M:%SZ)"
grep -qxF -- "$seed" "$tmp/ids" || fail "the mtime field did not follow the touch"

# --- changed in place, same size, mtime put back: skipped (the known limit) -----
mtime=$(stat -c %y "$seed")
inode=$(stat -c %i "$seed")
word=$(head -c 200 "$seed" | grep -oE '[A-Za-z]{6,}' | head -n 1)
[ -n "$word" ] || fail "no word of 6 letters at the start of $seed"
new=$(printf '%s' "$word" | tr 'A-Za-z' 'N-ZA-Mn-za-m') # rot13: same length
off=$(grep -bo -- "$word" "$seed" | head -n 1 | cut -d: -f1)
printf '%s' "$new" | dd of="$seed" bs=1 seek="$off" conv=notrunc status=none
touch -d "$mtime" "$seed"
[ "$(stat -c %s:%y:%i "$seed")" = "$size:$mtime:$inode" ] || fail "the edit changed the stamp"
ni -d "$idx" "$docs"
expect_rc 0 "after an edit that kept the stamp"
summary "0 added, 0 updated, $ndocs unchanged, 0 deleted, 0 skipped"
[ "$(read_bytes)" = "0 B" ] || fail "a file with its old stamp was read ($(read_bytes))"
finds_none "$new"
ni -d "$idx" --rehash "$docs"
expect_rc 0 "--rehash"
summary "0 added, 1 updated, $((ndocs - 1)) unchanged, 0 deleted, 0 skipped"
finds "$new" "$seed"
ni -d "$idx" "$docs"
[ "$(read_bytes)" = "0 B" ] || fail "--rehash did not keep the stamps ($(read_bytes))"

# --- --prune keeps the documents of the skipped JSON lines and mbox ---------------
ni -d "$idx" --prune
expect_rc 0 "--prune"
summary "0 added, 0 updated, 0 unchanged, 0 deleted, 0 skipped"
ni -d "$idx" "$docs"
summary "0 added, 0 updated, $ndocs unchanged, 0 deleted, 0 skipped"
[ "$(read_bytes)" = "0 B" ] || fail "the run after --prune read files ($(read_bytes))"
ni -d "$idx" --stats
grep -Eq "^documents +$ndocs\$" "$tmp/out" || fail "--stats: not $ndocs documents"
rm "$seed"
ni -d "$idx" --prune "$docs"
summary "0 added, 0 updated, $((ndocs - 1)) unchanged, 1 deleted, 0 skipped"
[ "$(read_bytes)" = "0 B" ] || fail "--prune with the tree read files ($(read_bytes))"

# --- a record deleted by id: its file is read again and the record put back ------
rid=$($py -c 'import json,sys; print(json.loads(open(sys.argv[1]).readline())["id"])' "$docs/bbc.jsonl")
ni -d "$idx" --delete "$rid"
summary "0 added, 0 updated, 0 unchanged, 1 deleted, 0 skipped"
ni -d "$idx" "$docs"
expect_rc 0 "after --delete of a record"
summary "1 added, 0 updated, $((ndocs - 2)) unchanged, 0 deleted, 0 skipped"

# --- a file with a problem gets no stamp: reported again ---------------------------
printf '{"id":"broken", "body": \n' >>"$docs/bbc.jsonl"
ni -d "$idx" "$docs"
expect_rc 1 "a bad line"
ni -d "$idx" "$docs"
expect_rc 1 "the bad line again"
err_has "bbc.jsonl:4"
head -n 3 "$docs/bbc.jsonl" >"$tmp/bbc" && cat "$tmp/bbc" >"$docs/bbc.jsonl"
ni -d "$idx" "$docs"
expect_rc 0 "the bad line gone"
ni -d "$idx" "$docs"
[ "$(read_bytes)" = "0 B" ] || fail "the mended file got no stamp ($(read_bytes))"

# --- a damaged or outdated stamps file is ignored ---------------------------------
printf 'X' | dd of="$idx/nindex.stamps" bs=1 seek=40 conv=notrunc status=none
ni -d "$idx" "$docs"
expect_rc 0 "damaged stamps"
summary "0 added, 0 updated, $((ndocs - 1)) unchanged, 0 deleted, 0 skipped"
[ "$(read_bytes)" != "0 B" ] || fail "a damaged stamps file was used"
cp "$idx/nindex.stamps" "$tmp/old.stamps"
printf 'Quokka notes\nThe quokkaberry is here.\n' >"$docs/extra.txt"
ni -d "$idx" "$docs"
summary "1 added, 0 updated, $((ndocs - 1)) unchanged, 0 deleted, 0 skipped"
cp "$tmp/old.stamps" "$idx/nindex.stamps" # bound to the commit before
ni -d "$idx" "$docs"
summary "0 added, 0 updated, $ndocs unchanged, 0 deleted, 0 skipped"
[ "$(read_bytes)" != "0 B" ] || fail "stamps of an older commit were used"
ni -d "$idx" --check
expect_rc 0 "--check with nindex.stamps in the folder"
echo "T205-nindex-stamps: ok"
