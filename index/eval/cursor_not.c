/* cursor_not.c — AND-NOT: the matches of a positive cursor that none of the
 * excluded cursors (the NOT children of an AND) holds. The excluded cursors
 * are only moved to the documents the positive one brings up, and never
 * scored. */
#include <stdlib.h>

#include "eval/eval.h"

typedef struct not_cursor {
    nsi_cursor base;
    nsi_cursor *pos;
    nsi_cursor **neg; /* the NOT children's kids, in query order */
    size_t nneg;
} not_cursor;

/* From pos's current document on, the first one no excluded cursor holds. */
static int settle(nsi_eval *x, not_cursor *n)
{
    int rc;
    for (;;) {
        uint32_t doc = n->pos->doc;
        if (doc == NSI_DOC_END) {
            n->base.doc = NSI_DOC_END;
            return NS_OK;
        }
        int ok = 1;
        for (size_t j = 0; ok && j < n->nneg; j++) {
            nsi_cursor *g = n->neg[j];
            if (g->doc < doc && (rc = g->ops->seek(x, g, doc)))
                return rc;
            if (g->doc == doc)
                ok = 0;
        }
        if (ok) {
            n->base.doc = doc;
            return NS_OK;
        }
        if (doc == NSI_DOC_END - 1) {
            n->base.doc = NSI_DOC_END;
            return NS_OK;
        }
        if ((rc = n->pos->ops->seek(x, n->pos, doc + 1)))
            return rc;
    }
}

static int not_start(nsi_eval *x, nsi_cursor *c)
{
    not_cursor *n = (not_cursor *)c;
    int rc = n->pos->ops->start(x, n->pos);
    if (!rc)
        rc = nsi_cursor_kids_start(x, n->neg, n->nneg);
    return rc ? rc : settle(x, n);
}

static int not_seek(nsi_eval *x, nsi_cursor *c, uint32_t target)
{
    not_cursor *n = (not_cursor *)c;
    int rc;
    if (n->pos->doc < target && (rc = n->pos->ops->seek(x, n->pos, target)))
        return rc;
    return settle(x, n);
}

static int not_score(nsi_eval *x, nsi_cursor *c, double *out)
{
    not_cursor *n = (not_cursor *)c;
    return n->pos->ops->score(x, n->pos, out);
}

static uint64_t not_cost(const nsi_cursor *c)
{
    const not_cursor *n = (const not_cursor *)c;
    return n->pos->ops->cost(n->pos);
}

static void not_free(nsi_cursor *c)
{
    not_cursor *n = (not_cursor *)c;
    nsi_cursor_free(n->pos);
    nsi_cursor_kids_free(n->neg, n->nneg);
    free(n);
}

static const nsi_cursor_ops not_ops = {
    .name = "not",
    .start = not_start,
    .seek = not_seek,
    .score = not_score,
    .cost = not_cost,
    .free = not_free,
};

nsi_cursor *nsi_cursor_not_new(nsi_eval *x, nsi_cursor *pos, const nsi_enode *e, int *rc)
{
    not_cursor *n = calloc(1, sizeof *n);
    if (!n || !(n->neg = calloc(e->nkids + 1, sizeof *n->neg))) {
        free(n);
        nsi_cursor_free(pos);
        *rc = NS_ENOMEM;
        return NULL;
    }
    n->base.doc = NSI_DOC_END;
    n->base.ops = &not_ops;
    n->pos = pos;
    for (size_t i = 0; i < e->nkids; i++) {
        if (e->kids[i]->kind != NSI_E_NOT)
            continue;
        if (!(n->neg[n->nneg] = nsi_cursor_build(x, e->kids[i]->kids[0], rc))) {
            not_free(&n->base);
            return NULL;
        }
        n->nneg++;
    }
    return &n->base;
}
