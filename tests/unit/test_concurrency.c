/* test_concurrency.c — searches while the index is written and merged
 * (docs/reliability.md, "Concurrent readers").
 *
 * One writer process adds synthetic documents in small commits (the tiered
 * policy merges as it goes) and optimizes every few commits. Meanwhile:
 *  - four threads of this process share one ns_index: two refresh and search
 *    in a loop, one opens a fresh ns_index for every query, one reads stats;
 *  - a second reader process does the same with its own ns_index.
 * Every call must succeed, and since the writer only adds, what a reader sees
 * never shrinks: the generation, the live document count and the exact
 * number of matches of "the" never decrease from one query of a reader to its
 * next. NS_CONCURRENCY_SECONDS (default 6) sets the duration. */
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "nstest.h"
#include "reliability.h"

static char dir[4000];
static double seconds = 6;
static tcorpus seeds;
static rt_vocab vocab;

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

typedef struct rstats {
    unsigned long queries, errors, regressions, refreshes_changed;
    uint64_t last_docs, last_gen, last_total;
    char first_error[NS_ERRBUF_SIZE];
} rstats;

static void error(rstats *st, const char *what, const char *msg)
{
    if (st->errors++ == 0)
        snprintf(st->first_error, sizeof st->first_error, "%s: %.400s", what, msg);
}

/* One query of "the" (exhaustive: an exact count) plus the stats, checked
 * against what this reader saw last. */
static void probe(rstats *st, ns_index *idx)
{
    ns_query *q;
    char err[NS_ERRBUF_SIZE];
    if (ns_query_parse(&q, idx, "the", 3, NULL, err, sizeof err, NULL)) {
        error(st, "parse", err);
        return;
    }
    ns_search_options so = NS_SEARCH_OPTIONS_INIT;
    so.exhaustive = 1;
    ns_results *r;
    ns_stats s;
    int rc = ns_index_stats(idx, &s);
    if (rc)
        error(st, "stats", ns_index_errmsg(idx));
    else if ((rc = ns_search(&r, idx, q, &so)))
        error(st, "search", ns_index_errmsg(idx));
    if (!rc) {
        uint64_t total = ns_results_total(r, NULL);
        /* stats came first, so the search's generation is at least as new */
        if (s.generation < st->last_gen || s.documents < st->last_docs || total < st->last_total)
            st->regressions++;
        st->last_gen = s.generation;
        st->last_docs = s.documents;
        st->last_total = total;
        if (ns_results_count(r)) {
            ns_snippet *sn;
            if (ns_snippet_make(&sn, idx, q, r, 0, NULL))
                error(st, "snippet", ns_index_errmsg(idx));
            else
                ns_snippet_free(sn);
        }
        ns_results_free(r);
    }
    ns_query_free(q);
    st->queries++;
}

typedef struct reader {
    ns_index *shared; /* NULL: open a fresh index per query */
    int refresh;
    double until;
    rstats st;
} reader;

static void *reader_main(void *arg)
{
    reader *rd = arg;
    char err[NS_ERRBUF_SIZE];
    while (now() < rd->until) {
        ns_index *idx = rd->shared;
        if (!idx && ns_index_open(&idx, dir, err, sizeof err)) {
            error(&rd->st, "open", err);
            continue;
        }
        int changed = 0;
        if (rd->refresh && ns_index_refresh(idx, &changed))
            error(&rd->st, "refresh", ns_index_errmsg(idx));
        rd->st.refreshes_changed += (unsigned long)changed;
        probe(&rd->st, idx);
        if (!rd->shared)
            ns_index_close(idx);
    }
    return NULL;
}

/* The writer process: batches of 5 documents, a commit each, an optimize
 * every 15 commits. Exit status 0 on success. */
static int writer_main(double until)
{
    ns_writer_options o = NS_WRITER_OPTIONS_INIT;
    o.wait_for_lock = 1;
    ns_writer *w;
    char err[NS_ERRBUF_SIZE];
    if (ns_writer_open(&w, dir, &o, err, sizeof err)) {
        fprintf(stderr, "writer: %s\n", err);
        return 1;
    }
    unsigned i = 0, commits = 0;
    int rc = 0;
    while (!rc && now() < until) {
        for (int k = 0; k < 5 && !rc; k++)
            rc = rt_put_synth(w, &vocab, i++);
        if (!rc)
            rc = ns_writer_commit(w);
        if (!rc && ++commits % 15 == 0)
            rc = ns_writer_optimize(w);
    }
    if (rc)
        fprintf(stderr, "writer: %s\n", ns_writer_errmsg(w));
    ns_writer_close(w);
    printf("writer: %u documents, %u commits\n", i, commits);
    fflush(stdout);
    return rc != 0;
}

/* The second reader process; reports through a pipe. */
static int reader_process(int fd, double until)
{
    char err[NS_ERRBUF_SIZE];
    reader rd;
    memset(&rd, 0, sizeof rd);
    rd.until = until;
    rd.refresh = 1;
    if (ns_index_open(&rd.shared, dir, err, sizeof err))
        return 1;
    reader_main(&rd);
    ns_index_close(rd.shared);
    ssize_t k = write(fd, &rd.st, sizeof rd.st);
    return k != (ssize_t)sizeof rd.st;
}

static void test_readers_during_writes(void)
{
    const char *s = getenv("NS_CONCURRENCY_SECONDS");
    if (s && atof(s) > 0)
        seconds = atof(s);
    CHECK(rt_load_seeds(&seeds, &vocab) == 0);
    const char *t = tc_tmpdir("concurrency");
    CHECK(t != NULL);
    snprintf(dir, sizeof dir, "%.3900s/idx", t);
    char err[NS_ERRBUF_SIZE];
    ns_writer *w;
    CHECK_EQ_INT(ns_writer_open(&w, dir, NULL, err, sizeof err), NS_OK);
    for (size_t i = 0; i < seeds.n; i++)
        CHECK_EQ_INT(rt_put_seed(w, &seeds.d[i]), NS_OK);
    CHECK_EQ_INT(ns_writer_commit(w), NS_OK);
    ns_writer_close(w);

    double until = now() + seconds;
    fflush(stdout);
    pid_t wpid = fork();
    if (wpid == 0)
        _exit(writer_main(until));
    int pfd[2];
    CHECK(pipe(pfd) == 0);
    pid_t rpid = fork();
    if (rpid == 0) {
        close(pfd[0]);
        _exit(reader_process(pfd[1], until));
    }
    close(pfd[1]);

    ns_index *shared;
    CHECK_EQ_INT(ns_index_open(&shared, dir, err, sizeof err), NS_OK);
    reader rd[4];
    memset(rd, 0, sizeof rd);
    pthread_t th[4];
    for (int i = 0; i < 4; i++) {
        rd[i].until = until;
        rd[i].shared = i == 2 ? NULL : shared;
        rd[i].refresh = i < 2;
        CHECK(pthread_create(&th[i], NULL, reader_main, &rd[i]) == 0);
    }
    for (int i = 0; i < 4; i++)
        pthread_join(th[i], NULL);
    ns_index_close(shared);

    int ws, rs;
    CHECK(waitpid(wpid, &ws, 0) == wpid && WIFEXITED(ws) && WEXITSTATUS(ws) == 0);
    rstats other;
    memset(&other, 0, sizeof other);
    CHECK(read(pfd[0], &other, sizeof other) == (ssize_t)sizeof other);
    close(pfd[0]);
    CHECK(waitpid(rpid, &rs, 0) == rpid && WIFEXITED(rs) && WEXITSTATUS(rs) == 0);

    unsigned long q = other.queries, e = other.errors, r = other.regressions;
    for (int i = 0; i < 4; i++) {
        q += rd[i].st.queries;
        e += rd[i].st.errors;
        r += rd[i].st.regressions;
        if (rd[i].st.errors)
            fprintf(stderr, "thread %d: %s\n", i, rd[i].st.first_error);
    }
    if (other.errors)
        fprintf(stderr, "reader process: %s\n", other.first_error);
    printf("%.0f s: %lu queries (%lu by the second process), %lu errors, %lu regressions; "
           "refreshes that changed generation: %lu + %lu\n",
           seconds, q, other.queries, e, r, rd[0].st.refreshes_changed + rd[1].st.refreshes_changed,
           other.refreshes_changed);
    CHECK_EQ_INT(e, 0);
    CHECK_EQ_INT(r, 0);
    CHECK(q > 100);
    CHECK(rd[0].st.last_docs > seeds.n); /* the readers did see the writer's work */
    CHECK_EQ_INT(ns_index_check(dir, 1, err, sizeof err), NS_OK);
    tc_rmdir(t);
    tc_free(&seeds);
    rt_vocab_free(&vocab);
}

NS_TEST_MAIN(NST(test_readers_during_writes))
