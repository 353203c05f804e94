#!/usr/bin/env bash
# T240-nindex-exclude: which files a run reads. --exclude GLOB skips
# entries whose name or path below the folder given matches (files and whole
# folders); an index inside the tree (nsearch's or one named on the command
# line) is reported and never read as documents; --files-from reads a list of
# paths (lines, or NUL-separated as find -print0 writes); --include GLOB
# keeps only matching files inside folders. Bounded: a second
# or two.
set -euo pipefail

. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
e2e_init T240 NINDEX NSEARCH NS_SHARED_DIR

seeds="$NS_SHARED_DIR/corpora/seeds"
docs="$tmp/docs"
mkdir -p "$docs/drafts" "$docs/notes"
cp "$seeds"/*.txt "$seeds/README.md" "$docs/"
printf 'A draft on the quokkalian treaty.\n' >"$docs/drafts/d1.txt"
printf 'Notes on the quokkalian treaty.\n' >"$docs/notes/n1.txt"

# an nsearch index inside the tree is skipped with a notice, never indexed
ni -d "$docs/inner-idx" "$docs/notes"
expect_rc 0 "inner index"
ni -d "$tmp/idx1" "$docs"
expect_rc 0 "walk with an inner index"
summary "8 added"
err_has "$docs/inner-idx: skipped: an nsearch index, not documents"
"$NINDEX" --list-ids -d "$tmp/idx1" >"$tmp/ids1"
! grep -q "inner-idx" "$tmp/ids1" || fail "files of the inner index were indexed: $(cat "$tmp/ids1")"
[ "$(wc -l <"$tmp/ids1")" -eq 8 ] || fail "expected 8 ids: $(cat "$tmp/ids1")"

# the index folder named as the operand: nothing of it becomes a document
ni -d "$tmp/idx0" "$docs/inner-idx"
expect_rc 0 "an index as the operand"
summary "0 added"
err_has "skipped: an nsearch index"

# --exclude by name (any depth) and by path below the folder given
ni -d "$tmp/idx2" --exclude '*.md' --exclude 'drafts/*' "$docs"
expect_rc 0 "--exclude"
summary "6 added"
"$NINDEX" --list-ids -d "$tmp/idx2" >"$tmp/ids2"
grep -qF "$docs/notes/n1.txt" "$tmp/ids2" || fail "notes/n1.txt missing: $(cat "$tmp/ids2")"
! grep -qE 'README\.md|drafts/' "$tmp/ids2" || fail "an excluded file was indexed: $(cat "$tmp/ids2")"
# a folder excluded by name is not entered at all
ni -d "$tmp/idx3" --exclude notes --exclude '*.md' "$docs"
expect_rc 0 "--exclude a folder"
summary "6 added"
"$NINDEX" --list-ids -d "$tmp/idx3" >"$tmp/ids3"
! grep -qF "/notes/" "$tmp/ids3" || fail "an excluded folder was entered"
grep -qF "$docs/drafts/d1.txt" "$tmp/ids3" || fail "drafts/d1.txt missing"
# an operand that is a file is never excluded (it was asked for by name)
ni -d "$tmp/idx4" --exclude '*.txt' "$docs/drafts/d1.txt"
expect_rc 0 "a file operand"
summary "1 added"

# --files-from: a list of paths on standard input, by lines (CRLF too) or NULs
(cd "$docs" && find . -name '*.txt' -not -path './inner-idx/*' | sort) >"$tmp/list"
[ "$(wc -l <"$tmp/list")" -eq 7 ] || fail "the list has $(wc -l <"$tmp/list") paths"
rc=0
(cd "$docs" && "$NINDEX" -d "$tmp/idx6" --files-from - <"$tmp/list") >"$tmp/out" 2>"$tmp/err" || rc=$?
expect_rc 0 "--files-from - (lines)"
summary "7 added"
"$NINDEX" --list-ids -d "$tmp/idx6" >"$tmp/ids6"
grep -qxF "$docs/drafts/d1.txt" "$tmp/ids6" || fail "a listed path is missing: $(cat "$tmp/ids6")"
tr '\n' '\0' <"$tmp/list" >"$tmp/list0"
sed 's/$/\r/' "$tmp/list" >"$tmp/listcrlf"
for l in list0 listcrlf; do
    rc=0
    (cd "$docs" && "$NINDEX" -d "$tmp/idx-$l" --files-from "$tmp/$l") >"$tmp/out" 2>"$tmp/err" || rc=$?
    expect_rc 0 "--files-from $l"
    summary "7 added"
    "$NINDEX" --list-ids -d "$tmp/idx-$l" | cmp -s - "$tmp/ids6" || fail "$l gave other documents"
done
# -0: the list is NUL-separated even when one path holds a line break
mkdir -p "$docs/odd"
printf 'A file named with a line break, about quokkalian treaties.\n' >"$docs/odd/two
lines.txt"
printf '%s\0' "odd/two
lines.txt" drafts/d1.txt >"$tmp/listnul"
rc=0
(cd "$docs" && "$NINDEX" -d "$tmp/idx-nul" --files-from - -0 <"$tmp/listnul") >"$tmp/out" 2>"$tmp/err" || rc=$?
expect_rc 0 "--files-from - -0"
summary "2 added"
"$NINDEX" --list-ids -0 -d "$tmp/idx-nul" | tr '\0' '|' | grep -qF "$docs/odd/two
lines.txt|" || fail "-0: the path with a line break is not one document"
rm -r "$docs/odd"
ni -d "$tmp/idx7" --files-from - - </dev/null
expect_rc 2 "--files-from - with the operand -"
ni -d "$tmp/idx7" --files-from "$tmp/no-such-list"
expect_rc 1 "a missing list"
err_has "$tmp/no-such-list"

# a corpus file given as the index: said plainly, nothing written to it
printf '{"id": "1", "title": "t", "body": "b"}\n' >"$tmp/docs.jsonl"
cp "$tmp/docs.jsonl" "$tmp/docs.jsonl.orig"
rc=0
"$NSEARCH" -d "$tmp/docs.jsonl" treaty >"$tmp/out" 2>"$tmp/err" || rc=$?
expect_rc 2 "nsearch -d a JSONL file"
err_has "docs.jsonl: a JSON lines file, not an index: index it with nindex -d DIR"
ni -d "$tmp/docs.jsonl" "$docs/drafts"
expect_rc 2 "nindex -d a JSONL file"
err_has "docs.jsonl: a JSON lines file, not an index: index it with nindex -d DIR"
cmp -s "$tmp/docs.jsonl" "$tmp/docs.jsonl.orig" || fail "the JSONL file was changed"

ni -d "$tmp/idx5" --exclude '' "$docs"
expect_rc 2 "an empty pattern"
err_has "--exclude needs a pattern"

# --include: inside folders only the files it names (by name or path below
# the folder given), folders are still entered, --exclude wins; a file named
# on the command line is read whatever the patterns
ni -d "$tmp/idx6" --include '*.txt' "$docs" "$docs/README.md"
expect_rc 0 "--include '*.txt'"
"$NINDEX" --list-ids -d "$tmp/idx6" | sort >"$tmp/ids6"
( find "$docs" -path "$docs/inner-idx" -prune -o -name '*.txt' -print; echo "$docs/README.md" ) |
    sort >"$tmp/want6"
diff "$tmp/want6" "$tmp/ids6" >/dev/null ||
    fail "--include '*.txt': ids differ from the .txt files (+ README named): $(diff "$tmp/want6" "$tmp/ids6")"
ni -d "$tmp/idx7" --include 'notes/*' --include '000_*' --exclude 'notes/n1.txt' "$docs"
expect_rc 0 "--include twice with --exclude"
"$NINDEX" --list-ids -d "$tmp/idx7" >"$tmp/ids7"
[[ $(cat "$tmp/ids7") == "$docs/$(cd "$docs" && ls 000_*.txt)" ]] ||
    fail "--include notes/* 000_* --exclude notes/n1.txt indexed: $(cat "$tmp/ids7")"
ni -d "$tmp/idx8" --include '' "$docs"
expect_rc 2 "an empty --include"
err_has "--include needs a pattern"

echo "T240 ok"
