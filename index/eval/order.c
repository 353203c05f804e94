/* order.c — ordering matches by a date or number field, or by score
 * (collect.h). By a field, equal values rank by score, then by id (bytewise);
 * by score, equal scores rank by document number. Sorting by a field is over every match, so the
 * algorithms collect them all (eval.h, nsi_matches); the key of each is read once from the field's
 * column (format/values.h) and the best m are selected with a heap, then sorted: O(n log m) for a
 * page of hits out of n matches. */
#include <stdlib.h>
#include <string.h>

#include "eval/collect.h"
#include "format/record.h"
#include "format/segment.h"
#include "format/values.h"

/* A segment's column of the sort field (present NULL: it has none). */
typedef struct segcol {
    const uint8_t *present, *vals;
    int date;
} segcol;

typedef struct keyed {
    double key;  /* the value (a date as seconds: exact below 2^53) */
    int present; /* the document has the field */
    double score;
    uint64_t gdoc;
} keyed;

/* The generation whose ids break ties of a sort by a field (NULL: by
 * document number, for a sort by score); set for the sort's duration (the
 * heap functions have no context to carry it). */
static _Thread_local const nsi_snap *tie_snap;

/* The id of gdoc, read in place from its segment's FIELDS; 0 when it cannot
 * be read (a damaged segment, which the hits' loading then reports). */
static int id_of(uint64_t gdoc, const char **id, size_t *len)
{
    uint32_t doc, seg = nsi_snap_locate(tie_snap, gdoc, &doc);
    nsi_record rec;
    if (nsi_seg_fields(tie_snap->segs[seg], doc, &rec, NULL, 0))
        return 0;
    *id = rec.f[NSI_F_ID];
    *len = rec.len[NSI_F_ID];
    return 1;
}

/* Equal value and score: the smaller id (bytewise) first, as the Xapian
 * backend orders them, so a ranking does not depend on document numbers. */
static int id_before(uint64_t a, uint64_t b)
{
    const char *ia, *ib;
    size_t la, lb;
    if (a == b || !tie_snap || !id_of(a, &ia, &la) || !id_of(b, &ib, &lb))
        return a < b;
    size_t n = la < lb ? la : lb;
    int c = n ? memcmp(ia, ib, n) : 0;
    if (c)
        return c < 0;
    return la != lb ? la < lb : a < b;
}

/* a ranks before b */
static int before(const keyed *a, const keyed *b, int desc)
{
    if (a->present != b->present)
        return a->present;
    if (a->present && a->key != b->key)
        return desc ? a->key > b->key : a->key < b->key;
    if (a->score != b->score)
        return a->score > b->score;
    return id_before(a->gdoc, b->gdoc);
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
    segcol *cols = calloc(s->nsegs ? s->nsegs : 1, sizeof *cols);
    int rc = k && cols ? NS_OK : NS_ENOMEM;
    for (uint32_t i = 0; !rc && i < s->nsegs; i++) {
        int col = nsi_values_col(s->segs[i], name, len);
        int t = col >= 0 ? nsi_values_type(s->segs[i], col) : 0;
        if (t != NS_FIELD_DATE && t != NS_FIELD_NUMBER)
            continue;
        cols[i].date = t == NS_FIELD_DATE;
        rc = nsi_values_num_column(s->segs[i], col, &cols[i].present, &cols[i].vals, err, errlen);
    }
    /* the matches come in generation order (segment by segment) the first
     * time; after a selection, in any order */
    uint32_t seg = 0, doc;
    for (size_t i = 0; !rc && i < n; i++) {
        uint64_t g = all->v[i].gdoc, bits = 0;
        if (g < s->base[seg])
            seg = nsi_snap_locate(s, g, &doc);
        while (seg + 1 < s->nsegs && g >= s->base[seg + 1])
            seg++;
        doc = (uint32_t)(g - s->base[seg]);
        int p =
            cols[seg].present && nsi_values_num_get(cols[seg].present, cols[seg].vals, doc, &bits);
        double key = 0;
        if (p && cols[seg].date)
            key = (double)(int64_t)bits;
        else if (p)
            memcpy(&key, &bits, sizeof key);
        k[i] = (keyed){key, p, all->v[i].score, g};
    }
    if (!rc) {
        tie_snap = s;
        rc = select_best(k, n, m, desc);
        tie_snap = NULL;
    }
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
