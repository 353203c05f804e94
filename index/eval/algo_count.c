/* algo_count.c — counting only: a search for no hits (k = 0, a COUNT) walks
 * every match of the root cursor and counts the live ones without scoring
 * them. Nothing is ranked, so BM25 would be work thrown away; the matches
 * are those of exhaustive evaluation (the same cursors, in the same order),
 * so the total is exact. Skipping score() is allowed by the cursor contract
 * (cursor.h): score() never moves a cursor's document. */
#include "eval/eval.h"

static int count_run(nsi_eval *x, const nsi_enode *plan, uint64_t base, nsi_run *r)
{
    (void)base;
    int rc = NS_OK;
    nsi_postfilter pf;
    nsi_cursor *root = nsi_cursor_build(x, nsi_postfilter_split(plan, &pf), &rc);
    if (root && !(rc = nsi_postfilter_start(x, &pf)))
        rc = root->ops->start(x, root);
    while (root && !rc && root->doc != NSI_DOC_END) {
        uint32_t d = root->doc, next = d + 1;
        if (pf.nranges && !nsi_postfilter_pass(&pf, d) &&
            !nsi_postfilter_check(x, &pf, d, &next, &rc)) {
            if (rc || next == NSI_DOC_END)
                break;
        } else {
            r->total += !nsi_bit_get(x->deleted, d);
            if (d == NSI_DOC_END - 1)
                break;
        }
        rc = root->ops->seek(x, root, next);
    }
    nsi_cursor_free(root);
    nsi_postfilter_free(&pf);
    return rc;
}

static int count_fits(const nsi_enode *plan, const ns_search_options *o)
{
    (void)plan;
    return o->k == 0; /* no hit is returned, whatever the offset */
}

const nsi_algo nsi_algo_count = {"count", count_fits, count_run};
