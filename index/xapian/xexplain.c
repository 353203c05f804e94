/* xexplain.c — why a Xapian hit scored what it did (ns_results_explain), and
 * the document frequencies that query expansion weighs terms by (term_df).
 *
 * Xapian computes every weight itself. A ranked search is Xapian's
 * BM25Weight (nsi_xap_bm25: k2 = 0, k3 = 1, so a hit's weight is the sum of
 * its matching leaves' weights, each a term's
 *     idf * (k1 + 1) * wdf / (k1 * ((1 - b) + b * max(len / avglen, 0.5)) + wdf)
 * times the OP_SCALE_WEIGHT factors above it: the title weight, a fuzzy
 * expansion's weight, a ranking rewrite's weight). So the query tree is
 * walked from the root as the native explain walks its plan: each node's
 * Xapian query, built as the search built it, is run filtered to the hit's
 * document (its id term), which says whether the node matches the hit and
 * what it weighs there, with the statistics of the whole database. A
 * matching AND, OR or AND-MAYBE hands the question to its positive
 * children; a matching term, prefix, fuzzy term, phrase or NEAR clause is a
 * part, weighing its own weight times the rewrite weights of its ancestors.
 * The parts add up to the hit's score up to the order of the additions. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eval/explain.h"
#include "format/record.h"
#include "xinternal.h"

typedef struct xctx {
    nsi_xindex *x;
    const ns_query *q;
    const ns_search_options *o;
    nsx_search_opts so;
    char idterm[NSX_ID_TERM_MAX];
    size_t idlen;
    uint32_t docid;
    ns_explain *out;
} xctx;

/* A failed call on x->db: NS_EIO keeps its message there for
 * nsi_xap_read_failed (the caller retries); anything else is reported now. */
static int db_failed(nsi_xindex *x, int rc)
{
    return rc == NS_EIO || rc == NS_ENOMEM
               ? rc
               : nsi_index_fail(rc, "%s: %s", x->path, nsx_db_errmsg(x->db));
}

static double own_weight(const nsq_node *n)
{
    return n->weight > 0 && n->weight != 1 ? n->weight : 1;
}

static const char *role_of(const nsq_node *n)
{
    return n->role == NSQ_ROLE_PROXIMITY  ? "proximity "
           : n->role == NSQ_ROLE_FEEDBACK ? "feedback "
                                          : "";
}

/* Whether n matches the hit, and its weight there (its own weight in);
 * *keep (may be NULL) receives n's Xapian query, else it is freed. */
static int weigh(xctx *c, const nsq_node *n, int *matched, double *w, nsx_query **keep)
{
    int rc;
    *matched = 0;
    nsx_query *xq = nsi_xap_build(c->x, c->q, n, c->o, &rc);
    if (!xq)
        return rc;
    if ((rc = nsx_doc_weight(c->x->db, xq, c->idterm, c->idlen, c->docid, &c->so, matched, w)))
        rc = db_failed(c->x, rc);
    if (keep && !rc)
        *keep = xq;
    else
        nsx_query_free(xq);
    return rc;
}

/* The expansions of a prefix or fuzzy term that the hit holds, as
 * " term(wdf=N) ...", into a buffer. */
typedef struct held {
    xctx *c;
    char buf[300];
    size_t at;
    int rc;
} held;

static int take_held(void *ctx, const char *t, size_t len)
{
    held *h = ctx;
    uint32_t wdf;
    uint64_t df, dl;
    if ((h->rc = nsx_doc_term(h->c->x->db, h->c->docid, t, len, &wdf, &df, &dl))) {
        h->rc = db_failed(h->c->x, h->rc);
        return 1;
    }
    if (!wdf || h->at + 1 >= sizeof h->buf)
        return 0;
    size_t skip = len && t[0] == NSX_TITLE_PREFIX ? 1 : 0;
    int m = snprintf(h->buf + h->at, sizeof h->buf - h->at, " %.*s(wdf=%u)", (int)(len - skip),
                     t + skip, wdf);
    if (m > 0)
        h->at += (size_t)m < sizeof h->buf - h->at ? (size_t)m : sizeof h->buf - h->at - 1;
    return 0;
}

/* The words of a phrase or NEAR clause, space-separated, into buf. */
static void words(const nsq_node *n, char *buf, size_t len)
{
    size_t at = 0;
    buf[0] = 0;
    for (size_t i = 0; i < n->nkids && at + 1 < len; i++) {
        const nsq_node *k = n->kids[i];
        int m = snprintf(buf + at, len - at, "%s%.*s", i ? " " : "", k->term ? (int)k->term_len : 0,
                         k->term ? k->term : "");
        if (m < 0)
            break;
        at += (size_t)m;
    }
}

static int leaf_part(xctx *c, const nsq_node *n, const nsx_query *xq, double score)
{
    const char *role = role_of(n), *field = n->field == NSQ_FIELD_TITLE ? "title" : "text";
    char wt[48] = "";
    if (own_weight(n) != 1)
        snprintf(wt, sizeof wt, " weight=%.3g", own_weight(n));
    switch (n->kind) {
    case NSQ_TERM: {
        char t[NS_MAX_TERM_BYTES * 4 + 2];
        size_t len = 0;
        if (n->field == NSQ_FIELD_TITLE)
            t[len++] = NSX_TITLE_PREFIX;
        if (n->term_len + len > sizeof t)
            return NS_ETOOBIG;
        memcpy(t + len, n->term, n->term_len);
        len += n->term_len;
        uint32_t wdf;
        uint64_t df, dl;
        int rc = nsx_doc_term(c->x->db, c->docid, t, len, &wdf, &df, &dl);
        if (rc)
            return db_failed(c->x, rc);
        char fw[48] = "";
        if (n->field == NSQ_FIELD_TITLE)
            snprintf(fw, sizeof fw, " field_weight=%g", c->o->title_weight);
        return nsi_explain_add(c->out, score, "%s%s:%s wdf=%u df=%llu doclen=%llu%s%s", role, field,
                               n->term, wdf, (unsigned long long)df, (unsigned long long)dl, fw,
                               wt);
    }
    case NSQ_PREFIX:
    case NSQ_FUZZY: {
        held h = {c, "", 0, NS_OK};
        int rc = nsx_query_terms(xq, take_held, &h);
        if (rc || (rc = h.rc))
            return rc;
        if (n->kind == NSQ_PREFIX)
            return nsi_explain_add(c->out, score, "%s%s:%s* matched:%s%s", role, field, n->term,
                                   h.buf, wt);
        return nsi_explain_add(c->out, score, "%s%s:%s~%u matched:%s%s", role, field, n->term,
                               n->dist, h.buf, wt);
    }
    case NSQ_PHRASE:
    case NSQ_NEAR: {
        char w[400];
        words(n, w, sizeof w);
        if (n->kind == NSQ_PHRASE)
            return nsi_explain_add(c->out, score, "%s%s:\"%s\"%s", role, field, w, wt);
        return nsi_explain_add(c->out, score, "%s%s:NEAR/%u(%s)%s", role, field, n->dist, w, wt);
    }
    default:
        return nsi_explain_add(c->out, score, "%s(node at %zu)%s", role, n->offset, wt);
    }
}

/* The parts of node n, whose ancestors' rewrite weights multiply to f. */
static int walk(xctx *c, const nsq_node *n, double f)
{
    if (n->kind == NSQ_NOT)
        return NS_OK;
    int matched;
    double w;
    nsx_query *xq = NULL;
    int rc = weigh(c, n, &matched, &w, &xq);
    if (!rc && matched && n->kind != NSQ_AND && n->kind != NSQ_OR && n->kind != NSQ_MAYBE)
        rc = leaf_part(c, n, xq, f * w);
    int leaf = n->kind != NSQ_AND && n->kind != NSQ_OR && n->kind != NSQ_MAYBE;
    nsx_query_free(xq);
    if (rc || !matched || leaf)
        return rc;
    for (size_t i = 0; !rc && i < n->nkids; i++)
        rc = walk(c, n->kids[i], f * own_weight(n));
    return rc;
}

int nsi_xap_explain(const ns_results *r, size_t i, const ns_query *q, const ns_search_options *o,
                    ns_explain *out)
{
    if (!q->root)
        return NS_OK;
    nsi_xindex *x = nsi_xap_of(r->idx);
    const nsi_hit *h = &r->hits[i];
    xctx c = {x, q, o, {.tiebreak_slot = -1}, "", 0, (uint32_t)h->gdoc, out};
    nsi_xap_bm25(o, &c.so);
    c.idlen =
        nsi_xap_id_term((const char *)r->arena.data + h->off[NSI_F_ID], h->len[NSI_F_ID], c.idterm);
    nsi_index_errbuf()[0] = 0;
    pthread_mutex_lock(&x->mu);
    int rc = nsi_xap_ensure_whole(x);
    for (int tries = 0; !rc && tries <= (int)x->nshards; tries++) {
        int retry;
        out->n = 0;
        nsi_buf_reset(&out->text);
        int matched = 0;
        double w;
        rc = weigh(&c, q->root, &matched, &w, NULL);
        if (!rc && !matched)
            rc = nsi_index_fail(
                NS_ENOTFOUND, "%s: hit %zu no longer matches the query; search again", x->path, i);
        if (!rc)
            rc = walk(&c, q->root, 1);
        if (rc != NS_EIO)
            break;
        if ((rc = nsi_xap_read_failed(x, rc, &retry)) || !retry)
            break;
    }
    pthread_mutex_unlock(&x->mu);
    return rc; /* NS_ENOMEM without a message: the front door's */
}

int nsi_xap_term_df(ns_index *idx, const char *const *terms, const size_t *lens, size_t n,
                    uint64_t *df, uint64_t *ndocs)
{
    nsi_xindex *x = nsi_xap_of(idx);
    pthread_mutex_lock(&x->mu);
    int rc = nsi_xap_ensure_whole(x);
    for (int tries = 0; !rc && tries <= (int)x->nshards; tries++) {
        int retry;
        if ((rc = nsx_db_termfreqs(x->db, terms, lens, n, df, ndocs)))
            rc = db_failed(x, rc);
        if (rc != NS_EIO)
            break;
        if ((rc = nsi_xap_read_failed(x, rc, &retry)) || !retry)
            break;
    }
    pthread_mutex_unlock(&x->mu);
    return rc;
}
