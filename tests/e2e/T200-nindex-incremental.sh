#!/usr/bin/env bash
# T200-nindex-incremental: nindex on the seed articles. Counts in the summary,
# document identity across working folders, updates, additions, --delete,
# --prune, --stats, --optimize, --no-merge, --commit-every and --quiet.
set -euo pipefail

. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
e2e_init T200 NINDEX NSEARCH NS_SHARED_DIR

seeds="$NS_SHARED_DIR/corpora/seeds"
docs="$tmp/docs"
idx="$tmp/idx"
mkdir "$docs"
cp "$seeds"/*.txt "$docs/"
names=()
for f in "$docs"/*.txt; do names+=("$(basename "$f")"); done
[ "${#names[@]}" -eq 5 ] || fail "expected 5 seed files"
a=$docs/${names[0]} b=$docs/${names[1]} c=$docs/${names[3]}

# --- first run: all added; ids are absolute paths ---------------------------
ni -d "$idx" "$docs"
expect_rc 0 "first run"
summary "5 added, 0 updated, 0 unchanged, 0 deleted, 0 skipped"
err_has "$idx"
[ ! -s "$tmp/out" ] || fail "nindex wrote to stdout"
finds "sever relations" "$a" "$b"
grep -qvF "$docs/" "$tmp/ids" && fail "an id is not an absolute path under $docs"

# --- again: nothing changes, from any working folder or spelling ------------
ni -d "$idx" "$docs"
expect_rc 0 "second run"
summary "0 added, 0 updated, 5 unchanged, 0 deleted, 0 skipped"
rc=0
(cd "$docs" && "$NINDEX" -d ../idx .) >"$tmp/out" 2>"$tmp/err" || rc=$?
expect_rc 0 "relative run"
summary "0 added, 0 updated, 5 unchanged, 0 deleted, 0 skipped"
rc=0
(cd "$tmp" && "$NINDEX" -d idx "docs/.././docs//") >"$tmp/out" 2>"$tmp/err" || rc=$?
summary "0 added, 0 updated, 5 unchanged, 0 deleted, 0 skipped"
ni -d "$idx" "$b"
summary "0 added, 0 updated, 1 unchanged, 0 deleted, 0 skipped"

# --- a changed file is updated, a new one added -------------------------------
printf '\nA quokkaberry was seen.\n' >>"$c"
ni -d "$idx" "$docs"
expect_rc 0 "after a change"
summary "0 added, 1 updated, 4 unchanged, 0 deleted, 0 skipped"
finds quokkaberry "$c"
printf 'Wombat notes\nThe wombatfruit is here.\n' >"$docs/extra.txt"
ni -d "$idx" "$docs"
summary "1 added, 0 updated, 5 unchanged, 0 deleted, 0 skipped"
finds wombatfruit "$docs/extra.txt"

# --- --delete by id, then a missing id ------------------------------------------
ni -d "$idx" --delete "$docs/extra.txt"
expect_rc 0 "--delete"
summary "0 added, 0 updated, 0 unchanged, 1 deleted, 0 skipped"
finds_none wombatfruit
ni -d "$idx" --delete "$docs/extra.txt"
expect_rc 1 "--delete of a missing id"
err_has "$docs/extra.txt: no such document"
# a relative path names the file's document
ni -d "$idx" "$docs/extra.txt"
summary "1 added"
rc=0
(cd "$docs" && "$NINDEX" -d "$idx" --delete extra.txt) >"$tmp/out" 2>"$tmp/err" || rc=$?
expect_rc 0 "--delete of a relative path"
summary "0 added, 0 updated, 0 unchanged, 1 deleted, 0 skipped"
rm "$docs/extra.txt"

# --- --prune removes documents whose file is gone --------------------------------
rm "$c"
ni -d "$idx" --prune
expect_rc 0 "--prune"
summary "0 added, 0 updated, 0 unchanged, 1 deleted, 0 skipped"
finds_none quokkaberry
finds "sever relations" "$a" "$b"
ni -d "$idx" --prune "$docs"
summary "0 added, 0 updated, 4 unchanged, 0 deleted, 0 skipped"

# --- --stats, --optimize ------------------------------------------------------
ni -d "$idx" --stats
expect_rc 0 "--stats"
grep -qE '^documents +4$' "$tmp/out" || fail "--stats does not count 4 documents"
grep -qE '^ +total ' "$tmp/out" || fail "--stats has no total size"
ni -d "$idx" --optimize
expect_rc 0 "--optimize"
ni -d "$idx" --stats
grep -qE '^segments +1$' "$tmp/out" || fail "--optimize did not leave one segment"
grep -qE '^documents +4$' "$tmp/out" || fail "--optimize lost documents"
finds "sever relations" "$a" "$b"
ni -d "$idx" --stats "$docs"
summary "0 added, 0 updated, 4 unchanged"
grep -qE '^documents +4$' "$tmp/out" || fail "--stats after indexing"

# --- --commit-every, --quiet -----------------------------------------------------
ni -d "$tmp/idx2" --commit-every=1 "$docs"
expect_rc 0 "--commit-every=1"
summary "4 added, 0 updated, 0 unchanged, 0 deleted, 0 skipped"
idx="$tmp/idx2" finds "sever relations" "$a" "$b"
# four commits wrote four segments; the end of the run merged them (tidy)
ni -d "$tmp/idx2" --stats
grep -qE '^segments +1$' "$tmp/out" || fail "a run did not merge its own segments: $(cat "$tmp/out")"
ni -d "$tmp/idx3" --no-merge --commit-every=1 "$docs"
expect_rc 0 "--no-merge"
ni -d "$tmp/idx3" --stats
grep -qE '^segments +4$' "$tmp/out" || fail "--no-merge merged: $(cat "$tmp/out")"
idx="$tmp/idx3" finds "sever relations" "$a" "$b"
ni -q -d "$tmp/idx2" "$docs"
expect_rc 0 "--quiet"
[ ! -s "$tmp/err" ] || fail "--quiet printed something"

# --- Markdown: the markup goes, the words stay --------------------------------
mkdir "$tmp/md"
cat >"$tmp/md/note.md" <<'MD'
---
author: someone
---
# The *okapi* ledger

Keepers say the **okapi** census, [published here](https://stats.example.org/wombatquery),
found `forty` animals.
MD
idx="$tmp/idx-md"
ni -d "$idx" "$tmp/md"
expect_rc 0 "markdown"
finds okapi "$tmp/md/note.md"
finds_none wombatquery # a link target is not text
finds_none author      # nor is front matter
"$NSEARCH" -d "$idx" --json census >"$tmp/sout" || fail "census"
python3 - "$tmp/sout" <<'PY' || fail "Markdown hit: $(cat "$tmp/sout")"
import json, sys
hit = [o for o in map(json.loads, open(sys.argv[1], encoding="utf-8")) if "id" in o][0]
assert hit["title"] == "The okapi ledger", hit["title"]
snip = hit["snippet"]["text"] if isinstance(hit["snippet"], dict) else hit["snippet"]
assert "okapi census, published here, found forty animals" in snip, snip
assert not any(c in snip for c in "*`[]#"), snip
PY

echo "T200 ok"
