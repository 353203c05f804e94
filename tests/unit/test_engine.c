/* test_engine.c — the library end to end through nsearch.h: indexing,
 * searching, incremental updates, deletions, merges, snippets, on the seed
 * articles and a news corpus from ../shared. */
#include <dirent.h>
#include <math.h>

#include "corpus.h"
#include "nsearch.h"
#include "nstest.h"

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *p = malloc((size_t)n + 1);
    *len = fread(p, 1, (size_t)n, f);
    p[*len] = 0;
    fclose(f);
    return p;
}

/* Indexes the five seed .txt files (title = first non-empty line). */
static int index_seeds(const char *dir, ns_writer_options *wo)
{
    char sd[4096];
    snprintf(sd, sizeof sd, "%s/corpora/seeds", nst_shared_dir());
    DIR *d = opendir(sd);
    if (!d)
        return -1;
    ns_writer *w;
    char err[NS_ERRBUF_SIZE];
    if (ns_writer_open(&w, dir, wo, err, sizeof err)) {
        fprintf(stderr, "%s\n", err);
        closedir(d);
        return -1;
    }
    struct dirent *de;
    int n = 0;
    while ((de = readdir(d))) {
        size_t l = strlen(de->d_name);
        if (l < 5 || strcmp(de->d_name + l - 4, ".txt"))
            continue;
        char path[8200];
        snprintf(path, sizeof path, "%s/%s", sd, de->d_name);
        size_t len;
        char *text = read_file(path, &len);
        const char *t = text;
        while (*t == '\n' || *t == ' ')
            t++;
        const char *te = strchr(t, '\n');
        ns_doc doc = {.id = de->d_name,
                      .id_len = l - 4,
                      .title = t,
                      .title_len = te ? (size_t)(te - t) : strlen(t),
                      .body = text,
                      .body_len = len,
                      .url = path,
                      .url_len = strlen(path)};
        int outcome;
        CHECK_EQ_INT(ns_writer_put(w, &doc, &outcome), NS_OK);
        CHECK_EQ_INT(outcome, NS_PUT_ADDED);
        free(text);
        n++;
    }
    closedir(d);
    CHECK_EQ_INT(ns_writer_commit(w), NS_OK);
    ns_writer_close(w);
    return n;
}

/* Runs a query and returns the sorted-by-rank ids joined by spaces. */
static int last_exact;

static char *run(const char *dir, const char *query, int any, size_t k, uint64_t *total)
{
    ns_index *idx;
    char err[NS_ERRBUF_SIZE];
    if (ns_index_open(&idx, dir, err, sizeof err)) {
        fprintf(stderr, "open: %s\n", err);
        return NULL;
    }
    ns_query_options qo = NS_QUERY_OPTIONS_INIT;
    qo.any = any;
    ns_query *q;
    size_t off;
    if (ns_query_parse(&q, idx, query, strlen(query), &qo, err, sizeof err, &off)) {
        fprintf(stderr, "parse: %s\n", err);
        ns_index_close(idx);
        return NULL;
    }
    ns_search_options so = NS_SEARCH_OPTIONS_INIT;
    so.k = k;
    ns_results *r;
    char *out = calloc(1, 65536);
    if (ns_search(&r, idx, q, &so) == NS_OK) {
        for (size_t i = 0; i < ns_results_count(r); i++) {
            ns_hit h;
            ns_results_hit(r, i, &h);
            strncat(out, h.id, h.id_len);
            strcat(out, " ");
        }
        if (total)
            *total = ns_results_total(r, &last_exact);
        ns_results_free(r);
    }
    ns_query_free(q);
    ns_index_close(idx);
    return out;
}

static int contains(const char *list, const char *prefix) { return strstr(list, prefix) != NULL; }

static void test_seeds_sever_relations(void)
{
    const char *dir = tc_tmpdir("seeds");
    CHECK_EQ_INT(index_seeds(dir, NULL), 5);
    uint64_t total = 0;
    char *ids = run(dir, "sever relations", 0, 10, &total);
    CHECK(ids != NULL);
    CHECK_EQ_INT(total, 4);
    CHECK(contains(ids, "000_") && contains(ids, "001_") && contains(ids, "002_") &&
          contains(ids, "004_") && !contains(ids, "003_"));
    free(ids);
    ids = run(dir, "sever relations", 1, 10, &total);
    CHECK_EQ_INT(total, 5);
    CHECK(contains(ids, "003_"));
    free(ids);
    /* phrases: every seed that says "sever relations" in so many words */
    ids = run(dir, "\"diplomatic relations\"", 0, 10, &total);
    CHECK(ids && total >= 1 && total <= 5);
    free(ids);
    tc_rmdir(dir);
}

/* Titles as the seeds' docs.jsonl gives them: title: restricts to them. */
static void test_seeds_title_field(void)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/corpora/seeds/docs.jsonl", nst_shared_dir());
    tcorpus c;
    CHECK_EQ_INT(tc_load(&c, path, 0), 0);
    CHECK_EQ_INT(c.n, 5);
    const char *dir = tc_tmpdir("title");
    char err[NS_ERRBUF_SIZE];
    ns_writer *w;
    CHECK_EQ_INT(ns_writer_open(&w, dir, NULL, err, sizeof err), NS_OK);
    for (size_t i = 0; i < c.n; i++) {
        ns_doc d = {.id = c.d[i].id,
                    .id_len = c.d[i].id_len,
                    .title = c.d[i].title,
                    .title_len = c.d[i].title_len,
                    .body = c.d[i].body,
                    .body_len = c.d[i].body_len};
        CHECK_EQ_INT(ns_writer_put(w, &d, NULL), NS_OK);
    }
    CHECK_EQ_INT(ns_writer_commit(w), NS_OK);
    ns_writer_close(w);
    uint64_t total;
    /* titles of 000, 001 and 004 say severed / sever; 002 and 003 do not */
    char *ids = run(dir, "title:severed", 0, 10, &total);
    CHECK(ids && contains(ids, "000_") && contains(ids, "001_") && contains(ids, "004_") &&
          !contains(ids, "002_") && !contains(ids, "003_"));
    free(ids);
    ids = run(dir, "title:\"diplomatic ties\"", 0, 10, &total);
    CHECK_EQ_STR(ids, "004_fc305638f481958c ");
    free(ids);
    /* the title weighs more than the body: 000's title is all query words */
    ids = run(dir, "relations severed", 0, 10, &total);
    CHECK(ids && strncmp(ids, "000_", 4) == 0);
    free(ids);
    tc_rmdir(dir);
    tc_free(&c);
}

static void test_snippets_highlight(void)
{
    const char *dir = tc_tmpdir("snip");
    CHECK_EQ_INT(index_seeds(dir, NULL), 5);
    ns_index *idx;
    char err[NS_ERRBUF_SIZE];
    CHECK_EQ_INT(ns_index_open(&idx, dir, err, sizeof err), NS_OK);
    ns_query *q;
    CHECK_EQ_INT(ns_query_parse(&q, idx, "sever relations", 15, NULL, err, sizeof err, NULL),
                 NS_OK);
    ns_results *r;
    CHECK_EQ_INT(ns_search(&r, idx, q, NULL), NS_OK);
    int saw_sever = 0;
    for (size_t i = 0; i < ns_results_count(r); i++) {
        ns_snippet *s;
        CHECK_EQ_INT(ns_snippet_make(&s, idx, q, r, i, NULL), NS_OK);
        size_t len;
        const char *text = ns_snippet_text(s, &len);
        CHECK(len > 0 && len <= 400);
        CHECK(ns_snippet_span_count(s) > 0);
        for (size_t k = 0; k < ns_snippet_span_count(s); k++) {
            size_t a, b;
            ns_snippet_span(s, k, &a, &b);
            CHECK(a < b && b <= len);
            char word[64] = {0};
            memcpy(word, text + a, b - a < 63 ? b - a : 63);
            for (char *p = word; *p; p++)
                *p = (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
            CHECK(!strcmp(word, "severed") || !strcmp(word, "severance") ||
                  !strcmp(word, "sever") || !strcmp(word, "relations") ||
                  !strcmp(word, "relation"));
            saw_sever |= !strncmp(word, "sever", 5);
        }
        ns_snippet_free(s);
    }
    CHECK(saw_sever);
    ns_results_free(r);
    ns_query_free(q);
    ns_index_close(idx);
    tc_rmdir(dir);
}

static void put_text(ns_writer *w, const char *id, const char *body, int expect)
{
    ns_doc d = {.id = id, .id_len = strlen(id), .body = body, .body_len = strlen(body)};
    int outcome = 0;
    CHECK_EQ_INT(ns_writer_put(w, &d, &outcome), NS_OK);
    CHECK_EQ_INT(outcome, expect);
}

static void test_incremental_and_delete(void)
{
    const char *dir = tc_tmpdir("incr");
    char err[NS_ERRBUF_SIZE];
    ns_writer *w;
    CHECK_EQ_INT(ns_writer_open(&w, dir, NULL, err, sizeof err), NS_OK);
    put_text(w, "a", "the harbour storm damaged boats", NS_PUT_ADDED);
    put_text(w, "b", "a chess tournament in the old harbour", NS_PUT_ADDED);
    CHECK_EQ_INT(ns_writer_commit(w), NS_OK);
    /* a second writer is refused while the first holds the lock */
    ns_writer *w2;
    CHECK_EQ_INT(ns_writer_open(&w2, dir, NULL, err, sizeof err), NS_ELOCKED);
    CHECK(strstr(err, "locked by pid") != NULL);
    put_text(w, "a", "the harbour storm damaged boats", NS_PUT_UNCHANGED);
    put_text(w, "b", "a chess match in the old town", NS_PUT_UPDATED);
    CHECK_EQ_INT(ns_writer_commit(w), NS_OK);
    uint64_t total;
    char *ids = run(dir, "harbour", 0, 10, &total);
    CHECK_EQ_STR(ids, "a ");
    free(ids);
    ids = run(dir, "chess", 0, 10, &total);
    CHECK_EQ_STR(ids, "b ");
    free(ids);
    CHECK_EQ_INT(ns_writer_delete(w, "a", 1), NS_OK);
    CHECK_EQ_INT(ns_writer_delete(w, "zzz", 3), NS_ENOTFOUND);
    /* not visible before commit */
    ids = run(dir, "harbour", 0, 10, &total);
    CHECK_EQ_STR(ids, "a ");
    free(ids);
    CHECK_EQ_INT(ns_writer_commit(w), NS_OK);
    ids = run(dir, "harbour", 0, 10, &total);
    CHECK_EQ_STR(ids, "");
    free(ids);
    /* uncommitted changes vanish with the writer */
    put_text(w, "c", "an uncommitted harbour note", NS_PUT_ADDED);
    ns_writer_close(w);
    ids = run(dir, "harbour", 0, 10, &total);
    CHECK_EQ_STR(ids, "");
    free(ids);
    /* reopening finds the committed state: b live, a deleted */
    CHECK_EQ_INT(ns_writer_open(&w, dir, NULL, err, sizeof err), NS_OK);
    put_text(w, "b", "a chess match in the old town", NS_PUT_UNCHANGED);
    put_text(w, "a", "the harbour storm damaged boats", NS_PUT_ADDED);
    CHECK_EQ_INT(ns_writer_commit(w), NS_OK);
    ns_writer_close(w);
    ids = run(dir, "harbour", 0, 10, &total);
    CHECK_EQ_STR(ids, "a ");
    free(ids);
    tc_rmdir(dir);
}

/* One in-memory buffer over more distinct words than the analyzer's stem
 * cache holds (it is cleared several times, within documents too): the
 * buffer maps a cached token to its term by the cache's key (memindex.c),
 * and every word must still find exactly its own document, and a word of
 * every document all of them. 200 documents of 1000 words of their own. */
static void test_buffer_over_cache_clears(void)
{
    enum { DOCS = 200, OWN = 1000 };
    const char *dir = tc_tmpdir("clears");
    char err[NS_ERRBUF_SIZE];
    ns_writer_options wo = NS_WRITER_OPTIONS_INIT;
    wo.flush_bytes = (size_t)1 << 30; /* one buffer, one segment */
    ns_writer *w;
    CHECK_EQ_INT(ns_writer_open(&w, dir, &wo, err, sizeof err), NS_OK);
    char *body = malloc(OWN * 16 + 64);
    CHECK(body != NULL);
    /* word i: "q" and i in base 18 over consonants, no y, l or s: without a
     * vowel the stemmer leaves a word alone, so no two words meet */
    static const char letters[] = "bcdfghjkmnpqrtvwxz";
    char word[16];
#define WORD(i)                                                                                    \
    do {                                                                                           \
        size_t n_ = 0;                                                                             \
        word[n_++] = 'q';                                                                          \
        for (uint32_t x_ = (i);; x_ /= 18) {                                                       \
            word[n_++] = letters[x_ % 18];                                                         \
            if (x_ < 18)                                                                           \
                break;                                                                             \
        }                                                                                          \
        word[n_] = '\0';                                                                           \
    } while (0)
    for (uint32_t d = 0; d < DOCS; d++) {
        size_t len = (size_t)sprintf(body, "harbour ");
        for (uint32_t j = 0; j < OWN; j++) {
            WORD(d * OWN + j);
            len += (size_t)sprintf(body + len, "%s %s ", word, j % 7 ? "" : "harbour");
        }
        char id[16];
        snprintf(id, sizeof id, "d%u", d);
        put_text(w, id, body, NS_PUT_ADDED);
    }
    CHECK_EQ_INT(ns_writer_commit(w), NS_OK);
    ns_writer_close(w);
    uint64_t total = 0;
    char *ids = run(dir, "harbour", 0, 10, &total);
    CHECK_EQ_INT(total, DOCS);
    free(ids);
    uint32_t x = 12345;
    for (int t = 0; t < 300; t++) {
        x = x * 1103515245u + 12345u;
        uint32_t i = (x >> 8) % (DOCS * OWN);
        WORD(i);
        char want[16];
        snprintf(want, sizeof want, "d%u ", i / OWN);
        ids = run(dir, word, 0, 10, &total);
        CHECK_EQ_STR(ids, want);
        free(ids);
    }
#undef WORD
    free(body);
    tc_rmdir(dir);
}

/* Many small flushes and commits: the tiered policy keeps few segments and
 * merging never changes results. */
static void test_merges_keep_results(void)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/corpora/bbc_news/docs.jsonl", nst_shared_dir());
    tcorpus c;
    CHECK_EQ_INT(tc_load(&c, path, 0), 0);
    CHECK(c.n > 2000);
    const char *dir = tc_tmpdir("merge");
    char err[NS_ERRBUF_SIZE];
    ns_writer_options wo = NS_WRITER_OPTIONS_INIT;
    wo.flush_bytes = 64 << 10;
    wo.commit_every = 25;
    ns_writer *w;
    CHECK_EQ_INT(ns_writer_open(&w, dir, &wo, err, sizeof err), NS_OK);
    for (size_t i = 0; i < c.n; i++) {
        ns_doc d = {.id = c.d[i].id,
                    .id_len = c.d[i].id_len,
                    .title = c.d[i].title,
                    .title_len = c.d[i].title_len,
                    .body = c.d[i].body,
                    .body_len = c.d[i].body_len};
        CHECK_EQ_INT(ns_writer_put(w, &d, NULL), NS_OK);
    }
    /* delete every tenth document */
    for (size_t i = 0; i < c.n; i += 10)
        CHECK_EQ_INT(ns_writer_delete(w, c.d[i].id, c.d[i].id_len), NS_OK);
    CHECK_EQ_INT(ns_writer_commit(w), NS_OK);
    ns_index *idx;
    CHECK_EQ_INT(ns_index_open(&idx, dir, err, sizeof err), NS_OK);
    ns_stats st;
    ns_index_stats(idx, &st);
    CHECK_EQ_INT(st.documents, c.n - (c.n + 9) / 10);
    /* logarithmic: at most 9 segments per tier of 10x */
    CHECK(st.segments <= 9 * 4);
    ns_index_close(idx);
    const char *queries[] = {"economy growth", "film OR music", "\"prime minister\"",
                             "election -labour", "technolog*"};
    char *before[5];
    uint64_t tb[5], ta;
    int exact_before[5];
    for (int i = 0; i < 5; i++) {
        before[i] = run(dir, queries[i], 0, 20, &tb[i]);
        exact_before[i] = last_exact;
    }
    CHECK_EQ_INT(ns_writer_optimize(w), NS_OK);
    ns_writer_close(w);
    CHECK_EQ_INT(ns_index_open(&idx, dir, err, sizeof err), NS_OK);
    ns_index_stats(idx, &st);
    CHECK_EQ_INT(st.segments, 1);
    CHECK_EQ_INT(st.deleted, 0);
    CHECK_EQ_INT(st.documents, c.n - (c.n + 9) / 10);
    ns_index_close(idx);
    for (int i = 0; i < 5; i++) {
        char *after = run(dir, queries[i], 0, 20, &ta);
        CHECK(tb[i] > 0);
        if (exact_before[i] && last_exact) /* pruned ORs give estimates */
            CHECK_EQ_INT(ta, tb[i]);
        /* scores change a little (N and df drop the deleted documents), so
         * compare the sets of the top 20 rather than their order */
        CHECK(after && before[i]);
        size_t same = 0, n = 0;
        for (char *tok = strtok(after, " "); tok; tok = strtok(NULL, " ")) {
            n++;
            char pat[256];
            snprintf(pat, sizeof pat, " %s ", tok);
            char padded[65600];
            snprintf(padded, sizeof padded, " %s", before[i]);
            same += strstr(padded, pat) != NULL;
        }
        CHECK(n > 0 && same * 10 >= n * 8);
        free(after);
        free(before[i]);
    }
    tc_rmdir(dir);
    tc_free(&c);
}

static uint64_t count_segments(const char *dir)
{
    ns_index *idx;
    char err[NS_ERRBUF_SIZE];
    ns_stats st = {0};
    if (ns_index_open(&idx, dir, err, sizeof err) == NS_OK) {
        ns_index_stats(idx, &st);
        ns_index_close(idx);
    }
    return st.segments;
}

static int segment_exists(const char *dir, const char *name)
{
    char p[8192];
    struct stat sb;
    snprintf(p, sizeof p, "%s/%s", dir, name);
    return stat(p, &sb) == 0;
}

/* ns_writer_tidy: the segments one writer wrote become one (a one-shot build
 * looks optimized), results equal those before; a later writer's tidy merges
 * only its own segments and leaves the earlier one as it was. */
static void test_tidy_merges_own_segments(void)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/corpora/bbc_news/docs.jsonl", nst_shared_dir());
    tcorpus c;
    CHECK_EQ_INT(tc_load(&c, path, 0), 0);
    CHECK(c.n > 2000);
    const char *dir = tc_tmpdir("tidy");
    char err[NS_ERRBUF_SIZE];
    ns_writer_options wo = NS_WRITER_OPTIONS_INIT;
    wo.flush_bytes = 256 << 10; /* several segments, fewer than the policy merges */
    ns_writer *w;
    size_t half = c.n / 2;
    CHECK_EQ_INT(ns_writer_open(&w, dir, &wo, err, sizeof err), NS_OK);
    for (size_t i = 0; i < half; i++) {
        ns_doc d = {.id = c.d[i].id,
                    .id_len = c.d[i].id_len,
                    .title = c.d[i].title,
                    .title_len = c.d[i].title_len,
                    .body = c.d[i].body,
                    .body_len = c.d[i].body_len};
        CHECK_EQ_INT(ns_writer_put(w, &d, NULL), NS_OK);
    }
    CHECK_EQ_INT(ns_writer_commit(w), NS_OK);
    uint64_t before = count_segments(dir);
    CHECK(before >= 2);
    const char *queries[] = {"economy growth", "film OR music", "\"prime minister\"",
                             "election -labour"};
    char *want[4];
    for (int i = 0; i < 4; i++)
        want[i] = run(dir, queries[i], 0, 20, NULL);
    CHECK_EQ_INT(ns_writer_tidy(w), NS_OK);
    ns_writer_close(w);
    CHECK_EQ_INT(count_segments(dir), 1);
    for (int i = 0; i < 4; i++) { /* nothing deleted: N and df are unchanged */
        char *got = run(dir, queries[i], 0, 20, NULL);
        CHECK(got && want[i] && *want[i]);
        CHECK_EQ_STR(got, want[i]);
        free(got);
        free(want[i]);
    }
    /* the name of the one segment now, to see that the next run keeps it */
    char first[256] = "";
    DIR *dd = opendir(dir);
    CHECK(dd != NULL);
    for (struct dirent *e; dd && (e = readdir(dd));)
        if (!strncmp(e->d_name, "seg-", 4))
            snprintf(first, sizeof first, "%s", e->d_name);
    if (dd)
        closedir(dd);
    CHECK(first[0] != 0);
    /* a second writer adds the rest in several segments and tidies: its own
     * segments become one, the first run's segment is left alone */
    CHECK_EQ_INT(ns_writer_open(&w, dir, &wo, err, sizeof err), NS_OK);
    for (size_t i = half; i < c.n; i++) {
        ns_doc d = {.id = c.d[i].id,
                    .id_len = c.d[i].id_len,
                    .title = c.d[i].title,
                    .title_len = c.d[i].title_len,
                    .body = c.d[i].body,
                    .body_len = c.d[i].body_len};
        CHECK_EQ_INT(ns_writer_put(w, &d, NULL), NS_OK);
    }
    CHECK_EQ_INT(ns_writer_commit(w), NS_OK);
    CHECK(count_segments(dir) >= 3);
    CHECK_EQ_INT(ns_writer_tidy(w), NS_OK);
    /* a second tidy with nothing new changes nothing */
    CHECK_EQ_INT(ns_writer_tidy(w), NS_OK);
    ns_writer_close(w);
    CHECK_EQ_INT(count_segments(dir), 2);
    CHECK(segment_exists(dir, first));
    ns_index *idx;
    CHECK_EQ_INT(ns_index_open(&idx, dir, err, sizeof err), NS_OK);
    ns_stats st;
    ns_index_stats(idx, &st);
    CHECK_EQ_INT(st.documents, c.n);
    ns_index_close(idx);
    tc_rmdir(dir);
    tc_free(&c);
}

static void test_errors(void)
{
    char err[NS_ERRBUF_SIZE];
    ns_index *idx;
    CHECK_EQ_INT(ns_index_open(&idx, "/nonexistent/nsearch/index", err, sizeof err), NS_ENOTFOUND);
    CHECK(strstr(err, "/nonexistent/nsearch/index") != NULL);
    ns_query *q;
    size_t off = 0;
    CHECK_EQ_INT(ns_query_parse(&q, NULL, "(sever relations", 16, NULL, err, sizeof err, &off),
                 NS_ESYNTAX);
    CHECK_EQ_INT(off, 0);
    ns_writer_options wo = NS_WRITER_OPTIONS_INIT;
    wo.language = "klingon";
    ns_writer *w;
    const char *dir = tc_tmpdir("lang");
    CHECK_EQ_INT(ns_writer_open(&w, dir, &wo, err, sizeof err), NS_EINVAL);
    CHECK(strstr(err, "klingon") != NULL);
    wo.language = "french";
    CHECK_EQ_INT(ns_writer_open(&w, dir, &wo, err, sizeof err), NS_OK);
    put_text(w, "f", "les relations diplomatiques", NS_PUT_ADDED);
    CHECK_EQ_INT(ns_writer_commit(w), NS_OK);
    ns_writer_close(w);
    CHECK_EQ_INT(ns_index_open(&idx, dir, err, sizeof err), NS_OK);
    CHECK_EQ_STR(ns_index_language(idx), "french");
    ns_index_close(idx);
    wo.language = "english";
    CHECK_EQ_INT(ns_writer_open(&w, dir, &wo, err, sizeof err), NS_EINVAL);
    tc_rmdir(dir);
}

NS_TEST_MAIN(NST(test_buffer_over_cache_clears), NST(test_seeds_sever_relations),
             NST(test_seeds_title_field), NST(test_snippets_highlight),
             NST(test_incremental_and_delete), NST(test_merges_keep_results),
             NST(test_tidy_merges_own_segments), NST(test_errors))
