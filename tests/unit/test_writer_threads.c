/* test_writer_threads.c — a writer with worker threads
 * (ns_writer_options.threads, write/workers.c) behaves as the one-thread
 * writer: the same seeded script of puts (ids again and again with new
 * bodies, typed fields), deletes (of documents still in a batch being
 * filled or built, and of committed ones) and commits, on the BBC corpus,
 * gives the same status and outcome for every call, the same live ids with
 * the same bodies, the same hits with the same scores for a set of
 * queries, and an index that passes the full check. A small RAM budget
 * makes batches of a few hundred kilobytes, so the script spans dozens of
 * them. Built with ThreadSanitizer by the CI's concurrency phase. */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "corpus.h"
#include "nsearch.h"
#include "nstest.h"

static tcorpus corpus;

static void setup(void)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/corpora/bbc_news/docs.jsonl", nst_shared_dir());
    if (tc_load(&corpus, path, 0) != 0)
        nst_skip("the BBC corpus is missing");
}

static void teardown(void) { tc_free(&corpus); }

static uint64_t rnd(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

typedef struct textlog {
    char *p;
    size_t n, cap;
} textlog;

static void say(textlog *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(textlog *l, const char *fmt, ...)
{
    char tmp[1024];
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (k < 0)
        return;
    if ((size_t)k >= sizeof tmp)
        k = sizeof tmp - 1;
    if (l->n + (size_t)k + 1 > l->cap) {
        l->cap = (l->n + (size_t)k + 1) * 2;
        l->p = realloc(l->p, l->cap);
    }
    memcpy(l->p + l->n, tmp, (size_t)k + 1);
    l->n += (size_t)k;
}

#define NIDS 700

/* Runs the script of seed on a new index at dir with threads; every call's
 * status and outcome are said to log. */
static void run_script(const char *dir, unsigned threads, uint64_t seed, unsigned nops,
                       textlog *log)
{
    char err[NS_ERRBUF_SIZE];
    ns_writer_options wo = NS_WRITER_OPTIONS_INIT;
    wo.threads = threads;
    wo.ram_budget = 1u << 20; /* batches of the minimum size */
    ns_writer *w;
    CHECK_EQ_INT(ns_writer_open(&w, dir, &wo, err, sizeof err), NS_OK);
    if (!w)
        return;
    size_t nids = corpus.n < NIDS ? corpus.n : NIDS;
    char *body = NULL;
    size_t body_cap = 0;
    for (unsigned op = 0; op < nops; op++) {
        uint64_t r = rnd(&seed) % 1000;
        size_t i = (size_t)(rnd(&seed) % nids);
        const tdoc *d = &corpus.d[i];
        if (r < 700) {
            /* a new version of the document: a marker word of its version */
            unsigned v = (unsigned)(rnd(&seed) % 4);
            size_t need = d->body_len + 32;
            if (need > body_cap)
                body = realloc(body, body_cap = need * 2);
            int k = snprintf(body, body_cap, "version%u ", v);
            memcpy(body + k, d->body, d->body_len);
            char cat[16];
            snprintf(cat, sizeof cat, "c%u", (unsigned)(i % 7));
            ns_field f[2] = {{"cat", 3, cat, strlen(cat), NS_FIELD_KEYWORD},
                             {"n", 1, cat + 1, strlen(cat + 1), NS_FIELD_NUMBER}};
            ns_doc doc = {.id = d->id,
                          .id_len = d->id_len,
                          .title = d->title,
                          .title_len = d->title_len,
                          .body = body,
                          .body_len = (size_t)k + d->body_len};
            int outcome = 0;
            int rc = ns_writer_put_fields(w, &doc, f, v == 3 ? 2 : 0, &outcome);
            say(log, "put %s v%u: %d %d\n", d->id, v, rc, outcome);
        } else if (r < 980) {
            say(log, "delete %s: %d\n", d->id, ns_writer_delete(w, d->id, d->id_len));
        } else {
            say(log, "commit: %d\n", ns_writer_commit(w));
        }
    }
    say(log, "tidy: %d\n", ns_writer_tidy(w));
    ns_writer_close(w);
    free(body);
}

static int collect_id(void *ctx, const char *id, size_t len)
{
    say(ctx, "%.*s\n", (int)len, id);
    return 0;
}

/* What the index at dir holds, as text: ids, bodies, hits and scores. */
static void describe(const char *dir, textlog *out)
{
    char err[NS_ERRBUF_SIZE];
    CHECK_EQ_INT(ns_index_check(dir, 1, err, sizeof err), NS_OK);
    ns_index *idx;
    CHECK_EQ_INT(ns_index_open(&idx, dir, err, sizeof err), NS_OK);
    if (!idx)
        return;
    textlog ids = {0};
    CHECK_EQ_INT(ns_index_foreach_id(idx, collect_id, &ids), NS_OK);
    say(out, "%zu bytes of ids\n", ids.n);
    for (char *p = ids.p, *nl; p && (nl = strchr(p, '\n')); p = nl + 1) {
        ns_results *r;
        if (ns_index_get_doc(idx, p, (size_t)(nl - p), &r) != NS_OK) {
            say(out, "%.*s: cannot get\n", (int)(nl - p), p);
            continue;
        }
        char *b;
        size_t blen;
        if (ns_results_body(r, 0, &b, &blen) == NS_OK) {
            say(out, "%.*s: %.60s %zu %zu fields\n", (int)(nl - p), p, b, blen,
                ns_results_field_count(r, 0));
            ns_free(b);
        }
        ns_results_free(r);
    }
    free(ids.p);
    static const char *const queries[] = {
        "version0", "version3 market", "\"prime minister\"", "film OR music -award",
        "econom*",  "cat:c3 growth",   "n:2..4 version1"};
    for (size_t qi = 0; qi < sizeof queries / sizeof *queries; qi++) {
        ns_query *q;
        if (ns_query_parse(&q, idx, queries[qi], strlen(queries[qi]), NULL, err, sizeof err,
                           NULL) != NS_OK) {
            say(out, "%s: %s\n", queries[qi], err);
            continue;
        }
        ns_search_options so = NS_SEARCH_OPTIONS_INIT;
        so.k = 50;
        ns_results *r;
        int rc = ns_search(&r, idx, q, &so);
        say(out, "%s: %d\n", queries[qi], rc);
        if (rc == NS_OK) {
            int exact;
            say(out, " total %llu\n", (unsigned long long)ns_results_total(r, &exact));
            for (size_t i = 0; i < ns_results_count(r); i++) {
                ns_hit h;
                ns_results_hit(r, i, &h);
                say(out, " %.*s %.9g\n", (int)h.id_len, h.id, h.score);
            }
            ns_results_free(r);
        }
        ns_query_free(q);
    }
    ns_index_close(idx);
}

static void compare_threads(unsigned threads, uint64_t seed, unsigned nops)
{
    char one[4096], many[4096];
    snprintf(one, sizeof one, "%s", tc_tmpdir("wthreads-1"));
    snprintf(many, sizeof many, "%s", tc_tmpdir("wthreads-n"));
    textlog l1 = {0}, ln = {0}, d1 = {0}, dn = {0};
    run_script(one, 1, seed, nops, &l1);
    run_script(many, threads, seed, nops, &ln);
    CHECK(l1.n > 0 && ln.n == l1.n && memcmp(l1.p, ln.p, l1.n) == 0);
    describe(one, &d1);
    describe(many, &dn);
    CHECK(d1.n > 1000);
    CHECK(dn.n == d1.n && memcmp(d1.p, dn.p, d1.n) == 0);
    if (dn.n != d1.n || memcmp(d1.p, dn.p, d1.n)) {
        size_t k = 0;
        while (k < d1.n && k < dn.n && d1.p[k] == dn.p[k])
            k++;
        size_t from = k > 200 ? k - 200 : 0;
        fprintf(stderr, "first difference at byte %zu:\n1: %.400s\n%u: %.400s\n", k, d1.p + from,
                threads, dn.p + from);
    }
    free(l1.p);
    free(ln.p);
    free(d1.p);
    free(dn.p);
    tc_rmdir(one);
    tc_rmdir(many);
}

static void test_two_threads_as_one(void) { compare_threads(2, 0x9E3779B97F4A7C15ull, 3000); }

static void test_four_threads_as_one(void) { compare_threads(4, 0xD1B54A32D192ED03ull, 2500); }

/* Versions 1 to 3 of the options (no threads) still open, as one thread. */
static void test_old_options(void)
{
    const char *dir = tc_tmpdir("wthreads-v3");
    char err[NS_ERRBUF_SIZE];
    ns_writer_options wo = NS_WRITER_OPTIONS_INIT;
    wo.version = 3;
    wo.threads = 999; /* past a version-3 struct: never read */
    ns_writer *w;
    CHECK_EQ_INT(ns_writer_open(&w, dir, &wo, err, sizeof err), NS_OK);
    ns_writer_close(w);
    wo.version = NS_WRITER_OPTIONS_VERSION;
    CHECK_EQ_INT(ns_writer_open(&w, dir, &wo, err, sizeof err), NS_EINVAL);
    CHECK(strstr(err, "999 writer threads") != NULL);
    tc_rmdir(dir);
}

NS_TEST_MAIN_FIXTURE(setup, teardown, NST(test_two_threads_as_one), NST(test_four_threads_as_one),
                     NST(test_old_options))
