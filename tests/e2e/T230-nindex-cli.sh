#!/usr/bin/env bash
# T230-nindex-cli: help, version, usage errors, the default index location,
# standard input, a locked index, an interrupted run, a corrupt index, and
# that progress stays off when stderr is not a terminal.
set -euo pipefail

. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
e2e_init T230 NINDEX NSEARCH NS_SHARED_DIR
pids=()
e2e_on_exit+=('for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done')

# Standard input is never a terminal here (progress must stay off anyway).
ni() { e2e_nindex "$@" </dev/null; }
# This script's finds names the index: INDEX QUERY ID.
finds() { # INDEX QUERY ID
    rc=0
    "$NSEARCH" -d "$1" --json "$2" >"$tmp/sout" 2>/dev/null || rc=$?
    [ "$rc" -eq 0 ] || fail "'$2' found nothing in $1 (exit $rc)"
    python3 - "$tmp/sout" "$3" <<'PY' || fail "'$2' does not find $3"
import json, sys
ids = [o.get("id") for o in map(json.loads, open(sys.argv[1], encoding="utf-8"))
       if isinstance(o, dict)]
sys.exit(0 if sys.argv[2] in ids else 1)
PY
}

mkdir "$tmp/docs"
printf 'Doc\nthe gerenukian word\n' >"$tmp/docs/a.txt"

# --- help and version ------------------------------------------------------
ni --help
expect_rc 0 "--help"
out_has "Usage: nindex"
for opt in --index --language --prune --delete --optimize --stats --commit-every \
    --quiet --progress --help --version NSEARCH_INDEX XDG_DATA_HOME .local/share/nsearch/index \
    "Exit status"; do
    out_has "$opt"
done
[ ! -s "$tmp/err" ] || fail "--help wrote to stderr"
ni -h
expect_rc 0 "-h"
ni --version
expect_rc 0 "--version"
grep -qE '^nindex .*[0-9]+\.[0-9]+\.[0-9]+' "$tmp/out" || fail "--version output"
ni -V
expect_rc 0 "-V"

# --- usage errors: a message, a hint, exit 2 --------------------------------------
for args in "" "--bogus x" "-d" "--commit-every=x x" "--commit-every=-1 x" \
    "--progress=sometimes x" "--delete" "--prune=yes" "-" "--id=x" "- - --id=x" \
    "--id= -" "--jsonl --id=x -"; do
    # shellcheck disable=SC2086
    ni -d "$tmp/unused" $args
    expect_rc 2 "usage error for '$args'"
    err_has "Try 'nindex --help'."
    grep -q '^nindex: ' "$tmp/err" || fail "no 'nindex:' message for '$args'"
    [ ! -s "$tmp/out" ] || fail "usage error wrote to stdout"
done
[ ! -e "$tmp/unused" ] || fail "a usage error created the index"
rc=0
(cd "$tmp/docs" && "$NINDEX" -d "" a.txt) >"$tmp/out" 2>"$tmp/err" || rc=$?
expect_rc 2 "an empty index name"
[ "$(ls "$tmp/docs")" = a.txt ] || fail "an empty index name wrote into the working folder"

# --- the default index: NSEARCH_INDEX, XDG_DATA_HOME, HOME; parents made -------
rc=0
NSEARCH_INDEX="$tmp/env/deep/idx" "$NINDEX" "$tmp/docs" >"$tmp/out" 2>"$tmp/err" || rc=$?
expect_rc 0 "NSEARCH_INDEX"
err_has "$tmp/env/deep/idx"
finds "$tmp/env/deep/idx" gerenukian "$tmp/docs/a.txt"
rc=0
env -u NSEARCH_INDEX XDG_DATA_HOME="$tmp/xdg" "$NINDEX" "$tmp/docs" >"$tmp/out" 2>"$tmp/err" || rc=$?
expect_rc 0 "XDG_DATA_HOME"
finds "$tmp/xdg/nsearch/index" gerenukian "$tmp/docs/a.txt"
rc=0
env -u NSEARCH_INDEX -u XDG_DATA_HOME HOME="$tmp/home" "$NINDEX" "$tmp/docs" >"$tmp/out" 2>"$tmp/err" || rc=$?
expect_rc 0 "HOME"
finds "$tmp/home/.local/share/nsearch/index" gerenukian "$tmp/docs/a.txt"
rc=0
env -u NSEARCH_INDEX -u XDG_DATA_HOME HOME="$tmp/home" "$NINDEX" --help >"$tmp/out" 2>&1 || rc=$?
out_has "$tmp/home/.local/share/nsearch/index"

# --- --stats alone ---------------------------------------------------------------
idx="$tmp/idx"
ni -d "$idx" --stats
expect_rc 1 "--stats without an index"
grep -q '^nindex: ' "$tmp/err" || fail "no message for a missing index"
ni -d "$idx" "$tmp/docs"
expect_rc 0 "index"
ni -d "$idx" --stats
expect_rc 0 "--stats"
for k in documents deleted segments terms postings positions dictionary stored total; do
    grep -qE "^ *$k " "$tmp/out" || fail "--stats lacks $k"
done
grep -qE '^documents +1$' "$tmp/out" || fail "--stats document count"
# the stored text before compression is about the documents' size (it was
# read from the wrong place of the zstd layout: 10.7 kB for the 15.9 kB of
# the seed articles, 529.8 GB for Reuters)
ni -d "$tmp/seeds-idx" --include "*.txt" "$NS_SHARED_DIR/corpora/seeds"
expect_rc 0 "the seeds"
ni -d "$tmp/seeds-idx" --stats
raw=$(sed -n 's/^stored fields: \([0-9.]*\) \([kMG]*\)B before compression.*/\1 \2/p' "$tmp/out")
size=$(cat "$NS_SHARED_DIR"/corpora/seeds/*.txt | wc -c)
"$py" -c 'import sys
v, u = sys.argv[1].split(" ") if " " in sys.argv[1] else (sys.argv[1], "")
raw = float(v) * {"": 1, "k": 1e3, "M": 1e6, "G": 1e9}[u]
size = int(sys.argv[2])
sys.exit(0 if 0.95 * size <= raw <= 1.2 * size + 1000 else 1)' "$raw" "$size" ||
    fail "--stats: stored fields '$raw'B before compression for $size bytes of text"

# --- standard input: one document with --id ----------------------------------------
rc=0
printf 'From a pipe\nthe dikdikian text\n' | "$NINDEX" -d "$idx" --id=piped - >"$tmp/out" 2>"$tmp/err" || rc=$?
expect_rc 0 "stdin"
summary "1 added, 0 updated, 0 unchanged, 0 deleted, 0 skipped"
finds "$idx" dikdikian piped
rc=0
printf 'From a pipe\nthe dikdikian text\n' | "$NINDEX" -d "$idx" --id=piped - >"$tmp/out" 2>"$tmp/err" || rc=$?
summary "0 added, 0 updated, 1 unchanged"
rc=0
"$NINDEX" -d "$idx" --id=nothing - </dev/null >"$tmp/out" 2>"$tmp/err" || rc=$?
expect_rc 0 "empty stdin"
err_has "skipped: empty input"

# --- no progress line when stderr is not a terminal --------------------------------
ni -d "$idx" "$tmp/docs"
if grep -q $'\r' "$tmp/err"; then fail "progress drawn on a non-terminal"; fi
ni -d "$idx" --progress=never "$tmp/docs"
expect_rc 0 "--progress=never"

# --- a locked index: exit 1 with the library's message ------------------------
# A writer that waits on its standard input holds the lock meanwhile. It is
# started with --wait: when the probing writer below happens to take the lock
# first (a loaded machine), the holder must wait for it, not give up, or no
# probe would ever meet a held lock.
mkfifo "$tmp/fifo"
"$NINDEX" -d "$idx" --wait --id=held - <"$tmp/fifo" >"$tmp/held.out" 2>"$tmp/held.err" &
holder=$!
pids+=("$holder")
exec 3>"$tmp/fifo"
locked=0
for _ in $(seq 100); do
    ni -d "$idx" "$tmp/docs"
    if [ "$rc" -ne 0 ]; then locked=1; break; fi
    sleep 0.1
done
[ "$locked" -eq 1 ] || fail "a second writer was not refused"
expect_rc 1 "locked index"
err_has "locked"
printf 'Held\nthe klipspringerian text\n' >&3
exec 3>&-
rc=0
wait "$holder" || rc=$?
expect_rc 0 "the writer holding the lock"
finds "$idx" klipspringerian held

# --- interrupted: what was done is committed, exit 130 -----------------------
printf 'Before\nthe sitatungan text\n' >"$tmp/docs/b.txt"
"$NINDEX" -d "$idx" "$tmp/docs" --id=never - <"$tmp/fifo" >"$tmp/int.out" 2>"$tmp/int.err" &
holder=$!
pids+=("$holder")
exec 3>"$tmp/fifo"
# Wait until it blocks reading the pipe, that is, the files are done (at most
# 5 s where the kernel does not say where a process waits).
for _ in $(seq 50); do
    grep -q pipe "/proc/$holder/wchan" 2>/dev/null && break
    sleep 0.1
done
kill -INT "$holder"
rc=0
wait "$holder" || rc=$?
exec 3>&-
[ "$rc" -eq 130 ] || { cat "$tmp/int.err" >&2; fail "interrupted run: exit $rc, expected 130"; }
grep -qF "nindex: interrupted: 1 added" "$tmp/int.err" || { cat "$tmp/int.err" >&2; fail "interrupted summary"; }
finds "$idx" sitatungan "$tmp/docs/b.txt"

# --- a corrupt index: exit 3 ------------------------------------------------------
cp -r "$idx" "$tmp/broken"
[ -f "$tmp/broken/COMMIT" ] || { echo "SKIP: corrupt index check (no COMMIT file)"; echo "T230 ok"; exit 0; }
python3 - "$tmp/broken/COMMIT" <<'PY'
import sys
p = sys.argv[1]
b = bytearray(open(p, "rb").read())
for i in range(12, len(b) - 4):
    b[i] ^= 0x5A
open(p, "wb").write(bytes(b))
PY
ni -d "$tmp/broken" "$tmp/docs"
expect_rc 3 "corrupt index"
grep -q '^nindex: ' "$tmp/err" || fail "no message for a corrupt index"
ni -d "$tmp/broken" --stats
expect_rc 3 "--stats on a corrupt index"

echo "T230 ok"
