/* cursor_phrase.c — PHRASE: a conjunction of terms at consecutive positions
 * in one field (the title first, then the body unless title-only). */
#include <stdlib.h>

#include "eval/eval.h"

typedef struct phrase_cursor {
    nsi_conj c;
    nsi_positions *pos; /* per child, of the candidate document */
} phrase_cursor;

static int has(const uint32_t *v, uint32_t n, uint32_t x)
{
    uint32_t lo = 0, hi = n;
    while (lo < hi) {
        uint32_t m = lo + (hi - lo) / 2;
        if (v[m] < x)
            lo = m + 1;
        else
            hi = m;
    }
    return lo < n && v[lo] == x;
}

/* Whether field f holds the terms at p, p+1, ... for some p. */
static int phrase_in(const phrase_cursor *p, int f)
{
    const uint32_t *p0 = p->pos[0].pos[f];
    uint32_t n0 = p->pos[0].n[f];
    for (uint32_t a = 0; a < n0; a++) {
        size_t i = 1;
        for (; i < p->c.nkids; i++)
            if (!has(p->pos[i].pos[f], p->pos[i].n[f], p0[a] + (uint32_t)i))
                break;
        if (i == p->c.nkids)
            return 1;
    }
    return 0;
}

static int phrase_accept(nsi_eval *x, nsi_conj *c, int *rc)
{
    (void)x;
    phrase_cursor *p = (phrase_cursor *)c;
    if ((*rc = nsi_conj_positions(c, p->pos)))
        return 0;
    for (int f = NSI_FIELD_TITLE; f >= (c->e->title_only ? NSI_FIELD_TITLE : NSI_FIELD_BODY); f--)
        if (phrase_in(p, f))
            return 1;
    return 0;
}

static void phrase_free(nsi_cursor *c)
{
    free(((phrase_cursor *)c)->pos);
    nsi_conj_free(c);
}

static const nsi_cursor_ops phrase_ops = {
    .name = "phrase",
    .start = nsi_conj_start,
    .seek = nsi_conj_seek,
    .score = nsi_conj_score,
    .cost = nsi_conj_cost,
    .free = phrase_free,
};

nsi_cursor *nsi_cursor_phrase_new(nsi_eval *x, const nsi_enode *e, int *rc)
{
    phrase_cursor *p = calloc(1, sizeof *p);
    if (!p) {
        *rc = NS_ENOMEM;
        return NULL;
    }
    p->c.base.ops = &phrase_ops;
    p->c.accept = phrase_accept;
    if (!(*rc = nsi_conj_init(x, &p->c, e)) && !(*rc = nsi_conj_need_positions(x, &p->c)) &&
        !(p->pos = calloc(p->c.nkids + 1, sizeof *p->pos)))
        *rc = NS_ENOMEM;
    if (*rc) {
        phrase_free(&p->c.base);
        return NULL;
    }
    return &p->c.base;
}
