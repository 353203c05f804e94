/* test_docget.c — documents by id (ns_index_get_doc) and stored bodies
 * (ns_results_body): fields, updates and deletions across segments,
 * generations pinned by a result, and lookups racing a refresh. */
#include <pthread.h>

#include "corpus.h"
#include "nsearch.h"
#include "nstest.h"

static char dir[4096];

static ns_doc make_doc(const char *id, const char *title, const char *body, const char *url)
{
    ns_doc d = {.id = id,
                .id_len = strlen(id),
                .title = title,
                .title_len = strlen(title),
                .body = body,
                .body_len = strlen(body),
                .url = url,
                .url_len = strlen(url),
                .date = "2024-03-01",
                .date_len = 10,
                .meta = "{\"k\":1}",
                .meta_len = 7};
    return d;
}

/* Puts docs a..c with one commit each (three segments), so that lookups
 * must walk more than one DOCMAP. */
static void build(void)
{
    snprintf(dir, sizeof dir, "%s", tc_tmpdir("docget"));
    ns_writer *w;
    char err[NS_ERRBUF_SIZE];
    ns_writer_options wo = NS_WRITER_OPTIONS_INIT;
    CHECK_EQ_INT(ns_writer_open(&w, dir, &wo, err, sizeof err), NS_OK);
    const char *ids[] = {"a", "b", "c/with space é"};
    for (int i = 0; i < 3; i++) {
        char body[64];
        snprintf(body, sizeof body, "body of document %d, harbour storm", i);
        ns_doc d = make_doc(ids[i], "A title", body, "/tmp/x.txt");
        CHECK_EQ_INT(ns_writer_put(w, &d, NULL), NS_OK);
        CHECK_EQ_INT(ns_writer_commit(w), NS_OK);
    }
    ns_writer_close(w);
}

static void put_and_commit(const ns_doc *d, const char *delete_id)
{
    ns_writer *w;
    char err[NS_ERRBUF_SIZE];
    CHECK_EQ_INT(ns_writer_open(&w, dir, NULL, err, sizeof err), NS_OK);
    if (d)
        CHECK_EQ_INT(ns_writer_put(w, d, NULL), NS_OK);
    if (delete_id)
        CHECK_EQ_INT(ns_writer_delete(w, delete_id, strlen(delete_id)), NS_OK);
    CHECK_EQ_INT(ns_writer_commit(w), NS_OK);
    ns_writer_close(w);
}

static char *body_of(ns_index *idx, const char *id)
{
    ns_results *r = NULL;
    char *body = NULL;
    if (ns_index_get_doc(idx, id, strlen(id), &r) == NS_OK)
        CHECK_EQ_INT(ns_results_body(r, 0, &body, NULL), NS_OK);
    ns_results_free(r);
    return body;
}

static void test_fields_and_body(void)
{
    build();
    ns_index *idx;
    char err[NS_ERRBUF_SIZE];
    CHECK_EQ_INT(ns_index_open(&idx, dir, err, sizeof err), NS_OK);
    const char *id = "c/with space é";
    ns_results *r;
    CHECK_EQ_INT(ns_index_get_doc(idx, id, strlen(id), &r), NS_OK);
    CHECK_EQ_INT(ns_results_count(r), 1);
    int exact = 0;
    CHECK_EQ_INT(ns_results_total(r, &exact), 1);
    CHECK_EQ_INT(exact, 1);
    ns_hit h;
    CHECK_EQ_INT(ns_results_hit(r, 0, &h), NS_OK);
    CHECK_EQ_INT(h.rank, 1);
    CHECK(h.id_len == strlen(id) && memcmp(h.id, id, h.id_len) == 0);
    CHECK_EQ_STR(h.title, "A title");
    CHECK_EQ_STR(h.url, "/tmp/x.txt");
    CHECK_EQ_STR(h.date, "2024-03-01");
    CHECK_EQ_STR(h.meta, "{\"k\":1}");
    char *body;
    size_t len;
    CHECK_EQ_INT(ns_results_body(r, 0, &body, &len), NS_OK);
    CHECK_EQ_STR(body, "body of document 2, harbour storm");
    CHECK_EQ_INT(len, strlen(body));
    ns_free(body);
    CHECK_EQ_INT(ns_results_body(r, 1, &body, &len), NS_EINVAL);
    CHECK(body == NULL);
    /* a snippet without a query is the start of the body, nothing lit */
    ns_snippet *s;
    CHECK_EQ_INT(ns_snippet_make(&s, idx, NULL, r, 0, NULL), NS_OK);
    const char *text = ns_snippet_text(s, &len);
    CHECK(len > 0 && strncmp(text, "body of document 2", 18) == 0);
    CHECK_EQ_INT(ns_snippet_span_count(s), 0);
    ns_snippet_free(s);
    ns_results_free(r);

    /* missing, prefixes of real ids and the empty id */
    r = (ns_results *)1;
    CHECK_EQ_INT(ns_index_get_doc(idx, "zz", 2, &r), NS_ENOTFOUND);
    CHECK(r == NULL);
    CHECK(strstr(ns_index_errmsg(idx), "zz") != NULL);
    CHECK_EQ_INT(ns_index_get_doc(idx, "c/with", 6, &r), NS_ENOTFOUND);
    CHECK_EQ_INT(ns_index_get_doc(idx, "", 0, &r), NS_EINVAL);
    ns_index_close(idx);
    tc_rmdir(dir);
}

/* The body of a search hit is the one its document had in the searched
 * generation, even after a newer one replaced it. */
static void test_search_hit_body_and_updates(void)
{
    build();
    ns_index *idx;
    char err[NS_ERRBUF_SIZE];
    CHECK_EQ_INT(ns_index_open(&idx, dir, err, sizeof err), NS_OK);
    ns_query *q;
    CHECK_EQ_INT(ns_query_parse(&q, idx, "harbour", 7, NULL, err, sizeof err, NULL), NS_OK);
    ns_results *r;
    CHECK_EQ_INT(ns_search(&r, idx, q, NULL), NS_OK);
    CHECK_EQ_INT(ns_results_count(r), 3);

    ns_doc nb = make_doc("b", "B again", "a brand new body for b", "/tmp/b.txt");
    put_and_commit(&nb, "a");
    int changed = 0;
    CHECK_EQ_INT(ns_index_refresh(idx, &changed), NS_OK);
    CHECK_EQ_INT(changed, 1);

    for (size_t i = 0; i < ns_results_count(r); i++) {
        ns_hit h;
        char *body;
        CHECK_EQ_INT(ns_results_hit(r, i, &h), NS_OK);
        CHECK_EQ_INT(ns_results_body(r, i, &body, NULL), NS_OK);
        CHECK(body && strstr(body, "harbour storm") != NULL);
        ns_free(body);
    }
    ns_results_free(r);
    ns_query_free(q);

    char *body = body_of(idx, "b");
    CHECK_EQ_STR(body, "a brand new body for b");
    ns_free(body);
    ns_results *gone = NULL;
    CHECK_EQ_INT(ns_index_get_doc(idx, "a", 1, &gone), NS_ENOTFOUND);
    body = body_of(idx, "c/with space é");
    CHECK_EQ_STR(body, "body of document 2, harbour storm");
    ns_free(body);
    ns_index_close(idx);
    tc_rmdir(dir);
}

typedef struct racer {
    ns_index *idx;
    int stop;
    int failures;
} racer;

static void *lookups(void *arg)
{
    racer *rc = arg;
    while (!__atomic_load_n(&rc->stop, __ATOMIC_ACQUIRE)) {
        ns_results *r;
        if (ns_index_get_doc(rc->idx, "c/with space é", strlen("c/with space é"), &r) != NS_OK) {
            __atomic_add_fetch(&rc->failures, 1, __ATOMIC_RELAXED);
            continue;
        }
        char *body = NULL;
        if (ns_results_body(r, 0, &body, NULL) != NS_OK || strstr(body, "document 2") == NULL)
            __atomic_add_fetch(&rc->failures, 1, __ATOMIC_RELAXED);
        ns_free(body);
        ns_results_free(r);
    }
    return NULL;
}

/* Lookups from two threads while the index is rewritten and refreshed. */
static void test_lookups_race_refresh(void)
{
    build();
    racer rc = {NULL, 0, 0};
    char err[NS_ERRBUF_SIZE];
    CHECK_EQ_INT(ns_index_open(&rc.idx, dir, err, sizeof err), NS_OK);
    pthread_t t[2];
    for (int i = 0; i < 2; i++)
        CHECK_EQ_INT(pthread_create(&t[i], NULL, lookups, &rc), 0);
    for (int gen = 0; gen < 20; gen++) {
        char id[16], prev[16], title[32], body[64];
        snprintf(id, sizeof id, "n%d", gen);
        snprintf(prev, sizeof prev, "n%d", gen - 1);
        snprintf(title, sizeof title, "title %d", gen);
        snprintf(body, sizeof body, "filler %d", gen);
        ns_doc d = make_doc(id, "filler", body, "");
        put_and_commit(&d, gen > 0 ? prev : NULL);
        /* the looked-up document moves to a new segment, its body unchanged */
        ns_doc c = make_doc("c/with space é", title, "body of document 2, harbour storm", "");
        put_and_commit(&c, NULL);
        CHECK_EQ_INT(ns_index_refresh(rc.idx, NULL), NS_OK);
    }
    __atomic_store_n(&rc.stop, 1, __ATOMIC_RELEASE);
    for (int i = 0; i < 2; i++)
        pthread_join(t[i], NULL);
    CHECK_EQ_INT(rc.failures, 0);
    ns_index_close(rc.idx);
    tc_rmdir(dir);
}

NS_TEST_MAIN(NST(test_fields_and_body), NST(test_search_hit_body_and_updates),
             NST(test_lookups_race_refresh))
