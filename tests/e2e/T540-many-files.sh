#!/usr/bin/env bash
# T540-many-files: 10^6 tiny files (1000 folders of 1000; a title line and a
# few words each, one of them a word no other file has), generated here and
# indexed in one nindex run: the summary counts 1,000,000 added; 50 random
# files' own words each find exactly that file; --stats reports 1,000,000
# documents; a re-run over the same tree finds them all unchanged without
# reading them (their stamps), and so does one with --rehash, reading them;
# deleting 10 files and running --prune deletes exactly those 10; --check
# passes. Times and peak RSS (/usr/bin/time, when present) are printed and
# only bounded loosely (NS_BIG_RSS_MB, default 4096).
# The tree takes about 4.5 GB (a 4 KiB block per file) and 10^6 inodes. It
# goes to NS_MANY_FILES_DIR if set, else to /dev/shm when that tmpfs and the
# free memory have room, else under NS_TMPDIR; the index is always under
# NS_TMPDIR. (On a disk mounted with "discard", as on the dev VM, deleting 10^6
# written files issues 10^6 synchronous TRIMs: about 45 minutes.) Everything
# is removed at the end. NS_MANY_FILES (a multiple of 1000) scales it down.
# Label "big": run by the gcc test phase, not under the sanitizers.
set -euo pipefail

. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
e2e_init T540 NINDEX NSEARCH NS_SHARED_DIR
n=${NS_MANY_FILES:-1000000}
ndirs=$((n / 1000))
[ $((ndirs * 1000)) -eq "$n" ] && [ "$ndirs" -ge 1 ] || { echo "NS_MANY_FILES: a multiple of 1000" >&2; exit 2; }
max_rss_mb=${NS_BIG_RSS_MB:-4096}
treebase=${NS_MANY_FILES_DIR:-}
if [ -z "$treebase" ]; then
    need_kb=$((n * 6)) # a page, an inode and a dentry per file
    shm_kb=$(df -Pk /dev/shm 2>/dev/null | awk 'NR == 2 && $1 == "tmpfs" { print $4 }')
    mem_kb=$(awk '/^MemAvailable:/ { print $2 }' /proc/meminfo 2>/dev/null)
    if [ -w /dev/shm ] && [ "${shm_kb:-0}" -gt "$need_kb" ] &&
        [ "${mem_kb:-0}" -gt $((need_kb + 3 * 1024 * 1024)) ]; then
        treebase=/dev/shm
    else
        treebase=$NS_TMPDIR
    fi
fi
# Not enough room is a skip (exit 77, CTest SKIP_RETURN_CODE), said loudly,
# rather than a failure of the engine.
room_kb=$(df -Pk "$treebase" | awk 'NR == 2 { print $4 }')
room_inodes=$(df -Pi "$treebase" | awk 'NR == 2 { print $4 }')
if [ "${room_kb:-0}" -lt $((n * 5)) ] || { [ "$room_inodes" != - ] && [ "${room_inodes:-0}" -lt $((n + 10000)) ]; }; then
    echo "T540: SKIPPED: $treebase has ${room_kb} KiB and ${room_inodes} inodes free; $n files need $((n * 5)) KiB and $n inodes (set NS_MANY_FILES_DIR)"
    exit 77
fi
treedir=$(mktemp -d "$treebase/T540-tree.XXXXXX")
e2e_on_exit+=('rm -rf "$treedir"')

timed=()
[ -x /usr/bin/time ] && timed=(/usr/bin/time -f 'T540-rss %M %e' -o "$tmp/time")
idx() { # idx WHAT ARGS...: runs nindex on the test index, reports time and peak RSS; sets rc
    local what=$1 start=$SECONDS kb secs
    shift
    rc=0
    "${timed[@]}" "$NINDEX" --progress=never -d "$tmp/idx" "$@" >"$tmp/out" 2>"$tmp/err" || rc=$?
    if [ -s "$tmp/time" ]; then
        read -r _ kb secs < <(grep '^T540-rss' "$tmp/time")
        echo "T540: $what: ${secs} s, peak RSS $((kb / 1024)) MB"
        [ $((kb / 1024)) -lt "$max_rss_mb" ] || fail "$what: peak RSS $((kb / 1024)) MB >= $max_rss_mb MB"
    else
        echo "T540: $what: $((SECONDS - start)) s"
    fi
}

# The tree: file i is tree/dNNN/fNNN.txt, its own word "qz" + i's six digits
# spelled with the consonants b..m (no vowel, no 's': no stemmer suffix).
start=$SECONDS
python3 - "$treedir/tree" "$ndirs" "$NS_SHARED_DIR/corpora/bbc_news/docs.jsonl" <<'EOF'
import json, os, re, sys
root, ndirs, src = sys.argv[1], int(sys.argv[2]), sys.argv[3]
text = " ".join(json.loads(l)["body"] for l in open(src, encoding="utf-8"))
words = sorted(set(re.findall(r"\b[a-z]{4,9}\b", text)))
nw, flags = len(words), os.O_WRONLY | os.O_CREAT | os.O_EXCL
os.mkdir(root)
for d in range(ndirs):
    dp = "%s/d%03d/" % (root, d)
    os.mkdir(dp)
    for f in range(1000):
        i = d * 1000 + f
        own = "qz" + "".join("bcdfghjklm"[int(c)] for c in "%06d" % i)
        body = "%s %s\n%s %s %s\n" % (words[i * 7919 % nw], own, words[(i * 104729 + 1) % nw],
                                      words[(i * 15485863 + 2) % nw], words[(i * 32452843 + 3) % nw])
        fd = os.open(dp + "f%03d.txt" % f, flags, 0o644)
        os.write(fd, body.encode())
        os.close(fd)
EOF
echo "T540: generating $n files in $treebase: $((SECONDS - start)) s"
own() { # own I: the word only file I holds
    printf 'qz%06d' "$1" | tr 0123456789 bcdfghjklm
}
path_of() { printf '%s/tree/d%03d/f%03d.txt' "$treedir" $(($1 / 1000)) $(($1 % 1000)); }

idx "indexing $n files" "$treedir/tree"
[ "$rc" -eq 0 ] || fail "indexing: exit $rc"
grep -q "^nindex: $n added, 0 updated, 0 unchanged, 0 deleted, 0 skipped" "$tmp/err" ||
    fail "the summary does not count $n added"

# 50 random files (and the first and last): each own word finds exactly its file
sample=$(python3 -c "import random,sys; n=int(sys.argv[1]); r=random.Random(540); print(0, n-1, *r.sample(range(n), 50))" "$n")
for i in $sample; do
    rc=0
    "$NSEARCH" --json -n 5 -d "$tmp/idx" "$(own "$i")" >"$tmp/out" 2>"$tmp/err" || rc=$?
    [ "$rc" -eq 0 ] || fail "search $(own "$i") (file $i): exit $rc"
    [ "$(grep -c '"rank"' "$tmp/out")" -eq 1 ] && grep -q "\"id\":\"$(path_of "$i")\"" "$tmp/out" &&
        grep -q '"total":1,' "$tmp/out" || fail "search $(own "$i"): not exactly $(path_of "$i")"
done
echo "T540: $(wc -w <<<"$sample") own words each found exactly their file"

idx "--stats" --stats
[ "$rc" -eq 0 ] && grep -Eq "^documents +$n\$" "$tmp/out" || fail "--stats does not report $n documents"

# The re-run skips every file by its stamp (size, mtime, inode, device:
# docs/format.md, "nindex.stamps") without opening it: 0 B read. --rehash
# reads them all again, as every re-run did before the stamps.
idx "re-run (nothing changed)" "$treedir/tree"
[ "$rc" -eq 0 ] || fail "re-run: exit $rc"
grep -q "^nindex: 0 added, 0 updated, $n unchanged, 0 deleted, 0 skipped — 0 B in" "$tmp/err" ||
    fail "the re-run does not find all $n unchanged without reading them"
idx "re-run with --rehash (every file read)" --rehash "$treedir/tree"
[ "$rc" -eq 0 ] || fail "--rehash: exit $rc"
grep -q "^nindex: 0 added, 0 updated, $n unchanged, 0 deleted, 0 skipped" "$tmp/err" ||
    fail "the re-run with --rehash does not find all $n unchanged"
grep -q " skipped — 0 B in" "$tmp/err" && fail "--rehash read no file"

gone=$(python3 -c "import random,sys; n=int(sys.argv[1]); print(*random.Random(541).sample(range(n), 10))" "$n")
for i in $gone; do rm "$(path_of "$i")"; done
idx "--prune after deleting 10 files" --prune
[ "$rc" -eq 0 ] || fail "--prune: exit $rc"
grep -q "^nindex: 0 added, 0 updated, 0 unchanged, 10 deleted, 0 skipped" "$tmp/err" ||
    fail "--prune did not delete exactly 10 documents"
for i in $gone; do
    rc=0
    "$NSEARCH" -d "$tmp/idx" "$(own "$i")" >"$tmp/out" 2>"$tmp/err" || rc=$?
    [ "$rc" -eq 1 ] || fail "the pruned file $i is still found (exit $rc)"
done
idx "--stats after --prune" --stats
grep -Eq "^documents +$((n - 10))\$" "$tmp/out" || fail "--stats after --prune: not $((n - 10)) documents"

idx "--check" --check
[ "$rc" -eq 0 ] || fail "nindex --check: exit $rc"
grep -q "ok: .*($((n - 10)) live)" "$tmp/out" "$tmp/err" || fail "nindex --check: unexpected report"

start=$SECONDS
rm -rf "$treedir"
echo "T540: removing the tree: $((SECONDS - start)) s"
echo "T540-many-files: ok"
