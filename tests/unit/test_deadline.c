/* test_deadline.c — a query's deadline (ns_search_options.timeout,
 * ns_snippet_options.timeout) and its cap on prefix expansions, on the
 * ag_news test corpus from ../shared: the planner, both algorithms
 * (algo_exhaustive.c, algo_maxscore.c) and the snippet matcher stop with
 * NS_ETIMEOUT once the deadline has passed; prefixes expanding to more than
 * max_total_expansions terms together are NS_ETOOBIG. The queries are built
 * from the index's own vocabulary, so nothing here depends on hard-coded
 * counts. */
#include <time.h>

#include "common/deadline.h"
#include "corpus.h"
#include "eval/eval.h"
#include "eval/search.h"
#include "nsearch.h"
#include "nstest.h"
#include "snippet/snippet.h"

static const char *dir;
static ns_index *idx;
static tcorpus corpus;

/* The index's vocabulary (analysed terms), sorted and distinct. */
static char **vocab;
static size_t nvocab, vcap;

static int collect(void *ctx, const char *term, size_t len, uint32_t pos, size_t start, size_t end)
{
    (void)ctx, (void)pos, (void)start, (void)end;
    if (nvocab == vcap)
        vocab = realloc(vocab, (vcap = vcap ? vcap * 2 : 4096) * sizeof *vocab);
    vocab[nvocab++] = tc_dup(term, len);
    return 0;
}

static int cmp(const void *a, const void *b) { return strcmp(*(char **)a, *(char **)b); }

static void setup(void)
{
    char path[4096], err[NS_ERRBUF_SIZE];
    snprintf(path, sizeof path, "%s/corpora/ag_news_test/docs.jsonl", nst_shared_dir());
    if (access(path, R_OK) != 0) {
        nst_skip("the ag_news_test corpus is not in ../shared");
        return;
    }
    CHECK_EQ_INT(tc_load(&corpus, path, 0), 0);
    CHECK(corpus.n > 5000);
    dir = tc_tmpdir("deadline");
    ns_writer *w;
    CHECK_EQ_INT(ns_writer_open(&w, dir, NULL, err, sizeof err), NS_OK);
    for (size_t i = 0; i < corpus.n; i++) {
        tdoc *t = &corpus.d[i];
        ns_doc d = {.id = t->id,
                    .id_len = t->id_len,
                    .title = t->title,
                    .title_len = t->title_len,
                    .body = t->body,
                    .body_len = t->body_len};
        CHECK_EQ_INT(ns_writer_put(w, &d, NULL), NS_OK);
        CHECK_EQ_INT(ns_analyze("english", t->title, t->title_len, collect, NULL), NS_OK);
        CHECK_EQ_INT(ns_analyze("english", t->body, t->body_len, collect, NULL), NS_OK);
    }
    CHECK_EQ_INT(ns_writer_commit(w), NS_OK);
    ns_writer_close(w);
    CHECK_EQ_INT(ns_index_open(&idx, dir, err, sizeof err), NS_OK);
    qsort(vocab, nvocab, sizeof *vocab, cmp);
    size_t k = 0;
    for (size_t i = 0; i < nvocab; i++) {
        if (k && !strcmp(vocab[k - 1], vocab[i]))
            free(vocab[i]);
        else
            vocab[k++] = vocab[i];
    }
    nvocab = k;
}

static void teardown(void)
{
    ns_index_close(idx);
    for (size_t i = 0; i < nvocab; i++)
        free(vocab[i]);
    free(vocab);
    tc_free(&corpus);
    if (dir)
        tc_rmdir(dir);
}

/* Three-letter prefixes of ASCII letters whose expansions (distinct terms
 * starting with them, each 20 to 200) sum to more than want: "p1* p2* ...",
 * malloc'd; *total receives the sum. */
static char *prefix_query(unsigned want, unsigned *total)
{
    size_t cap = 1 << 16, len = 0;
    char *q = malloc(cap);
    *total = 0;
    for (size_t i = 0; i < nvocab && *total <= want;) {
        size_t j = i;
        const char *v = vocab[i];
        int ok = strlen(v) >= 3;
        for (int c = 0; ok && c < 3; c++)
            ok = v[c] >= 'a' && v[c] <= 'z';
        if (!ok) {
            i++;
            continue;
        }
        while (j < nvocab && !strncmp(vocab[j], v, 3))
            j++;
        if (j - i >= 20 && j - i <= 200 && len + 8 < cap) {
            len += (size_t)snprintf(q + len, cap - len, "%.3s* ", v);
            *total += (unsigned)(j - i);
        }
        i = j;
    }
    q[len] = 0;
    return q;
}

static ns_query *parse(const char *text, const ns_query_options *qo)
{
    char err[NS_ERRBUF_SIZE];
    ns_query *q = NULL;
    CHECK_EQ_INT(ns_query_parse(&q, idx, text, strlen(text), qo, err, sizeof err, NULL), NS_OK);
    return q;
}

/* The cap on all prefixes together: just over it is refused with a message
 * naming the limit; raised, the same query runs; just under it runs. */
static void test_total_expansion_cap(void)
{
    unsigned total;
    char *text = prefix_query(NS_MAX_QUERY_EXPANSIONS, &total);
    CHECK(total > NS_MAX_QUERY_EXPANSIONS);
    ns_query_options qo = NS_QUERY_OPTIONS_INIT;
    qo.any = 1;
    ns_query *q = parse(text, &qo);
    ns_results *r = NULL;
    CHECK_EQ_INT(ns_search(&r, idx, q, NULL), NS_ETOOBIG);
    CHECK(r == NULL);
    CHECK(strstr(ns_index_errmsg(idx), "expand to more than 4096 terms together") != NULL);
    ns_search_options so = NS_SEARCH_OPTIONS_INIT;
    so.max_total_expansions = total;
    CHECK_EQ_INT(ns_search(&r, idx, q, &so), NS_OK);
    CHECK(ns_results_count(r) == 10);
    ns_results_free(r);
    so.max_total_expansions = total - 1;
    CHECK_EQ_INT(ns_search(&r, idx, q, &so), NS_ETOOBIG);
    ns_query_free(q);
    free(text);
}

/* ns_query_options.max_expansions (per prefix) is honoured by the search. */
static void test_per_prefix_cap(void)
{
    unsigned total;
    char *text = prefix_query(1, &total); /* one prefix: total terms */
    CHECK(total >= 20);
    ns_query_options qo = NS_QUERY_OPTIONS_INIT;
    qo.max_expansions = total;
    ns_query *q = parse(text, &qo);
    ns_results *r = NULL;
    CHECK_EQ_INT(ns_search(&r, idx, q, NULL), NS_OK);
    ns_results_free(r);
    ns_query_free(q);
    qo.max_expansions = total - 1;
    q = parse(text, &qo);
    CHECK_EQ_INT(ns_search(&r, idx, q, NULL), NS_ETOOBIG);
    CHECK(strstr(ns_index_errmsg(idx), "matches more than") != NULL);
    ns_query_free(q);
    free(text);
}

/* A search past its deadline fails with NS_ETIMEOUT and no result set; the
 * same search without a deadline, or with a generous one, succeeds. */
static void test_search_timeout(void)
{
    unsigned total;
    char *text = prefix_query(NS_MAX_QUERY_EXPANSIONS / 2, &total);
    ns_query_options qo = NS_QUERY_OPTIONS_INIT;
    qo.any = 1;
    ns_query *q = parse(text, &qo);
    ns_search_options so = NS_SEARCH_OPTIONS_INIT;
    ns_results *r = NULL;
    CHECK_EQ_INT(ns_search(&r, idx, q, &so), NS_OK);
    CHECK(ns_results_total(r, NULL) > 1000);
    ns_results_free(r);
    so.timeout = 60;
    CHECK_EQ_INT(ns_search(&r, idx, q, &so), NS_OK);
    ns_results_free(r);
    so.timeout = 1e-6; /* a microsecond: passed at the first reading */
    r = (ns_results *)&so;
    CHECK_EQ_INT(ns_search(&r, idx, q, &so), NS_ETIMEOUT);
    CHECK(r == NULL);
    CHECK(strstr(ns_index_errmsg(idx), "ran past its 1e-06 s deadline") != NULL);
    so.timeout = -1;
    CHECK_EQ_INT(ns_search(&r, idx, q, &so), NS_EINVAL);
    so.timeout = 0.0 / 0.0;
    CHECK_EQ_INT(ns_search(&r, idx, q, &so), NS_EINVAL);
    /* a version-1 caller's struct has no timeout: whatever follows is not read */
    so.version = 1;
    so.timeout = -1;
    so.max_total_expansions = 1;
    CHECK_EQ_INT(ns_search(&r, idx, q, &so), NS_OK);
    ns_results_free(r);
    CHECK_EQ_STR(ns_strerror(NS_ETIMEOUT), "the query ran past its deadline");
    ns_query_free(q);
    free(text);
}

/* Runs algo over the first segment of the index with deadline dl; the plan
 * is built without one. */
static int run_algo(const nsi_algo *algo, const char *text, int any, nsi_deadline dl)
{
    ns_query_options qo = NS_QUERY_OPTIONS_INIT;
    qo.any = any;
    ns_query *q = parse(text, &qo);
    nsi_snap *s = nsi_index_acquire(idx);
    char err[NSI_ERRMSG] = "";
    int rc = NS_OK;
    nsi_plan_limits lim = {NS_MAX_PREFIX_EXPANSIONS, NS_MAX_QUERY_EXPANSIONS, 0, NULL, 0};
    nsi_enode *plan = nsi_plan_build(s, q->root, &lim, &rc, err, sizeof err);
    CHECK(plan != NULL);
    ns_search_options so = NS_SEARCH_OPTIONS_INIT;
    CHECK(algo->fits(plan, &so));
    nsi_eval *x = calloc(1, sizeof *x);
    x->snap = s;
    x->seg = s->segs[0];
    x->deleted = s->deleted[0];
    x->sc = (nsi_bm25){so.k1, so.b, so.title_weight, s->avg_title, s->avg_body};
    x->dl = dl;
    nsi_run run = {{malloc(11 * sizeof(nsi_topk_entry)), 0, 10}, 0, 1, NULL};
    rc = algo->run(x, plan, 0, &run);
    free(run.heap.e);
    free(x->scratch);
    free(x);
    nsi_plan_free(plan);
    nsi_index_release(idx, s);
    ns_query_free(q);
    return rc;
}

/* Both algorithms read the deadline as they go: with one already passed
 * they stop with NS_ETIMEOUT; without one they finish. */
static void test_algorithms_check_deadline(void)
{
    const nsi_deadline none = {0, 0}, passed = {1, 0};
    /* MaxScore: an OR of plain terms, the vocabulary's first 500 */
    size_t cap = 1 << 16, len = 0;
    char *terms = malloc(cap);
    for (size_t i = 0; i < nvocab && i < 500 && len + 80 < cap; i++)
        len += (size_t)snprintf(terms + len, cap - len, "%s ", vocab[i]);
    CHECK_EQ_INT(run_algo(&nsi_algo_maxscore, terms, 1, none), NS_OK);
    CHECK_EQ_INT(run_algo(&nsi_algo_maxscore, terms, 1, passed), NS_ETIMEOUT);
    /* exhaustive: prefixes make an OR of ORs */
    unsigned total;
    char *text = prefix_query(1000, &total);
    CHECK_EQ_INT(run_algo(&nsi_algo_exhaustive, text, 1, none), NS_OK);
    CHECK_EQ_INT(run_algo(&nsi_algo_exhaustive, text, 1, passed), NS_ETIMEOUT);
    free(text);
    free(terms);
}

/* The snippet matcher reads the deadline every 1,024 tokens; ns_snippet_make
 * also once the body is read. */
static void test_snippet_timeout(void)
{
    nsi_buf body = {0};
    for (size_t i = 0; i < corpus.n && body.len < 200000; i++) {
        CHECK_EQ_INT(nsi_buf_append(&body, corpus.d[i].body, corpus.d[i].body_len), NS_OK);
        CHECK_EQ_INT(nsi_buf_putc(&body, ' '), NS_OK);
    }
    unsigned total;
    char *text = prefix_query(200, &total);
    ns_query_options qo = NS_QUERY_OPTIONS_INIT;
    qo.any = 1;
    ns_query *q = parse(text, &qo);
    nsi_analyzer *an;
    CHECK_EQ_INT(nsi_analyzer_new(&an, "english"), NS_OK);
    nsi_snip sn;
    nsi_deadline passed = {1, 0};
    CHECK_EQ_INT(
        nsi_snippet_build_until(an, (const char *)body.data, body.len, q->root, 260, &passed, &sn),
        NS_ETIMEOUT);
    CHECK_EQ_INT(
        nsi_snippet_build_until(an, (const char *)body.data, body.len, q->root, 260, NULL, &sn),
        NS_OK);
    CHECK(sn.nspans > 0);
    nsi_snip_free(&sn);
    nsi_analyzer_free(an);
    /* through the API */
    ns_results *r = NULL;
    CHECK_EQ_INT(ns_search(&r, idx, q, NULL), NS_OK);
    CHECK(ns_results_count(r) > 0);
    ns_snippet_options so = NS_SNIPPET_OPTIONS_INIT;
    ns_snippet *s = NULL;
    CHECK_EQ_INT(ns_snippet_make(&s, idx, q, r, 0, &so), NS_OK);
    ns_snippet_free(s);
    so.timeout = 1e-9;
    CHECK_EQ_INT(ns_snippet_make(&s, idx, q, r, 0, &so), NS_ETIMEOUT);
    CHECK(s == NULL);
    CHECK(strstr(ns_index_errmsg(idx), "deadline") != NULL);
    so.timeout = -1;
    CHECK_EQ_INT(ns_snippet_make(&s, idx, q, r, 0, &so), NS_EINVAL);
    so.version = 1; /* no timeout field */
    CHECK_EQ_INT(ns_snippet_make(&s, idx, q, r, 0, &so), NS_OK);
    ns_snippet_free(s);
    ns_results_free(r);
    ns_query_free(q);
    free(text);
    nsi_buf_free(&body);
}

/* The clock helpers: no deadline never passes; a short one does. */
static void test_deadline_clock(void)
{
    nsi_deadline none = nsi_deadline_in(0);
    CHECK(!nsi_deadline_passed(&none));
    for (unsigned i = 0; i < 5000; i++)
        CHECK(!nsi_deadline_tick(&none));
    nsi_deadline d = nsi_deadline_in(0.001);
    CHECK(!nsi_deadline_passed(&d));
    nanosleep(&(struct timespec){0, 2000000}, NULL);
    CHECK(nsi_deadline_passed(&d));
    unsigned ticks = 0;
    while (!nsi_deadline_tick(&d))
        ticks++;
    CHECK(ticks < NSI_DEADLINE_EVERY); /* read every NSI_DEADLINE_EVERY steps */
}

NS_TEST_MAIN_FIXTURE(setup, teardown, NST(test_total_expansion_cap), NST(test_per_prefix_cap),
                     NST(test_search_timeout), NST(test_algorithms_check_deadline),
                     NST(test_snippet_timeout), NST(test_deadline_clock))
