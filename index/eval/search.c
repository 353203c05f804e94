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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "common/internal.h"
#include "common/number.h"
#include "eval/collect.h"
#include "eval/eval.h"
#include "eval/search.h"
#include "format/record.h"
#include "format/values.h"

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

/* The typed-field values of hit h, from its segment's columns. */
static int load_hit_fields(ns_results *res, nsi_hit *h, char *err, size_t errlen)
{
    const nsi_seg *sg = res->snap->segs[h->seg];
    int nf = nsi_values_nfields(sg), rc = NS_OK;
    h->fv_first = res->nfv;
    for (int c = 0; !rc && c < nf; c++) {
        const char *name;
        size_t nlen;
        nsi_fval v = {0};
        nsi_values_field(sg, c, &name, &nlen, &v.type);
        if ((rc = nsi_results_add_string(res, name, nlen, &v.name_off)))
            break;
        v.name_len = nlen;
        if (v.type == NS_FIELD_KEYWORD || v.type == NS_FIELD_TEXT) {
            const uint8_t *ords;
            uint32_t n;
            rc = nsi_values_kw_doc(sg, c, h->doc, &ords, &n, err, errlen);
            for (uint32_t j = 0; !rc && j < n; j++) {
                const char *t;
                rc = nsi_values_kw_value(sg, c, nsi_values_ord(ords, j), &t, &v.text_len, NULL,
                                         NULL, err, errlen);
                if (!rc && !(rc = nsi_results_add_string(res, t, v.text_len, &v.text_off)))
                    rc = nsi_results_add_fval(res, v);
            }
            continue;
        }
        char buf[64] = "";
        int p = nsi_values_num(sg, c, h->doc, &v.date, &v.number, err, errlen);
        if (p <= 0) {
            rc = p;
            continue;
        }
        if (v.type == NS_FIELD_DATE && nsq_date_iso(v.date, buf) != NS_OK)
            snprintf(buf, sizeof buf, "%lld", (long long)v.date);
        else if (v.type == NS_FIELD_NUMBER)
            nsi_number_text(v.number, buf, sizeof buf);
        v.text_len = strlen(buf);
        if (!(rc = nsi_results_add_string(res, buf, v.text_len, &v.text_off)))
            rc = nsi_results_add_fval(res, v);
    }
    h->fv_n = res->nfv - h->fv_first;
    return rc;
}

static int load_hit(ns_results *res, nsi_hit *h, char *err, size_t errlen)
{
    const nsi_snap *s = res->snap;
    h->seg = nsi_snap_locate(s, h->gdoc, &h->doc);
    nsi_record rec;
    int rc = nsi_seg_fields(s->segs[h->seg], h->doc, &rec, err, errlen);
    if (rc)
        return rc;
    for (int f = 0; f < NSI_F_BODY; f++) {
        h->off[f] = res->arena.len;
        h->len[f] = rec.len[f];
        if ((rc = nsi_buf_append(&res->arena, rec.f[f], rec.len[f])) ||
            (rc = nsi_buf_putc(&res->arena, 0)))
            return rc;
    }
    return load_hit_fields(res, h, err, errlen);
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

int nsi_matches_push(nsi_matches *m, uint64_t gdoc, double score)
{
    if (m->n == m->cap) {
        size_t c = m->cap ? m->cap * 2 : 1024;
        nsi_match *v = realloc(m->v, c * sizeof *v);
        if (!v)
            return NS_ENOMEM;
        m->v = v;
        m->cap = c;
    }
    m->v[m->n++] = (nsi_match){gdoc, score};
    return NS_OK;
}

/* The query with its `name:...` operands resolved against the generation's
 * fields, and its code-built filters checked. *own is the resolved copy to
 * free (NULL when q is used as it is). */
static int resolve_query(ns_index *idx, const nsi_snap *s, const nsq_node *q, const nsq_node **use,
                         nsq_node **own, char *err)
{
    nsi_buf names = {0};
    nsq_schema sc;
    *own = NULL;
    *use = q;
    int rc = nsi_snap_schema(s, &sc, &names);
    if (!rc && nsq_has_unresolved(q)) {
        nsi_analyzer *an = NULL;
        char msg[NSI_ERRMSG] = "";
        size_t off = 0;
        if (!(rc = nsi_index_analyzer(idx, &an))) {
            rc = nsq_resolve(q, an, &sc, own, msg, sizeof msg, &off);
            nsi_index_analyzer_put(idx, an);
        }
        if (rc == NS_ESYNTAX) /* the query was accepted: its fields are the options' fault */
            rc = nsi_fail(err, NSI_ERRMSG, NS_EINVAL, "%s", msg);
        else if (rc && msg[0])
            nsi_fail(err, NSI_ERRMSG, rc, "%s", msg);
        if (!rc)
            *use = *own;
    }
    if (!rc)
        rc = nsi_snap_check_filters(s, *use, &sc, err, NSI_ERRMSG);
    nsi_buf_free(&names);
    return rc;
}

/* The sort field and the facets name fields of the right types. */
static int check_fields(const nsi_snap *s, const ns_search_options *o, int sorted, char *err)
{
    if (sorted) {
        int t = nsi_snap_field_type(s, o->sort_field, strlen(o->sort_field));
        if (t != NS_FIELD_DATE && t != NS_FIELD_NUMBER)
            return nsi_fail(err, NSI_ERRMSG, NS_EINVAL, "cannot sort by '%s': %s", o->sort_field,
                            t ? "not a date or number field" : "no such field in this index");
    }
    for (size_t i = 0; i < o->nfacets; i++) {
        const char *f = o->facets[i].field;
        int t = nsi_snap_field_type(s, f, strlen(f));
        if (t != NS_FIELD_KEYWORD)
            return nsi_fail(err, NSI_ERRMSG, NS_EINVAL, "cannot count facet '%s': %s", f,
                            t ? "not a keyword field" : "no such field in this index");
    }
    return NS_OK;
}

/* The hits, from candidates in rank order: cand[offset..) up to k. */
static int set_hits(ns_results *r, const nsi_match *cand, size_t ncand, const uint64_t *dups,
                    const ns_search_options *o)
{
    size_t n = ncand > o->offset ? ncand - o->offset : 0;
    if (n > o->k)
        n = o->k;
    r->hits = calloc(n + 1, sizeof *r->hits);
    if (!r->hits)
        return NS_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        r->hits[i].score = cand[o->offset + i].score;
        r->hits[i].gdoc = cand[o->offset + i].gdoc;
        r->hits[i].dups = dups ? dups[o->offset + i] : 0;
    }
    r->nhits = n;
    return NS_OK;
}

/* Ranks every collected match (by the sort field or by score), collapses
 * duplicates when asked, and sets the hits. */
static int rank_all(ns_results *r, nsi_matches *all, const ns_search_options *o, int sorted,
                    char *err)
{
    size_t want = o->k + o->offset, m = want, kept = 0;
    uint64_t *dups = NULL;
    int rc = NS_OK, more;
    if (o->dedup && !(dups = calloc(all->n + 1, sizeof *dups)))
        return NS_ENOMEM;
    do {
        more = 0;
        rc = sorted
                 ? nsi_order_by_field(r->snap, all, m, o->sort_field, o->sort_desc, err, NSI_ERRMSG)
                 : nsi_order_by_score(all, m);
        if (!rc && o->dedup)
            rc = nsi_dedup(r->snap, all->v, all->n, m, want, dups, &kept, &more, err, NSI_ERRMSG);
        m = m > all->n / 4 ? all->n : m * 4;
    } while (!rc && more);
    if (!rc)
        rc = set_hits(r, all->v, o->dedup ? kept : (all->n < want ? all->n : want), dups, o);
    free(dups);
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
    int sorted = o.sort_field && strcmp(o.sort_field, "score") != 0;
    int collect = sorted || o.nfacets > 0;
    size_t want = o.k + o.offset;
    /* dedup by score without collecting: a heap a few times deeper than the
     * page, made deeper until enough distinct hits survive */
    size_t depth = o.dedup && !collect ? want * 2 + 8 : want;
    nsi_matches all = {0};
    nsi_run run = {{NULL, 0, depth}, 0, 1, collect ? &all : NULL};
    ns_search_options so = o;
    if (collect) { /* every match, scored: the exhaustive algorithm */
        so.exhaustive = 1;
        so.k = so.k ? so.k : 1;
    }
    int rc = nsi_snap_sound(r->snap);
    nsi_enode *root = NULL;
    nsq_node *resolved = NULL;
    const nsq_node *qroot = q->root;
    nsi_deadline dl = nsi_deadline_in(o.timeout);
    nsi_plan_limits lim = {q->max_expansions, o.max_total_expansions, 0, &dl, o.timeout};
    if (!rc && qroot)
        rc = resolve_query(idx, r->snap, q->root, &qroot, &resolved, err);
    if (!rc)
        rc = check_fields(r->snap, &o, sorted, err);
    if (!rc && qroot) {
        root = nsi_plan_build(r->snap, qroot, &lim, &rc, err, NSI_ERRMSG);
        if (!root && !rc)
            rc = NS_ENOMEM;
    }
    for (;;) {
        if (!rc && root && !(run.heap.e = malloc((run.heap.k + 1) * sizeof *run.heap.e)))
            rc = NS_ENOMEM;
        if (!rc && root)
            rc = search_segments(r->snap, root, &so, dl, &run, err, NSI_ERRMSG);
        if (rc || collect || !o.dedup)
            break;
        /* dedup by score: collapse the heap; deeper if too few survived */
        nsi_topk_sort(&run.heap);
        nsi_match *cand = malloc((run.heap.n + 1) * sizeof *cand);
        uint64_t *dups = calloc(run.heap.n + 1, sizeof *dups);
        size_t kept = 0;
        int more = 0;
        rc = cand && dups ? NS_OK : NS_ENOMEM;
        for (size_t i = 0; !rc && i < run.heap.n; i++)
            cand[i] = (nsi_match){run.heap.e[i].gdoc, run.heap.e[i].score};
        if (!rc)
            rc = nsi_dedup(r->snap, cand, run.heap.n, run.heap.n, want, dups, &kept, &more, err,
                           NSI_ERRMSG);
        int deeper = !rc && kept < want && run.heap.n == run.heap.k && run.heap.k < run.total;
        if (!rc && !deeper)
            rc = set_hits(r, cand, kept, dups, &o);
        free(cand);
        free(dups);
        if (rc || !deeper)
            break;
        free(run.heap.e);
        run = (nsi_run){{NULL, 0, run.heap.k * 4}, 0, 1, NULL};
    }
    if (!rc && collect)
        rc = nsi_facets_count(r, r->snap, &all, o.facets, o.nfacets, err, NSI_ERRMSG);
    if (!rc && collect && root)
        rc = rank_all(r, &all, &o, sorted, err);
    if (!rc) {
        r->total = run.total;
        r->exact = run.exact;
        /* a term's df bounds the matches of an OR of terms from below; not
         * once filters remove some of them */
        if (!run.exact && root && root->kind == NSI_E_OR && nsi_plan_max_df(root) > r->total)
            r->total = nsi_plan_max_df(root);
    }
    if (!rc && !collect && !o.dedup) {
        nsi_topk_sort(&run.heap);
        size_t n = run.heap.n > o.offset ? run.heap.n - o.offset : 0;
        r->hits = calloc(n + 1, sizeof *r->hits);
        if (!r->hits)
            rc = NS_ENOMEM;
        for (size_t i = 0; !rc && i < n; i++) {
            r->hits[i].score = run.heap.e[o.offset + i].score;
            r->hits[i].gdoc = run.heap.e[o.offset + i].gdoc;
        }
        r->nhits = n;
    }
    if (!rc)
        rc = load_hits(r, err);
    free(run.heap.e);
    free(all.v);
    nsi_plan_free(root);
    nsq_free(resolved);
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
