/* algo_maxscore.c — MaxScore over an OR of plain terms (e.g. --any), with a
 * block-max refinement; the OR may be ANDed with filters and exclusions
 * (`oil gas topics:crude -places:usa` with any), which are checked for each
 * candidate before it is scored and, when they rule it out, move the
 * essential terms on to the next document they could accept.
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
#include <string.h>

#include "eval/cursor_term.h"

typedef struct mterm {
    nsi_cursor *c;
    nsi_term_cursor *t; /* c as a term; NULL for the empty cursor */
    double bound;       /* list bound */
    size_t q;           /* index in query order */
    /* the last block bound asked for: block bblock, whose last document is
     * blast, bounds bval (bblock == full: past the full blocks) */
    uint32_t bblock, blast;
    double bval;
    int bknown;
} mterm;

/* nsi_term_block_bound for the candidates of one run, which only ever grow:
 * a non-essential term's cursor stays behind, so the block that would hold
 * d is looked for from the last one found, not from the cursor's (which
 * would walk the same skip entries again for every candidate), and a
 * candidate in the same block reuses its bound. */
static double block_bound(const nsi_eval *x, mterm *m, uint32_t d)
{
    const nsi_term_cursor *t = m->t;
    if (!t || t->base.doc == NSI_DOC_END || t->base.doc > d)
        return 0; /* the term cannot hold d at all */
    if (m->bknown && (m->bblock == t->pc.full || d <= m->blast))
        return m->bval;
    uint32_t b = m->bknown && m->bblock > t->pc.block ? m->bblock : t->pc.block;
    nsi_skip sk;
    for (; b < t->pc.full; b++) {
        nsi_pcur_skip(&t->pc, b, &sk);
        if (sk.last_doc >= d)
            break;
    }
    m->bknown = 1;
    m->bblock = b;
    if (b == t->pc.full)
        return m->bval = t->max_score;
    m->blast = sk.last_doc;
    return m->bval = nsi_bm25_margin(nsi_bm25f(&x->sc, t->idf, t->title_only, sk.max_tf_title,
                                               sk.max_tf_body, sk.min_len_title, sk.min_len_body));
}

/* The filters of a MaxScore run (an AND of the OR of terms with filters and
 * exclusions): must[] must sit on a candidate, none of not[] may. They never
 * score (their score is 0), so a candidate's score is the terms' alone. */
typedef struct mfilters {
    nsi_cursor **must, **not ;
    size_t nmust, nnot;
} mfilters;

/* Whether d passes the filters; when it does not, *next is the first
 * document that might (NSI_DOC_END: none left). */
static int filters_pass(nsi_eval *x, const mfilters *f, uint32_t d, uint32_t *next, int *rc)
{
    *next = d + 1;
    for (size_t i = 0; i < f->nmust; i++) {
        nsi_cursor *c = f->must[i];
        if (c->doc < d && (*rc = c->ops->seek(x, c, d)))
            return 0;
        if (c->doc != d) {
            *next = c->doc;
            return 0;
        }
    }
    for (size_t i = 0; i < f->nnot; i++) {
        nsi_cursor *c = f->not [i];
        if (c->doc < d && (*rc = c->ops->seek(x, c, d)))
            return 0;
        if (c->doc == d)
            return 0;
    }
    return 1;
}

static int maxscore(nsi_eval *x, nsi_cursor **kids, size_t n, const mfilters *flt, uint64_t base,
                    nsi_run *r)
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
        ord[i] = (mterm){k, nsi_cursor_as_term(k), 0, i, 0, 0, 0, 0};
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
        uint32_t next = d + 1;
        int pass = !nsi_bit_get(x->deleted, d) && filters_pass(x, flt, d, &next, &rc);
        if (rc)
            goto out;
        if (next == NSI_DOC_END)
            break; /* a required filter has no document left */
        if (pass) {
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
                bb[i] = block_bound(x, &ord[i], d);
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
        /* on past d, or past what the filters rule out */
        for (size_t i = ess; i < n; i++)
            if (ord[i].c->doc < next && ord[i].c->doc != NSI_DOC_END &&
                (rc = nsi_term_seek(x, ord[i].t, next)))
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

/* An OR of >= 2 plain terms. */
static int is_term_or(const nsi_enode *e)
{
    if (e->kind != NSI_E_OR || e->nkids < 2)
        return 0;
    for (size_t i = 0; i < e->nkids; i++)
        if (e->kids[i]->kind != NSI_E_TERM)
            return 0;
    return 1;
}

/* A node that never scores: a keyword filter, a range, or a combination of
 * them (its score is 0 wherever it matches). */
static int is_filter(const nsi_enode *e)
{
    if (e->kind == NSI_E_KEYWORD || e->kind == NSI_E_RANGE)
        return 1;
    if (e->kind != NSI_E_AND && e->kind != NSI_E_OR && e->kind != NSI_E_NOT)
        return 0;
    for (size_t i = 0; i < e->nkids; i++)
        if (!is_filter(e->kids[i]))
            return 0;
    return e->nkids > 0;
}

/* The OR of terms of plan: plan itself, or the one non-filter positive kid
 * of an AND whose other kids are filters or exclusions (of anything). */
static const nsi_enode *term_or_of(const nsi_enode *plan)
{
    if (is_term_or(plan))
        return plan;
    if (plan->kind != NSI_E_AND)
        return NULL;
    const nsi_enode *terms = NULL;
    for (size_t i = 0; i < plan->nkids; i++) {
        const nsi_enode *k = plan->kids[i];
        if (k->kind == NSI_E_NOT || is_filter(k))
            continue;
        if (terms || !is_term_or(k))
            return NULL;
        terms = k;
    }
    return terms;
}

static void free_filters(mfilters *f)
{
    nsi_cursor_kids_free(f->must, f->nmust);
    nsi_cursor_kids_free(f->not, f->nnot);
}

/* The cursors of plan's filters and exclusions (none when plan is the OR). */
static int build_filters(nsi_eval *x, const nsi_enode *plan, const nsi_enode *terms, mfilters *f)
{
    int rc = NS_OK;
    memset(f, 0, sizeof *f);
    if (plan == terms)
        return NS_OK;
    f->must = calloc(plan->nkids + 1, sizeof *f->must);
    f->not = calloc(plan->nkids + 1, sizeof *f->not );
    if (!f->must || !f->not ) {
        free_filters(f);
        return NS_ENOMEM;
    }
    for (size_t i = 0; i < plan->nkids && !rc; i++) {
        const nsi_enode *k = plan->kids[i];
        nsi_cursor *c;
        if (k == terms)
            continue;
        if (k->kind == NSI_E_NOT) {
            if ((c = nsi_cursor_build(x, k->kids[0], &rc)))
                f->not [f->nnot++] = c;
        } else if ((c = nsi_cursor_build(x, k, &rc))) {
            f->must[f->nmust++] = c;
        }
        if (c && (rc = c->ops->start(x, c)))
            break;
    }
    if (rc)
        free_filters(f);
    return rc;
}

static int maxscore_run(nsi_eval *x, const nsi_enode *plan, uint64_t base, nsi_run *r)
{
    int rc = NS_OK;
    size_t n = 0;
    const nsi_enode *terms = term_or_of(plan);
    mfilters f;
    if ((rc = build_filters(x, plan, terms, &f)))
        return rc;
    nsi_cursor **kids = nsi_cursor_kids_new(x, terms, &n, &rc);
    if (kids)
        rc = maxscore(x, kids, n, &f, base, r);
    nsi_cursor_kids_free(kids, n);
    free_filters(&f);
    return rc;
}

/* An OR of >= 2 plain terms, alone or ANDed with filters (keyword values,
 * ranges: they score 0) and exclusions, unless exhaustive evaluation is
 * asked for. */
static int maxscore_fits(const nsi_enode *e, const ns_search_options *o)
{
    return !o->exhaustive && term_or_of(e) != NULL;
}

const nsi_algo nsi_algo_maxscore = {"maxscore", maxscore_fits, maxscore_run};
