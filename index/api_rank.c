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

typedef struct fbterm {
    const char *t; /* in the collector's arena */
    size_t len;
    uint32_t doc;
    double share; /* tf / |D| */
} fbterm;

typedef struct collector {
    nsi_buf arena;
    size_t *off; /* per token: offset in arena (NUL-terminated) */
    size_t n, cap;
    uint32_t ntok;
} collector;

static int on_token(void *ctx, const nsi_token *tok)
{
    collector *c = ctx;
    if (c->n == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 1024;
        size_t *o = realloc(c->off, cap * sizeof *o);
        if (!o)
            return NS_ENOMEM;
        c->off = o;
        c->cap = cap;
    }
    c->off[c->n++] = c->arena.len;
    c->ntok++;
    int rc = nsi_buf_append(&c->arena, tok->term, tok->term_len);
    return rc ? rc : nsi_buf_putc(&c->arena, 0);
}

static int cmp_fb(const void *a, const void *b)
{
    const fbterm *x = a, *y = b;
    size_t n = x->len < y->len ? x->len : y->len;
    int c = memcmp(x->t, y->t, n);
    if (c)
        return c;
    if (x->len != y->len)
        return x->len < y->len ? -1 : 1;
    return (x->doc > y->doc) - (x->doc < y->doc);
}

typedef struct cand {
    const char *t;
    size_t len;
    double w;
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

static int in_query(const nsq_node *n, const char *t, size_t len)
{
    if (n->kind == NSQ_TERM && n->term_len == len && !memcmp(n->term, t, len))
        return 1;
    for (size_t i = 0; i < n->nkids; i++)
        if (in_query(n->kids[i], t, len))
            return 1;
    return 0;
}

/* Every token of the hits, as (term, hit, tf / |D|) runs, into *out. */
static int gather(ns_index *idx, const ns_results *r, collector *c, fbterm **out, size_t *nout)
{
    nsi_analyzer *an = NULL;
    int rc = nsi_index_analyzer(idx, &an);
    fbterm *v = NULL;
    size_t nv = 0, cap = 0;
    for (size_t i = 0; !rc && i < ns_results_count(r); i++) {
        ns_hit h;
        char *body = NULL;
        size_t blen = 0;
        if ((rc = ns_results_hit(r, i, &h)) || (rc = ns_results_body(r, i, &body, &blen)))
            break;
        c->n = 0;
        c->ntok = 0;
        nsi_buf_reset(&c->arena);
        rc = nsi_analyze(an, h.title, h.title_len, 0, 0, on_token, c, NULL);
        if (!rc)
            rc = nsi_analyze(an, body, blen < NSI_FB_BODY_BYTES ? blen : NSI_FB_BODY_BYTES, c->ntok,
                             0, on_token, c, NULL);
        free(body);
        if (rc || c->ntok == 0)
            continue;
        /* one run per distinct term of this hit: sort its tokens */
        fbterm *d = malloc(c->n * sizeof *d);
        if (!d) {
            rc = NS_ENOMEM;
            break;
        }
        for (size_t k = 0; k < c->n; k++) {
            const char *t = (const char *)c->arena.data + c->off[k];
            d[k] = (fbterm){t, strlen(t), (uint32_t)i, 0};
        }
        qsort(d, c->n, sizeof *d, cmp_fb);
        for (size_t k = 0; k < c->n && !rc;) {
            size_t e = k;
            while (e < c->n && d[e].len == d[k].len && !memcmp(d[e].t, d[k].t, d[k].len))
                e++;
            if (nv == cap) {
                cap = cap ? cap * 2 : 1024;
                fbterm *nvp = realloc(v, cap * sizeof *nvp);
                if (!nvp) {
                    rc = NS_ENOMEM;
                    break;
                }
                v = nvp;
            }
            char *copy = strndup(d[k].t, d[k].len); /* the arena is reused per hit */
            if (!copy) {
                rc = NS_ENOMEM;
                break;
            }
            v[nv++] = (fbterm){copy, d[k].len, (uint32_t)i, (double)(e - k) / c->ntok};
            k = e;
        }
        free(d);
    }
    if (an)
        nsi_index_analyzer_put(idx, an);
    *out = v;
    *nout = nv;
    return rc;
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
    fbterm *v = NULL;
    size_t nv = 0, nc = 0;
    cand *cs = NULL;
    const char **terms = NULL;
    size_t *lens = NULL;
    uint64_t *df = NULL, ndocs = 0;
    if (!rc && r && ns_results_count(r) > 0)
        rc = gather(idx, r, &c, &v, &nv);
    size_t nhits = r ? ns_results_count(r) : 0;
    unsigned min_docs = nhits >= 2 ? 2 : 1;
    if (!rc && nv) {
        qsort(v, nv, sizeof *v, cmp_fb);
        cs = malloc(nv * sizeof *cs);
        terms = malloc(nv * sizeof *terms);
        lens = malloc(nv * sizeof *lens);
        df = malloc(nv * sizeof *df);
        if (!cs || !terms || !lens || !df)
            rc = NS_ENOMEM;
        for (size_t k = 0; !rc && k < nv;) {
            size_t e = k;
            double sum = 0;
            while (e < nv && v[e].len == v[k].len && !memcmp(v[e].t, v[k].t, v[k].len))
                sum += v[e++].share;
            if (e - k >= min_docs && !in_query(q->root, v[k].t, v[k].len)) {
                cs[nc] = (cand){v[k].t, v[k].len, sum / (double)nhits};
                terms[nc] = v[k].t;
                lens[nc++] = v[k].len;
            }
            k = e;
        }
        if (!rc && nc)
            rc = idx->ops->term_df(idx, terms, lens, nc, df, &ndocs);
        for (size_t k = 0; !rc && k < nc; k++)
            cs[k].w *= nsi_bm25_idf(ndocs, df[k]);
        if (!rc && nc) {
            qsort(cs, nc, sizeof *cs, cmp_cand);
            size_t keep = nc < o.terms ? nc : o.terms;
            while (keep && !(cs[keep - 1].w > 0))
                keep--;
            if (keep)
                rc = add_terms(x, cs, keep, o.weight);
        }
    }
    if (!rc)
        rc = requery(x);
    for (size_t k = 0; k < nv; k++)
        free((char *)v[k].t);
    free(v);
    free(cs);
    free(terms);
    free(lens);
    free(df);
    free(c.off);
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
