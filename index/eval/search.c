/* search.c — query evaluation: cursors, BM25F scoring, top-k, MaxScore.
 *
 * Design. The parsed query is first turned into an evaluation tree with
 * collection statistics (prefixes expanded over every segment's dictionary,
 * each term's document frequency summed over segments, so the same IDF applies
 * everywhere). Then, segment by segment in document order, a tree of cursors
 * walks the postings document-at-a-time:
 *   - TERM cursors read postings block by block and skip whole blocks with the
 *     skip entries' last documents;
 *   - AND (and PHRASE, NEAR) leapfrog from the rarest term, reading positions
 *     only for documents every term contains;
 *   - OR takes the smallest document of its children.
 * A query that is an OR of plain terms (e.g. --any) runs MaxScore instead:
 * terms whose summed upper bounds cannot lift a document over the current
 * k-th score are only probed for documents the others bring up. Scores are
 * always summed in query order, so pruned and exhaustive evaluation give
 * bit-identical scores and the same top k (tests/unit/test_search.c).
 *
 * Scoring is BM25F over the title and body fields:
 *   w  = title_weight * tf_t / (1 - b + b * len_t / avg_t)
 *      +                tf_b / (1 - b + b * len_b / avg_b)
 *   s  = idf * w * (k1 + 1) / (w + k1),  idf = ln(1 + (N - df + 0.5) / (df + 0.5))
 * with N and df counting every stored document (deleted ones until merged,
 * as Lucene does). A title:-restricted term uses the title part only.
 * Ties rank the lower document number first.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "format/commit.h"
#include "common/internal.h"
#include "format/record.h"
#include "eval/search.h"

enum { E_EMPTY, E_TERM, E_AND, E_OR, E_NOT, E_PHRASE, E_NEAR, E_MAYBE };

typedef struct enode {
    int kind;
    int title_only;
    char *term;
    size_t len;
    uint64_t df;
    double idf;
    unsigned dist;
    struct enode **kids;
    size_t nkids;
} enode;

typedef struct scorer {
    double k1, b, wt, avg_t, avg_b;
} scorer;

typedef struct cur {
    int kind;
    uint32_t doc;
    const enode *e;
    /* TERM */
    nsi_pcur pc;
    int title_only;
    double idf, maxscore;
    uint32_t *pt, *pb;
    size_t pcap;
    uint32_t pos_doc; /* doc whose positions pt/pb hold, NSI_DOC_END if none */
    /* composites: kids in query order, lead = kids sorted rarest first */
    struct cur **kids, **lead, **neg;
    size_t nkids, nneg;
    unsigned dist;
} cur;

typedef struct sctx {
    const nsi_snap *snap;
    const nsi_seg *seg;
    const uint8_t *deleted;
    scorer sc;
    char err[NSI_ERRMSG];
    uint32_t *nbuf; /* NEAR scratch */
    size_t nbuf_cap;
} sctx;

/* ------------------------------------------------------------ heap */

typedef struct entry {
    double score;
    uint64_t gdoc;
} entry;

typedef struct topk {
    entry *e;
    size_t n, k;
} topk;

/* a is worse than b: lower score, or same score and later document */
static int worse(const entry *a, const entry *b)
{
    return a->score < b->score || (a->score == b->score && a->gdoc > b->gdoc);
}

static void sift_down(topk *h, size_t i)
{
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < h->n && worse(&h->e[l], &h->e[m]))
            m = l;
        if (r < h->n && worse(&h->e[r], &h->e[m]))
            m = r;
        if (m == i)
            return;
        entry t = h->e[i];
        h->e[i] = h->e[m];
        h->e[m] = t;
        i = m;
    }
}

static void heap_push(topk *h, double score, uint64_t gdoc)
{
    entry x = {score, gdoc};
    if (h->n < h->k) {
        size_t i = h->n++;
        h->e[i] = x;
        while (i > 0 && worse(&h->e[i], &h->e[(i - 1) / 2])) {
            entry t = h->e[i];
            h->e[i] = h->e[(i - 1) / 2];
            h->e[(i - 1) / 2] = t;
            i = (i - 1) / 2;
        }
    } else if (h->k && worse(&h->e[0], &x)) {
        h->e[0] = x;
        sift_down(h, 0);
    }
}

/* A document must score above this to enter (when the heap is full). */
static double heap_threshold(const topk *h)
{
    return h->n == h->k && h->k ? h->e[0].score : -INFINITY;
}

/* ------------------------------------------------------------ scoring */

static double bm25f(const scorer *sc, double idf, int title_only, uint32_t tft, uint32_t tfb,
                    uint32_t lt, uint32_t lb)
{
    double at = sc->avg_t > 0 ? sc->avg_t : 1, ab = sc->avg_b > 0 ? sc->avg_b : 1;
    double w = 0;
    if (tft)
        w += sc->wt * tft / (1 - sc->b + sc->b * lt / at);
    if (tfb && !title_only)
        w += tfb / (1 - sc->b + sc->b * lb / ab);
    return w > 0 ? idf * w * (sc->k1 + 1) / (w + sc->k1) : 0;
}

static double term_score(const sctx *x, const cur *c)
{
    uint32_t lt, lb;
    nsi_seg_norms(x->seg, c->doc, &lt, &lb);
    return bm25f(&x->sc, c->idf, c->title_only, nsi_pcur_tf_title(&c->pc),
                 nsi_pcur_tf_body(&c->pc), lt, lb);
}

/* ------------------------------------------------------------ eval tree */

static void enode_free(enode *e)
{
    if (!e)
        return;
    for (size_t i = 0; i < e->nkids; i++)
        enode_free(e->kids[i]);
    free(e->kids);
    free(e->term);
    free(e);
}

static enode *enode_new(int kind, size_t nkids)
{
    enode *e = calloc(1, sizeof *e);
    if (!e)
        return NULL;
    e->kind = kind;
    if (nkids && !(e->kids = calloc(nkids, sizeof *e->kids))) {
        free(e);
        return NULL;
    }
    return e;
}

static enode *term_enode(const nsi_snap *s, const char *t, size_t len, int title_only,
                         int *rc, char *err, size_t errlen)
{
    enode *e = enode_new(E_TERM, 0);
    if (!e || !(e->term = malloc(len + 1))) {
        free(e);
        *rc = NS_ENOMEM;
        return NULL;
    }
    memcpy(e->term, t, len);
    e->term[len] = 0;
    e->len = len;
    e->title_only = title_only;
    for (uint32_t i = 0; i < s->nsegs; i++) {
        nsi_terminfo ti;
        int r = nsi_seg_lookup(s->segs[i], t, len, &ti, err, errlen);
        if (r == NS_OK)
            e->df += ti.df;
        else if (r != NS_ENOTFOUND) {
            *rc = r;
            enode_free(e);
            return NULL;
        }
    }
    double N = (double)s->ndocs, df = (double)e->df;
    e->idf = log(1 + (N - df + 0.5) / (df + 0.5));
    return e;
}

typedef struct strset {
    char **v;
    size_t *len;
    size_t n, cap;
} strset;

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every distinct term of the generation that starts with prefix. */
static int expand_prefix(const nsi_snap *s, const nsq_node *q, unsigned max, strset *out,
                         char *err, size_t errlen)
{
    for (uint32_t i = 0; i < s->nsegs; i++) {
        nsi_dictit it;
        int r = nsi_dictit_seek(&it, s->segs[i], q->term, q->term_len, err, errlen);
        while (r == NS_OK && it.term_len >= q->term_len &&
               memcmp(it.term, q->term, q->term_len) == 0) {
            int seen = 0;
            for (size_t k = 0; k < out->n && !seen; k++)
                seen = out->len[k] == it.term_len && !memcmp(out->v[k], it.term, it.term_len);
            if (!seen) {
                if (out->n >= max)
                    return nsi_fail(err, errlen, NS_ETOOBIG,
                                    "prefix '%s*' at %zu matches more than %u terms; make it "
                                    "longer",
                                    q->term, q->offset, max);
                if (out->n == out->cap) {
                    size_t cap = out->cap ? out->cap * 2 : 16;
                    char **v = realloc(out->v, cap * sizeof *v);
                    size_t *l = v ? realloc(out->len, cap * sizeof *l) : NULL;
                    if (v)
                        out->v = v;
                    if (!l)
                        return NS_ENOMEM;
                    out->len = l;
                    out->cap = cap;
                }
                if (!(out->v[out->n] = strndup(it.term, it.term_len)))
                    return NS_ENOMEM;
                out->len[out->n++] = it.term_len;
            }
            r = nsi_dictit_next(&it, err, errlen);
        }
        if (r < 0)
            return r;
    }
    /* terms are NUL-free analysed text, so strcmp order is byte order */
    if (out->n > 1)
        qsort(out->v, out->n, sizeof *out->v, cmp_str);
    for (size_t k = 0; k < out->n; k++)
        out->len[k] = strlen(out->v[k]);
    return NS_OK;
}

static enode *build_enode(const nsi_snap *s, const nsq_node *q, unsigned max_exp, int *rc,
                          char *err, size_t errlen);

static enode *prefix_enode(const nsi_snap *s, const nsq_node *q, unsigned max_exp, int *rc,
                           char *err, size_t errlen)
{
    strset set = {0};
    enode *e = NULL;
    *rc = expand_prefix(s, q, max_exp, &set, err, errlen);
    if (!*rc) {
        e = enode_new(set.n ? E_OR : E_EMPTY, set.n);
        if (!e)
            *rc = NS_ENOMEM;
        for (size_t k = 0; e && k < set.n; k++) {
            e->kids[k] = term_enode(s, set.v[k], set.len[k], q->field == NSQ_FIELD_TITLE, rc,
                                    err, errlen);
            if (!e->kids[k]) {
                enode_free(e);
                e = NULL;
                break;
            }
            e->nkids++;
        }
    }
    for (size_t k = 0; k < set.n; k++)
        free(set.v[k]);
    free(set.v);
    free(set.len);
    return e;
}

static enode *build_enode(const nsi_snap *s, const nsq_node *q, unsigned max_exp, int *rc,
                          char *err, size_t errlen)
{
    static const int kinds[] = {[NSQ_TERM] = E_TERM,   [NSQ_PREFIX] = E_OR, [NSQ_PHRASE] = E_PHRASE,
                                [NSQ_NEAR] = E_NEAR,   [NSQ_AND] = E_AND,   [NSQ_OR] = E_OR,
                                [NSQ_NOT] = E_NOT,     [NSQ_MAYBE] = E_MAYBE};
    if (q->kind == NSQ_TERM)
        return term_enode(s, q->term, q->term_len, q->field == NSQ_FIELD_TITLE, rc, err, errlen);
    if (q->kind == NSQ_PREFIX)
        return prefix_enode(s, q, max_exp, rc, err, errlen);
    enode *e = enode_new(kinds[q->kind], q->nkids);
    if (!e) {
        *rc = NS_ENOMEM;
        return NULL;
    }
    e->dist = q->dist;
    e->title_only = q->field == NSQ_FIELD_TITLE;
    for (size_t i = 0; i < q->nkids; i++) {
        enode *k = build_enode(s, q->kids[i], max_exp, rc, err, errlen);
        if (!k) {
            enode_free(e);
            return NULL;
        }
        /* a phrase or NEAR restricted to the title restricts its terms too */
        if (e->title_only && k->kind == E_TERM)
            k->title_only = 1;
        e->kids[e->nkids++] = k;
    }
    return e;
}

/* ------------------------------------------------------------ cursors */

static void cur_free(cur *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->nkids; i++)
        cur_free(c->kids[i]);
    for (size_t i = 0; i < c->nneg; i++)
        cur_free(c->neg[i]);
    free(c->kids);
    free(c->lead);
    free(c->neg);
    free(c->pt);
    free(c->pb);
    free(c);
}

static uint64_t cur_cost(const cur *c)
{
    if (c->kind == E_TERM)
        return c->doc == NSI_DOC_END ? 0 : c->pc.df;
    if (c->kind == E_EMPTY)
        return 0;
    uint64_t cost = c->kind == E_OR ? 0 : UINT64_MAX;
    for (size_t i = 0; i < c->nkids; i++) {
        uint64_t k = cur_cost(c->kids[i]);
        if (c->kind == E_OR)
            cost += k;
        else if (c->kind == E_MAYBE)
            return cur_cost(c->kids[0]);
        else if (k < cost)
            cost = k;
    }
    return cost;
}

static int cmp_cost(const void *a, const void *b)
{
    uint64_t x = cur_cost(*(cur *const *)a), y = cur_cost(*(cur *const *)b);
    return (x > y) - (x < y);
}

static int seek(sctx *x, cur *c, uint32_t target);

static cur *build_cur(sctx *x, const enode *e, int *rc)
{
    cur *c = calloc(1, sizeof *c);
    if (!c) {
        *rc = NS_ENOMEM;
        return NULL;
    }
    c->kind = e->kind;
    c->e = e;
    c->dist = e->dist;
    c->pos_doc = NSI_DOC_END;
    c->doc = NSI_DOC_END;
    if (e->kind == E_TERM) {
        nsi_terminfo ti;
        int r = nsi_seg_lookup(x->seg, e->term, e->len, &ti, x->err, sizeof x->err);
        c->idf = e->idf;
        c->title_only = e->title_only;
        if (r == NS_ENOTFOUND) {
            c->kind = E_EMPTY;
            return c;
        }
        if (r || (r = nsi_pcur_init(&c->pc, x->seg, &ti))) {
            *rc = r;
            cur_free(c);
            return NULL;
        }
        return c;
    }
    if (e->kind == E_EMPTY)
        return c;
    c->kids = calloc(e->nkids + 1, sizeof *c->kids);
    c->lead = calloc(e->nkids + 1, sizeof *c->lead);
    c->neg = calloc(e->nkids + 1, sizeof *c->neg);
    if (!c->kids || !c->lead || !c->neg) {
        *rc = NS_ENOMEM;
        cur_free(c);
        return NULL;
    }
    for (size_t i = 0; i < e->nkids; i++) {
        int neg = e->kids[i]->kind == E_NOT;
        cur *k = build_cur(x, neg ? e->kids[i]->kids[0] : e->kids[i], rc);
        if (!k) {
            cur_free(c);
            return NULL;
        }
        if (neg)
            c->neg[c->nneg++] = k;
        else
            c->kids[c->nkids++] = k;
    }
    memcpy(c->lead, c->kids, c->nkids * sizeof *c->kids);
    return c;
}

/* Positions the cursor tree on its first match; returns the status. */
static int start(sctx *x, cur *c)
{
    if (c->kind == E_TERM) {
        c->doc = c->pc.doc;
        if (c->title_only)
            return seek(x, c, c->doc);
        return NS_OK;
    }
    if (c->kind == E_EMPTY)
        return NS_OK;
    for (size_t i = 0; i < c->nkids; i++) {
        int rc = start(x, c->kids[i]);
        if (rc)
            return rc;
    }
    for (size_t i = 0; i < c->nneg; i++) {
        int rc = start(x, c->neg[i]);
        if (rc)
            return rc;
    }
    if (c->kind != E_OR && c->kind != E_MAYBE)
        qsort(c->lead, c->nkids, sizeof *c->lead, cmp_cost);
    c->doc = 0;
    return seek(x, c, 0) ;
}

static int positions(cur *c)
{
    if (c->pos_doc == c->doc)
        return NS_OK;
    uint32_t need = nsi_pcur_tf_title(&c->pc) > nsi_pcur_tf_body(&c->pc)
                        ? nsi_pcur_tf_title(&c->pc)
                        : nsi_pcur_tf_body(&c->pc);
    if (need > c->pcap) {
        free(c->pt);
        free(c->pb);
        c->pcap = need * 2;
        c->pt = malloc(c->pcap * sizeof *c->pt);
        c->pb = malloc(c->pcap * sizeof *c->pb);
        if (!c->pt || !c->pb) {
            c->pcap = 0;
            return NS_ENOMEM;
        }
    }
    int rc = nsi_pcur_positions(&c->pc, c->pt, c->pb);
    if (!rc)
        c->pos_doc = c->doc;
    return rc;
}

static void field_list(cur *c, int title, const uint32_t **p, uint32_t *n)
{
    *p = title ? c->pt : c->pb;
    *n = title ? nsi_pcur_tf_title(&c->pc) : nsi_pcur_tf_body(&c->pc);
}

static int has(const uint32_t *v, uint32_t n, uint32_t x)
{
    uint32_t lo = 0, hi = n;
    while (lo < hi) {
        uint32_t m = lo + (hi - lo) / 2;
        if (v[m] < x)
            lo = m + 1;
        else
            hi = m;
    }
    return lo < n && v[lo] == x;
}

static int phrase_in(cur *c, int title)
{
    const uint32_t *p0;
    uint32_t n0;
    field_list(c->kids[0], title, &p0, &n0);
    for (uint32_t a = 0; a < n0; a++) {
        size_t i = 1;
        for (; i < c->nkids; i++) {
            const uint32_t *pi;
            uint32_t ni;
            field_list(c->kids[i], title, &pi, &ni);
            if (!has(pi, ni, p0[a] + (uint32_t)i))
                break;
        }
        if (i == c->nkids)
            return 1;
    }
    return 0;
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

/* NEAR/n: one occurrence of every term, all within n positions of each other
 * (adjacent words are 1 apart; docs/query-language.md). Positions are paired
 * with their term's index. */
static int near_in(sctx *x, cur *c, int title)
{
    size_t total = 0, k = c->nkids;
    for (size_t i = 0; i < k; i++) {
        const uint32_t *p;
        uint32_t n;
        field_list(c->kids[i], title, &p, &n);
        total += n;
    }
    if (total > x->nbuf_cap) {
        free(x->nbuf);
        x->nbuf_cap = total * 2;
        if (!(x->nbuf = malloc(x->nbuf_cap * 2 * sizeof *x->nbuf))) {
            x->nbuf_cap = 0;
            return -1;
        }
    }
    uint32_t *v = x->nbuf; /* pairs (pos, term) sorted by pos */
    size_t m = 0;
    for (size_t i = 0; i < k; i++) {
        const uint32_t *p;
        uint32_t n;
        field_list(c->kids[i], title, &p, &n);
        for (uint32_t j = 0; j < n; j++, m++) {
            v[2 * m] = p[j];
            v[2 * m + 1] = (uint32_t)i;
        }
    }
    if (m > 1)
        qsort(v, m, 2 * sizeof *v, cmp_u32);
    uint32_t count[64] = {0};
    size_t have = 0, lo = 0;
    for (size_t hi = 0; hi < m; hi++) {
        if (count[v[2 * hi + 1]]++ == 0)
            have++;
        while (have == k) {
            if (v[2 * hi] - v[2 * lo] <= c->dist)
                return 1;
            if (--count[v[2 * lo + 1]] == 0)
                have--;
            lo++;
        }
    }
    return 0;
}

/* Whether an AND-family cursor whose kids all sit on c->doc really matches. */
static int check_positions(sctx *x, cur *c, int *rc)
{
    if (c->kind != E_PHRASE && c->kind != E_NEAR)
        return 1;
    if (c->kind == E_NEAR && c->nkids > 64)
        return 0;
    for (size_t i = 0; i < c->nkids; i++)
        if ((*rc = positions(c->kids[i])))
            return 0;
    int title_only = c->e->title_only;
    for (int title = 1; title >= (title_only ? 1 : 0); title--) {
        int ok = c->kind == E_PHRASE ? phrase_in(c, title) : near_in(x, c, title);
        if (ok < 0) {
            *rc = NS_ENOMEM;
            return 0;
        }
        if (ok)
            return 1;
    }
    return 0;
}

static int seek_and(sctx *x, cur *c, uint32_t t)
{
    int rc;
    for (;;) {
        uint32_t doc = t;
        size_t i = 0;
        for (; i < c->nkids; i++) {
            cur *k = c->lead[i];
            if (k->doc < doc && (rc = seek(x, k, doc)))
                return rc;
            if (k->doc == NSI_DOC_END) {
                c->doc = NSI_DOC_END;
                return NS_OK;
            }
            if (k->doc > doc)
                break;
        }
        if (i < c->nkids) {
            t = c->lead[i]->doc;
            continue;
        }
        rc = NS_OK;
        int ok = check_positions(x, c, &rc);
        if (rc)
            return rc;
        for (size_t j = 0; ok && j < c->nneg; j++) {
            if (c->neg[j]->doc < doc && (rc = seek(x, c->neg[j], doc)))
                return rc;
            if (c->neg[j]->doc == doc)
                ok = 0;
        }
        if (ok) {
            c->doc = doc;
            return NS_OK;
        }
        if (doc == NSI_DOC_END - 1) {
            c->doc = NSI_DOC_END;
            return NS_OK;
        }
        t = doc + 1;
    }
}

static int seek(sctx *x, cur *c, uint32_t target)
{
    int rc = NS_OK;
    switch (c->kind) {
    case E_EMPTY:
        c->doc = NSI_DOC_END;
        return NS_OK;
    case E_TERM:
        if ((rc = nsi_pcur_seek(&c->pc, target)))
            break;
        while (c->title_only && c->pc.doc != NSI_DOC_END && nsi_pcur_tf_title(&c->pc) == 0)
            if ((rc = nsi_pcur_next(&c->pc)))
                break;
        c->doc = c->pc.doc;
        break;
    case E_OR: {
        uint32_t m = NSI_DOC_END;
        for (size_t i = 0; i < c->nkids; i++) {
            cur *k = c->kids[i];
            if (k->doc < target && (rc = seek(x, k, target)))
                return rc;
            if (k->doc < m)
                m = k->doc;
        }
        c->doc = m;
        break;
    }
    case E_MAYBE:
        if (c->kids[0]->doc < target && (rc = seek(x, c->kids[0], target)))
            return rc;
        c->doc = c->kids[0]->doc;
        break;
    default:
        return seek_and(x, c, target);
    }
    if (rc == NS_ECORRUPT)
        nsi_fail(x->err, sizeof x->err, rc, "%s: postings damaged", x->seg->path);
    return rc;
}

/* Score of the document c sits on (query order summation). */
static int score(sctx *x, cur *c, double *out)
{
    double s = 0, k;
    int rc;
    switch (c->kind) {
    case E_TERM:
        *out = term_score(x, c);
        return NS_OK;
    case E_EMPTY:
        *out = 0;
        return NS_OK;
    case E_MAYBE:
        if ((rc = score(x, c->kids[0], &s)))
            return rc;
        for (size_t i = 1; i < c->nkids; i++) {
            cur *o = c->kids[i];
            if (o->doc < c->doc && (rc = seek(x, o, c->doc)))
                return rc;
            if (o->doc == c->doc) {
                if ((rc = score(x, o, &k)))
                    return rc;
                s += k;
            }
        }
        *out = s;
        return NS_OK;
    default:
        for (size_t i = 0; i < c->nkids; i++) {
            if (c->kids[i]->doc != c->doc)
                continue;
            if ((rc = score(x, c->kids[i], &k)))
                return rc;
            s += k;
        }
        *out = s;
        return NS_OK;
    }
}

/* ------------------------------------------------------------ evaluation */

typedef struct run {
    topk heap;
    uint64_t total;
    int exact;
} runstate;

static int exhaustive(sctx *x, cur *root, uint64_t base, runstate *r)
{
    int rc = start(x, root);
    while (!rc && root->doc != NSI_DOC_END) {
        uint32_t d = root->doc;
        if (!nsi_bit_get(x->deleted, d)) {
            double s;
            if ((rc = score(x, root, &s)))
                break;
            r->total++;
            heap_push(&r->heap, s, base + d);
        }
        if (d == NSI_DOC_END - 1)
            break;
        rc = seek(x, root, d + 1);
    }
    return rc;
}

/* Upper bound of a term's score over its whole list in this segment. */
static int list_bound(sctx *x, cur *c)
{
    const scorer *sc = &x->sc;
    double best = 0;
    nsi_pcur *pc = &c->pc;
    for (uint32_t b = 0; b < pc->full; b++) {
        nsi_skip sk;
        nsi_pcur_skip(pc, b, &sk);
        double v = bm25f(sc, c->idf, c->title_only, sk.max_tf_title, sk.max_tf_body,
                         sk.min_len_title, sk.min_len_body);
        if (v > best)
            best = v;
    }
    if (pc->tail_n) {
        nsi_pcur *t = malloc(sizeof *t);
        if (!t)
            return NS_ENOMEM;
        *t = *pc;
        int rc = NS_OK;
        if (pc->full) {
            nsi_skip sk;
            nsi_pcur_skip(pc, pc->full - 1, &sk);
            rc = nsi_pcur_seek(t, sk.last_doc + 1);
        }
        for (uint32_t i = 0; !rc && t->doc != NSI_DOC_END && i < t->n; i++) {
            uint32_t lt, lb;
            nsi_seg_norms(x->seg, t->docs[i], &lt, &lb);
            double v = bm25f(sc, c->idf, c->title_only, t->tft[i], t->tfb[i], lt, lb);
            if (v > best)
                best = v;
        }
        free(t);
        if (rc)
            return rc;
    }
    /* rounding in the bound's arithmetic must never make it too low */
    c->maxscore = best * (1 + 1e-9) + 1e-12;
    return NS_OK;
}

/* Upper bound of a term's score for doc d: its block's maxima when d falls
 * in a full block, else the whole list's bound. */
static double block_bound(sctx *x, cur *c, uint32_t d)
{
    nsi_skip sk;
    if (c->kind != E_TERM || c->doc == NSI_DOC_END)
        return 0;
    if (c->doc > d)
        return 0; /* the term cannot hold d at all */
    if (!nsi_pcur_block_bound(&c->pc, d, &sk))
        return c->maxscore;
    double v = bm25f(&x->sc, c->idf, c->title_only, sk.max_tf_title, sk.max_tf_body,
                     sk.min_len_title, sk.min_len_body);
    return v * (1 + 1e-9) + 1e-12;
}

/* MaxScore over an OR of terms. */
static int maxscore(sctx *x, cur *root, uint64_t base, runstate *r)
{
    size_t n = root->nkids;
    int rc = NS_OK;
    cur **ord = malloc((n + 1) * sizeof *ord);
    double *ub = malloc((n + 1) * sizeof *ub), *contrib = calloc(n + 1, sizeof *contrib);
    size_t *slot = malloc((n + 1) * sizeof *slot);
    double *bb = malloc((n + 1) * sizeof *bb);
    if (!ord || !ub || !contrib || !slot || !bb) {
        rc = NS_ENOMEM;
        goto out;
    }
    for (size_t i = 0; i < n && !rc; i++) {
        cur *k = root->kids[i];
        k->doc = k->kind == E_TERM ? k->pc.doc : NSI_DOC_END;
        if (k->kind == E_TERM && k->title_only)
            rc = seek(x, k, k->doc);
        if (!rc)
            rc = k->kind == E_TERM ? list_bound(x, k) : NS_OK;
        ord[i] = k;
    }
    if (rc)
        goto out;
    /* ascending upper bound; slot[] maps back to query order */
    for (size_t i = 1; i < n; i++)
        for (size_t j = i; j > 0 && ord[j]->maxscore < ord[j - 1]->maxscore; j--) {
            cur *t = ord[j];
            ord[j] = ord[j - 1];
            ord[j - 1] = t;
        }
    for (size_t i = 0; i < n; i++) {
        ub[i] = ord[i]->maxscore + (i ? ub[i - 1] : 0);
        for (size_t j = 0; j < n; j++)
            if (root->kids[j] == ord[i])
                slot[i] = j;
    }
    size_t ess = 0; /* ord[0..ess) are non-essential */
    for (;;) {
        double th = heap_threshold(&r->heap);
        while (ess < n && ub[ess] <= th)
            ess++;
        if (ess == n)
            break;
        uint32_t d = NSI_DOC_END;
        for (size_t i = ess; i < n; i++)
            if (ord[i]->doc < d)
                d = ord[i]->doc;
        if (d == NSI_DOC_END)
            break;
        if (!nsi_bit_get(x->deleted, d)) {
            double partial = 0;
            for (size_t i = ess; i < n; i++) {
                contrib[slot[i]] = 0;
                if (ord[i]->doc == d)
                    partial += contrib[slot[i]] = term_score(x, ord[i]);
            }
            /* block-max refinement: the non-essential terms can add at most
             * the bounds of the blocks that would hold d */
            double rem = 0;
            for (size_t i = 0; i < ess; i++) {
                bb[i] = block_bound(x, ord[i], d);
                rem += bb[i];
            }
            size_t i = ess;
            while (i > 0) {
                if (partial + rem <= th) {
                    r->exact = 0; /* skipped without knowing whether it matches */
                    break;
                }
                i--;
                rem -= bb[i];
                contrib[slot[i]] = 0;
                if (ord[i]->doc < d && (rc = seek(x, ord[i], d)))
                    goto out;
                if (ord[i]->doc == d)
                    partial += contrib[slot[i]] = term_score(x, ord[i]);
            }
            if (i == 0) {
                double sc = 0;
                for (size_t j = 0; j < n; j++)
                    if (root->kids[j]->doc == d)
                        sc += contrib[j];
                r->total++;
                heap_push(&r->heap, sc, base + d);
            }
        }
        for (size_t i = ess; i < n; i++)
            if (ord[i]->doc == d && (rc = seek(x, ord[i], d + 1)))
                goto out;
    }
    if (ess > 0)
        r->exact = 0;
out:
    free(bb);
    free(ord);
    free(ub);
    free(contrib);
    free(slot);
    return rc;
}

static int maxscore_fits(const enode *e)
{
    if (e->kind != E_OR || e->nkids < 2)
        return 0;
    for (size_t i = 0; i < e->nkids; i++)
        if (e->kids[i]->kind != E_TERM)
            return 0;
    return 1;
}

static uint64_t max_df(const enode *e)
{
    uint64_t m = e->kind == E_TERM ? e->df : 0;
    for (size_t i = 0; i < e->nkids; i++) {
        uint64_t k = max_df(e->kids[i]);
        if (k > m)
            m = k;
    }
    return m;
}

static int search_segments(nsi_snap *snap, const enode *root, const ns_search_options *o,
                           runstate *r, char *err, size_t errlen)
{
    sctx *x = calloc(1, sizeof *x);
    if (!x)
        return NS_ENOMEM;
    x->snap = snap;
    x->sc = (scorer){o->k1, o->b, o->title_weight, snap->avg_title, snap->avg_body};
    int rc = NS_OK, pruned = !o->exhaustive && maxscore_fits(root);
    for (uint32_t i = 0; i < snap->nsegs && !rc; i++) {
        x->seg = snap->segs[i];
        x->deleted = snap->deleted[i];
        cur *c = build_cur(x, root, &rc);
        if (!c)
            break;
        rc = pruned ? maxscore(x, c, snap->base[i], r) : exhaustive(x, c, snap->base[i], r);
        cur_free(c);
    }
    if (rc)
        nsi_fail(err, errlen, rc, "%s", x->err[0] ? x->err : ns_strerror(rc));
    free(x->nbuf);
    free(x);
    return rc;
}

static int cmp_entry_desc(const void *a, const void *b)
{
    const entry *x = a, *y = b;
    return worse(x, y) ? 1 : worse(y, x) ? -1 : 0;
}

static int load_hit(ns_results *res, nsi_hit *h, char *err, size_t errlen)
{
    const nsi_snap *s = res->snap;
    uint32_t lo = 0, hi = s->nsegs;
    while (hi - lo > 1) {
        uint32_t m = lo + (hi - lo) / 2;
        if (s->base[m] <= h->gdoc)
            lo = m;
        else
            hi = m;
    }
    h->seg = lo;
    h->doc = (uint32_t)(h->gdoc - s->base[lo]);
    nsi_record rec;
    int rc = nsi_seg_fields(s->segs[lo], h->doc, &rec, err, errlen);
    if (rc)
        return rc;
    for (int f = 0; f < NSI_F_BODY; f++) {
        h->off[f] = res->arena.len;
        h->len[f] = rec.len[f];
        if ((rc = nsi_buf_append(&res->arena, rec.f[f], rec.len[f])) ||
            (rc = nsi_buf_putc(&res->arena, 0)))
            return rc;
    }
    return NS_OK;
}

/* Copies the listed fields of every hit: they are read in place from each
 * segment's FIELDS section, so a hit list never inflates stored text. */
static int load_hits(ns_results *r, char *err)
{
    int rc = NS_OK;
    for (size_t i = 0; !rc && i < r->nhits; i++)
        rc = load_hit(r, &r->hits[i], err, NSI_ERRMSG);
    return rc;
}

int nsi_native_search(ns_results **out, ns_index *idx, const ns_query *q,
                      const ns_search_options *opts)
{
    const ns_search_options o = *opts;
    char *err = nsi_index_errbuf();
    ns_results *r = calloc(1, sizeof *r);
    if (!r)
        return nsi_index_fail(NS_ENOMEM, "out of memory");
    r->idx = idx;
    r->snap = nsi_index_acquire(idx);
    r->first_rank = o.offset + 1;
    runstate run = {{NULL, 0, o.k + o.offset}, 0, 1};
    int rc = NS_OK;
    enode *root = NULL;
    if (q->root) {
        root = build_enode(r->snap, q->root, NS_MAX_PREFIX_EXPANSIONS, &rc, err, NSI_ERRMSG);
        if (!root && !rc)
            rc = NS_ENOMEM;
    }
    if (!rc && root && !(run.heap.e = malloc((run.heap.k + 1) * sizeof *run.heap.e)))
        rc = NS_ENOMEM;
    if (!rc && root)
        rc = search_segments(r->snap, root, &o, &run, err, NSI_ERRMSG);
    if (!rc) {
        if (run.heap.n > 1)
            qsort(run.heap.e, run.heap.n, sizeof *run.heap.e, cmp_entry_desc);
        r->total = run.total;
        r->exact = run.exact;
        if (!run.exact && root && max_df(root) > r->total)
            r->total = max_df(root);
        size_t n = run.heap.n > o.offset ? run.heap.n - o.offset : 0;
        r->hits = calloc(n + 1, sizeof *r->hits);
        if (!r->hits)
            rc = NS_ENOMEM;
        for (size_t i = 0; !rc && i < n; i++) {
            r->hits[i].score = run.heap.e[o.offset + i].score;
            r->hits[i].gdoc = run.heap.e[o.offset + i].gdoc;
        }
        r->nhits = n;
        if (!rc)
            rc = load_hits(r, err);
    }
    free(run.heap.e);
    enode_free(root);
    if (rc) {
        if (!err[0])
            nsi_index_fail(rc, "%s", ns_strerror(rc));
        ns_results_free(r);
        return rc;
    }
    *out = r;
    return NS_OK;
}
