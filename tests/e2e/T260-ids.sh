#!/usr/bin/env bash
# T260-ids: ids that are awkward to print. nindex --list-ids writes one line
# per id with \\, \n, \r, \t and \xHH escaped (printf '%b' gives the id back)
# or, with -0, raw ids ended by NUL; it reads the last commit without the
# writer lock, so it answers while a writer holds the index. nsearch --trec
# percent-encodes %, spaces and control bytes, so "a b" and "a_b" stay two
# ids. Bounded: a few seconds.
set -euo pipefail

. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
e2e_init T260 NINDEX NSEARCH

idx="$tmp/idx"
"$py" - "$tmp/ids.jsonl" <<'PY'
import json, sys
ids = ["a\nb", "a b", "a_b", "back\\slash\ttab", "bell\x07", "100%", "plain"]
with open(sys.argv[1], "w") as f:
    for i in ids:
        f.write(json.dumps({"id": i, "body": "the quokkalian document"}) + "\n")
PY
ni -d "$idx" "$tmp/ids.jsonl"
expect_rc 0 "indexing awkward ids"

# --- --list-ids: escaped lines, and -0 -------------------------------------------
ni -d "$idx" --list-ids
expect_rc 0 "--list-ids"
sort "$tmp/out" >"$tmp/lines"
printf '%s\n' 'a\nb' 'a b' 'a_b' 'back\\slash\ttab' 'bell\x07' '100%' 'plain' | sort >"$tmp/want"
diff "$tmp/want" "$tmp/lines" >&2 || fail "--list-ids lines"
# printf '%b' undoes the escapes: the ids as indexed
while IFS= read -r l; do printf '%b\0' "$l"; done <"$tmp/out" | sort -z >"$tmp/decoded"
"$py" - "$tmp/ids.jsonl" "$tmp/decoded" <<'PY' || fail "escaped ids do not decode to the ids"
import json, sys
want = sorted(json.loads(l)["id"].encode() for l in open(sys.argv[1]))
got = sorted(x for x in open(sys.argv[2], "rb").read().split(b"\0") if x)
sys.exit(0 if want == got else 1)
PY
ni -d "$idx" --list-ids -0
expect_rc 0 "--list-ids -0"
"$py" - "$tmp/ids.jsonl" "$tmp/out" <<'PY' || fail "--list-ids -0 gives the raw ids"
import json, sys
want = sorted(json.loads(l)["id"].encode() for l in open(sys.argv[1]))
data = open(sys.argv[2], "rb").read()
sys.exit(0 if data.endswith(b"\0") and sorted(data[:-1].split(b"\0")) == want else 1)
PY
ni -d "$idx" -0
expect_rc 2 "-0 without --list-ids"
err_has "-0 (--null) applies to --list-ids and --files-from"

# --- --list-ids while a writer holds the lock ----------------------------------
mkfifo "$tmp/fifo"
"$NINDEX" -d "$idx" --wait --id=held - <"$tmp/fifo" >"$tmp/held.out" 2>"$tmp/held.err" &
holder=$!
e2e_on_exit+=("kill -KILL $holder 2>/dev/null")
exec 3>"$tmp/fifo"
# the holder has the lock once a second writer is refused (with --wait, a
# holder that meets a probe holding the lock waits for it instead of failing)
locked=0
for _ in $(seq 100); do
    ni -d "$idx" "$tmp/ids.jsonl"
    if [ "$rc" -ne 0 ]; then locked=1; break; fi
    sleep 0.1
done
[ "$locked" -eq 1 ] || fail "the holder never took the lock"
err_has "locked"
ni -d "$idx" --list-ids
expect_rc 0 "--list-ids while a writer holds the lock"
[ "$(grep -c . "$tmp/out")" -eq 7 ] || fail "--list-ids under a held lock: $(cat "$tmp/out")"
printf 'Held\nthe quokkalian held text\n' >&3
exec 3>&-
rc=0
wait "$holder" || rc=$?
expect_rc 0 "the writer holding the lock"

# --- TREC runs: ids that cannot be one column are %HH-encoded -------------------
ns -d "$idx" --trec t -n 20 quokkalian
expect_rc 0 "a TREC run"
cut -d' ' -f3 "$tmp/out" | sort >"$tmp/trec-ids"
printf '%s\n' 'a%0Ab' 'a%20b' 'a_b' 'back\slash%09tab' 'bell%07' '100%25' 'plain' 'held' |
    sort >"$tmp/want"
diff "$tmp/want" "$tmp/trec-ids" >&2 || fail "TREC ids"
awk 'NF != 6 { exit 1 }' "$tmp/out" || fail "a TREC line without six columns"
echo "T260 ok"
