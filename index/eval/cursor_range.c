/* cursor_range.c — the range cursor: the documents of one segment whose date
 * or number field lies within a range (plan.h, NSI_E_RANGE), read from the
 * field's column in VALUES (format/values.h), verified once when the cursor
 * is made and then read in place. It walks the column from the
 * target on, so in a conjunction it is led by the terms (its cost is the
 * segment's size) and only checks the documents they bring; alone, it walks
 * the whole column. A segment without the field, or whose field has another
 * type, matches nothing. It never scores (0). */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "eval/eval.h"
#include "format/values.h"

typedef struct range_cursor {
    nsi_cursor base;
    const nsi_enode *e;
    int col; /* -1: the segment has no such date/number field */
    uint32_t ndocs;
    nsi_range_probe p; /* the column (values.h), verified, and the range as
                          bounds of the column's own type */
} range_cursor;

static int range_seek(nsi_eval *x, nsi_cursor *c, uint32_t target)
{
    range_cursor *rc = (range_cursor *)c;
    /* a step is a whole run of documents: the clock is read per seek */
    if (nsi_deadline_tick(&x->dl))
        return NS_ETIMEOUT;
    for (uint32_t d = target; rc->col >= 0 && d < rc->ndocs; d++) {
        uint64_t bits;
        if (nsi_values_num_get(rc->p.present, rc->p.vals, d, &bits) && nsi_range_in(&rc->p, bits)) {
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

void nsi_range_probe_of(const nsi_cursor *c, nsi_range_probe *p)
{
    *p = ((const range_cursor *)c)->p;
    if (((const range_cursor *)c)->col < 0)
        p->present = p->vals = NULL;
}

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
    const nsq_range *r = &e->range;
    c->p.date = r->type == NS_FIELD_DATE;
    c->p.lo_i = r->has_lo ? r->lo_i : INT64_MIN;
    c->p.hi_i = r->has_hi ? r->hi_i : INT64_MAX;
    c->p.lo_d = r->has_lo ? r->lo_d : -INFINITY;
    c->p.hi_d = r->has_hi ? r->hi_d : INFINITY;
    c->p.lo_x = r->has_lo && !r->lo_incl;
    c->p.hi_x = r->has_hi && !r->hi_incl;
    int rc2 = c->col < 0 ? NS_OK
                         : nsi_values_num_column(x->seg, c->col, &c->p.present, &c->p.vals, x->err,
                                                 sizeof x->err);
    if (rc2) {
        free(c);
        *rc = rc2;
        return NULL;
    }
    return &c->base;
}
