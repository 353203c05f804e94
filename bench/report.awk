# report.awk — report.md from results.csv (engine,query_type,mode,metric,value).
#
#   awk -F, -f report.awk -v label=L -v mode=M -v sysfile=system.txt \
#       -v gate=gate.md -v gate_status=0 -v engines="nsearch xapian fts5" results.csv
#
# Ratios are nsearch / peer: for latencies below 1 means nsearch is faster
# (0.25 = four times faster); for throughput above 1 means nsearch is faster;
# for sizes below 1 means nsearch is smaller.
function num(x) { return x + 0 }
function has(e, s, m, k) { return (e SUBSEP s SUBSEP m SUBSEP k) in val }
function get(e, s, m, k) { return val[e, s, m, k] }
function us(x) { return x >= 1000 ? sprintf("%.0f", x) : x >= 10 ? sprintf("%.1f", x) : sprintf("%.2f", x) }
function mb(x) { return sprintf("%.2f", x / 1e6) }
function ratio(a, b) { return (b > 0 && a != "") ? sprintf("%.2f", a / b) : "-" }
function cell(e, s, m, k, f) {
    if (!has(e, s, m, k)) return "-"
    return f == "us" ? us(get(e, s, m, k)) : f == "mb" ? mb(get(e, s, m, k)) : \
           f == "kbmb" ? sprintf("%.0f", get(e, s, m, k) / 1024) : \
           f == "f2" ? sprintf("%.2f", get(e, s, m, k)) : f == "f3" ? sprintf("%.3f", get(e, s, m, k)) : \
           f == "f4" ? sprintf("%.4f", get(e, s, m, k)) : get(e, s, m, k)
}
function rcell(e, s, m, k) {
    if (!has("nsearch", s, m, k) || !has(e, s, m, k)) return "-"
    return ratio(get("nsearch", s, m, k), get(e, s, m, k))
}
function copy(path,    line) {
    while ((getline line < path) > 0) print line
    close(path)
}
BEGIN { ne = split(engines, eng, " "); nt = 0; nc = 0; nq = 0 }
{
    val[$1, $2, $3, $4] = $5
    if ($2 == "info") { info[$1, $4] = $5; next }
    if ($2 == "build") {
        if (!($3 in seen_c)) { seen_c[$3] = 1; corpus[++nc] = $3 }
        if ($4 ~ /^size_/ && $4 != "size_total" && $4 != "size_over_text" && \
            $4 != "size_segments" && $4 != "size_terms") {
            k = $1 SUBSEP substr($4, 6)
            if (!(k in seen_comp)) { seen_comp[k] = 1; ncomp[$1]++; comp[$1, ncomp[$1]] = substr($4, 6) }
        }
        next
    }
    if ($2 == "quality") {
        if (!($3 in seen_q)) { seen_q[$3] = 1; coll[++nq] = $3 }
        next
    }
    if ($2 == "search" || $2 == "fresh") next # fresh: run.sh appends fresh.md
    if (!($2 in seen_t)) { seen_t[$2] = 1; typ[++nt] = $2 }
}
END {
    peers = ""
    for (i = 1; i <= ne; i++) if (eng[i] != "nsearch") peers = peers " " eng[i]
    np = split(peers, peer, " ")
    nsp = 0
    for (i = 1; i <= ne; i++) if (eng[i] == "nsearch") nsp = 1

    printf "# nsearch benchmark: %s run on %s\n\n", mode, label
    print "nsearch, Xapian and SQLite FTS5 measured in one run on the same machine, corpus and"
    print "queries by the same timing loop (bench/common.c); nsearch-xapian is nsearch on its"
    print "Xapian storage backend (docs/xapian.md). Times are microseconds per query:"
    print "each query's median over the repeats, then percentiles over the queries of a type."
    print "Ratios are **nsearch / peer**: for latency and size, below 1 means nsearch is faster"
    print "or smaller (0.25 = 4x); for throughput (MB/s), above 1 means nsearch is faster.\n"
    if (gate_status + 0) print "**The correctness gate FAILED: see below before reading any number.**\n"
    print "```"; copy(sysfile); print "```\n"

    print "## Engines\n"
    print "| engine | version | settings |"
    print "|---|---|---|"
    for (i = 1; i <= ne; i++)
        printf "| %s | %s | %s |\n", eng[i], info[eng[i], "version"], info[eng[i], "settings"]

    print "\n## Correctness gate (match counts compared before timing)\n"
    copy(gate)

    split("TOP_10 COUNT TOP_10_SNIPPET", modes, " ")
    mdesc["TOP_10"] = "the 10 best documents by BM25"
    mdesc["COUNT"] = "exact number of matching documents, no ranking"
    mdesc["TOP_10_SNIPPET"] = "top 10 plus one highlighted snippet per hit"
    for (mi = 1; mi <= 3; mi++) {
        m = modes[mi]
        printf "\n## %s: %s\n\n", m, mdesc[m]
        hdr = "| query type | queries |"; sep = "|---|---:|"
        for (i = 1; i <= ne; i++) { hdr = hdr " " eng[i] " p50 | " eng[i] " p99 |"; sep = sep "---:|---:|" }
        if (nsp) for (j = 1; j <= np; j++) {
            hdr = hdr " ns/" peer[j] " p50 | ns/" peer[j] " p99 |"; sep = sep "---:|---:|"
        }
        print hdr; print sep
        for (t = 1; t <= nt; t++) {
            s = typ[t]
            line = "| " s " | " cell(eng[1], s, m, "queries") " |"
            for (i = 1; i <= ne; i++)
                line = line " " cell(eng[i], s, m, "p50_us", "us") " | " cell(eng[i], s, m, "p99_us", "us") " |"
            if (nsp) for (j = 1; j <= np; j++)
                line = line " " rcell(peer[j], s, m, "p50_us") " | " rcell(peer[j], s, m, "p99_us") " |"
            print line
        }
        printf "\nMean latency (us) / single-thread QPS:"
        for (t = 1; t <= nt; t++) {
            s = typ[t]; printf " %s:", s
            for (i = 1; i <= ne; i++)
                printf " %s %s/%s%s", eng[i], cell(eng[i], s, m, "mean_us", "us"), \
                    has(eng[i], s, m, "qps") ? sprintf("%.0f", get(eng[i], s, m, "qps")) : "-", i < ne ? "," : ";"
        }
        if (m == "TOP_10_SNIPPET") {
            printf "\n\nSnippet text per hit (bytes, mean over types; markup included where the engine adds it):"
            for (i = 1; i <= ne; i++) {
                sum = 0; k = 0
                for (t = 1; t <= nt; t++)
                    if (has(eng[i], typ[t], m, "snippet_bytes_per_hit")) { sum += get(eng[i], typ[t], m, "snippet_bytes_per_hit"); k++ }
                printf " %s %s%s", eng[i], k ? sprintf("%.0f", sum / k) : "-", i < ne ? "," : "."
            }
        }
        printf "\n\n![%s p50](charts/%s_p50.svg)\n", m, tolower(m)
    }

    print "\n## Thread CPU time, p50 (us)\n"
    print "The same queries measured with CLOCK_THREAD_CPUTIME_ID: unlike wall time it does not"
    print "count time the driver spent descheduled, so it is the steadier figure on a busy machine.\n"
    hdr = "| query type |"; sep = "|---|"
    for (mi = 1; mi <= 3; mi++) for (i = 1; i <= ne; i++) {
        hdr = hdr " " modes[mi] " " eng[i] " |"; sep = sep "---:|"
    }
    print hdr; print sep
    for (t = 1; t <= nt; t++) {
        line = "| " typ[t] " |"
        for (mi = 1; mi <= 3; mi++) for (i = 1; i <= ne; i++)
            line = line " " cell(eng[i], typ[t], modes[mi], "cpu_p50_us", "us") " |"
        print line
    }

    for (c = 1; c <= nc; c++) {
        L = corpus[c]
        printf "\n## Indexing: %s\n\n", L
        print "Time from documents in memory (parsing excluded) to a committed index; optimize ="
    print "merge to one segment (nsearch), commit only (nsearch-xapian), `compact` (Xapian),"
    print "`optimize` + VACUUM (FTS5)."
        print "MB = 10^6 bytes of title + body text. RSS is the process peak minus the loaded corpus.\n"
        print "| engine | docs | text MB | build s | optimize s | MB/s | MB/s without optimize | docs/s | CPU s | RSS MB | index MB | index / text |"
        print "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
        for (i = 1; i <= ne; i++) {
            e = eng[i]
            if (!has(e, "build", L, "docs")) continue
            printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", e, \
                cell(e, "build", L, "docs"), cell(e, "build", L, "text_mb", "f2"), \
                cell(e, "build", L, "build_s", "f3"), cell(e, "build", L, "optimize_s", "f3"), \
                cell(e, "build", L, "mb_per_s", "f2"), cell(e, "build", L, "mb_per_s_no_optimize", "f2"), \
                sprintf("%.0f", get(e, "build", L, "docs_per_s")), cell(e, "build", L, "total_cpu_s", "f2"), \
                cell(e, "build", L, "rss_engine_kb", "kbmb"), cell(e, "build", L, "size_total", "mb"), \
                cell(e, "build", L, "size_over_text", "f2")
        }
        if (nsp) {
            print ""
            for (j = 1; j <= np; j++)
                if (has(peer[j], "build", L, "docs"))
                    printf "nsearch / %s: MB/s %s, MB/s without optimize %s, index size %s, RSS %s.  \n", peer[j], \
                        rcell(peer[j], "build", L, "mb_per_s"), rcell(peer[j], "build", L, "mb_per_s_no_optimize"), \
                        rcell(peer[j], "build", L, "size_total"), rcell(peer[j], "build", L, "rss_engine_kb")
        }
        print "\nIndex size by component (MB):\n"
        for (i = 1; i <= ne; i++) {
            e = eng[i]
            if (!has(e, "build", L, "docs")) continue
            line = "- " e ":"
            for (k = 1; k <= ncomp[e]; k++)
                line = line sprintf(" %s %s%s", comp[e, k], cell(e, "build", L, "size_" comp[e, k], "mb"), k < ncomp[e] ? "," : "")
            print line
        }
    }

    if (nq) {
        print "\n## Result quality (OR of the query words, top 100, trec_eval definitions)\n"
        print "ms/query: the whole quality run (one process: open, then every query, top 100, no"
        print "snippets) over the number of queries; nsearch+fb includes its feedback search.\n"
        print "| collection | engine | MAP | nDCG@10 | P@10 | R@100 | ms/query |"
        print "|---|---|---:|---:|---:|---:|---:|"
        nqe = split(engines " nsearch+prox nsearch+fb nsearch+prox+fb", qeng, " ")
        for (c = 1; c <= nq; c++)
            for (i = 1; i <= nqe; i++) {
                e = qeng[i]; C = coll[c]
                if (!has(e, "quality", C, "map")) continue
                printf "| %s | %s | %s | %s | %s | %s | %s |\n", C, e, cell(e, "quality", C, "map", "f4"), \
                    cell(e, "quality", C, "ndcg_cut_10", "f4"), cell(e, "quality", C, "P_10", "f4"), \
                    cell(e, "quality", C, "recall_100", "f4"), cell(e, "quality", C, "ms_per_query", "f3")
            }
    }

    print "\n## Searcher start-up and memory\n"
    print "| engine | open (us) | open + first query (us) | peak RSS MB after all queries |"
    print "|---|---:|---:|---:|"
    for (i = 1; i <= ne; i++) {
        e = eng[i]
        printf "| %s | %s | %s | %s |\n", e, cell(e, "search", "-", "open_us", "us"), \
            cell(e, "search", "-", "first_result_us", "us"), cell(e, "search", "-", "rss_peak_kb", "kbmb")
    }
}
