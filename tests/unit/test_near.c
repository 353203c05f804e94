/* test_near.c — NEAR and phrases with repeated words, and NEAR groups of
 * any size the parser allows (docs/query-language.md, NEAR), on both
 * backends when Xapian is built:
 *   - a word a NEAR group names k times needs k distinct positions in the
 *     window (`cocoa NEAR/1 cocoa` is two cocoas side by side, never one
 *     cocoa counted twice); likewise a phrase (`"cocoa cocoa"`);
 *   - a group of more than 64 words matches the documents that hold every
 *     word within the window, up to max_terms words;
 *   - on Reuters, the cocoa stories: NEAR and the phrase against brute force. */
#include "corpus.h"
#include "nsearch.h"
#include "nstest.h"

typedef struct tdocs {
    const char *id, *title, *body;
} tdocs;

static const tdocs SMALL[] = {
    {"one", "Prices", "cocoa prices rose"},
    {"adjacent", "Beans", "the cocoa cocoa beans"},
    {"apart3", "Beans", "cocoa beans and cocoa"},
    {"apart5", "Market", "cocoa x y z w cocoa"},
    {"fields", "Cocoa", "cocoa market"}, /* one cocoa per field: no pair */
    {"title2", "Cocoa cocoa", "market"},
    {"aba", "Letters", "alpha beta alpha"},
    {"ab", "Letters", "alpha beta gamma delta alpha"},
};

/* Words w0, w1, ... of a long document (digits keep them unstemmed). */
#define NBIG 1000
static char *big_body(size_t from, size_t n, size_t gap_at)
{
    char *b = malloc(n * 12 + 64), *p = b;
    for (size_t i = from; i < from + n; i++) {
        if (i == gap_at)
            p += sprintf(p, "filler filler ");
        p += sprintf(p, "w%zu ", i);
    }
    *p = 0;
    return b;
}

static char *DIRS[2];
static int NBACKENDS;

static void put(ns_writer *w, const char *id, const char *title, const char *body)
{
    ns_doc d = {.id = id,
                .id_len = strlen(id),
                .title = title,
                .title_len = strlen(title),
                .body = body,
                .body_len = strlen(body)};
    CHECK_EQ_INT(ns_writer_put(w, &d, NULL), NS_OK);
}

static void build(const char *dir, int backend)
{
    ns_writer_options wo = NS_WRITER_OPTIONS_INIT;
    wo.backend = backend;
    ns_writer *w;
    char err[NS_ERRBUF_SIZE];
    if (ns_writer_open(&w, dir, &wo, err, sizeof err)) {
        fprintf(stderr, "%s\n", err);
        CHECK(0);
        return;
    }
    for (size_t i = 0; i < sizeof SMALL / sizeof *SMALL; i++)
        put(w, SMALL[i].id, SMALL[i].title, SMALL[i].body);
    char *b = big_body(0, NBIG, NBIG); /* w0 .. w999 in a row */
    put(w, "big", "Big", b);
    free(b);
    b = big_body(0, 70, 35); /* w0 .. w69 with two words between w34 and w35 */
    put(w, "gap70", "Gap", b);
    free(b);
    CHECK_EQ_INT(ns_writer_commit(w), NS_OK);
    ns_writer_close(w);
}

static void setup(void)
{
    DIRS[0] = strdup(tc_tmpdir("near-native"));
    build(DIRS[0], NS_BACKEND_NATIVE);
    NBACKENDS = 1;
#ifdef NS_WITH_XAPIAN
    DIRS[1] = strdup(tc_tmpdir("near-xapian"));
    build(DIRS[1], NS_BACKEND_XAPIAN);
    NBACKENDS = 2;
#endif
}

static void teardown(void)
{
    for (int i = 0; i < 2; i++)
        if (DIRS[i]) {
            tc_rmdir(DIRS[i]);
            free(DIRS[i]);
        }
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The ids matching query on idx, sorted, space-separated, in out; the
 * status of parsing or searching. */
static int ids(ns_index *idx, const char *query, char *out, size_t cap)
{
    char err[NS_ERRBUF_SIZE];
    ns_query *q;
    ns_query_options qo = NS_QUERY_OPTIONS_INIT;
    qo.max_terms = 1024;
    *out = 0;
    int rc = ns_query_parse(&q, idx, query, strlen(query), &qo, err, sizeof err, NULL);
    if (rc) {
        snprintf(out, cap, "%s", err);
        return rc;
    }
    ns_search_options so = NS_SEARCH_OPTIONS_INIT;
    so.k = 1000;
    so.exhaustive = 1;
    ns_results *r = NULL;
    if ((rc = ns_search(&r, idx, q, &so))) {
        snprintf(out, cap, "%s", ns_index_errmsg(idx));
        ns_query_free(q);
        return rc;
    }
    size_t n = ns_results_count(r);
    char **v = calloc(n + 1, sizeof *v);
    for (size_t i = 0; i < n; i++) {
        ns_hit h;
        ns_results_hit(r, i, &h);
        v[i] = strndup(h.id, h.id_len);
    }
    qsort(v, n, sizeof *v, cmp_str);
    size_t len = 0;
    for (size_t i = 0; i < n; i++) {
        len += (size_t)snprintf(out + len, len < cap ? cap - len : 0, "%s%s", i ? " " : "", v[i]);
        free(v[i]);
    }
    free(v);
    ns_results_free(r);
    ns_query_free(q);
    return NS_OK;
}

/* query must match exactly want (sorted ids) on every backend. */
static void expect(const char *query, const char *want)
{
    for (int b = 0; b < NBACKENDS; b++) {
        ns_index *idx;
        char err[NS_ERRBUF_SIZE];
        CHECK_EQ_INT(ns_index_open(&idx, DIRS[b], err, sizeof err), NS_OK);
        char got[4096];
        int rc = ids(idx, query, got, sizeof got);
        if (rc || strcmp(got, want))
            fprintf(stderr, "%.100s [%s]: got '%s' (%d), want '%s'\n", query,
                    b ? "xapian" : "native", got, rc, want);
        CHECK_EQ_INT(rc, NS_OK);
        CHECK_EQ_STR(got, want);
        ns_index_close(idx);
    }
}

static void test_repeated_word_needs_distinct_positions(void)
{
    expect("cocoa", "adjacent apart3 apart5 fields one title2");
    expect("cocoa NEAR/1 cocoa", "adjacent title2");
    expect("cocoa NEAR/2 cocoa", "adjacent title2");
    expect("cocoa NEAR/3 cocoa", "adjacent apart3 title2");
    expect("cocoa NEAR cocoa", "adjacent apart3 apart5 title2");
    expect("title:cocoa NEAR title:cocoa", "title2");
    /* three cocoas: no document has them */
    expect("cocoa NEAR cocoa NEAR cocoa", "");
    /* a repeated word beside another: two cocoas and beans within 2 */
    expect("cocoa NEAR/2 beans NEAR/2 cocoa", "adjacent");
    expect("cocoa NEAR/3 beans NEAR/3 cocoa", "adjacent apart3");
    expect("alpha NEAR/2 beta NEAR/2 alpha", "aba");
    expect("alpha NEAR/2 alpha NEAR/2 beta", "aba");
    expect("alpha NEAR/4 alpha NEAR/4 beta", "ab aba");
    expect("alpha NEAR/1 beta", "ab aba");
    /* -a NEAR a excludes the pair only */
    expect("cocoa -cocoa NEAR/1 cocoa", "apart3 apart5 fields one");
}

static void test_phrase_repeated_word(void)
{
    expect("\"cocoa cocoa\"", "adjacent title2");
    expect("\"cocoa cocoa cocoa\"", "");
    expect("\"alpha beta alpha\"", "aba");
}

/* "w<from> NEAR/d w<from+1> NEAR/d ... w<from+n-1>" */
static char *big_near(size_t from, size_t n, unsigned d)
{
    char *q = malloc(n * 24 + 1), *p = q;
    p += sprintf(p, "w%zu", from);
    for (size_t i = from + 1; i < from + n; i++)
        p += sprintf(p, " NEAR/%u w%zu", d, i);
    return q;
}

static void test_groups_larger_than_64(void)
{
    static const struct {
        size_t from, n;
        unsigned d;
        const char *want;
    } cases[] = {
        {0, 64, 63, "big"}, /* gap70 spans 65: two words between w34 and w35 */
        {0, 64, 65, "big gap70"}, {0, 65, 64, "big"}, /* gap70 spans 66 */
        {0, 65, 66, "big gap70"}, {0, 65, 63, ""},    /* 65 words need a span of 64 */
        {0, 70, 69, "big"},       {0, 70, 71, "big gap70"},
        {0, 200, 199, "big"},     {0, 200, 198, ""},
        {500, 500, 499, "big"},   {0, 1000, 999, "big"},
        {0, 1000, 1000, "big"},   {0, 1000, 998, ""},
        {0, 1001, 1000, ""}, /* w1000 is in no document */
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char *q = big_near(cases[i].from, cases[i].n, cases[i].d);
        expect(q, cases[i].want);
        free(q);
    }
    /* a group of 1024 words, the most a query may have, with repeats */
    char *q = malloc(1024 * 24), *p = q;
    for (size_t i = 0; i < 1024; i++)
        p += sprintf(p, i ? " NEAR/1000 w%zu" : "w%zu", i % 512);
    expect(q, ""); /* every word twice: nowhere */
    p = q;
    for (size_t i = 0; i < 1024; i++)
        p += sprintf(p, i ? " NEAR/1000 w%zu" : "w%zu", i % 1000);
    expect(q, ""); /* 1,024 distinct positions never fit in 1,001 */
    free(q);
}

/* ------------------------------------------------------------ Reuters */

typedef struct pctx {
    uint32_t *pos[2];
    size_t n[2], cap[2];
    int field;
} pctx;

static int on_token(void *vc, const char *term, size_t len, uint32_t pos, size_t s, size_t e)
{
    pctx *c = vc;
    (void)s, (void)e;
    if (len == 5 && !memcmp(term, "cocoa", 5)) {
        int f = c->field;
        if (c->n[f] == c->cap[f])
            c->pos[f] = realloc(c->pos[f],
                                (c->cap[f] = c->cap[f] ? c->cap[f] * 2 : 16) * sizeof *c->pos[f]);
        c->pos[f][c->n[f]++] = pos;
    }
    return 0;
}

/* Whether k cocoas lie within d positions in one field (brute force). */
static int has_cocoas(const pctx *c, size_t k, uint32_t d)
{
    for (int f = 0; f < 2; f++)
        for (size_t i = 0; i + k - 1 < c->n[f]; i++)
            if (c->pos[f][i + k - 1] - c->pos[f][i] <= d)
                return 1;
    return 0;
}

static size_t count_ids(const char *list)
{
    size_t n = 0;
    for (const char *p = list; *p; p++)
        n += (p == list || p[-1] == ' ') && *p != ' ';
    return n;
}

/* The cocoa stories of C (those with a position in P) indexed with backend:
 * NEAR and the phrase against brute force over P. */
static void reuters_cocoa(const tcorpus *C, const pctx *P, int backend)
{
    const char *name = backend == NS_BACKEND_XAPIAN ? "xapian" : "native";
    char *dir = strdup(tc_tmpdir("near-reuters"));
    ns_writer_options wo = NS_WRITER_OPTIONS_INIT;
    wo.backend = backend;
    ns_writer *w;
    char err[NS_ERRBUF_SIZE];
    CHECK_EQ_INT(ns_writer_open(&w, dir, &wo, err, sizeof err), NS_OK);
    size_t nd = 0;
    for (size_t i = 0; i < C->n; i++) {
        if (!P[i].n[0] && !P[i].n[1])
            continue;
        ns_doc d = {.id = C->d[i].id,
                    .id_len = C->d[i].id_len,
                    .title = C->d[i].title,
                    .title_len = C->d[i].title_len,
                    .body = C->d[i].body,
                    .body_len = C->d[i].body_len};
        CHECK_EQ_INT(ns_writer_put(w, &d, NULL), NS_OK);
        nd++;
    }
    CHECK_EQ_INT(ns_writer_commit(w), NS_OK);
    ns_writer_close(w);
    ns_index *idx;
    CHECK_EQ_INT(ns_index_open(&idx, dir, err, sizeof err), NS_OK);
    static const struct {
        const char *query;
        size_t k;
        uint32_t d;
    } qs[] = {
        {"cocoa", 1, 0},
        {"\"cocoa cocoa\"", 2, 1},
        {"cocoa NEAR/1 cocoa", 2, 1},
        {"cocoa NEAR/2 cocoa", 2, 2},
        {"cocoa NEAR/5 cocoa", 2, 5},
        {"cocoa NEAR cocoa", 2, 10},
        {"cocoa NEAR/1000 cocoa", 2, 1000},
        {"cocoa NEAR/10 cocoa NEAR/10 cocoa", 3, 10},
        {"cocoa NEAR/30 cocoa NEAR/30 cocoa NEAR/30 cocoa NEAR/30 cocoa", 5, 30},
    };
    char *got = malloc(1 << 20);
    for (size_t i = 0; i < sizeof qs / sizeof *qs; i++) {
        /* brute force, as sorted ids */
        char **v = calloc(C->n + 1, sizeof *v);
        size_t n = 0;
        for (size_t d = 0; d < C->n; d++)
            if ((P[d].n[0] || P[d].n[1]) && (qs[i].k == 1 || has_cocoas(&P[d], qs[i].k, qs[i].d)))
                v[n++] = C->d[d].id;
        qsort(v, n, sizeof *v, cmp_str);
        char *want = malloc(n * 32 + 1);
        size_t len = 0;
        want[0] = 0;
        for (size_t k = 0; k < n; k++)
            len += (size_t)sprintf(want + len, "%s%s", k ? " " : "", v[k]);
        CHECK_EQ_INT(ids(idx, qs[i].query, got, 1 << 20), NS_OK);
        printf("reuters %s: %-60s %4zu documents (brute force %zu)\n", name, qs[i].query,
               count_ids(got), n);
        CHECK_EQ_STR(got, want);
        free(want);
        free(v);
    }
    printf("reuters %s: %zu of %zu stories have a cocoa\n", name, nd, C->n);
    free(got);
    ns_index_close(idx);
    tc_rmdir(dir);
    free(dir);
}

static void test_reuters_cocoa(void)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/corpora/reuters21578/docs.jsonl.gz", nst_shared_dir());
    tcorpus C;
    if (tc_load(&C, path, 0) != 0) {
        fprintf(stderr, "cannot read %s\n", path);
        CHECK(0);
        return;
    }
    /* the cocoa positions of every story, per field */
    pctx *P = calloc(C.n, sizeof *P);
    for (size_t i = 0; i < C.n; i++) {
        P[i].field = 0;
        ns_analyze("english", C.d[i].title, C.d[i].title_len, on_token, &P[i]);
        P[i].field = 1;
        ns_analyze("english", C.d[i].body, C.d[i].body_len, on_token, &P[i]);
    }
    for (int b = 0; b < NBACKENDS; b++)
        reuters_cocoa(&C, P, b ? NS_BACKEND_XAPIAN : NS_BACKEND_NATIVE);
    for (size_t i = 0; i < C.n; i++) {
        free(P[i].pos[0]);
        free(P[i].pos[1]);
    }
    free(P);
    tc_free(&C);
}

NS_TEST_MAIN_FIXTURE(setup, teardown, NST(test_repeated_word_needs_distinct_positions),
                     NST(test_phrase_repeated_word), NST(test_groups_larger_than_64),
                     NST(test_reuters_cocoa))
