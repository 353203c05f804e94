/* cursor.c — the cursor builder (the one place that maps an evaluation node
 * to a cursor kind), the empty cursor, and what cursors with children share. */
#include <stdlib.h>

#include "eval/eval.h"

/* ---- the empty cursor: matches nothing (a prefix without expansions, a
 * term absent from the segment) */

static int empty_start(nsi_eval *x, nsi_cursor *c)
{
    (void)x;
    c->doc = NSI_DOC_END;
    return NS_OK;
}

static int empty_seek(nsi_eval *x, nsi_cursor *c, uint32_t target)
{
    (void)x;
    (void)target;
    c->doc = NSI_DOC_END;
    return NS_OK;
}

static int empty_score(nsi_eval *x, nsi_cursor *c, double *out)
{
    (void)x;
    (void)c;
    *out = 0;
    return NS_OK;
}

static uint64_t empty_cost(const nsi_cursor *c)
{
    (void)c;
    return 0;
}

static int empty_max_score(nsi_eval *x, nsi_cursor *c, double *out)
{
    (void)x;
    (void)c;
    *out = 0;
    return NS_OK;
}

static double empty_block_bound(nsi_eval *x, nsi_cursor *c, uint32_t d)
{
    (void)x;
    (void)c;
    (void)d;
    return 0;
}

static int empty_positions(nsi_cursor *c, nsi_positions *out)
{
    (void)c;
    *out = (nsi_positions){{NULL, NULL}, {0, 0}};
    return NS_OK;
}

static void empty_free(nsi_cursor *c) { free(c); }

static const nsi_cursor_ops empty_ops = {
    .name = "empty",
    .start = empty_start,
    .seek = empty_seek,
    .score = empty_score,
    .cost = empty_cost,
    .max_score = empty_max_score,
    .block_bound = empty_block_bound,
    .positions = empty_positions,
    .free = empty_free,
};

nsi_cursor *nsi_cursor_empty_new(int *rc)
{
    nsi_cursor *c = malloc(sizeof *c);
    if (!c) {
        *rc = NS_ENOMEM;
        return NULL;
    }
    c->doc = NSI_DOC_END;
    c->ops = &empty_ops;
    return c;
}

/* ---- the builder */

static int has_not_kids(const nsi_enode *e)
{
    for (size_t i = 0; i < e->nkids; i++)
        if (e->kids[i]->kind == NSI_E_NOT)
            return 1;
    return 0;
}

nsi_cursor *nsi_cursor_build(nsi_eval *x, const nsi_enode *e, int *rc)
{
    nsi_cursor *c;
    switch (e->kind) {
    case NSI_E_TERM:
    case NSI_E_KEYWORD: /* a term whose idf is 0 */
        c = nsi_cursor_term_new(x, e, rc);
        break;
    case NSI_E_RANGE:
        c = nsi_cursor_range_new(x, e, rc);
        break;
    case NSI_E_ALL:
        c = nsi_cursor_all_new(x, rc);
        break;
    case NSI_E_OR:
        c = nsi_cursor_or_new(x, e, rc);
        break;
    case NSI_E_AND:
    case NSI_E_NOT: /* never built alone (query.h); an AND of its kid */
        c = nsi_cursor_and_new(x, e, rc);
        break;
    case NSI_E_PHRASE:
        c = nsi_cursor_phrase_new(x, e, rc);
        break;
    case NSI_E_NEAR:
        c = nsi_cursor_near_new(x, e, rc);
        break;
    case NSI_E_MAYBE:
        c = nsi_cursor_maybe_new(x, e, rc);
        break;
    case NSI_E_EMPTY:
    default:
        return nsi_cursor_empty_new(rc);
    }
    if (c && has_not_kids(e))
        c = nsi_cursor_not_new(x, c, e, rc);
    return c;
}

/* ---- children */

nsi_cursor **nsi_cursor_kids_new(nsi_eval *x, const nsi_enode *e, size_t *n, int *rc)
{
    nsi_cursor **kids = calloc(e->nkids + 1, sizeof *kids);
    *n = 0;
    if (!kids) {
        *rc = NS_ENOMEM;
        return NULL;
    }
    for (size_t i = 0; i < e->nkids; i++) {
        if (e->kids[i]->kind == NSI_E_NOT)
            continue;
        if (!(kids[*n] = nsi_cursor_build(x, e->kids[i], rc))) {
            nsi_cursor_kids_free(kids, *n);
            *n = 0;
            return NULL;
        }
        ++*n;
    }
    return kids;
}

void nsi_cursor_kids_free(nsi_cursor **kids, size_t n)
{
    for (size_t i = 0; kids && i < n; i++)
        nsi_cursor_free(kids[i]);
    free(kids);
}

int nsi_cursor_kids_start(nsi_eval *x, nsi_cursor **kids, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        int rc = kids[i]->ops->start(x, kids[i]);
        if (rc)
            return rc;
    }
    return NS_OK;
}

int nsi_cursor_kids_score(nsi_eval *x, nsi_cursor **kids, size_t n, uint32_t doc, double *out)
{
    double s = 0, k;
    for (size_t i = 0; i < n; i++) {
        if (kids[i]->doc != doc)
            continue;
        int rc = kids[i]->ops->score(x, kids[i], &k);
        if (rc)
            return rc;
        s += k;
    }
    *out = s;
    return NS_OK;
}
