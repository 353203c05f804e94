#!/usr/bin/env bash
# bench/rerun.sh — a re-run of nindex on an unchanged tree of N small files
# (T540's tree: folders of 1000 files of a few words), for each given nindex:
# each indexes the tree into its own index once, then re-runs on it RUNS
# times, alternating with the others; a build that knows --rehash also
# re-runs with it (every file read, as before file stamps). Prints each
# run's wall, user and system time and peak RSS, then the medians. The tree
# goes to /dev/shm when it has room (TREE_DIR overrides), N defaults to
# 100000 (a multiple of 1000).
#
#   bench/rerun.sh SHARED_DIR RUNS NINDEX [NINDEX...]   (N=1000000 bench/rerun.sh ...)
set -euo pipefail

usage="usage: rerun.sh SHARED_DIR RUNS NINDEX [NINDEX...]"
shared=${1:?$usage}
runs=${2:?$usage}
shift 2
(($# >= 1)) || { echo "rerun.sh: no nindex given" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "rerun.sh: needs /usr/bin/time (package time)" >&2; exit 2; }
n=${N:-100000}
base=${TREE_DIR:-/dev/shm}
[ -w "$base" ] || base=${TMPDIR:-/tmp}
tmp=$(mktemp -d "$base/rerun.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
start=$SECONDS
python3 - "$tmp/tree" $((n / 1000)) "$shared/corpora/bbc_news/docs.jsonl" <<'PY'
import json, os, re, sys
root, ndirs, src = sys.argv[1], int(sys.argv[2]), sys.argv[3]
text = " ".join(json.loads(l)["body"] for l in open(src, encoding="utf-8"))
words = sorted(set(re.findall(r"\b[a-z]{4,9}\b", text)))
nw = len(words)
os.mkdir(root)
for d in range(ndirs):
    dp = "%s/d%03d/" % (root, d)
    os.mkdir(dp)
    for f in range(1000):
        i = d * 1000 + f
        own = "qz" + "".join("bcdfghjklm"[int(c)] for c in "%06d" % i)
        body = "%s %s\n%s %s %s\n" % (words[i * 7919 % nw], own, words[(i * 104729 + 1) % nw],
                                      words[(i * 15485863 + 2) % nw], words[(i * 32452843 + 3) % nw])
        with open(dp + "f%03d.txt" % f, "w") as out:
            out.write(body)
PY
echo "tree of $n files in $tmp: $((SECONDS - start)) s"
timed() { # LABEL KEY NINDEX ARGS...
    local label=$1 key=$2
    shift 2
    /usr/bin/time -f '%e %U %S %M' -o "$tmp/t" "$@" --progress=never >/dev/null 2>"$tmp/err" ||
        { cat "$tmp/err" >&2; echo "rerun.sh: $* failed" >&2; exit 1; }
    read -r e u s m <"$tmp/t"
    echo "$key $e" >>"$tmp/all"
    printf '%s: %s s wall, %s s user, %s s sys, %d MB peak RSS; %s\n' "$label" "$e" "$u" "$s" $((m / 1024)) \
        "$(sed -n 's/^nindex: \(.*\) → .*/\1/p' "$tmp/err")"
}
for i in $(seq $#); do
    timed "index ${!i}" index$i "${!i}" -d "$tmp/idx$i" "$tmp/tree"
done
for r in $(seq "$runs"); do
    for i in $(seq $#); do
        timed "run $r ${!i} re-run" rerun$i "${!i}" -d "$tmp/idx$i" "$tmp/tree"
        if "${!i}" --help 2>&1 | grep -q -- --rehash; then
            timed "run $r ${!i} --rehash" rehash$i "${!i}" --rehash -d "$tmp/idx$i" "$tmp/tree"
        fi
    done
done
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR) print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
for i in $(seq $#); do
    for k in rerun rehash; do
        m=$(awk -v k="$k$i" '$1 == k { print $2 }' "$tmp/all" | median)
        [ -n "$m" ] && echo "median of $runs: ${!i} $k: $m s wall"
    done
done
