/* cursor_term.c — the term cursor (cursor_term.h): reads postings block by
 * block and skips whole blocks with the skip entries' last documents. */
#include <stdlib.h>

#include "eval/cursor_term.h"

int nsi_term_cursor_corrupt(nsi_eval *x, int rc)
{
    return nsi_fail(x->err, sizeof x->err, rc, "%s: postings damaged", x->seg->path);
}

static int term_start(nsi_eval *x, nsi_cursor *c)
{
    nsi_term_cursor *t = (nsi_term_cursor *)c;
    c->doc = t->pc.doc;
    if (t->title_only)
        return nsi_term_seek(x, t, c->doc);
    return NS_OK;
}

static int term_seek(nsi_eval *x, nsi_cursor *c, uint32_t target)
{
    return nsi_term_seek(x, (nsi_term_cursor *)c, target);
}

static int term_score(nsi_eval *x, nsi_cursor *c, double *out)
{
    *out = nsi_term_score(x, (const nsi_term_cursor *)c);
    return NS_OK;
}

static uint64_t term_cost(const nsi_cursor *c)
{
    return c->doc == NSI_DOC_END ? 0 : ((const nsi_term_cursor *)c)->pc.df;
}

/* The list bound: the best of every full block's skip maxima and of the
 * tail's actual scores. */
static int term_max_score(nsi_eval *x, nsi_cursor *c, double *out)
{
    nsi_term_cursor *tc = (nsi_term_cursor *)c;
    const nsi_bm25 *sc = &x->sc;
    double best = 0;
    nsi_pcur *pc = &tc->pc;
    for (uint32_t b = 0; b < pc->full; b++) {
        nsi_skip sk;
        nsi_pcur_skip(pc, b, &sk);
        double v = nsi_bm25f(sc, tc->idf, tc->title_only, sk.max_tf_title, sk.max_tf_body,
                             sk.min_len_title, sk.min_len_body);
        if (v > best)
            best = v;
    }
    if (pc->tail_n) {
        nsi_pcur *t = malloc(sizeof *t);
        if (!t)
            return NS_ENOMEM;
        *t = *pc;
        int rc = NS_OK;
        if (pc->full) {
            nsi_skip sk;
            nsi_pcur_skip(pc, pc->full - 1, &sk);
            rc = nsi_pcur_seek(t, sk.last_doc + 1);
        }
        for (uint32_t i = 0; !rc && t->doc != NSI_DOC_END && i < t->n; i++) {
            uint32_t lt, lb;
            nsi_seg_norms(x->seg, t->docs[i], &lt, &lb);
            double v = nsi_bm25f(sc, tc->idf, tc->title_only, t->tft[i], t->tfb[i], lt, lb);
            if (v > best)
                best = v;
        }
        free(t);
        if (rc)
            return rc;
    }
    *out = tc->max_score = nsi_bm25_margin(best);
    return NS_OK;
}

static double term_block_bound(nsi_eval *x, nsi_cursor *c, uint32_t d)
{
    return nsi_term_block_bound(x, (const nsi_term_cursor *)c, d);
}

static int term_positions(nsi_cursor *c, nsi_positions *out)
{
    nsi_term_cursor *t = (nsi_term_cursor *)c;
    uint32_t tft = nsi_pcur_tf_title(&t->pc), tfb = nsi_pcur_tf_body(&t->pc);
    if (t->pos_doc != c->doc) {
        uint32_t need = tft > tfb ? tft : tfb;
        if (need > t->pcap) {
            free(t->pt);
            free(t->pb);
            t->pcap = need * 2;
            t->pt = malloc(t->pcap * sizeof *t->pt);
            t->pb = malloc(t->pcap * sizeof *t->pb);
            if (!t->pt || !t->pb) {
                t->pcap = 0;
                return NS_ENOMEM;
            }
        }
        int rc = nsi_pcur_positions(&t->pc, t->pt, t->pb);
        if (rc)
            return rc;
        t->pos_doc = c->doc;
    }
    out->pos[NSI_FIELD_TITLE] = t->pt;
    out->n[NSI_FIELD_TITLE] = tft;
    out->pos[NSI_FIELD_BODY] = t->pb;
    out->n[NSI_FIELD_BODY] = tfb;
    return NS_OK;
}

static void term_free(nsi_cursor *c)
{
    nsi_term_cursor *t = (nsi_term_cursor *)c;
    free(t->pt);
    free(t->pb);
    free(t);
}

const nsi_cursor_ops nsi_term_cursor_ops = {
    .name = "term",
    .start = term_start,
    .seek = term_seek,
    .score = term_score,
    .cost = term_cost,
    .max_score = term_max_score,
    .block_bound = term_block_bound,
    .positions = term_positions,
    .free = term_free,
};

/* A term absent from the segment is the empty cursor. */
nsi_cursor *nsi_cursor_term_new(nsi_eval *x, const nsi_enode *e, int *rc)
{
    nsi_terminfo ti;
    int r = nsi_seg_lookup(x->seg, e->term, e->len, &ti, x->err, sizeof x->err);
    if (r == NS_ENOTFOUND)
        return nsi_cursor_empty_new(rc);
    nsi_term_cursor *t = r ? NULL : calloc(1, sizeof *t);
    if (!r && !t)
        r = NS_ENOMEM;
    if (!r)
        r = nsi_pcur_init(&t->pc, x->seg, &ti);
    if (r) {
        free(t);
        *rc = r;
        return NULL;
    }
    t->base.doc = NSI_DOC_END;
    t->base.ops = &nsi_term_cursor_ops;
    t->title_only = e->title_only;
    t->idf = e->idf;
    t->pos_doc = NSI_DOC_END;
    return &t->base;
}
