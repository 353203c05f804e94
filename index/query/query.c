/* query.c — the query tree: building, normalising, freeing, printing.
 * The parser is in query_parse.c; the language in docs/query-language.md. */
#include "query/query.h"

#include <stdlib.h>
#include <string.h>

nsq_node *nsq_new(enum nsq_kind kind, size_t offset)
{
    nsq_node *n = calloc(1, sizeof *n);
    if (!n)
        return NULL;
    n->kind = kind;
    n->field = NSQ_FIELD_ALL;
    n->offset = offset;
    return n;
}

nsq_node *nsq_new_term(enum nsq_kind kind, const char *term, size_t len, size_t offset)
{
    nsq_node *n = nsq_new(kind, offset);
    if (!n)
        return NULL;
    n->term = malloc(len + 1);
    if (!n->term) {
        free(n);
        return NULL;
    }
    if (len)
        memcpy(n->term, term, len);
    n->term[len] = '\0';
    n->term_len = len;
    return n;
}

static int reserve_kids(nsq_node *n, size_t extra);

int nsq_set_fname(nsq_node *n, const char *name, size_t len)
{
    char *f = malloc(len + 1);
    if (!f)
        return NS_ENOMEM;
    if (len)
        memcpy(f, name, len);
    f[len] = '\0';
    free(n->fname);
    n->fname = f;
    n->fname_len = len;
    return NS_OK;
}

void nsq_free(nsq_node *n)
{
    if (!n)
        return;
    for (size_t i = 0; i < n->nkids; i++)
        nsq_free(n->kids[i]);
    free(n->kids);
    free(n->term);
    free(n->fname);
    free(n);
}

nsq_node *nsq_clone(const nsq_node *q)
{
    if (!q)
        return NULL;
    nsq_node *n = q->term ? nsq_new_term(q->kind, q->term, q->term_len, q->offset)
                          : nsq_new(q->kind, q->offset);
    if (!n)
        return NULL;
    n->field = q->field;
    n->dist = q->dist;
    n->range = q->range;
    n->any = q->any;
    if (q->fname && nsq_set_fname(n, q->fname, q->fname_len)) {
        nsq_free(n);
        return NULL;
    }
    for (size_t i = 0; i < q->nkids; i++) {
        nsq_node *k = nsq_clone(q->kids[i]);
        /* kids are added one by one: a clone never flattens (same shape) */
        if (!k || reserve_kids(n, 1)) {
            nsq_free(k);
            nsq_free(n);
            return NULL;
        }
        n->kids[n->nkids++] = k;
    }
    return n;
}

int nsq_uses_fields(const nsq_node *q)
{
    if (!q)
        return 0;
    if (q->kind == NSQ_KEYWORD || q->kind == NSQ_RANGE || q->kind == NSQ_FIELD ||
        q->kind == NSQ_ALL || q->field == NSQ_FIELD_NAMED)
        return 1;
    for (size_t i = 0; i < q->nkids; i++)
        if (nsq_uses_fields(q->kids[i]))
            return 1;
    return 0;
}

int nsq_has_unresolved(const nsq_node *q)
{
    if (!q)
        return 0;
    if (q->kind == NSQ_FIELD)
        return 1;
    for (size_t i = 0; i < q->nkids; i++)
        if (nsq_has_unresolved(q->kids[i]))
            return 1;
    return 0;
}

/* A kids array always holds kids_cap(nkids) slots, so it grows by doubling
 * without a capacity field in the node (see nsq_add_kid in query.h). */
static size_t kids_cap(size_t n)
{
    size_t c = 4;
    while (c < n)
        c *= 2;
    return c;
}

static int reserve_kids(nsq_node *n, size_t extra)
{
    size_t need = n->nkids + extra;
    if (need < n->nkids || need > ((size_t)-1 / 2) / sizeof *n->kids)
        return NS_ENOMEM;
    if (n->kids && need <= kids_cap(n->nkids))
        return NS_OK;
    nsq_node **k = realloc(n->kids, kids_cap(need) * sizeof *k);
    if (!k)
        return NS_ENOMEM;
    n->kids = k;
    return NS_OK;
}

int nsq_add_kid(nsq_node *parent, nsq_node *kid)
{
    if (!kid)
        return NS_OK;
    int flatten = kid->kind == parent->kind && (kid->kind == NSQ_AND || kid->kind == NSQ_OR);
    size_t extra = flatten ? kid->nkids : 1;
    if (reserve_kids(parent, extra) != NS_OK) {
        nsq_free(kid);
        return NS_ENOMEM;
    }
    if (!flatten) {
        parent->kids[parent->nkids++] = kid;
        return NS_OK;
    }
    for (size_t i = 0; i < kid->nkids; i++)
        parent->kids[parent->nkids++] = kid->kids[i];
    kid->nkids = 0;
    nsq_free(kid);
    return NS_OK;
}

/* Stable partition: positive kids first, NOT kids last, so a reader of the
 * tree (the planner) finds something to drive the AND at kids[0]. Linear with
 * a scratch array; quadratic in place only if that cannot be allocated. */
static void nots_last(nsq_node *n)
{
    nsq_node **tmp = malloc(n->nkids * sizeof *tmp);
    size_t w = 0, t = 0;
    for (size_t i = 0; i < n->nkids; i++) {
        nsq_node *k = n->kids[i];
        if (k->kind == NSQ_NOT && tmp) {
            tmp[t++] = k;
        } else if (k->kind != NSQ_NOT) {
            memmove(n->kids + w + 1, n->kids + w, (i - w - t) * sizeof *n->kids);
            n->kids[w++] = k;
        }
    }
    if (tmp) {
        memcpy(n->kids + w, tmp, t * sizeof *tmp);
        free(tmp);
    }
}

nsq_node *nsq_simplify(nsq_node *n)
{
    if (!n || (n->kind != NSQ_AND && n->kind != NSQ_OR))
        return n;
    if (n->nkids == 0) {
        nsq_free(n);
        return NULL;
    }
    if (n->nkids == 1) {
        nsq_node *k = n->kids[0];
        n->nkids = 0;
        nsq_free(n);
        return k;
    }
    if (n->kind == NSQ_AND)
        nots_last(n);
    return n;
}

static int format_field(const nsq_node *n, nsi_buf *b)
{
    int fielded = n->kind == NSQ_TERM || n->kind == NSQ_PREFIX || n->kind == NSQ_FUZZY ||
                  n->kind == NSQ_PHRASE || n->kind == NSQ_NEAR;
    if (fielded && n->field == NSQ_FIELD_TITLE)
        return nsi_buf_append(b, "title:", 6);
    if ((fielded && n->field == NSQ_FIELD_NAMED) || n->kind == NSQ_KEYWORD ||
        n->kind == NSQ_RANGE) {
        int rc = nsi_buf_append(b, n->fname, n->fname_len);
        return rc ? rc : nsi_buf_putc(b, ':');
    }
    return NS_OK;
}

/* A keyword value prints bare when it is one run of letters, digits and
 * non-ASCII bytes (what the parser reads back as the same value), quoted
 * otherwise, with '"' and '\\' escaped. */
static int format_value(const char *v, size_t len, nsi_buf *b)
{
    int bare = len > 0;
    for (size_t i = 0; i < len && bare; i++) {
        unsigned char c = (unsigned char)v[i];
        bare = c >= 0x80 || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
               (i > 0 && (c == '-' || c == '.'));
    }
    if (bare)
        return nsi_buf_append(b, v, len);
    int rc = nsi_buf_putc(b, '"');
    for (size_t i = 0; !rc && i < len; i++) {
        if (v[i] == '"' || v[i] == '\\')
            rc = nsi_buf_putc(b, '\\');
        if (!rc)
            rc = nsi_buf_putc(b, v[i]);
    }
    return rc ? rc : nsi_buf_putc(b, '"');
}

/* Kids of PHRASE and NEAR inherit the parent's field, so they print bare. */
static int format_node(const nsq_node *n, nsi_buf *b, int bare);
static int format_weighted(const nsq_node *n, nsi_buf *b, int bare);

static int format_kids(const nsq_node *n, nsi_buf *b, int bare)
{
    for (size_t i = 0; i < n->nkids; i++) {
        int rc = nsi_buf_putc(b, ' ');
        if (!rc)
            rc = format_weighted(n->kids[i], b, bare);
        if (rc)
            return rc;
    }
    return NS_OK;
}

static int format_phrase(const nsq_node *n, nsi_buf *b)
{
    int rc = nsi_buf_putc(b, '"');
    for (size_t i = 0; !rc && i < n->nkids; i++) {
        if (i)
            rc = nsi_buf_putc(b, ' ');
        if (!rc)
            rc = format_node(n->kids[i], b, 1);
    }
    return rc ? rc : nsi_buf_putc(b, '"');
}

static int format_node(const nsq_node *n, nsi_buf *b, int bare)
{
    static const char *const op[] = {
        [NSQ_AND] = "(AND", [NSQ_OR] = "(OR", [NSQ_NOT] = "(NOT", [NSQ_MAYBE] = "(MAYBE"};
    int rc = bare ? NS_OK : format_field(n, b);
    if (rc)
        return rc;
    switch (n->kind) {
    case NSQ_TERM:
        return nsi_buf_append(b, n->term, n->term_len);
    case NSQ_PREFIX:
        rc = nsi_buf_append(b, n->term, n->term_len);
        return rc ? rc : nsi_buf_putc(b, '*');
    case NSQ_FUZZY:
        rc = nsi_buf_append(b, n->term, n->term_len);
        return rc ? rc : nsi_buf_printf(b, "~%u", n->dist);
    case NSQ_PHRASE:
        return format_phrase(n, b);
    case NSQ_KEYWORD:
        return format_value(n->term, n->term_len, b);
    case NSQ_RANGE:
        return nsq_range_format(&n->range, b);
    case NSQ_FIELD:
        rc = nsi_buf_putc(b, '{');
        if (!rc)
            rc = nsi_buf_append(b, n->term, n->term_len);
        return rc ? rc : nsi_buf_putc(b, '}');
    case NSQ_ALL:
        return nsi_buf_append(b, "(ALL)", 5);
    case NSQ_NEAR:
        rc = nsi_buf_printf(b, "(NEAR/%u", n->dist);
        if (!rc)
            rc = format_kids(n, b, 1);
        break;
    case NSQ_AND:
    case NSQ_OR:
    case NSQ_NOT:
    case NSQ_MAYBE:
        rc = nsi_buf_append(b, op[n->kind], strlen(op[n->kind]));
        if (!rc)
            rc = format_kids(n, b, 0);
        break;
    default:
        return NS_EINVAL;
    }
    return rc ? rc : nsi_buf_putc(b, ')');
}

/* A rewrite's weight after the node: "a b"^0.1. */
static int format_weighted(const nsq_node *n, nsi_buf *b, int bare)
{
    int rc = format_node(n, b, bare);
    if (!rc && n->weight > 0 && n->weight != 1)
        rc = nsi_buf_printf(b, "^%.3g", n->weight);
    return rc;
}

int nsq_format(const nsq_node *n, nsi_buf *b)
{
    if (!n)
        return nsi_buf_append(b, "()", 2);
    return format_weighted(n, b, 0);
}

nsq_node *nsq_copy(const nsq_node *n)
{
    nsq_node *c = n->term ? nsq_new_term(n->kind, n->term, n->term_len, n->offset)
                          : nsq_new(n->kind, n->offset);
    if (!c)
        return NULL;
    c->field = n->field;
    c->dist = n->dist;
    c->weight = n->weight;
    c->role = n->role;
    for (size_t i = 0; i < n->nkids; i++) {
        nsq_node *k = nsq_copy(n->kids[i]);
        /* kids of one kind are never flattened here: n is already flat */
        if (!k || reserve_kids(c, 1) != NS_OK) {
            nsq_free(k);
            nsq_free(c);
            return NULL;
        }
        c->kids[c->nkids++] = k;
    }
    return c;
}
