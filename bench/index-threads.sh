#!/usr/bin/env bash
# bench/index-threads.sh — indexing time, CPU and peak memory per writer
# thread count (nindex -j, issue 11): the four news corpora (Reuters-21578,
# 20 Newsgroups, BBC, AG News: ~50k documents) indexed from scratch by a
# plain `nindex -j N` (with its default commits and the merge at the end),
# each thread count in turn, round after round, so that a machine shared
# with other work slows every side alike; the medians are reported.
#
#   bench/index-threads.sh [--jobs "1 2"] [--rounds 3] [--ram-budget MB]
#                          [--nindex PATH]... [--out DIR]
#
# --nindex may be given several times (e.g. a build of an older commit, as
# "label=PATH"): each is measured at each -j it accepts (an nindex without
# -j runs once per round, labelled "-"). Reports, per nindex and -j: wall
# seconds, CPU seconds (user + system), MB/s of input text (the corpora's
# decompressed bytes over wall time), speed-up over the first -j, and peak
# RSS (GNU time's "Maximum resident set size"). The index folders go to
# --out (default: a temporary folder, removed at the end).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
corp=${NS_SHARED_DIR:-$root/../shared}/corpora
jobs="1 2" rounds=3 budget="" out="" nindexes=()
while [ $# -gt 0 ]; do
    case $1 in
    --jobs) jobs=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    --ram-budget) budget=$2; shift 2 ;;
    --nindex) nindexes+=("$2"); shift 2 ;;
    --out) out=$2; shift 2 ;;
    *) echo "index-threads.sh: unknown option $1" >&2; exit 2 ;;
    esac
done
[ ${#nindexes[@]} -gt 0 ] || nindexes=("nindex=${NINDEX:-$root/build/indexer/nindex}")
[ -x /usr/bin/time ] || { echo "index-threads.sh: needs GNU time (/usr/bin/time)" >&2; exit 2; }
docs=("$corp/reuters21578/docs.jsonl.gz" "$corp/20newsgroups/docs.jsonl.gz"
      "$corp/bbc_news/docs.jsonl" "$corp/ag_news_test/docs.jsonl")
for f in "${docs[@]}"; do [ -r "$f" ] || { echo "index-threads.sh: missing $f" >&2; exit 2; }; done
bytes=0
for f in "${docs[@]}"; do
    if [[ $f == *.gz ]]; then n=$(gzip -dc "$f" | wc -c); else n=$(wc -c <"$f"); fi
    bytes=$((bytes + n))
done
work=${out:-$(mktemp -d)}
mkdir -p "$work"
[ -n "$out" ] || trap 'rm -rf "$work"' EXIT
samples=$work/samples.tsv
: >"$samples"

for r in $(seq 1 "$rounds"); do
    for spec in "${nindexes[@]}"; do
        label=${spec%%=*} bin=${spec#*=}
        [ "$label" != "$spec" ] || label=$(basename "$(dirname "$(dirname "$bin")")")
        has_j=1
        "$bin" --help 2>&1 | grep -q -- '--jobs' || has_j=0
        for j in $jobs; do
            [ $has_j = 1 ] || { [ "$j" = "${jobs%% *}" ] || continue; }
            idx=$work/idx
            rm -rf "$idx"
            opts=(-q --progress=never)
            [ $has_j = 0 ] || opts+=(-j "$j")
            [ -z "$budget" ] || opts+=(--ram-budget "$budget")
            /usr/bin/time -v "$bin" "${opts[@]}" -d "$idx" "${docs[@]}" 2>"$work/time.txt" >/dev/null ||
                { echo "index-threads.sh: $bin failed:" >&2; cat "$work/time.txt" >&2; exit 1; }
            awk -v l="$label" -v j="$([ $has_j = 1 ] && echo "$j" || echo -)" -v r="$r" -F': ' '
                /Elapsed \(wall clock\)/ { n = split($2, t, ":"); w = 0
                                          for (i = 1; i <= n; i++) w = w * 60 + t[i] }
                /User time/ { u = $2 } /System time/ { s = $2 }
                /Maximum resident set size/ { m = $2 }
                END { printf "%s\t%s\t%s\t%.2f\t%.2f\t%d\n", l, j, r, w, u + s, m }' \
                "$work/time.txt" >>"$samples"
            tail -1 "$samples" >&2
        done
    done
done

echo "# $(wc -l <"$samples") runs, $rounds rounds; input $((bytes / 1000000)) MB"
printf '%-12s %3s %9s %9s %8s %8s %10s\n' nindex -j wall_s cpu_s MB/s speedup peak_MB
awk -v bytes="$bytes" -F'\t' '
    function median(list,   a, n, i, j, t) {
        n = split(list, a, " ")
        for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
        return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
    }
    { k = $1 SUBSEP $2; if (!(k in wall)) order[++no] = k
      wall[k] = wall[k] " " $4; cpu[k] = cpu[k] " " $5; rss[k] = rss[k] " " $6 }
    END {
        for (i = 1; i <= no; i++) {
            k = order[i]; split(k, p, SUBSEP)
            w = median(wall[k]); if (!(p[1] in base)) base[p[1]] = w
            printf "%-12s %3s %9.2f %9.2f %8.1f %8.2f %10.0f\n", p[1], p[2], w, median(cpu[k]),
                   bytes / 1e6 / w, base[p[1]] / w, median(rss[k]) / 1024
        }
    }' "$samples"
