/* search.c — the native backend's search: the segment loop and the hits.
 *
 * Design. The parsed query is first turned into an evaluation tree with
 * collection statistics (plan.c: prefixes expanded over every segment's
 * dictionary, each term's document frequency summed over segments, so the
 * same IDF applies everywhere). Then, segment by segment in document order,
 * one algorithm (eval.h) walks the postings document-at-a-time with cursors,
 * each kind behind one contract (cursor.h) and in its own file:
 *   - term cursors (cursor_term.c) read postings block by block and skip
 *     whole blocks with the skip entries' last documents;
 *   - AND (cursor_and.c), and PHRASE and NEAR built on it, leapfrog from the
 *     rarest term, reading positions only for documents every term contains;
 *     AND-NOT (cursor_not.c) drops what an excluded cursor holds;
 *   - OR takes the smallest document of its children; MAYBE follows its
 *     first child and lets the others add to the score.
 * The exhaustive algorithm (algo_exhaustive.c) scores every match of the
 * root cursor; a search for no hits (a COUNT) only counts them
 * (algo_count.c). A query that is an OR of plain terms (e.g. --any) runs MaxScore
 * instead (algo_maxscore.c): terms whose summed upper bounds cannot lift a
 * document over the current k-th score are only probed for documents the
 * others bring up. Scores are always summed in query order, so pruned and
 * exhaustive evaluation give bit-identical scores and the same top k
 * (tests/unit/test_oracle.c). The k best go through a heap (topk.c).
 *
 * Scoring is BM25F over the title and body fields (bm25.h):
 *   w  = title_weight * tf_t / (1 - b + b * len_t / avg_t)
 *      +                tf_b / (1 - b + b * len_b / avg_b)
 *   s  = idf * w * (k1 + 1) / (w + k1),  idf = ln(1 + (N - df + 0.5) / (df + 0.5))
 * with N and df counting every stored document (deleted ones until merged,
 * as Lucene does). A title:-restricted term uses the title part only.
 * Ties rank the lower document number first.
 */
#include <stdlib.h>
#include <string.h>

#include "common/internal.h"
#include "eval/eval.h"
#include "eval/search.h"
#include "format/record.h"

/* The algorithms, tried in order: the first that fits runs (eval.h). */
static const nsi_algo *const algos[] = {&nsi_algo_count, &nsi_algo_maxscore, &nsi_algo_exhaustive};

static const nsi_algo *choose_algo(const nsi_enode *root, const ns_search_options *o)
{
    size_t i = 0;
    while (i + 1 < sizeof algos / sizeof *algos && !algos[i]->fits(root, o))
        i++;
    return algos[i];
}

static int search_segments(nsi_snap *snap, const nsi_enode *root, const ns_search_options *o,
                           nsi_deadline dl, nsi_run *r, char *err, size_t errlen)
{
    nsi_eval *x = calloc(1, sizeof *x);
    if (!x)
        return NS_ENOMEM;
    x->snap = snap;
    x->dl = dl;
    x->sc = (nsi_bm25){o->k1, o->b, o->title_weight, snap->avg_title, snap->avg_body};
    const nsi_algo *algo = choose_algo(root, o);
    int rc = NS_OK;
    for (uint32_t i = 0; i < snap->nsegs && !rc; i++) {
        x->seg = snap->segs[i];
        x->deleted = snap->deleted[i];
        rc = algo->run(x, root, snap->base[i], r);
    }
    if (rc == NS_ETIMEOUT)
        nsi_fail(err, errlen, rc, "query ran past its %g s deadline", o->timeout);
    else if (rc && x->err[0])
        nsi_fail(err, errlen, rc, "%s", x->err);
    else if (rc) /* a decoder found damage and said only that: name the file */
        nsi_fail(err, errlen, rc, "%s: %s", x->seg->path, ns_strerror(rc));
    free(x->scratch);
    free(x);
    return rc;
}

static int load_hit(ns_results *res, nsi_hit *h, char *err, size_t errlen)
{
    const nsi_snap *s = res->snap;
    uint32_t lo = 0, hi = s->nsegs;
    while (hi - lo > 1) {
        uint32_t m = lo + (hi - lo) / 2;
        if (s->base[m] <= h->gdoc)
            lo = m;
        else
            hi = m;
    }
    h->seg = lo;
    h->doc = (uint32_t)(h->gdoc - s->base[lo]);
    nsi_record rec;
    int rc = nsi_seg_fields(s->segs[lo], h->doc, &rec, err, errlen);
    if (rc)
        return rc;
    for (int f = 0; f < NSI_F_BODY; f++) {
        h->off[f] = res->arena.len;
        h->len[f] = rec.len[f];
        if ((rc = nsi_buf_append(&res->arena, rec.f[f], rec.len[f])) ||
            (rc = nsi_buf_putc(&res->arena, 0)))
            return rc;
    }
    return NS_OK;
}

/* Copies the listed fields of every hit: they are read in place from each
 * segment's FIELDS section, so a hit list never inflates stored text. */
static int load_hits(ns_results *r, char *err)
{
    int rc = NS_OK;
    for (size_t i = 0; !rc && i < r->nhits; i++)
        rc = load_hit(r, &r->hits[i], err, NSI_ERRMSG);
    return rc;
}

int nsi_native_search(ns_results **out, ns_index *idx, const ns_query *q,
                      const ns_search_options *opts)
{
    const ns_search_options o = *opts;
    char *err = nsi_index_errbuf();
    ns_results *r;
    if (nsi_results_new(&r, idx, o.offset + 1, 0))
        return NS_ENOMEM;
    r->snap = nsi_index_acquire(idx);
    nsi_run run = {{NULL, 0, o.k + o.offset}, 0, 1};
    int rc = nsi_snap_sound(r->snap);
    nsi_enode *root = NULL;
    nsi_deadline dl = nsi_deadline_in(o.timeout);
    nsi_plan_limits lim = {q->max_expansions, o.max_total_expansions, 0, &dl, o.timeout};
    if (!rc && q->root) {
        root = nsi_plan_build(r->snap, q->root, &lim, &rc, err, NSI_ERRMSG);
        if (!root && !rc)
            rc = NS_ENOMEM;
    }
    if (!rc && root && !(run.heap.e = malloc((run.heap.k + 1) * sizeof *run.heap.e)))
        rc = NS_ENOMEM;
    if (!rc && root)
        rc = search_segments(r->snap, root, &o, dl, &run, err, NSI_ERRMSG);
    if (!rc) {
        nsi_topk_sort(&run.heap);
        r->total = run.total;
        r->exact = run.exact;
        if (!run.exact && root && nsi_plan_max_df(root) > r->total)
            r->total = nsi_plan_max_df(root);
        size_t n = run.heap.n > o.offset ? run.heap.n - o.offset : 0;
        r->hits = calloc(n + 1, sizeof *r->hits);
        if (!r->hits)
            rc = NS_ENOMEM;
        for (size_t i = 0; !rc && i < n; i++) {
            r->hits[i].score = run.heap.e[o.offset + i].score;
            r->hits[i].gdoc = run.heap.e[o.offset + i].gdoc;
        }
        r->nhits = n;
        if (!rc)
            rc = load_hits(r, err);
    }
    free(run.heap.e);
    nsi_plan_free(root);
    /* a segment that shrank meanwhile was read as zeros: discard the answer
     * (and any error the zeros caused) */
    if (!rc || rc == NS_ECORRUPT) {
        int sound = nsi_snap_sound(r->snap);
        rc = sound ? sound : rc;
    }
    if (rc) {
        if (!err[0])
            nsi_index_fail(rc, "%s", ns_strerror(rc));
        ns_results_free(r);
        return rc;
    }
    *out = r;
    return NS_OK;
}
