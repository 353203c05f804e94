/* cursor_maybe.c — MAYBE: the matches of its first child; the others only
 * add to the score of a document they hold (`+a b c` with any=1). */
#include <stdlib.h>

#include "eval/eval.h"

typedef struct maybe_cursor {
    nsi_cursor base;
    nsi_cursor **kids; /* kids[0] required, then the optional ones */
    size_t nkids;
} maybe_cursor;

static int maybe_seek(nsi_eval *x, nsi_cursor *c, uint32_t target)
{
    maybe_cursor *m = (maybe_cursor *)c;
    nsi_cursor *req = m->kids[0];
    int rc;
    if (req->doc < target && (rc = req->ops->seek(x, req, target)))
        return rc;
    c->doc = req->doc;
    return NS_OK;
}

static int maybe_start(nsi_eval *x, nsi_cursor *c)
{
    maybe_cursor *m = (maybe_cursor *)c;
    int rc = nsi_cursor_kids_start(x, m->kids, m->nkids);
    if (rc)
        return rc;
    c->doc = 0;
    return maybe_seek(x, c, 0);
}

/* The optional children are only moved here, to the scored document. */
static int maybe_score(nsi_eval *x, nsi_cursor *c, double *out)
{
    maybe_cursor *m = (maybe_cursor *)c;
    double s = 0, k;
    int rc = m->kids[0]->ops->score(x, m->kids[0], &s);
    if (rc)
        return rc;
    for (size_t i = 1; i < m->nkids; i++) {
        nsi_cursor *o = m->kids[i];
        if (o->doc < c->doc && (rc = o->ops->seek(x, o, c->doc)))
            return rc;
        if (o->doc == c->doc) {
            if ((rc = o->ops->score(x, o, &k)))
                return rc;
            s += k;
        }
    }
    *out = s;
    return NS_OK;
}

static uint64_t maybe_cost(const nsi_cursor *c)
{
    const maybe_cursor *m = (const maybe_cursor *)c;
    return m->kids[0]->ops->cost(m->kids[0]);
}

static void maybe_free(nsi_cursor *c)
{
    maybe_cursor *m = (maybe_cursor *)c;
    nsi_cursor_kids_free(m->kids, m->nkids);
    free(m);
}

static const nsi_cursor_ops maybe_ops = {
    .name = "maybe",
    .start = maybe_start,
    .seek = maybe_seek,
    .score = maybe_score,
    .cost = maybe_cost,
    .free = maybe_free,
};

nsi_cursor *nsi_cursor_maybe_new(nsi_eval *x, const nsi_enode *e, int *rc)
{
    maybe_cursor *m = calloc(1, sizeof *m);
    if (!m) {
        *rc = NS_ENOMEM;
        return NULL;
    }
    m->base.doc = NSI_DOC_END;
    m->base.ops = &maybe_ops;
    if (!(m->kids = nsi_cursor_kids_new(x, e, &m->nkids, rc))) {
        free(m);
        return NULL;
    }
    if (m->nkids == 0) { /* never from the parser (query.h) */
        maybe_free(&m->base);
        return nsi_cursor_empty_new(rc);
    }
    return &m->base;
}
