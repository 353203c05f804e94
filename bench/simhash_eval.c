/* simhash_eval.c — how well the duplicate fingerprints (index/analysis/
 * fingerprint.c) find a corpus's duplicate groups, for each shingle size and
 * Hamming distance (docs/fields.md, "Duplicates").
 *
 *   bench_simhash_eval [--jaccard J] [--with-title] CORPUS/docs.jsonl[.gz]...
 *
 * --with-title: the title's words in the SimHash and exact hash too (the
 * index's cover the body's words alone, or the title's when the body has
 * none), to compare.
 *
 * The truth: two documents are near-duplicates when the Jaccard similarity of
 * their bodies' sets of 3-word shingles (analysed words, as indexed; a body
 * without words: the title's) is at least J (default 0.8), exact copies when
 * those words are equal.
 * Candidate pairs come from 8 min-hashes of those sets (a pair with Jaccard
 * 0.8 shares at least one with probability 1 - 0.2^8), and each candidate's
 * true Jaccard is computed. Every pair of documents is then compared by
 * SimHash (the body's words, shingles of k words) at Hamming distance d:
 * the table gives, per (k, d), the pairs found, true positives, precision
 * and recall of near-duplicate pairs, and the recall of exact copies
 * (the exact hash finds those whatever the SimHash says). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/analyzer.h"
#include "analysis/fingerprint.h"
#include "common.h"
#include "common/internal.h"

#define NMIN 8
#define KMAX 5
#define DMAX 12

typedef struct edoc {
    uint64_t *sh; /* sorted distinct body 3-shingle hashes */
    size_t nsh;
    uint64_t sim[KMAX + 1], exact;
    uint64_t mins[NMIN];
} edoc;

typedef struct wctx {
    nsi_fp *fp;
    uint64_t *w; /* body word hashes */
    size_t n, cap;
    int body;
} wctx;

static int with_title = 0;

static int on_tok(void *vctx, const nsi_token *t)
{
    wctx *c = vctx;
    /* --with-title: the title's words in the shingles (as body words) */
    nsi_fp_word(c->fp, t->term, t->term_len, c->body || with_title);
    {
        if (c->n == c->cap) {
            c->cap = c->cap ? c->cap * 2 : 1024;
            c->w = realloc(c->w, c->cap * sizeof *c->w);
        }
        c->w[c->n++] = nsi_fnv1a64(t->term, t->term_len, NSI_FNV_SEED);
    }
    return 0;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

static uint64_t mix(uint64_t x)
{
    x ^= x >> 30;
    x *= 0xBF58476D1CE4E5B9ull;
    x ^= x >> 27;
    x *= 0x94D049BB133111EBull;
    return x ^ (x >> 31);
}

static double jaccard(const edoc *a, const edoc *b)
{
    size_t i = 0, j = 0, inter = 0;
    while (i < a->nsh && j < b->nsh) {
        if (a->sh[i] == b->sh[j])
            inter++, i++, j++;
        else if (a->sh[i] < b->sh[j])
            i++;
        else
            j++;
    }
    size_t uni = a->nsh + b->nsh - inter;
    return uni ? (double)inter / (double)uni : 1.0;
}

typedef struct pair {
    uint32_t a, b;
} pair;

static int cmp_pair(const void *x, const void *y)
{
    const pair *p = x, *q = y;
    if (p->a != q->a)
        return p->a < q->a ? -1 : 1;
    return (p->b > q->b) - (p->b < q->b);
}

typedef struct mkey {
    uint64_t h;
    uint32_t doc;
} mkey;

static int cmp_mkey(const void *x, const void *y)
{
    const mkey *p = x, *q = y;
    if (p->h != q->h)
        return p->h < q->h ? -1 : 1;
    return (p->doc > q->doc) - (p->doc < q->doc);
}

int main(int argc, char **argv)
{
    double jmin = 0.8;
    int a0 = 1;
    for (;;) {
        if (a0 + 1 < argc && !strcmp(argv[a0], "--jaccard")) {
            jmin = atof(argv[a0 + 1]);
            a0 += 2;
        } else if (a0 < argc && !strcmp(argv[a0], "--with-title")) {
            with_title = 1;
            a0++;
        } else {
            break;
        }
    }
    if (a0 >= argc) {
        fprintf(
            stderr,
            "usage: bench_simhash_eval [--jaccard J] [--with-title] CORPUS/docs.jsonl[.gz]...\n");
        return 2;
    }
    nb_corpus c;
    if (nb_corpus_load(&c, argv + a0, (size_t)(argc - a0)))
        return 1;
    nsi_analyzer *an;
    if (nsi_analyzer_new(&an, "english"))
        return 1;
    edoc *d = calloc(c.n, sizeof *d);
    nsi_fp fp = {0};
    wctx w = {&fp, NULL, 0, 0, 0};
    for (size_t i = 0; i < c.n; i++) {
        nsi_fp_reset(&fp);
        w.n = 0;
        w.body = 0;
        nsi_analyze(an, c.docs[i].title, c.docs[i].title_len, 0, 0, on_tok, &w, NULL);
        w.body = 1;
        nsi_analyze(an, c.docs[i].body, c.docs[i].body_len, 0, 0, on_tok, &w, NULL);
        for (unsigned k = 1; k <= KMAX; k++)
            nsi_fp_finish(&fp, k, &d[i].sim[k], &d[i].exact);
        size_t ns = w.n >= 3 ? w.n - 2 : (w.n ? 1 : 0);
        d[i].sh = malloc((ns ? ns : 1) * sizeof *d[i].sh);
        for (size_t j = 0; j < ns; j++)
            d[i].sh[j] =
                mix(w.w[j] ^ mix(w.w[j + 1 < w.n ? j + 1 : j] ^ mix(w.w[j + 2 < w.n ? j + 2 : j])));
        qsort(d[i].sh, ns, sizeof *d[i].sh, cmp_u64);
        size_t u = 0;
        for (size_t j = 0; j < ns; j++)
            if (!u || d[i].sh[u - 1] != d[i].sh[j])
                d[i].sh[u++] = d[i].sh[j];
        d[i].nsh = u;
        for (int m = 0; m < NMIN; m++) {
            uint64_t best = UINT64_MAX;
            for (size_t j = 0; j < u; j++) {
                uint64_t h = mix(d[i].sh[j] ^ (0x9E3779B97F4A7C15ull * (uint64_t)(m + 1)));
                if (h < best)
                    best = h;
            }
            d[i].mins[m] = best;
        }
    }
    /* candidates: documents sharing a min-hash */
    size_t npairs = 0, pcap = 1 << 16;
    pair *cand = malloc(pcap * sizeof *cand);
    mkey *keys = malloc(c.n * sizeof *keys);
    for (int m = 0; m < NMIN; m++) {
        for (size_t i = 0; i < c.n; i++)
            keys[i] = (mkey){d[i].mins[m] ^ (uint64_t)m, (uint32_t)i};
        qsort(keys, c.n, sizeof *keys, cmp_mkey);
        for (size_t i = 0; i < c.n;) {
            size_t j = i;
            while (j < c.n && keys[j].h == keys[i].h)
                j++;
            for (size_t x = i; x < j && j - i <= 2000; x++)
                for (size_t y = x + 1; y < j; y++) {
                    if (npairs == pcap)
                        cand = realloc(cand, (pcap *= 2) * sizeof *cand);
                    cand[npairs++] = (pair){keys[x].doc, keys[y].doc};
                }
            i = j;
        }
    }
    qsort(cand, npairs, sizeof *cand, cmp_pair);
    size_t ntrue = 0, nexact = 0;
    pair *truth = malloc((npairs + 1) * sizeof *truth);
    for (size_t i = 0; i < npairs; i++) {
        if (i && !cmp_pair(&cand[i], &cand[i - 1]))
            continue;
        const edoc *x = &d[cand[i].a], *y = &d[cand[i].b];
        if (x->exact == y->exact)
            continue; /* exact copies are counted apart */
        if (jaccard(x, y) >= jmin)
            truth[ntrue++] = cand[i];
    }
    /* exact copies: every pair with equal exact hashes */
    uint64_t exact_pairs = 0;
    {
        mkey *e = malloc(c.n * sizeof *e);
        for (size_t i = 0; i < c.n; i++)
            e[i] = (mkey){d[i].exact, (uint32_t)i};
        qsort(e, c.n, sizeof *e, cmp_mkey);
        for (size_t i = 0; i < c.n;) {
            size_t j = i;
            while (j < c.n && e[j].h == e[i].h)
                j++;
            exact_pairs += (uint64_t)(j - i) * (j - i - 1) / 2;
            nexact += j - i > 1;
            i = j;
        }
        free(e);
    }
    printf("# %zu documents; %llu exact-copy pairs in %zu groups; %zu near-duplicate pairs "
           "(body 3-shingle Jaccard >= %.2f, not exact)\n",
           c.n, (unsigned long long)exact_pairs, nexact, ntrue, jmin);
    printf("# k d   found  near_tp precision recall  exact_recall\n");
    for (unsigned k = 1; k <= KMAX; k++) {
        uint64_t found[DMAX + 1] = {0}, exact_found[DMAX + 1] = {0};
        for (size_t i = 0; i < c.n; i++)
            for (size_t j = i + 1; j < c.n; j++) {
                int h = nsi_hamming64(d[i].sim[k], d[j].sim[k]);
                if (h > DMAX)
                    continue;
                int ex = d[i].exact == d[j].exact;
                for (int t = h; t <= DMAX; t++) {
                    if (ex)
                        exact_found[t]++;
                    else
                        found[t]++;
                }
            }
        uint64_t tp[DMAX + 1] = {0};
        for (size_t i = 0; i < ntrue; i++) {
            int h = nsi_hamming64(d[truth[i].a].sim[k], d[truth[i].b].sim[k]);
            for (int t = h; t <= DMAX; t++)
                tp[t]++;
        }
        for (int t = 0; t <= DMAX; t++)
            printf("%3u %2d %7llu %7llu %9.3f %6.3f %12.3f\n", k, t, (unsigned long long)found[t],
                   (unsigned long long)tp[t], found[t] ? (double)tp[t] / (double)found[t] : 1.0,
                   ntrue ? (double)tp[t] / (double)ntrue : 1.0,
                   exact_pairs ? (double)exact_found[t] / (double)exact_pairs : 1.0);
    }
    for (size_t i = 0; i < c.n; i++)
        free(d[i].sh);
    free(d);
    free(cand);
    free(truth);
    free(keys);
    free(w.w);
    nsi_fp_free(&fp);
    nsi_analyzer_free(an);
    nb_corpus_free(&c);
    return 0;
}
