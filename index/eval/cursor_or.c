/* cursor_or.c — OR: the smallest document of its children; the score adds
 * the children that hold it, in query order. */
#include <stdlib.h>

#include "eval/eval.h"

typedef struct or_cursor {
    nsi_cursor base;
    nsi_cursor **kids; /* query order */
    size_t nkids;
} or_cursor;

static int or_seek(nsi_eval *x, nsi_cursor *c, uint32_t target)
{
    or_cursor *o = (or_cursor *)c;
    uint32_t m = NSI_DOC_END;
    for (size_t i = 0; i < o->nkids; i++) {
        nsi_cursor *k = o->kids[i];
        int rc;
        if (k->doc < target && (rc = k->ops->seek(x, k, target)))
            return rc;
        if (k->doc < m)
            m = k->doc;
    }
    c->doc = m;
    return NS_OK;
}

static int or_start(nsi_eval *x, nsi_cursor *c)
{
    or_cursor *o = (or_cursor *)c;
    int rc = nsi_cursor_kids_start(x, o->kids, o->nkids);
    if (rc)
        return rc;
    c->doc = 0;
    return or_seek(x, c, 0);
}

static int or_score(nsi_eval *x, nsi_cursor *c, double *out)
{
    or_cursor *o = (or_cursor *)c;
    return nsi_cursor_kids_score(x, o->kids, o->nkids, c->doc, out);
}

static uint64_t or_cost(const nsi_cursor *c)
{
    const or_cursor *o = (const or_cursor *)c;
    uint64_t cost = 0;
    for (size_t i = 0; i < o->nkids; i++)
        cost += o->kids[i]->ops->cost(o->kids[i]);
    return cost;
}

static void or_free(nsi_cursor *c)
{
    or_cursor *o = (or_cursor *)c;
    nsi_cursor_kids_free(o->kids, o->nkids);
    free(o);
}

static const nsi_cursor_ops or_ops = {
    .name = "or",
    .start = or_start,
    .seek = or_seek,
    .score = or_score,
    .cost = or_cost,
    .free = or_free,
};

nsi_cursor *nsi_cursor_or_new(nsi_eval *x, const nsi_enode *e, int *rc)
{
    or_cursor *o = calloc(1, sizeof *o);
    if (!o) {
        *rc = NS_ENOMEM;
        return NULL;
    }
    o->base.doc = NSI_DOC_END;
    o->base.ops = &or_ops;
    if (!(o->kids = nsi_cursor_kids_new(x, e, &o->nkids, rc))) {
        free(o);
        return NULL;
    }
    return &o->base;
}
