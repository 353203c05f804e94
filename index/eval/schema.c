/* schema.c — the typed fields a generation knows, for the query side: a
 * field's type by name (the first segment that has it: segments of one index
 * agree, the reader checks it at open), the list of names for messages, and
 * the schema (query.h) that resolves `name:...` operands of a query parsed
 * without an index, and checks the fields named by filters built in code. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eval/collect.h"
#include "format/values.h"

int nsi_snap_field_type(const nsi_snap *s, const char *name, size_t len)
{
    if (len == 5 && !memcmp(name, "title", 5))
        return 0;
    for (uint32_t i = 0; i < s->nsegs; i++) {
        int col = nsi_values_col(s->segs[i], name, len);
        if (col >= 0)
            return nsi_values_type(s->segs[i], col);
    }
    return 0;
}

static int snap_type(void *ctx, const char *name, size_t len)
{
    return nsi_snap_field_type(ctx, name, len);
}

int nsi_snap_schema(const nsi_snap *s, nsq_schema *out, nsi_buf *names)
{
    int rc = nsi_buf_append(names, "title", 5);
    for (uint32_t i = 0; !rc && i < s->nsegs; i++) {
        int n = nsi_values_nfields(s->segs[i]);
        for (int c = 0; !rc && c < n; c++) {
            const char *nm;
            size_t len;
            int type;
            nsi_values_field(s->segs[i], c, &nm, &len, &type);
            /* listed once: the first segment that has it */
            int seen = 0;
            for (uint32_t j = 0; j < i && !seen; j++)
                seen = nsi_values_col(s->segs[j], nm, len) >= 0;
            if (!seen && !(rc = nsi_buf_append(names, ", ", 2)))
                rc = nsi_buf_append(names, nm, len);
        }
    }
    if (!rc)
        rc = nsi_buf_terminate(names);
    *out = (nsq_schema){snap_type, (void *)s, rc ? "title" : (const char *)names->data};
    return rc;
}

/* The fields that filters built in code name (NSQ_KEYWORD nodes; ranges
 * are resolved from text): each must be a keyword field. */
int nsi_snap_check_filters(const nsi_snap *s, const nsq_node *q, const nsq_schema *sc, char *err,
                           size_t errlen)
{
    if (!q)
        return NS_OK;
    if (q->kind == NSQ_KEYWORD) {
        int t = nsi_snap_field_type(s, q->fname, q->fname_len);
        if (!t)
            return nsi_fail(err, errlen, NS_EINVAL, "unknown field '%s' at %zu (fields: %s)",
                            q->fname, q->offset, sc->names);
        if (t != NS_FIELD_KEYWORD)
            return nsi_fail(err, errlen, NS_EINVAL,
                            "field '%s' at %zu is not a keyword field: cannot filter on a value",
                            q->fname, q->offset);
    }
    for (size_t i = 0; i < q->nkids; i++) {
        int rc = nsi_snap_check_filters(s, q->kids[i], sc, err, errlen);
        if (rc)
            return rc;
    }
    return NS_OK;
}
