/* cursor_near.c — NEAR/n: a conjunction of terms with one occurrence of
 * every term, all within n positions of each other, in one field (adjacent
 * words are 1 apart; docs/query-language.md). */
#include <stdlib.h>

#include "eval/eval.h"

enum { NEAR_MAX_TERMS = 64 }; /* more never match */

typedef struct near_cursor {
    nsi_conj c;
    unsigned dist;
    nsi_positions *pos; /* per child, of the candidate document */
} near_cursor;

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

/* Whether field f holds such a window; -1 when out of memory. The
 * positions, paired with their term's index, are sorted in x->scratch, and a
 * window slides over them. */
static int near_in(nsi_eval *x, const near_cursor *nc, int f)
{
    size_t total = 0, k = nc->c.nkids;
    for (size_t i = 0; i < k; i++)
        total += nc->pos[i].n[f];
    if (total > x->scratch_cap) {
        free(x->scratch);
        x->scratch_cap = total * 2;
        if (!(x->scratch = malloc(x->scratch_cap * 2 * sizeof *x->scratch))) {
            x->scratch_cap = 0;
            return -1;
        }
    }
    uint32_t *v = x->scratch; /* pairs (pos, term) sorted by pos */
    size_t m = 0;
    for (size_t i = 0; i < k; i++) {
        const uint32_t *p = nc->pos[i].pos[f];
        uint32_t n = nc->pos[i].n[f];
        for (uint32_t j = 0; j < n; j++, m++) {
            v[2 * m] = p[j];
            v[2 * m + 1] = (uint32_t)i;
        }
    }
    if (m > 1)
        qsort(v, m, 2 * sizeof *v, cmp_u32);
    uint32_t count[NEAR_MAX_TERMS] = {0};
    size_t have = 0, lo = 0;
    for (size_t hi = 0; hi < m; hi++) {
        if (count[v[2 * hi + 1]]++ == 0)
            have++;
        while (have == k) {
            if (v[2 * hi] - v[2 * lo] <= nc->dist)
                return 1;
            if (--count[v[2 * lo + 1]] == 0)
                have--;
            lo++;
        }
    }
    return 0;
}

static int near_accept(nsi_eval *x, nsi_conj *c, int *rc)
{
    near_cursor *nc = (near_cursor *)c;
    if (c->nkids > NEAR_MAX_TERMS)
        return 0;
    if ((*rc = nsi_conj_positions(c, nc->pos)))
        return 0;
    for (int f = NSI_FIELD_TITLE; f >= (c->e->title_only ? NSI_FIELD_TITLE : NSI_FIELD_BODY); f--) {
        int ok = near_in(x, nc, f);
        if (ok < 0) {
            *rc = NS_ENOMEM;
            return 0;
        }
        if (ok)
            return 1;
    }
    return 0;
}

static void near_free(nsi_cursor *c)
{
    free(((near_cursor *)c)->pos);
    nsi_conj_free(c);
}

static const nsi_cursor_ops near_ops = {
    .name = "near",
    .start = nsi_conj_start,
    .seek = nsi_conj_seek,
    .score = nsi_conj_score,
    .cost = nsi_conj_cost,
    .free = near_free,
};

nsi_cursor *nsi_cursor_near_new(nsi_eval *x, const nsi_enode *e, int *rc)
{
    near_cursor *nc = calloc(1, sizeof *nc);
    if (!nc) {
        *rc = NS_ENOMEM;
        return NULL;
    }
    nc->c.base.ops = &near_ops;
    nc->c.accept = near_accept;
    nc->dist = e->dist;
    if (!(*rc = nsi_conj_init(x, &nc->c, e)) && !(*rc = nsi_conj_need_positions(x, &nc->c)) &&
        !(nc->pos = calloc(nc->c.nkids + 1, sizeof *nc->pos)))
        *rc = NS_ENOMEM;
    if (*rc) {
        near_free(&nc->c.base);
        return NULL;
    }
    return &nc->c.base;
}
