/* test_fields_query.c — the query side of typed fields (issue 12) on real
 * data: Reuters-21578 (topics, places as keywords, the built-in date) and BBC
 * News (category), fed through the C API (ns_writer_put_fields), searched
 * through nsearch.h, and every answer compared with a scan of the corpus
 * computed here:
 *   - topics:cocoa is exactly the documents whose topics list has cocoa;
 *   - oil date:1987-03-01..1987-03-31 exactly the oil matches dated in March
 *     1987 (oil's matches are the engine's own: the scan checks the filter);
 *   - sorting by date (both ways) orders every match, undated ones last;
 *   - facet counts are those of a scan of the match set;
 *   - dedup never shows two hits with the same body, and hits plus
 *     duplicates account for every match;
 *   - filters never change scores, pruned and exhaustive evaluation agree;
 *   - filters built in code equal parsed ones; bad fields and ranges fail
 *     with their offsets. */
#include <json-c/json.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "corpus.h"
#include "nsearch.h"
#include "nstest.h"

#define MAXV 32

typedef struct fdoc {
    char *id, *title, *body, *date;
    int64_t secs; /* when has_date */
    int has_date;
    char *topics[MAXV], *places[MAXV], *category;
    size_t ntopics, nplaces;
} fdoc;

typedef struct fcorpus {
    fdoc *d;
    size_t n;
    const char *dir;
    ns_index *idx;
} fcorpus;

static fcorpus reuters, bbc;

static char *jstr(json_object *o, const char *key)
{
    json_object *v;
    if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
        return NULL;
    return tc_dup(json_object_get_string(v), (size_t)json_object_get_string_len(v));
}

static size_t jlist(json_object *o, const char *key, char **out)
{
    json_object *v;
    size_t n = 0;
    if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_array))
        return 0;
    for (size_t i = 0; i < json_object_array_length(v) && n < MAXV; i++) {
        json_object *e = json_object_array_get_idx(v, i);
        if (json_object_is_type(e, json_type_string) && json_object_get_string_len(e) > 0)
            out[n++] = tc_dup(json_object_get_string(e), (size_t)json_object_get_string_len(e));
    }
    return n;
}

static int load(fcorpus *c, const char *rel)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/corpora/%s", nst_shared_dir(), rel);
    gzFile f = gzopen(path, "rb");
    if (!f)
        return -1;
    size_t cap = 1 << 20, len = 0, dcap = 1024;
    char *buf = malloc(cap);
    int k;
    while ((k = gzread(f, buf + len, (unsigned)(cap - len))) > 0)
        if ((len += (size_t)k) == cap)
            buf = realloc(buf, cap *= 2);
    gzclose(f);
    c->d = calloc(dcap, sizeof *c->d);
    for (size_t i = 0; i < len;) {
        char *nl = memchr(buf + i, '\n', len - i);
        size_t end = nl ? (size_t)(nl - buf) : len;
        json_tokener *tok = json_tokener_new();
        json_object *o = json_tokener_parse_ex(tok, buf + i, (int)(end - i));
        json_tokener_free(tok);
        i = end + 1;
        if (!o)
            continue;
        if (c->n == dcap) {
            c->d = realloc(c->d, (dcap *= 2) * sizeof *c->d);
            memset(c->d + c->n, 0, (dcap - c->n) * sizeof *c->d);
        }
        fdoc *d = &c->d[c->n++];
        d->id = jstr(o, "id");
        d->title = jstr(o, "title");
        d->body = jstr(o, "body");
        d->date = jstr(o, "date");
        d->category = jstr(o, "category");
        d->ntopics = jlist(o, "topics", d->topics);
        d->nplaces = jlist(o, "places", d->places);
        d->has_date = d->date && ns_date_parse(d->date, strlen(d->date), &d->secs) == NS_OK;
        json_object_put(o);
    }
    free(buf);
    return 0;
}

static const char *s0(const char *s) { return s ? s : ""; }

static void build(fcorpus *c, const char *name)
{
    char err[NS_ERRBUF_SIZE] = "";
    ns_writer *w;
    c->dir = strdup(tc_tmpdir(name));
    CHECK_EQ_INT(ns_writer_open(&w, c->dir, NULL, err, sizeof err), NS_OK);
    CHECK_EQ_INT(ns_writer_declare_field(w, "topics", 6, NS_FIELD_KEYWORD), NS_OK);
    CHECK_EQ_INT(ns_writer_declare_field(w, "places", 6, NS_FIELD_KEYWORD), NS_OK);
    CHECK_EQ_INT(ns_writer_declare_field(w, "category", 8, NS_FIELD_KEYWORD), NS_OK);
    for (size_t i = 0; i < c->n; i++) {
        fdoc *d = &c->d[i];
        ns_field f[2 * MAXV + 1];
        size_t nf = 0;
        for (size_t j = 0; j < d->ntopics; j++)
            f[nf++] = (ns_field){"topics", 6, d->topics[j], strlen(d->topics[j]), 0};
        for (size_t j = 0; j < d->nplaces; j++)
            f[nf++] = (ns_field){"places", 6, d->places[j], strlen(d->places[j]), 0};
        if (d->category)
            f[nf++] = (ns_field){"category", 8, d->category, strlen(d->category), 0};
        ns_doc doc = {d->id,       strlen(d->id),       s0(d->title), strlen(s0(d->title)),
                      s0(d->body), strlen(s0(d->body)), "",           0,
                      s0(d->date), strlen(s0(d->date)), "",           0};
        int outcome;
        int rc = ns_writer_put_fields(w, &doc, f, nf, &outcome);
        if (rc)
            fprintf(stderr, "put %s: %s\n", d->id, ns_writer_errmsg(w));
        CHECK_EQ_INT(rc, NS_OK);
    }
    CHECK_EQ_INT(ns_writer_commit(w), NS_OK);
    ns_writer_close(w);
    CHECK_EQ_INT(ns_index_open(&c->idx, c->dir, err, sizeof err), NS_OK);
}

static void setup(void)
{
    if (load(&reuters, "reuters21578/docs.jsonl.gz") || load(&bbc, "bbc_news/docs.jsonl")) {
        nst_skip("the shared corpora (reuters21578, bbc_news) are missing");
        return;
    }
    build(&reuters, "fq-reuters");
    build(&bbc, "fq-bbc");
}

static void free_corpus(fcorpus *c)
{
    ns_index_close(c->idx);
    if (c->dir)
        tc_rmdir(c->dir);
    free((char *)c->dir);
    for (size_t i = 0; i < c->n; i++) {
        fdoc *d = &c->d[i];
        free(d->id);
        free(d->title);
        free(d->body);
        free(d->date);
        free(d->category);
        for (size_t j = 0; j < d->ntopics; j++)
            free(d->topics[j]);
        for (size_t j = 0; j < d->nplaces; j++)
            free(d->places[j]);
    }
    free(c->d);
}

static void teardown(void)
{
    free_corpus(&reuters);
    free_corpus(&bbc);
}

/* ------------------------------------------------------------ helpers */

/* The corpus document with this id (ids are unique). */
static const fdoc *by_id(const fcorpus *c, const char *id, size_t len)
{
    for (size_t i = 0; i < c->n; i++)
        if (strlen(c->d[i].id) == len && !memcmp(c->d[i].id, id, len))
            return &c->d[i];
    return NULL;
}

static int has(char *const *v, size_t n, const char *s)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(v[i], s))
            return 1;
    return 0;
}

/* Runs text on c with every match returned (k = all), opts adjusted by the
 * caller's base. */
static ns_results *search(const fcorpus *c, const char *text, ns_search_options *so)
{
    ns_query *q = NULL;
    ns_results *r = NULL;
    char err[NS_ERRBUF_SIZE];
    size_t off;
    int rc = ns_query_parse(&q, c->idx, text, strlen(text), NULL, err, sizeof err, &off);
    if (rc)
        fprintf(stderr, "[%s]: %s\n", text, err);
    CHECK_EQ_INT(rc, NS_OK);
    if (rc)
        return NULL;
    ns_search_options dflt = NS_SEARCH_OPTIONS_INIT;
    if (!so) {
        dflt.k = c->n;
        so = &dflt;
    }
    rc = ns_search(&r, c->idx, q, so);
    if (rc)
        fprintf(stderr, "[%s]: %s\n", text, ns_index_errmsg(c->idx));
    CHECK_EQ_INT(rc, NS_OK);
    ns_query_free(q);
    return r;
}

/* marks[i] = 1 for every corpus document among r's hits; returns how many. */
static size_t mark_hits(const fcorpus *c, const ns_results *r, char *marks)
{
    memset(marks, 0, c->n);
    size_t n = ns_results_count(r);
    for (size_t i = 0; i < n; i++) {
        ns_hit h;
        CHECK_EQ_INT(ns_results_hit(r, i, &h), NS_OK);
        const fdoc *d = by_id(c, h.id, h.id_len);
        CHECK(d != NULL);
        if (d)
            marks[d - c->d] = 1;
    }
    return n;
}

/* ------------------------------------------------------------ filters */

static void test_keyword_filter(void)
{
    char *marks = malloc(reuters.n);
    ns_results *r = search(&reuters, "topics:cocoa", NULL);
    size_t got = mark_hits(&reuters, r, marks), want = 0;
    int exact;
    for (size_t i = 0; i < reuters.n; i++) {
        int in = has(reuters.d[i].topics, reuters.d[i].ntopics, "cocoa");
        want += in;
        if (in != marks[i])
            fprintf(stderr, "topics:cocoa: doc %s in scan %d, in hits %d\n", reuters.d[i].id, in,
                    marks[i]);
        CHECK_EQ_INT(in, marks[i]);
    }
    CHECK(want > 50); /* Reuters has 70-odd cocoa stories */
    CHECK_EQ_INT(got, want);
    CHECK_EQ_INT(ns_results_total(r, &exact), want);
    CHECK_EQ_INT(exact, 1);
    /* not scored: every hit scores 0 */
    for (size_t i = 0; i < got; i++) {
        ns_hit h;
        ns_results_hit(r, i, &h);
        CHECK(h.score == 0);
    }
    ns_results_free(r);

    /* OR of values, case-insensitive; NOT alone = every document but those */
    r = search(&reuters, "topics:(COCOA OR Coffee)", NULL);
    got = mark_hits(&reuters, r, marks);
    want = 0;
    for (size_t i = 0; i < reuters.n; i++) {
        int in = has(reuters.d[i].topics, reuters.d[i].ntopics, "cocoa") ||
                 has(reuters.d[i].topics, reuters.d[i].ntopics, "coffee");
        want += in;
        CHECK_EQ_INT(in, marks[i]);
    }
    CHECK_EQ_INT(got, want);
    ns_results_free(r);

    r = search(&reuters, "-topics:cocoa -places:usa", NULL);
    got = mark_hits(&reuters, r, marks);
    want = 0;
    for (size_t i = 0; i < reuters.n; i++) {
        int in = !has(reuters.d[i].topics, reuters.d[i].ntopics, "cocoa") &&
                 !has(reuters.d[i].places, reuters.d[i].nplaces, "usa");
        want += in;
        CHECK_EQ_INT(in, marks[i]);
    }
    CHECK_EQ_INT(got, want);
    ns_results_free(r);
    free(marks);
}

static int in_march_1987(const fdoc *d)
{
    /* 1987-03-01T00:00:00Z = 541555200, 1987-04-01T00:00:00Z = 544233600 */
    return d->has_date && d->secs >= 541555200 && d->secs < 544233600;
}

static void test_date_range(void)
{
    char *oil = malloc(reuters.n), *marks = malloc(reuters.n);
    ns_results *r = search(&reuters, "oil", NULL);
    size_t noil = mark_hits(&reuters, r, oil);
    ns_results_free(r);
    CHECK(noil > 500);
    r = search(&reuters, "oil date:1987-03-01..1987-03-31", NULL);
    size_t got = mark_hits(&reuters, r, marks), want = 0;
    for (size_t i = 0; i < reuters.n; i++) {
        int in = oil[i] && in_march_1987(&reuters.d[i]);
        want += in;
        CHECK_EQ_INT(in, marks[i]);
    }
    CHECK(want > 100 && want < noil); /* the filter keeps some, drops some */
    CHECK_EQ_INT(got, want);
    /* the same range written other ways */
    const char *same[] = {"oil date:1987-03", "oil date:1987-03..1987-03",
                          "oil date:>=1987-03-01 date:<1987-04", "date:1987-03 AND oil",
                          "oil date:>1987-02-28 date:<=1987-03-31T23:59:59Z"};
    for (size_t k = 0; k < sizeof same / sizeof *same; k++) {
        ns_results *r2 = search(&reuters, same[k], NULL);
        CHECK_EQ_INT(ns_results_count(r2), want);
        ns_results_free(r2);
    }
    /* scores are oil's: the filter adds nothing */
    ns_results *ro = search(&reuters, "oil", NULL);
    for (size_t i = 0; i < ns_results_count(r); i++) {
        ns_hit h, g;
        ns_results_hit(r, i, &h);
        for (size_t j = 0; j < ns_results_count(ro); j++) {
            ns_results_hit(ro, j, &g);
            if (g.docnum == h.docnum) {
                CHECK(g.score == h.score);
                break;
            }
        }
    }
    ns_results_free(ro);
    ns_results_free(r);
    free(oil);
    free(marks);
}

/* ------------------------------------------------------------ sort */

static void check_sorted(const char *text, int desc)
{
    ns_search_options so = NS_SEARCH_OPTIONS_INIT;
    so.k = reuters.n;
    so.sort_field = "date";
    so.sort_desc = desc;
    ns_results *r = search(&reuters, text, &so), *plain = search(&reuters, text, NULL);
    size_t n = ns_results_count(r);
    CHECK_EQ_INT(n, ns_results_count(plain)); /* every match, in another order */
    int64_t prev = 0;
    double prev_score = 0;
    int seen_undated = 0, first = 1;
    for (size_t i = 0; i < n; i++) {
        ns_hit h;
        ns_results_hit(r, i, &h);
        const fdoc *d = by_id(&reuters, h.id, h.id_len);
        CHECK(d != NULL);
        if (!d)
            continue;
        if (!d->has_date) {
            seen_undated = 1;
            continue;
        }
        CHECK(!seen_undated); /* undated documents come last */
        if (!first) {
            CHECK(desc ? d->secs <= prev : d->secs >= prev);
            if (d->secs == prev)
                CHECK(h.score <= prev_score); /* ties by score */
        }
        first = 0;
        prev = d->secs;
        prev_score = h.score;
    }
    ns_results_free(r);
    ns_results_free(plain);
}

static void test_sort_by_date(void)
{
    check_sorted("oil", 1);
    check_sorted("oil", 0);
    check_sorted("topics:cocoa", 1);
    /* a page of the sorted order is that part of the whole order */
    ns_search_options so = NS_SEARCH_OPTIONS_INIT;
    so.k = reuters.n;
    so.sort_field = "date";
    so.sort_desc = 1;
    ns_results *all = search(&reuters, "oil", &so);
    so.k = 7;
    so.offset = 30;
    ns_results *page = search(&reuters, "oil", &so);
    CHECK_EQ_INT(ns_results_count(page), 7);
    for (size_t i = 0; i < 7; i++) {
        ns_hit a, b;
        ns_results_hit(all, 30 + i, &a);
        ns_results_hit(page, i, &b);
        CHECK_EQ_INT(a.docnum, b.docnum);
        CHECK_EQ_INT(b.rank, 31 + i);
    }
    ns_results_free(all);
    ns_results_free(page);
}

/* ------------------------------------------------------------ facets */

typedef struct vc {
    const char *v;
    uint64_t n;
} vc;

static int by_count(const void *a, const void *b)
{
    const vc *x = a, *y = b;
    if (x->n != y->n)
        return x->n > y->n ? -1 : 1;
    return strcmp(x->v, y->v);
}

static void test_facets(void)
{
    const char *queries[] = {"oil", "topics:cocoa", "grain OR wheat"};
    char *marks = malloc(reuters.n);
    for (size_t q = 0; q < sizeof queries / sizeof *queries; q++) {
        ns_facet_request fr[2] = {{"topics", 0}, {"places", 5}};
        ns_search_options so = NS_SEARCH_OPTIONS_INIT;
        so.k = reuters.n;
        ns_results *all = search(&reuters, queries[q], &so);
        mark_hits(&reuters, all, marks);
        so.k = 3; /* facets count every match, whatever k */
        so.facets = fr;
        so.nfacets = 2;
        ns_results *r = search(&reuters, queries[q], &so);
        CHECK_EQ_INT(ns_results_facet_count(r), 2);
        for (int f = 0; f < 2; f++) {
            /* the scan: distinct values of the field over the match set */
            vc *counts = calloc(4096, sizeof *counts);
            size_t nc = 0;
            for (size_t i = 0; i < reuters.n; i++) {
                if (!marks[i])
                    continue;
                char *const *v = f == 0 ? reuters.d[i].topics : reuters.d[i].places;
                size_t n = f == 0 ? reuters.d[i].ntopics : reuters.d[i].nplaces;
                for (size_t j = 0; j < n; j++) {
                    if (has(v, j, v[j]))
                        continue; /* a document counts once per value */
                    size_t k = 0;
                    while (k < nc && strcmp(counts[k].v, v[j]))
                        k++;
                    if (k == nc && nc < 4096)
                        counts[nc++] = (vc){v[j], 0};
                    counts[k].n++;
                }
            }
            qsort(counts, nc, sizeof *counts, by_count);
            const char *name;
            size_t nv;
            CHECK_EQ_INT(ns_results_facet(r, (size_t)f, &name, &nv), NS_OK);
            CHECK_EQ_STR(name, fr[f].field);
            size_t limit = fr[f].limit ? fr[f].limit : 10;
            CHECK_EQ_INT(nv, nc < limit ? nc : limit);
            for (size_t j = 0; j < nv; j++) {
                const char *v;
                size_t len;
                uint64_t count;
                CHECK_EQ_INT(ns_results_facet_value(r, (size_t)f, j, &v, &len, &count), NS_OK);
                if (strcmp(v, counts[j].v) || count != counts[j].n)
                    fprintf(stderr, "[%s] facet %s #%zu: got %s %llu, scan %s %llu\n", queries[q],
                            name, j, v, (unsigned long long)count, counts[j].v,
                            (unsigned long long)counts[j].n);
                CHECK_EQ_STR(v, counts[j].v);
                CHECK_EQ_INT(count, counts[j].n);
            }
            free(counts);
        }
        CHECK_EQ_INT(ns_results_count(r), 3);
        ns_results_free(r);
        ns_results_free(all);
    }
    free(marks);
}

/* ------------------------------------------------------------ dedup */

static void check_dedup(const char *text, const char *sort)
{
    ns_search_options so = NS_SEARCH_OPTIONS_INIT;
    so.k = bbc.n;
    so.sort_field = sort;
    ns_results *all = search(&bbc, text, &so);
    so.dedup = 1;
    ns_results *r = search(&bbc, text, &so);
    size_t n = ns_results_count(r), nall = ns_results_count(all);
    uint64_t dups = 0;
    for (size_t i = 0; i < n; i++) {
        ns_hit h;
        ns_results_hit(r, i, &h);
        const fdoc *d = by_id(&bbc, h.id, h.id_len);
        dups += ns_results_duplicates(r, i);
        for (size_t j = 0; j < i && d; j++) {
            ns_hit g;
            ns_results_hit(r, j, &g);
            const fdoc *e = by_id(&bbc, g.id, g.id_len);
            if (e && !strcmp(s0(d->body), s0(e->body)))
                fprintf(stderr, "[%s] %s and %s have the same body\n", text, d->id, e->id);
            CHECK(!e || strcmp(s0(d->body), s0(e->body)) != 0);
        }
    }
    /* every match is shown or collapsed into one shown */
    CHECK_EQ_INT(n + dups, nall);
    CHECK_EQ_INT(ns_results_total(r, NULL), nall);
    ns_results_free(r);
    ns_results_free(all);
}

static void test_dedup(void)
{
    /* BBC News has exact copies: the scan must find some for the test to
     * mean anything */
    size_t copies = 0;
    for (size_t i = 0; i < bbc.n && copies < 5; i++)
        for (size_t j = i + 1; j < bbc.n; j++)
            if (bbc.d[i].body && bbc.d[j].body && !strcmp(bbc.d[i].body, bbc.d[j].body)) {
                copies++;
                break;
            }
    CHECK(copies > 0);
    check_dedup("government", NULL);
    check_dedup("film OR music", NULL);
    check_dedup("category:business", NULL);
    /* a short page still never shows two copies */
    ns_search_options so = NS_SEARCH_OPTIONS_INIT;
    so.k = 10;
    so.dedup = 1;
    ns_results *r = search(&bbc, "government", &so);
    CHECK_EQ_INT(ns_results_count(r), 10);
    for (size_t i = 0; i < 10; i++)
        for (size_t j = 0; j < i; j++) {
            ns_hit a, b;
            ns_results_hit(r, i, &a);
            ns_results_hit(r, j, &b);
            const fdoc *x = by_id(&bbc, a.id, a.id_len), *y = by_id(&bbc, b.id, b.id_len);
            CHECK(x && y && strcmp(s0(x->body), s0(y->body)) != 0);
        }
    ns_results_free(r);
}

/* ------------------------------------------------------------ hit values */

static void test_hit_fields(void)
{
    ns_results *r = search(&reuters, "topics:cocoa places:brazil", NULL);
    size_t n = ns_results_count(r);
    CHECK(n > 5);
    for (size_t i = 0; i < n; i++) {
        ns_hit h;
        ns_results_hit(r, i, &h);
        const fdoc *d = by_id(&reuters, h.id, h.id_len);
        CHECK(d != NULL);
        if (!d)
            continue;
        size_t nt = 0, np = 0, nd = 0, nv = ns_results_field_count(r, i);
        for (size_t j = 0; j < nv; j++) {
            ns_field_value v;
            CHECK_EQ_INT(ns_results_field(r, i, j, &v), NS_OK);
            if (!strcmp(v.name, "topics")) {
                CHECK(nt < d->ntopics && !strcmp(v.text, d->topics[nt]));
                nt++;
            } else if (!strcmp(v.name, "places")) {
                CHECK(np < d->nplaces && !strcmp(v.text, d->places[np]));
                np++;
            } else if (!strcmp(v.name, "date")) {
                char iso[32];
                CHECK_EQ_INT(v.type, NS_FIELD_DATE);
                CHECK(d->has_date && v.date == d->secs);
                CHECK_EQ_INT(ns_date_format(d->secs, iso, sizeof iso), NS_OK);
                CHECK_EQ_STR(v.text, iso);
                nd++;
            }
        }
        CHECK_EQ_INT(nt, d->ntopics); /* every value, in the order given */
        CHECK_EQ_INT(np, d->nplaces);
        CHECK_EQ_INT(nd, (size_t)d->has_date);
    }
    CHECK_EQ_INT(ns_results_field(r, 0, 999, &(ns_field_value){0}), NS_EINVAL);
    ns_results_free(r);
}

/* ------------------------------------------------------------ exactness */

static void test_pruned_equals_exhaustive(void)
{
    const char *queries[] = {"oil gas topics:crude", "cocoa coffee sugar -places:usa",
                             "wheat grain date:1987-03"};
    for (size_t q = 0; q < sizeof queries / sizeof *queries; q++) {
        ns_query_options qo = NS_QUERY_OPTIONS_INIT;
        qo.any = 1;
        ns_query *qq;
        char err[NS_ERRBUF_SIZE];
        size_t off;
        CHECK_EQ_INT(ns_query_parse(&qq, reuters.idx, queries[q], strlen(queries[q]), &qo, err,
                                    sizeof err, &off),
                     NS_OK);
        ns_search_options a = NS_SEARCH_OPTIONS_INIT, b = NS_SEARCH_OPTIONS_INIT;
        a.k = b.k = 20;
        b.exhaustive = 1;
        ns_results *ra, *rb;
        CHECK_EQ_INT(ns_search(&ra, reuters.idx, qq, &a), NS_OK);
        CHECK_EQ_INT(ns_search(&rb, reuters.idx, qq, &b), NS_OK);
        CHECK_EQ_INT(ns_results_count(ra), ns_results_count(rb));
        for (size_t i = 0; i < ns_results_count(ra); i++) {
            ns_hit x, y;
            ns_results_hit(ra, i, &x);
            ns_results_hit(rb, i, &y);
            CHECK_EQ_INT(x.docnum, y.docnum);
            CHECK(x.score == y.score);
        }
        ns_results_free(ra);
        ns_results_free(rb);
        ns_query_free(qq);
    }
}

/* ------------------------------------------------------------ code-built filters */

static void test_filters_in_code(void)
{
    ns_query *q;
    char err[NS_ERRBUF_SIZE];
    size_t off;
    /* parsed without an index: the range is resolved at search time */
    CHECK_EQ_INT(ns_query_parse(&q, NULL, "oil", 3, NULL, err, sizeof err, &off), NS_OK);
    CHECK_EQ_INT(ns_query_add_range(q, "date", "1987-03-01", 10, 1, "1987-04-01", 10, 0), NS_OK);
    CHECK_EQ_INT(ns_query_add_keyword(q, "places", "USA", 3), NS_OK);
    ns_search_options so = NS_SEARCH_OPTIONS_INIT;
    so.k = reuters.n;
    ns_results *r;
    CHECK_EQ_INT(ns_search(&r, reuters.idx, q, &so), NS_OK);
    ns_results *p = search(&reuters, "oil date:1987-03 places:usa", NULL);
    CHECK_EQ_INT(ns_results_count(r), ns_results_count(p));
    CHECK(ns_results_count(r) > 10);
    for (size_t i = 0; i < ns_results_count(r); i++) {
        ns_hit x, y;
        ns_results_hit(r, i, &x);
        ns_results_hit(p, i, &y);
        CHECK_EQ_INT(x.docnum, y.docnum);
        CHECK(x.score == y.score);
    }
    ns_results_free(r);
    ns_results_free(p);
    ns_query_free(q);
    /* only filters: every document passing them */
    CHECK_EQ_INT(ns_query_parse(&q, reuters.idx, "", 0, NULL, err, sizeof err, &off), NS_OK);
    CHECK_EQ_INT(ns_query_add_keyword(q, "topics", "cocoa", 5), NS_OK);
    CHECK_EQ_INT(ns_search(&r, reuters.idx, q, &so), NS_OK);
    p = search(&reuters, "topics:cocoa", NULL);
    CHECK_EQ_INT(ns_results_count(r), ns_results_count(p));
    ns_results_free(r);
    ns_results_free(p);
    ns_query_free(q);
    /* a filter on a field the index does not have fails the search */
    CHECK_EQ_INT(ns_query_parse(&q, NULL, "oil", 3, NULL, err, sizeof err, &off), NS_OK);
    CHECK_EQ_INT(ns_query_add_keyword(q, "topic", "cocoa", 5), NS_OK);
    CHECK_EQ_INT(ns_search(&r, reuters.idx, q, &so), NS_EINVAL);
    CHECK(strstr(ns_index_errmsg(reuters.idx), "unknown field 'topic'") != NULL);
    ns_query_free(q);
    CHECK_EQ_INT(ns_query_add_range(NULL, "date", "1987", 4, 1, NULL, 0, 0), NS_EINVAL);
}

/* ------------------------------------------------------------ errors */

static void test_errors(void)
{
    ns_query *q = NULL;
    char err[NS_ERRBUF_SIZE];
    size_t off = 0;
    const char *t = "oil Topics:cocoa";
    CHECK_EQ_INT(ns_query_parse(&q, reuters.idx, t, strlen(t), NULL, err, sizeof err, &off),
                 NS_ESYNTAX);
    CHECK_EQ_INT(off, 4);
    CHECK(strstr(err, "unknown field 'Topics' at 4 (fields: title, ") != NULL);
    CHECK(strstr(err, "topics") != NULL);
    t = "oil date:1987-02-30";
    CHECK_EQ_INT(ns_query_parse(&q, reuters.idx, t, strlen(t), NULL, err, sizeof err, &off),
                 NS_ESYNTAX);
    CHECK_EQ_INT(off, 4);
    CHECK(strstr(err, "bad date range '1987-02-30' at 4") != NULL);
    /* a keyword field is no range, a date no keyword */
    t = "topics:>=3";
    CHECK_EQ_INT(ns_query_parse(&q, reuters.idx, t, strlen(t), NULL, err, sizeof err, &off),
                 NS_OK); /* the value ">=3" */
    ns_query_free(q);
    /* parsed without an index: the same errors at search time */
    ns_results *r = NULL;
    t = "oil date:1987-13";
    CHECK_EQ_INT(ns_query_parse(&q, NULL, t, strlen(t), NULL, err, sizeof err, &off), NS_OK);
    CHECK_EQ_INT(ns_search(&r, reuters.idx, q, NULL), NS_EINVAL);
    CHECK(strstr(ns_index_errmsg(reuters.idx), "bad date range '1987-13' at 4") != NULL);
    ns_query_free(q);
    t = "oil Topics:cocoa";
    CHECK_EQ_INT(ns_query_parse(&q, NULL, t, strlen(t), NULL, err, sizeof err, &off), NS_OK);
    CHECK_EQ_INT(ns_search(&r, reuters.idx, q, NULL), NS_EINVAL);
    CHECK(strstr(ns_index_errmsg(reuters.idx), "unknown field 'Topics' at 4") != NULL);
    ns_query_free(q);
    /* sort and facet fields of the wrong type */
    CHECK_EQ_INT(ns_query_parse(&q, reuters.idx, "oil", 3, NULL, err, sizeof err, &off), NS_OK);
    ns_search_options so = NS_SEARCH_OPTIONS_INIT;
    so.sort_field = "topics";
    CHECK_EQ_INT(ns_search(&r, reuters.idx, q, &so), NS_EINVAL);
    CHECK(strstr(ns_index_errmsg(reuters.idx), "cannot sort by 'topics'") != NULL);
    so.sort_field = NULL;
    ns_facet_request fr = {"date", 0};
    so.facets = &fr;
    so.nfacets = 1;
    CHECK_EQ_INT(ns_search(&r, reuters.idx, q, &so), NS_EINVAL);
    CHECK(strstr(ns_index_errmsg(reuters.idx), "cannot count facet 'date'") != NULL);
    /* a version-2 caller gets none of it */
    so.version = 2;
    CHECK_EQ_INT(ns_search(&r, reuters.idx, q, &so), NS_OK);
    CHECK_EQ_INT(ns_results_facet_count(r), 0);
    ns_results_free(r);
    ns_query_free(q);
}

/* ------------------------------------------------------------ text fields */

/* A text field's words are searched as field:word, field:"a phrase" and
 * field:pre*, and only there: the body's words are not the field's. */
static void test_text_field(void)
{
    static const char *const notes[] = {"storm over the harbour", "harbour master retired",
                                        "quiet night", NULL};
    static const char *const bodies[] = {"quiet night", "storm over the harbour",
                                         "the harbour master", "nothing"};
    const char *dir = tc_tmpdir("fq-text");
    char err[NS_ERRBUF_SIZE];
    ns_writer *w;
    CHECK_EQ_INT(ns_writer_open(&w, dir, NULL, err, sizeof err), NS_OK);
    CHECK_EQ_INT(ns_writer_declare_field(w, "notes", 5, NS_FIELD_TEXT), NS_OK);
    for (int i = 0; i < 4; i++) {
        char id[8];
        snprintf(id, sizeof id, "d%d", i);
        ns_doc d = {id, 2, "", 0, bodies[i], strlen(bodies[i]), "", 0, "", 0, "", 0};
        ns_field f = {"notes", 5, notes[i], notes[i] ? strlen(notes[i]) : 0, 0};
        CHECK_EQ_INT(ns_writer_put_fields(w, &d, &f, notes[i] ? 1 : 0, NULL), NS_OK);
    }
    CHECK_EQ_INT(ns_writer_commit(w), NS_OK);
    ns_writer_close(w);
    ns_index *idx;
    CHECK_EQ_INT(ns_index_open(&idx, dir, err, sizeof err), NS_OK);
    static const struct {
        const char *q, *ids;
    } cases[] = {
        {"notes:harbour", "d0 d1"},
        {"notes:\"storm over\"", "d0"},
        {"notes:\"over storm\"", ""},
        {"notes:harb*", "d0 d1"},
        {"notes:(quiet OR master)", "d1 d2"},
        {"harbour -notes:harbour", "d2"},
        {"notes:night", "d2"},
        {"notes:storm NEAR/3 notes:harbour", "d0"},
        {"notes:storm NEAR/2 notes:harbour", ""},
    };
    for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {
        ns_query *q;
        size_t off;
        CHECK_EQ_INT(
            ns_query_parse(&q, idx, cases[c].q, strlen(cases[c].q), NULL, err, sizeof err, &off),
            NS_OK);
        ns_results *r = NULL;
        CHECK_EQ_INT(ns_search(&r, idx, q, NULL), NS_OK);
        char got[64] = "";
        /* ids in id order, whatever the scores */
        for (int d = 0; d < 4; d++)
            for (size_t i = 0; i < ns_results_count(r); i++) {
                ns_hit h;
                ns_results_hit(r, i, &h);
                if (h.id[1] - '0' == d) {
                    if (got[0])
                        strcat(got, " ");
                    strncat(got, h.id, 2);
                }
            }
        if (strcmp(got, cases[c].ids))
            fprintf(stderr, "[%s] -> '%s', want '%s' (%s)\n", cases[c].q, got, cases[c].ids,
                    ns_query_string(q));
        CHECK_EQ_STR(got, cases[c].ids);
        ns_results_free(r);
        ns_query_free(q);
    }
    ns_index_close(idx);
    tc_rmdir(dir);
}

NS_TEST_MAIN_FIXTURE(setup, teardown, NST(test_keyword_filter), NST(test_date_range),
                     NST(test_sort_by_date), NST(test_facets), NST(test_dedup),
                     NST(test_hit_fields), NST(test_pruned_equals_exhaustive),
                     NST(test_filters_in_code), NST(test_errors), NST(test_text_field))
