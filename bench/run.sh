#!/usr/bin/env bash
# bench/run.sh — nsearch against Xapian 1.4 and SQLite FTS5 in one run: same
# machine, same corpus, same queries, same timing loop (bench/README.md).
#
#   bench/run.sh [--smoke|--quick|--full|--scale] [options]
#
#   --smoke     Cranfield (1400 docs), 20 queries per type, 1 repeat: checks the
#               harness, the correctness gate and trec_eval; says nothing about
#               speed. Exits non-zero when anything fails. (CTest: bench.smoke)
#   --quick     BBC + AG News (~10k docs), 100 queries per type, 3 repeats.
#   --full      Reuters-21578 + 20 Newsgroups + BBC + AG News (~50k docs,
#               ~57 MB), 200 queries per type, 5 repeats; plus the quality runs
#               on Cranfield, CISI and CACM.
#   --scale     synthetic corpora of 50k, 200k and 1M documents (bench/gen,
#               learnt from the four news corpora), 100 queries per type drawn
#               from each, 3 repeats: index size, build MB/s, p50 per size.
#   --fresh     only the one-query-per-process step (below) on --quick's
#               corpus: 20 queries per type, 3 repeats.
#
#   --smoke, --quick, --full and --fresh end with that step, "one query per
#   process" (bench_fresh): nsearch as a user runs it (a plain `nindex`, no
#   --optimize, then one `nsearch` process per query) against one driver
#   process per query (`bench_X one`) for Xapian and FTS5 on the index their
#   build made, the same queries, alternating; an empty process (/bin/true)
#   runs beside them as the floor. --smoke: 2 queries per type, 1 repeat;
#   --quick 20 and 3, --full 30 and 5 (--fresh-queries N, --fresh-repeats R).
#   --sizes "50000 200000 1000000"   the --scale sizes
#   --xapian-cap N  --scale runs xapian and nsearch-xapian only up to N docs
#               (default 200000: they index at ~0.5 MB/s); --no-cap lifts it
#   --bindir D  use the drivers already built in D (default: build them with
#               CMake in build-bench/, Release)
#   --shared D  the shared corpora folder (default $NS_SHARED_DIR or ../shared)
#   --results D where to write (default bench/results/<date>-<host>)
#   --engines "nsearch nsearch-xapian xapian fts5 fts5porter"   which engines
#               (nsearch-xapian: nsearch on its Xapian backend, when built)
#   --repeats R, --queries N, --seed S           override the mode's values
#   --fresh-queries N, --fresh-repeats R          the same, for the fresh step
#   --keep      keep the indexes (under RESULTS/work)
#
# Output in RESULTS: report.md (summary tables), results.csv (every metric:
# engine,query_type,mode,metric,value), raw.csv (per-query timings),
# gate.md, counts-*.tsv, queries/, runs/, charts/*.svg, system.txt,
# fresh.md and fresh-raw.csv (engine,fresh,type,qid,repeat,us). --scale:
# report.md (the scale table), scale.csv (size,engine,...), size-N/ (each
# size's own results.csv, report.md, gate.md), charts/scale_*.svg.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
mode=quick bindir="" shared=${NS_SHARED_DIR:-} results="" engines="" keep=0
repeats="" nq="" seed=20240601 sizes="50000 200000 1000000" xcap=200000
fresh_nq="" fresh_repeats=""

while (($#)); do
    case $1 in
    --smoke | --quick | --full | --scale | --fresh) mode=${1#--} ;;
    --fresh-queries) fresh_nq=$2; shift ;;
    --fresh-repeats) fresh_repeats=$2; shift ;;
    --sizes) sizes=$2; shift ;;
    --xapian-cap) xcap=$2; shift ;;
    --no-cap) xcap=0 ;;
    --bindir) bindir=$2; shift ;;
    --shared) shared=$2; shift ;;
    --results) results=$2; shift ;;
    --engines) engines=$2; shift ;;
    --repeats) repeats=$2; shift ;;
    --queries) nq=$2; shift ;;
    --seed) seed=$2; shift ;;
    --keep) keep=1 ;;
    -h | --help) sed -n '2,45p' "$0"; exit 0 ;;
    *) echo "run.sh: unknown argument $1" >&2; exit 2 ;;
    esac
    shift
done

shared=${shared:-$(cd "$root/.." && pwd)/shared}
corp=$shared/corpora
[[ -d $corp ]] || { echo "run.sh: no corpora in $corp (use --shared)" >&2; exit 2; }

newsall=("$corp/reuters21578/docs.jsonl.gz" "$corp/20newsgroups/docs.jsonl.gz"
         "$corp/bbc_news/docs.jsonl" "$corp/ag_news_test/docs.jsonl")
case $mode in
smoke)
    news=("$corp/cranfield/docs.jsonl"); label=cranfield
    nq=${nq:-20}; repeats=${repeats:-1}; ir=(cranfield)
    fresh_nq=${fresh_nq:-2}; fresh_repeats=${fresh_repeats:-1}
    engines=${engines:-"nsearch nsearch-xapian xapian fts5"} ;;
quick | fresh)
    news=("$corp/bbc_news/docs.jsonl" "$corp/ag_news_test/docs.jsonl"); label=bbc+ag
    nq=${nq:-100}; repeats=${repeats:-3}; ir=(cranfield cisi cacm)
    fresh_nq=${fresh_nq:-20}; fresh_repeats=${fresh_repeats:-3}
    if [[ $mode == fresh ]]; then
        nq=$fresh_nq; ir=()
    fi
    engines=${engines:-"nsearch nsearch-xapian xapian fts5"} ;;
full)
    news=("${newsall[@]}"); label=news
    nq=${nq:-200}; repeats=${repeats:-5}; ir=(cranfield cisi cacm)
    fresh_nq=${fresh_nq:-30}; fresh_repeats=${fresh_repeats:-5}
    engines=${engines:-"nsearch nsearch-xapian xapian fts5 fts5porter"} ;;
scale)
    # the corpora gen learns from; each size's corpus is made in the loop below
    news=("${newsall[@]}"); label="synthetic (sizes $sizes)"
    nq=${nq:-100}; repeats=${repeats:-3}; ir=()
    engines=${engines:-"nsearch nsearch-xapian xapian fts5"} ;;
esac
for n in $sizes; do
    [[ $n =~ ^[1-9][0-9]*$ ]] || { echo "run.sh: --sizes takes document counts, not '$n'" >&2; exit 2; }
done
[[ $xcap =~ ^[0-9]+$ ]] || { echo "run.sh: --xapian-cap takes a document count" >&2; exit 2; }

stamp=$(date +%Y%m%d-%H%M%S)
results=${results:-$here/results/$stamp-$(hostname -s 2>/dev/null || echo host)}
work=$results/work
mkdir -p "$results" "$work" "$results/runs" "$results/charts" "$results/queries"
rm -rf "$results"/results.csv "$results"/raw.csv "$results"/counts-*.tsv "$results"/size-* \
    "$results"/fresh.md "$results"/fresh-raw.csv
log() { printf '[run.sh %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
status=0

# ------------------------------------------------------------ build
if [[ -z $bindir ]]; then
    bindir=$root/build-bench/bench
    log "building (Release) in $root/build-bench"
    # -O3 brings warnings -O2 does not (maybe-uninitialized...): they are kept
    # in the log, but must not stop a measurement; the CI build has -Werror.
    cmake -S "$root" -B "$root/build-bench" -DCMAKE_BUILD_TYPE=Release -DNS_BUILD_TESTS=OFF \
        -DNS_WERROR=OFF -DNS_SHARED_DIR="$shared" >"$work/cmake.log" 2>&1 ||
        { cat "$work/cmake.log" >&2; exit 2; }
    for t in gen_queries gen bench_trec_eval bench_nsearch bench_fts5 bench_xapian bench_fresh \
        nindex nsearch_cli; do
        cmake --build "$root/build-bench" --target "$t" -j "$(nproc)" >>"$work/cmake.log" 2>&1 ||
            log "warning: could not build $t (see $work/cmake.log)"
    done
fi
for t in gen_queries bench_trec_eval; do
    [[ -x $bindir/$t ]] || { echo "run.sh: missing $bindir/$t" >&2; exit 2; }
done

# engine name -> command
driver() {
    case $1 in
    nsearch | nsearch-xapian) echo "$bindir/bench_nsearch" ;;
    xapian) echo "$bindir/bench_xapian" ;;
    fts5 | fts5porter) echo "$bindir/bench_fts5" ;;
    *) return 1 ;;
    esac
}
run_engine() { # engine args...
    local e=$1; shift
    local bin; bin=$(driver "$e")
    case $e in
    fts5porter) NB_FTS5_STEMMER=porter "${pin[@]}" "$bin" "$@" ;;
    nsearch-xapian) "${pin[@]}" "$bin" --backend xapian "$@" ;;
    *) NB_FTS5_STEMMER=snowball "${pin[@]}" "$bin" "$@" ;;
    esac
}
active=()
for e in $engines; do
    bin=$(driver "$e") || { echo "run.sh: unknown engine $e" >&2; exit 2; }
    if [[ ! -x $bin ]]; then
        log "skipping $e: no $bin"
    elif [[ $e == nsearch-xapian ]] && ! grep -qs '^nsearch_xapian_backend=1' "$bindir/features.txt"; then
        log "skipping $e: libnsearch built without the Xapian backend (NS_WITH_XAPIAN)"
    else
        active+=("$e")
    fi
done
((${#active[@]})) || { echo "run.sh: no engine driver available" >&2; exit 2; }

# Single thread, pinned to the last CPU when taskset exists.
pin=()
if command -v taskset >/dev/null 2>&1 && (($(nproc) > 1)); then
    pin=(taskset -c $(($(nproc) - 1)))
fi

# ------------------------------------------------------------ system
{
    echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
    echo "mode: $mode (queries per type $nq, repeats $repeats, seed $seed)"
    echo "host: $(hostname 2>/dev/null || echo ?)"
    echo "kernel: $(uname -srm)"
    echo "cpu: $(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo 2>/dev/null) x $(nproc)"
    echo "memory: $(awk '/MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo 2>/dev/null)"
    echo "governor: $(cat /sys/devices/system/cpu/cpu0/cpufreq/scaling_governor 2>/dev/null || echo n/a)"
    echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null)"
    echo "pinning: ${pin[*]:-none}"
    echo "compiler: $(${CC:-cc} --version 2>/dev/null | head -1)"
    echo "build: $(grep -E '^CMAKE_BUILD_TYPE' "$bindir/../CMakeCache.txt" 2>/dev/null || echo ?)"
    echo "nsearch commit: $(git -C "$root" rev-parse --short HEAD 2>/dev/null)$(git -C "$root" diff --quiet 2>/dev/null || echo ' (dirty)')"
    echo "engines: ${active[*]}"
    echo "corpus ($label):"
    for f in "${news[@]}"; do
        echo "  $(sha256sum "$f" | cut -c1-16) $(stat -c %s "$f") bytes $f"
    done
} >"$results/system.txt"

# ------------------------------------------------------------ one corpus
# bench_corpus OUT LABEL CORPUS...: queries from the corpus, every engine of
# $run_engines indexed, the gate, then the timing; results in OUT.
# Sets gate_status; sets status on any failure.
types=(and2 or2 or3 phrase andnot prefix)
bench_corpus() {
    local out=$1 lab=$2; shift 2
    local e t qargs=() gate_files=()
    mkdir -p "$out/queries"
    log "generating queries ($nq per type) from $lab"
    "$bindir/gen_queries" --out "$out/queries" --n "$nq" --seed "$seed" "$@" ||
        { log "gen_queries failed on $lab"; status=1; return; }
    for t in "${types[@]}"; do qargs+=("$t=$out/queries/$t.tsv"); done

    for e in "${run_engines[@]}"; do
        [[ $mode == fresh && $e == nsearch* ]] && continue # fresh_step runs nindex
        log "$e: indexing $lab"
        run_engine "$e" build --index "$work/$e.idx" --out "$out/results.csv" --label "$lab" \
            "$@" || { log "$e: build failed"; status=1; }
    done

    gate_status=0
    if [[ $mode == fresh ]]; then # no in-process timing: only the fresh step
        fresh_step "$out" "$lab" "$@"
        return
    fi

    # correctness gate: match counts of every pair of gated engines
    for e in "${run_engines[@]}"; do
        log "$e: counting matches (untimed)"
        run_engine "$e" search --index "$work/$e.idx" --out "$work/gate-pass.csv" \
            --counts "$out/counts-$e.tsv" --repeats 0 "${qargs[@]}" 2>"$work/gate-$e.log" ||
            { log "$e: counting failed"; status=1; }
        [[ $e == fts5porter || ! -s $out/counts-$e.tsv ]] || gate_files+=("$out/counts-$e.tsv")
    done
    : >"$out/exclude.tsv"
    gate_status=0
    if ((${#gate_files[@]} >= 2)); then
        awk -f "$here/gate.awk" -v qdir="$out/queries" -v md="$out/gate.md" \
            -v exclude="$out/exclude.tsv" "${gate_files[@]}" || gate_status=1
    else
        echo "Only one engine ran: nothing to compare." >"$out/gate.md"
    fi
    if ((gate_status)); then
        log "correctness gate FAILED (see $out/gate.md)"
        status=1
    else
        log "correctness gate passed ($(wc -l <"$out/exclude.tsv") queries excluded)"
    fi

    for e in "${run_engines[@]}"; do
        log "$e: timing ($repeats repeats)"
        run_engine "$e" search --index "$work/$e.idx" --out "$out/results.csv" \
            --counts "$work/counts-timed-$e.tsv" --raw "$out/raw.csv" --repeats "$repeats" \
            --exclude "$out/exclude.tsv" "${qargs[@]}" 2>"$work/search-$e.log" ||
            { log "$e: search failed"; status=1; }
    done
    [[ $mode == scale ]] || fresh_step "$out" "$lab" "$@"
    for e in "${run_engines[@]}"; do
        ((keep)) || rm -rf "$work/$e.idx" "$work/$e.idx.ids" "$work/$e.idx.build"
    done
}

# ------------------------------------------------------------ one query per process
# fresh_step OUT LABEL CORPUS...: the first $fresh_nq queries of each type,
# one process each (bench_fresh): nsearch's command line on the index a plain
# nindex run leaves (nsearch-xapian: nindex --backend=xapian), Xapian's and
# FTS5's drivers (`one`) on the index their build made, and /bin/true.
# Appends to OUT/results.csv, writes OUT/fresh.md.
fresh_step() {
    local out=$1 lab=$2; shift 2
    local cli=$bindir/../searcher/nsearch nix=$bindir/../indexer/nindex e t f line
    if [[ ! -x $bindir/bench_fresh || ! -x $cli || ! -x $nix ]]; then
        log "fresh: skipped (no $bindir/bench_fresh, $cli or $nix)"
        return
    fi
    local fdir=$work/fresh
    rm -rf "$fdir"
    mkdir -p "$fdir/q"
    # nindex reads JSONL ids as they are: with several corpora, ids get the
    # corpus folder's name as prefix, as the drivers' loader does (common.c).
    local docs=("$@")
    if (($# > 1)); then
        docs=()
        for f in "$@"; do
            local d; d=$(basename "$(dirname "$f")")
            { case $f in *.gz) gzip -dc "$f" ;; *) cat "$f" ;; esac; } |
                sed 's/^\(\s*{\s*"id"\s*:\s*"\)/\1'"$d"':/' >"$fdir/$d.jsonl"
            docs+=("$fdir/$d.jsonl")
        done
    fi
    for t in "${types[@]}"; do head -n "$fresh_nq" "$out/queries/$t.tsv" >"$fdir/q/$t.tsv"; done
    local args=()
    for e in "${run_engines[@]}"; do
        case $e in
        nsearch | nsearch-xapian)
            local bk=native
            [[ $e == nsearch-xapian ]] && bk=xapian
            log "fresh: nindex --backend=$bk (no --optimize) on $lab"
            "$nix" -q --backend="$bk" -d "$fdir/$e.idx" "${docs[@]}" 2>"$fdir/nindex-$e.log" ||
                { log "fresh: nindex failed (see $fdir/nindex-$e.log)"; status=1; continue; }
            : >"$fdir/$e.tsv"
            for t in "${types[@]}"; do
                "$bindir/bench_nsearch" text "$t=$fdir/q/$t.tsv" |
                    while IFS=$'\t' read -r qid text; do
                        printf '%s\t%s\t%s\t-d\t%s\t-n\t10\t--\t%s\n' "$t" "$qid" "$cli" \
                            "$fdir/$e.idx" "$text"
                    done >>"$fdir/$e.tsv"
            done ;;
        xapian | fts5)
            [[ -e $work/$e.idx ]] || { log "fresh: no $e index"; continue; }
            : >"$fdir/$e.tsv"
            for t in "${types[@]}"; do
                cut -f1 "$fdir/q/$t.tsv" | while read -r qid; do
                    printf '%s\t%s\t%s\tone\t--index\t%s\t%s\t%s\n' "$t" "$qid" \
                        "$(driver "$e")" "$work/$e.idx" "$t=$fdir/q/$t.tsv" "$qid"
                done >>"$fdir/$e.tsv"
            done ;;
        *) continue ;;
        esac
        args+=("$e=$fdir/$e.tsv")
    done
    ((${#args[@]})) || { log "fresh: no engine"; return; }
    awk -F'\t' -v t=/bin/true 'BEGIN { OFS = "\t" } { print $1, $2, t }' "${args[0]#*=}" \
        >"$fdir/empty.tsv"
    args+=("empty=$fdir/empty.tsv")
    log "fresh: one query per process (${#types[@]} types x $fresh_nq queries, $fresh_repeats repeats)"
    NB_FTS5_STEMMER=snowball "${pin[@]}" "$bindir/bench_fresh" --out "$out/results.csv" \
        --md "$out/fresh.md" --raw "$out/fresh-raw.csv" --repeats "$fresh_repeats" \
        --label "$lab" "${args[@]}" || { log "fresh: a command failed (see $out/fresh.md)"; status=1; }
    ((keep)) || rm -rf "$fdir"
}

# ------------------------------------------------------------ scale
# Each size: a synthetic corpus from bench/gen (seeded), then bench_corpus on
# it with the engines under their cap. scale.csv = "size," + each size's rows.
if [[ $mode == scale ]]; then
    [[ -x $bindir/gen ]] || { echo "run.sh: missing $bindir/gen" >&2; exit 2; }
    echo "sizes: $sizes; xapian/nsearch-xapian cap: $( ((xcap)) && echo "$xcap docs" || echo none)" \
        >>"$results/system.txt"
    : >"$results/scale.csv"
    for n in $sizes; do
        syn=$work/syn-$n.jsonl out=$results/size-$n
        mkdir -p "$out"
        log "generating $n synthetic documents"
        t0=$(date +%s%N)
        "$bindir/gen" --n "$n" --seed "$seed" --out "$syn" "${news[@]}" 2>>"$work/gen.log" ||
            { log "gen failed (see $work/gen.log)"; status=1; continue; }
        t1=$(date +%s%N)
        echo "$n,gen,build,syn$n,gen_s,$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", (b - a) / 1e9 }')" \
            >>"$results/scale.csv"
        echo "$n,gen,build,syn$n,corpus_bytes,$(stat -c %s "$syn")" >>"$results/scale.csv"
        run_engines=()
        for e in "${active[@]}"; do
            if [[ $e == xapian || $e == nsearch-xapian ]] && ((xcap && n > xcap)); then
                log "$e: not run at $n docs (above --xapian-cap $xcap)"
                echo "$n,$e,capped,-,cap,$xcap" >>"$results/scale.csv"
            else
                run_engines+=("$e")
            fi
        done
        bench_corpus "$out" "syn$n" "$syn"
        echo "$n,gen,gate,-,status,$gate_status" >>"$results/scale.csv"
        sed "s/^/$n,/" "$out/results.csv" >>"$results/scale.csv"
        awk -F, -f "$here/report.awk" -v label="syn$n (bench/gen, seed $seed)" -v mode="scale $n" \
            -v sysfile="$results/system.txt" -v gate="$out/gate.md" -v gate_status="$gate_status" \
            -v engines="${run_engines[*]}" "$out/results.csv" >"$out/report.md"
        ((keep)) || rm -f "$syn"
    done
    echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null)" >>"$results/system.txt"
    for t in "${types[@]}"; do
        awk -F, -f "$here/scale.awk" -v chart=latency -v qtype="$t" -v mode=TOP_10 \
            "$results/scale.csv" >"$results/charts/scale_top10_$t.svg"
    done
    awk -F, -f "$here/scale.awk" -v chart=size "$results/scale.csv" >"$results/charts/scale_index_size.svg"
    awk -F, -f "$here/scale.awk" -v chart=mbps "$results/scale.csv" >"$results/charts/scale_build_mbps.svg"
    awk -F, -f "$here/scale.awk" -v chart=report -v sysfile="$results/system.txt" -v seed="$seed" \
        -v engines="${active[*]}" -v xcap="$xcap" -v nq="$nq" -v repeats="$repeats" \
        "$results/scale.csv" >"$results/report.md"
    ((keep)) || rm -rf "$work"
    log "report: $results/report.md"
    exit $status
fi

# ------------------------------------------------------------ the corpus
run_engines=("${active[@]}")
bench_corpus "$results" "$label" "${news[@]}"

# ------------------------------------------------------------ result quality
# nsearch's ranking rewrites as --proximity and --expand run them
# (include/nsearch.h: NS_PROXIMITY_WEIGHT/WINDOW, NS_EXPAND_OPTIONS_INIT)
rank_prox=${rank_prox:-0.2,4} rank_fb=${rank_fb:-10,20,0.4}
# the cost of a quality run per query: its wall time (one process: open, then
# every query, top 100, no snippets) over the number of queries
now_ns() { date +%s%N; }
per_query() { # engine collection start_ns queries_file
    local n; n=$(grep -c . "$4" || true)
    ((n > 0)) && awk -v e="$1" -v c="$2" -v t="$(($(now_ns) - $3))" -v n="$n" \
        'BEGIN { printf "%s,quality,%s,ms_per_query,%.4f\n", e, c, t / 1e6 / n }' >>"$results/results.csv"
    return 0
}
for c in "${ir[@]}"; do
    d=$corp/$c
    "$bindir/gen_queries" --trec "$d/queries.tsv" "$results/queries/trec-$c.tsv"
    for e in "${active[@]}"; do
        log "$e: quality run on $c"
        idx=$work/$e-$c.idx
        if run_engine "$e" build --index "$idx" --out "$results/results.csv" --label "$c" \
            "$d/docs.jsonl" 2>>"$work/quality.log" && t0=$(now_ns) &&
            run_engine "$e" trec --index "$idx" --run "$results/runs/$c-$e.run" --tag "$e" \
                "$results/queries/trec-$c.tsv" 2>>"$work/quality.log"; then
            per_query "$e" "$c" "$t0" "$results/queries/trec-$c.tsv"
            "$bindir/bench_trec_eval" "$d/qrels.txt" "$results/runs/$c-$e.run" |
                awk -F'\t' -v e="$e" -v c="$c" '$2 == "all" { print e ",quality," c "," $1 "," $3 }' \
                    >>"$results/results.csv"
        else
            log "$e: quality run on $c failed"; status=1
        fi
        # nsearch's ranking rewrites on the same index (issue 13): proximity,
        # pseudo-relevance feedback, both, with the defaults bench/tune.sh chose
        # by cross-validation (NB_NS_*: drv_nsearch.c)
        if [[ $e == nsearch && -d $idx ]]; then
            for v in "prox|$rank_prox|" "fb||$rank_fb" "prox+fb|$rank_prox|$rank_fb"; do
                IFS='|' read -r vn vp vf <<<"$v"
                log "nsearch+$vn: quality run on $c"
                t0=$(now_ns)
                if NB_NS_PROXIMITY=$vp NB_NS_EXPAND=$vf run_engine nsearch trec --index "$idx" \
                    --run "$results/runs/$c-nsearch+$vn.run" --tag "nsearch+$vn" \
                    "$results/queries/trec-$c.tsv" 2>>"$work/quality.log"; then
                    per_query "nsearch+$vn" "$c" "$t0" "$results/queries/trec-$c.tsv"
                    "$bindir/bench_trec_eval" "$d/qrels.txt" "$results/runs/$c-nsearch+$vn.run" |
                        awk -F'\t' -v e="nsearch+$vn" -v c="$c" \
                            '$2 == "all" { print e ",quality," c "," $1 "," $3 }' >>"$results/results.csv"
                else
                    log "nsearch+$vn: quality run on $c failed"; status=1
                fi
            done
        fi
        ((keep)) || rm -rf "$idx" "$idx.ids" "$idx.build"
    done
done

# ------------------------------------------------------------ evaluator self-test
if "$bindir/bench_trec_eval" -q "$here/testdata/tiny.qrels" "$here/testdata/tiny.run" |
    diff - "$here/testdata/tiny.expected" >"$work/trec_eval-selftest.diff"; then
    log "trec_eval self-test passed"
    echo "trec_eval self-test: passed (bench/testdata)" >>"$results/system.txt"
else
    log "trec_eval self-test FAILED"; cat "$work/trec_eval-selftest.diff" >&2; status=1
    echo "trec_eval self-test: FAILED" >>"$results/system.txt"
fi

# ------------------------------------------------------------ report
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null)" >>"$results/system.txt"
for m in COUNT TOP_10 TOP_10_SNIPPET; do
    awk -F, -f "$here/svg.awk" -v mode="$m" -v stat=p50_us "$results/results.csv" \
        >"$results/charts/$(echo "$m" | tr 'A-Z' 'a-z')_p50.svg"
done
if [[ $mode == fresh ]]; then
    { echo "# nsearch benchmark: one query per process on $label"; echo
      echo '```'; cat "$results/system.txt"; echo '```'; echo; } >"$results/report.md"
else
    awk -F, -f "$here/report.awk" -v label="$label" -v mode="$mode" \
        -v sysfile="$results/system.txt" -v gate="$results/gate.md" -v gate_status="$gate_status" \
        -v engines="${active[*]}" "$results/results.csv" >"$results/report.md"
fi
if [[ -s $results/fresh.md ]]; then
    { echo; echo "## One query per process"; echo
      echo "Each sample is a new process, as a search typed in a shell: nsearch is its command"
      echo "line (\`nsearch -d INDEX -n 10 -- QUERY\`, hits with snippets) on the index a plain"
      echo "\`nindex\` run leaves (no --optimize); xapian and fts5 are their drivers' \`one\`"
      echo "command (open, top 10 with snippets, exit) on their optimized index; empty is"
      echo "/bin/true, the cost of a process. Wall time from spawn to exit (bench/fresh.c)."
      echo; cat "$results/fresh.md"; } >>"$results/report.md"
fi
((keep)) || rm -rf "$work"
log "report: $results/report.md"
exit $status
