/* cursor_and.c — conjunctions (eval.h): AND, and the leapfrog that PHRASE
 * and NEAR share. The children leapfrog from the cheapest (rarest) one;
 * positions are only read, by accept(), for documents every child holds. */
#include <stdlib.h>
#include <string.h>

#include "eval/eval.h"

int nsi_conj_init(nsi_eval *x, nsi_conj *c, const nsi_enode *e)
{
    int rc = NS_OK;
    c->base.doc = NSI_DOC_END;
    c->e = e;
    if (!(c->kids = nsi_cursor_kids_new(x, e, &c->nkids, &rc)))
        return rc;
    if (!(c->lead = calloc(c->nkids + 1, sizeof *c->lead)))
        return NS_ENOMEM;
    memcpy(c->lead, c->kids, c->nkids * sizeof *c->kids);
    return NS_OK;
}

void nsi_conj_free(nsi_cursor *cc)
{
    nsi_conj *c = (nsi_conj *)cc;
    nsi_cursor_kids_free(c->kids, c->nkids);
    free(c->lead);
    free(c);
}

uint64_t nsi_conj_cost(const nsi_cursor *cc)
{
    const nsi_conj *c = (const nsi_conj *)cc;
    uint64_t cost = UINT64_MAX;
    for (size_t i = 0; i < c->nkids; i++) {
        uint64_t k = c->kids[i]->ops->cost(c->kids[i]);
        if (k < cost)
            cost = k;
    }
    return cost;
}

static int cmp_cost(const void *a, const void *b)
{
    const nsi_cursor *ca = *(nsi_cursor *const *)a, *cb = *(nsi_cursor *const *)b;
    uint64_t x = ca->ops->cost(ca), y = cb->ops->cost(cb);
    return (x > y) - (x < y);
}

int nsi_conj_start(nsi_eval *x, nsi_cursor *cc)
{
    nsi_conj *c = (nsi_conj *)cc;
    int rc = nsi_cursor_kids_start(x, c->kids, c->nkids);
    if (rc)
        return rc;
    qsort(c->lead, c->nkids, sizeof *c->lead, cmp_cost);
    cc->doc = 0;
    return nsi_conj_seek(x, cc, 0);
}

int nsi_conj_seek(nsi_eval *x, nsi_cursor *cc, uint32_t t)
{
    nsi_conj *c = (nsi_conj *)cc;
    int rc;
    for (;;) {
        uint32_t doc = t;
        size_t i = 0;
        for (; i < c->nkids; i++) {
            nsi_cursor *k = c->lead[i];
            if (k->doc < doc && (rc = k->ops->seek(x, k, doc)))
                return rc;
            if (k->doc == NSI_DOC_END) {
                cc->doc = NSI_DOC_END;
                return NS_OK;
            }
            if (k->doc > doc)
                break;
        }
        if (i < c->nkids) {
            t = c->lead[i]->doc;
            continue;
        }
        rc = NS_OK;
        int ok = c->accept ? c->accept(x, c, &rc) : 1;
        if (rc)
            return rc;
        if (ok) {
            cc->doc = doc;
            return NS_OK;
        }
        if (doc == NSI_DOC_END - 1) {
            cc->doc = NSI_DOC_END;
            return NS_OK;
        }
        t = doc + 1;
    }
}

int nsi_conj_score(nsi_eval *x, nsi_cursor *cc, double *out)
{
    nsi_conj *c = (nsi_conj *)cc;
    return nsi_cursor_kids_score(x, c->kids, c->nkids, cc->doc, out);
}

int nsi_conj_positions(nsi_conj *c, nsi_positions *pos)
{
    for (size_t i = 0; i < c->nkids; i++) {
        int rc = c->kids[i]->ops->positions(c->kids[i], &pos[i]);
        if (rc)
            return rc;
    }
    return NS_OK;
}

int nsi_conj_need_positions(nsi_eval *x, nsi_conj *c)
{
    for (size_t i = 0; i < c->nkids; i++)
        if (!c->kids[i]->ops->positions)
            return nsi_fail(x->err, sizeof x->err, NS_EINVAL, "%s of a %s: needs terms",
                            c->base.ops->name, c->kids[i]->ops->name);
    return NS_OK;
}

static const nsi_cursor_ops and_ops = {
    .name = "and",
    .start = nsi_conj_start,
    .seek = nsi_conj_seek,
    .score = nsi_conj_score,
    .cost = nsi_conj_cost,
    .free = nsi_conj_free,
};

nsi_cursor *nsi_cursor_and_new(nsi_eval *x, const nsi_enode *e, int *rc)
{
    nsi_conj *c = calloc(1, sizeof *c);
    if (!c) {
        *rc = NS_ENOMEM;
        return NULL;
    }
    c->base.ops = &and_ops;
    if ((*rc = nsi_conj_init(x, c, e))) {
        nsi_conj_free(&c->base);
        return NULL;
    }
    return &c->base;
}
