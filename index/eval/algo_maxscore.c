/* algo_maxscore.c — MaxScore over an OR of plain terms (e.g. --any), with a
 * block-max refinement.
 *
 * Terms are ordered by their list bound, ascending; while the bounds of the
 * first ones sum to no more than the current k-th score, those terms are
 * "non-essential": they cannot lift a document into the top k alone, so only
 * the essential ones bring up candidates, and the non-essential ones are
 * probed for a candidate only while its score could still beat the
 * threshold (bounded by the blocks that would hold it). A candidate's score
 * is summed in query order, as the OR cursor sums it, so pruned and
 * exhaustive evaluation agree bit for bit.
 *
 * It drives term cursors directly (cursor_term.h, no indirect call per
 * posting); a term absent from the segment is an empty cursor, which never
 * sits on a document. */
#include <stdlib.h>

#include "eval/cursor_term.h"

typedef struct mterm {
    nsi_cursor *c;
    nsi_term_cursor *t; /* c as a term; NULL for the empty cursor */
    double bound;       /* list bound */
    size_t q;           /* index in query order */
} mterm;

static int maxscore(nsi_eval *x, nsi_cursor **kids, size_t n, uint64_t base, nsi_run *r)
{
    int rc = NS_OK;
    mterm *ord = malloc((n + 1) * sizeof *ord);
    double *ub = malloc((n + 1) * sizeof *ub), *contrib = calloc(n + 1, sizeof *contrib);
    double *bb = malloc((n + 1) * sizeof *bb);
    if (!ord || !ub || !contrib || !bb) {
        rc = NS_ENOMEM;
        goto out;
    }
    for (size_t i = 0; i < n && !rc; i++) {
        nsi_cursor *k = kids[i];
        ord[i] = (mterm){k, nsi_cursor_as_term(k), 0, i};
        rc = k->ops->start(x, k);
        if (!rc)
            rc = k->ops->max_score(x, k, &ord[i].bound);
    }
    if (rc)
        goto out;
    /* ascending upper bound (stable) */
    for (size_t i = 1; i < n; i++)
        for (size_t j = i; j > 0 && ord[j].bound < ord[j - 1].bound; j--) {
            mterm t = ord[j];
            ord[j] = ord[j - 1];
            ord[j - 1] = t;
        }
    for (size_t i = 0; i < n; i++)
        ub[i] = ord[i].bound + (i ? ub[i - 1] : 0);
    size_t ess = 0; /* ord[0..ess) are non-essential */
    for (;;) {
        if (nsi_deadline_tick(&x->dl)) {
            rc = NS_ETIMEOUT;
            goto out;
        }
        double th = nsi_topk_threshold(&r->heap);
        while (ess < n && ub[ess] <= th)
            ess++;
        if (ess == n)
            break;
        uint32_t d = NSI_DOC_END;
        for (size_t i = ess; i < n; i++)
            if (ord[i].c->doc < d)
                d = ord[i].c->doc;
        if (d == NSI_DOC_END)
            break;
        /* from here on, a cursor on d is a term: the empty one never is */
        if (!nsi_bit_get(x->deleted, d)) {
            double partial = 0;
            for (size_t i = ess; i < n; i++) {
                contrib[ord[i].q] = 0;
                if (ord[i].c->doc == d)
                    partial += contrib[ord[i].q] = nsi_term_score(x, ord[i].t);
            }
            /* block-max refinement: the non-essential terms can add at most
             * the bounds of the blocks that would hold d */
            double rem = 0;
            for (size_t i = 0; i < ess; i++) {
                bb[i] = ord[i].t ? nsi_term_block_bound(x, ord[i].t, d) : 0;
                rem += bb[i];
            }
            size_t i = ess;
            while (i > 0) {
                if (partial + rem <= th) {
                    r->exact = 0; /* skipped without knowing whether it matches */
                    break;
                }
                i--;
                rem -= bb[i];
                contrib[ord[i].q] = 0;
                if (ord[i].c->doc < d && (rc = nsi_term_seek(x, ord[i].t, d)))
                    goto out;
                if (ord[i].c->doc == d)
                    partial += contrib[ord[i].q] = nsi_term_score(x, ord[i].t);
            }
            if (i == 0) {
                double sc = 0;
                for (size_t j = 0; j < n; j++)
                    if (kids[j]->doc == d)
                        sc += contrib[j];
                r->total++;
                nsi_topk_push(&r->heap, sc, base + d);
            }
        }
        for (size_t i = ess; i < n; i++)
            if (ord[i].c->doc == d && (rc = nsi_term_seek(x, ord[i].t, d + 1)))
                goto out;
    }
    if (ess > 0)
        r->exact = 0;
out:
    free(bb);
    free(ord);
    free(ub);
    free(contrib);
    return rc;
}

static int maxscore_run(nsi_eval *x, const nsi_enode *plan, uint64_t base, nsi_run *r)
{
    int rc = NS_OK;
    size_t n = 0;
    nsi_cursor **kids = nsi_cursor_kids_new(x, plan, &n, &rc);
    if (!kids)
        return rc;
    rc = maxscore(x, kids, n, base, r);
    nsi_cursor_kids_free(kids, n);
    return rc;
}

/* An OR of >= 2 plain terms, unless exhaustive evaluation is asked for. */
static int maxscore_fits(const nsi_enode *e, const ns_search_options *o)
{
    if (o->exhaustive || e->kind != NSI_E_OR || e->nkids < 2)
        return 0;
    for (size_t i = 0; i < e->nkids; i++)
        if (e->kids[i]->kind != NSI_E_TERM)
            return 0;
    return 1;
}

const nsi_algo nsi_algo_maxscore = {"maxscore", maxscore_fits, maxscore_run};
