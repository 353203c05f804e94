/* test_snippet_pos.c — snippets from the index's positions
 * (snippet/snippet_pos.c, read/hitpos.c, nsi_analyze_scan) agree with
 * snippets from re-analysis, on real corpora:
 *  - the tokenize-only walk puts every position where the analyzer does,
 *    for titles and bodies of the seeds, BBC News and 20 Newsgroups
 *    (non-ASCII text, text scraped from web pages, mail headers);
 *  - on an index of those documents, for queries made of their own words
 *    (terms, title words, phrases), every hit's matches found from the
 *    index's body positions are exactly the tokens the matcher finds by
 *    analysing the body, with the same phrase marks, and ns_snippet_make
 *    returns the snippet nsi_snippet_build makes by analysis;
 *  - positions that do not fit the body make the snippet fall back on
 *    analysis. */
#include "api.h"
#include "backend.h"
#include "corpus.h"
#include "eval/search.h"
#include "nsearch.h"
#include "nstest.h"
#include "snippet/snippet.h"
#include "snippet/snippet_match.h"

static nsi_analyzer *an;
static tcorpus seeds, bbc, news;

/* ------------------------------------------------------------ the walk */

typedef struct tok {
    uint32_t pos;
    size_t start, end;
} tok;

typedef struct toks {
    tok *v;
    size_t n, cap;
} toks;

static int keep_tok(void *ctx, const nsi_token *t)
{
    toks *l = ctx;
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 256;
        l->v = realloc(l->v, l->cap * sizeof *l->v);
    }
    l->v[l->n++] = (tok){t->pos, t->start, t->end};
    return 0;
}

static size_t nonascii_tokens;

/* Every analysed token of text is the scanned token at its position, and
 * the walk numbers its tokens 0, 1, 2... */
static int walk_agrees(const char *text, size_t len)
{
    toks a = {0}, s = {0};
    int ok = nsi_analyze(an, text, len, 0, 0, keep_tok, &a, NULL) == NS_OK &&
             nsi_analyze_scan(an, text, len, 0, keep_tok, &s) == NS_OK;
    for (size_t i = 0; ok && i < s.n; i++)
        ok = s.v[i].pos == i;
    for (size_t i = 0; ok && i < a.n; i++) {
        ok = a.v[i].pos < s.n && s.v[a.v[i].pos].start == a.v[i].start &&
             s.v[a.v[i].pos].end == a.v[i].end;
        for (size_t b = a.v[i].start; ok && b < a.v[i].end; b++)
            if ((unsigned char)text[b] >= 0x80) {
                nonascii_tokens++;
                break;
            }
    }
    free(a.v);
    free(s.v);
    return ok;
}

static void walk_corpus(const tcorpus *c, const char *name)
{
    size_t bad = 0;
    for (size_t i = 0; i < c->n; i++) {
        if (!walk_agrees(c->d[i].title, c->d[i].title_len) ||
            !walk_agrees(c->d[i].body, c->d[i].body_len)) {
            if (!bad++)
                fprintf(stderr, "%s: document %s: the walk disagrees with the analyzer\n", name,
                        c->d[i].id);
        }
    }
    CHECK_EQ_INT((int)bad, 0);
}

static void test_walk_counts_as_analyzer(void)
{
    nonascii_tokens = 0;
    walk_corpus(&seeds, "seeds");
    walk_corpus(&bbc, "bbc_news");
    tcorpus all;
    char path[4096];
    snprintf(path, sizeof path, "%s/corpora/20newsgroups/docs.jsonl.gz", nst_shared_dir());
    CHECK_EQ_INT(tc_load(&all, path, 0), 0);
    CHECK(all.n > 10000);
    walk_corpus(&all, "20newsgroups");
    tc_free(&all);
    fprintf(stderr, "%zu tokens with non-ASCII characters\n", nonascii_tokens);
    CHECK(nonascii_tokens > 100); /* the corpora really hold non-ASCII words */
}

/* Joining rules, long tokens and marks that fold to nothing all take a
 * position in the walk as in the analyzer. */
static void test_walk_edge_cases(void)
{
    static const char *const texts[] = {
        "U.S. officials don't say Russia's 21,000 or 5.93 vis-a-vis",
        "e\xCC\x81t\xC3\xA9 \xCC\x81 alone, then caf\xC3\xA9", /* a lone combining accent */
        "\xEF\xAC\x81nal \xEF\xBC\xA1\xEF\xBC\xA2 \xF0\x9F\x98\x80 x",
        "bad \xFF\xFE utf8 \xC3 end",
        /* Cyrillic, Devanagari (vowel signs are marks), Chinese */
        ("\xD0\x9C\xD0\xBE\xD1\x81\xD0\xBA\xD0\xB2\xD0\xB0 "
         "\xE0\xA4\xB9\xE0\xA4\xBF\xE0\xA4\x82\xE0\xA4\xA6\xE0\xA5\x80 \xE4\xB8\xAD\xE6\x96\x87"),
    };
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++)
        CHECK(walk_agrees(texts[i], strlen(texts[i])));
    /* a token longer than NS_MAX_TERM_BYTES is skipped by the analyzer but
     * still takes a position */
    size_t n = NS_MAX_TERM_BYTES * 3;
    char *t = malloc(n + 32);
    memcpy(t, "before ", 7);
    memset(t + 7, 'x', n);
    memcpy(t + 7 + n, " after", 7);
    toks s = {0};
    CHECK(walk_agrees(t, strlen(t)));
    CHECK_EQ_INT(nsi_analyze_scan(an, t, strlen(t), 0, keep_tok, &s), NS_OK);
    CHECK_EQ_INT((int)s.n, 3);
    free(s.v);
    free(t);
}

/* ------------------------------------------------------------ the index */

static char dir[4096];
static ns_index *idx;

static void put_all(ns_writer *w, const tcorpus *c, const char *prefix)
{
    for (size_t i = 0; i < c->n; i++) {
        char id[256];
        snprintf(id, sizeof id, "%s/%s", prefix, c->d[i].id);
        ns_doc d = {.id = id,
                    .id_len = strlen(id),
                    .title = c->d[i].title,
                    .title_len = c->d[i].title_len,
                    .body = c->d[i].body,
                    .body_len = c->d[i].body_len};
        CHECK_EQ_INT(ns_writer_put(w, &d, NULL), NS_OK);
    }
}

typedef struct rec_hits {
    m_hit *v;
    size_t n, cap;
} rec_hits;

static int record_hit(void *ctx, const m_hit *h)
{
    rec_hits *l = ctx;
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 64;
        l->v = realloc(l->v, l->cap * sizeof *l->v);
    }
    l->v[l->n] = *h;
    l->v[l->n++].pbits = NULL;
    return 0;
}

typedef struct hit_src {
    const ns_results *r;
    size_t i;
} hit_src;

static int src_get(void *ctx, const char *term, size_t len, size_t max, nsi_u32vec *out)
{
    hit_src *s = ctx;
    return s->r->idx->ops->positions(s->r, s->i, term, len, max, out);
}

static size_t compared_hits, compared_tokens, phrase_tokens;

static int same_snip(const nsi_snip *a, const ns_snippet *b)
{
    size_t len;
    const char *t = ns_snippet_text(b, &len);
    if (a->len != len || memcmp(a->text, t, len) || a->nspans != ns_snippet_span_count(b) ||
        a->cut_before != ns_snippet_cut_before(b) || a->cut_after != ns_snippet_cut_after(b))
        return 0;
    for (size_t k = 0; k < a->nspans; k++) {
        size_t s, e;
        ns_snippet_span(b, k, &s, &e);
        if (s != a->spans[k].start || e != a->spans[k].end)
            return 0;
    }
    return 1;
}

/* Runs one query and compares, for each hit, the matches from positions
 * with the matcher's, and the snippet with the analysed one. */
static void check_query(const char *text)
{
    char err[NS_ERRBUF_SIZE];
    ns_query *q;
    if (ns_query_parse(&q, idx, text, strlen(text), NULL, err, sizeof err, NULL) != NS_OK)
        return; /* a word the syntax reads otherwise: not this test's concern */
    ns_results *r = NULL;
    CHECK_EQ_INT(ns_search(&r, idx, q, NULL), NS_OK);
    q_flat f = {0};
    CHECK_EQ_INT(nsi_snip_qflat_build(&f, q->root), NS_OK);
    for (size_t i = 0; r && i < ns_results_count(r) && f.nterms && !f.npre; i++) {
        ns_hit h;
        char *body;
        size_t len;
        CHECK_EQ_INT(ns_results_hit(r, i, &h), NS_OK);
        CHECK_EQ_INT(ns_results_body(r, i, &body, &len), NS_OK);
        size_t from = nsi_snippet_skip_title(body, len, h.title, h.title_len);

        matcher m = {0};
        rec_hits want = {0};
        CHECK_EQ_INT(nsi_snip_matcher_init(&m, &f, NULL), NS_OK);
        m.emit = record_hit;
        m.ctx = &want;
        CHECK_EQ_INT(nsi_snip_matcher_run(&m, an, body + from, 0, len - from), NS_OK);
        nsi_snip_matcher_free(&m);

        hit_src src = {r, i};
        nsi_snip_positions pos = {src_get, &src};
        m_hit *got = NULL;
        size_t ngot = 0;
        int ok = 0;
        CHECK_EQ_INT(nsi_snip_pos_hits(&f, an, body, len, from, &pos, &got, &ngot, &ok), NS_OK);
        CHECK(ok);
        int same = ok && ngot == want.n;
        for (size_t k = 0; same && k < ngot; k++)
            same = got[k].start == want.v[k].start && got[k].end == want.v[k].end &&
                   got[k].term == want.v[k].term && got[k].flags == want.v[k].flags;
        if (!same)
            fprintf(stderr, "query '%s', hit %s: %zu matches from positions, %zu by analysis\n",
                    text, h.id, ngot, want.n);
        CHECK(same);
        compared_hits++;
        compared_tokens += want.n;
        for (size_t k = 0; k < want.n; k++)
            phrase_tokens += (want.v[k].flags & HIT_PHRASE) != 0;

        nsi_snip a;
        ns_snippet *b = NULL;
        CHECK_EQ_INT(nsi_snippet_build(an, body + from, len - from, q->root, 260, &a), NS_OK);
        CHECK_EQ_INT(ns_snippet_make(&b, idx, q, r, i, NULL), NS_OK);
        if (b && !same_snip(&a, b))
            fprintf(stderr, "query '%s', hit %s: snippets differ:\n  %s\n  %s\n", text, h.id,
                    a.text, ns_snippet_text(b, NULL));
        CHECK(b && same_snip(&a, b));
        nsi_snip_free(&a);
        ns_snippet_free(b);
        free(got);
        free(want.v);
        ns_free(body);
    }
    nsi_snip_qflat_free(&f);
    ns_results_free(r);
    ns_query_free(q);
}

/* A word of text usable in a query: letters and digits only, not an
 * operator. Copied into out; 0 when not usable. */
static int word_at(const char *text, const tok *t, char *out, size_t cap)
{
    size_t n = t->end - t->start;
    if (n + 1 > cap || n < 2)
        return 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)text[t->start + i];
        if (c < 0x80 &&
            !((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')))
            return 0;
    }
    memcpy(out, text + t->start, n);
    out[n] = 0;
    return strcmp(out, "OR") && strcmp(out, "AND") && strcmp(out, "NOT") && strncmp(out, "NEAR", 4);
}

static void queries_from(const tcorpus *c, size_t step)
{
    for (size_t d = 0; d < c->n; d += step) {
        toks b = {0}, t = {0};
        const tdoc *doc = &c->d[d];
        CHECK_EQ_INT(nsi_analyze(an, doc->body, doc->body_len, 0, 0, keep_tok, &b, NULL), NS_OK);
        CHECK_EQ_INT(nsi_analyze(an, doc->title, doc->title_len, 0, 0, keep_tok, &t, NULL), NS_OK);
        if (b.n >= 8) {
            char w1[64], w2[64], w3[64], tw[64], q[512];
            size_t i = b.n / 3, j = b.n - 2, k = b.n / 2;
            if (word_at(doc->body, &b.v[i], w1, sizeof w1) &&
                word_at(doc->body, &b.v[j], w2, sizeof w2)) {
                snprintf(q, sizeof q, "%s %s", w1, w2);
                check_query(q);
            }
            if (word_at(doc->body, &b.v[k], w1, sizeof w1) &&
                word_at(doc->body, &b.v[k + 1], w2, sizeof w2) &&
                word_at(doc->body, &b.v[k + 2], w3, sizeof w3)) {
                snprintf(q, sizeof q, "\"%s %s %s\"", w1, w2, w3);
                check_query(q);
                snprintf(q, sizeof q, "\"%s %s\" %s", w1, w2, w3);
                check_query(q);
                snprintf(q, sizeof q, "%s NEAR/3 %s", w1, w3);
                check_query(q);
            }
            if (t.n && word_at(doc->title, &t.v[0], tw, sizeof tw) &&
                word_at(doc->body, &b.v[i], w1, sizeof w1)) {
                snprintf(q, sizeof q, "%s %s", tw, w1);
                check_query(q);
                snprintf(q, sizeof q, "title:%s %s -zzzzqx", tw, w1);
                check_query(q);
            }
        }
        free(b.v);
        free(t.v);
    }
}

static void test_matches_from_positions(void)
{
    compared_hits = compared_tokens = phrase_tokens = 0;
    queries_from(&seeds, 1);
    queries_from(&bbc, 9);
    queries_from(&news, 13);
    fprintf(stderr, "compared %zu hits, %zu matching tokens (%zu in phrases)\n", compared_hits,
            compared_tokens, phrase_tokens);
    CHECK(compared_hits > 2000);
    CHECK(compared_tokens > 10000);
    CHECK(phrase_tokens > 500);
}

/* ------------------------------------------------------------ fallback */

/* Positions for the first term asked (for every term with both). */
typedef struct fake_src {
    uint32_t pos[4];
    size_t n;
    int rc, both, calls;
} fake_src;

static int fake_get(void *ctx, const char *term, size_t len, size_t max, nsi_u32vec *out)
{
    (void)term;
    (void)len;
    (void)max;
    fake_src *s = ctx;
    for (size_t i = 0; (s->calls == 0 || s->both) && i < s->n; i++)
        CHECK_EQ_INT(nsi_u32vec_push(out, s->pos[i]), NS_OK);
    s->calls++;
    return s->rc;
}

static void test_positions_that_do_not_fit(void)
{
    static const char body[] = "Moscow may sever relations. Relations, once severed, stay cut.";
    char err[NS_ERRBUF_SIZE];
    ns_query *q;
    CHECK_EQ_INT(ns_query_parse(&q, NULL, "sever relations", 15, NULL, err, sizeof err, NULL),
                 NS_OK);
    nsi_snip want;
    CHECK_EQ_INT(nsi_snippet_build(an, body, strlen(body), q->root, 260, &want), NS_OK);
    const fake_src cases[] = {
        {{1000}, 1, NS_OK, 0, 0},       /* past the last token */
        {{2}, 1, NS_OK, 1, 0},          /* both terms at one position */
        {{2}, 1, NS_ECORRUPT, 0, 0},    /* damaged postings */
        {{2}, 1, NS_ETOOBIG, 0, 0},     /* too many */
        {{0, 1, 2, 8}, 4, NS_OK, 0, 0}, /* wrong but possible: taken as they are */
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        fake_src s = cases[c];
        nsi_snip_positions pos = {fake_get, &s};
        q_flat f = {0};
        m_hit *h = NULL;
        size_t n = 0;
        int ok = -1;
        CHECK_EQ_INT(nsi_snip_qflat_build(&f, q->root), NS_OK);
        CHECK_EQ_INT(nsi_snip_pos_hits(&f, an, body, strlen(body), 0, &pos, &h, &n, &ok), NS_OK);
        CHECK_EQ_INT(ok, c == 4);
        free(h);
        nsi_snip_qflat_free(&f);
        s.calls = 0;
        nsi_snip got;
        CHECK_EQ_INT(
            nsi_snippet_build_hit(an, body, strlen(body), 0, q->root, 260, &pos, NULL, &got),
            NS_OK);
        if (c < 4)
            CHECK(got.len == want.len && memcmp(got.text, want.text, want.len) == 0 &&
                  got.nspans == want.nspans);
        nsi_snip_free(&got);
    }
    /* out of memory while reading positions is reported, not hidden */
    fake_src s = {{0}, 0, NS_ENOMEM, 0, 0};
    nsi_snip_positions pos = {fake_get, &s};
    nsi_snip got;
    CHECK_EQ_INT(nsi_snippet_build_hit(an, body, strlen(body), 0, q->root, 260, &pos, NULL, &got),
                 NS_ENOMEM);
    nsi_snip_free(&want);
    ns_query_free(q);
}

/* A body where the query's terms occur more often than the positions path
 * takes (snippet_pos.c, POS_MAX): the native backend refuses them and the
 * snippet is made by analysis, the same as ever. */
static void test_too_many_occurrences(void)
{
    const char *tdir = tc_tmpdir("snippet_pos_many");
    char d[4096], err[NS_ERRBUF_SIZE];
    snprintf(d, sizeof d, "%s", tdir);
    size_t reps = 70000;
    char *body = malloc(reps * 6 + 64);
    size_t len = 0;
    for (size_t i = 0; i < reps; i++, len += 6)
        memcpy(body + len, i == reps / 2 ? "sever " : "storm ", 6);
    ns_writer *w;
    CHECK_EQ_INT(ns_writer_open(&w, d, NULL, err, sizeof err), NS_OK);
    ns_doc doc = {.id = "many", .id_len = 4, .body = body, .body_len = len};
    CHECK_EQ_INT(ns_writer_put(w, &doc, NULL), NS_OK);
    CHECK_EQ_INT(ns_writer_commit(w), NS_OK);
    ns_writer_close(w);
    ns_index *x;
    CHECK_EQ_INT(ns_index_open(&x, d, err, sizeof err), NS_OK);
    ns_query *q;
    CHECK_EQ_INT(ns_query_parse(&q, x, "storm sever", 11, NULL, err, sizeof err, NULL), NS_OK);
    ns_results *r;
    CHECK_EQ_INT(ns_search(&r, x, q, NULL), NS_OK);
    CHECK_EQ_INT((int)ns_results_count(r), 1);
    nsi_u32vec v = {0};
    CHECK_EQ_INT(x->ops->positions(r, 0, "storm", 5, 65536, &v), NS_ETOOBIG);
    CHECK_EQ_INT((int)v.n, 0);
    CHECK_EQ_INT(x->ops->positions(r, 0, "storm", 5, reps, &v), NS_OK);
    CHECK_EQ_INT((int)v.n, (int)reps - 1);
    nsi_u32vec_free(&v);
    nsi_snip a;
    ns_snippet *b = NULL;
    CHECK_EQ_INT(nsi_snippet_build(an, body, len, q->root, 260, &a), NS_OK);
    CHECK_EQ_INT(ns_snippet_make(&b, x, q, r, 0, NULL), NS_OK);
    CHECK(b && same_snip(&a, b));
    CHECK(strstr(ns_snippet_text(b, NULL), "sever") != NULL);
    nsi_snip_free(&a);
    ns_snippet_free(b);
    ns_results_free(r);
    ns_query_free(q);
    ns_index_close(x);
    tc_rmdir(d);
    free(body);
}

/* ------------------------------------------------------------ fixture */

static void setup(void)
{
    char path[4096];
    CHECK_EQ_INT(nsi_analyzer_new(&an, "english"), NS_OK);
    snprintf(path, sizeof path, "%s/corpora/seeds/docs.jsonl", nst_shared_dir());
    if (tc_load(&seeds, path, 0)) {
        nst_skip("the shared corpora are missing");
        return;
    }
    snprintf(path, sizeof path, "%s/corpora/bbc_news/docs.jsonl", nst_shared_dir());
    CHECK_EQ_INT(tc_load(&bbc, path, 0), 0);
    snprintf(path, sizeof path, "%s/corpora/20newsgroups/docs.jsonl.gz", nst_shared_dir());
    CHECK_EQ_INT(tc_load(&news, path, 3000), 0);
    CHECK(seeds.n == 5 && bbc.n > 2000 && news.n == 3000);
    snprintf(dir, sizeof dir, "%s", tc_tmpdir("snippet_pos"));
    ns_writer *w;
    char err[NS_ERRBUF_SIZE];
    CHECK_EQ_INT(ns_writer_open(&w, dir, NULL, err, sizeof err), NS_OK);
    put_all(w, &seeds, "seeds");
    put_all(w, &bbc, "bbc");
    put_all(w, &news, "news");
    CHECK_EQ_INT(ns_writer_commit(w), NS_OK);
    ns_writer_close(w);
    CHECK_EQ_INT(ns_index_open(&idx, dir, err, sizeof err), NS_OK);
}

static void teardown(void)
{
    ns_index_close(idx);
    if (dir[0])
        tc_rmdir(dir);
    tc_free(&seeds);
    tc_free(&bbc);
    tc_free(&news);
    nsi_analyzer_free(an);
}

int main(void)
{
    static const nst_case cases[] = {
        NST(test_walk_counts_as_analyzer), NST(test_walk_edge_cases),
        NST(test_matches_from_positions),  NST(test_positions_that_do_not_fit),
        NST(test_too_many_occurrences),
    };
    return nst_run_fixture((nst_fixture){setup, teardown}, cases, sizeof cases / sizeof cases[0]);
}
