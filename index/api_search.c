/* api_search.c — the front door of searching: ns_search, result sets, hits,
 * bodies and snippets. Options are checked once here for every backend; a
 * snippet is made here from the body its backend reads (backend.h, body). */
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "common/deadline.h"
#include "eval/search.h"
#include "format/record.h"
#include "snippet/snippet.h"

/* The options of a search (defaults for NULL), checked once for every
 * backend. */
int nsi_search_options(const ns_query *q, const ns_search_options *opts, ns_search_options *o)
{
    *o = (ns_search_options)NS_SEARCH_OPTIONS_INIT;
    /* a version-1 caller's struct ends before timeout, a version-2 one
     * before sort_field: the rest keeps the defaults */
    if (opts)
        memcpy(o, opts,
               opts->version >= 3   ? sizeof *opts
               : opts->version == 2 ? offsetof(ns_search_options, sort_field)
                                    : offsetof(ns_search_options, timeout));
    o->version = NS_SEARCH_OPTIONS_VERSION;
    if (!o->max_total_expansions)
        o->max_total_expansions = NS_MAX_QUERY_EXPANSIONS;
    if (o->k1 < 0 || o->b < 0 || o->b > 1 || o->title_weight < 0 || !q)
        return nsi_index_fail(NS_EINVAL, "invalid search options (need k1 >= 0, 0 <= b <= 1, "
                                         "title weight >= 0)");
    if (!(o->timeout >= 0) || isinf(o->timeout))
        return nsi_index_fail(NS_EINVAL,
                              "invalid search timeout %g (need a finite number of "
                              "seconds >= 0; 0: none)",
                              o->timeout);
    if (o->k > NS_MAX_RESULTS || o->offset > NS_MAX_RESULTS - o->k)
        return nsi_index_fail(NS_ETOOBIG, "k + offset exceeds %d", NS_MAX_RESULTS);
    if (o->nfacets > NS_MAX_FACETS || (o->nfacets && !o->facets))
        return nsi_index_fail(NS_EINVAL,
                              "invalid facets (need 1 to %d requests, each naming a "
                              "field)",
                              NS_MAX_FACETS);
    for (size_t i = 0; i < o->nfacets; i++)
        if (!o->facets[i].field || !o->facets[i].field[0] ||
            o->facets[i].limit > NS_MAX_FACET_VALUES)
            return nsi_index_fail(NS_EINVAL,
                                  "invalid facet %zu (need a field name and a limit of at most %d)",
                                  i, NS_MAX_FACET_VALUES);
    if (o->sort_field && !o->sort_field[0])
        return nsi_index_fail(NS_EINVAL, "empty sort field (NULL or \"score\": by score)");
    return NS_OK;
}

int ns_search(ns_results **out, ns_index *idx, const ns_query *q, const ns_search_options *opts)
{
    *out = NULL;
    nsi_index_bind(idx);
    ns_search_options o;
    int rc = nsi_search_options(q, opts, &o);
    if (rc)
        return rc;
    if (!idx)
        return nsi_index_fail(NS_EINVAL, "no index given");
    return idx->ops->search(out, idx, q, &o);
}

size_t ns_results_count(const ns_results *r) { return r ? r->nhits : 0; }

uint64_t ns_results_total(const ns_results *r, int *exact)
{
    if (exact)
        *exact = r ? r->exact : 1;
    return r ? r->total : 0;
}

int ns_results_hit(const ns_results *r, size_t i, ns_hit *hit)
{
    if (!r || !hit || i >= r->nhits)
        return NS_EINVAL;
    const nsi_hit *h = &r->hits[i];
    const char *a = (const char *)r->arena.data;
    hit->rank = r->first_rank + i;
    hit->score = h->score;
    hit->docnum = h->gdoc;
    hit->id = a + h->off[NSI_F_ID];
    hit->id_len = h->len[NSI_F_ID];
    hit->title = a + h->off[NSI_F_TITLE];
    hit->title_len = h->len[NSI_F_TITLE];
    hit->url = a + h->off[NSI_F_URL];
    hit->url_len = h->len[NSI_F_URL];
    hit->date = a + h->off[NSI_F_DATE];
    hit->date_len = h->len[NSI_F_DATE];
    hit->meta = a + h->off[NSI_F_META];
    hit->meta_len = h->len[NSI_F_META];
    return NS_OK;
}

size_t ns_results_field_count(const ns_results *r, size_t i)
{
    return r && i < r->nhits ? r->hits[i].fv_n : 0;
}

int ns_results_field(const ns_results *r, size_t i, size_t j, ns_field_value *out)
{
    if (!r || !out || i >= r->nhits || j >= r->hits[i].fv_n)
        return NS_EINVAL;
    const nsi_fval *v = &r->fv[r->hits[i].fv_first + j];
    const char *a = (const char *)r->arena.data;
    *out = (ns_field_value){a + v->name_off, v->name_len, v->type,  a + v->text_off,
                            v->text_len,     v->date,     v->number};
    return NS_OK;
}

uint64_t ns_results_duplicates(const ns_results *r, size_t i)
{
    return r && i < r->nhits ? r->hits[i].dups : 0;
}

size_t ns_results_facet_count(const ns_results *r) { return r ? r->nfacets : 0; }

int ns_results_facet(const ns_results *r, size_t f, const char **field, size_t *nvalues)
{
    if (!r || f >= r->nfacets)
        return NS_EINVAL;
    if (field)
        *field = (const char *)r->arena.data + r->facets[f].name_off;
    if (nvalues)
        *nvalues = r->facets[f].n;
    return NS_OK;
}

int ns_results_facet_value(const ns_results *r, size_t f, size_t j, const char **value, size_t *len,
                           uint64_t *count)
{
    if (!r || f >= r->nfacets || j >= r->facets[f].n)
        return NS_EINVAL;
    const nsi_facet_value *v = &r->facet_values[r->facets[f].first + j];
    if (value)
        *value = (const char *)r->arena.data + v->off;
    if (len)
        *len = v->len;
    if (count)
        *count = v->count;
    return NS_OK;
}

int nsi_results_add_string(ns_results *r, const char *p, size_t len, size_t *off)
{
    *off = r->arena.len;
    int rc = nsi_buf_append(&r->arena, p, len);
    return rc ? rc : nsi_buf_putc(&r->arena, 0);
}

int nsi_results_add_fval(ns_results *r, nsi_fval v)
{
    if (r->nfv == r->cap_fv) {
        size_t c = r->cap_fv ? r->cap_fv * 2 : 32;
        nsi_fval *f = realloc(r->fv, c * sizeof *f);
        if (!f)
            return NS_ENOMEM;
        r->fv = f;
        r->cap_fv = c;
    }
    r->fv[r->nfv++] = v;
    return NS_OK;
}

int nsi_results_new(ns_results **out, ns_index *idx, size_t first_rank, size_t nhits)
{
    ns_results *r = calloc(1, sizeof *r);
    if (!r || (nhits && !(r->hits = calloc(nhits, sizeof *r->hits)))) {
        free(r);
        *out = NULL;
        return nsi_index_fail(NS_ENOMEM, "out of memory");
    }
    r->idx = idx;
    r->first_rank = first_rank;
    r->exact = 1;
    *out = r;
    return NS_OK;
}

void ns_results_free(ns_results *r)
{
    if (!r)
        return;
    if (r->idx)
        r->idx->ops->results_release(r);
    free(r->hits);
    free(r->fv);
    free(r->facets);
    free(r->facet_values);
    nsi_buf_free(&r->arena);
    free(r);
}

int ns_results_body(const ns_results *r, size_t i, char **out, size_t *len)
{
    *out = NULL;
    if (len)
        *len = 0;
    nsi_index_bind(r ? r->idx : NULL);
    if (!r || i >= r->nhits)
        return nsi_index_fail(NS_EINVAL, "no hit %zu", i);
    nsi_buf buf = {0};
    const char *body;
    size_t n;
    int rc = r->idx->ops->body(r, i, &buf, &body, &n);
    if (!rc && !(*out = malloc(n + 1)))
        rc = nsi_index_fail(NS_ENOMEM, "out of memory");
    if (!rc) {
        memcpy(*out, body, n);
        (*out)[n] = 0;
        if (len)
            *len = n;
    }
    nsi_buf_free(&buf);
    return rc;
}

void ns_free(void *p) { free(p); }

/* A hit's term positions, through its backend, for the snippet. */
typedef struct hit_ref {
    const ns_results *r;
    size_t i;
} hit_ref;

static int hit_positions(void *ctx, const char *term, size_t len, size_t max, nsi_u32vec *out)
{
    const hit_ref *h = ctx;
    return h->r->idx->ops->positions(h->r, h->i, term, len, max, out);
}

int ns_snippet_make(ns_snippet **out, ns_index *idx, const ns_query *q, const ns_results *r,
                    size_t i, const ns_snippet_options *opts)
{
    *out = NULL;
    if (!idx && r)
        idx = r->idx;
    nsi_index_bind(idx);
    if (!r || i >= r->nhits)
        return nsi_index_fail(NS_EINVAL, "no hit %zu", i);
    if (!idx)
        return nsi_index_fail(NS_EINVAL, "no index given");
    ns_snippet_options o = NS_SNIPPET_OPTIONS_INIT;
    if (opts) /* a version-1 struct ends before timeout */
        memcpy(&o, opts, opts->version >= 2 ? sizeof *opts : offsetof(ns_snippet_options, timeout));
    if (o.max_bytes < 16)
        o.max_bytes = 16;
    if (!(o.timeout >= 0) || isinf(o.timeout))
        return nsi_index_fail(NS_EINVAL, "invalid snippet timeout %g (need seconds >= 0)",
                              o.timeout);
    nsi_deadline dl = nsi_deadline_in(o.timeout);
    nsi_buf buf = {0};
    const char *body;
    size_t len;
    int rc = r->idx->ops->body(r, i, &buf, &body, &len);
    if (!rc && nsi_deadline_passed(&dl)) /* reading the body counts too */
        rc = nsi_index_fail(NS_ETIMEOUT, "snippet of hit %zu ran past its %g s deadline", i,
                            o.timeout);
    if (rc) {
        nsi_buf_free(&buf);
        return rc;
    }
    ns_snippet *s = calloc(1, sizeof *s);
    nsi_analyzer *an = NULL;
    if (!s || (rc = nsi_index_analyzer(idx, &an))) {
        free(s);
        nsi_buf_free(&buf);
        return rc ? rc : nsi_index_fail(NS_ENOMEM, "out of memory");
    }
    const nsi_hit *h = &r->hits[i];
    size_t skip = nsi_snippet_skip_title(
        body, len, (const char *)r->arena.data + h->off[NSI_F_TITLE], h->len[NSI_F_TITLE]);
    hit_ref ref = {r, i};
    nsi_snip_positions pos = {hit_positions, &ref};
    rc = nsi_snippet_build_hit(an, body, len, skip, q ? q->root : NULL, o.max_bytes,
                               r->idx->ops->positions ? &pos : NULL, &dl, &s->s);
    nsi_index_analyzer_put(idx, an);
    nsi_buf_free(&buf);
    if (rc) {
        free(s);
        if (rc == NS_ETIMEOUT)
            return nsi_index_fail(rc, "snippet of hit %zu ran past its %g s deadline", i,
                                  o.timeout);
        return nsi_index_fail(rc, "snippet: %s", ns_strerror(rc));
    }
    *out = s;
    return NS_OK;
}

const char *ns_snippet_text(const ns_snippet *s, size_t *len)
{
    if (len)
        *len = s ? s->s.len : 0;
    return s && s->s.text ? s->s.text : "";
}

int ns_snippet_cut_before(const ns_snippet *s) { return s ? s->s.cut_before : 0; }
int ns_snippet_cut_after(const ns_snippet *s) { return s ? s->s.cut_after : 0; }
size_t ns_snippet_span_count(const ns_snippet *s) { return s ? s->s.nspans : 0; }

void ns_snippet_span(const ns_snippet *s, size_t i, size_t *start, size_t *end)
{
    int ok = s && i < s->s.nspans;
    *start = ok ? s->s.spans[i].start : 0;
    *end = ok ? s->s.spans[i].end : 0;
}

void ns_snippet_free(ns_snippet *s)
{
    if (!s)
        return;
    nsi_snip_free(&s->s);
    free(s);
}
