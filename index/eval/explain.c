/* explain.c — why a hit scored what it did (ns_results_explain), natively.
 *
 * The query is planned again on the generation the result set pinned, so the
 * statistics (IDF, expansions) are the search's. Then, for the one document,
 * the evaluation tree is walked from the root: a node that matches the
 * document (its own cursor, built for the hit's segment and moved to it,
 * says so) hands the question to its positive children, and a term that
 * matches becomes parts. That is how cursors score (cursor.h): a node's score
 * is the sum of its children that sit on the document, so the parts add up
 * to the hit's score, up to the order of the additions.
 *
 * A term's BM25F score is one saturation over both fields, so it is split
 * between them in proportion to their shares of the weighted frequency w
 * (bm25.h): the title's part is s * w_title / w. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eval/cursor_term.h"
#include "eval/eval.h"
#include "eval/explain.h"
#include "eval/search.h"

int nsi_explain_add(ns_explain *e, double score, const char *fmt, ...)
{
    if (e->n == e->cap) {
        size_t cap = e->cap ? e->cap * 2 : 16;
        nsi_part *p = realloc(e->parts, cap * sizeof *p);
        if (!p)
            return NS_ENOMEM;
        e->parts = p;
        e->cap = cap;
    }
    size_t at = e->text.len;
    va_list ap;
    va_start(ap, fmt);
    char line[512];
    int n = vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    if (n < 0)
        return NS_EINVAL;
    size_t len = (size_t)n < sizeof line ? (size_t)n : sizeof line - 1;
    int rc = nsi_buf_append(&e->text, line, len);
    if (!rc)
        rc = nsi_buf_putc(&e->text, 0);
    if (rc)
        return rc;
    e->parts[e->n++] = (nsi_part){at, score};
    return NS_OK;
}

/* Whether e's cursor in x->seg sits on doc once moved there. */
static int node_matches(nsi_eval *x, const nsi_enode *e, uint32_t doc, int *rc)
{
    nsi_cursor *c = nsi_cursor_build(x, e, rc);
    if (!c)
        return 0;
    int on = 0;
    if (!(*rc = c->ops->start(x, c)) && c->doc < doc)
        *rc = c->ops->seek(x, c, doc);
    on = !*rc && c->doc == doc;
    nsi_cursor_free(c);
    return on;
}

static int term_parts(nsi_eval *x, const nsi_enode *e, uint32_t doc, ns_explain *out)
{
    int rc = NS_OK;
    nsi_cursor *c = nsi_cursor_build(x, e, &rc);
    if (!c)
        return rc;
    nsi_term_cursor *t = nsi_cursor_as_term(c);
    if (!(rc = c->ops->start(x, c)) && c->doc < doc)
        rc = c->ops->seek(x, c, doc);
    if (rc || !t || c->doc != doc) {
        nsi_cursor_free(c);
        return rc;
    }
    const nsi_bm25 *sc = &x->sc;
    uint32_t lt, lb, tft = nsi_pcur_tf_title(&t->pc), tfb = nsi_pcur_tf_body(&t->pc);
    nsi_seg_norms(x->seg, doc, &lt, &lb);
    double at = sc->avg_t > 0 ? sc->avg_t : 1, ab = sc->avg_b > 0 ? sc->avg_b : 1;
    double nt = 1 / (1 - sc->b + sc->b * lt / at), nb = 1 / (1 - sc->b + sc->b * lb / ab);
    double wt = tft ? sc->wt * tft * nt : 0, wb = tfb && !e->title_only ? tfb * nb : 0;
    double s = nsi_term_score(x, t), st = wt + wb > 0 ? s * wt / (wt + wb) : 0;
    static const char *const role[] = {"", "proximity ", "feedback "};
    char fz[64] = "";
    if (e->edits >= 0)
        snprintf(fz, sizeof fz, " fuzzy edits=%d weight=%.3g", e->edits, e->weight);
    else if (e->weight != 1)
        snprintf(fz, sizeof fz, " weight=%.3g", e->weight);
    const char *r = e->role > 0 && e->role < 3 ? role[e->role] : "";
    double idf = e->weight > 0 ? e->idf / e->weight : e->idf;
    if (wt > 0)
        rc = nsi_explain_add(out, st, "%stitle:%s tf=%u idf=%.2f norm=%.2f field_weight=%g%s", r,
                             e->term, tft, idf, nt, sc->wt, fz);
    if (!rc && wb > 0)
        rc = nsi_explain_add(out, s - st, "%sbody:%s tf=%u idf=%.2f norm=%.2f%s", r, e->term, tfb,
                             idf, nb, fz);
    nsi_cursor_free(c);
    return rc;
}

static int explain_node(nsi_eval *x, const nsi_enode *e, uint32_t doc, ns_explain *out)
{
    int rc = NS_OK;
    if (e->kind == NSI_E_NOT || e->kind == NSI_E_EMPTY)
        return NS_OK;
    if (e->kind == NSI_E_TERM)
        return term_parts(x, e, doc, out);
    if (!node_matches(x, e, doc, &rc))
        return rc;
    for (size_t i = 0; !rc && i < e->nkids; i++)
        rc = explain_node(x, e->kids[i], doc, out);
    return rc;
}

int nsi_native_explain(const ns_results *r, size_t i, const ns_query *q, const ns_search_options *o,
                       ns_explain *out)
{
    const nsi_hit *h = &r->hits[i];
    const nsi_snap *snap = r->snap;
    char *err = nsi_index_errbuf();
    nsi_deadline dl = nsi_deadline_in(0);
    nsi_plan_limits lim = {q->max_expansions, o->max_total_expansions, 0, &dl, 0};
    int rc = NS_OK;
    if (!q->root)
        return NS_OK;
    nsi_enode *root = nsi_plan_build(snap, q->root, &lim, &rc, err, NSI_ERRMSG);
    if (!root)
        return rc ? rc : NS_ENOMEM;
    nsi_eval *x = calloc(1, sizeof *x);
    if (!x) {
        nsi_plan_free(root);
        return NS_ENOMEM;
    }
    x->snap = snap;
    x->seg = snap->segs[h->seg];
    x->deleted = snap->deleted[h->seg];
    x->dl = dl;
    x->sc = (nsi_bm25){o->k1, o->b, o->title_weight, snap->avg_title, snap->avg_body};
    rc = explain_node(x, root, h->doc, out);
    if (rc && x->err[0])
        nsi_fail(err, NSI_ERRMSG, rc, "%s", x->err);
    free(x->scratch);
    free(x);
    nsi_plan_free(root);
    return rc;
}
