/* test_suggest.c — spelling suggestions (ns_suggest, docs/query-language.md
 * "Did you mean"):
 *  - the lexicon walk (query/lexicon.c) finds exactly the words a brute-force
 *    Damerau distance finds within the budget, a transposition counting one,
 *    best first by (distance, df);
 *  - SURFACE round trip: a segment lists each word as written (folded) once
 *    with the number of documents holding it; a merge sums them; --check
 *    --full passes; a document deleted before a merge leaves an estimate
 *    from above;
 *  - SURFACE blocks: on a segment of many blocks, a seek to every word (and
 *    to words between them) decodes at most a block's words before it,
 *    and a seek to a letter then finds that letter's first word;
 *  - on the BBC News corpus, a list of common misspellings
 *    (tests/data/misspellings.txt) gets the right suggestion at least 80% of
 *    the time, and correctly spelled queries that have hits (words of the
 *    documents' titles) get one at most 10% of the time; a suggestion always
 *    has matches. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "corpus.h"
#include "format/commit.h"
#include "format/segment.h"
#include "nsearch.h"
#include "nstest.h"
#include "query/fuzzy.h"
#include "query/lexicon.h"

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void test_lexicon_walk(void)
{
    /* a dictionary of random words over a small alphabet, so many are close */
    enum { N = 3000 };
    char **w = malloc(N * sizeof *w);
    uint64_t seed = 12345;
    for (int i = 0; i < N; i++) {
        seed = seed * 6364136223846793005ull + 1442695040888963407ull;
        int len = 3 + (int)((seed >> 33) % 6);
        w[i] = malloc((size_t)len + 1);
        for (int k = 0; k < len; k++) {
            seed = seed * 6364136223846793005ull + 1442695040888963407ull;
            w[i][k] = (char)('a' + (seed >> 33) % 5);
        }
        w[i][len] = 0;
    }
    qsort(w, N, sizeof *w, cmp_str);
    nsi_lexicon *lx;
    CHECK_EQ_INT(nsi_lexicon_new(&lx), NS_OK);
    size_t n = 0;
    for (int i = 0; i < N; i++) {
        if (i && !strcmp(w[i], w[i - 1]))
            continue;
        CHECK_EQ_INT(nsi_lexicon_push(lx, w[i], strlen(w[i]), (uint64_t)(i % 17 + 1)), NS_OK);
        n++;
    }
    CHECK_EQ_INT(nsi_lexicon_size(lx), n);
    /* out of order is refused */
    CHECK_EQ_INT(nsi_lexicon_push(lx, "aaa", 3, 1), NS_EINVAL);
    const char *queries[] = {"abcde", "eeee", "abc", "dcbaab", "aaaaaaa", "bad"};
    for (size_t q = 0; q < sizeof queries / sizeof queries[0]; q++) {
        for (unsigned max = 1; max <= 2; max++) {
            nsi_spell out[4096];
            size_t got;
            uint64_t df;
            size_t ql = strlen(queries[q]);
            CHECK_EQ_INT(nsi_lexicon_near(lx, queries[q], ql, max, 0, out, 4096, &got, &df), NS_OK);
            size_t want = 0;
            for (int i = 0; i < N; i++) {
                if (i && !strcmp(w[i], w[i - 1]))
                    continue;
                unsigned d = nsi_fuzzy_distance(queries[q], ql, w[i], strlen(w[i]));
                want += d >= 1 && d <= max && w[i][0] == queries[q][0];
            }
            CHECK_EQ_INT(got, want);
            for (size_t i = 0; i < got; i++) {
                CHECK(out[i].word[0] == queries[q][0]);
                CHECK_EQ_INT(out[i].dist,
                             nsi_fuzzy_distance(queries[q], ql, out[i].word, out[i].len));
                if (i)
                    CHECK(out[i - 1].dist < out[i].dist ||
                          (out[i - 1].dist == out[i].dist && out[i - 1].df >= out[i].df));
            }
        }
    }
    nsi_lexicon_free(lx);
    /* a transposition is one edit */
    CHECK_EQ_INT(nsi_lexicon_new(&lx), NS_OK);
    CHECK_EQ_INT(nsi_lexicon_push(lx, "receipt", 7, 5), NS_OK);
    CHECK_EQ_INT(nsi_lexicon_push(lx, "receive", 7, 40), NS_OK);
    CHECK_EQ_INT(nsi_lexicon_push(lx, "recipe", 6, 90), NS_OK);
    nsi_spell out[4];
    size_t got;
    uint64_t df;
    CHECK_EQ_INT(nsi_lexicon_near(lx, "recieve", 7, 1, 0, out, 4, &got, &df), NS_OK);
    CHECK_EQ_INT(got, 1);
    CHECK_EQ_STR(out[0].word, "receive");
    CHECK_EQ_INT(out[0].dist, 1);
    CHECK_EQ_INT(df, 0);
    CHECK_EQ_INT(nsi_lexicon_near(lx, "receive", 7, 2, 0, out, 4, &got, &df), NS_OK);
    CHECK_EQ_INT(df, 40);
    CHECK_EQ_INT(got, 2); /* receipt (2 edits), recipe (2) */
    /* present: only words one edit away in ratio times as many documents */
    CHECK_EQ_INT(nsi_lexicon_near(lx, "receipt", 7, 2, 2, out, 4, &got, &df), NS_OK);
    CHECK_EQ_INT(df, 5);
    CHECK_EQ_INT(got, 0); /* receive is 2 edits away */
    CHECK_EQ_INT(nsi_lexicon_near(lx, "recipe", 6, 2, 2, out, 4, &got, &df), NS_OK);
    CHECK_EQ_INT(got, 0); /* nothing has 180 documents: no walk */
    nsi_lexicon_free(lx);
    for (int i = 0; i < N; i++)
        free(w[i]);
    free(w);
}

/* The SURFACE entries of every segment of dir, summed, for word. */
static uint64_t surface_df(const char *dir, const char *word, uint32_t *nsegs)
{
    char err[NS_ERRBUF_SIZE];
    nsi_commit c;
    uint64_t df = 0;
    CHECK_EQ_INT(nsi_commit_read(&c, dir, err, sizeof err), NS_OK);
    *nsegs = c.nsegs;
    for (uint32_t k = 0; k < c.nsegs; k++) {
        nsi_seg *s;
        CHECK_EQ_INT(nsi_seg_open(&s, dir, c.segs[k].id, err, sizeof err), NS_OK);
        CHECK_EQ_INT(s->version, NSI_SEG_VERSION);
        nsi_surfit it;
        int rc = nsi_surfit_start(&it, s, err, sizeof err);
        char prev[NS_MAX_TERM_BYTES + 1] = "";
        while (rc == NS_OK && (rc = nsi_surfit_next(&it, err, sizeof err)) == NS_OK) {
            CHECK(strcmp(prev, it.word) < 0);
            memcpy(prev, it.word, it.len + 1);
            if (!strcmp(it.word, word))
                df += it.df;
        }
        CHECK_EQ_INT(rc, 1);
        nsi_seg_close(s);
    }
    nsi_commit_free(&c);
    return df;
}

static void put(ns_writer *w, const char *id, const char *title, const char *body)
{
    ns_doc d = {id, strlen(id), title, strlen(title), body, strlen(body), NULL,
                0,  NULL,       0,     NULL,          0};
    CHECK_EQ_INT(ns_writer_put(w, &d, NULL), NS_OK);
}

static void test_surface_round_trip_and_merge(void)
{
    const char *dir = tc_tmpdir("suggest-surface");
    char err[NS_ERRBUF_SIZE];
    ns_writer *w;
    ns_writer_options wo = NS_WRITER_OPTIONS_INIT;
    CHECK_EQ_INT(ns_writer_open(&w, dir, &wo, err, sizeof err), NS_OK);
    put(w, "a", "Governments",
        "The government's spending; GOVERNMENT Governments 2005 caf\xc3\xa9");
    put(w, "b", "Spending", "spending spending government");
    CHECK_EQ_INT(ns_writer_commit(w), NS_OK);
    uint32_t nsegs;
    /* folded, unstemmed, once per document; "government's", digits and
     * words with letters outside ASCII have no entry */
    CHECK_EQ_INT(surface_df(dir, "government", &nsegs), 2);
    CHECK_EQ_INT(nsegs, 1);
    CHECK_EQ_INT(surface_df(dir, "governments", &nsegs), 1);
    CHECK_EQ_INT(surface_df(dir, "spending", &nsegs), 2);
    CHECK_EQ_INT(surface_df(dir, "the", &nsegs), 1);
    CHECK_EQ_INT(surface_df(dir, "s", &nsegs), 0);
    CHECK_EQ_INT(surface_df(dir, "caf", &nsegs), 0);
    put(w, "c", "Another government", "budget");
    CHECK_EQ_INT(ns_writer_commit(w), NS_OK);
    CHECK_EQ_INT(surface_df(dir, "government", &nsegs), 3);
    CHECK_EQ_INT(nsegs, 2);
    /* merged: summed */
    CHECK_EQ_INT(ns_writer_optimize(w), NS_OK);
    CHECK_EQ_INT(surface_df(dir, "government", &nsegs), 3);
    CHECK_EQ_INT(nsegs, 1);
    CHECK_EQ_INT(surface_df(dir, "budget", &nsegs), 1);
    CHECK_EQ_INT(ns_index_check(dir, 1, err, sizeof err), NS_OK);
    /* a deletion: the merge keeps an estimate from above, cut at ndocs */
    CHECK_EQ_INT(ns_writer_delete(w, "c", 1), NS_OK);
    CHECK_EQ_INT(ns_writer_commit(w), NS_OK);
    CHECK_EQ_INT(ns_writer_optimize(w), NS_OK);
    CHECK_EQ_INT(surface_df(dir, "government", &nsegs), 2);
    CHECK_EQ_INT(surface_df(dir, "budget", &nsegs), 1);
    CHECK_EQ_INT(ns_index_check(dir, 1, err, sizeof err), NS_OK);
    CHECK_EQ_INT(ns_writer_commit(w), NS_OK);
    ns_writer_close(w);

    ns_index *idx;
    CHECK_EQ_INT(ns_index_open(&idx, dir, err, sizeof err), NS_OK);
    char *s = NULL;
    CHECK_EQ_INT(ns_suggest(&s, idx, "goverment", 9, NULL), NS_OK);
    CHECK(s && !strcmp(s, "government"));
    ns_free(s);
    /* case kept, operators and other words left alone */
    const char *q = "Goverment AND \"SPENDNG\"";
    CHECK_EQ_INT(ns_suggest(&s, idx, q, strlen(q), NULL), NS_OK);
    CHECK(s && !strcmp(s, "Government AND \"SPENDING\""));
    ns_free(s);
    /* a word spelled right: none */
    CHECK_EQ_INT(ns_suggest(&s, idx, "spending", 8, NULL), NS_OK);
    CHECK(s == NULL);
    /* a correction that would match nothing (budget was deleted, AND): none */
    q = "goverment budgte xyzzy";
    CHECK_EQ_INT(ns_suggest(&s, idx, q, strlen(q), NULL), NS_OK);
    CHECK(s == NULL);
    CHECK_EQ_INT(ns_suggest(NULL, idx, "x", 1, NULL), NS_EINVAL);
    ns_index_close(idx);
    tc_rmdir(dir);
}

/* The i-th made-up word: 3 to 5 letters spelling i in base 26 ("baa"...). */
static size_t made_word(unsigned i, char *w)
{
    size_t n = 0;
    char rev[8];
    unsigned v = i + 26 * 27; /* at least 3 letters, no leading 'a' */
    while (v) {
        rev[n++] = (char)('a' + v % 26);
        v /= 26;
    }
    for (size_t k = 0; k < n; k++)
        w[k] = rev[n - 1 - k];
    w[n] = 0;
    return n;
}

static void test_surface_seek(void)
{
    const char *dir = tc_tmpdir("suggest-seek");
    char err[NS_ERRBUF_SIZE];
    ns_writer *w;
    ns_writer_options wo = NS_WRITER_OPTIONS_INIT;
    CHECK_EQ_INT(ns_writer_open(&w, dir, &wo, err, sizeof err), NS_OK);
    enum { DOCS = 400, PER = 30 };
    for (unsigned d = 0; d < DOCS; d++) {
        char body[PER * 8 + 1], id[16], word[8];
        size_t at = 0;
        for (unsigned k = 0; k < PER; k++) { /* word i in (i % 7) + 1 documents */
            size_t n = made_word((d * 37u + k * 523u) % 9000u, word);
            memcpy(body + at, word, n);
            body[at + n] = ' ';
            at += n + 1;
        }
        body[at] = 0;
        snprintf(id, sizeof id, "d%u", d);
        put(w, id, "", body);
    }
    CHECK_EQ_INT(ns_writer_optimize(w), NS_OK);
    ns_writer_close(w);
    nsi_commit c;
    CHECK_EQ_INT(nsi_commit_read(&c, dir, err, sizeof err), NS_OK);
    CHECK_EQ_INT(c.nsegs, 1);
    nsi_seg *g;
    CHECK_EQ_INT(nsi_seg_open(&g, dir, c.segs[0].id, err, sizeof err), NS_OK);
    /* every word, in order, from a full walk */
    nsi_surfit it;
    size_t n = 0, cap = 16384;
    char(*words)[8] = malloc(cap * sizeof *words);
    uint64_t *dfs = malloc(cap * sizeof *dfs);
    int rc = nsi_surfit_start(&it, g, err, sizeof err);
    while (rc == NS_OK && (rc = nsi_surfit_next(&it, err, sizeof err)) == NS_OK && n < cap) {
        memcpy(words[n], it.word, it.len + 1);
        dfs[n++] = it.df;
    }
    CHECK_EQ_INT(rc, 1);
    CHECK(it.nblocks > 50);
    CHECK_EQ_INT(it.nblocks, (n + NSI_SURFACE_BLOCK - 1) / NSI_SURFACE_BLOCK);
    size_t bad = 0;
    for (size_t i = 0; i < n; i++) {
        /* the word itself, then the key just after it: the word and "a"
         * (no word of letters sorts between them) */
        for (size_t after = 0; after < 2; after++) {
            char key[10];
            snprintf(key, sizeof key, "%s%s", words[i], after ? "a" : "");
            size_t want = i + after, steps = 0;
            CHECK_EQ_INT(nsi_surfit_seek(&it, g, key, strlen(key), err, sizeof err), NS_OK);
            while ((rc = nsi_surfit_next(&it, err, sizeof err)) == NS_OK &&
                   strcmp(it.word, key) < 0)
                steps++;
            if (want < n)
                bad += rc != NS_OK || strcmp(it.word, words[want]) || it.df != dfs[want] ||
                       steps > NSI_SURFACE_BLOCK;
            else
                bad += rc != 1;
        }
    }
    CHECK_EQ_INT(bad, 0);
    /* each letter's first word */
    for (char b = 'a'; b <= 'z'; b++) {
        size_t first = 0;
        while (first < n && words[first][0] < b)
            first++;
        CHECK_EQ_INT(nsi_surfit_seek(&it, g, &b, 1, err, sizeof err), NS_OK);
        do
            rc = nsi_surfit_next(&it, err, sizeof err);
        while (rc == NS_OK && it.word[0] < b);
        if (first == n)
            CHECK_EQ_INT(rc, 1);
        else
            CHECK(rc == NS_OK && !strcmp(it.word, words[first]));
    }
    free(words);
    free(dfs);
    nsi_seg_close(g);
    nsi_commit_free(&c);
    CHECK_EQ_INT(ns_index_check(dir, 1, err, sizeof err), NS_OK);
    tc_rmdir(dir);
}

typedef struct pair {
    char bad[64], good[64];
} pair;

static pair *P;
static size_t NP;
static tcorpus C;

/* The queries spelled right, with hits: the first word (3 to 64 ASCII
 * letters standing alone) of every 7th title, and it with the second. */
static size_t correct_queries(char (**out)[140])
{
    size_t n = 0;
    *out = malloc((C.n / 7 + 1) * 2 * sizeof **out);
    for (size_t i = 0; i < C.n; i += 7) {
        char words[2][65];
        size_t nw = 0;
        const char *t = C.d[i].title;
        for (size_t k = 0; k < C.d[i].title_len && nw < 2;) {
            size_t s = k;
            while (k < C.d[i].title_len &&
                   ((t[k] >= 'a' && t[k] <= 'z') || (t[k] >= 'A' && t[k] <= 'Z')))
                k++;
            int alone = (k == C.d[i].title_len || t[k] == ' ') && (s == 0 || t[s - 1] == ' ');
            if (alone && k - s >= 3 && k - s <= 64) {
                memcpy(words[nw], t + s, k - s);
                words[nw++][k - s] = 0;
            }
            if (k == s)
                k++;
        }
        if (nw >= 1)
            snprintf((*out)[n++], 140, "%s", words[0]);
        if (nw == 2)
            snprintf((*out)[n++], 140, "%s %s", words[0], words[1]);
    }
    return n;
}

/* Indexes BBC News with backend and asks for a suggestion for every
 * misspelling and every correct query: out[0..NP) and out[NP..) (NULL: none;
 * the caller frees them). Checks the targets on the way. */
static char **measure(const char *name, int backend, size_t *nout)
{
    char(*cq)[140];
    size_t ncq = correct_queries(&cq);
    char **res = calloc(NP + ncq, sizeof *res);
    *nout = NP + ncq;
    const char *dir = tc_tmpdir("suggest-bbc");
    char err[NS_ERRBUF_SIZE];
    ns_writer *w;
    ns_writer_options wo = NS_WRITER_OPTIONS_INIT;
    wo.backend = backend;
    wo.flush_bytes = 2u << 20; /* several native segments */
    CHECK_EQ_INT(ns_writer_open(&w, dir, &wo, err, sizeof err), NS_OK);
    for (size_t i = 0; i < C.n; i++) {
        ns_doc d = {C.d[i].id,    C.d[i].id_len,
                    C.d[i].title, C.d[i].title_len,
                    C.d[i].body,  C.d[i].body_len,
                    NULL,         0,
                    NULL,         0,
                    NULL,         0};
        CHECK_EQ_INT(ns_writer_put(w, &d, NULL), NS_OK);
    }
    CHECK_EQ_INT(ns_writer_commit(w), NS_OK);
    ns_writer_close(w);
    ns_index *idx;
    CHECK_EQ_INT(ns_index_open(&idx, dir, err, sizeof err), NS_OK);

    size_t right = 0, none = 0, suggested = 0, unmatched = 0;
    for (size_t i = 0; i < NP + ncq; i++) {
        const char *q = i < NP ? P[i].bad : cq[i - NP];
        CHECK_EQ_INT(ns_suggest(&res[i], idx, q, strlen(q), NULL), NS_OK);
        if (i < NP) {
            right += res[i] && !strcmp(res[i], P[i].good);
            none += res[i] == NULL;
            if (getenv("NS_TEST_VERBOSE") && !(res[i] && !strcmp(res[i], P[i].good)))
                printf("  %s -> %s (want %s)\n", q, res[i] ? res[i] : "(none)", P[i].good);
            continue;
        }
        if (!res[i])
            continue;
        suggested++;
        if (getenv("NS_TEST_VERBOSE"))
            printf("  correct '%s' -> '%s'\n", q, res[i]);
        /* a suggestion has matches */
        ns_query *qq;
        ns_results *r;
        CHECK_EQ_INT(ns_query_parse(&qq, idx, res[i], strlen(res[i]), NULL, err, sizeof err, NULL),
                     NS_OK);
        ns_search_options so = NS_SEARCH_OPTIONS_INIT;
        CHECK_EQ_INT(ns_search(&r, idx, qq, &so), NS_OK);
        unmatched += ns_results_total(r, NULL) == 0;
        ns_results_free(r);
        ns_query_free(qq);
    }
    printf("%s: misspellings: %zu of %zu right (%.1f%%), %zu without a suggestion\n", name, right,
           NP, 100.0 * (double)right / (double)NP, none);
    printf("%s: correct queries with hits: %zu of %zu got a suggestion (%.1f%%)\n", name, suggested,
           ncq, 100.0 * (double)suggested / (double)ncq);
    CHECK(ncq >= 300);
    CHECK(right * 100 >= NP * 80);
    CHECK(suggested * 100 <= ncq * 10);
    CHECK_EQ_INT(unmatched, 0);
    ns_index_close(idx);
    tc_rmdir(dir);
    free(cq);
    return res;
}

static void free_results(char **r, size_t n)
{
    for (size_t i = 0; i < n; i++)
        ns_free(r[i]);
    free(r);
}

static int load_data(void)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/corpora/bbc_news/docs.jsonl", nst_shared_dir());
    if (!C.n && tc_load(&C, path, 0) != 0)
        return -1;
    if (NP)
        return 0;
    const char *src = getenv("NS_SOURCE_DIR");
    char lpath[4096];
    snprintf(lpath, sizeof lpath, "%s/tests/data/misspellings.txt", src ? src : ".");
    FILE *f = fopen(lpath, "r");
    CHECK(f != NULL);
    if (!f)
        return -1;
    char line[256];
    while (fgets(line, sizeof line, f)) {
        P = realloc(P, (NP + 1) * sizeof *P);
        if (sscanf(line, "%63s %63s", P[NP].bad, P[NP].good) == 2)
            NP++;
    }
    fclose(f);
    CHECK(NP >= 60);
    return 0;
}

static void test_bbc_misspellings(void)
{
    if (load_data()) {
        nst_skip("the BBC News corpus is missing");
        return;
    }
    size_t n;
    char **nat = measure("native", NS_BACKEND_NATIVE, &n);
#ifdef NS_WITH_XAPIAN
    /* the Xapian backend's spelling table: the same words with the same
     * document frequencies, so the same suggestions */
    size_t nx;
    char **xap = measure("xapian", NS_BACKEND_XAPIAN, &nx);
    CHECK_EQ_INT(nx, n);
    size_t differ = 0;
    for (size_t i = 0; i < n && i < nx; i++)
        differ += (nat[i] == NULL) != (xap[i] == NULL) || (nat[i] && strcmp(nat[i], xap[i]));
    CHECK_EQ_INT(differ, 0);
    free_results(xap, nx);
#endif
    free_results(nat, n);
    tc_free(&C);
    free(P);
}

NS_TEST_MAIN(NST(test_lexicon_walk), NST(test_surface_round_trip_and_merge), NST(test_surface_seek),
             NST(test_bbc_misspellings))
