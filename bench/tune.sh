#!/usr/bin/env bash
# bench/tune.sh — ranking parameters of nsearch chosen by cross-validation on
# the classic collections (issue 13): Cranfield, CISI and CACM.
#
#   bench/tune.sh --bindir D [--shared S] [--out DIR] [--grid quick|full]
#
# Every combination of the grid (BM25 alone; proximity weight and window;
# feedback docs, terms and weight; proximity with feedback) is run through
# bench_nsearch's trec command (its NB_NS_* environment: drv_nsearch.c) on
# each collection, top 100 per query as bench/run.sh does, and scored by
# bench_trec_eval (MAP, nDCG@10). Then, for each collection held out in turn,
# the combination with the best mean MAP on the OTHER two is chosen and its
# figures on the held-out one are reported: nothing is tuned on the collection
# it is measured on. Output: DIR/grid.csv (setting,collection,map,ndcg10) and
# DIR/cv.md (the held-out table), also printed.
set -euo pipefail

bindir="" shared=${NS_SHARED_DIR:-} out="" grid=full
while (($#)); do
    case $1 in
    --bindir) bindir=$2; shift ;;
    --shared) shared=$2; shift ;;
    --out) out=$2; shift ;;
    --grid) grid=$2; shift ;;
    -h | --help) sed -n '2,17p' "$0"; exit 0 ;;
    *) echo "tune.sh: unknown argument $1" >&2; exit 2 ;;
    esac
    shift
done
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
shared=${shared:-$(cd "$here/../.." && pwd)/shared}
[[ -x $bindir/bench_nsearch && -x $bindir/bench_trec_eval ]] ||
    { echo "tune.sh: --bindir must hold bench_nsearch and bench_trec_eval" >&2; exit 2; }
out=${out:-$(mktemp -d /tmp/nsearch-tune.XXXXXX)}
mkdir -p "$out"
colls=(cranfield cisi cacm)

for c in "${colls[@]}"; do
    d=$shared/corpora/$c
    "$bindir/gen_queries" --trec "$d/queries.tsv" "$out/q-$c.tsv"
    "$bindir/bench_nsearch" build --index "$out/$c.idx" --out "$out/build.csv" --label "$c" \
        "$d/docs.jsonl" 2>>"$out/log"
done

# settings: "name|K1|B|PROXIMITY|EXPAND"
settings=("bm25|1.2|0.75||")
if [[ $grid == quick ]]; then
    pw=(0.1 0.3) win=(8) fd=(10) ft=(20 40) fw=(0.3 0.6)
else
    pw=(0.05 0.1 0.2 0.4) win=(4 8 16) fd=(5 10 20) ft=(10 20 40) fw=(0.2 0.4 0.7 1.0)
fi
for w in "${pw[@]}"; do for x in "${win[@]}"; do
    settings+=("prox:$w/$x|1.2|0.75|$w,$x|")
done; done
for a in "${fd[@]}"; do for t in "${ft[@]}"; do for w in "${fw[@]}"; do
    settings+=("fb:$a/$t/$w|1.2|0.75||$a,$t,$w")
done; done; done
# proximity with feedback: the feedback grid with each proximity weight, window 8
for p in "${pw[@]}"; do for a in "${fd[@]}"; do for t in "${ft[@]}"; do for w in "${fw[@]}"; do
    settings+=("prox+fb:$p/8+$a/$t/$w|1.2|0.75|$p,8|$a,$t,$w")
done; done; done; done

echo "setting,collection,map,ndcg10" >"$out/grid.csv"
for s in "${settings[@]}"; do
    IFS='|' read -r name k1 b prox exp <<<"$s"
    for c in "${colls[@]}"; do
        NB_NS_K1=$k1 NB_NS_B=$b NB_NS_PROXIMITY=$prox NB_NS_EXPAND=$exp \
            "$bindir/bench_nsearch" trec --index "$out/$c.idx" --run "$out/run" --tag t \
            "$out/q-$c.tsv" 2>>"$out/log"
        "$bindir/bench_trec_eval" "$shared/corpora/$c/qrels.txt" "$out/run" |
            awk -F'\t' -v s="$name" -v c="$c" '$2 == "all" && $1 == "map" { m = $3 }
                $2 == "all" && $1 == "ndcg_cut_10" { n = $3 }
                END { print s "," c "," m "," n }' >>"$out/grid.csv"
    done
done

# cross-validation: for each held-out collection, the best setting of each
# family (by mean MAP on the other two), measured on the held-out one
awk -F, '
NR == 1 { next }
{ map[$1, $2] = $3; nd[$1, $2] = $4; if (!($1 in seen)) { seen[$1] = 1; order[++ns] = $1 } }
function fam(s) { sub(/:.*/, "", s); return s }
END {
    nc = split("cranfield cisi cacm", C, " ")
    print "| family | held out | chosen on the other two | MAP | nDCG@10 |"
    print "|---|---|---|---|---|"
    nf = split("bm25 prox fb prox+fb", F, " ")
    for (f = 1; f <= nf; f++)
        for (h = 1; h <= nc; h++) {
            best = ""; bv = -1
            for (i = 1; i <= ns; i++) {
                s = order[i]
                if (fam(s) != F[f]) continue
                v = 0
                for (k = 1; k <= nc; k++) if (k != h) v += map[s, C[k]]
                if (v > bv) { bv = v; best = s }
            }
            if (best != "")
                printf "| %s | %s | %s | %.4f | %.4f |\n", F[f], C[h], best, map[best, C[h]], nd[best, C[h]]
        }
}' "$out/grid.csv" | tee "$out/cv.md"
echo "tune.sh: $out/grid.csv, $out/cv.md" >&2
