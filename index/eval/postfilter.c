/* postfilter.c — range filters checked per candidate (eval.h).
 *
 * A range (cursor_range.c) matches most of a segment and never scores, so
 * joining it to an AND as a child costs a leapfrog step and a score call per
 * candidate for nothing. The exhaustive and counting algorithms take the
 * ranges out of a top-level AND instead: the rest of the AND drives (its
 * view, plan.h nodes shared, not copied) and each of its candidates is
 * checked against the ranges' columns, read in place (nsi_range_probe: no
 * cursor call for a candidate that passes); for one that fails, the range's
 * cursor finds the next document that passes and the driver moves on
 * there. Scores are unchanged: a range adds 0, and x + 0 == x. */
#include <stdlib.h>
#include <string.h>

#include "eval/eval.h"

const nsi_enode *nsi_postfilter_split(const nsi_enode *plan, nsi_postfilter *pf)
{
    memset(pf, 0, sizeof *pf);
    if (plan->kind != NSI_E_AND)
        return plan;
    size_t nrange = 0, npos = 0;
    for (size_t i = 0; i < plan->nkids; i++) {
        nrange += plan->kids[i]->kind == NSI_E_RANGE;
        npos += plan->kids[i]->kind != NSI_E_RANGE && plan->kids[i]->kind != NSI_E_NOT;
    }
    if (!nrange || !npos)
        return plan; /* nothing to take out, or nothing else to drive */
    pf->kids = calloc(plan->nkids, sizeof *pf->kids);
    pf->ranges = calloc(nrange, sizeof *pf->ranges);
    pf->cur = calloc(nrange, sizeof *pf->cur);
    pf->probe = calloc(nrange, sizeof *pf->probe);
    if (!pf->kids || !pf->ranges || !pf->cur || !pf->probe) {
        nsi_postfilter_free(pf);
        return plan; /* out of memory: the plain AND works too */
    }
    pf->view = *plan;
    pf->view.kids = pf->kids;
    pf->view.nkids = 0;
    for (size_t i = 0; i < plan->nkids; i++) {
        if (plan->kids[i]->kind == NSI_E_RANGE)
            pf->ranges[pf->nranges++] = plan->kids[i];
        else
            pf->kids[pf->view.nkids++] = plan->kids[i];
    }
    /* one thing left: it drives alone, without an AND around it */
    return pf->view.nkids == 1 ? pf->kids[0] : &pf->view;
}

int nsi_postfilter_start(nsi_eval *x, nsi_postfilter *pf)
{
    int rc = NS_OK;
    for (size_t i = 0; i < pf->nranges; i++) {
        if (!(pf->cur[i] = nsi_cursor_build(x, pf->ranges[i], &rc)))
            return rc;
        if ((rc = pf->cur[i]->ops->start(x, pf->cur[i])))
            return rc;
        nsi_range_probe_of(pf->cur[i], &pf->probe[i]);
    }
    return NS_OK;
}

int nsi_postfilter_check(nsi_eval *x, nsi_postfilter *pf, uint32_t d, uint32_t *next, int *rc)
{
    if (nsi_postfilter_pass(pf, d))
        return 1; /* the cursors stay behind: a later seek starts from d */
    for (size_t i = 0; i < pf->nranges; i++) {
        nsi_cursor *c = pf->cur[i];
        if (c->doc < d && (*rc = c->ops->seek(x, c, d)))
            return 0;
        if (c->doc != d) {
            *next = c->doc;
            return 0;
        }
    }
    return 1;
}

void nsi_postfilter_end(nsi_postfilter *pf)
{
    for (size_t i = 0; i < pf->nranges; i++) {
        nsi_cursor_free(pf->cur[i]);
        pf->cur[i] = NULL;
    }
}

void nsi_postfilter_free(nsi_postfilter *pf)
{
    nsi_postfilter_end(pf);
    free(pf->kids);
    free(pf->ranges);
    free(pf->cur);
    free(pf->probe);
    memset(pf, 0, sizeof *pf);
}
