/* xhits.c — what a search on Xapian reads back of typed fields: a hit's
 * values (value 3, xfields.h) and the facet counts of the match spies
 * (docs/xapian.md, "Typed fields"). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "common/number.h"
#include "format/values.h"
#include "xinternal.h"

static int take_value(void *ctx, const char *name, size_t nlen, int type, const char *text,
                      size_t tlen, uint64_t bits)
{
    ns_results *r = ctx;
    nsi_fval v = {0};
    v.type = type;
    v.name_len = nlen;
    int rc = nsi_results_add_string(r, name, nlen, &v.name_off);
    char buf[64] = "";
    if (type == NS_FIELD_DATE) {
        v.date = (int64_t)bits;
        if (nsq_date_iso(v.date, buf) != NS_OK)
            snprintf(buf, sizeof buf, "%lld", (long long)v.date);
        text = buf;
        tlen = strlen(buf);
    } else if (type == NS_FIELD_NUMBER) {
        memcpy(&v.number, &bits, sizeof v.number);
        nsi_number_text(v.number, buf, sizeof buf);
        text = buf;
        tlen = strlen(buf);
    }
    v.text_len = tlen;
    if (!rc)
        rc = nsi_results_add_string(r, text, tlen, &v.text_off);
    if (!rc)
        rc = nsi_results_add_fval(r, v);
    return rc;
}

int nsi_xap_hit_values(ns_results *r, nsi_hit *h, const char *blob, size_t len)
{
    h->fv_first = r->nfv;
    int rc = nsi_xfields_decode(blob, len, take_value, r);
    h->fv_n = r->nfv - h->fv_first;
    return rc;
}

/* ------------------------------------------------------------ facets */

typedef struct fentry {
    size_t foff, flen; /* folded key in fold */
    size_t ooff, olen; /* value as given in orig */
    uint64_t count;
} fentry;

typedef struct fcount {
    fentry *v;
    size_t n, cap;
    nsi_buf fold, orig;
    uint64_t count; /* of the value list being read */
    int rc;
} fcount;

static int take_listed(void *ctx, const char *v, size_t len)
{
    fcount *c = ctx;
    if (c->n == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 64;
        fentry *e = realloc(c->v, cap * sizeof *e);
        if (!e)
            return c->rc = NS_ENOMEM;
        c->v = e;
        c->cap = cap;
    }
    fentry *e = &c->v[c->n];
    e->foff = c->fold.len;
    e->ooff = c->orig.len;
    e->olen = len;
    e->count = c->count;
    int rc = nsi_field_fold(v, len, &c->fold);
    if (!rc)
        rc = nsi_buf_append(&c->orig, v, len);
    if (rc)
        return c->rc = rc;
    e->flen = c->fold.len - e->foff;
    c->n++;
    return 0;
}

/* A list of values and the number of matches that have exactly it. */
static int take_list(void *ctx, const char *v, size_t len, uint64_t count)
{
    fcount *c = ctx;
    c->count = count;
    int rc = nsi_xfields_list(v, len, take_listed, c);
    if (rc && !c->rc)
        c->rc = rc;
    return c->rc;
}

static _Thread_local const fcount *sorting; /* qsort has no context; held under the index mutex */

static int cmp_bytes(const uint8_t *a, size_t al, const uint8_t *b, size_t bl)
{
    size_t n = al < bl ? al : bl;
    int c = n ? memcmp(a, b, n) : 0;
    return c ? c : (al > bl) - (al < bl);
}

static int by_key(const void *pa, const void *pb)
{
    const fentry *a = pa, *b = pb;
    int c = cmp_bytes(sorting->fold.data + a->foff, a->flen, sorting->fold.data + b->foff, b->flen);
    return c ? c
             : cmp_bytes(sorting->orig.data + a->ooff, a->olen, sorting->orig.data + b->ooff,
                         b->olen);
}

static int by_count(const void *pa, const void *pb)
{
    const fentry *a = pa, *b = pb;
    if (a->count != b->count)
        return a->count > b->count ? -1 : 1;
    return cmp_bytes(sorting->fold.data + a->foff, a->flen, sorting->fold.data + b->foff, b->flen);
}

/* Facet j of the search in m (spy j) into r: counts merged by folded key,
 * each value shown in its smallest form as given, counts descending, ties
 * by folded key bytewise. */
static int one_facet(nsi_xindex *x, const nsx_mset *m, size_t j, ns_results *r,
                     const ns_facet_request *q)
{
    fcount c = {0};
    c.fold.limit = c.orig.limit = (size_t)1 << 34;
    size_t len = strlen(q->field), limit = q->limit ? q->limit : 10, w = 0;
    int rc = nsx_mset_spy(x->db, m, j, take_list, &c);
    if (rc == NS_OK && c.rc)
        rc = c.rc == NS_ECORRUPT
                 ? nsi_index_fail(NS_ECORRUPT, "%s: the values of field '%s' are damaged", x->path,
                                  q->field)
                 : nsi_index_fail(c.rc, "%s", ns_strerror(c.rc));
    else if (rc)
        rc = nsi_index_fail(rc, "%s: %s", x->path, nsx_db_errmsg(x->db));
    if (!rc && c.n) {
        sorting = &c;
        qsort(c.v, c.n, sizeof *c.v, by_key);
        for (size_t i = 0; i < c.n; i++) {
            if (w && !cmp_bytes(c.fold.data + c.v[w - 1].foff, c.v[w - 1].flen,
                                c.fold.data + c.v[i].foff, c.v[i].flen))
                c.v[w - 1].count += c.v[i].count;
            else
                c.v[w++] = c.v[i];
        }
        qsort(c.v, w, sizeof *c.v, by_count);
        sorting = NULL;
    }
    if (w > limit)
        w = limit;
    nsi_facet *f = &r->facets[r->nfacets];
    if (!rc && (rc = nsi_results_add_string(r, q->field, len, &f->name_off)))
        rc = nsi_index_fail(rc, "out of memory");
    f->name_len = len;
    f->first = r->nfacet_values;
    f->n = 0;
    if (!rc && w) {
        nsi_facet_value *v =
            realloc(r->facet_values, (r->nfacet_values + w) * sizeof *r->facet_values);
        if (!v)
            rc = nsi_index_fail(NS_ENOMEM, "out of memory");
        else
            r->facet_values = v;
    }
    for (size_t i = 0; !rc && i < w; i++) {
        nsi_facet_value *v = &r->facet_values[r->nfacet_values];
        v->len = c.v[i].olen;
        v->count = c.v[i].count;
        if ((rc = nsi_results_add_string(r, (const char *)c.orig.data + c.v[i].ooff, c.v[i].olen,
                                         &v->off)))
            rc = nsi_index_fail(rc, "out of memory");
        else {
            r->nfacet_values++;
            f->n++;
        }
    }
    if (!rc)
        r->nfacets++;
    free(c.v);
    nsi_buf_free(&c.fold);
    nsi_buf_free(&c.orig);
    return rc;
}

int nsi_xap_facets(nsi_xindex *x, const nsx_mset *m, ns_results *r, const ns_facet_request *req,
                   size_t nreq)
{
    free(r->facets);
    free(r->facet_values);
    r->facets = NULL;
    r->facet_values = NULL;
    r->nfacets = r->nfacet_values = 0;
    if (!nreq)
        return NS_OK;
    if (!(r->facets = calloc(nreq, sizeof *r->facets)))
        return nsi_index_fail(NS_ENOMEM, "out of memory");
    int rc = NS_OK;
    for (size_t i = 0; !rc && i < nreq; i++)
        rc = one_facet(x, m, i, r, &req[i]);
    return rc;
}
