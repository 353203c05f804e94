# svg.awk — grouped bar chart of one latency statistic per query type and
# engine, straight from results.csv (no plotting dependency).
#
#   awk -F, -f svg.awk -v mode=TOP_10 -v stat=p50_us results.csv > chart.svg
#
# Log scale: the engines differ by orders of magnitude on some query types.
function esc(s) { gsub(/&/, "\\&amp;", s); gsub(/</, "\\&lt;", s); return s }
function log10(x) { return log(x) / log(10) }
function fmt(v) { return v >= 100 ? sprintf("%.0f", v) : v >= 10 ? sprintf("%.1f", v) : sprintf("%.2f", v) }
BEGIN {
    if (stat == "") stat = "p50_us"
    ne = 0; nt = 0
    color["nsearch"] = "#1f77b4"; color["xapian"] = "#ff7f0e"; color["nsearch-xapian"] = "#9467bd"
    color["fts5"] = "#2ca02c"; color["fts5porter"] = "#98df8a"
}
$2 == "info" || $2 == "build" || $2 == "search" || $2 == "quality" || $2 == "fresh" { next }
$3 == mode && $4 == stat && $5 > 0 {
    if (!($1 in seen_e)) { seen_e[$1] = 1; eng[++ne] = $1 }
    if (!($2 in seen_t)) { seen_t[$2] = 1; typ[++nt] = $2 }
    v[$1, $2] = $5
    if (!lo || $5 < lo) lo = $5
    if ($5 > hi) hi = $5
}
END {
    bw = 22; gap = 34; left = 70; top = 50; ph = 260
    w = left + nt * (ne * bw + gap) + 150
    h = top + ph + 60
    printf "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" font-family=\"sans-serif\" font-size=\"11\">\n", w, h
    printf "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n"
    printf "<text x=\"%d\" y=\"22\" font-size=\"14\">%s %s per query type (microseconds, log scale; lower is better)</text>\n", left, esc(mode), esc(stat)
    if (nt == 0) { printf "<text x=\"%d\" y=\"%d\">no data</text>\n</svg>\n", left, top + 20; exit }
    d0 = int(log10(lo)); if (10 ^ d0 > lo) d0--
    d1 = int(log10(hi)); if (10 ^ d1 < hi) d1++
    if (d1 == d0) d1++
    for (d = d0; d <= d1; d++) {
        y = top + ph - (d - d0) / (d1 - d0) * ph
        printf "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#ddd\"/>\n", left, y, w - 150, y
        printf "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%g</text>\n", left - 6, y + 4, 10 ^ d
    }
    for (i = 1; i <= nt; i++) {
        x0 = left + gap / 2 + (i - 1) * (ne * bw + gap)
        for (j = 1; j <= ne; j++) {
            if (!((eng[j], typ[i]) in v)) continue
            val = v[eng[j], typ[i]]
            y = top + ph - (log10(val) - d0) / (d1 - d0) * ph
            c = (eng[j] in color) ? color[eng[j]] : "#888"
            x = x0 + (j - 1) * bw
            printf "<rect x=\"%.1f\" y=\"%.1f\" width=\"%d\" height=\"%.1f\" fill=\"%s\"><title>%s %s: %s us</title></rect>\n", x, y, bw - 3, top + ph - y, c, esc(eng[j]), esc(typ[i]), fmt(val)
            printf "<text x=\"%.1f\" y=\"%.1f\" font-size=\"9\" text-anchor=\"middle\" transform=\"rotate(-60 %.1f %.1f)\">%s</text>\n", x + bw / 2, y - 3, x + bw / 2, y - 3, fmt(val)
        }
        printf "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s</text>\n", x0 + ne * bw / 2, top + ph + 18, esc(typ[i])
    }
    printf "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"black\"/>\n", left, top + ph, w - 150, top + ph
    for (j = 1; j <= ne; j++) {
        c = (eng[j] in color) ? color[eng[j]] : "#888"
        printf "<rect x=\"%d\" y=\"%d\" width=\"12\" height=\"12\" fill=\"%s\"/>\n", w - 135, top + (j - 1) * 20, c
        printf "<text x=\"%d\" y=\"%d\">%s</text>\n", w - 118, top + (j - 1) * 20 + 10, esc(eng[j])
    }
    print "</svg>"
}
