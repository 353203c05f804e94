/* fuzzy.c — a fuzzy term's edit distance over a sorted dictionary (fuzzy.h).
 *
 * Row i of the table holds the distances from the first i code points of the
 * dictionary term to every prefix of the query term. Rows depend only on the
 * term's first i code points, so consecutive terms of a sorted dictionary
 * share the rows of their common prefix. A prefix is hopeless when its row and
 * the row before it are both past the budget: every later row is built from
 * those two (a transposition reaches back two rows, at the cost of one edit),
 * so its entries can only be larger. */
#include <string.h>

#include "common/utf8.h"
#include "query/fuzzy.h"

unsigned nsi_fuzzy_auto(size_t n) { return n >= 9 ? 2 : n >= 5 ? 1 : 0; }

/* Decodes s[0..len) into at most NSI_FUZZY_MAX_CP code points (cp[i]) and the
 * byte offset after each (end[i], when end is not NULL); returns the count,
 * or NSI_FUZZY_MAX_CP + 1 when there are more. */
static size_t decode(const char *s, size_t len, int32_t *cp, size_t *end)
{
    size_t n = 0, i = 0;
    while (i < len) {
        if (n == NSI_FUZZY_MAX_CP)
            return NSI_FUZZY_MAX_CP + 1;
        size_t k = nsi_utf8_decode((const uint8_t *)s + i, len - i, &cp[n]);
        if (k == 0) /* not expected: the decoder consumes at least a byte */
            k = 1;
        i += k;
        if (end)
            end[n] = i;
        n++;
    }
    return n;
}

size_t nsi_fuzzy_cplen(const char *term, size_t len)
{
    size_t n = 0, i = 0;
    while (i < len) {
        int32_t cp;
        size_t k = nsi_utf8_decode((const uint8_t *)term + i, len - i, &cp);
        i += k ? k : 1;
        n++;
    }
    return n;
}

int nsi_fuzzy_init(nsi_fuzzy *f, const char *term, size_t len, unsigned max)
{
    memset(f, 0, sizeof *f);
    if (max > NSI_FUZZY_MAX_DIST || len > NS_MAX_TERM_BYTES)
        return NS_EINVAL;
    f->qn = decode(term, len, f->q, NULL);
    f->max = max;
    for (size_t j = 0; j <= f->qn; j++)
        f->rows[0][j] = (uint8_t)j;
    return NS_OK;
}

static uint8_t min3(unsigned a, unsigned b, unsigned c)
{
    unsigned m = a < b ? a : b;
    return (uint8_t)(m < c ? m : c);
}

/* Row i (1-based) from rows i-1 and i-2, for the term's code points t. */
static void row(nsi_fuzzy *f, size_t i)
{
    const uint8_t *up = f->rows[i - 1];
    uint8_t *r = f->rows[i];
    int32_t c = f->t[i - 1];
    r[0] = (uint8_t)i;
    uint8_t m = r[0];
    for (size_t j = 1; j <= f->qn; j++) {
        uint8_t v = min3(up[j] + 1u, r[j - 1] + 1u, up[j - 1] + (c != f->q[j - 1] ? 1u : 0u));
        if (i > 1 && j > 1 && c == f->q[j - 2] && f->t[i - 2] == f->q[j - 1] &&
            f->rows[i - 2][j - 2] + 1u < v)
            v = (uint8_t)(f->rows[i - 2][j - 2] + 1u);
        r[j] = v;
        if (v < m)
            m = v;
    }
    f->rmin[i] = m;
}

int nsi_fuzzy_feed(nsi_fuzzy *f, const char *term, size_t len, size_t *skip)
{
    int32_t cp[NSI_FUZZY_MAX_CP];
    size_t end[NSI_FUZZY_MAX_CP];
    *skip = 0;
    size_t n = decode(term, len, cp, end);
    if (n > NSI_FUZZY_MAX_CP)
        return -1;
    size_t lcp = 0;
    while (lcp < n && lcp < f->tn && lcp < f->valid && cp[lcp] == f->t[lcp])
        lcp++;
    memcpy(f->t + lcp, cp + lcp, (n - lcp) * sizeof *cp);
    memcpy(f->tend + lcp, end + lcp, (n - lcp) * sizeof *end);
    f->tn = n;
    f->valid = lcp;
    /* a shared prefix that was already hopeless */
    for (size_t i = 1; i <= lcp; i++)
        if (f->rmin[i] > f->max && f->rmin[i - 1] + 1u > f->max) {
            *skip = f->tend[i - 1];
            return -1;
        }
    for (size_t i = lcp + 1; i <= n; i++) {
        row(f, i);
        f->valid = i;
        if (f->rmin[i] > f->max && f->rmin[i - 1] + 1u > f->max) {
            *skip = f->tend[i - 1];
            return -1;
        }
    }
    unsigned d = f->rows[n][f->qn];
    return d <= f->max ? (int)d : -1;
}

unsigned nsi_fuzzy_distance(const char *a, size_t alen, const char *b, size_t blen)
{
    static const unsigned big = 2 * NSI_FUZZY_MAX_CP + 2;
    int32_t x[NSI_FUZZY_MAX_CP + 1], y[NSI_FUZZY_MAX_CP + 1];
    size_t n = decode(a, alen, x, NULL), m = decode(b, blen, y, NULL);
    if (n > NSI_FUZZY_MAX_CP || m > NSI_FUZZY_MAX_CP)
        return big;
    unsigned d[NSI_FUZZY_MAX_CP + 1][NSI_FUZZY_MAX_CP + 1];
    for (size_t i = 0; i <= n; i++)
        for (size_t j = 0; j <= m; j++) {
            if (!i || !j) {
                d[i][j] = (unsigned)(i + j);
                continue;
            }
            unsigned v = min3(d[i - 1][j] + 1, d[i][j - 1] + 1,
                              d[i - 1][j - 1] + (x[i - 1] != y[j - 1] ? 1u : 0u));
            if (i > 1 && j > 1 && x[i - 1] == y[j - 2] && x[i - 2] == y[j - 1] &&
                d[i - 2][j - 2] + 1 < v)
                v = d[i - 2][j - 2] + 1;
            d[i][j] = v;
        }
    return d[n][m];
}
