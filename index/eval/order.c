/* order.c — ordering matches by a date or number field, or by score
 * (collect.h). Sorting by a field is over every match, so the algorithms
 * collect them all (eval.h, nsi_matches); the key of each is read once from
 * the field's column (format/values.h) and the best m are selected with a
 * heap, then sorted: O(n log m) for a page of hits out of n matches. */
#include <stdlib.h>
#include <string.h>

#include "eval/collect.h"
#include "format/values.h"

typedef struct keyed {
    double key;  /* the value (a date as seconds: exact below 2^53) */
    int present; /* the document has the field */
    double score;
    uint64_t gdoc;
} keyed;

/* a ranks before b */
static int before(const keyed *a, const keyed *b, int desc)
{
    if (a->present != b->present)
        return a->present;
    if (a->present && a->key != b->key)
        return desc ? a->key > b->key : a->key < b->key;
    if (a->score != b->score)
        return a->score > b->score;
    return a->gdoc < b->gdoc;
}

/* Max-heap of the m best seen so far on "worst at the root". */
static void sift_down(keyed *h, size_t n, size_t i, int desc)
{
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, w = i;
        if (l < n && before(&h[w], &h[l], desc))
            w = l;
        if (r < n && before(&h[w], &h[r], desc))
            w = r;
        if (w == i)
            return;
        keyed t = h[i];
        h[i] = h[w];
        h[w] = t;
        i = w;
    }
}

/* Sorts h[0..n) in rank order (qsort has no context for desc). */
static void sort_keyed(keyed *h, size_t n, int desc)
{
    /* heap sort on the worst-at-root heap: popping the worst to the end
     * leaves the array best first */
    for (size_t i = n / 2; i-- > 0;)
        sift_down(h, n, i, desc);
    for (size_t end = n; end > 1; end--) {
        keyed t = h[0];
        h[0] = h[end - 1];
        h[end - 1] = t;
        sift_down(h, end - 1, 0, desc);
    }
}

static int select_best(keyed *k, size_t n, size_t m, int desc)
{
    if (m > n)
        m = n;
    if (m == 0)
        return NS_OK;
    /* k[0..m) becomes a heap of the best m (worst at the root) */
    for (size_t i = m / 2; i-- > 0;)
        sift_down(k, m, i, desc);
    for (size_t i = m; i < n; i++) {
        if (before(&k[i], &k[0], desc)) {
            keyed t = k[0];
            k[0] = k[i];
            k[i] = t;
            sift_down(k, m, 0, desc);
        }
    }
    sort_keyed(k, m, desc);
    return NS_OK;
}

int nsi_order_by_field(const nsi_snap *s, nsi_matches *all, size_t m, const char *name, int desc,
                       char *err, size_t errlen)
{
    size_t n = all->n, len = strlen(name);
    keyed *k = malloc((n ? n : 1) * sizeof *k);
    int *cols = malloc((s->nsegs ? s->nsegs : 1) * sizeof *cols);
    int rc = k && cols ? NS_OK : NS_ENOMEM;
    for (uint32_t i = 0; !rc && i < s->nsegs; i++) {
        cols[i] = nsi_values_col(s->segs[i], name, len);
        int t = cols[i] >= 0 ? nsi_values_type(s->segs[i], cols[i]) : 0;
        if (t != NS_FIELD_DATE && t != NS_FIELD_NUMBER)
            cols[i] = -1;
    }
    for (size_t i = 0; !rc && i < n; i++) {
        uint32_t doc, seg = nsi_snap_locate(s, all->v[i].gdoc, &doc);
        int64_t di = 0;
        double dd = 0;
        int p =
            cols[seg] < 0 ? 0 : nsi_values_num(s->segs[seg], cols[seg], doc, &di, &dd, err, errlen);
        if (p < 0) {
            rc = p;
            break;
        }
        int is_date = p && nsi_values_type(s->segs[seg], cols[seg]) == NS_FIELD_DATE;
        k[i] = (keyed){is_date ? (double)di : dd, p > 0, all->v[i].score, all->v[i].gdoc};
    }
    if (!rc)
        rc = select_best(k, n, m, desc);
    for (size_t i = 0; !rc && i < n; i++)
        all->v[i] = (nsi_match){k[i].gdoc, k[i].score};
    free(k);
    free(cols);
    return rc;
}

int nsi_order_by_score(nsi_matches *all, size_t m)
{
    /* score first, then document number: a field order with no field */
    size_t n = all->n;
    keyed *k = malloc((n ? n : 1) * sizeof *k);
    if (!k)
        return NS_ENOMEM;
    for (size_t i = 0; i < n; i++)
        k[i] = (keyed){0, 0, all->v[i].score, all->v[i].gdoc};
    select_best(k, n, m, 0);
    for (size_t i = 0; i < n; i++)
        all->v[i] = (nsi_match){k[i].gdoc, k[i].score};
    free(k);
    return NS_OK;
}
