/* api_rank.c — ranking rewrites of a parsed query: proximity clauses
 * (ns_query_add_proximity, query/proximity.c) and pseudo-relevance feedback
 * (ns_query_expand).
 *
 * Feedback. The query is run once; the first `docs` hits are taken as
 * relevant, and their text (title and the first NSI_FB_BODY_BYTES of the body,
 * analysed as indexed) gives each term t a weight
 *     w(t) = idf(t) * mean over the hits of tf(t, D) / |D|
 * (Rocchio's centroid with IDF, which keeps frequent words, indexed as they
 * are, from dominating; a term must occur in at least two of the hits). The
 * `terms` best terms not already in the query are added to it as optional
 * terms, each weighted weight * w(t) / max w: its BM25F score counts that
 * much. The expanded query is a query like any other (ns_search, explain,
 * snippets), whose canonical form shows the added terms and their weights. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "eval/bm25.h"
#include "eval/search.h"

#define NSI_FB_BODY_BYTES 65536u

static int requery(ns_query *q)
{
    nsi_buf b = {0};
    int rc = nsq_format(q->root, &b);
    if (!rc)
        rc = nsi_buf_terminate(&b);
    if (!rc) {
        free(q->text);
        q->text = (char *)nsi_buf_steal(&b, NULL);
    }
    nsi_buf_free(&b);
    return rc;
}

int ns_query_add_proximity(ns_query *q, double weight, unsigned window)
{
    if (!q || !(weight >= 0) || weight > 100 || window < 1 || window > 1000)
        return NS_EINVAL;
    int rc = nsi_query_proximity(&q->root, weight, window);
    return rc ? rc : requery(q);
}

/* ---- feedback */

/* Every distinct term of the hits, once, in a hash table (open addressing):
 * its text (in the arena), the hits that hold it, and the sum over them of
 * tf / |D|. A hit's tokens bump tf of their entries; when the hit ends, each
 * entry it touched adds tf / |D| (the `touched` list). */
typedef struct fbent {
    size_t off, len; /* the term in arena */
    uint64_t hash;
    uint32_t docs, tf;
    double share;
} fbent;

typedef struct collector {
    nsi_buf arena;
    fbent *e;
    size_t n, cap;  /* entries; cap is a power of two (0: none yet) */
    uint32_t *slot; /* cap slots: entry + 1, or 0 */
    uint32_t *touched;
    size_t ntouched, touchcap;
    uint32_t ntok;
    int rc;
} collector;

static int grow(collector *c)
{
    size_t cap = c->cap ? c->cap * 2 : 4096;
    uint32_t *slot = calloc(cap, sizeof *slot);
    fbent *e = realloc(c->e, cap / 2 * sizeof *e);
    if (!slot || !e) {
        free(slot);
        if (e)
            c->e = e;
        return NS_ENOMEM;
    }
    c->e = e;
    for (size_t i = 0; i < c->n; i++) {
        size_t h = (size_t)c->e[i].hash & (cap - 1);
        while (slot[h])
            h = (h + 1) & (cap - 1);
        slot[h] = (uint32_t)i + 1;
    }
    free(c->slot);
    c->slot = slot;
    c->cap = cap;
    return NS_OK;
}

static int on_token(void *ctx, const nsi_token *tok)
{
    collector *c = ctx;
    if (c->n + 1 > c->cap / 2 && (c->rc = grow(c)))
        return c->rc;
    uint64_t hash = nsi_fnv1a64(tok->term, tok->term_len, NSI_FNV_SEED);
    size_t h = (size_t)hash & (c->cap - 1);
    fbent *e = NULL;
    for (; c->slot[h]; h = (h + 1) & (c->cap - 1)) {
        fbent *x = &c->e[c->slot[h] - 1];
        if (x->hash == hash && x->len == tok->term_len &&
            !memcmp(c->arena.data + x->off, tok->term, tok->term_len)) {
            e = x;
            break;
        }
    }
    if (!e) {
        e = &c->e[c->n];
        *e = (fbent){c->arena.len, tok->term_len, hash, 0, 0, 0};
        if ((c->rc = nsi_buf_append(&c->arena, tok->term, tok->term_len)))
            return c->rc;
        c->slot[h] = (uint32_t)++c->n;
    }
    if (e->tf++ == 0) {
        if (c->ntouched == c->touchcap) {
            size_t cap = c->touchcap ? c->touchcap * 2 : 1024;
            uint32_t *t = realloc(c->touched, cap * sizeof *t);
            if (!t)
                return c->rc = NS_ENOMEM;
            c->touched = t;
            c->touchcap = cap;
        }
        c->touched[c->ntouched++] = (uint32_t)(e - c->e);
    }
    c->ntok++;
    return 0;
}

typedef struct cand {
    const char *t;
    size_t len;
    double w;  /* mean share, then times IDF */
    double ub; /* mean share * IDF of the fewest documents it can be in */
} cand;

static int cmp_cand(const void *a, const void *b)
{
    const cand *x = a, *y = b;
    if (x->w != y->w)
        return x->w < y->w ? 1 : -1;
    size_t n = x->len < y->len ? x->len : y->len;
    int c = memcmp(x->t, y->t, n);
    return c ? c : (x->len > y->len) - (x->len < y->len);
}

static int cmp_ub(const void *a, const void *b)
{
    const cand *x = a, *y = b;
    return (x->ub < y->ub) - (x->ub > y->ub);
}

static int in_query(const nsq_node *n, const char *t, size_t len)
{
    if (n->kind == NSQ_TERM && n->term_len == len && !memcmp(n->term, t, len))
        return 1;
    for (size_t i = 0; i < n->nkids; i++)
        if (in_query(n->kids[i], t, len))
            return 1;
    return 0;
}

/* Every term of the hits (title and the first NSI_FB_BODY_BYTES of the
 * body, analysed as indexed) into c. */
static int gather(ns_index *idx, const ns_results *r, collector *c)
{
    nsi_analyzer *an = NULL;
    int rc = nsi_index_analyzer(idx, &an);
    for (size_t i = 0; !rc && i < ns_results_count(r); i++) {
        ns_hit h;
        char *body = NULL;
        size_t blen = 0;
        if ((rc = ns_results_hit(r, i, &h)) || (rc = ns_results_body(r, i, &body, &blen)))
            break;
        c->ntok = 0;
        c->ntouched = 0;
        rc = nsi_analyze(an, h.title, h.title_len, 0, 0, on_token, c, NULL);
        if (!rc)
            rc = nsi_analyze(an, body, blen < NSI_FB_BODY_BYTES ? blen : NSI_FB_BODY_BYTES, c->ntok,
                             0, on_token, c, NULL);
        free(body);
        if (!rc && c->rc)
            rc = c->rc;
        for (size_t k = 0; k < c->ntouched; k++) {
            fbent *e = &c->e[c->touched[k]];
            e->share += (double)e->tf / c->ntok;
            e->docs++;
            e->tf = 0;
        }
    }
    if (an)
        nsi_index_analyzer_put(idx, an);
    return rc;
}

/* The `want` best candidates of cs[0..nc) by w = mean share * IDF, into the
 * front of cs, best first; *kept is how many (fewer when fewer weigh more
 * than 0). Document frequencies are looked up best bound first, in batches,
 * until no candidate left can beat the want-th weight found: a term in e of
 * the hits is in at least e documents, so mean share * idf(e) bounds it. */
static int choose(ns_index *idx, uint64_t ndocs, cand *cs, size_t nc, size_t want, size_t *kept)
{
    enum { BATCH = 64 };
    uint64_t df[BATCH];
    const char *terms[BATCH];
    size_t lens[BATCH];
    int rc = NS_OK;
    *kept = 0;
    if (!want)
        return NS_OK;
    qsort(cs, nc, sizeof *cs, cmp_ub);
    size_t done = 0; /* cs[0..done) have their exact w */
    while (!rc && done < nc) {
        if (done >= want) { /* the want-th best so far: can the rest beat it? */
            qsort(cs, done, sizeof *cs, cmp_cand);
            double th = cs[want - 1].w;
            if (cs[done].ub < th)
                break;
        }
        size_t n = nc - done < BATCH ? nc - done : BATCH;
        for (size_t k = 0; k < n; k++) {
            terms[k] = cs[done + k].t;
            lens[k] = cs[done + k].len;
        }
        uint64_t nd = 0;
        if ((rc = idx->ops->term_df(idx, terms, lens, n, df, &nd)))
            break;
        for (size_t k = 0; k < n; k++)
            cs[done + k].w *= nsi_bm25_idf(ndocs, df[k]);
        done += n;
    }
    if (rc)
        return rc;
    qsort(cs, done, sizeof *cs, cmp_cand);
    size_t keep = done < want ? done : want;
    while (keep && !(cs[keep - 1].w > 0))
        keep--;
    *kept = keep;
    return NS_OK;
}

static int add_terms(ns_query *q, const cand *c, size_t n, double weight)
{
    nsq_node *top = q->root;
    if (top->kind != NSQ_OR && top->kind != NSQ_MAYBE) {
        if (!(top = nsq_new(NSQ_MAYBE, q->root->offset)))
            return NS_ENOMEM;
        if (nsq_add_kid(top, q->root)) { /* which freed the root */
            q->root = NULL;
            nsq_free(top);
            return NS_ENOMEM;
        }
        q->root = top;
    }
    double max = n ? c[0].w : 1;
    for (size_t i = 0; i < n; i++) {
        nsq_node *t = nsq_new_term(NSQ_TERM, c[i].t, c[i].len, 0);
        if (!t)
            return NS_ENOMEM;
        t->weight = weight * c[i].w / max;
        t->role = NSQ_ROLE_FEEDBACK;
        if (nsq_add_kid(top, t))
            return NS_ENOMEM;
    }
    return NS_OK;
}

int ns_query_expand(ns_query **out, ns_index *idx, const ns_query *q,
                    const ns_search_options *sopts, const ns_expand_options *opts)
{
    if (out)
        *out = NULL;
    nsi_index_bind(idx);
    if (!out || !idx || !q)
        return nsi_index_fail(NS_EINVAL, "ns_query_expand needs an index, a query and out");
    ns_expand_options o = NS_EXPAND_OPTIONS_INIT;
    if (opts)
        o = *opts;
    if (o.docs < 1 || o.docs > 1000 || o.terms > 1000 || !(o.weight >= 0) || o.weight > 100)
        return nsi_index_fail(NS_EINVAL, "invalid expand options (need 1 <= docs <= 1000, terms "
                                         "<= 1000, 0 <= weight <= 100)");
    if (!idx->ops->term_df)
        return nsi_index_fail(NS_EUNSUPPORTED, "a %s index cannot expand queries", idx->ops->name);
    ns_query *x = calloc(1, sizeof *x);
    if (!x)
        return nsi_index_fail(NS_ENOMEM, "out of memory");
    memcpy(x->language, q->language, sizeof x->language);
    x->max_expansions = q->max_expansions;
    if (q->root && !(x->root = nsq_copy(q->root))) {
        free(x);
        return nsi_index_fail(NS_ENOMEM, "out of memory");
    }
    ns_search_options so = NS_SEARCH_OPTIONS_INIT;
    int rc = nsi_search_options(q, sopts, &so);
    so.k = o.docs;
    so.offset = 0;
    ns_results *r = NULL;
    if (!rc && q->root && o.terms > 0)
        rc = ns_search(&r, idx, q, &so);
    collector c = {0};
    cand *cs = NULL;
    size_t nc = 0, keep = 0;
    if (!rc && r && ns_results_count(r) > 0)
        rc = gather(idx, r, &c);
    size_t nhits = r ? ns_results_count(r) : 0;
    unsigned min_docs = nhits >= 2 ? 2 : 1;
    uint64_t ndocs = 0;
    uint64_t none = 0;
    if (!rc && c.n) /* no terms: just the number of documents */
        rc = idx->ops->term_df(idx, NULL, NULL, 0, &none, &ndocs);
    if (!rc && c.n && !(cs = malloc(c.n * sizeof *cs)))
        rc = NS_ENOMEM;
    for (size_t k = 0; !rc && k < c.n; k++) {
        const fbent *e = &c.e[k];
        const char *t = (const char *)c.arena.data + e->off;
        if (e->docs >= min_docs && !in_query(q->root, t, e->len)) {
            double mean = e->share / (double)nhits;
            cs[nc++] = (cand){t, e->len, mean, mean * nsi_bm25_idf(ndocs, e->docs)};
        }
    }
    if (!rc && nc)
        rc = choose(idx, ndocs, cs, nc, o.terms, &keep);
    if (!rc && keep)
        rc = add_terms(x, cs, keep, o.weight);
    if (!rc)
        rc = requery(x);
    free(cs);
    free(c.e);
    free(c.slot);
    free(c.touched);
    nsi_buf_free(&c.arena);
    ns_results_free(r);
    if (rc) {
        ns_query_free(x);
        if (rc == NS_ENOMEM)
            nsi_index_fail(rc, "out of memory");
        return rc;
    }
    *out = x;
    return NS_OK;
}
