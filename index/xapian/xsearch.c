/* xsearch.c — ns_search and ns_snippet_make on Xapian.
 *
 * Our parser's tree (query.h) becomes a Xapian::Query, term for term
 * (the layout is in xinternal.h):
 *   word            the plain term: it holds both fields, the title's
 *                   occurrences counting twice, so one BM25 saturation over
 *                   title and body and one IDF over documents with the word
 *                   in either field, as in our BM25F
 *   title:word      the S-term, scaled by the title weight
 *   prefix*         OR of every term of the index that starts with it (every
 *                   S-term for title:pre*), expanded here over the dictionary
 *                   as the native backend does, with the same limit and
 *                   message
 *   word~N          the same over every term within N edits (fuzzy.h), each
 *                   scaled by its weight as natively; Xapian's term list
 *                   cannot skip, so every term of the field is tried
 *   "a b"           PHRASE(a, b): title and body positions are far apart, so
 *                   a match lies in one field; title:"a b" is PHRASE(Sa, Sb)
 *   NEAR/d          OP_NEAR, window d + 1 (first and last word at most d
 *                   positions apart, as natively)
 *   AND, OR, NOT    OP_AND, OP_OR, OP_AND_NOT(positives, OR(negatives))
 *   MAYBE           OP_AND_MAYBE(required, optional...)
 * Both backends match exactly the same documents. Scores differ by design,
 * since Xapian's BM25 (k1, b as asked, k2 = 0, k3 = 1, min_normlen = 0.5)
 * normalises by the whole document's length where BM25F normalises each
 * field by its own (docs/xapian.md lists the differences). Ties rank in
 * Xapian's docid order (docs/xapian.md, "Queries").
 *
 * Snippets are made by our snippet code from the stored body, so they look
 * the same on both backends.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/analyzer.h"
#include "common/deadline.h"
#include "eval/search.h"
#include "format/record.h"
#include "query/fuzzy.h"
#include "xinternal.h"

typedef struct xbuild {
    nsx_db *db;
    double wt;
    int rc;
    char err[NSI_ERRMSG];
    unsigned max_exp, max_total, used; /* prefix expansions (ns_search) */
} xbuild;

static nsx_query *failed(xbuild *b, int rc)
{
    if (!b->rc)
        b->rc = rc;
    return NULL;
}

static nsx_query *make_term(xbuild *b, const char *t, size_t len, int title)
{
    char buf[NS_MAX_TERM_BYTES * 4 + 2];
    if (len + 1 > sizeof buf)
        return failed(b, NS_ETOOBIG);
    size_t n = 0;
    if (title)
        buf[n++] = NSX_TITLE_PREFIX;
    memcpy(buf + n, t, len);
    nsx_query *q;
    return nsx_query_term(&q, buf, n + len) ? failed(b, NS_ENOMEM) : q;
}

/* q scaled by the title weight; consumes q. */
static nsx_query *scaled(xbuild *b, nsx_query *q)
{
    if (!q || b->wt == 1.0)
        return q;
    nsx_query *s;
    int rc = nsx_query_scale(&s, q, b->wt);
    nsx_query_free(q);
    return rc ? failed(b, rc) : s;
}

/* Combines kids[0..n) with op; consumes the kids (NULL ones mean failure). */
static nsx_query *combine(xbuild *b, enum nsx_op op, nsx_query **kids, size_t n, unsigned window)
{
    nsx_query *q = NULL;
    int ok = !b->rc;
    for (size_t i = 0; i < n; i++)
        ok &= kids[i] != NULL;
    if (ok && n == 1 && op != NSX_PHRASE && op != NSX_NEAR) {
        q = kids[0];
        kids[0] = NULL;
    } else if (ok) {
        int rc = nsx_query_combine(&q, op, kids, n, window);
        if (rc)
            failed(b, rc);
    }
    for (size_t i = 0; i < n; i++)
        nsx_query_free(kids[i]);
    if (b->rc) {
        nsx_query_free(q);
        return NULL;
    }
    return q;
}

/* A term in the title only (the S-term), or in either field (the plain
 * term, which holds the title's occurrences too). */
static nsx_query *field_term(xbuild *b, const char *t, size_t len, int title_only)
{
    return title_only ? scaled(b, make_term(b, t, len, 1)) : make_term(b, t, len, 0);
}

/* ------------------------------------------------------------ prefixes */

typedef struct expansion {
    char **v;
    size_t n, cap, max;
    size_t skip; /* bytes of prefix to drop from each term (the 'S') */
    int over;
    int rc;
    nsi_fuzzy *fz; /* a fuzzy term's matcher, or NULL for a prefix */
} expansion;

static int collect(void *ctx, const char *t, size_t len, uint64_t df)
{
    (void)df;
    expansion *e = ctx;
    if (e->fz) { /* every term is offered: keep those within the budget */
        size_t skip;
        if (len < e->skip || (!e->skip && len && t[0] >= 'A' && t[0] <= 'Z'))
            return 0; /* a prefixed term (id, title) is no word of the body */
        if (nsi_fuzzy_feed(e->fz, t + e->skip, len - e->skip, &skip) < 0)
            return 0;
    }
    if (e->n == e->cap) {
        size_t cap = e->cap ? e->cap * 2 : 16;
        char **v = realloc(e->v, cap * sizeof *v);
        if (!v) {
            e->rc = NS_ENOMEM;
            return 1;
        }
        e->v = v;
        e->cap = cap;
    }
    if (!(e->v[e->n] = strndup(t + e->skip, len - e->skip))) {
        e->rc = NS_ENOMEM;
        return 1;
    }
    /* one field alone over the limit is enough to refuse */
    if (++e->n > e->max) {
        e->over = 1;
        return 1;
    }
    return 0;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A fuzzy expansion's weight, as natively (plan.c): 1 - edits / the shorter
 * length in code points, at least 0.1. */
static double fuzzy_weight(const nsq_node *n, const char *t)
{
    size_t len = strlen(t);
    size_t a = nsi_fuzzy_cplen(n->term, n->term_len), c = nsi_fuzzy_cplen(t, len);
    size_t m = a < c ? a : c;
    double w = m ? 1.0 - nsi_fuzzy_distance(n->term, n->term_len, t, len) / (double)m : 0;
    return w > 0.1 ? w : 0.1;
}

/* A prefix (pre*), or a fuzzy term (word~N): Xapian has no dictionary walk
 * that skips, so every term of the field is offered to the matcher. */
static nsx_query *prefix(xbuild *b, const nsq_node *n, unsigned max)
{
    expansion e = {NULL, 0, 0, max, 0, 0, NS_OK, NULL};
    char sp[NS_MAX_TERM_BYTES * 4 + 2];
    int rc = NS_OK, fuzzy = n->kind == NSQ_FUZZY;
    nsi_fuzzy *fz = NULL;
    if (n->term_len + 1 > sizeof sp)
        return failed(b, NS_ETOOBIG);
    if (fuzzy &&
        (!(fz = malloc(sizeof *fz)) || nsi_fuzzy_init(fz, n->term, n->term_len, n->dist))) {
        free(fz);
        return failed(b, fz ? NS_EINVAL : NS_ENOMEM);
    }
    e.fz = fz;
    size_t plen = fuzzy ? 0 : n->term_len;
    if (n->field != NSQ_FIELD_TITLE) {
        rc = nsx_db_allterms(b->db, n->term, plen, collect, &e);
    } else {
        sp[0] = NSX_TITLE_PREFIX;
        memcpy(sp + 1, n->term, n->term_len);
        e.skip = 1;
        rc = nsx_db_allterms(b->db, sp, plen + 1, collect, &e);
    }
    free(fz);
    char name[NS_MAX_TERM_BYTES * 4 + 8];
    if (fuzzy)
        snprintf(name, sizeof name, "%s~%u", n->term, n->dist);
    else
        snprintf(name, sizeof name, "%s*", n->term);
    if (rc && rc != NS_EIO)
        snprintf(b->err, sizeof b->err, "%s", nsx_db_errmsg(b->db));
    if (!rc)
        rc = e.rc;
    /* terms are NUL-free analysed text, so strcmp order is byte order */
    size_t k = 0;
    if (!rc && !e.over) {
        if (e.n > 1)
            qsort(e.v, e.n, sizeof *e.v, cmp_str);
        for (size_t i = 0; i < e.n; i++) {
            if (k && !strcmp(e.v[k - 1], e.v[i]))
                free(e.v[i]);
            else
                e.v[k++] = e.v[i];
        }
        e.n = k;
        e.over = e.n > max;
    }
    nsx_query *q = NULL;
    if (rc)
        failed(b, rc);
    else if (e.over)
        b->rc = nsi_fail(b->err, sizeof b->err, NS_ETOOBIG,
                         "%s '%s' at %zu matches more than %u terms; %s",
                         fuzzy ? "fuzzy term" : "prefix", name, n->offset, max,
                         fuzzy ? "allow fewer edits" : "make it longer");
    else if ((b->used += (unsigned)e.n) > b->max_total)
        b->rc = nsi_fail(b->err, sizeof b->err, NS_ETOOBIG,
                         "query prefixes expand to more than %u terms together (reached at "
                         "'%s' at %zu); use fewer or longer prefixes",
                         b->max_total, name, n->offset);
    else if (e.n == 0 && nsx_query_nothing(&q))
        failed(b, NS_ENOMEM);
    else if (e.n) {
        nsx_query **kids = calloc(e.n, sizeof *kids);
        if (!kids)
            failed(b, NS_ENOMEM);
        for (size_t i = 0; kids && i < e.n; i++) {
            kids[i] = field_term(b, e.v[i], strlen(e.v[i]), n->field == NSQ_FIELD_TITLE);
            nsx_query *w = NULL;
            if (fuzzy && kids[i] && nsx_query_scale(&w, kids[i], fuzzy_weight(n, e.v[i])))
                failed(b, NS_ENOMEM);
            if (fuzzy) {
                nsx_query_free(kids[i]);
                kids[i] = w;
            }
        }
        if (kids)
            q = combine(b, NSX_OR, kids, e.n, 0);
        free(kids);
    }
    for (size_t i = 0; i < e.n; i++)
        free(e.v[i]);
    free(e.v);
    return q;
}

/* ------------------------------------------------------------ the tree */

static nsx_query *build(xbuild *b, const nsq_node *n);

/* PHRASE and NEAR over the plain terms (title and body positions are far
 * apart, so no match spans both) or over the S-terms. */
static nsx_query *positional(xbuild *b, const nsq_node *n)
{
    enum nsx_op op = n->kind == NSQ_PHRASE ? NSX_PHRASE : NSX_NEAR;
    int title = n->field == NSQ_FIELD_TITLE;
    /* NEAR/d: all within d positions, so a window of d + 1 */
    unsigned window = op == NSX_NEAR ? n->dist + 1 : (unsigned)n->nkids;
    nsx_query **kids = calloc(n->nkids + 1, sizeof *kids);
    if (!kids)
        return failed(b, NS_ENOMEM);
    /* a word named twice is two subqueries, and Xapian (1.4) then needs two
     * distinct positions for it, as the native backend does */
    for (size_t i = 0; i < n->nkids; i++) {
        const nsq_node *t = n->kids[i];
        kids[i] =
            t->kind == NSQ_TERM ? make_term(b, t->term, t->term_len, title) : failed(b, NS_EINVAL);
    }
    nsx_query *q = n->nkids == 1 ? kids[0] : combine(b, op, kids, n->nkids, window);
    free(kids);
    return title ? scaled(b, q) : q;
}

static nsx_query *boolean(xbuild *b, const nsq_node *n)
{
    nsx_query **kids = calloc(n->nkids + 1, sizeof *kids);
    if (!kids)
        return failed(b, NS_ENOMEM);
    size_t npos = 0, nneg = 0;
    for (size_t i = 0; i < n->nkids; i++) /* positives first, then negatives */
        if (n->kids[i]->kind != NSQ_NOT)
            kids[npos++] = build(b, n->kids[i]);
    for (size_t i = 0; i < n->nkids; i++)
        if (n->kids[i]->kind == NSQ_NOT && n->kids[i]->nkids == 1)
            kids[npos + nneg++] = build(b, n->kids[i]->kids[0]);
    nsx_query *q;
    if (n->kind == NSQ_OR)
        q = combine(b, NSX_OR, kids, npos, 0);
    else if (n->kind == NSQ_MAYBE)
        q = combine(b, NSX_AND_MAYBE, kids, npos, 0);
    else if (nneg == 0)
        q = combine(b, NSX_AND, kids, npos, 0);
    else {
        kids[0] = combine(b, NSX_AND, kids, npos, 0);
        memmove(kids + 1, kids + npos, nneg * sizeof *kids);
        q = combine(b, NSX_AND_NOT, kids, nneg + 1, 0);
    }
    free(kids);
    return q;
}

static nsx_query *build_node(xbuild *b, const nsq_node *n)
{
    if (b->rc)
        return NULL;
    switch (n->kind) {
    case NSQ_TERM:
        return field_term(b, n->term, n->term_len, n->field == NSQ_FIELD_TITLE);
    case NSQ_PREFIX:
    case NSQ_FUZZY:
        return prefix(b, n, b->max_exp);
    case NSQ_PHRASE:
    case NSQ_NEAR:
        return positional(b, n);
    case NSQ_AND:
    case NSQ_OR:
    case NSQ_MAYBE:
        return boolean(b, n);
    default:
        return failed(b, NS_EINVAL); /* NOT only ever under AND */
    }
}

/* A node with the weight of a ranking rewrite (proximity clauses, feedback
 * terms: query.h) is scaled by it, as natively. */
static nsx_query *build(xbuild *b, const nsq_node *n)
{
    nsx_query *q = build_node(b, n), *s = NULL;
    if (!q || !(n->weight > 0) || n->weight == 1)
        return q;
    int rc = nsx_query_scale(&s, q, n->weight);
    nsx_query_free(q);
    return rc ? failed(b, rc) : s;
}

nsx_query *nsi_xap_build(nsi_xindex *x, const ns_query *q, const nsq_node *n,
                         const ns_search_options *o, int *rc)
{
    xbuild b = {x->db, o->title_weight, NS_OK, "", q->max_expansions, o->max_total_expansions, 0};
    nsx_query *xq = build(&b, n);
    *rc = NS_OK;
    if (!xq) {
        *rc = b.rc ? b.rc : NS_ENOMEM;
        if (*rc != NS_EIO)
            nsi_index_fail(*rc, "%s", b.err[0] ? b.err : ns_strerror(*rc));
    }
    return xq;
}

void nsi_xap_bm25(const ns_search_options *o, nsx_search_opts *so)
{
    so->k1 = o->k1;
    so->k2 = 0; /* no per-query extra: a score is a sum over the query's terms */
    so->k3 = 1; /* a term named once weighs once */
    so->b = o->b;
    so->min_normlen = 0.5;
}

/* ------------------------------------------------------------ hits */

/* A failed call on x->db: NS_EIO keeps its message there for
 * nsi_xap_read_failed; anything else is reported now. */
static int db_failed(nsi_xindex *x, int rc)
{
    return rc == NS_EIO ? rc : nsi_index_fail(rc, "%s: %s", x->path, nsx_db_errmsg(x->db));
}

typedef struct hit_ctx {
    nsi_buf *raw;
    int rc;
} hit_ctx;

static int take_data(void *ctx, const char *s, size_t len)
{
    hit_ctx *h = ctx;
    h->rc = nsi_xap_unpack(s, len, h->raw);
    return 0;
}

/* Decodes the record in raw, unpacked with status unpack_rc. */
static int decode(const nsi_xindex *x, uint32_t docid, int unpack_rc, const nsi_buf *raw,
                  nsi_record *rec)
{
    if (unpack_rc == NS_ENOMEM)
        return nsi_index_fail(NS_ENOMEM, "out of memory");
    if (unpack_rc || nsi_record_decode(raw->data, raw->len, rec))
        return nsi_index_fail(NS_ECORRUPT, "%s: stored record of document %u is damaged", x->path,
                              docid);
    return NS_OK;
}

/* Copies the stored fields of a record (but the body) into hit h. */
static int put_fields(ns_results *r, nsi_hit *h, const nsi_record *rec)
{
    for (int f = 0; f < NSI_F_BODY; f++) {
        int rc;
        h->off[f] = r->arena.len;
        h->len[f] = rec->len[f];
        if ((rc = nsi_buf_append(&r->arena, rec->f[f], rec->len[f])) ||
            (rc = nsi_buf_putc(&r->arena, 0)))
            return nsi_index_fail(rc, "%s", ns_strerror(rc));
    }
    return NS_OK;
}

typedef struct fields_ctx {
    ns_results *r;
    nsi_hit *h;
    int found; /* the document has value 2 */
    int bad;   /* ... and it does not decode */
    int rc;
} fields_ctx;

static int take_fields(void *ctx, const char *s, size_t len)
{
    fields_ctx *c = ctx;
    nsi_record rec;
    if (!len)
        return 0; /* written before value 2: the caller reads the record */
    c->found = 1;
    if (nsi_record_decode_fields(s, len, &rec))
        c->bad = 1;
    else
        c->rc = put_fields(c->r, c->h, &rec);
    return 0;
}

/* Item mi of m into hit i of r: its score, number and stored fields, from
 * value 2 (no record is inflated), or from the record when the document
 * was written without it. */
static int load_hit(nsi_xindex *x, nsx_mset *m, size_t mi, ns_results *r, size_t i, nsi_buf *raw,
                    int remote)
{
    nsi_hit *h = &r->hits[i];
    uint32_t docid;
    nsx_mset_item(m, mi, &docid, &h->score);
    h->gdoc = docid;
    fields_ctx fc = {r, h, 0, 0, NS_OK};
    int rc = nsx_mset_value(x->db, m, mi, NSX_SLOT_FIELDS, !remote, take_fields, &fc);
    if (rc)
        return db_failed(x, rc);
    if (fc.bad)
        return nsi_index_fail(NS_ECORRUPT,
                              "%s: stored fields (value %d) of document %u are damaged", x->path,
                              NSX_SLOT_FIELDS, docid);
    if (fc.found)
        return fc.rc;
    hit_ctx hc = {raw, NS_OK};
    if ((rc = nsx_mset_data(x->db, m, mi, take_data, &hc)))
        return db_failed(x, rc);
    nsi_record rec;
    if ((rc = decode(x, docid, hc.rc, raw, &rec)))
        return rc;
    return put_fields(r, h, &rec);
}

/* One attempt at the whole search. NS_EIO from Xapian is left with its
 * message in x->db for nsi_xap_read_failed; other failures are reported.
 *
 * A count (k = 0) is a BoolWeight match, every match counted. A ranking is
 * Xapian's own order: weight, then ascending docid (no value is read while
 * matching). Xapian is asked for the top offset + k from the first item and
 * the window is taken from it: MSet::fetch of Xapian 1.4 reads out of bounds
 * in an MSet that starts after its first item. */
static int search_once(nsi_xindex *x, const ns_query *q, const ns_search_options *o,
                       const nsi_deadline *dl, ns_results *r)
{
    xbuild b = {x->db, o->title_weight, NS_OK, "", q->max_expansions, o->max_total_expansions, 0};
    nsx_query *xq = build(&b, q->root);
    if (!xq) {
        if (b.rc == NS_EIO)
            return NS_EIO;
        return nsi_index_fail(b.rc ? b.rc : NS_ENOMEM, "%s",
                              b.err[0] ? b.err : ns_strerror(b.rc ? b.rc : NS_ENOMEM));
    }
    int count_only = o->k == 0;
    nsx_info info = {0, 0, 0, 0};
    int rc = o->exhaustive || count_only ? nsx_db_info(x->db, &info) : NS_OK;
    if (rc)
        rc = db_failed(x, rc);
    size_t want = o->offset + o->k;
    /* exhaustive or a count: every match counted, so the total is exact */
    nsx_search_opts so = {0,  0, 0,         0, 0, 0, count_only ? 0 : want, (size_t)info.doccount,
                          -1, 0, count_only};
    nsi_xap_bm25(o, &so);
    /* Xapian cannot stop a match under way: its time limit only ends the
     * exact count (check_at_least) early. So the deadline is read before
     * and after the match, and bounds the count in between. */
    if (!rc && dl->at) {
        uint64_t now = nsi_monotonic_ns();
        if (now >= dl->at)
            rc = NS_ETIMEOUT;
        else
            so.time_limit = (double)(dl->at - now) / 1e9;
    }
    nsx_mset *m = NULL;
    if (!rc && (rc = nsx_search(x->db, xq, &so, &m)))
        rc = db_failed(x, rc);
    nsx_query_free(xq);
    /* remote shards send the documents of the window in one round; local
     * ones are read by docid (load_hit) */
    int remote = 0;
    for (size_t i = 0; i < x->nshards; i++)
        remote |= x->shards[i].at.kind != NSI_STUB_LOCAL;
    if (!rc && !count_only && remote && (rc = nsx_mset_fetch(x->db, m)))
        rc = db_failed(x, rc);
    if (!rc && nsi_deadline_passed(dl))
        rc = NS_ETIMEOUT;
    if (rc == NS_ETIMEOUT)
        nsi_index_fail(rc, "query ran past its %g s deadline (%s)", o->timeout, x->path);
    size_t n = m ? nsx_mset_size(m) : 0;
    if (n > want)
        n = want;
    size_t first = o->offset < n ? o->offset : n; /* the window is [first, n) */
    nsi_buf raw = {0};
    raw.limit = (size_t)NS_MAX_DOC_BYTES * 2;
    r->nhits = 0;
    nsi_buf_reset(&r->arena);
    free(r->hits);
    r->hits = NULL;
    if (!rc && !(r->hits = calloc(n - first + 1, sizeof *r->hits)))
        rc = nsi_index_fail(NS_ENOMEM, "out of memory");
    for (size_t i = first; !rc && i < n; i++)
        rc = load_hit(x, m, i, r, i - first, &raw, remote);
    if (!rc) {
        uint64_t lo, est, hi;
        nsx_mset_counts(m, &lo, &est, &hi);
        r->nhits = n - first;
        r->total = est;
        r->exact = lo == hi;
    }
    nsi_buf_free(&raw);
    nsx_mset_free(m);
    return rc;
}

int nsi_xap_search(ns_results **out, ns_index *idx, const ns_query *q,
                   const ns_search_options *opts)
{
    *out = NULL;
    const ns_search_options o = *opts;
    ns_results *r;
    if (nsi_results_new(&r, idx, o.offset + 1, 0))
        return NS_ENOMEM;
    int rc = NS_OK;
    nsi_deadline dl = nsi_deadline_in(o.timeout);
    if ((o.sort_field && strcmp(o.sort_field, "score") != 0) || o.nfacets || o.dedup ||
        nsq_uses_fields(q->root)) {
        ns_results_free(r);
        return nsi_index_fail(NS_EUNSUPPORTED, "typed fields are not supported by the Xapian "
                                               "backend yet (filters, ranges, sort, facets, "
                                               "dedup)");
    }
    if (q->root) {
        nsi_xindex *x = nsi_xap_of(idx);
        pthread_mutex_lock(&x->mu);
        rc = nsi_xap_ensure_whole(x);
        for (int tries = 0; !rc && tries <= (int)x->nshards; tries++) {
            int retry;
            rc = search_once(x, q, &o, &dl, r);
            if (rc != NS_EIO)
                break;
            if ((rc = nsi_xap_read_failed(x, rc, &retry)) || !retry)
                break;
        }
        pthread_mutex_unlock(&x->mu);
    } else if (!(r->hits = calloc(1, sizeof *r->hits))) {
        rc = nsi_index_fail(NS_ENOMEM, "out of memory");
    }
    if (rc) {
        ns_results_free(r);
        return rc;
    }
    *out = r;
    return NS_OK;
}

/* ------------------------------------------------------------ documents */

/* The stored record of document docid into raw and f, with x->mu held. */
static int fetch_record(nsi_xindex *x, uint32_t docid, nsi_buf *raw, nsi_record *f)
{
    int rc = nsi_xap_ensure_whole(x);
    for (int tries = 0; !rc && tries <= (int)x->nshards; tries++) {
        int retry;
        hit_ctx hc = {raw, NS_OK};
        rc = nsx_db_document_data(x->db, docid, take_data, &hc);
        if (!rc)
            return decode(x, docid, hc.rc, raw, f);
        if (rc == NS_ENOTFOUND)
            return nsi_index_fail(rc, "%s: document %u is gone since the search; search again",
                                  x->path, docid);
        if (rc != NS_EIO)
            return nsi_index_fail(rc, "%s: %s", x->path, nsx_db_errmsg(x->db));
        if ((rc = nsi_xap_read_failed(x, rc, &retry)) || !retry)
            return rc;
    }
    return rc;
}

/* The record of hit i of r, checked to be that hit's document still (a
 * refresh or a lost shard may have renumbered the documents). */
static int hit_record(const ns_results *r, size_t i, nsi_buf *raw, nsi_record *f)
{
    nsi_xindex *x = nsi_xap_of(r->idx);
    const nsi_hit *h = &r->hits[i];
    pthread_mutex_lock(&x->mu);
    int rc = fetch_record(x, (uint32_t)h->gdoc, raw, f);
    pthread_mutex_unlock(&x->mu);
    const char *id = (const char *)r->arena.data + h->off[NSI_F_ID];
    if (!rc &&
        (f->len[NSI_F_ID] != h->len[NSI_F_ID] || memcmp(f->f[NSI_F_ID], id, h->len[NSI_F_ID])))
        rc = nsi_index_fail(NS_ENOTFOUND, "%s: document %s moved since the search; search again",
                            x->path, id);
    return rc;
}

int nsi_xap_body(const ns_results *r, size_t i, nsi_buf *buf, const char **body, size_t *len)
{
    nsi_record f;
    buf->limit = (size_t)NS_MAX_DOC_BYTES * 2;
    int rc = hit_record(r, i, buf, &f);
    if (!rc) {
        *body = f.f[NSI_F_BODY];
        *len = f.len[NSI_F_BODY];
    }
    return rc;
}

/* A result set holds nothing of the database: hits are re-read by docid. */
void nsi_xap_results_release(ns_results *r) { (void)r; }

/* The document indexed by idterm into r's single hit, with x->mu held. */
static int get_doc(nsi_xindex *x, const char *idterm, size_t n, ns_results *r)
{
    nsi_buf raw = {0};
    raw.limit = (size_t)NS_MAX_DOC_BYTES * 2;
    int rc = nsi_xap_ensure_whole(x);
    for (int tries = 0; !rc && tries <= (int)x->nshards; tries++) {
        uint32_t docid;
        int retry;
        rc = nsx_db_first_doc(x->db, idterm, n, &docid);
        if (rc == NS_OK) {
            nsi_record f;
            r->hits[0].gdoc = docid;
            if (!(rc = fetch_record(x, docid, &raw, &f)))
                rc = put_fields(r, &r->hits[0], &f);
            break;
        }
        if (rc == NS_ENOTFOUND)
            break;
        if (rc != NS_EIO) {
            rc = nsi_index_fail(rc, "%s: %s", x->path, nsx_db_errmsg(x->db));
            break;
        }
        if ((rc = nsi_xap_read_failed(x, rc, &retry)) || !retry)
            break;
    }
    nsi_buf_free(&raw);
    return rc;
}

int nsi_xap_get_doc(ns_index *idx, const char *id, size_t len, ns_results **out)
{
    ns_results *r;
    if (nsi_results_new(&r, idx, 1, 1))
        return NS_ENOMEM;
    nsi_index_errbuf()[0] = 0;
    char idterm[NSX_ID_TERM_MAX];
    size_t n = nsi_xap_id_term(id, len, idterm);
    nsi_xindex *x = nsi_xap_of(idx);
    pthread_mutex_lock(&x->mu);
    int rc = get_doc(x, idterm, n, r);
    pthread_mutex_unlock(&x->mu);
    if (rc == NS_ENOTFOUND && !nsi_index_errbuf()[0])
        nsi_index_fail(rc, "no document with id '%.*s'", len > 200 ? 200 : (int)len, id);
    if (rc) {
        ns_results_free(r);
        return rc;
    }
    r->nhits = 1;
    r->total = 1;
    *out = r;
    return NS_OK;
}
