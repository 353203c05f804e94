/* cursor_range.c — the range cursor: the documents of one segment whose date
 * or number field lies within a range (plan.h, NSI_E_RANGE), read from the
 * field's column in VALUES (format/values.h). It walks the column from the
 * target on, so in a conjunction it is led by the terms (its cost is the
 * segment's size) and only checks the documents they bring; alone, it walks
 * the whole column. A segment without the field, or whose field has another
 * type, matches nothing. It never scores (0). */
#include <stdlib.h>

#include "eval/eval.h"
#include "format/values.h"

typedef struct range_cursor {
    nsi_cursor base;
    const nsi_enode *e;
    int col; /* -1: the segment has no such date/number field */
    uint32_t ndocs;
} range_cursor;

static int in_range(const nsq_range *r, int64_t di, double dd)
{
    if (r->type == NS_FIELD_DATE)
        return (!r->has_lo || di >= r->lo_i) && (!r->has_hi || di <= r->hi_i);
    if (r->has_lo && (r->lo_incl ? dd < r->lo_d : dd <= r->lo_d))
        return 0;
    if (r->has_hi && (r->hi_incl ? dd > r->hi_d : dd >= r->hi_d))
        return 0;
    return 1;
}

static int range_seek(nsi_eval *x, nsi_cursor *c, uint32_t target)
{
    range_cursor *rc = (range_cursor *)c;
    const nsq_range *r = &rc->e->range;
    for (uint32_t d = target; rc->col >= 0 && d < rc->ndocs; d++) {
        if (nsi_deadline_tick(&x->dl))
            return NS_ETIMEOUT;
        int64_t di = 0;
        double dd = 0;
        int p = nsi_values_num(x->seg, rc->col, d, &di, &dd, x->err, sizeof x->err);
        if (p < 0)
            return p;
        if (p && in_range(r, di, dd)) {
            c->doc = d;
            return NS_OK;
        }
    }
    c->doc = NSI_DOC_END;
    return NS_OK;
}

static int range_start(nsi_eval *x, nsi_cursor *c) { return range_seek(x, c, 0); }

static int range_score(nsi_eval *x, nsi_cursor *c, double *out)
{
    (void)x;
    (void)c;
    *out = 0;
    return NS_OK;
}

static uint64_t range_cost(const nsi_cursor *c)
{
    const range_cursor *r = (const range_cursor *)c;
    return r->col < 0 ? 0 : r->ndocs;
}

static int range_max_score(nsi_eval *x, nsi_cursor *c, double *out)
{
    (void)x;
    (void)c;
    *out = 0;
    return NS_OK;
}

static double range_block_bound(nsi_eval *x, nsi_cursor *c, uint32_t d)
{
    (void)x;
    (void)c;
    (void)d;
    return 0;
}

static void range_free(nsi_cursor *c) { free(c); }

static const nsi_cursor_ops range_ops = {
    .name = "range",
    .start = range_start,
    .seek = range_seek,
    .score = range_score,
    .cost = range_cost,
    .max_score = range_max_score,
    .block_bound = range_block_bound,
    .positions = NULL,
    .free = range_free,
};

nsi_cursor *nsi_cursor_range_new(nsi_eval *x, const nsi_enode *e, int *rc)
{
    range_cursor *c = calloc(1, sizeof *c);
    if (!c) {
        *rc = NS_ENOMEM;
        return NULL;
    }
    c->base.doc = NSI_DOC_END;
    c->base.ops = &range_ops;
    c->e = e;
    c->ndocs = x->seg->ndocs;
    c->col = nsi_values_col(x->seg, e->fname, e->fname_len);
    if (c->col >= 0 && nsi_values_type(x->seg, c->col) != e->range.type)
        c->col = -1;
    return &c->base;
}
