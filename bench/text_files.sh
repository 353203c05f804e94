#!/usr/bin/env bash
# bench/text_files.sh — nindex over a folder of plain-text files: what the
# per-file reading path costs (the encoding check of indexer/charset.c runs on
# every file). The records of a JSON-lines corpus become one .txt file each
# (title line, body) in a scratch folder; a fresh index is built RUNS times
# and the best wall time and best CPU time are reported, with the input's
# size and rate.
# Usage: bench/text_files.sh NINDEX [CORPUS.jsonl[.gz]] [RUNS]
# (default corpus: ../shared/corpora/bbc_news/docs.jsonl, 5 runs). Compare
# two builds by running it with each nindex on the same machine, one after
# the other.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
nindex=${1:?usage: bench/text_files.sh NINDEX [CORPUS.jsonl] [RUNS]}
corpus=${2:-$root/../shared/corpora/bbc_news/docs.jsonl}
runs=${3:-5}
work=$(mktemp -d "${TMPDIR:-/tmp}/nstextbench.XXXXXX")
trap 'rm -rf "$work"' EXIT

python3 - "$corpus" "$work/docs" <<'PY'
import gzip, json, os, sys
src, out = sys.argv[1], sys.argv[2]
os.makedirs(out)
opener = gzip.open if src.endswith(".gz") else open
with opener(src, "rt", encoding="utf-8") as f:
    for i, line in enumerate(f):
        o = json.loads(line)
        with open(os.path.join(out, "%06d.txt" % i), "w", encoding="utf-8") as g:
            g.write((o.get("title") or "") + "\n\n" + (o.get("body") or "") + "\n")
PY
files=$(find "$work/docs" -type f | wc -l)
bytes=$(du -sb "$work/docs" | cut -f1)
best= cpu=
for _ in $(seq "$runs"); do
    rm -rf "$work/idx"
    start=$(date +%s.%N)
    /usr/bin/time -f '%U %S' -o "$work/time" "$nindex" -q -d "$work/idx" "$work/docs" 2>"$work/log" ||
        { cat "$work/log" >&2; exit 1; }
    end=$(date +%s.%N)
    t=$(echo "$end - $start" | bc -l)
    c=$(awk '{ print $1 + $2 }' "$work/time")
    if [ -z "$best" ] || (($(echo "$t < $best" | bc -l))); then best=$t; fi
    if [ -z "$cpu" ] || (($(echo "$c < $cpu" | bc -l))); then cpu=$c; fi
done
# CPU time (user + system) is the steadier figure on a shared machine.
printf '%s: %d files, %d bytes, best of %d: %.3f s wall (%.1f MB/s), %.2f s CPU\n' "$nindex" \
    "$files" "$bytes" "$runs" "$best" "$(echo "$bytes / $best / 1000000" | bc -l)" "$cpu"
