/* lexicon.c — sorted words with document frequencies and the bounded
 * edit-distance walk over them (lexicon.h). */
#include <stdlib.h>
#include <string.h>

#include "common/internal.h"
#include "query/fuzzy.h"
#include "query/lexicon.h"

struct nsi_lexicon {
    nsi_buf arena;
    uint32_t *off; /* n + 1 offsets into arena: word i is [off[i], off[i+1]) */
    uint64_t *df;
    size_t n, cap;
    uint64_t max_df;
};

int nsi_lexicon_new(nsi_lexicon **out)
{
    nsi_lexicon *lx = calloc(1, sizeof *lx);
    if (!lx || !(lx->off = calloc(1, sizeof *lx->off))) {
        free(lx);
        return NS_ENOMEM;
    }
    lx->arena.limit = UINT32_MAX;
    *out = lx;
    return NS_OK;
}

void nsi_lexicon_free(nsi_lexicon *lx)
{
    if (!lx)
        return;
    nsi_buf_free(&lx->arena);
    free(lx->off);
    free(lx->df);
    free(lx);
}

size_t nsi_lexicon_size(const nsi_lexicon *lx) { return lx->n; }

static const char *word_at(const nsi_lexicon *lx, size_t i, size_t *len)
{
    *len = lx->off[i + 1] - lx->off[i];
    return (const char *)lx->arena.data + lx->off[i];
}

/* <0, 0, >0 as a[0..al) sorts before, equal to, after b[0..bl). */
static int cmp(const char *a, size_t al, const char *b, size_t bl)
{
    int c = memcmp(a, b, al < bl ? al : bl);
    return c ? c : (al > bl) - (al < bl);
}

int nsi_lexicon_push(nsi_lexicon *lx, const char *word, size_t len, uint64_t df)
{
    if (len == 0 || len > NS_MAX_TERM_BYTES)
        return NS_EINVAL;
    if (lx->n) {
        size_t pl;
        const char *prev = word_at(lx, lx->n - 1, &pl);
        if (cmp(prev, pl, word, len) >= 0)
            return NS_EINVAL;
    }
    if (lx->n == lx->cap) {
        size_t cap = lx->cap ? lx->cap * 2 : 1024;
        uint32_t *o = realloc(lx->off, (cap + 1) * sizeof *o);
        if (!o)
            return NS_ENOMEM;
        lx->off = o;
        uint64_t *d = realloc(lx->df, cap * sizeof *d);
        if (!d)
            return NS_ENOMEM;
        lx->df = d;
        lx->cap = cap;
    }
    int rc = nsi_buf_append(&lx->arena, word, len);
    if (rc)
        return rc;
    lx->df[lx->n] = df;
    if (df > lx->max_df)
        lx->max_df = df;
    lx->off[++lx->n] = (uint32_t)lx->arena.len;
    return NS_OK;
}

/* The first word at or after i (i < n) that does not start with p[0..plen). */
static size_t after_prefix(const nsi_lexicon *lx, size_t i, const char *p, size_t plen)
{
    size_t lo = i, hi = lx->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2, wl;
        const char *w = word_at(lx, mid, &wl);
        if (wl >= plen && !memcmp(w, p, plen))
            lo = mid + 1;
        else if (cmp(w, wl, p, plen) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* The first word not before p[0..plen). */
static size_t first_at_least(const nsi_lexicon *lx, const char *p, size_t plen)
{
    size_t lo = 0, hi = lx->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2, wl;
        const char *w = word_at(lx, mid, &wl);
        if (cmp(w, wl, p, plen) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* Whether a is a better suggestion than b. */
static int better(const nsi_spell *a, const nsi_spell *b)
{
    if (a->dist != b->dist)
        return a->dist < b->dist;
    if (a->df != b->df)
        return a->df > b->df;
    return cmp(a->word, a->len, b->word, b->len) < 0;
}

int nsi_lexicon_near(const nsi_lexicon *lx, const char *word, size_t len, unsigned max,
                     uint64_t ratio, nsi_spell *out, size_t nout, size_t *n, uint64_t *df)
{
    *n = 0;
    *df = 0;
    size_t at = first_at_least(lx, word, len), al;
    if (at < lx->n) {
        const char *aw = word_at(lx, at, &al);
        if (al == len && !memcmp(aw, word, len))
            *df = lx->df[at];
    }
    uint64_t min_df = 0;
    if (ratio && *df) {
        if (*df > lx->max_df / ratio)
            return NS_OK; /* nothing is that much more frequent */
        min_df = *df * ratio;
        max = max > 1 ? 1 : max;
    }
    nsi_fuzzy *f = malloc(sizeof *f);
    if (!f)
        return NS_ENOMEM;
    int rc = nsi_fuzzy_init(f, word, len, max);
    /* only the words that share the query's first byte */
    size_t i = len ? first_at_least(lx, word, 1) : 0;
    for (; !rc && i < lx->n;) {
        size_t wl, skip;
        const char *w = word_at(lx, i, &wl);
        if (len && (wl == 0 || w[0] != word[0]))
            break;
        int d = nsi_fuzzy_feed(f, w, wl, &skip);
        if (d < 0) {
            i = skip ? after_prefix(lx, i, w, skip) : i + 1;
            continue;
        }
        if (d == 0 || lx->df[i] < min_df) {
            i++;
            continue;
        }
        nsi_spell c;
        memcpy(c.word, w, wl);
        c.word[wl] = 0;
        c.len = wl;
        c.dist = (unsigned)d;
        c.df = lx->df[i];
        i++;
        if (*n == nout && (!nout || !better(&c, &out[nout - 1])))
            continue;
        size_t k = *n < nout ? (*n)++ : nout - 1; /* insertion, best first */
        while (k > 0 && better(&c, &out[k - 1])) {
            out[k] = out[k - 1];
            k--;
        }
        out[k] = c;
    }
    free(f);
    return rc;
}
