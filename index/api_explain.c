/* api_explain.c — the front door of explanations: ns_results_explain and the
 * parts of an ns_explain (eval/explain.h), through the backend's explain. */
#include <math.h>
#include <stdlib.h>

#include "api.h"
#include "eval/explain.h"
#include "eval/search.h"

int ns_results_explain(const ns_results *r, size_t i, const ns_query *q,
                       const ns_search_options *opts, ns_explain **out)
{
    if (out)
        *out = NULL;
    nsi_index_bind(r ? r->idx : NULL);
    if (!out || !q)
        return nsi_index_fail(NS_EINVAL, "explain needs the query and somewhere to put it");
    if (!r || i >= r->nhits)
        return nsi_index_fail(NS_EINVAL, "no hit %zu", i);
    if (!r->idx->ops->explain)
        return nsi_index_fail(NS_EUNSUPPORTED, "a %s index cannot explain its scores",
                              r->idx->ops->name);
    ns_search_options o;
    int rc = nsi_search_options(q, opts, &o);
    if (rc)
        return rc;
    ns_explain *e = calloc(1, sizeof *e);
    if (!e)
        return nsi_index_fail(NS_ENOMEM, "out of memory");
    if ((rc = r->idx->ops->explain(r, i, q, &o, e)) != NS_OK) {
        ns_explain_free(e);
        if (!nsi_index_errbuf()[0] || rc == NS_ENOMEM)
            return nsi_index_fail(rc, "explain: %s", ns_strerror(rc));
        return rc;
    }
    *out = e;
    return NS_OK;
}

size_t ns_explain_count(const ns_explain *e) { return e ? e->n : 0; }

int ns_explain_get(const ns_explain *e, size_t j, ns_explain_part *part)
{
    if (!e || !part || j >= e->n)
        return NS_EINVAL;
    part->what = (const char *)e->text.data + e->parts[j].what;
    part->score = e->parts[j].score;
    return NS_OK;
}

void ns_explain_free(ns_explain *e)
{
    if (!e)
        return;
    free(e->parts);
    nsi_buf_free(&e->text);
    free(e);
}
