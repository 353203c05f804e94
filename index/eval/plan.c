/* plan.c — the evaluation tree: collection statistics and prefix expansion
 * (plan.h). */
#include <stdlib.h>
#include <string.h>

#include "common/internal.h"
#include "eval/bm25.h"
#include "eval/plan.h"
#include "format/values.h"

void nsi_plan_free(nsi_enode *e)
{
    if (!e)
        return;
    for (size_t i = 0; i < e->nkids; i++)
        nsi_plan_free(e->kids[i]);
    free(e->kids);
    free(e->term);
    free(e->fname);
    free(e);
}

static nsi_enode *enode_new(enum nsi_ekind kind, size_t nkids)
{
    nsi_enode *e = calloc(1, sizeof *e);
    if (!e)
        return NULL;
    e->kind = kind;
    if (nkids && !(e->kids = calloc(nkids, sizeof *e->kids))) {
        free(e);
        return NULL;
    }
    return e;
}

/* The deadline passed while planning: the message says where. */
static int plan_timeout(const nsi_plan_limits *lim, char *err, size_t errlen)
{
    return nsi_fail(err, errlen, NS_ETIMEOUT,
                    "query ran past its %g s deadline while expanding prefixes and looking up "
                    "terms",
                    lim->timeout);
}

static nsi_enode *term_enode(const nsi_snap *s, const char *t, size_t len, int title_only,
                             nsi_plan_limits *lim, int *rc, char *err, size_t errlen)
{
    /* a lookup per segment: few enough to read the clock every time */
    if (nsi_deadline_passed(lim->dl)) {
        *rc = plan_timeout(lim, err, errlen);
        return NULL;
    }
    nsi_enode *e = enode_new(NSI_E_TERM, 0);
    if (!e || !(e->term = malloc(len + 1))) {
        free(e);
        *rc = NS_ENOMEM;
        return NULL;
    }
    memcpy(e->term, t, len);
    e->term[len] = 0;
    e->len = len;
    e->title_only = title_only;
    for (uint32_t i = 0; i < s->nsegs; i++) {
        nsi_terminfo ti;
        int r = nsi_seg_lookup(s->segs[i], t, len, &ti, err, errlen);
        if (r == NS_OK)
            e->df += ti.df;
        else if (r != NS_ENOTFOUND) {
            *rc = r;
            nsi_plan_free(e);
            return NULL;
        }
    }
    e->idf = nsi_bm25_idf(s->ndocs, e->df);
    return e;
}

typedef struct strset {
    char **v;
    size_t *len;
    size_t n, cap;
} strset;

/* Terms of a text field hold a NUL (values.h): compared by bytes and length. */
typedef struct lstr {
    char *v;
    size_t len;
} lstr;

static int cmp_lstr(const void *a, const void *b)
{
    const lstr *x = a, *y = b;
    size_t n = x->len < y->len ? x->len : y->len;
    int c = memcmp(x->v, y->v, n);
    return c ? c : (x->len > y->len) - (x->len < y->len);
}

/* Every distinct term of the generation that starts with prefix: at most
 * lim->max_exp, and at most what is left of lim->max_total. */
static int expand_prefix(const nsi_snap *s, const nsq_node *q, const char *pre, size_t plen,
                         nsi_plan_limits *lim, strset *out, char *err, size_t errlen)
{
    unsigned max = lim->max_exp;
    for (uint32_t i = 0; i < s->nsegs; i++) {
        nsi_dictit it;
        int r = nsi_dictit_seek(&it, s->segs[i], pre, plen, err, errlen);
        while (r == NS_OK && it.term_len >= plen && memcmp(it.term, pre, plen) == 0) {
            if (nsi_deadline_tick(lim->dl))
                return plan_timeout(lim, err, errlen);
            int seen = 0;
            for (size_t k = 0; k < out->n && !seen; k++)
                seen = out->len[k] == it.term_len && !memcmp(out->v[k], it.term, it.term_len);
            if (!seen) {
                if (out->n >= max)
                    return nsi_fail(err, errlen, NS_ETOOBIG,
                                    "prefix '%s*' at %zu matches more than %u terms; make it "
                                    "longer",
                                    q->term, q->offset, max);
                if (lim->used + out->n >= lim->max_total)
                    return nsi_fail(err, errlen, NS_ETOOBIG,
                                    "query prefixes expand to more than %u terms together "
                                    "(reached at '%s*' at %zu); use fewer or longer prefixes",
                                    lim->max_total, q->term, q->offset);
                if (out->n == out->cap) {
                    size_t cap = out->cap ? out->cap * 2 : 16;
                    char **v = realloc(out->v, cap * sizeof *v);
                    size_t *l = v ? realloc(out->len, cap * sizeof *l) : NULL;
                    if (v)
                        out->v = v;
                    if (!l)
                        return NS_ENOMEM;
                    out->len = l;
                    out->cap = cap;
                }
                if (!(out->v[out->n] = malloc(it.term_len + 1)))
                    return NS_ENOMEM;
                memcpy(out->v[out->n], it.term, it.term_len);
                out->v[out->n][it.term_len] = '\0';
                out->len[out->n++] = it.term_len;
            }
            r = nsi_dictit_next(&it, err, errlen);
        }
        if (r < 0)
            return r;
    }
    /* byte order, lengths kept (a text field's terms hold a NUL) */
    if (out->n > 1) {
        lstr *t = malloc(out->n * sizeof *t);
        if (!t)
            return NS_ENOMEM;
        for (size_t k = 0; k < out->n; k++)
            t[k] = (lstr){out->v[k], out->len[k]};
        qsort(t, out->n, sizeof *t, cmp_lstr);
        for (size_t k = 0; k < out->n; k++) {
            out->v[k] = t[k].v;
            out->len[k] = t[k].len;
        }
        free(t);
    }
    return NS_OK;
}

static nsi_enode *prefix_enode(const nsi_snap *s, const nsq_node *q, nsi_plan_limits *lim, int *rc,
                               char *err, size_t errlen)
{
    strset set = {0};
    nsi_enode *e = NULL;
    nsi_buf pre = {0};
    if (q->field == NSQ_FIELD_NAMED)
        *rc = nsi_field_term(&pre, NSI_TERM_TEXT, q->fname, q->fname_len, q->term, q->term_len);
    else
        *rc = nsi_buf_append(&pre, q->term, q->term_len);
    if (!*rc)
        *rc = expand_prefix(s, q, (const char *)pre.data, pre.len, lim, &set, err, errlen);
    nsi_buf_free(&pre);
    if (!*rc) {
        lim->used += (unsigned)set.n;
        e = enode_new(set.n ? NSI_E_OR : NSI_E_EMPTY, set.n);
        if (!e)
            *rc = NS_ENOMEM;
        for (size_t k = 0; e && k < set.n; k++) {
            e->kids[k] = term_enode(s, set.v[k], set.len[k], q->field == NSQ_FIELD_TITLE, lim, rc,
                                    err, errlen);
            if (!e->kids[k]) {
                nsi_plan_free(e);
                e = NULL;
                break;
            }
            e->nkids++;
        }
    }
    for (size_t k = 0; k < set.n; k++)
        free(set.v[k]);
    free(set.v);
    free(set.len);
    return e;
}

/* A term of a text field or a keyword filter: the term the writer indexed
 * (values.h, nsi_field_term). A keyword filter never scores (idf 0). */
static nsi_enode *field_term_enode(const nsi_snap *s, const nsq_node *q, nsi_plan_limits *lim,
                                   int *rc, char *err, size_t errlen)
{
    nsi_buf t = {0};
    nsi_enode *e = NULL;
    int kw = q->kind == NSQ_KEYWORD;
    *rc = nsi_field_term(&t, kw ? NSI_TERM_KEYWORD : NSI_TERM_TEXT, q->fname, q->fname_len, q->term,
                         q->term_len);
    if (!*rc && (e = term_enode(s, (const char *)t.data, t.len, 0, lim, rc, err, errlen)) && kw) {
        e->kind = NSI_E_KEYWORD;
        e->idf = 0;
    }
    nsi_buf_free(&t);
    return e;
}

static nsi_enode *filter_enode(const nsq_node *q, int *rc)
{
    nsi_enode *e = enode_new(q->kind == NSQ_RANGE ? NSI_E_RANGE : NSI_E_ALL, 0);
    if (e && q->kind == NSQ_RANGE) {
        e->range = q->range;
        if (!(e->fname = malloc(q->fname_len + 1))) {
            free(e);
            e = NULL;
        } else {
            memcpy(e->fname, q->fname, q->fname_len + 1);
            e->fname_len = q->fname_len;
        }
    }
    if (!e)
        *rc = NS_ENOMEM;
    return e;
}

nsi_enode *nsi_plan_build(const nsi_snap *s, const nsq_node *q, nsi_plan_limits *lim, int *rc,
                          char *err, size_t errlen)
{
    static const enum nsi_ekind kinds[] = {
        [NSQ_TERM] = NSI_E_TERM, [NSQ_PREFIX] = NSI_E_OR,  [NSQ_PHRASE] = NSI_E_PHRASE,
        [NSQ_NEAR] = NSI_E_NEAR, [NSQ_AND] = NSI_E_AND,    [NSQ_OR] = NSI_E_OR,
        [NSQ_NOT] = NSI_E_NOT,   [NSQ_MAYBE] = NSI_E_MAYBE};
    if (q->kind == NSQ_TERM && q->field != NSQ_FIELD_NAMED)
        return term_enode(s, q->term, q->term_len, q->field == NSQ_FIELD_TITLE, lim, rc, err,
                          errlen);
    if (q->kind == NSQ_TERM || q->kind == NSQ_KEYWORD)
        return field_term_enode(s, q, lim, rc, err, errlen);
    if (q->kind == NSQ_PREFIX)
        return prefix_enode(s, q, lim, rc, err, errlen);
    if (q->kind == NSQ_RANGE || q->kind == NSQ_ALL)
        return filter_enode(q, rc);
    if (q->kind == NSQ_FIELD) { /* search.c resolves these first */
        *rc = nsi_fail(err, errlen, NS_EINVAL, "field operand '%s' at %zu was not resolved",
                       q->term, q->offset);
        return NULL;
    }
    nsi_enode *e = enode_new(kinds[q->kind], q->nkids);
    if (!e) {
        *rc = NS_ENOMEM;
        return NULL;
    }
    e->dist = q->dist;
    e->title_only = q->field == NSQ_FIELD_TITLE;
    for (size_t i = 0; i < q->nkids; i++) {
        nsi_enode *k = nsi_plan_build(s, q->kids[i], lim, rc, err, errlen);
        if (!k) {
            nsi_plan_free(e);
            return NULL;
        }
        /* a phrase or NEAR restricted to the title restricts its terms too */
        if (e->title_only && k->kind == NSI_E_TERM)
            k->title_only = 1;
        e->kids[e->nkids++] = k;
    }
    return e;
}

uint64_t nsi_plan_max_df(const nsi_enode *e)
{
    uint64_t m = e->kind == NSI_E_TERM ? e->df : 0;
    for (size_t i = 0; i < e->nkids; i++) {
        uint64_t k = nsi_plan_max_df(e->kids[i]);
        if (k > m)
            m = k;
    }
    return m;
}
