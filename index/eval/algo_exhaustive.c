/* algo_exhaustive.c — exhaustive evaluation: the root cursor walks every
 * match, and every live one is scored, counted and offered to the heap. */
#include "eval/eval.h"

static int run(nsi_eval *x, nsi_cursor *root, uint64_t base, nsi_run *r)
{
    int rc = root->ops->start(x, root);
    while (!rc && root->doc != NSI_DOC_END) {
        uint32_t d = root->doc;
        if (nsi_deadline_tick(&x->dl))
            return NS_ETIMEOUT;
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
    nsi_cursor *root = nsi_cursor_build(x, plan, &rc);
    if (!root)
        return rc;
    rc = run(x, root, base, r);
    nsi_cursor_free(root);
    return rc;
}

static int exhaustive_fits(const nsi_enode *plan, const ns_search_options *o)
{
    (void)plan;
    (void)o;
    return 1;
}

const nsi_algo nsi_algo_exhaustive = {"exhaustive", exhaustive_fits, exhaustive_run};
