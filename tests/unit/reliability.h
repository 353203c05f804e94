/* reliability.h — shared by the reliability tests (test_corrupt, test_faults,
 * test_concurrency): a small deterministic corpus built from the seed
 * articles, a fixed query set, and a fingerprint of what a search returns, so
 * that "exactly the intact index's results" can be compared as strings. */
#ifndef NS_TEST_RELIABILITY_H
#define NS_TEST_RELIABILITY_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "corpus.h"
#include "nsearch.h"

/* Deterministic pseudo-random numbers (xorshift64*), seedable per test. */
static inline uint64_t rt_rand(uint64_t *s)
{
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * 0x2545F4914F6CDD1DULL;
}

/* The words of the seed bodies, used to make synthetic documents. */
typedef struct rt_vocab {
    char **w;
    size_t n;
} rt_vocab;

static inline void rt_vocab_load(rt_vocab *v, const tcorpus *c)
{
    size_t cap = 4096;
    v->w = malloc(cap * sizeof *v->w);
    v->n = 0;
    for (size_t i = 0; i < c->n; i++) {
        const char *p = c->d[i].body, *e = p + c->d[i].body_len;
        while (p < e) {
            while (p < e && !((*p | 32) >= 'a' && (*p | 32) <= 'z'))
                p++;
            const char *s = p;
            while (p < e && ((*p | 32) >= 'a' && (*p | 32) <= 'z'))
                p++;
            if (p - s >= 3) {
                if (v->n == cap)
                    v->w = realloc(v->w, (cap *= 2) * sizeof *v->w);
                v->w[v->n++] = tc_dup(s, (size_t)(p - s));
            }
        }
    }
}

static inline void rt_vocab_free(rt_vocab *v)
{
    for (size_t i = 0; i < v->n; i++)
        free(v->w[i]);
    free(v->w);
}

/* Synthetic document i: words drawn with a skew towards the start of the
 * vocabulary, so that frequent words have more than 128 postings (full
 * blocks with skip entries) in a few hundred documents. Caller frees. */
static inline void rt_synth(const rt_vocab *v, unsigned i, char **title, char **body)
{
    uint64_t s = 0x9E3779B97F4A7C15ULL * (i + 1);
    size_t cap = 4096, len = 0;
    char *b = malloc(cap);
    unsigned nw = 30 + (unsigned)(rt_rand(&s) % 60);
    for (unsigned k = 0; k < nw + 3; k++) {
        uint64_t r = rt_rand(&s) % v->n;
        size_t idx = (size_t)(r * r / v->n); /* P(idx < x) = sqrt(x / n) */
        const char *w = v->w[idx];
        size_t wl = strlen(w);
        if (len + wl + 2 >= cap)
            b = realloc(b, cap *= 2);
        memcpy(b + len, w, wl);
        len += wl;
        b[len++] = k == 2 ? '\n' : ' ';
    }
    b[len] = 0;
    char *nl = strchr(b, '\n');
    *nl = 0;
    *title = b;
    *body = tc_dup(nl + 1, strlen(nl + 1));
}

static inline int rt_put(ns_writer *w, const char *id, const char *title, const char *body)
{
    ns_doc d;
    memset(&d, 0, sizeof d);
    d.id = id;
    d.id_len = strlen(id);
    d.title = title;
    d.title_len = strlen(title);
    d.body = body;
    d.body_len = strlen(body);
    d.url = id;
    d.url_len = d.id_len;
    /* typed fields too (docs/fields.md), so that damage, faults and crashes
     * reach VALUES columns and field terms as well */
    char size[24];
    snprintf(size, sizeof size, "%zu", d.body_len);
    ns_field f[] = {
        {"kind", 4, id[0] == 's' ? "synthetic" : "other", id[0] == 's' ? 9u : 5u, NS_FIELD_KEYWORD},
        {"size", 4, size, strlen(size), NS_FIELD_NUMBER}};
    return ns_writer_put_fields(w, &d, f, 2, NULL);
}

static inline int rt_put_synth(ns_writer *w, const rt_vocab *v, unsigned i)
{
    char *t, *b, id[32];
    snprintf(id, sizeof id, "syn-%u", i);
    rt_synth(v, i, &t, &b);
    int rc = rt_put(w, id, t, b);
    free(t);
    free(b);
    return rc;
}

static inline int rt_put_seed(ns_writer *w, const tdoc *d)
{
    ns_doc x;
    memset(&x, 0, sizeof x);
    x.id = d->id;
    x.id_len = d->id_len;
    x.title = d->title;
    x.title_len = d->title_len;
    x.body = d->body;
    x.body_len = d->body_len;
    return ns_writer_put(w, &x, NULL);
}

/* Loads the seeds; returns 0 or -1 (message printed). */
static inline int rt_load_seeds(tcorpus *c, rt_vocab *v)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/corpora/seeds/docs.jsonl", nst_shared_dir());
    if (tc_load(c, path, 0) || c->n == 0) {
        fprintf(stderr, "cannot read %s\n", path);
        return -1;
    }
    rt_vocab_load(v, c);
    return 0;
}

/* Queries touching every part of a segment: plain terms, AND, OR (MaxScore),
 * phrases (positions), prefixes (dictionary walk), title field, NOT. */
static const char *const rt_queries[] = {
    "relations",
    "sever relations",
    "\"foreign ministry\"",
    "mosc*",
    "russia OR washington OR the",
    "title:russia",
    "the and of",
    "ties NOT moscow",
    "the OR and OR of OR relations",
    "dipl*",
    "\"the united states\"",
    "zzzznotaword",
};
#define RT_NQUERIES (sizeof rt_queries / sizeof rt_queries[0])

/* Appends to out (size n) a fingerprint of query qi on idx: total, each hit's
 * id and exact score, and the first hit's snippet. Returns the first failing
 * status (NS_OK when every call succeeded). */
static inline int rt_fingerprint(ns_index *idx, size_t qi, char *out, size_t n)
{
    ns_query *q;
    char err[NS_ERRBUF_SIZE];
    const char *text = rt_queries[qi];
    int rc = ns_query_parse(&q, idx, text, strlen(text), NULL, err, sizeof err, NULL);
    if (rc)
        return rc;
    ns_search_options so = NS_SEARCH_OPTIONS_INIT;
    so.k = 20;
    ns_results *r;
    rc = ns_search(&r, idx, q, &so);
    if (rc) {
        ns_query_free(q);
        return rc;
    }
    size_t len = strlen(out);
    len += (size_t)snprintf(out + len, n - len, "%s: %llu:", text,
                            (unsigned long long)ns_results_total(r, NULL));
    for (size_t i = 0; i < ns_results_count(r) && len < n; i++) {
        ns_hit h;
        if ((rc = ns_results_hit(r, i, &h)))
            break;
        len += (size_t)snprintf(out + len, n - len, " %.*s=%.17g", (int)h.id_len, h.id, h.score);
    }
    if (!rc && ns_results_count(r) && len < n) {
        ns_snippet *s;
        rc = ns_snippet_make(&s, idx, q, r, 0, NULL);
        if (!rc) {
            size_t sl;
            const char *st = ns_snippet_text(s, &sl);
            len += (size_t)snprintf(out + len, n - len, " [%.*s]", (int)sl, st);
            ns_snippet_free(s);
        }
    }
    if (len < n)
        snprintf(out + len, n - len, "\n");
    ns_results_free(r);
    ns_query_free(q);
    return rc;
}

#endif
