#!/usr/bin/env bash
# bench/news_index.sh — nindex's CPU per MB on the news corpora (issue 11's
# 50k documents: Reuters-21578, 20 Newsgroups, BBC, AG News test, as JSON
# lines): builds the file, then times `nindex -q -d INDEX FILE` (a fresh
# index each time) for each given nindex, alternating them RUNS times in the
# same loop so that load on the machine hits all alike, and prints each one's
# runs and median user + system CPU (ms per MB of the JSON-lines file) and
# wall time.
#
#   bench/news_index.sh SHARED_DIR RUNS NINDEX [NINDEX...]
set -euo pipefail

usage="usage: news_index.sh SHARED_DIR RUNS NINDEX [NINDEX...]"
shared=${1:?$usage}
runs=${2:?$usage}
shift 2
(($# >= 1)) || { echo "news_index.sh: no nindex given" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "news_index.sh: needs /usr/bin/time (package time)" >&2; exit 2; }
c=$shared/corpora
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(zcat "$c/reuters21578/docs.jsonl.gz" "$c/20newsgroups/docs.jsonl.gz"
    cat "$c/bbc_news/docs.jsonl" "$c/ag_news_test/docs.jsonl") >"$tmp/news.jsonl"
mb=$(stat -c %s "$tmp/news.jsonl" | awk '{ printf "%.3f", $1 / 1e6 }')
echo "news corpus: $(wc -l <"$tmp/news.jsonl") records, $mb MB"
for r in $(seq "$runs"); do
    for i in $(seq $#); do
        bin=${!i}
        rm -rf "$tmp/idx"
        /usr/bin/time -f '%U %S %e' -o "$tmp/t" "$bin" -q --progress=never -d "$tmp/idx" "$tmp/news.jsonl" ||
            { echo "news_index.sh: $bin failed" >&2; exit 1; }
        read -r u s e <"$tmp/t"
        echo "$i $u $s $e" >>"$tmp/all"
        awk -v r="$r" -v b="$bin" -v mb="$mb" -v u="$u" -v s="$s" -v e="$e" 'BEGIN {
            printf "run %d %s: user %.2f s, sys %.2f s, wall %.2f s, %.1f ms CPU/MB\n", r, b, u, s, e, (u + s) * 1000 / mb }'
    done
done
median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
for i in $(seq $#); do
    cpu=$(awk -v i="$i" -v mb="$mb" '$1 == i { print ($2 + $3) * 1000 / mb }' "$tmp/all" | median)
    user=$(awk -v i="$i" -v mb="$mb" '$1 == i { print $2 * 1000 / mb }' "$tmp/all" | median)
    wall=$(awk -v i="$i" '$1 == i { print $4 }' "$tmp/all" | median)
    printf 'median of %d: %s: %.1f ms CPU/MB (user %.1f), wall %.2f s\n' "$runs" "${!i}" "$cpu" "$user" "$wall"
done
