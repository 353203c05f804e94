/* cursor_all.c — the match-all cursor: every document of the segment, each
 * scoring 0 (plan.h, NSI_E_ALL). It drives a query made only of exclusions
 * of filters (`-category:sport`: every document but those), which the
 * AND-NOT cursor then filters; deleted documents are the algorithms'. */
#include <stdlib.h>

#include "eval/eval.h"

typedef struct all_cursor {
    nsi_cursor base;
    uint32_t ndocs;
} all_cursor;

static int all_seek(nsi_eval *x, nsi_cursor *c, uint32_t target)
{
    if (nsi_deadline_tick(&x->dl))
        return NS_ETIMEOUT;
    c->doc = target < ((all_cursor *)c)->ndocs ? target : NSI_DOC_END;
    return NS_OK;
}

static int all_start(nsi_eval *x, nsi_cursor *c) { return all_seek(x, c, 0); }

static int all_score(nsi_eval *x, nsi_cursor *c, double *out)
{
    (void)x;
    (void)c;
    *out = 0;
    return NS_OK;
}

static uint64_t all_cost(const nsi_cursor *c) { return ((const all_cursor *)c)->ndocs; }

static int all_max_score(nsi_eval *x, nsi_cursor *c, double *out)
{
    (void)x;
    (void)c;
    *out = 0;
    return NS_OK;
}

static double all_block_bound(nsi_eval *x, nsi_cursor *c, uint32_t d)
{
    (void)x;
    (void)c;
    (void)d;
    return 0;
}

static void all_free(nsi_cursor *c) { free(c); }

static const nsi_cursor_ops all_ops = {
    .name = "all",
    .start = all_start,
    .seek = all_seek,
    .score = all_score,
    .cost = all_cost,
    .max_score = all_max_score,
    .block_bound = all_block_bound,
    .positions = NULL,
    .free = all_free,
};

nsi_cursor *nsi_cursor_all_new(nsi_eval *x, int *rc)
{
    all_cursor *c = calloc(1, sizeof *c);
    if (!c) {
        *rc = NS_ENOMEM;
        return NULL;
    }
    c->base.doc = NSI_DOC_END;
    c->base.ops = &all_ops;
    c->ndocs = x->seg->ndocs;
    return &c->base;
}
