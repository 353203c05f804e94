/* facet.c — facet counts (collect.h, nsi_facets_count): for a keyword field,
 * how many matching documents have each value, exact, over every match.
 *
 * Counting reads only the field's column (format/values.h): per segment, an
 * array indexed by value ordinal counts the matches, ordinals that fold alike
 * (ordinals are sorted by folded key, so they are neighbours) sharing one
 * counter and a document counting once per folded value. The segments'
 * non-zero counters are then merged by folded key, each value shown in the
 * first original form met (the first segment, the smallest ordinal), and the
 * most frequent kept: counts descending, ties by folded key bytewise. */
#include <stdlib.h>
#include <string.h>

#include "eval/collect.h"
#include "eval/search.h"
#include "format/values.h"

typedef struct entry {
    const char *folded, *orig;
    size_t flen, olen;
    uint32_t seg, ord;
    uint64_t count;
} entry;

typedef struct entries {
    entry *v;
    size_t n, cap;
} entries;

static int push(entries *e, entry x)
{
    if (e->n == e->cap) {
        size_t c = e->cap ? e->cap * 2 : 64;
        entry *v = realloc(e->v, c * sizeof *v);
        if (!v)
            return NS_ENOMEM;
        e->v = v;
        e->cap = c;
    }
    e->v[e->n++] = x;
    return NS_OK;
}

static int cmp_bytes(const char *a, size_t al, const char *b, size_t bl)
{
    size_t n = al < bl ? al : bl;
    int c = n ? memcmp(a, b, n) : 0;
    return c ? c : (al > bl) - (al < bl);
}

static int by_key(const void *pa, const void *pb)
{
    const entry *a = pa, *b = pb;
    int c = cmp_bytes(a->folded, a->flen, b->folded, b->flen);
    if (c)
        return c;
    if (a->seg != b->seg)
        return a->seg < b->seg ? -1 : 1;
    return (a->ord > b->ord) - (a->ord < b->ord);
}

static int by_count(const void *pa, const void *pb)
{
    const entry *a = pa, *b = pb;
    if (a->count != b->count)
        return a->count > b->count ? -1 : 1;
    return cmp_bytes(a->folded, a->flen, b->folded, b->flen);
}

/* The counts of one segment's column over the matches in it. */
static int count_segment(const nsi_snap *s, uint32_t seg, int col, const nsi_matches *all,
                         entries *out, char *err, size_t errlen)
{
    const nsi_seg *sg = s->segs[seg];
    uint32_t nv = nsi_values_kw_count(sg, col);
    if (nv == 0)
        return NS_OK;
    uint32_t *group = malloc(nv * sizeof *group);
    uint64_t *count = calloc(nv, sizeof *count);
    int rc = group && count ? NS_OK : NS_ENOMEM;
    const char *pf = NULL;
    size_t pl = 0;
    for (uint32_t o = 0; !rc && o < nv; o++) {
        const char *f;
        size_t fl;
        if ((rc = nsi_values_kw_value(sg, col, o, NULL, NULL, &f, &fl, err, errlen)))
            break;
        group[o] = o > 0 && cmp_bytes(pf, pl, f, fl) == 0 ? group[o - 1] : o;
        pf = f;
        pl = fl;
    }
    uint64_t lo = s->base[seg], hi = lo + sg->ndocs;
    for (size_t i = 0; !rc && i < all->n; i++) {
        if (all->v[i].gdoc < lo || all->v[i].gdoc >= hi)
            continue;
        const uint8_t *ords;
        uint32_t n;
        if ((rc = nsi_values_kw_doc(sg, col, (uint32_t)(all->v[i].gdoc - lo), &ords, &n, err,
                                    errlen)))
            break;
        for (uint32_t j = 0; j < n; j++) {
            uint32_t g = group[nsi_values_ord(ords, j)], seen = 0;
            for (uint32_t k = 0; k < j && !seen; k++)
                seen = group[nsi_values_ord(ords, k)] == g;
            count[g] += !seen;
        }
    }
    for (uint32_t o = 0; !rc && o < nv; o++) {
        if (!count[o])
            continue;
        entry e = {0};
        e.seg = seg;
        e.ord = o;
        e.count = count[o];
        rc = nsi_values_kw_value(sg, col, o, &e.orig, &e.olen, &e.folded, &e.flen, err, errlen);
        if (!rc)
            rc = push(out, e);
    }
    free(group);
    free(count);
    return rc;
}

static int one_facet(ns_results *r, const nsi_snap *s, const nsi_matches *all,
                     const ns_facet_request *q, char *err, size_t errlen)
{
    entries e = {0};
    size_t len = strlen(q->field), limit = q->limit ? q->limit : 10;
    int rc = NS_OK;
    for (uint32_t seg = 0; !rc && seg < s->nsegs; seg++) {
        int col = nsi_values_col(s->segs[seg], q->field, len);
        if (col >= 0 && nsi_values_type(s->segs[seg], col) == NS_FIELD_KEYWORD)
            rc = count_segment(s, seg, col, all, &e, err, errlen);
    }
    /* merge equal folded keys into their first entry */
    size_t w = 0;
    if (!rc && e.n) {
        qsort(e.v, e.n, sizeof *e.v, by_key);
        for (size_t i = 0; i < e.n; i++) {
            if (w && cmp_bytes(e.v[w - 1].folded, e.v[w - 1].flen, e.v[i].folded, e.v[i].flen) == 0)
                e.v[w - 1].count += e.v[i].count;
            else
                e.v[w++] = e.v[i];
        }
        qsort(e.v, w, sizeof *e.v, by_count);
    }
    if (w > limit)
        w = limit;
    nsi_facet *f = &r->facets[r->nfacets];
    if (!rc)
        rc = nsi_results_add_string(r, q->field, len, &f->name_off);
    f->name_len = len;
    f->first = r->nfacet_values;
    f->n = 0;
    if (!rc && w) {
        nsi_facet_value *v =
            realloc(r->facet_values, (r->nfacet_values + w) * sizeof *r->facet_values);
        if (!v)
            rc = NS_ENOMEM;
        else
            r->facet_values = v;
    }
    for (size_t i = 0; !rc && i < w; i++) {
        nsi_facet_value *v = &r->facet_values[r->nfacet_values];
        v->len = e.v[i].olen;
        v->count = e.v[i].count;
        if (!(rc = nsi_results_add_string(r, e.v[i].orig, e.v[i].olen, &v->off))) {
            r->nfacet_values++;
            f->n++;
        }
    }
    if (!rc)
        r->nfacets++;
    free(e.v);
    return rc;
}

int nsi_facets_count(ns_results *r, const nsi_snap *s, const nsi_matches *all,
                     const ns_facet_request *req, size_t nreq, char *err, size_t errlen)
{
    if (!nreq)
        return NS_OK;
    if (!(r->facets = calloc(nreq, sizeof *r->facets)))
        return NS_ENOMEM;
    int rc = NS_OK;
    for (size_t i = 0; !rc && i < nreq; i++)
        rc = one_facet(r, s, all, &req[i], err, errlen);
    return rc;
}
