/* algo_exhaustive.c — exhaustive evaluation: the root cursor walks every
 * match, and every live one is scored, counted and offered to the heap. The
 * ranges of a top-level AND are checked per candidate (postfilter.c). */
#include "eval/eval.h"

static int run(nsi_eval *x, nsi_cursor *root, nsi_postfilter *pf, uint64_t base, nsi_run *r)
{
    int rc = root->ops->start(x, root);
    while (!rc && root->doc != NSI_DOC_END) {
        uint32_t d = root->doc, next;
        if (nsi_deadline_tick(&x->dl))
            return NS_ETIMEOUT;
        if (pf->nranges && !nsi_postfilter_pass(pf, d) &&
            !nsi_postfilter_check(x, pf, d, &next, &rc)) {
            if (rc || next == NSI_DOC_END)
                break;
            rc = root->ops->seek(x, root, next);
            continue;
        }
        if (!nsi_bit_get(x->deleted, d)) {
            double s;
            if ((rc = root->ops->score(x, root, &s)))
                break;
            r->total++;
            nsi_topk_push(&r->heap, s, base + d);
            if (r->all && (rc = nsi_matches_push(r->all, base + d, s)))
                break;
        }
        if (d == NSI_DOC_END - 1)
            break;
        rc = root->ops->seek(x, root, d + 1);
    }
    return rc;
}

static int exhaustive_run(nsi_eval *x, const nsi_enode *plan, uint64_t base, nsi_run *r)
{
    int rc = NS_OK;
    nsi_postfilter pf;
    nsi_cursor *root = nsi_cursor_build(x, nsi_postfilter_split(plan, &pf), &rc);
    if (root && !(rc = nsi_postfilter_start(x, &pf)))
        rc = run(x, root, &pf, base, r);
    nsi_cursor_free(root);
    nsi_postfilter_free(&pf);
    return rc;
}

static int exhaustive_fits(const nsi_enode *plan, const ns_search_options *o)
{
    (void)plan;
    (void)o;
    return 1;
}

const nsi_algo nsi_algo_exhaustive = {"exhaustive", exhaustive_fits, exhaustive_run};
