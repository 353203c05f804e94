/* snippet_pos.c — a hit's matching tokens from the index's positions, for
 * the snippet's first pass (snippet_match.h, nsi_snip_pos_hits).
 *
 * Re-analysing a whole body to find the query's terms costs a fold and a stem
 * (through the cache) per token. The index already knows where each term
 * occurs: POSITIONS holds, per document, the token ordinals of every term in
 * the body. So the term atoms' positions are read from the index, phrase
 * matches are found among them (consecutive positions holding a phrase's
 * terms in order), and positions are turned into byte offsets by a
 * tokenize-only walk of the body (nsi_analyze_scan), which ends tokens and
 * counts positions exactly as the analyzer does but never folds or stems.
 *
 * The hits come out as the matcher would emit them for body[from, len): the
 * same tokens with the same flags, in body order, so the window chosen from
 * them is the same. The caller falls back on the matcher when the positions
 * do not fit the body (two terms at one position, a position past its last
 * token) or cannot be read: the index and the stored text then disagree, and
 * analysis is the reference (ns_index_check reports the damage). It also
 * falls back when the terms occur more than POS_MAX times in all: the
 * matcher's memory is bounded by one window, this path's by POS_MAX entries
 * (a 200 MB body is normal). Prefix atoms have no positions of their own
 * (the snippet also matches them against unstemmed words), so queries with
 * prefixes always take the matcher. */
#include <stdlib.h>
#include <string.h>

#include "snippet/snippet_match.h"

#define POS_MAX (1u << 16) /* matches taken from positions, at most */

typedef struct pentry {
    uint32_t pos;
    uint32_t term;
    size_t start, end;
} pentry;

static int cmp_pos(const void *a, const void *b)
{
    uint32_t x = ((const pentry *)a)->pos, y = ((const pentry *)b)->pos;
    return (x > y) - (x < y);
}

typedef struct scan_ctx {
    pentry *e;
    size_t n, k; /* entries; the next one to place */
} scan_ctx;

static int on_scanned(void *ctx, const nsi_token *t)
{
    scan_ctx *s = ctx;
    if (s->e[s->k].pos != t->pos)
        return 0;
    s->e[s->k].start = t->start;
    s->e[s->k].end = t->end;
    return ++s->k == s->n; /* stop after the last */
}

/* Reads every term atom's positions into *out (sorted by position). */
static int gather(const q_flat *q, const nsi_snip_positions *src, pentry **out, size_t *nout)
{
    nsi_u32vec v = {0};
    pentry *e = NULL;
    size_t n = 0, cap = 0;
    int rc = NS_OK;
    for (size_t t = 0; t < q->nterms && !rc; t++) {
        v.n = 0;
        if ((rc = src->get(src->ctx, q->terms[t].s, q->terms[t].len, POS_MAX - n, &v)))
            break; /* too many, or damaged: the caller analyses instead */
        if (v.n > cap - n) {
            size_t want = n + v.n, c = cap ? cap : 64;
            while (c < want)
                c *= 2;
            pentry *p = realloc(e, c * sizeof *p);
            if (!p) {
                rc = NS_ENOMEM;
                break;
            }
            e = p;
            cap = c;
        }
        for (size_t i = 0; i < v.n; i++)
            e[n++] = (pentry){v.v[i], (uint32_t)t, 0, 0};
    }
    nsi_u32vec_free(&v);
    if (rc) {
        free(e);
        return rc;
    }
    if (n > 1)
        qsort(e, n, sizeof *e, cmp_pos);
    *out = e;
    *nout = n;
    return NS_OK;
}

/* As ring_mark_phrase does in the matcher. */
void nsi_snip_pos_mark(const q_flat *q, m_hit *h, size_t n)
{
    for (size_t j = 0; j < q->nphrases; j++) {
        const uint32_t *ids = q->pids + q->phrases[j].first;
        size_t k = q->phrases[j].k;
        for (size_t x = k - 1; x < n; x++) {
            size_t d = 0;
            while (d < k && h[x - d].term == (int32_t)ids[k - 1 - d] &&
                   h[x - d].pos == h[x].pos - d)
                d++;
            if (d < k)
                continue;
            for (d = 0; d < k; d++)
                h[x - d].flags |= HIT_PHRASE | (d + 1 < k ? HIT_JOIN : 0u);
        }
    }
}

int nsi_snip_pos_hits(const q_flat *q, nsi_analyzer *an, const char *body, size_t len, size_t from,
                      const nsi_snip_positions *src, m_hit **hits, size_t *nhits, int *ok)
{
    *hits = NULL;
    *nhits = 0;
    *ok = 0;
    pentry *e = NULL;
    size_t n = 0;
    int rc = gather(q, src, &e, &n);
    if (rc)
        return rc == NS_ENOMEM ? rc : NS_OK;
    for (size_t i = 1; i < n; i++)
        if (e[i].pos == e[i - 1].pos)
            goto done; /* two terms at one token: not this body's positions */
    if (n) {
        scan_ctx s = {e, n, 0};
        rc = nsi_analyze_scan(an, body, len, 0, on_scanned, &s);
        if (rc < 0)
            goto done;
        rc = NS_OK;
        if (s.k < n)
            goto done; /* a position past the body's last token */
    }
    size_t first = 0;
    while (first < n && e[first].start < from)
        first++; /* before the part shown (a title line cut off) */
    m_hit *h = n - first ? malloc((n - first) * sizeof *h) : NULL;
    if (n - first && !h) {
        rc = NS_ENOMEM;
        goto done;
    }
    for (size_t i = first; i < n; i++)
        h[i - first] =
            (m_hit){e[i].start - from, e[i].end - from, (int32_t)e[i].term, 0, NULL, e[i].pos};
    nsi_snip_pos_mark(q, h, n - first);
    *hits = h;
    *nhits = n - first;
    *ok = 1;
done:
    free(e);
    return rc;
}
