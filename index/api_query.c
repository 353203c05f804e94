/* api_query.c — the front door of ns_query: parsing with the index's
 * analyzer. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "eval/search.h"
#include "format/values.h"

/* The fields of idx as a schema for the parser; names holds the list. */
static int idx_type(void *ctx, const char *name, size_t len)
{
    ns_index *idx = ctx;
    size_t n = ns_index_field_count(idx);
    for (size_t i = 0; i < n; i++) {
        const char *f;
        int t;
        if (ns_index_field(idx, i, &f, &t) == NS_OK && strlen(f) == len && !memcmp(f, name, len))
            return t;
    }
    return 0;
}

static int index_schema(ns_index *idx, nsq_schema *sc, nsi_buf *names)
{
    size_t n = ns_index_field_count(idx);
    int rc = nsi_buf_append(names, "title", 5);
    for (size_t i = 0; !rc && i < n; i++) {
        const char *f;
        if (ns_index_field(idx, i, &f, NULL) == NS_OK && !(rc = nsi_buf_append(names, ", ", 2)))
            rc = nsi_buf_append(names, f, strlen(f));
    }
    if (!rc)
        rc = nsi_buf_terminate(names);
    *sc = (nsq_schema){idx_type, idx, rc ? "title" : (const char *)names->data};
    return rc;
}

/* q->text, the canonical form of q->root, made again. */
static int query_text(ns_query *q)
{
    nsi_buf b = {0};
    int rc = nsq_format(q->root, &b);
    if (!rc && (rc = nsi_buf_terminate(&b)) == NS_OK) {
        free(q->text);
        q->text = (char *)nsi_buf_steal(&b, NULL);
    }
    nsi_buf_free(&b);
    return rc;
}

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
    nsi_buf names = {0};
    nsq_schema sc;
    /* a backend without typed fields (Xapian, for now) gets the operands
     * unresolved: its search refuses them with NS_EUNSUPPORTED rather than
     * calling every field unknown */
    int have_schema = idx && idx->ops->field && index_schema(idx, &sc, &names) == NS_OK;
    rc = nsi_query_parse_schema(text ? text : "", len, &o, an, have_schema ? &sc : NULL, &q->root,
                                err, sizeof err, &off);
    nsi_buf_free(&names);
    if (idx)
        nsi_index_analyzer_put(idx, an);
    else
        nsi_analyzer_free(an);
    if (!rc)
        rc = query_text(q);
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

/* ANDs n into q's root (n is owned from here on). */
static int and_filter(ns_query *q, nsq_node *n)
{
    if (!n)
        return NS_ENOMEM;
    if (!q->root) {
        q->root = n;
        return query_text(q);
    }
    nsq_node *and = nsq_new(NSQ_AND, 0);
    if (!and) {
        nsq_free(n);
        return NS_ENOMEM;
    }
    if (nsq_add_kid(and, q->root)) {
        q->root = NULL;
        nsq_free(n);
        nsq_free(and);
        return NS_ENOMEM;
    }
    q->root = NULL;
    int rc = nsq_add_kid(and, n);
    q->root = nsq_simplify(and);
    return rc ? rc : query_text(q);
}

int ns_query_add_keyword(ns_query *q, const char *field, const char *value, size_t len)
{
    if (!q || !field || (!value && len))
        return NS_EINVAL;
    if (nsi_field_name_check(field, strlen(field), 0, NULL, 0) != NS_OK)
        return NS_EINVAL;
    nsi_buf f = {0};
    int rc = nsi_field_fold(value ? value : "", len, &f);
    if (!rc && f.len == 0)
        rc = NS_EINVAL;
    nsq_node *n = NULL;
    if (!rc && (!(n = nsq_new_term(NSQ_KEYWORD, (const char *)f.data, f.len, 0)) ||
                nsq_set_fname(n, field, strlen(field)))) {
        nsq_free(n);
        n = NULL;
        rc = NS_ENOMEM;
    }
    nsi_buf_free(&f);
    return rc ? rc : and_filter(q, n);
}

/* One end as an unresolved operand "field:>=v" (checked when the field's
 * type is known, at search time). */
static nsq_node *range_end(const char *field, const char *op, const char *v, size_t len)
{
    nsi_buf t = {0};
    nsq_node *n = NULL;
    if (!nsi_buf_printf(&t, "%s:%s%.*s", field, op, (int)len, v))
        n = nsq_new_term(NSQ_FIELD, (const char *)t.data, t.len, 0);
    if (n && nsq_set_fname(n, field, strlen(field))) {
        nsq_free(n);
        n = NULL;
    }
    nsi_buf_free(&t);
    return n;
}

/* A bound must be one word of the language: no space, quote, parenthesis or "..". */
static int bound_ok(const char *v, size_t len)
{
    if (!v)
        return 1;
    if (len == 0 || len > 64)
        return 0;
    for (size_t i = 0; i < len; i++)
        if (v[i] == ' ' || v[i] == '"' || v[i] == '(' || v[i] == ')' ||
            (unsigned char)v[i] < 0x21 || (v[i] == '.' && i + 1 < len && v[i + 1] == '.'))
            return 0;
    return 1;
}

int ns_query_add_range(ns_query *q, const char *field, const char *lo, size_t lo_len, int lo_incl,
                       const char *hi, size_t hi_len, int hi_incl)
{
    if (!q || !field || (!lo && !hi) || !bound_ok(lo, lo_len) || !bound_ok(hi, hi_len) ||
        nsi_field_name_check(field, strlen(field), 1, NULL, 0) != NS_OK)
        return NS_EINVAL;
    int rc = NS_OK;
    if (lo)
        rc = and_filter(q, range_end(field, lo_incl ? ">=" : ">", lo, lo_len));
    if (!rc && hi)
        rc = and_filter(q, range_end(field, hi_incl ? "<=" : "<", hi, hi_len));
    return rc;
}
