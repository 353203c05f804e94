# gate.awk — the correctness gate: do the engines find the same documents?
#
#   awk -f gate.awk -v qdir=QUERIES_DIR -v md=gate.md -v exclude=exclude.tsv \
#       [-v rel=0.05 -v slack=1 -v need=0.90 -v need_phrase=0.80] \
#       counts-ENGINE1.tsv counts-ENGINE2.tsv ...
#
# Input: the files the drivers write with --counts ("type qid count exact" and
# "type.top10 qid id id ..."); the engine is named by the file name.
# Two engines agree on a query when both ran it and their match counts differ
# by at most max(slack, rel * larger count). The analysis is the same in all
# engines (Snowball English), but tokenizers still differ at the edges
# (apostrophes, hyphens, numbers), so exact equality is not expected.
# A query type passes for a pair when at least `need` of its queries agree
# (`need_phrase` for phrases, where a tokenizer difference breaks adjacency).
# Queries on which any pair disagrees (or any engine failed) are written to
# `exclude` and are not timed: a speed figure for them would be void.
# Top-10 overlap (information, not gated): |A and B| / min(|A|, |B|) of the two
# engines' top-10 id sets, averaged over queries; BM25 variants differ a little.
# Exit status: 0 when every type passes for every pair, 1 otherwise.
BEGIN {
    FS = "\t"
    if (rel == "") rel = 0.05
    if (slack == "") slack = 1
    if (need == "") need = 0.90
    if (need_phrase == "") need_phrase = 0.80
    ne = 0; nt = 0
}
FNR == 1 {
    e = FILENAME
    sub(/.*\//, "", e); sub(/^counts-/, "", e); sub(/\.tsv$/, "", e)
    eng[++ne] = e
}
$1 ~ /\.top10$/ {
    t = $1; sub(/\.top10$/, "", t)
    top[e, t, $2] = $3
    next
}
{
    t = $1
    if (!(t in seen_t)) { seen_t[t] = 1; types[++nt] = t }
    if (!((t, $2) in seen_q)) { seen_q[t, $2] = 1; nq[t]++; qids[t, nq[t]] = $2 }
    cnt[e, t, $2] = $3 + 0
    has[e, t, $2] = 1
}
function words(t, q,    f, line, a) {
    if (!((t) in loaded)) {
        loaded[t] = 1
        f = qdir "/" t ".tsv"
        while ((getline line < f) > 0) { split(line, a, "\t"); qwords[t, a[1]] = a[2] }
        close(f)
    }
    return qwords[t, q]
}
function agree(a, b,    d, m) {
    if (a < 0 || b < 0) return 0
    d = a > b ? a - b : b - a
    m = a > b ? a : b
    return d <= slack || d <= rel * m
}
function overlap(x, y,    a, b, na, nb, i, j, k, s) {
    na = split(x, a, " "); nb = split(y, b, " ")
    k = 0
    for (i = 1; i <= na; i++) s[a[i]] = 1
    for (j = 1; j <= nb; j++) if (b[j] in s) k++
    if (na == 0 && nb == 0) return 1
    return k / (na < nb ? (na ? na : 1) : (nb ? nb : 1))
}
END {
    failed = 0
    print "| query type | engines | counts agree | share | top-10 overlap | gate |" > md
    print "|---|---|---:|---:|---:|---|" > md
    for (i = 1; i <= nt; i++) {
        t = types[i]
        for (x = 1; x <= ne; x++) for (y = x + 1; y <= ne; y++) {
            a = eng[x]; b = eng[y]
            tot = 0; ok = 0; ov = 0; nov = 0; nm = 0
            for (k = 1; k <= nq[t]; k++) {
                q = qids[t, k]
                if (!((a, t, q) in has) || !((b, t, q) in has)) continue
                tot++
                if (agree(cnt[a, t, q], cnt[b, t, q])) ok++
                else {
                    bad[t, q] = 1
                    if (++nm <= 10) mis[t, a, b, nm] = q
                }
                if (((a, t, q) in top) && ((b, t, q) in top)) {
                    ov += overlap(top[a, t, q], top[b, t, q]); nov++
                }
            }
            nmis[t, a, b] = nm
            share = tot ? ok / tot : 1
            want = (t ~ /^phrase/) ? need_phrase : need
            status = share >= want ? "pass" : "FAIL"
            if (status == "FAIL") failed = 1
            printf "| %s | %s / %s | %d / %d | %.1f%% | %s | %s (needs %.0f%%) |\n", \
                t, a, b, ok, tot, 100 * share, nov ? sprintf("%.0f%%", 100 * ov / nov) : "-", \
                status, 100 * want > md
        }
        for (k = 1; k <= nq[t]; k++) {
            q = qids[t, k]
            for (x = 1; x <= ne; x++)
                if (((eng[x], t, q) in has) && cnt[eng[x], t, q] < 0) bad[t, q] = 1
            if ((t, q) in bad) { print t "\t" q > exclude; nbad[t]++ }
        }
    }
    printf "\nAgreement: counts within max(%d, %.0f%%) of each other. ", slack, 100 * rel > md
    printf "Queries failing for any pair are excluded from timing.\n\n" > md
    print "Excluded queries per type: " > md
    for (i = 1; i <= nt; i++) printf "%s %d/%d%s", types[i], nbad[types[i]] + 0, nq[types[i]], \
        i < nt ? ", " : ".\n" > md
    header = 0
    for (i = 1; i <= nt; i++) {
        t = types[i]
        for (x = 1; x <= ne; x++) for (y = x + 1; y <= ne; y++) {
            a = eng[x]; b = eng[y]
            for (k = 1; k <= nmis[t, a, b] && k <= 10; k++) {
                if (!header) {
                    print "\nMismatches (first 10 per type and pair; all counts shown):\n" > md
                    print "| type | qid | query | disagreeing pair | counts |" > md
                    print "|---|---|---|---|---|" > md
                    header = 1
                }
                q = mis[t, a, b, k]
                all = ""
                for (z = 1; z <= ne; z++)
                    all = all sprintf("%s%s=%s", z > 1 ? " " : "", eng[z], \
                        ((eng[z], t, q) in has) ? cnt[eng[z], t, q] : "-")
                printf "| %s | %s | %s | %s / %s | %s |\n", t, q, words(t, q), a, b, all > md
            }
        }
    }
    close(md); close(exclude)
    exit failed
}
