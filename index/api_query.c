/* api_query.c — the front door of ns_query: parsing with the index's
 * analyzer. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "eval/search.h"

int ns_query_parse(ns_query **out, ns_index *idx, const char *text, size_t len,
                   const ns_query_options *opts, char *errbuf, size_t errbuf_len,
                   size_t *err_offset)
{
    *out = NULL;
    if (err_offset)
        *err_offset = 0;
    nsi_index_bind(idx); /* the analyzer pool reports to the handle */
    if (!text && len)
        return nsi_fail(errbuf, errbuf_len, NS_EINVAL, "no query text");
    if (len > NS_MAX_QUERY_BYTES)
        return nsi_fail(errbuf, errbuf_len, NS_ETOOBIG, "query is %zu bytes, over the %u limit",
                        len, NS_MAX_QUERY_BYTES);
    ns_query_options o = NS_QUERY_OPTIONS_INIT;
    if (opts)
        o = *opts;
    ns_query *q = calloc(1, sizeof *q);
    if (!q)
        return nsi_fail(errbuf, errbuf_len, NS_ENOMEM, "out of memory");
    q->max_expansions = o.max_expansions ? o.max_expansions : NS_MAX_PREFIX_EXPANSIONS;
    nsi_analyzer *an = NULL;
    int rc;
    if (idx) {
        rc = nsi_index_analyzer(idx, &an);
        snprintf(q->language, sizeof q->language, "%s", ns_index_language(idx));
    } else {
        rc = nsi_analyzer_new(&an, "english");
        snprintf(q->language, sizeof q->language, "english");
    }
    if (rc) {
        free(q);
        return nsi_fail(errbuf, errbuf_len, rc, "cannot create the analyzer");
    }
    char err[NSI_ERRMSG] = "";
    size_t off = 0;
    rc = nsi_query_parse(text ? text : "", len, &o, an, &q->root, err, sizeof err, &off);
    if (idx)
        nsi_index_analyzer_put(idx, an);
    else
        nsi_analyzer_free(an);
    nsi_buf b = {0};
    if (!rc && (rc = nsq_format(q->root, &b)) == NS_OK && (rc = nsi_buf_terminate(&b)) == NS_OK)
        q->text = (char *)nsi_buf_steal(&b, NULL);
    nsi_buf_free(&b);
    if (rc) {
        if (err_offset)
            *err_offset = off;
        nsi_fail(errbuf, errbuf_len, rc, "%s", err[0] ? err : ns_strerror(rc));
        ns_query_free(q);
        return rc;
    }
    *out = q;
    return NS_OK;
}

const char *ns_query_string(const ns_query *q) { return q && q->text ? q->text : "()"; }

int ns_query_is_empty(const ns_query *q) { return !q || !q->root; }

void ns_query_free(ns_query *q)
{
    if (!q)
        return;
    nsq_free(q->root);
    free(q->text);
    free(q);
}
