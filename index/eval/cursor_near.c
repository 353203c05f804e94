/* cursor_near.c — NEAR/n: a conjunction of terms with one occurrence of
 * every term, all within n positions of each other, in one field (adjacent
 * words are 1 apart; docs/query-language.md). A word the group names k times
 * needs k distinct positions of its own in the window: `cocoa NEAR/1 cocoa`
 * is two cocoas side by side, never one cocoa twice. Any group size. */
#include <stdlib.h>
#include <string.h>

#include "eval/eval.h"

typedef struct near_cursor {
    nsi_conj c;
    unsigned dist;
    nsi_positions *pos; /* per child, of the candidate document */
    size_t nslots;      /* the distinct words of the group */
    size_t *kid;        /* per slot: the first child naming the word */
    uint32_t *need;     /* per slot: how many children name it */
    uint32_t *count;    /* per slot: its occurrences in the window */
} near_cursor;

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

/* Whether field f holds such a window; -1 when out of memory. The positions
 * of every distinct word (a position holds one word), paired with the word's
 * slot, are sorted in x->scratch, and a window slides over them that must
 * hold need[s] occurrences of every slot s. */
static int near_in(nsi_eval *x, const near_cursor *nc, int f)
{
    size_t total = 0, k = nc->nslots;
    for (size_t s = 0; s < k; s++) {
        uint32_t n = nc->pos[nc->kid[s]].n[f];
        if (n < nc->need[s])
            return 0;
        total += n;
    }
    if (total > x->scratch_cap) {
        free(x->scratch);
        x->scratch_cap = total * 2;
        if (!(x->scratch = malloc(x->scratch_cap * 2 * sizeof *x->scratch))) {
            x->scratch_cap = 0;
            return -1;
        }
    }
    uint32_t *v = x->scratch; /* pairs (pos, slot) sorted by pos */
    size_t m = 0;
    for (size_t s = 0; s < k; s++) {
        const uint32_t *p = nc->pos[nc->kid[s]].pos[f];
        uint32_t n = nc->pos[nc->kid[s]].n[f];
        for (uint32_t j = 0; j < n; j++, m++) {
            v[2 * m] = p[j];
            v[2 * m + 1] = (uint32_t)s;
        }
    }
    if (m > 1)
        qsort(v, m, 2 * sizeof *v, cmp_u32);
    uint32_t *count = nc->count;
    memset(count, 0, k * sizeof *count);
    size_t have = 0, lo = 0; /* slots with need[s] occurrences in [lo, hi] */
    for (size_t hi = 0; hi < m; hi++) {
        uint32_t s = v[2 * hi + 1];
        if (++count[s] == nc->need[s])
            have++;
        while (have == k) {
            if (v[2 * hi] - v[2 * lo] <= nc->dist)
                return 1;
            s = v[2 * lo + 1];
            if (count[s]-- == nc->need[s])
                have--;
            lo++;
        }
    }
    return 0;
}

static int near_accept(nsi_eval *x, nsi_conj *c, int *rc)
{
    near_cursor *nc = (near_cursor *)c;
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
    near_cursor *nc = (near_cursor *)c;
    free(nc->pos);
    free(nc->kid);
    free(nc->need);
    free(nc->count);
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

static int same_word(const nsi_enode *a, const nsi_enode *b)
{
    return a->kind == NSI_E_TERM && b->kind == NSI_E_TERM && a->len == b->len &&
           !memcmp(a->term, b->term, a->len);
}

/* The slots: children naming the same word share one (quadratic in the
 * group's size, once per segment; a group has at most max_terms words). */
static int near_slots(near_cursor *nc, const nsi_enode *e)
{
    size_t n = nc->c.nkids;
    if (!(nc->kid = calloc(n + 1, sizeof *nc->kid)) ||
        !(nc->need = calloc(n + 1, sizeof *nc->need)) ||
        !(nc->count = calloc(n + 1, sizeof *nc->count)))
        return NS_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        size_t s = 0;
        /* NEAR's children are terms (query.h), one child per kid of e */
        while (s < nc->nslots && !(n == e->nkids && same_word(e->kids[nc->kid[s]], e->kids[i])))
            s++;
        if (s == nc->nslots)
            nc->kid[nc->nslots++] = i;
        nc->need[s]++;
    }
    return NS_OK;
}

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
        !(*rc = near_slots(nc, e)) && !(nc->pos = calloc(nc->c.nkids + 1, sizeof *nc->pos)))
        *rc = NS_ENOMEM;
    if (*rc) {
        near_free(&nc->c.base);
        return NULL;
    }
    return &nc->c.base;
}
