/* test_api.c — the front door's promises (include/nsearch.h, docs/api.md):
 * each ns_index keeps its own message per thread, every *_free/_close accepts
 * NULL, bad arguments are refused before any backend runs, and
 * ns_results_body's copy is released with ns_free. */
#include <pthread.h>

#include "corpus.h"
#include "nsearch.h"
#include "nstest.h"

static char dir_a[4096], dir_b[4096];

static void make_index(char *dir, size_t cap, const char *name, const char *word)
{
    snprintf(dir, cap, "%s", tc_tmpdir(name));
    ns_writer *w;
    char err[NS_ERRBUF_SIZE];
    CHECK_EQ_INT(ns_writer_open(&w, dir, NULL, err, sizeof err), NS_OK);
    char body[128];
    snprintf(body, sizeof body, "a short body about the %s", word);
    ns_doc d = {.id = "one",
                .id_len = 3,
                .title = "Title",
                .title_len = 5,
                .body = body,
                .body_len = strlen(body)};
    CHECK_EQ_INT(ns_writer_put(w, &d, NULL), NS_OK);
    CHECK_EQ_INT(ns_writer_commit(w), NS_OK);
    ns_writer_close(w);
}

/* Two handles in one thread: a failure on b leaves a's message alone. */
static void test_two_handles_keep_their_messages(void)
{
    make_index(dir_a, sizeof dir_a, "api_a", "harbour");
    make_index(dir_b, sizeof dir_b, "api_b", "storm");
    ns_index *a, *b;
    char err[NS_ERRBUF_SIZE];
    CHECK_EQ_INT(ns_index_open(&a, dir_a, err, sizeof err), NS_OK);
    CHECK_EQ_INT(ns_index_open(&b, dir_b, err, sizeof err), NS_OK);
    ns_results *r = NULL;
    CHECK_EQ_INT(ns_index_get_doc(a, "missing-in-a", 12, &r), NS_ENOTFOUND);
    CHECK(r == NULL);
    CHECK(strstr(ns_index_errmsg(a), "missing-in-a") != NULL);
    CHECK_EQ_INT(ns_index_get_doc(b, "gone-from-b", 11, &r), NS_ENOTFOUND);
    CHECK(strstr(ns_index_errmsg(b), "gone-from-b") != NULL);
    /* a still says what failed on a */
    CHECK(strstr(ns_index_errmsg(a), "missing-in-a") != NULL);
    CHECK(strstr(ns_index_errmsg(a), "gone-from-b") == NULL);
    ns_index_close(a);
    ns_index_close(b);
}

typedef struct thread_arg {
    ns_index *idx;
    const char *id;
    int ok;
} thread_arg;

static void *fail_lookup(void *p)
{
    thread_arg *t = p;
    ns_results *r = NULL;
    for (int i = 0; i < 200; i++) {
        if (ns_index_get_doc(t->idx, t->id, strlen(t->id), &r) != NS_ENOTFOUND)
            return NULL;
        if (!strstr(ns_index_errmsg(t->idx), t->id))
            return NULL;
    }
    t->ok = 1;
    return NULL;
}

/* Two threads failing on one handle each read their own message. */
static void test_threads_keep_their_messages(void)
{
    ns_index *idx;
    char err[NS_ERRBUF_SIZE];
    CHECK_EQ_INT(ns_index_open(&idx, dir_a, err, sizeof err), NS_OK);
    thread_arg t[2] = {{idx, "first-thread-id", 0}, {idx, "second-thread-id", 0}};
    pthread_t th[2];
    for (int i = 0; i < 2; i++)
        CHECK_EQ_INT(pthread_create(&th[i], NULL, fail_lookup, &t[i]), 0);
    for (int i = 0; i < 2; i++)
        pthread_join(th[i], NULL);
    CHECK(t[0].ok);
    CHECK(t[1].ok);
    ns_index_close(idx);
}

static void test_null_is_accepted_by_free_and_close(void)
{
    ns_index_close(NULL);
    ns_writer_close(NULL);
    ns_query_free(NULL);
    ns_results_free(NULL);
    ns_snippet_free(NULL);
    ns_free(NULL);
    CHECK_EQ_INT(ns_results_count(NULL), 0);
}

static void test_bad_arguments_are_refused_at_the_door(void)
{
    ns_index *idx = NULL;
    char err[NS_ERRBUF_SIZE] = "";
    CHECK_EQ_INT(ns_index_open(&idx, "", err, sizeof err), NS_EINVAL);
    CHECK(idx == NULL);
    CHECK(strstr(err, "no index path") != NULL);
    CHECK_EQ_INT(ns_index_open(&idx, dir_a, err, sizeof err), NS_OK);
    ns_query *q;
    size_t off;
    CHECK_EQ_INT(ns_query_parse(&q, idx, "harbour", 7, NULL, err, sizeof err, &off), NS_OK);
    ns_results *r = NULL;
    ns_search_options so = NS_SEARCH_OPTIONS_INIT;
    so.b = 2;
    CHECK_EQ_INT(ns_search(&r, idx, q, &so), NS_EINVAL);
    CHECK(strstr(ns_index_errmsg(idx), "invalid search options") != NULL);
    so = (ns_search_options)NS_SEARCH_OPTIONS_INIT;
    so.k = NS_MAX_RESULTS + 1;
    CHECK_EQ_INT(ns_search(&r, idx, q, &so), NS_ETOOBIG);
    CHECK_EQ_INT(ns_search(&r, NULL, q, NULL), NS_EINVAL);
    CHECK_EQ_INT(ns_index_get_doc(idx, "", 0, &r), NS_EINVAL);
    CHECK(strstr(ns_index_errmsg(idx), "no document id") != NULL);
    ns_writer *w;
    CHECK_EQ_INT(ns_writer_open(&w, dir_a, NULL, err, sizeof err), NS_OK);
    ns_doc d = {.id = "", .id_len = 0};
    CHECK_EQ_INT(ns_writer_put(w, &d, NULL), NS_EINVAL);
    CHECK(strstr(ns_writer_errmsg(w), "no id") != NULL);
    /* an id holding a NUL could never be named again by the CLIs */
    ns_doc nul = {.id = "ab\0cd", .id_len = 5, .body = "harbour", .body_len = 7};
    CHECK_EQ_INT(ns_writer_put(w, &nul, NULL), NS_EINVAL);
    CHECK(strstr(ns_writer_errmsg(w), "'ab...' holds a NUL byte at offset 2") != NULL);
    nul.id_len = 2; /* the same bytes before the NUL are a fine id */
    CHECK_EQ_INT(ns_writer_put(w, &nul, NULL), NS_OK);
    CHECK_EQ_INT(ns_writer_delete(w, "ab\0cd", 5), NS_ENOTFOUND);
    CHECK_EQ_INT(ns_writer_delete(w, "ab", 2), NS_OK);
    ns_writer_close(w);
    ns_query_free(q);
    ns_index_close(idx);
}

static int collect_ids(void *ctx, const char *id, size_t len)
{
    char *out = ctx;
    size_t n = strlen(out);
    snprintf(out + n, 256 - n, "%.*s;", (int)len, id);
    return !strcmp(out, "stop;");
}

/* ns_index_foreach_id lists the live ids of the current generation, while a
 * writer holds the lock, and sees a new commit only after a refresh. */
static void test_foreach_id_reads_the_current_generation(void)
{
    ns_index *idx;
    char err[NS_ERRBUF_SIZE], ids[256] = "";
    CHECK_EQ_INT(ns_index_open(&idx, dir_b, err, sizeof err), NS_OK);
    ns_writer *w;
    CHECK_EQ_INT(ns_writer_open(&w, dir_b, NULL, err, sizeof err), NS_OK);
    ns_doc d = {.id = "two", .id_len = 3, .body = "more", .body_len = 4};
    CHECK_EQ_INT(ns_writer_put(w, &d, NULL), NS_OK);
    CHECK_EQ_INT(ns_writer_delete(w, "one", 3), NS_OK);
    CHECK_EQ_INT(ns_writer_commit(w), NS_OK);
    CHECK_EQ_INT(ns_index_foreach_id(idx, collect_ids, ids), NS_OK);
    CHECK_EQ_STR(ids, "one;"); /* the generation opened */
    CHECK_EQ_INT(ns_index_refresh(idx, NULL), NS_OK);
    ids[0] = 0;
    CHECK_EQ_INT(ns_index_foreach_id(idx, collect_ids, ids), NS_OK);
    CHECK_EQ_STR(ids, "two;"); /* "one" is deleted, and the writer still runs */
    CHECK_EQ_INT(ns_index_foreach_id(idx, NULL, NULL), NS_EINVAL);
    CHECK_EQ_INT(ns_index_foreach_id(NULL, collect_ids, ids), NS_EINVAL);
    /* fn returning non-zero stops the walk */
    d.id = "stop";
    d.id_len = 4;
    CHECK_EQ_INT(ns_writer_put(w, &d, NULL), NS_OK);
    CHECK_EQ_INT(ns_writer_commit(w), NS_OK);
    ns_writer_close(w);
    CHECK_EQ_INT(ns_index_refresh(idx, NULL), NS_OK);
    strcpy(ids, "");
    CHECK_EQ_INT(ns_index_foreach_id(idx, collect_ids, ids), NS_OK);
    CHECK(!strcmp(ids, "stop;") || !strcmp(ids, "two;stop;"));
    ns_index_close(idx);
}

/* The body copy and a hit's snippet through the one front door. */
static void test_body_copy_is_freed_with_ns_free(void)
{
    ns_index *idx;
    char err[NS_ERRBUF_SIZE];
    CHECK_EQ_INT(ns_index_open(&idx, dir_a, err, sizeof err), NS_OK);
    ns_results *r = NULL;
    CHECK_EQ_INT(ns_index_get_doc(idx, "one", 3, &r), NS_OK);
    char *body = NULL;
    size_t len = 0;
    CHECK_EQ_INT(ns_results_body(r, 0, &body, &len), NS_OK);
    CHECK_EQ_STR(body, "a short body about the harbour");
    CHECK_EQ_INT(len, strlen("a short body about the harbour"));
    ns_free(body);
    CHECK_EQ_INT(ns_results_body(r, 1, &body, &len), NS_EINVAL);
    CHECK(body == NULL);
    CHECK(strstr(ns_index_errmsg(idx), "no hit 1") != NULL);
    ns_results_free(r);
    ns_index_close(idx);
    tc_rmdir(dir_a);
    tc_rmdir(dir_b);
}

NS_TEST_MAIN(NST(test_two_handles_keep_their_messages), NST(test_threads_keep_their_messages),
             NST(test_null_is_accepted_by_free_and_close),
             NST(test_bad_arguments_are_refused_at_the_door),
             NST(test_foreach_id_reads_the_current_generation),
             NST(test_body_copy_is_freed_with_ns_free))
