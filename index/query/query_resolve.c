/* query_resolve.c — resolving `name:...` operands parsed without knowing the
 * index's fields (ns_query_parse with idx NULL, ns_query_add_range): each
 * NSQ_FIELD node is parsed again, with the schema, from the text it kept
 * (query.h, nsq_resolve). The text is parsed behind as many spaces as its
 * offset in the original query, so every offset the parser reports, in a
 * tree or in an error, is the original one. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "query/query.h"

typedef struct resolver {
    nsi_analyzer *an;
    const nsq_schema *schema;
    char *err;
    size_t errlen;
    size_t *err_off;
} resolver;

static int resolve(resolver *r, const nsq_node *q, nsq_node **out);

static int resolve_field(resolver *r, const nsq_node *q, nsq_node **out)
{
    size_t len = q->offset + q->term_len;
    if (len < q->offset || len > NS_MAX_QUERY_BYTES + (size_t)NS_MAX_QUERY_BYTES)
        return NS_ETOOBIG;
    char *text = malloc(len ? len : 1);
    if (!text)
        return NS_ENOMEM;
    memset(text, ' ', q->offset);
    memcpy(text + q->offset, q->term, q->term_len);
    ns_query_options o = NS_QUERY_OPTIONS_INIT;
    o.any = q->any;
    o.max_terms = (unsigned)-1;
    int rc =
        nsi_query_parse_schema(text, len, &o, r->an, r->schema, out, r->err, r->errlen, r->err_off);
    free(text);
    return rc;
}

static int resolve_kids(resolver *r, const nsq_node *q, nsq_node **out)
{
    nsq_node *n = q->term ? nsq_new_term(q->kind, q->term, q->term_len, q->offset)
                          : nsq_new(q->kind, q->offset);
    if (!n)
        return NS_ENOMEM;
    n->field = q->field;
    n->dist = q->dist;
    n->range = q->range;
    if (q->fname && nsq_set_fname(n, q->fname, q->fname_len)) {
        nsq_free(n);
        return NS_ENOMEM;
    }
    for (size_t i = 0; i < q->nkids; i++) {
        nsq_node *k = NULL;
        int rc = resolve(r, q->kids[i], &k);
        if (!rc && !k && q->kind == NSQ_MAYBE && i == 0) {
            /* the required part analysed to nothing: the rest is optional */
            n->kind = NSQ_OR;
            continue;
        }
        if (!rc)
            rc = nsq_add_kid(n, k);
        if (rc) {
            nsq_free(n);
            return rc;
        }
    }
    if ((n->kind == NSQ_NOT || n->kind == NSQ_PHRASE || n->kind == NSQ_NEAR) && !n->nkids) {
        nsq_free(n);
        n = NULL;
    }
    *out = nsq_simplify(n);
    return NS_OK;
}

static int resolve(resolver *r, const nsq_node *q, nsq_node **out)
{
    *out = NULL;
    if (q->kind == NSQ_FIELD)
        return resolve_field(r, q, out);
    if (!nsq_has_unresolved(q))
        return (*out = nsq_clone(q)) ? NS_OK : NS_ENOMEM;
    return resolve_kids(r, q, out);
}

static int negative(const nsq_node *n)
{
    if (n->kind == NSQ_NOT)
        return 1;
    if (n->kind != NSQ_AND)
        return 0;
    for (size_t i = 0; i < n->nkids; i++)
        if (n->kids[i]->kind != NSQ_NOT)
            return 0;
    return 1;
}

int nsq_resolve(const nsq_node *q, nsi_analyzer *an, const nsq_schema *schema, nsq_node **out,
                char *err, size_t errlen, size_t *err_off)
{
    resolver r = {an, schema, err, errlen, err_off};
    *out = NULL;
    if (!q)
        return NS_OK;
    nsq_node *n = NULL;
    int rc = resolve(&r, q, &n);
    if (!rc && n && negative(n)) {
        /* a text field's words analysed to nothing and left only exclusions */
        size_t off = n->kind == NSQ_NOT ? n->offset : n->kids[0]->offset;
        if (err && errlen)
            snprintf(err, errlen, "query has no positive term at %zu", off);
        if (err_off)
            *err_off = off;
        rc = NS_ESYNTAX;
    }
    if (rc) {
        nsq_free(n);
        return rc;
    }
    *out = n;
    return NS_OK;
}
