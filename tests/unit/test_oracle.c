/* test_oracle.c — the index against brute force on a real corpus.
 *
 * Reuters-21578 is indexed (several segments), and every document is also
 * analysed directly in this test with no index. For hundreds of random AND,
 * OR, NOT, phrase and NEAR queries built from words of the corpus (NEAR
 * groups often name a word twice, which then needs two positions), the set of
 * matching documents must equal the brute-force set, the top 10 must carry
 * the brute-force BM25F scores, and dynamic pruning (MaxScore) must return
 * exactly the exhaustive top 10. */
#include <math.h>

#include "corpus.h"
#include "nsearch.h"
#include "nstest.h"

#define K1 1.2
#define B 0.75
#define WT 2.0

typedef struct occ {
    uint32_t term, pos;
    uint8_t field; /* 0 title, 1 body */
} occ;

typedef struct bdoc {
    occ *o;
    size_t n;
    uint32_t len[2];
} bdoc;

/* term dictionary for the brute force: open addressing over strings */
static char **terms;
static uint32_t nterms, tsize;
static uint32_t *table;
static uint32_t *df;

static uint32_t hash(const char *s, size_t n)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (uint8_t)s[i]) * 16777619u;
    return h;
}

static uint32_t intern(const char *s, size_t n)
{
    if (nterms * 2 >= tsize) {
        uint32_t ns = tsize ? tsize * 2 : 1 << 16;
        uint32_t *t = calloc(ns, sizeof *t);
        for (uint32_t i = 0; i < nterms; i++) {
            uint32_t k = hash(terms[i], strlen(terms[i])) & (ns - 1);
            while (t[k])
                k = (k + 1) & (ns - 1);
            t[k] = i + 1;
        }
        free(table);
        table = t;
        tsize = ns;
        terms = realloc(terms, tsize * sizeof *terms);
        df = realloc(df, tsize * sizeof *df);
    }
    uint32_t k = hash(s, n) & (tsize - 1);
    while (table[k]) {
        const char *t = terms[table[k] - 1];
        if (strlen(t) == n && !memcmp(t, s, n))
            return table[k] - 1;
        k = (k + 1) & (tsize - 1);
    }
    terms[nterms] = strndup(s, n);
    df[nterms] = 0;
    table[k] = nterms + 1;
    return nterms++;
}

static uint32_t lookup(const char *s, size_t n)
{
    uint32_t k = hash(s, n) & (tsize - 1);
    while (table[k]) {
        const char *t = terms[table[k] - 1];
        if (strlen(t) == n && !memcmp(t, s, n))
            return table[k] - 1;
        k = (k + 1) & (tsize - 1);
    }
    return UINT32_MAX;
}

typedef struct actx {
    bdoc *d;
    size_t cap;
    uint8_t field;
    uint32_t len;
} actx;

static int on_token(void *vc, const char *term, size_t len, uint32_t pos, size_t s, size_t e)
{
    actx *c = vc;
    if (c->d->n == c->cap)
        c->d->o = realloc(c->d->o, (c->cap = c->cap ? c->cap * 2 : 64) * sizeof *c->d->o);
    c->d->o[c->d->n++] = (occ){intern(term, len), pos, c->field};
    c->len = pos + 1;
    return 0;
}

static tcorpus C;
static bdoc *D;
static double avg[2];
static const char *DIR_;

static int cmp_occ(const void *a, const void *b)
{
    const occ *x = a, *y = b;
    if (x->term != y->term)
        return x->term < y->term ? -1 : 1;
    if (x->field != y->field)
        return x->field < y->field ? -1 : 1;
    return (x->pos > y->pos) - (x->pos < y->pos);
}

/* index of the first occurrence >= (t, field, pos) in the doc's sorted list */
static size_t lower(const bdoc *d, uint32_t t, uint8_t field, uint32_t pos)
{
    occ key = {t, pos, field};
    size_t lo = 0, hi = d->n;
    while (lo < hi) {
        size_t m = lo + (hi - lo) / 2;
        if (cmp_occ(&d->o[m], &key) < 0)
            lo = m + 1;
        else
            hi = m;
    }
    return lo;
}

/* term frequencies of t in doc d per field */
static void tf(const bdoc *d, uint32_t t, uint32_t f[2])
{
    f[0] = f[1] = 0;
    for (size_t i = lower(d, t, 0, 0); i < d->n && d->o[i].term == t; i++)
        f[d->o[i].field]++;
}

static double bm25f(uint32_t t, const bdoc *d)
{
    uint32_t f[2];
    tf(d, t, f);
    double w = 0;
    if (f[0])
        w += WT * f[0] / (1 - B + B * d->len[0] / avg[0]);
    if (f[1])
        w += f[1] / (1 - B + B * d->len[1] / avg[1]);
    double N = (double)C.n, n = df[t];
    double idf = log(1 + (N - n + 0.5) / (n + 0.5));
    return w > 0 ? idf * w * (K1 + 1) / (w + K1) : 0;
}

static int has_phrase(const bdoc *d, const uint32_t *t, int n)
{
    for (size_t i = lower(d, t[0], 0, 0); i < d->n && d->o[i].term == t[0]; i++) {
        int ok = 1;
        for (int k = 1; k < n && ok; k++) {
            uint32_t want = d->o[i].pos + (uint32_t)k;
            size_t j = lower(d, t[k], d->o[i].field, want);
            ok = j < d->n && d->o[j].term == t[k] && d->o[j].field == d->o[i].field &&
                 d->o[j].pos == want;
        }
        if (ok)
            return 1;
    }
    return 0;
}

static void setup(void)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/corpora/reuters21578/docs.jsonl.gz", nst_shared_dir());
    if (tc_load(&C, path, 0) != 0) {
        fprintf(stderr, "cannot read %s\n", path);
        exit(1);
    }
    D = calloc(C.n, sizeof *D);
    uint64_t sum[2] = {0, 0};
    for (size_t i = 0; i < C.n; i++) {
        actx c = {&D[i], 0, 0, 0};
        ns_analyze("english", C.d[i].title, C.d[i].title_len, on_token, &c);
        D[i].len[0] = c.len;
        c.field = 1;
        c.len = 0;
        ns_analyze("english", C.d[i].body, C.d[i].body_len, on_token, &c);
        D[i].len[1] = c.len;
        sum[0] += D[i].len[0];
        sum[1] += D[i].len[1];
        if (D[i].n)
            qsort(D[i].o, D[i].n, sizeof *D[i].o, cmp_occ);
        /* document frequencies */
        for (size_t k = 0; k < D[i].n; k++)
            if (k == 0 || D[i].o[k].term != D[i].o[k - 1].term)
                df[D[i].o[k].term]++;
    }
    avg[0] = (double)sum[0] / (double)C.n;
    avg[1] = (double)sum[1] / (double)C.n;
    DIR_ = strdup(tc_tmpdir("oracle"));
    ns_writer_options wo = NS_WRITER_OPTIONS_INIT;
    wo.flush_bytes = 8u << 20; /* several segments */
    ns_writer *w;
    char err[NS_ERRBUF_SIZE];
    if (ns_writer_open(&w, DIR_, &wo, err, sizeof err)) {
        fprintf(stderr, "%s\n", err);
        exit(1);
    }
    for (size_t i = 0; i < C.n; i++) {
        ns_doc d = {.id = C.d[i].id,
                    .id_len = C.d[i].id_len,
                    .title = C.d[i].title,
                    .title_len = C.d[i].title_len,
                    .body = C.d[i].body,
                    .body_len = C.d[i].body_len};
        /* two typed fields the filters of the queries use: a keyword that
         * splits the corpus in 7, and a number (the document's position) */
        char bucket[8], num[24];
        snprintf(bucket, sizeof bucket, "b%zu", i % 7);
        snprintf(num, sizeof num, "%zu", i);
        ns_field f[2] = {{"bucket", 6, bucket, strlen(bucket), NS_FIELD_KEYWORD},
                         {"n", 1, num, strlen(num), NS_FIELD_NUMBER}};
        if (ns_writer_put_fields(w, &d, f, 2, NULL)) {
            fprintf(stderr, "%s\n", ns_writer_errmsg(w));
            exit(1);
        }
    }
    if (ns_writer_commit(w)) {
        fprintf(stderr, "%s\n", ns_writer_errmsg(w));
        exit(1);
    }
    ns_writer_close(w);
}

static uint64_t rng = 88172645463325252ULL;
static uint64_t next_rand(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

/* A random plain ASCII word of a random document, surface form. */
typedef struct word {
    char text[64];
    uint32_t term;
} word;

typedef struct wctx {
    size_t want, seen;
    const char *src;
    word *out;
    int found;
    int consecutive; /* collect this many consecutive tokens */
    int got;
} wctx;

static int pick(void *vc, const char *term, size_t len, uint32_t pos, size_t s, size_t e)
{
    wctx *c = vc;
    if (c->seen++ < c->want)
        return 0;
    int ok = e - s < 40;
    for (size_t i = s; ok && i < e; i++)
        ok = (c->src[i] >= 'a' && c->src[i] <= 'z') || (c->src[i] >= 'A' && c->src[i] <= 'Z');
    if (!ok) {
        c->got = 0;
        return c->consecutive > 1 && c->seen > c->want + 40;
    }
    word *w = &c->out[c->got];
    memcpy(w->text, c->src + s, e - s);
    w->text[e - s] = 0;
    w->term = lookup(term, len);
    if (++c->got == c->consecutive) {
        c->found = 1;
        return 1;
    }
    return 0;
}

static int random_words(word *out, int n, int consecutive)
{
    for (int tries = 0; tries < 1000; tries++) {
        size_t d = next_rand() % C.n;
        if (D[d].len[1] < 20)
            continue;
        wctx c = {next_rand() % (D[d].len[1] - 10), 0, C.d[d].body, out, 0, n, 0};
        if (!consecutive) {
            /* n words from anywhere in the doc */
            int got = 0;
            for (int k = 0; k < n; k++) {
                word one;
                wctx c1 = {next_rand() % D[d].len[1], 0, C.d[d].body, &one, 0, 1, 0};
                ns_analyze("english", C.d[d].body, C.d[d].body_len, pick, &c1);
                if (c1.found)
                    out[got++] = one;
            }
            int distinct = 1;
            for (int a = 0; a < got; a++)
                for (int b2 = a + 1; b2 < got; b2++)
                    distinct &= out[a].term != out[b2].term;
            if (got == n && distinct)
                return 1;
            continue;
        }
        ns_analyze("english", C.d[d].body, C.d[d].body_len, pick, &c);
        if (c.found)
            return 1;
    }
    return 0;
}

enum { Q_AND, Q_OR, Q_NOT, Q_PHRASE, Q_KINDS, Q_NEAR = Q_KINDS /* its own loop */ };
static unsigned near_dist; /* of the Q_NEAR query being checked */

/* Whether field f of d holds, within near_dist positions, an occurrence of
 * every word of t[0..n) with a position of its own (a word named k times
 * needs k occurrences): tried from every occurrence of every word. */
static int has_near(const bdoc *d, const uint32_t *t, int n)
{
    for (int b = 0; b < n; b++) { /* quick reject: a word missing */
        uint32_t f[2];
        tf(d, t[b], f);
        if (!f[0] && !f[1])
            return 0;
    }
    for (uint8_t f = 0; f < 2; f++)
        for (int a = 0; a < n; a++)
            for (size_t i = lower(d, t[a], f, 0);
                 i < d->n && d->o[i].term == t[a] && d->o[i].field == f; i++) {
                uint32_t from = d->o[i].pos;
                int ok = 1;
                for (int b = 0; b < n && ok; b++) {
                    int need = 0, have = 0;
                    for (int c = 0; c < n; c++)
                        need += t[c] == t[b];
                    for (size_t j = lower(d, t[b], f, from);
                         j < d->n && d->o[j].term == t[b] && d->o[j].field == f &&
                         d->o[j].pos - from <= near_dist;
                         j++)
                        have++;
                    ok = have >= need;
                }
                if (ok)
                    return 1;
            }
    return 0;
}

static int matches(int kind, const word *w, int n, const bdoc *d)
{
    uint32_t f[2];
    switch (kind) {
    case Q_AND:
        for (int i = 0; i < n; i++) {
            tf(d, w[i].term, f);
            if (!f[0] && !f[1])
                return 0;
        }
        return 1;
    case Q_OR:
        for (int i = 0; i < n; i++) {
            tf(d, w[i].term, f);
            if (f[0] || f[1])
                return 1;
        }
        return 0;
    case Q_NOT:
        tf(d, w[0].term, f);
        if (!f[0] && !f[1])
            return 0;
        tf(d, w[1].term, f);
        return !f[0] && !f[1];
    default: {
        uint32_t t[4];
        for (int i = 0; i < n; i++)
            t[i] = w[i].term;
        return kind == Q_NEAR ? has_near(d, t, n) : has_phrase(d, t, n);
    }
    }
}

typedef struct sc {
    double s;
    size_t doc;
} sc;

static int cmp_sc(const void *a, const void *b)
{
    const sc *x = a, *y = b;
    if (x->s != y->s)
        return x->s < y->s ? 1 : -1;
    return 0;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* ---- explanations: the parts of every hit's score add up to it */

static size_t nexplained, nexplain_ok;

/* Every hit of r (at most max), explained: the parts must sum to the score
 * within 1e-6 relative, and each part names a field and a term. */
static void check_explain(const ns_query *q, const ns_search_options *so, const ns_results *r,
                          size_t max, const char *text)
{
    for (size_t i = 0; i < ns_results_count(r) && i < max; i++) {
        ns_hit h;
        ns_results_hit(r, i, &h);
        ns_explain *e = NULL;
        CHECK_EQ_INT(ns_results_explain(r, i, q, so, &e), NS_OK);
        double sum = 0;
        int named = ns_explain_count(e) > 0;
        for (size_t j = 0; j < ns_explain_count(e); j++) {
            ns_explain_part p;
            CHECK_EQ_INT(ns_explain_get(e, j, &p), NS_OK);
            sum += p.score;
            named &= (!strncmp(p.what, "title:", 6) || !strncmp(p.what, "body:", 5) ||
                      !strncmp(p.what, "proximity ", 10) || !strncmp(p.what, "feedback ", 9)) &&
                     p.score > 0;
        }
        int ok = named && fabs(sum - h.score) <= 1e-6 * fabs(h.score);
        if (!ok)
            fprintf(stderr, "explain %s: hit %zu score %.12g, parts (%zu) sum to %.12g\n", text,
                    i + 1, h.score, ns_explain_count(e), sum);
        CHECK(ok);
        nexplained++;
        nexplain_ok += ok;
        ns_explain_free(e);
    }
}

static size_t nqueries, nsets_equal, nscores_equal, npruned_equal, ncounts_equal;

/* The filter ANDed to the query being checked: none, bucket:bK (documents
 * i with i % 7 == K) or n:LO..HI (documents LO to HI). Filters never score. */
enum { F_NONE, F_BUCKET, F_RANGE };
static int filter_kind;
static size_t f_bucket, f_lo, f_hi;

static int passes_filter(size_t d)
{
    if (filter_kind == F_BUCKET)
        return d % 7 == f_bucket;
    if (filter_kind == F_RANGE)
        return d >= f_lo && d <= f_hi;
    return 1;
}

static void check_query(ns_index *idx, int kind, const word *w, int n)
{
    char text[640] = "";
    for (int i = 0; i < n; i++) {
        if (i && kind == Q_OR)
            strcat(text, " OR ");
        else if (i && kind == Q_NOT)
            strcat(text, " -");
        else if (i && kind == Q_NEAR)
            sprintf(text + strlen(text), " NEAR/%u ", near_dist);
        else if (i)
            strcat(text, " ");
        strcat(text, w[i].text);
    }
    if (kind == Q_PHRASE) {
        char t2[520];
        snprintf(t2, sizeof t2, "\"%s\"", text);
        strcpy(text, t2);
    }
    if (filter_kind != F_NONE) {
        char t2[600];
        if (filter_kind == F_BUCKET)
            snprintf(t2, sizeof t2, "(%s) bucket:b%zu", text, f_bucket);
        else
            snprintf(t2, sizeof t2, "n:%zu..%zu (%s)", f_lo, f_hi, text);
        snprintf(text, sizeof text, "%s", t2);
    }
    /* brute force */
    sc *bf = malloc(C.n * sizeof *bf);
    size_t nbf = 0;
    for (size_t d = 0; d < C.n; d++) {
        if (!matches(kind, w, n, &D[d]) || !passes_filter(d))
            continue;
        double s = 0;
        for (int i = 0; i < (kind == Q_NOT ? 1 : n); i++) {
            uint32_t f[2];
            tf(&D[d], w[i].term, f);
            if (f[0] || f[1])
                s += bm25f(w[i].term, &D[d]);
        }
        bf[nbf++] = (sc){s, d};
    }
    /* stable by doc order already; sort by score keeping doc order for ties */
    for (size_t i = 1; i < nbf; i++)
        for (size_t j = i; j > 0 && cmp_sc(&bf[j - 1], &bf[j]) > 0; j--) {
            sc t = bf[j];
            bf[j] = bf[j - 1];
            bf[j - 1] = t;
        }
    char err[NS_ERRBUF_SIZE];
    ns_query *q;
    if (ns_query_parse(&q, idx, text, strlen(text), NULL, err, sizeof err, NULL)) {
        fprintf(stderr, "query %s: %s\n", text, err);
        CHECK(0);
        free(bf);
        return;
    }
    ns_search_options so = NS_SEARCH_OPTIONS_INIT;
    so.k = C.n;
    so.exhaustive = 1;
    ns_results *r = NULL;
    int src = ns_search(&r, idx, q, &so);
    if (src)
        fprintf(stderr, "query %s: %s\n", text, ns_index_errmsg(idx));
    CHECK_EQ_INT(src, NS_OK);
    nqueries++;
    int exact;
    uint64_t total = ns_results_total(r, &exact);
    CHECK(exact);
    /* the sets */
    char **a = malloc((nbf + 1) * sizeof *a), **b = malloc((ns_results_count(r) + 1) * sizeof *b);
    for (size_t i = 0; i < nbf; i++)
        a[i] = C.d[bf[i].doc].id;
    size_t nr = ns_results_count(r);
    for (size_t i = 0; i < nr; i++) {
        ns_hit h;
        ns_results_hit(r, i, &h);
        b[i] = (char *)h.id;
    }
    qsort(a, nbf, sizeof *a, cmp_str);
    qsort(b, nr, sizeof *b, cmp_str);
    int same = total == nbf && nr == nbf;
    for (size_t i = 0; same && i < nbf; i++)
        same = !strcmp(a[i], b[i]);
    if (!same)
        fprintf(stderr, "query %s: index %zu (total %llu) vs brute force %zu\n", text, nr,
                (unsigned long long)total, nbf);
    CHECK(same);
    nsets_equal += same;
    /* top-10 scores (ids may swap only among equal scores) */
    int scores_ok = 1;
    for (size_t i = 0; i < nr && i < 10 && i < nbf; i++) {
        ns_hit h;
        ns_results_hit(r, i, &h);
        if (fabs(h.score - bf[i].s) > 1e-9 * fabs(bf[i].s) + 1e-12) {
            fprintf(stderr, "query %s: rank %zu score %.12g vs brute force %.12g\n", text, i + 1,
                    h.score, bf[i].s);
            scores_ok = 0;
        }
    }
    CHECK(scores_ok);
    nscores_equal += scores_ok;
    check_explain(q, &so, r, 20, text);
    /* pruned evaluation equals exhaustive for the top 10 */
    ns_search_options po = NS_SEARCH_OPTIONS_INIT;
    po.k = 10;
    ns_results *p;
    CHECK_EQ_INT(ns_search(&p, idx, q, &po), NS_OK);
    int pr_ok = ns_results_count(p) == (nr < 10 ? nr : 10);
    for (size_t i = 0; pr_ok && i < ns_results_count(p); i++) {
        ns_hit x, y;
        ns_results_hit(p, i, &x);
        ns_results_hit(r, i, &y);
        pr_ok = x.docnum == y.docnum && x.score == y.score;
    }
    if (!pr_ok)
        fprintf(stderr, "query %s: pruned top 10 differs from exhaustive\n", text);
    CHECK(pr_ok);
    npruned_equal += pr_ok;
    ns_results_free(p);
    /* a COUNT (k = 0, any offset) is not scored, and counts exactly the same
     * matches, pruning asked for or not */
    for (int c = 0; c < 3; c++) {
        ns_search_options co = NS_SEARCH_OPTIONS_INIT;
        co.k = 0;
        co.exhaustive = c == 0;
        co.offset = c == 2 ? 5 : 0;
        ns_results *cr = NULL;
        CHECK_EQ_INT(ns_search(&cr, idx, q, &co), NS_OK);
        int cexact = 0;
        uint64_t ctotal = ns_results_total(cr, &cexact);
        if (ctotal != nbf || !cexact)
            fprintf(stderr, "query %s: COUNT %llu vs brute force %zu\n", text,
                    (unsigned long long)ctotal, nbf);
        CHECK(ctotal == nbf && cexact && ns_results_count(cr) == 0);
        ncounts_equal += ctotal == nbf && cexact;
        ns_results_free(cr);
    }
    free(a);
    free(b);
    ns_results_free(r);
    ns_query_free(q);
    free(bf);
}

static void test_random_queries_match_brute_force(void)
{
    ns_index *idx;
    char err[NS_ERRBUF_SIZE];
    CHECK_EQ_INT(ns_index_open(&idx, DIR_, err, sizeof err), NS_OK);
    ns_stats st;
    ns_index_stats(idx, &st);
    CHECK(st.segments > 1);
    CHECK_EQ_INT(st.documents, C.n);
    for (int i = 0; i < 240; i++) {
        int kind = i % Q_KINDS;
        word w[4];
        int n = kind == Q_NOT   ? 2
                : kind == Q_OR  ? 2 + (i / Q_KINDS) % 2
                : kind == Q_AND ? 2
                                : 2 + (i / Q_KINDS) % 2;
        if (!random_words(w, n, kind == Q_PHRASE))
            continue;
        check_query(idx, kind, w, n);
    }
    /* NEAR: 2 to 4 words drawn, with replacement, from 8 consecutive words
     * of a document, lower-cased (an upper-case AND is an operator) */
    size_t nnear = 0, nrepeat = 0;
    for (int i = 0; i < 120; i++) {
        word run[8], w[4];
        if (!random_words(run, 8, 1))
            continue;
        int n = 2 + i % 3;
        for (int k = 0; k < n; k++) {
            w[k] = run[next_rand() % 8];
            for (char *c = w[k].text; *c; c++)
                if (*c >= 'A' && *c <= 'Z')
                    *c = (char)(*c - 'A' + 'a');
        }
        int repeated = 0;
        for (int a = 0; a < n; a++)
            for (int b2 = a + 1; b2 < n; b2++)
                repeated |= w[a].term == w[b2].term;
        near_dist = 1 + (unsigned)(next_rand() % 8);
        check_query(idx, Q_NEAR, w, n);
        nnear++;
        nrepeat += repeated;
    }
    /* the same kinds ANDed with a keyword filter or a number range: the
     * filtered sets, unchanged scores, and MaxScore (an OR ANDed with
     * filters) equal to exhaustive evaluation */
    size_t nfiltered = 0;
    for (int i = 0; i < 120; i++) {
        int kind = i % Q_KINDS;
        word w[4];
        int n = kind == Q_OR ? 2 + (i / Q_KINDS) % 2 : 2;
        if (!random_words(w, n, kind == Q_PHRASE))
            continue;
        filter_kind = (i / Q_KINDS) % 2 ? F_BUCKET : F_RANGE;
        f_bucket = (size_t)(next_rand() % 7);
        f_lo = (size_t)(next_rand() % C.n);
        f_hi = f_lo + (size_t)(next_rand() % (C.n / 2));
        check_query(idx, kind, w, n);
        filter_kind = F_NONE;
        nfiltered++;
    }
    printf("oracle: %zu queries with a filter\n", nfiltered);
    CHECK(nfiltered >= 80);
    printf("oracle: %zu NEAR queries, %zu of them naming a word twice\n", nnear, nrepeat);
    CHECK(nnear >= 100 && nrepeat >= 10);
    printf("oracle: %zu queries, %zu sets equal, %zu top-10 score lists equal, %zu pruned == "
           "exhaustive\n",
           nqueries, nsets_equal, nscores_equal, npruned_equal);
    printf("oracle: %zu COUNT searches equal to brute force\n", ncounts_equal);
    CHECK(nqueries >= 200 && ncounts_equal == 3 * nqueries);
    ns_index_close(idx);
}

/* ---- fuzzy terms (`word~N`) against a brute-force distance over every
 * term of the corpus */

/* UTF-8 to code points, simply (the corpus is valid UTF-8 after analysis). */
static size_t cps(const char *s, uint32_t *out)
{
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; n++) {
        int k = *p < 0x80 ? 1 : *p < 0xE0 ? 2 : *p < 0xF0 ? 3 : 4;
        uint32_t c = k == 1 ? *p : *p & (0x3F >> (k - 1));
        for (int i = 1; i < k && p[i]; i++)
            c = c << 6 | (p[i] & 0x3F);
        out[n] = c;
        p += k;
    }
    return n;
}

/* Restricted Damerau-Levenshtein (optimal string alignment), full table. */
static unsigned osa(const char *a, const char *b)
{
    uint32_t x[256], y[256];
    size_t n = cps(a, x), m = cps(b, y);
    unsigned d[257][257];
    for (size_t i = 0; i <= n; i++)
        for (size_t j = 0; j <= m; j++) {
            if (!i || !j) {
                d[i][j] = (unsigned)(i + j);
                continue;
            }
            unsigned v = d[i - 1][j] + 1;
            if (d[i][j - 1] + 1 < v)
                v = d[i][j - 1] + 1;
            if (d[i - 1][j - 1] + (x[i - 1] != y[j - 1]) < v)
                v = d[i - 1][j - 1] + (x[i - 1] != y[j - 1]);
            if (i > 1 && j > 1 && x[i - 1] == y[j - 2] && x[i - 2] == y[j - 1] &&
                d[i - 2][j - 2] + 1 < v)
                v = d[i - 2][j - 2] + 1;
            d[i][j] = v;
        }
    return d[n][m];
}

static size_t nfuzzy, nfuzzy_expanded, nfuzzy_capped;

static void check_fuzzy(ns_index *idx, const word *w, unsigned maxd)
{
    const char *q = terms[w->term];
    uint32_t tmp[256];
    size_t qn = cps(q, tmp);
    /* the expansions, byte order, with their weights and blended idf */
    uint32_t *ex = malloc(nterms * sizeof *ex);
    unsigned *ed = malloc(nterms * sizeof *ed);
    size_t nex = 0;
    uint32_t maxdf = 0;
    for (uint32_t t = 0; t < nterms; t++) {
        if (strlen(terms[t]) > NS_MAX_TERM_BYTES || df[t] == 0)
            continue;
        unsigned d = osa(q, terms[t]);
        if (d <= maxd) {
            ex[nex] = t;
            ed[nex++] = d;
            maxdf = df[t] > maxdf ? df[t] : maxdf;
        }
    }
    for (size_t i = 1; i < nex; i++) /* insertion sort by term bytes */
        for (size_t j = i; j > 0 && strcmp(terms[ex[j - 1]], terms[ex[j]]) > 0; j--) {
            uint32_t t = ex[j];
            unsigned e = ed[j];
            ex[j] = ex[j - 1], ed[j] = ed[j - 1];
            ex[j - 1] = t, ed[j - 1] = e;
        }
    double N = (double)C.n, idf = log(1 + (N - maxdf + 0.5) / (maxdf + 0.5));
    sc *bf = malloc(C.n * sizeof *bf);
    size_t nbf = 0;
    for (size_t d = 0; d < C.n; d++) {
        double s = 0;
        int hit = 0;
        for (size_t k = 0; k < nex; k++) {
            uint32_t f[2];
            tf(&D[d], ex[k], f);
            if (!f[0] && !f[1])
                continue;
            hit = 1;
            size_t tn = cps(terms[ex[k]], tmp), mn = tn < qn ? tn : qn;
            double wgt = 1.0 - (double)ed[k] / (double)mn;
            if (wgt < 0.1)
                wgt = 0.1;
            /* bm25f with the blended idf: rescale the term's own */
            double own = log(1 + (N - df[ex[k]] + 0.5) / (df[ex[k]] + 0.5));
            s += bm25f(ex[k], &D[d]) / own * idf * wgt;
        }
        if (hit)
            bf[nbf++] = (sc){s, d};
    }
    for (size_t i = 1; i < nbf; i++)
        for (size_t j = i; j > 0 && cmp_sc(&bf[j - 1], &bf[j]) > 0; j--) {
            sc t = bf[j];
            bf[j] = bf[j - 1];
            bf[j - 1] = t;
        }
    char text[128], err[NS_ERRBUF_SIZE];
    snprintf(text, sizeof text, "%s~%u", w->text, maxd);
    ns_query *qq;
    CHECK_EQ_INT(ns_query_parse(&qq, idx, text, strlen(text), NULL, err, sizeof err, NULL), NS_OK);
    ns_search_options so = NS_SEARCH_OPTIONS_INIT;
    so.k = C.n;
    so.exhaustive = 1;
    ns_results *r = NULL, *p = NULL;
    if (nex > NS_MAX_PREFIX_EXPANSIONS) { /* the cap of prefixes applies */
        CHECK_EQ_INT(ns_search(&r, idx, qq, &so), NS_ETOOBIG);
        CHECK(strstr(ns_index_errmsg(idx), "fuzzy term") != NULL);
        nfuzzy_capped++;
        goto done;
    }
    CHECK_EQ_INT(ns_search(&r, idx, qq, &so), NS_OK);
    int ok = r && ns_results_count(r) == nbf;
    for (size_t i = 0; ok && i < nbf && i < 10; i++) {
        ns_hit h;
        ns_results_hit(r, i, &h);
        ok = fabs(h.score - bf[i].s) <= 1e-9 * fabs(bf[i].s) + 1e-12;
    }
    if (!ok)
        fprintf(stderr, "fuzzy %s (%s): index %zu hits, brute force %zu over %zu expansions\n",
                text, ns_query_string(qq), r ? ns_results_count(r) : 0, nbf, nex);
    CHECK(ok);
    so.k = 10;
    so.exhaustive = 0;
    CHECK_EQ_INT(ns_search(&p, idx, qq, &so), NS_OK);
    int pr_ok = p && ns_results_count(p) == (nbf < 10 ? nbf : 10);
    for (size_t i = 0; pr_ok && i < ns_results_count(p); i++) {
        ns_hit x, y;
        ns_results_hit(p, i, &x);
        ns_results_hit(r, i, &y);
        pr_ok = x.docnum == y.docnum && x.score == y.score;
    }
    CHECK(pr_ok);
    check_explain(qq, &so, p, 10, text);
    nfuzzy++;
    nfuzzy_expanded += nex > 1;
done:
    ns_results_free(p);
    ns_results_free(r);
    ns_query_free(qq);
    free(bf);
    free(ex);
    free(ed);
}

static void test_fuzzy_terms_match_brute_force(void)
{
    ns_index *idx;
    char err[NS_ERRBUF_SIZE];
    CHECK_EQ_INT(ns_index_open(&idx, DIR_, err, sizeof err), NS_OK);
    for (int i = 0; i < 90; i++) {
        word w;
        if (!random_words(&w, 1, 1))
            continue;
        for (char *c = w.text; *c; c++)
            if (*c >= 'A' && *c <= 'Z')
                *c = (char)(*c - 'A' + 'a');
        check_fuzzy(idx, &w, (unsigned)(i % 3));
    }
    printf("oracle: %zu fuzzy terms, %zu of them with several expansions, %zu over the cap\n",
           nfuzzy, nfuzzy_expanded, nfuzzy_capped);
    CHECK(nfuzzy >= 50 && nfuzzy_expanded >= 20 && nfuzzy_capped >= 1);
    ns_index_close(idx);
}

/* Prefixes, title: terms and phrases, a fuzzy term beside a word, explained:
 * kinds the brute force above does not build. */
static void test_explain_sums_to_score(void)
{
    ns_index *idx;
    char err[NS_ERRBUF_SIZE];
    CHECK_EQ_INT(ns_index_open(&idx, DIR_, err, sizeof err), NS_OK);
    size_t before = nexplained;
    for (int i = 0; i < 80; i++) {
        word w[2];
        if (!random_words(w, 2, 0))
            continue;
        char text[256];
        for (int k = 0; k < 2; k++)
            for (char *c = w[k].text; *c; c++)
                if (*c >= 'A' && *c <= 'Z')
                    *c = (char)(*c - 'A' + 'a');
        switch (i % 5) {
        case 0:
            snprintf(text, sizeof text, "%.4s* %s", w[0].text, w[1].text);
            break;
        case 1:
            snprintf(text, sizeof text, "title:%s OR %s", w[0].text, w[1].text);
            break;
        case 2:
            snprintf(text, sizeof text, "title:\"%s\" %s~", w[0].text, w[1].text);
            break;
        case 3:
            snprintf(text, sizeof text, "(%s OR %s) -title:%s", w[0].text, w[1].text, w[1].text);
            break;
        default:
            snprintf(text, sizeof text, "+%s %s~1", w[0].text, w[1].text);
            break;
        }
        ns_query_options qo = NS_QUERY_OPTIONS_INIT;
        qo.any = i % 5 == 4;
        ns_query *q;
        if (ns_query_parse(&q, idx, text, strlen(text), &qo, err, sizeof err, NULL))
            continue;
        ns_search_options so = NS_SEARCH_OPTIONS_INIT;
        so.k = 20;
        so.b = i % 2 ? 0.75 : 0.4; /* the options are the search's */
        ns_results *r = NULL;
        int rc = ns_search(&r, idx, q, &so);
        CHECK(rc == NS_OK || rc == NS_ETOOBIG);
        if (!rc)
            check_explain(q, &so, r, 20, text);
        ns_results_free(r);
        ns_query_free(q);
    }
    printf("oracle: %zu hits explained, %zu summing to their score\n", nexplained, nexplain_ok);
    CHECK(nexplained - before >= 300 && nexplain_ok == nexplained);
    ns_index_close(idx);
}

/* ---- proximity clauses (ns_query_add_proximity): an OR of words gains,
 * for each two neighbouring words, weight x their BM25F when they stand within
 * the window of each other (NEAR) */

#define PROX_W 0.25
#define PROX_WIN 5u

static size_t nprox, nprox_ok;

static void check_proximity(ns_index *idx, const word *w, int n)
{
    char text[512] = "";
    for (int i = 0; i < n; i++) {
        if (i)
            strcat(text, " OR ");
        strcat(text, w[i].text);
    }
    sc *bf = malloc(C.n * sizeof *bf);
    size_t nbf = 0;
    near_dist = PROX_WIN;
    for (size_t d = 0; d < C.n; d++) {
        if (!matches(Q_OR, w, n, &D[d]))
            continue;
        double s = 0, sc1[4] = {0};
        for (int i = 0; i < n; i++) {
            uint32_t f[2];
            tf(&D[d], w[i].term, f);
            if (f[0] || f[1])
                s += sc1[i] = bm25f(w[i].term, &D[d]);
        }
        for (int i = 0; i + 1 < n; i++) {
            uint32_t t[2] = {w[i].term, w[i + 1].term};
            if (has_near(&D[d], t, 2))
                s += PROX_W * (sc1[i] + sc1[i + 1]);
        }
        bf[nbf++] = (sc){s, d};
    }
    for (size_t i = 1; i < nbf; i++)
        for (size_t j = i; j > 0 && cmp_sc(&bf[j - 1], &bf[j]) > 0; j--) {
            sc t = bf[j];
            bf[j] = bf[j - 1];
            bf[j - 1] = t;
        }
    char err[NS_ERRBUF_SIZE];
    ns_query *q;
    CHECK_EQ_INT(ns_query_parse(&q, idx, text, strlen(text), NULL, err, sizeof err, NULL), NS_OK);
    CHECK_EQ_INT(ns_query_add_proximity(q, PROX_W, PROX_WIN), NS_OK);
    CHECK(strstr(ns_query_string(q), "(NEAR/5 ") != NULL);
    ns_search_options so = NS_SEARCH_OPTIONS_INIT;
    so.k = C.n;
    so.exhaustive = 1;
    ns_results *r = NULL, *p = NULL;
    CHECK_EQ_INT(ns_search(&r, idx, q, &so), NS_OK);
    int ok = r && ns_results_count(r) == nbf;
    for (size_t i = 0; ok && i < nbf && i < 10; i++) {
        ns_hit h;
        ns_results_hit(r, i, &h);
        ok = fabs(h.score - bf[i].s) <= 1e-9 * fabs(bf[i].s) + 1e-12;
    }
    if (!ok)
        fprintf(stderr, "proximity %s (%s): index %zu hits, brute force %zu\n", text,
                ns_query_string(q), r ? ns_results_count(r) : 0, nbf);
    CHECK(ok);
    check_explain(q, &so, r, 10, text);
    ns_search_options po = NS_SEARCH_OPTIONS_INIT;
    CHECK_EQ_INT(ns_search(&p, idx, q, &po), NS_OK);
    int pr_ok = p && ns_results_count(p) == (nbf < 10 ? nbf : 10);
    for (size_t i = 0; pr_ok && i < ns_results_count(p); i++) {
        ns_hit x, y;
        ns_results_hit(p, i, &x);
        ns_results_hit(r, i, &y);
        pr_ok = x.docnum == y.docnum && x.score == y.score;
    }
    CHECK(pr_ok);
    nprox++;
    nprox_ok += ok && pr_ok;
    ns_results_free(p);
    ns_results_free(r);
    ns_query_free(q);
    free(bf);
}

static void test_proximity_matches_brute_force(void)
{
    ns_index *idx;
    char err[NS_ERRBUF_SIZE];
    CHECK_EQ_INT(ns_index_open(&idx, DIR_, err, sizeof err), NS_OK);
    for (int i = 0; i < 100; i++) {
        word run[8], w[3];
        if (!random_words(run, 8, 1))
            continue;
        int n = 2 + i % 2, distinct = 1;
        for (int k = 0; k < n; k++) {
            w[k] = run[(k + (size_t)next_rand() % 2) % 8];
            for (char *c = w[k].text; *c; c++)
                if (*c >= 'A' && *c <= 'Z')
                    *c = (char)(*c - 'A' + 'a');
        }
        for (int k = 0; k + 1 < n; k++)
            distinct &= w[k].term != w[k + 1].term;
        if (distinct)
            check_proximity(idx, w, n);
    }
    printf("oracle: %zu proximity queries, %zu equal to brute force and pruned == exhaustive\n",
           nprox, nprox_ok);
    CHECK(nprox >= 40 && nprox_ok == nprox);
    ns_index_close(idx);
}

/* ---- pseudo-relevance feedback (ns_query_expand): the terms added are
 * those the brute force picks from the same hits */

#define FB_DOCS 8u
#define FB_TERMS 6u

typedef struct fbw {
    uint32_t term;
    double w;
} fbw;

static int cmp_fbw(const void *a, const void *b)
{
    const fbw *x = a, *y = b;
    if (x->w != y->w)
        return x->w < y->w ? 1 : -1;
    return strcmp(terms[x->term], terms[y->term]);
}

static size_t nfb, nfb_ok;

static void check_feedback(ns_index *idx, const word *w, int and)
{
    char text[256], err[NS_ERRBUF_SIZE];
    snprintf(text, sizeof text, and? "%s %s" : "%s OR %s", w[0].text, w[1].text);
    ns_query *q, *x = NULL;
    CHECK_EQ_INT(ns_query_parse(&q, idx, text, strlen(text), NULL, err, sizeof err, NULL), NS_OK);
    ns_search_options so = NS_SEARCH_OPTIONS_INIT;
    so.k = FB_DOCS;
    ns_results *r = NULL;
    CHECK_EQ_INT(ns_search(&r, idx, q, &so), NS_OK);
    ns_expand_options eo = NS_EXPAND_OPTIONS_INIT;
    eo.docs = FB_DOCS;
    eo.terms = FB_TERMS;
    eo.weight = 0.5;
    CHECK_EQ_INT(ns_query_expand(&x, idx, q, NULL, &eo), NS_OK);
    size_t nh = ns_results_count(r);
    /* brute force: idf x mean share of the hits' tokens, in >= 2 hits */
    double *sum = calloc(nterms, sizeof *sum);
    uint32_t *in = calloc(nterms, sizeof *in);
    for (size_t i = 0; i < nh; i++) {
        ns_hit h;
        ns_results_hit(r, i, &h);
        size_t d = 0;
        while (d < C.n && !(C.d[d].id_len == h.id_len && !memcmp(C.d[d].id, h.id, h.id_len)))
            d++;
        if (d == C.n || !D[d].n)
            continue;
        for (size_t k = 0; k < D[d].n; k++) {
            uint32_t t = D[d].o[k].term;
            if (k == 0 || t != D[d].o[k - 1].term)
                in[t]++;
            sum[t] += 1.0 / (double)D[d].n;
        }
    }
    fbw *c = malloc(nterms * sizeof *c);
    size_t nc = 0;
    for (uint32_t t = 0; t < nterms; t++)
        if (in[t] >= (nh >= 2 ? 2u : 1u) && t != w[0].term && t != w[1].term) {
            double N = (double)C.n, n = df[t];
            double v = sum[t] / (double)nh * log(1 + (N - n + 0.5) / (n + 0.5));
            if (v > 0)
                c[nc++] = (fbw){t, v};
        }
    qsort(c, nc, sizeof *c, cmp_fbw);
    /* every expected term is in the expanded query, with its weight; a tie at
     * the cut may pick either, so the last one is checked only without it */
    size_t want = nc < FB_TERMS ? nc : FB_TERMS;
    if (want == FB_TERMS && nc > FB_TERMS && c[FB_TERMS].w >= c[FB_TERMS - 1].w * (1 - 1e-9))
        want--;
    const char *qs = ns_query_string(x);
    int ok = nh == 0 || want > 0;
    for (size_t i = 0; ok && i < want; i++) {
        char needle[160];
        snprintf(needle, sizeof needle, " %s^%.3g", terms[c[i].term], 0.5 * c[i].w / c[0].w);
        ok = strstr(qs, needle) != NULL;
        if (!ok)
            fprintf(stderr, "feedback %s: expected '%s' in %s\n", text, needle, qs);
    }
    CHECK(ok);
    /* an AND keeps its matches (MAYBE); the expanded query is exact too */
    ns_search_options all = NS_SEARCH_OPTIONS_INIT;
    all.k = 0;
    all.exhaustive = 1;
    ns_results *c0 = NULL, *c1 = NULL, *e = NULL, *pr = NULL;
    CHECK_EQ_INT(ns_search(&c0, idx, q, &all), NS_OK);
    CHECK_EQ_INT(ns_search(&c1, idx, x, &all), NS_OK);
    if (and)
        CHECK(ns_results_total(c0, NULL) == ns_results_total(c1, NULL));
    else
        CHECK(ns_results_total(c0, NULL) <= ns_results_total(c1, NULL));
    all.k = 10;
    CHECK_EQ_INT(ns_search(&e, idx, x, &all), NS_OK);
    ns_search_options po = NS_SEARCH_OPTIONS_INIT;
    CHECK_EQ_INT(ns_search(&pr, idx, x, &po), NS_OK);
    int pr_ok = ns_results_count(pr) == ns_results_count(e);
    for (size_t i = 0; pr_ok && i < ns_results_count(pr); i++) {
        ns_hit a, b;
        ns_results_hit(pr, i, &a);
        ns_results_hit(e, i, &b);
        pr_ok = a.docnum == b.docnum && a.score == b.score;
    }
    CHECK(pr_ok);
    check_explain(x, &all, e, 10, qs);
    nfb++;
    nfb_ok += ok && pr_ok;
    ns_results_free(c0);
    ns_results_free(c1);
    ns_results_free(e);
    ns_results_free(pr);
    ns_results_free(r);
    free(sum);
    free(in);
    free(c);
    ns_query_free(x);
    ns_query_free(q);
}

static void test_feedback_terms_match_brute_force(void)
{
    ns_index *idx;
    char err[NS_ERRBUF_SIZE];
    CHECK_EQ_INT(ns_index_open(&idx, DIR_, err, sizeof err), NS_OK);
    for (int i = 0; i < 30; i++) {
        word w[2];
        if (!random_words(w, 2, 0))
            continue;
        for (int k = 0; k < 2; k++)
            for (char *c = w[k].text; *c; c++)
                if (*c >= 'A' && *c <= 'Z')
                    *c = (char)(*c - 'A' + 'a');
        check_feedback(idx, w, i % 2);
    }
    printf("oracle: %zu expanded queries, %zu with the brute force's terms and exact\n", nfb,
           nfb_ok);
    CHECK(nfb >= 25 && nfb_ok == nfb);
    ns_index_close(idx);
}

static void teardown(void)
{
    if (DIR_)
        tc_rmdir(DIR_);
    free((char *)DIR_);
    for (size_t i = 0; i < C.n; i++)
        free(D[i].o);
    free(D);
    for (uint32_t i = 0; i < nterms; i++)
        free(terms[i]);
    free(terms);
    free(table);
    free(df);
    tc_free(&C);
}

NS_TEST_MAIN_FIXTURE(setup, teardown, NST(test_random_queries_match_brute_force),
                     NST(test_fuzzy_terms_match_brute_force), NST(test_explain_sums_to_score),
                     NST(test_proximity_matches_brute_force),
                     NST(test_feedback_terms_match_brute_force))
