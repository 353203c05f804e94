/* plan.c — the evaluation tree: collection statistics, prefix and fuzzy
 * expansion (plan.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/internal.h"
#include "eval/bm25.h"
#include "eval/plan.h"
#include "format/values.h"
#include "query/fuzzy.h"

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

/* The weight and role a node passes to its terms (query.h, plan.h). */
typedef struct scale {
    double mult;
    int role;
} scale;

static nsi_enode *term_enode(const nsi_snap *s, const char *t, size_t len, int title_only, scale sc,
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
    e->weight = sc.mult;
    e->idf = nsi_bm25_idf(s->ndocs, e->df) * sc.mult;
    e->role = sc.role;
    e->edits = -1;
    return e;
}

typedef struct strent {
    char *v;
    size_t len;
    int edits; /* fuzzy: the term's distance to the query term */
} strent;

typedef struct strset {
    strent *e;
    size_t n, cap;
} strset;

static void strset_free(strset *set)
{
    for (size_t k = 0; k < set->n; k++)
        free(set->e[k].v);
    free(set->e);
}

/* byte order, lengths kept: a text field's terms hold a NUL (values.h) */
static int cmp_ent(const void *a, const void *b)
{
    const strent *x = a, *y = b;
    size_t n = x->len < y->len ? x->len : y->len;
    int c = memcmp(x->v, y->v, n);
    return c ? c : (x->len > y->len) - (x->len < y->len);
}

static int strset_sort(strset *set)
{
    if (set->n > 1)
        qsort(set->e, set->n, sizeof *set->e, cmp_ent);
    return NS_OK;
}

/* What a prefix or a fuzzy term is called in messages: relat*, govern~1. */
static void expansion_name(const nsq_node *q, char *out, size_t cap)
{
    if (q->kind == NSQ_FUZZY)
        snprintf(out, cap, "%s~%u", q->term, q->dist);
    else
        snprintf(out, cap, "%s*", q->term);
}

/* Adds term[0..len) with its edits to out unless it is there already, within
 * lim->max_exp terms and what is left of lim->max_total. */
static int strset_add(strset *out, const char *term, size_t len, int edits, const nsq_node *q,
                      const nsi_plan_limits *lim, char *err, size_t errlen)
{
    for (size_t k = 0; k < out->n; k++)
        if (out->e[k].len == len && !memcmp(out->e[k].v, term, len))
            return NS_OK;
    const char *what = q->kind == NSQ_FUZZY ? "fuzzy term" : "prefix";
    char name[NS_MAX_TERM_BYTES + 8];
    if (out->n >= lim->max_exp || lim->used + out->n >= lim->max_total)
        expansion_name(q, name, sizeof name);
    if (out->n >= lim->max_exp)
        return nsi_fail(err, errlen, NS_ETOOBIG, "%s '%s' at %zu matches more than %u terms; %s",
                        what, name, q->offset, lim->max_exp,
                        q->kind == NSQ_FUZZY ? "allow fewer edits" : "make it longer");
    if (lim->used + out->n >= lim->max_total)
        return nsi_fail(err, errlen, NS_ETOOBIG,
                        "query prefixes expand to more than %u terms together "
                        "(reached at '%s' at %zu); use fewer or longer prefixes",
                        lim->max_total, name, q->offset);
    if (out->n == out->cap) {
        size_t cap = out->cap ? out->cap * 2 : 16;
        strent *e = realloc(out->e, cap * sizeof *e);
        if (!e)
            return NS_ENOMEM;
        out->e = e;
        out->cap = cap;
    }
    char *v = malloc(len + 1); /* not strndup: a text field's term holds a NUL */
    if (!v)
        return NS_ENOMEM;
    memcpy(v, term, len);
    v[len] = '\0';
    out->e[out->n++] = (strent){v, len, edits};
    return NS_OK;
}

/* Every distinct term of the generation that starts with prefix: at most
 * lim->max_exp, and at most what is left of lim->max_total. */
static int expand_prefix(const nsi_snap *s, const nsq_node *q, const char *pre, size_t plen,
                         nsi_plan_limits *lim, strset *out, char *err, size_t errlen)
{
    for (uint32_t i = 0; i < s->nsegs; i++) {
        nsi_dictit it;
        int r = nsi_dictit_seek(&it, s->segs[i], pre, plen, err, errlen);
        while (r == NS_OK && it.term_len >= plen && memcmp(it.term, pre, plen) == 0) {
            if (nsi_deadline_tick(lim->dl))
                return plan_timeout(lim, err, errlen);
            if ((r = strset_add(out, it.term, it.term_len, -1, q, lim, err, errlen)) != NS_OK)
                return r;
            r = nsi_dictit_next(&it, err, errlen);
        }
        if (r < 0)
            return r;
    }
    return strset_sort(out);
}

/* Dictionary entries stepped over before a seek (expand_fuzzy). */
#define SKIP_STEPS 32

/* The smallest byte string greater than every string starting with
 * p[0..n): p with its last byte below 0xFF incremented and cut there; 0 when
 * there is none (p is all 0xFF). */
static size_t successor(const char *p, size_t n, char *out)
{
    while (n > 0 && (unsigned char)p[n - 1] == 0xFF)
        n--;
    if (n == 0)
        return 0;
    memcpy(out, p, n);
    out[n - 1] = (char)((unsigned char)out[n - 1] + 1);
    return n;
}

/* Every distinct term within q->dist edits of q->term (fuzzy.h): a walk of
 * each segment's dictionary in order that seeks past every prefix no term
 * within the budget can start with. */
static int expand_fuzzy(const nsi_snap *s, const nsq_node *q, nsi_plan_limits *lim, strset *out,
                        char *err, size_t errlen)
{
    nsi_fuzzy *f = malloc(sizeof *f);
    if (!f)
        return NS_ENOMEM;
    int r = nsi_fuzzy_init(f, q->term, q->term_len, q->dist);
    for (uint32_t i = 0; !r && i < s->nsegs; i++) {
        nsi_dictit it;
        char next[NS_MAX_TERM_BYTES + 1];
        r = nsi_dictit_seek(&it, s->segs[i], "", 0, err, errlen);
        while (r == NS_OK) {
            if (nsi_deadline_tick(lim->dl)) {
                r = plan_timeout(lim, err, errlen);
                break;
            }
            size_t skip, n;
            int d = nsi_fuzzy_feed(f, it.term, it.term_len, &skip);
            if (d >= 0)
                r = strset_add(out, it.term, it.term_len, d, q, lim, err, errlen);
            if (r)
                break;
            if (skip && skip <= NS_MAX_TERM_BYTES && (n = successor(it.term, skip, next)) > 0) {
                /* a hopeless prefix: step over its terms while they are few
                 * (stepping decodes one entry; a seek searches the whole
                 * dictionary), then seek past the rest */
                char pre[NS_MAX_TERM_BYTES];
                memcpy(pre, it.term, skip);
                int steps = 0;
                do
                    r = nsi_dictit_next(&it, err, errlen);
                while (r == NS_OK && ++steps < SKIP_STEPS && it.term_len >= skip &&
                       !memcmp(it.term, pre, skip));
                if (r == NS_OK && it.term_len >= skip && !memcmp(it.term, pre, skip))
                    r = nsi_dictit_seek(&it, s->segs[i], next, n, err, errlen);
            } else {
                r = nsi_dictit_next(&it, err, errlen);
            }
        }
        if (r > 0) /* the end of this dictionary */
            r = NS_OK;
    }
    free(f);
    return r ? r : strset_sort(out);
}

/* A fuzzy expansion's weight, as Lucene's fuzzy query: 1 - edits / the
 * shorter length (in code points), so a term one edit from a long word
 * counts almost fully and one from a short word much less. */
static double fuzzy_weight(const nsq_node *q, const char *t, size_t len, int edits)
{
    size_t a = nsi_fuzzy_cplen(q->term, q->term_len), b = nsi_fuzzy_cplen(t, len);
    size_t m = a < b ? a : b;
    double w = m ? 1.0 - (double)edits / (double)m : 0;
    return w > 0.1 ? w : 0.1;
}

static nsi_enode *expansion_enode(const nsi_snap *s, const nsq_node *q, scale sc,
                                  nsi_plan_limits *lim, int *rc, char *err, size_t errlen)
{
    strset set = {0};
    nsi_enode *e = NULL;
    if (q->kind == NSQ_FUZZY) {
        *rc = expand_fuzzy(s, q, lim, &set, err, errlen);
    } else {
        nsi_buf pre = {0};
        if (q->field == NSQ_FIELD_NAMED)
            *rc = nsi_field_term(&pre, NSI_TERM_TEXT, q->fname, q->fname_len, q->term, q->term_len);
        else
            *rc = nsi_buf_append(&pre, q->term, q->term_len);
        if (!*rc)
            *rc = expand_prefix(s, q, (const char *)pre.data, pre.len, lim, &set, err, errlen);
        nsi_buf_free(&pre);
    }
    if (!*rc) {
        lim->used += (unsigned)set.n;
        e = enode_new(set.n ? NSI_E_OR : NSI_E_EMPTY, set.n);
        if (!e)
            *rc = NS_ENOMEM;
        for (size_t k = 0; e && k < set.n; k++) {
            e->kids[k] = term_enode(s, set.e[k].v, set.e[k].len, q->field == NSQ_FIELD_TITLE, sc,
                                    lim, rc, err, errlen);
            if (!e->kids[k]) {
                nsi_plan_free(e);
                e = NULL;
                break;
            }
            e->nkids++;
        }
    }
    /* A fuzzy term's expansions share one IDF, that of the most frequent
     * (a rare misspelling must not outrank the word meant), each scaled by
     * its weight. */
    if (e && q->kind == NSQ_FUZZY) {
        uint64_t df = 0;
        for (size_t k = 0; k < e->nkids; k++)
            df = e->kids[k]->df > df ? e->kids[k]->df : df;
        for (size_t k = 0; k < e->nkids; k++) {
            nsi_enode *t = e->kids[k];
            t->edits = set.e[k].edits;
            t->weight = fuzzy_weight(q, t->term, t->len, t->edits) * sc.mult;
            t->idf = nsi_bm25_idf(s->ndocs, df) * t->weight;
        }
    }
    strset_free(&set);
    return e;
}

/* A term of a text field or a keyword filter: the term the writer indexed
 * (values.h, nsi_field_term). A keyword filter never scores (idf 0). */
static nsi_enode *field_term_enode(const nsi_snap *s, const nsq_node *q, scale sc,
                                   nsi_plan_limits *lim, int *rc, char *err, size_t errlen)
{
    nsi_buf t = {0};
    nsi_enode *e = NULL;
    int kw = q->kind == NSQ_KEYWORD;
    *rc = nsi_field_term(&t, kw ? NSI_TERM_KEYWORD : NSI_TERM_TEXT, q->fname, q->fname_len, q->term,
                         q->term_len);
    if (!*rc && (e = term_enode(s, (const char *)t.data, t.len, 0, sc, lim, rc, err, errlen)) &&
        kw) {
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

static nsi_enode *build(const nsi_snap *s, const nsq_node *q, scale sc, nsi_plan_limits *lim,
                        int *rc, char *err, size_t errlen)
{
    static const enum nsi_ekind kinds[] = {
        [NSQ_TERM] = NSI_E_TERM, [NSQ_PREFIX] = NSI_E_OR,   [NSQ_PHRASE] = NSI_E_PHRASE,
        [NSQ_NEAR] = NSI_E_NEAR, [NSQ_AND] = NSI_E_AND,     [NSQ_OR] = NSI_E_OR,
        [NSQ_NOT] = NSI_E_NOT,   [NSQ_MAYBE] = NSI_E_MAYBE, [NSQ_FUZZY] = NSI_E_OR};
    if (q->weight > 0)
        sc.mult *= q->weight;
    if (q->role != NSQ_ROLE_QUERY)
        sc.role = q->role;
    if (q->kind == NSQ_TERM && q->field != NSQ_FIELD_NAMED)
        return term_enode(s, q->term, q->term_len, q->field == NSQ_FIELD_TITLE, sc, lim, rc, err,
                          errlen);
    if (q->kind == NSQ_TERM || q->kind == NSQ_KEYWORD)
        return field_term_enode(s, q, sc, lim, rc, err, errlen);
    if (q->kind == NSQ_PREFIX || q->kind == NSQ_FUZZY)
        return expansion_enode(s, q, sc, lim, rc, err, errlen);
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
        nsi_enode *k = build(s, q->kids[i], sc, lim, rc, err, errlen);
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

nsi_enode *nsi_plan_build(const nsi_snap *s, const nsq_node *q, nsi_plan_limits *lim, int *rc,
                          char *err, size_t errlen)
{
    return build(s, q, (scale){1.0, NSQ_ROLE_QUERY}, lim, rc, err, errlen);
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
