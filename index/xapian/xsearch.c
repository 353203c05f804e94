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
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/analyzer.h"
#include "analysis/fingerprint.h"
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
    const nsi_xschema *schema;         /* typed fields */
} xbuild;

static nsx_query *failed(xbuild *b, int rc)
{
    if (!b->rc)
        b->rc = rc;
    return NULL;
}

/* The term t of the field where node n must occur: plain, the title's S-term,
 * or a text field's "XT" term. */
static nsx_query *make_term(xbuild *b, const char *t, size_t len, const nsq_node *n)
{
    char buf[NS_MAX_TERM_BYTES * 4 + 2];
    nsx_query *q;
    if (n->field == NSQ_FIELD_NAMED) {
        nsi_buf tb = {0};
        int rc = nsi_xfield_term(&tb, NSI_TERM_TEXT, n->fname, n->fname_len, t, len);
        if (!rc && nsx_query_term(&q, (const char *)tb.data, tb.len))
            rc = NS_ENOMEM;
        nsi_buf_free(&tb);
        return rc ? failed(b, rc) : q;
    }
    if (len + 1 > sizeof buf)
        return failed(b, NS_ETOOBIG);
    size_t k = 0;
    if (n->field == NSQ_FIELD_TITLE)
        buf[k++] = NSX_TITLE_PREFIX;
    memcpy(buf + k, t, len);
    return nsx_query_term(&q, buf, k + len) ? failed(b, NS_ENOMEM) : q;
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

/* A term in the title only (the S-term), in a text field, or in either
 * field (the plain term, which holds the title's occurrences too), as node
 * n says. */
static nsx_query *field_term(xbuild *b, const char *t, size_t len, const nsq_node *n)
{
    nsx_query *q = make_term(b, t, len, n);
    return n->field == NSQ_FIELD_TITLE ? scaled(b, q) : q;
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
    char sp[NS_MAX_TERM_BYTES * 4 + NSI_FIELD_NAME_MAX + 8];
    int rc = NS_OK, fuzzy = n->kind == NSQ_FUZZY;
    nsi_fuzzy *fz = NULL;
    if (n->term_len + n->fname_len + 4 > sizeof sp)
        return failed(b, NS_ETOOBIG);
    if (fuzzy &&
        (!(fz = malloc(sizeof *fz)) || nsi_fuzzy_init(fz, n->term, n->term_len, n->dist))) {
        free(fz);
        return failed(b, fz ? NS_EINVAL : NS_ENOMEM);
    }
    e.fz = fz;
    size_t plen = fuzzy ? 0 : n->term_len;
    if (n->field == NSQ_FIELD_NAMED) { /* "XT" name ':' */
        size_t k = 0;
        memcpy(sp, NSX_TEXT_PREFIX, 2);
        k = 2;
        memcpy(sp + k, n->fname, n->fname_len);
        k += n->fname_len;
        sp[k++] = ':';
        memcpy(sp + k, n->term, n->term_len);
        e.skip = k;
        rc = nsx_db_allterms(b->db, sp, plen + k, collect, &e);
    } else if (n->field != NSQ_FIELD_TITLE) {
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
            kids[i] = field_term(b, e.v[i], strlen(e.v[i]), n);
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
            t->kind == NSQ_TERM ? make_term(b, t->term, t->term_len, n) : failed(b, NS_EINVAL);
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

/* q with weight 0: a filter, which matches but never scores. */
static nsx_query *unscored(xbuild *b, nsx_query *q)
{
    if (!q)
        return NULL;
    nsx_query *s;
    int rc = nsx_query_scale(&s, q, 0);
    nsx_query_free(q);
    return rc ? failed(b, rc) : s;
}

/* fname:value: the boolean term of the folded value. */
static nsx_query *keyword(xbuild *b, const nsq_node *n)
{
    nsi_buf t = {0};
    nsx_query *q = NULL;
    int rc = nsi_xfield_term(&t, NSI_TERM_KEYWORD, n->fname, n->fname_len, n->term, n->term_len);
    if (!rc && nsx_query_term(&q, (const char *)t.data, t.len))
        rc = NS_ENOMEM;
    nsi_buf_free(&t);
    return rc ? failed(b, rc) : unscored(b, q);
}

/* fname within [lo, hi]: a value range over the field's slot, whose values
 * are sortable_serialise'd (an exclusive number end is moved to the next
 * double; date ends are inclusive seconds already). */
static nsx_query *range(xbuild *b, const nsq_node *n)
{
    int k = nsi_xschema_find(b->schema, n->fname, n->fname_len);
    nsx_query *q = NULL;
    if (k < 0 || b->schema->f[k].type != n->range.type) /* resolved: cannot happen */
        return nsx_query_nothing(&q) ? failed(b, NS_ENOMEM) : q;
    const nsq_range *r = &n->range;
    double lo = 0, hi = 0;
    if (r->type == NS_FIELD_DATE) {
        lo = (double)r->lo_i;
        hi = (double)r->hi_i;
    } else {
        lo = r->lo_incl ? r->lo_d : nextafter(r->lo_d, INFINITY);
        hi = r->hi_incl ? r->hi_d : nextafter(r->hi_d, -INFINITY);
    }
    char lb[16], hb[16];
    size_t ll = r->has_lo ? nsx_sortable(lo, lb) : 0, hl = r->has_hi ? nsx_sortable(hi, hb) : 0;
    if (r->has_lo && r->has_hi && lo > hi)
        return nsx_query_nothing(&q) ? failed(b, NS_ENOMEM) : q;
    if (nsx_query_value_range(&q, b->schema->f[k].slot, r->has_lo ? lb : NULL, ll,
                              r->has_hi ? hb : NULL, hl))
        return failed(b, NS_ENOMEM);
    return q;
}

static nsx_query *build_node(xbuild *b, const nsq_node *n)
{
    if (b->rc)
        return NULL;
    nsx_query *q = NULL;
    switch (n->kind) {
    case NSQ_KEYWORD:
        return keyword(b, n);
    case NSQ_RANGE:
        return range(b, n);
    case NSQ_ALL:
        return nsx_query_all(&q) ? failed(b, NS_ENOMEM) : unscored(b, q);
    case NSQ_TERM:
        return field_term(b, n->term, n->term_len, n);
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
    xbuild b = {x->db, o->title_weight, NS_OK, "", q->max_expansions, o->max_total_expansions,
                0,     &x->schema};
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

/* A value's bytes, appended to the nsi_buf ctx. */
static int take_bytes(void *ctx, const char *s, size_t len)
{
    return nsi_buf_append(ctx, s, len) ? 1 : 0;
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
    if (!fc.found) {
        hit_ctx hc = {raw, NS_OK};
        if ((rc = nsx_mset_data(x->db, m, mi, take_data, &hc)))
            return db_failed(x, rc);
        nsi_record rec;
        if ((rc = decode(x, docid, hc.rc, raw, &rec)) || (rc = put_fields(r, h, &rec)))
            return rc;
    } else if (fc.rc) {
        return fc.rc;
    }
    /* the typed values (value 3), when the document has any */
    nsi_buf_reset(raw);
    if ((rc = nsx_mset_value(x->db, m, mi, NSX_SLOT_TYPED, !remote, take_bytes, raw)))
        return db_failed(x, rc);
    h->fv_first = r->nfv;
    h->fv_n = 0;
    if (raw->len && (rc = nsi_xap_hit_values(r, h, (const char *)raw->data, raw->len)))
        return rc == NS_ECORRUPT
                   ? nsi_index_fail(rc, "%s: typed values (value %d) of document %u are damaged",
                                    x->path, NSX_SLOT_TYPED, docid)
                   : nsi_index_fail(rc, "%s", ns_strerror(rc));
    return NS_OK;
}

/* ------------------------------------------------------------ ranking */

/* One item of a ranking: where it is in the MSet, and what ordering and
 * collapsing read of it. */
typedef struct xitem {
    size_t mi;
    double w;
    uint64_t collapsed;        /* exact copies Xapian collapsed into it */
    size_t key_off, key_len;   /* the sort value, in the keys buffer */
    size_t id_off, id_len;     /* the id (value 1), read for ties */
    uint64_t sim, exact, dups; /* fingerprints (has: both found) */
    int has;
} xitem;

typedef struct xrank {
    xitem *it;
    size_t n;
    nsi_buf keys;
} xrank;

static int read_value(nsi_xindex *x, nsx_mset *m, size_t mi, unsigned slot, int remote, nsi_buf *b,
                      size_t *off, size_t *len)
{
    *off = b->len;
    int rc = nsx_mset_value(x->db, m, mi, slot, !remote, take_bytes, b);
    *len = b->len - *off;
    return rc ? db_failed(x, rc) : NS_OK;
}

static int same_key(const xrank *k, const xitem *a, const xitem *b)
{
    return a->w == b->w && a->key_len == b->key_len &&
           !memcmp(k->keys.data + a->key_off, k->keys.data + b->key_off, a->key_len);
}

static _Thread_local const xrank *tie_rank; /* qsort has no context */

static int by_id(const void *pa, const void *pb)
{
    const xitem *a = pa, *b = pb;
    size_t n = a->id_len < b->id_len ? a->id_len : b->id_len;
    int c = n ? memcmp(tie_rank->keys.data + a->id_off, tie_rank->keys.data + b->id_off, n) : 0;
    return c ? c : (a->id_len > b->id_len) - (a->id_len < b->id_len);
}

/* Sorted by a field: Xapian ranks equal values by weight, then by docid;
 * the order promised is by weight, then by id, so each run of equal value
 * and weight is sorted by id. */
static int order_ties(nsi_xindex *x, nsx_mset *m, xrank *k, int remote)
{
    for (size_t i = 0; i < k->n;) {
        size_t j = i + 1;
        while (j < k->n && same_key(k, &k->it[i], &k->it[j]))
            j++;
        if (j - i > 1) {
            for (size_t t = i; t < j; t++) {
                int rc = read_value(x, m, k->it[t].mi, NSX_SLOT_ID, remote, &k->keys,
                                    &k->it[t].id_off, &k->it[t].id_len);
                if (rc)
                    return rc;
            }
            tie_rank = k;
            qsort(k->it + i, j - i, sizeof *k->it, by_id);
            tie_rank = NULL;
        }
        i = j;
    }
    return NS_OK;
}

/* Near copies (docs/fields.md, "Duplicates"): Xapian collapsed the exact
 * copies (collapse key: the exact hash); each item whose SimHash is within
 * NSI_SIMHASH_DISTANCE bits of one kept before it is dropped, counting
 * towards that one with what was collapsed into it. The kept items move to
 * the front, in rank order; *kept says how many. */
static int near_copies(nsi_xindex *x, nsx_mset *m, xrank *k, int remote, size_t *kept)
{
    nsi_buf b = {0};
    size_t nk = 0;
    int rc = NS_OK;
    for (size_t i = 0; !rc && i < k->n; i++) {
        xitem *c = &k->it[i];
        size_t o1, l1, o2, l2;
        nsi_buf_reset(&b);
        if ((rc = read_value(x, m, c->mi, NSX_SLOT_SIMHASH, remote, &b, &o1, &l1)) ||
            (rc = read_value(x, m, c->mi, NSX_SLOT_EXACT, remote, &b, &o2, &l2)))
            break;
        c->has = l1 == 8 && l2 == 8;
        if (c->has) {
            c->sim = nsi_get_u64le(b.data + o1);
            c->exact = nsi_get_u64le(b.data + o2);
        }
        long d = -1;
        for (size_t j = 0; c->has && j < nk && d < 0; j++)
            if (k->it[j].has && (k->it[j].exact == c->exact ||
                                 nsi_hamming64(k->it[j].sim, c->sim) <= NSI_SIMHASH_DISTANCE))
                d = (long)j;
        if (d >= 0) {
            k->it[d].dups += 1 + c->collapsed;
            continue;
        }
        xitem t = *c;
        t.dups = c->collapsed;
        k->it[i] = k->it[nk];
        k->it[nk++] = t;
    }
    nsi_buf_free(&b);
    *kept = nk;
    return rc;
}

/* Remote shards count collapsed copies per shard only (get_collapse_count
 * is then a lower bound): the exact copies of each item are counted by a
 * match spy on the exact hash instead (spy j), over every match. */
typedef struct exact_ref {
    uint8_t h[8];
    size_t item;
} exact_ref;

typedef struct exact_walk {
    exact_ref *v;
    size_t n;
    xrank *k;
} exact_walk;

static int cmp_exact(const void *a, const void *b)
{
    return memcmp(((const exact_ref *)a)->h, ((const exact_ref *)b)->h, 8);
}

static int take_exact(void *ctx, const char *v, size_t len, uint64_t count)
{
    exact_walk *w = ctx;
    if (len != 8)
        return 0;
    size_t lo = 0, hi = w->n;
    while (lo < hi) { /* the first ref >= v */
        size_t mid = (lo + hi) / 2;
        if (memcmp(w->v[mid].h, v, 8) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    for (; lo < w->n && !memcmp(w->v[lo].h, v, 8); lo++)
        w->k->it[w->v[lo].item].collapsed = count ? count - 1 : 0;
    return 0;
}

static int spied_copies(nsi_xindex *x, nsx_mset *m, xrank *k, size_t spy, int remote)
{
    exact_walk w = {calloc(k->n + 1, sizeof *w.v), 0, k};
    nsi_buf b = {0};
    int rc = w.v ? NS_OK : nsi_index_fail(NS_ENOMEM, "out of memory");
    for (size_t i = 0; !rc && i < k->n; i++) {
        size_t off, len;
        nsi_buf_reset(&b);
        if (!(rc = read_value(x, m, k->it[i].mi, NSX_SLOT_EXACT, remote, &b, &off, &len)) &&
            len == 8) {
            memcpy(w.v[w.n].h, b.data + off, 8);
            w.v[w.n++].item = i;
        }
    }
    if (!rc) {
        qsort(w.v, w.n, sizeof *w.v, cmp_exact);
        if ((rc = nsx_mset_spy(x->db, m, spy, take_exact, &w)))
            rc = db_failed(x, rc);
    }
    free(w.v);
    nsi_buf_free(&b);
    return rc;
}

/* The fields a search uses (sort, facets): their slots, checked as the
 * native backend checks them (same messages). */
static int field_slots(const nsi_xindex *x, const ns_search_options *o, int sorted,
                       unsigned *sort_slot, unsigned *spy)
{
    if (sorted) {
        int k = nsi_xschema_find(&x->schema, o->sort_field, strlen(o->sort_field));
        int t = k >= 0 ? x->schema.f[k].type : 0;
        if (t != NS_FIELD_DATE && t != NS_FIELD_NUMBER)
            return nsi_index_fail(NS_EINVAL, "cannot sort by '%s': %s", o->sort_field,
                                  t ? "not a date or number field" : "no such field in this index");
        *sort_slot = x->schema.f[k].slot;
    }
    for (size_t i = 0; i < o->nfacets; i++) {
        const char *f = o->facets[i].field;
        int k = nsi_xschema_find(&x->schema, f, strlen(f));
        int t = k >= 0 ? x->schema.f[k].type : 0;
        if (t != NS_FIELD_KEYWORD)
            return nsi_index_fail(NS_EINVAL, "cannot count facet '%s': %s", f,
                                  t ? "not a keyword field" : "no such field in this index");
        spy[i] = x->schema.f[k].slot;
    }
    return NS_OK;
}

/* The number of matches of xq without a value in slot (exact). */
static int count_absent(nsi_xindex *x, const nsx_query *xq, unsigned slot, size_t ndocs,
                        size_t *out)
{
    nsx_query *has = NULL, *q = NULL;
    nsx_mset *m = NULL;
    /* every value is non-empty, so >= "\0" (Xapian reads an empty lower
     * bound as no bound at all) */
    int rc = nsx_query_value_range(&has, slot, "", 1, NULL, 0);
    if (!rc) {
        nsx_query *kids[2] = {(nsx_query *)xq, has};
        rc = nsx_query_combine(&q, NSX_AND_NOT, kids, 2, 0);
    }
    nsx_search_opts so = {0, 0, 0, 0, 0, 0, 0, ndocs, -1, 0, 1, 0, 0, 0, NULL, 0};
    if (rc)
        rc = nsi_index_fail(rc, "%s", ns_strerror(rc));
    else if ((rc = nsx_search(x->db, q, &so, &m)))
        rc = db_failed(x, rc);
    if (!rc) {
        uint64_t lo, est, hi;
        nsx_mset_counts(m, &lo, &est, &hi);
        *out = (size_t)est;
    }
    nsx_mset_free(m);
    nsx_query_free(q);
    nsx_query_free(has);
    return rc;
}

/* One attempt at the whole search. NS_EIO from Xapian is left with its
 * message in x->db for nsi_xap_read_failed; other failures are reported.
 *
 * A count (k = 0) is a BoolWeight match, every match counted. A ranking is
 * Xapian's own order: weight, then ascending docid (no value is read while
 * matching). Xapian is asked for the top offset + k from the first item and
 * the window is taken from it: MSet::fetch of Xapian 1.4 reads out of bounds
 * in an MSet that starts after its first item.
 *
 * Typed fields (docs/xapian.md, "Typed fields"): a sort is Xapian's sort by
 * the field's value (then weight, then docid; ties of value and weight are
 * then ordered by id here, the window made deeper until the run of ties at
 * its end is whole); facets are ValueCountMatchSpy counts over every match;
 * dedup collapses exact copies in Xapian (collapse key) and near copies here,
 * over a ranking a few times deeper than the page, made deeper until the page
 * is full. Sorting, facets and dedup count every match exactly. */
static int search_once(nsi_xindex *x, const nsq_node *root, const ns_query *q,
                       const ns_search_options *o, const nsi_deadline *dl, ns_results *r)
{
    int sorted = o->sort_field && strcmp(o->sort_field, "score") != 0;
    unsigned sort_slot = 0, spy[NS_MAX_FACETS + 1];
    int rc = field_slots(x, o, sorted, &sort_slot, spy);
    if (rc)
        return rc;
    /* remote shards send the documents of the window in one round; local
     * ones are read by docid (load_hit) */
    int remote = 0;
    for (size_t i = 0; i < x->nshards; i++)
        remote |= x->shards[i].at.kind != NSI_STUB_LOCAL;
    size_t nspy = o->nfacets;
    if (o->dedup) /* counts every match, collapsed ones too */
        spy[nspy++] = NSX_SLOT_NONE;
    if (o->dedup && remote) /* copies per exact hash (spied_copies) */
        spy[nspy++] = NSX_SLOT_EXACT;
    nsx_query *xq = nsi_xap_build(x, q, root, o, &rc);
    if (!xq)
        return rc;
    int count_only = o->k == 0;
    int every = o->exhaustive || count_only || sorted || o->nfacets || o->dedup;
    nsx_info info = {0, 0, 0, 0};
    rc = every ? nsx_db_info(x->db, &info) : NS_OK;
    if (rc)
        rc = db_failed(x, rc);
    size_t want = o->offset + o->k;
    size_t depth = count_only ? 0 : o->dedup ? want * 2 + 8 : want;
    /* exhaustive or a count: every match counted, so the total is exact */
    nsx_search_opts so = {o->k1,
                          0,
                          1,
                          o->b,
                          0.5,
                          0,
                          depth,
                          (size_t)info.doccount,
                          -1,
                          0,
                          count_only,
                          sorted ? sort_slot + 1 : 0,
                          o->sort_desc,
                          o->dedup ? NSX_SLOT_EXACT + 1 : 0,
                          spy,
                          nspy};
    nsi_xap_bm25(o, &so);
    /* ascending, Xapian ranks the matches without the field first (the empty
     * value): their number, to rank them last */
    size_t absent = 0;
    if (!rc && sorted && !o->sort_desc)
        rc = count_absent(x, xq, sort_slot, (size_t)info.doccount, &absent);
    nsx_mset *m = NULL;
    xrank k = {.it = NULL};
    size_t nhits = 0, kept = 0;
    for (int deeper = 1; !rc && deeper;) {
        deeper = 0;
        so.k = absent + depth;
        /* Xapian cannot stop a match under way: its time limit only ends the
         * exact count (check_at_least) early. So the deadline is read before
         * and after the match, and bounds the count in between. */
        if (dl->at) {
            uint64_t now = nsi_monotonic_ns();
            if (now >= dl->at)
                rc = NS_ETIMEOUT;
            else
                so.time_limit = (double)(dl->at - now) / 1e9;
        }
        nsx_mset_free(m);
        m = NULL;
        if (!rc && (rc = nsx_search(x->db, xq, &so, &m)))
            rc = db_failed(x, rc);
        if (!rc && !count_only && remote && (rc = nsx_mset_fetch(x->db, m)))
            rc = db_failed(x, rc);
        if (rc)
            break;
        uint64_t lo, est, hi;
        nsx_mset_counts(m, &lo, &est, &hi);
        size_t size = nsx_mset_size(m), n = 0;
        free(k.it);
        nsi_buf_reset(&k.keys);
        k.n = 0;
        if (!(k.it = calloc(depth + 1, sizeof *k.it))) {
            rc = nsi_index_fail(NS_ENOMEM, "out of memory");
            break;
        }
        /* the matches with the field (after the absent ones), then those
         * without it (Xapian's first ones) */
        for (size_t i = absent; i < size && n < depth; i++)
            k.it[n++].mi = i;
        for (size_t i = 0; i < absent && i < size && n < depth; i++)
            k.it[n++].mi = i;
        int more = n < est; /* Xapian has more (collapsed) matches than these */
        for (size_t i = 0; i < n; i++) {
            uint32_t docid;
            nsx_mset_item(m, k.it[i].mi, &docid, &k.it[i].w);
            k.it[i].collapsed = o->dedup ? nsx_mset_collapsed(m, k.it[i].mi) : 0;
        }
        k.n = n;
        if (sorted) {
            for (size_t i = 0; !rc && i < n; i++)
                rc = read_value(x, m, k.it[i].mi, sort_slot, remote, &k.keys, &k.it[i].key_off,
                                &k.it[i].key_len);
            /* a run of ties across the end of the window: see all of it */
            size_t last = want < n ? want : n;
            if (!rc && more && last && same_key(&k, &k.it[last - 1], &k.it[n - 1])) {
                depth = depth * 4 + 8;
                deeper = 1;
                continue;
            }
            if (!rc)
                rc = order_ties(x, m, &k, remote);
        }
        if (!rc && o->dedup && remote)
            rc = spied_copies(x, m, &k, o->nfacets + 1, remote);
        if (!rc && o->dedup) {
            rc = near_copies(x, m, &k, remote, &kept);
            if (!rc && kept < want && more) {
                depth = depth * 4 + 8;
                deeper = 1;
                continue;
            }
        }
        nhits = o->dedup ? kept : n;
        if (nhits > want)
            nhits = want;
        if (o->dedup) /* Xapian's count after collapsing is not the matches' */
            lo = est = hi = nsx_mset_spy_total(m, o->nfacets);
        r->total = est;
        r->exact = lo == hi;
    }
    nsx_query_free(xq);
    if (!rc && nsi_deadline_passed(dl))
        rc = NS_ETIMEOUT;
    if (rc == NS_ETIMEOUT)
        nsi_index_fail(rc, "query ran past its %g s deadline (%s)", o->timeout, x->path);
    size_t first = o->offset < nhits ? o->offset : nhits; /* the window is [first, nhits) */
    nsi_buf raw = {0};
    raw.limit = (size_t)NS_MAX_DOC_BYTES * 2;
    r->nhits = 0;
    r->nfv = 0;
    nsi_buf_reset(&r->arena);
    free(r->hits);
    r->hits = NULL;
    if (!rc && !(r->hits = calloc(nhits - first + 1, sizeof *r->hits)))
        rc = nsi_index_fail(NS_ENOMEM, "out of memory");
    for (size_t i = first; !rc && i < nhits; i++) {
        rc = load_hit(x, m, k.it[i].mi, r, i - first, &raw, remote);
        r->hits[i - first].dups = k.it[i].dups;
    }
    if (!rc)
        r->nhits = nhits - first;
    if (!rc) /* after the hits: their arena was emptied for this attempt */
        rc = nsi_xap_facets(x, m, r, o->facets, o->nfacets);
    nsi_buf_free(&raw);
    free(k.it);
    nsi_buf_free(&k.keys);
    nsx_mset_free(m);
    return rc;
}

/* ------------------------------------------------------------ fields */

static int schema_type(void *ctx, const char *name, size_t len)
{
    const nsi_xschema *s = ctx;
    int k = nsi_xschema_find(s, name, len);
    return k >= 0 ? s->f[k].type : 0;
}

/* Filters built in code (NSQ_KEYWORD) name keyword fields (the native
 * backend's messages: eval/schema.c). */
static int check_filters(const nsi_xschema *s, const nsq_node *q, const char *names)
{
    if (!q)
        return NS_OK;
    if (q->kind == NSQ_KEYWORD) {
        int t = schema_type((void *)s, q->fname, q->fname_len);
        if (!t)
            return nsi_index_fail(NS_EINVAL, "unknown field '%s' at %zu (fields: %s)", q->fname,
                                  q->offset, names);
        if (t != NS_FIELD_KEYWORD)
            return nsi_index_fail(NS_EINVAL,
                                  "field '%s' at %zu is not a keyword field: cannot filter on a "
                                  "value",
                                  q->fname, q->offset);
    }
    for (size_t i = 0; i < q->nkids; i++) {
        int rc = check_filters(s, q->kids[i], names);
        if (rc)
            return rc;
    }
    return NS_OK;
}

/* The query with its `name:...` operands resolved against the fields of the
 * database (a query parsed without the index), with x->mu held. *own is the
 * copy to free. */
static int resolve(ns_index *idx, nsi_xindex *x, const nsq_node *q, const nsq_node **use,
                   nsq_node **own)
{
    nsi_buf names = {0};
    *use = q;
    *own = NULL;
    int rc = nsi_buf_append(&names, "title", 5);
    for (size_t i = 0; !rc && i < x->schema.n; i++)
        if (!(rc = nsi_buf_append(&names, ", ", 2)))
            rc = nsi_buf_append(&names, x->schema.f[i].name, x->schema.f[i].len);
    if (!rc)
        rc = nsi_buf_terminate(&names);
    if (rc) {
        nsi_buf_free(&names);
        return nsi_index_fail(rc, "out of memory");
    }
    nsq_schema sc = {schema_type, &x->schema, (const char *)names.data};
    if (nsq_has_unresolved(q)) {
        nsi_analyzer *an = NULL;
        char msg[NSI_ERRMSG] = "";
        size_t off = 0;
        if (!(rc = nsi_index_analyzer(idx, &an))) {
            rc = nsq_resolve(q, an, &sc, own, msg, sizeof msg, &off);
            nsi_index_analyzer_put(idx, an);
        }
        if (rc == NS_ESYNTAX) /* the query was accepted: its fields are the options' fault */
            rc = nsi_index_fail(NS_EINVAL, "%s", msg);
        else if (rc)
            rc = nsi_index_fail(rc, "%s", msg[0] ? msg : ns_strerror(rc));
        if (!rc)
            *use = *own;
    }
    if (!rc)
        rc = check_filters(&x->schema, *use, (const char *)names.data);
    nsi_buf_free(&names);
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
    if (q->root) {
        nsi_xindex *x = nsi_xap_of(idx);
        const nsq_node *root = q->root;
        nsq_node *own = NULL;
        pthread_mutex_lock(&x->mu);
        rc = nsi_xap_ensure_whole(x);
        if (!rc)
            rc = resolve(idx, x, q->root, &root, &own);
        for (int tries = 0; !rc && tries <= (int)x->nshards; tries++) {
            int retry;
            rc = search_once(x, root, q, &o, &dl, r);
            if (rc != NS_EIO)
                break;
            if ((rc = nsi_xap_read_failed(x, rc, &retry)) || !retry)
                break;
        }
        pthread_mutex_unlock(&x->mu);
        nsq_free(own);
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
