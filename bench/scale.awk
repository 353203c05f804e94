# scale.awk — the --scale report and its line charts, from scale.csv
# (size,engine,query_type,mode,metric,value: each size's results.csv rows with
# the size in front, plus rows of run.sh: "N,gen,build,synN,gen_s|corpus_bytes,V",
# "N,gen,gate,-,status,0|1", "N,ENGINE,capped,-,cap,MAX").
#
#   awk -F, -f scale.awk -v chart=latency -v qtype=and2 [-v mode=TOP_10] scale.csv > a.svg
#   awk -F, -f scale.awk -v chart=size scale.csv > index_size.svg
#   awk -F, -f scale.awk -v chart=mbps scale.csv > build_mbps.svg
#   awk -F, -f scale.awk -v chart=report -v sysfile=system.txt -v engines="..." \
#       -v xcap=200000 -v nq=100 -v repeats=3 -v seed=S scale.csv > report.md
#
# Charts are log-log (x: documents; y: the value), one line per engine; no
# plotting dependency.
function esc(s) { gsub(/&/, "\\&amp;", s); gsub(/</, "\\&lt;", s); return s }
function log10(x) { return log(x) / log(10) }
function fmt(v) { return v >= 100 ? sprintf("%.0f", v) : v >= 10 ? sprintf("%.1f", v) : sprintf("%.2f", v) }
function us(x) { return x >= 1000 ? sprintf("%.0f", x) : x >= 10 ? sprintf("%.1f", x) : sprintf("%.2f", x) }
function docs(n) { return n >= 1e6 && n % 1e6 == 0 ? (n / 1e6) "M" : n >= 1e3 && n % 1e3 == 0 ? (n / 1e3) "k" : n }
function has(n, e, t, m, k) { return (n SUBSEP e SUBSEP t SUBSEP m SUBSEP k) in val }
function get(n, e, t, m, k) { return val[n, e, t, m, k] }
function copy(path,    line) {
    while ((getline line < path) > 0) print line
    close(path)
}
BEGIN {
    if (mode == "") mode = "TOP_10"
    color["nsearch"] = "#1f77b4"; color["xapian"] = "#ff7f0e"; color["nsearch-xapian"] = "#9467bd"
    color["fts5"] = "#2ca02c"; color["fts5porter"] = "#98df8a"
    ns = 0; ne = 0
}
{
    n = $1 + 0
    if (!(n in seen_n)) { seen_n[n] = 1; size[++ns] = n }
    if ($2 != "gen" && !($2 in seen_e)) { seen_e[$2] = 1; eng[++ne] = $2 }
    # build rows carry the corpus label in field 4: key them by "build"
    m = $3 == "build" ? "-" : $4
    v = $6
    for (i = 7; i <= NF; i++) v = v "," $i
    val[n, $2, $3, m, $5] = v
}
function sort_sizes(    i, j, t) {
    for (i = 2; i <= ns; i++)
        for (j = i; j > 1 && size[j - 1] > size[j]; j--) { t = size[j]; size[j] = size[j - 1]; size[j - 1] = t }
}
# y value of engine e at size n for the chart; "" when there is none
function yval(n, e) {
    if (chart == "latency") return has(n, e, qtype, mode, "p50_us") ? get(n, e, qtype, mode, "p50_us") : ""
    if (chart == "size") return has(n, e, "build", "-", "size_total") ? get(n, e, "build", "-", "size_total") / 1e6 : ""
    return has(n, e, "build", "-", "mb_per_s") ? get(n, e, "build", "-", "mb_per_s") : ""
}
function svg(    title, unit, lo, hi, i, j, y, d0, d1, x0, x1, left, top, pw, ph, w, h, px, py, c, path, d, lx, ly) {
    if (chart == "latency") { title = mode " p50 latency, " qtype " queries"; unit = "microseconds" }
    else if (chart == "size") { title = "Index size on disk (text stored)"; unit = "MB" }
    else { title = "Indexing speed, build + optimize"; unit = "MB of text per second" }
    lo = 0; hi = 0
    for (i = 1; i <= ns; i++) for (j = 1; j <= ne; j++) {
        y = yval(size[i], eng[j])
        if (y == "" || y <= 0) continue
        if (!lo || y < lo) lo = y
        if (y > hi) hi = y
    }
    left = 80; top = 50; pw = 520; ph = 300
    w = left + pw + 170; h = top + ph + 60
    printf "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" font-family=\"sans-serif\" font-size=\"11\">\n", w, h
    printf "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n"
    printf "<text x=\"%d\" y=\"22\" font-size=\"14\">%s vs documents (%s; log-log)</text>\n", left, esc(title), esc(unit)
    if (!hi || ns < 1) { printf "<text x=\"%d\" y=\"%d\">no data</text>\n</svg>\n", left, top + 20; return }
    d0 = int(log10(lo)); if (10 ^ d0 > lo) d0--
    d1 = int(log10(hi)); if (10 ^ d1 < hi) d1++
    if (d1 == d0) d1++
    x0 = log10(size[1]); x1 = log10(size[ns])
    if (x1 == x0) { x0 -= 0.5; x1 += 0.5 }
    for (d = d0; d <= d1; d++) {
        py = top + ph - (d - d0) / (d1 - d0) * ph
        printf "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#ddd\"/>\n", left, py, left + pw, py
        printf "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%g</text>\n", left - 6, py + 4, 10 ^ d
    }
    for (i = 1; i <= ns; i++) {
        px = left + 20 + (log10(size[i]) - x0) / (x1 - x0) * (pw - 40)
        printf "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#eee\"/>\n", px, top, px, top + ph
        printf "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s</text>\n", px, top + ph + 18, docs(size[i])
    }
    printf "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">documents</text>\n", left + pw / 2, top + ph + 40
    printf "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"black\"/>\n", left, top + ph, left + pw, top + ph
    for (j = 1; j <= ne; j++) {
        c = (eng[j] in color) ? color[eng[j]] : "#888"
        path = ""
        for (i = 1; i <= ns; i++) {
            y = yval(size[i], eng[j])
            if (y == "" || y <= 0) continue
            px = left + 20 + (log10(size[i]) - x0) / (x1 - x0) * (pw - 40)
            py = top + ph - (log10(y) - d0) / (d1 - d0) * ph
            path = path (path == "" ? "M" : " L") sprintf("%.1f %.1f", px, py)
            printf "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3.5\" fill=\"%s\"><title>%s, %s docs: %s</title></circle>\n", px, py, c, esc(eng[j]), size[i], fmt(y)
            printf "<text x=\"%.1f\" y=\"%.1f\" font-size=\"9\" fill=\"%s\">%s</text>\n", px + 5, py - 5, c, fmt(y)
        }
        if (path != "") printf "<path d=\"%s\" fill=\"none\" stroke=\"%s\" stroke-width=\"2\"/>\n", path, c
        lx = left + pw + 20; ly = top + (j - 1) * 20
        printf "<rect x=\"%d\" y=\"%d\" width=\"12\" height=\"12\" fill=\"%s\"/>\n", lx, ly, c
        printf "<text x=\"%d\" y=\"%d\">%s%s</text>\n", lx + 17, ly + 10, esc(eng[j]), capped_note(eng[j])
    }
    print "</svg>"
}
function capped_note(e,    i) {
    for (i = 1; i <= ns; i++) if (has(size[i], e, "capped", "-", "cap")) return " (to " docs(get(size[i], e, "capped", "-", "cap")) ")"
    return ""
}
function ratio(a, b) { return (a != "" && b != "" && b > 0) ? sprintf("%.2f", a / b) : "-" }
function report(    i, j, k, n, e, line, hdr, sep, np, peer, nt, typ, capped, first, mm, M) {
    nt = split("and2 or2 or3 phrase andnot prefix", typ, " ")
    np = 0
    for (j = 1; j <= ne; j++) if (eng[j] != "nsearch") peer[++np] = eng[j]
    print "# nsearch benchmark: scale run on synthetic corpora\n"
    print "Synthetic news articles from `bench/gen` (a word-bigram model with unigram back-off and the"
    print "real title and body lengths, learnt from Reuters-21578, 20 Newsgroups, BBC News and AG News"
    printf "test; seed %s), at each size below. Per size: %s queries per type drawn from that corpus by\n", seed, nq
    printf "`gen_queries`, the correctness gate, then %s timed repeats (bench/common.c). Times are\n", repeats
    print "microseconds per query: each query's median over the repeats, then the p50 over the queries of"
    print "a type. Each size's full report (every mode, p99, CPU time, RSS) is in `size-N/report.md`.\n"
    capped = ""
    for (j = 1; j <= ne; j++) if (capped_note(eng[j]) != "") capped = capped (capped ? ", " : "") eng[j]
    if (capped != "")
        printf "**Cap:** %s ran only up to %s documents (`--xapian-cap`, lifted by `--no-cap`): they index at about 0.5 MB/s here, so 1M documents would take over half an hour each. Their cells above the cap are `capped`.\n\n", capped, docs(xcap)
    print "```"; copy(sysfile); print "```\n"

    print "## Engines\n"
    print "| engine | version | settings |"
    print "|---|---|---|"
    for (j = 1; j <= ne; j++) {
        e = eng[j]
        for (i = 1; i <= ns; i++) if (has(size[i], e, "info", "-", "version")) break
        n = size[i <= ns ? i : ns]
        printf "| %s | %s | %s |\n", e, get(n, e, "info", "-", "version"), get(n, e, "info", "-", "settings")
    }

    print "\n## Corpora\n"
    print "| documents | text MB | JSONL MB | gen s | gate |"
    print "|---:|---:|---:|---:|---|"
    for (i = 1; i <= ns; i++) {
        n = size[i]; mm = ""
        for (j = 1; j <= ne; j++) if (has(n, eng[j], "build", "-", "text_mb")) { mm = get(n, eng[j], "build", "-", "text_mb"); break }
        printf "| %s | %s | %s | %s | %s |\n", n, mm == "" ? "-" : sprintf("%.1f", mm), \
            has(n, "gen", "build", "-", "corpus_bytes") ? sprintf("%.1f", get(n, "gen", "build", "-", "corpus_bytes") / 1e6) : "-", \
            has(n, "gen", "build", "-", "gen_s") ? get(n, "gen", "build", "-", "gen_s") : "-", \
            has(n, "gen", "gate", "-", "status") ? (get(n, "gen", "gate", "-", "status") + 0 ? "FAILED" : "passed") : "-"
    }

    split("TOP_10 COUNT", M, " ")
    for (k = 1; k <= 2; k++) {
        mm = M[k]
        if (k == 1) {
            print "\n## Scale table: index, build speed and TOP_10 p50 (us) per query type\n"
            print "Index MB = everything on disk, stored text included. MB/s = MB of title + body text"
            print "per second, build + optimize. RSS = build peak minus the loaded corpus.\n"
            hdr = "| docs | engine | index MB | index / text | build MB/s | RSS MB |"; sep = "|---:|---|---:|---:|---:|---:|"
        } else {
            printf "\n## COUNT p50 (us): exact number of matches\n\n"
            hdr = "| docs | engine |"; sep = "|---:|---|"
        }
        for (t = 1; t <= nt; t++) { hdr = hdr " " typ[t] " |"; sep = sep "---:|" }
        print hdr; print sep
        for (i = 1; i <= ns; i++) for (j = 1; j <= ne; j++) {
            n = size[i]; e = eng[j]
            line = "| " n " | " e " |"
            if (has(n, e, "capped", "-", "cap")) {
                for (t = 1; t <= nt + (k == 1 ? 4 : 0); t++) line = line " capped |"
                print line; continue
            }
            if (k == 1) line = line sprintf(" %s | %s | %s | %s |", \
                has(n, e, "build", "-", "size_total") ? sprintf("%.1f", get(n, e, "build", "-", "size_total") / 1e6) : "-", \
                has(n, e, "build", "-", "size_over_text") ? sprintf("%.2f", get(n, e, "build", "-", "size_over_text")) : "-", \
                has(n, e, "build", "-", "mb_per_s") ? sprintf("%.2f", get(n, e, "build", "-", "mb_per_s")) : "-", \
                has(n, e, "build", "-", "rss_engine_kb") ? sprintf("%.0f", get(n, e, "build", "-", "rss_engine_kb") / 1024) : "-")
            for (t = 1; t <= nt; t++)
                line = line " " (has(n, e, typ[t], mm, "p50_us") ? us(get(n, e, typ[t], mm, "p50_us")) : "-") " |"
            print line
        }
        if (np && ("nsearch" in seen_e)) {
            printf "\n%s p50 ratios nsearch / peer (below 1: nsearch faster):\n\n", mm
            hdr = "| docs | peer |"; sep = "|---:|---|"
            for (t = 1; t <= nt; t++) { hdr = hdr " " typ[t] " |"; sep = sep "---:|" }
            print hdr; print sep
            for (i = 1; i <= ns; i++) for (j = 1; j <= np; j++) {
                n = size[i]; e = peer[j]
                if (!has(n, e, "search", "-", "repeats")) continue
                line = "| " n " | ns/" e " |"
                for (t = 1; t <= nt; t++)
                    line = line " " ratio(has(n, "nsearch", typ[t], mm, "p50_us") ? get(n, "nsearch", typ[t], mm, "p50_us") : "", \
                        has(n, e, typ[t], mm, "p50_us") ? get(n, e, typ[t], mm, "p50_us") : "") " |"
                print line
            }
        }
    }
    print "\n## Charts\n"
    for (t = 1; t <= nt; t++) printf "![TOP_10 p50 %s](charts/scale_top10_%s.svg)\n", typ[t], typ[t]
    print "![index size](charts/scale_index_size.svg)"
    print "![build MB/s](charts/scale_build_mbps.svg)"
}
END {
    sort_sizes()
    if (chart == "report") report()
    else svg()
}
