/* gen_queries.c — deterministic benchmark query sets from a corpus.
 *
 *   gen_queries --out DIR [--n N] [--seed S] CORPUS.jsonl[.gz]...
 *       writes DIR/{and2,or2,or3,phrase,andnot,prefix}.tsv and DIR/stats.txt
 *   gen_queries --trec QUERIES.tsv OUT.tsv
 *       turns natural-language queries into plain lowercase words (for OR runs)
 *
 * Output lines are "qid<TAB>words<TAB>tag": words are plain lowercase ASCII
 * separated by one space, so that every engine's parser reads them the same
 * way (no operators, no punctuation, none of and/or/not/near/xor). The
 * driver translates them into each engine's syntax (common.c, nb_translate).
 *
 * Words are bucketed by document frequency like luceneutil's tasks and the
 * search-benchmark-game mixes: h(igh) >= 1% of documents, m(edium) >= 0.1%
 * (at least 4 documents), l(ow) below that but in at least 2 documents. The
 * tag names the buckets of the query's words ("hm", "lll"...).
 *
 * Only "clean" words are used: a whitespace-separated chunk that, after
 * stripping leading and trailing punctuation, is all ASCII letters. Chunks
 * such as "don't", "U.S." or "e-mail", which tokenizers disagree on, are never
 * picked, nor are the words they could produce ("don", "us": see taint_chunk). Phrases are
 * consecutive clean words with nothing but white space between them, taken from real documents, so
 * every tokenizer sees the same adjacent words. AND/OR/AND-NOT words are drawn from one document,
 * so each AND query matches at least that document.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"

#define BREAK UINT32_MAX
#define MIN_LEN 2
#define MAX_LEN 24

typedef struct vocab {
    char **word;
    uint32_t *df, *last_doc;
    unsigned char *tainted; /* seen where tokenizers disagree: never picked */
    size_t n, cap;
    uint32_t *slot; /* open addressing: word id + 1, 0 = empty */
    size_t nslots;
} vocab;

typedef struct toks {
    uint32_t *t; /* word ids, BREAK where adjacency is broken */
    size_t n, cap;
    size_t *start; /* per document: first token; start[ndocs] = n */
} toks;

static void *xrealloc(void *p, size_t n)
{
    p = realloc(p, n ? n : 1);
    if (!p) {
        fprintf(stderr, "out of memory\n");
        exit(2);
    }
    return p;
}

static uint64_t hash(const char *s, size_t n)
{
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)s[i]) * 1099511628211ull;
    return h;
}

static void vocab_grow(vocab *v)
{
    size_t ns = v->nslots ? 2 * v->nslots : 1 << 16;
    uint32_t *slot = calloc(ns, sizeof *slot);
    if (!slot) {
        fprintf(stderr, "out of memory\n");
        exit(2);
    }
    for (size_t i = 0; i < v->n; i++) {
        size_t h = hash(v->word[i], strlen(v->word[i])) & (ns - 1);
        while (slot[h])
            h = (h + 1) & (ns - 1);
        slot[h] = (uint32_t)i + 1;
    }
    free(v->slot);
    v->slot = slot;
    v->nslots = ns;
}

static uint32_t vocab_id(vocab *v, const char *s, size_t n)
{
    if (2 * (v->n + 1) > v->nslots)
        vocab_grow(v);
    size_t h = hash(s, n) & (v->nslots - 1);
    while (v->slot[h]) {
        const char *w = v->word[v->slot[h] - 1];
        if (strlen(w) == n && !memcmp(w, s, n))
            return v->slot[h] - 1;
        h = (h + 1) & (v->nslots - 1);
    }
    if (v->n == v->cap) {
        v->cap = v->cap ? 2 * v->cap : 1 << 14;
        v->word = xrealloc(v->word, v->cap * sizeof *v->word);
        v->df = xrealloc(v->df, v->cap * sizeof *v->df);
        v->last_doc = xrealloc(v->last_doc, v->cap * sizeof *v->last_doc);
        v->tainted = xrealloc(v->tainted, v->cap * sizeof *v->tainted);
    }
    char *w = xrealloc(NULL, n + 1);
    memcpy(w, s, n);
    w[n] = 0;
    v->word[v->n] = w;
    v->df[v->n] = 0;
    v->last_doc[v->n] = UINT32_MAX;
    v->tainted[v->n] = 0;
    v->slot[h] = (uint32_t)v->n + 1;
    return (uint32_t)v->n++;
}

static void push(toks *t, uint32_t id)
{
    if (id == BREAK && (t->n == 0 || t->t[t->n - 1] == BREAK))
        return;
    if (t->n == t->cap) {
        t->cap = t->cap ? 2 * t->cap : 1 << 20;
        t->t = xrealloc(t->t, t->cap * sizeof *t->t);
    }
    t->t[t->n++] = id;
}

static int is_operator(const char *s, size_t n)
{
    static const char *const ops[] = {"and", "or", "not", "near", "xor"};
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++)
        if (strlen(ops[i]) == n && !memcmp(ops[i], s, n))
            return 1;
    return 0;
}

/* Punctuation that may surround a clean word; it breaks phrase adjacency. */
static int is_edge_punct(int c) { return c && strchr(".,;:!?()[]{}\"<>", c) != NULL; }

static int is_apostrophe(const char *s, size_t i, size_t n)
{
    return s[i] == '\'' || s[i] == '`' ||
           (i + 2 < n && (unsigned char)s[i] == 0xe2 && (unsigned char)s[i + 1] == 0x80 &&
            ((unsigned char)s[i + 2] == 0x98 || (unsigned char)s[i + 2] == 0x99));
}

static void taint(vocab *v, const char *w, size_t n)
{
    if (n >= MIN_LEN && n <= MAX_LEN) {
        uint32_t id = vocab_id(v, w, n); /* may move v->tainted */
        v->tainted[id] = 1;
    }
}

/* A chunk that is not a clean word can still hold letters that some
 * tokenizer turns into a word another does not: "won't" is won+t for FTS5,
 * won't for Xapian, wont for nsearch; "U.S." is u+s for FTS5 and us for the
 * others. Such words are tainted so that no query uses them. A possessive
 * ("Russia's") is left alone: it gives "russia" everywhere. */
static void taint_chunk(vocab *v, const char *s, size_t n)
{
    char run[MAX_LEN + 1], joined[MAX_LEN + 1];
    size_t rl = 0, jl = 0, i = 0;
    int apos = 0, acronym = n >= 3;
    for (i = 0; i < n; i++)
        if (is_apostrophe(s, i, n)) {
            size_t after = i + (s[i] == '\'' || s[i] == '`' ? 1 : 3);
            /* a possessive 's is dropped by every engine's analysis alike */
            int possessive = after < n && (s[after] == 's' || s[after] == 'S') &&
                             (after + 1 == n || !isalpha((unsigned char)s[after + 1]));
            apos |= !possessive;
        }
    for (i = 0; i < n; i++) /* single letters separated by periods */
        if ((i % 2 == 0 && !isalpha((unsigned char)s[i])) || (i % 2 == 1 && s[i] != '.'))
            acronym = 0;
    for (i = 0; i <= n; i++) {
        unsigned char c = i < n ? (unsigned char)s[i] : ' ';
        if (c < 128 && isalpha(c)) {
            if (rl < MAX_LEN)
                run[rl++] = (char)tolower(c);
            if (jl < MAX_LEN)
                joined[jl++] = (char)tolower(c);
            continue;
        }
        if (apos && rl)
            taint(v, run, rl);
        rl = 0;
    }
    if (apos || acronym)
        taint(v, joined, jl);
}

/* Splits text into chunks at ASCII white space and pushes clean words. */
static void scan_text(vocab *v, toks *t, const char *s, size_t len, uint32_t doc)
{
    char w[MAX_LEN + 1];
    size_t i = 0;
    push(t, BREAK);
    while (i < len) {
        while (i < len && isspace((unsigned char)s[i]))
            i++;
        size_t a = i;
        while (i < len && !isspace((unsigned char)s[i]))
            i++;
        size_t b = i, lead = 0, trail = 0;
        while (a < b && is_edge_punct(s[a]))
            a++, lead = 1;
        while (b > a && is_edge_punct(s[b - 1]))
            b--, trail = 1;
        size_t n = b - a;
        int clean = n >= MIN_LEN && n <= MAX_LEN;
        for (size_t k = 0; clean && k < n; k++) {
            unsigned char c = (unsigned char)s[a + k];
            if (!isalpha(c) || c > 127)
                clean = 0;
            else
                w[k] = (char)tolower(c);
        }
        if (!clean || is_operator(w, n)) {
            if (!clean && b > a)
                taint_chunk(v, s + a, n);
            if (b > a || lead || trail)
                push(t, BREAK);
            continue;
        }
        if (lead)
            push(t, BREAK);
        uint32_t id = vocab_id(v, w, n);
        if (v->last_doc[id] != doc) {
            v->last_doc[id] = doc;
            v->df[id]++;
        }
        push(t, id);
        if (trail)
            push(t, BREAK);
    }
    push(t, BREAK);
}

/* ------------------------------------------------------------ buckets */

enum { B_HIGH, B_MED, B_LOW, B_NONE };
static const char bucket_char[] = "hml-";
static uint32_t hi_min, med_min;

static int bucket(const vocab *v, uint32_t id)
{
    uint32_t df = v->df[id];
    if (v->tainted[id])
        return B_NONE;
    return df >= hi_min ? B_HIGH : df >= med_min ? B_MED : df >= 2 ? B_LOW : B_NONE;
}

typedef struct gen {
    const nb_corpus *c;
    vocab *v;
    toks *t;
    nb_rng rng;
    uint32_t *mark; /* per word: last document collected + 1 */
    uint32_t *by_bucket[3];
    size_t nb[3], capb[3];
} gen;

/* Collects the distinct words of document d by bucket. */
static void collect(gen *g, size_t d)
{
    for (int b = 0; b < 3; b++)
        g->nb[b] = 0;
    for (size_t i = g->t->start[d]; i < g->t->start[d + 1]; i++) {
        uint32_t id = g->t->t[i];
        if (id == BREAK || g->mark[id] == d + 1)
            continue;
        g->mark[id] = (uint32_t)d + 1;
        int b = bucket(g->v, id);
        if (b == B_NONE)
            continue;
        if (g->nb[b] == g->capb[b]) {
            g->capb[b] = g->capb[b] ? 2 * g->capb[b] : 256;
            g->by_bucket[b] = xrealloc(g->by_bucket[b], g->capb[b] * sizeof(uint32_t));
        }
        g->by_bucket[b][g->nb[b]++] = id;
    }
}

/* Bucket patterns, weighted: a realistic mix rather than a uniform one. */
static const char *const pat2[] = {"hh", "hm", "hm", "hl", "mm", "mm", "ml", "ml", "ll"};
static const char *const pat3[] = {"hhm", "hmm", "hml", "mmm", "mml", "hhl", "mll", "hmm"};
static const char *const patnot[] = {"hh", "hm", "hl", "mh", "mm", "ml"};

static int bucket_of_char(char ch) { return ch == 'h' ? B_HIGH : ch == 'm' ? B_MED : B_LOW; }

/* Picks words matching pattern from one random document; 0 on failure. */
static int pick_words(gen *g, const char *pattern, uint32_t *out)
{
    size_t k = strlen(pattern);
    for (int attempt = 0; attempt < 200; attempt++) {
        size_t d = (size_t)nb_rng_below(&g->rng, g->c->n);
        collect(g, d);
        size_t got = 0;
        for (size_t i = 0; i < k; i++) {
            int b = bucket_of_char(pattern[i]);
            if (!g->nb[b])
                break;
            uint32_t id = g->by_bucket[b][nb_rng_below(&g->rng, g->nb[b])];
            int dup = 0;
            for (size_t j = 0; j < got; j++)
                /* same 5-letter start: likely the same stem ("flow", "flows") */
                dup |= !strncmp(g->v->word[out[j]], g->v->word[id], 5);
            if (dup)
                break;
            out[got++] = id;
        }
        if (got == k)
            return 1;
    }
    return 0;
}

static void write_words(FILE *f, unsigned qid, const vocab *v, const uint32_t *ids, size_t k,
                        const char *tag)
{
    fprintf(f, "%u\t", qid);
    for (size_t i = 0; i < k; i++)
        fprintf(f, "%s%s", i ? " " : "", v->word[ids[i]]);
    fprintf(f, "\t%s\n", tag);
}

static FILE *open_out(const char *dir, const char *name)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s.tsv", dir, name);
    FILE *f = fopen(path, "w");
    if (!f) {
        perror(path);
        exit(2);
    }
    return f;
}

static unsigned gen_bool(gen *g, const char *dir, const char *name, const char *const *pats,
                         size_t npats, unsigned n)
{
    FILE *f = open_out(dir, name);
    unsigned made = 0;
    uint32_t ids[3];
    for (unsigned i = 0; i < n * 4 && made < n; i++) {
        const char *p = pats[nb_rng_below(&g->rng, npats)];
        if (pick_words(g, p, ids))
            write_words(f, ++made, g->v, ids, strlen(p), p);
    }
    fclose(f);
    return made;
}

static unsigned gen_phrases(gen *g, const char *dir, unsigned n)
{
    FILE *f = open_out(dir, "phrase");
    unsigned made = 0;
    for (unsigned i = 0; i < n * 50 && made < n; i++) {
        size_t d = (size_t)nb_rng_below(&g->rng, g->c->n);
        size_t a = g->t->start[d], b = g->t->start[d + 1];
        if (b - a < 3)
            continue;
        size_t k = 2 + (size_t)nb_rng_below(&g->rng, 2), p = a + nb_rng_below(&g->rng, b - a);
        if (p + k > b)
            continue;
        char tag[4] = "";
        size_t j;
        for (j = 0; j < k; j++) {
            uint32_t id = g->t->t[p + j];
            if (id == BREAK || bucket(g->v, id) == B_NONE)
                break;
            tag[j] = bucket_char[bucket(g->v, id)];
        }
        if (j < k)
            continue;
        tag[k] = 0;
        write_words(f, ++made, g->v, &g->t->t[p], k, tag);
    }
    fclose(f);
    return made;
}

/* Prefixes of 4 letters taken from words of 7+ letters: short enough that
 * Porter and Snowball stems of the words still start with them, and limited to
 * 2..150 expansions (nsearch refuses more than NS_MAX_PREFIX_EXPANSIONS). */
static unsigned gen_prefixes(gen *g, const char *dir, unsigned n)
{
    FILE *f = open_out(dir, "prefix");
    unsigned made = 0;
    size_t nseen = 0, capseen = 0;
    char(*seen)[5] = NULL;
    for (unsigned i = 0; i < n * 200 && made < n; i++) {
        uint32_t id = (uint32_t)nb_rng_below(&g->rng, g->v->n);
        const char *w = g->v->word[id];
        if (strlen(w) < 7 || bucket(g->v, id) == B_NONE)
            continue;
        int dup = 0;
        for (size_t s = 0; s < nseen; s++)
            dup |= !strncmp(seen[s], w, 4);
        if (dup)
            continue;
        unsigned expansions = 0;
        for (size_t k = 0; k < g->v->n; k++)
            expansions += g->v->df[k] > 0 && !strncmp(g->v->word[k], w, 4);
        if (expansions < 2 || expansions > 150)
            continue;
        if (nseen == capseen) {
            capseen = capseen ? 2 * capseen : 64;
            seen = xrealloc(seen, capseen * sizeof *seen);
        }
        memcpy(seen[nseen], w, 4);
        seen[nseen++][4] = 0;
        fprintf(f, "%u\t%.4s\t%c%u\n", ++made, w, bucket_char[bucket(g->v, id)], expansions);
    }
    free(seen);
    fclose(f);
    return made;
}

static int cmp_u32_desc(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? 1 : x > y ? -1 : 0;
}

static int gen_main(const char *dir, unsigned n, uint64_t seed, char **paths, size_t npaths)
{
    nb_corpus c;
    if (nb_corpus_load(&c, paths, npaths))
        return 2;
    vocab v = {0};
    toks t = {0};
    t.start = xrealloc(NULL, (c.n + 1) * sizeof *t.start);
    for (size_t d = 0; d < c.n; d++) {
        t.start[d] = t.n;
        scan_text(&v, &t, c.docs[d].title, c.docs[d].title_len, (uint32_t)d);
        scan_text(&v, &t, c.docs[d].body, c.docs[d].body_len, (uint32_t)d);
    }
    t.start[c.n] = t.n;
    hi_min = (uint32_t)(c.n / 100) > 10 ? (uint32_t)(c.n / 100) : 10;
    med_min = (uint32_t)(c.n / 1000) > 4 ? (uint32_t)(c.n / 1000) : 4;

    gen g = {.c = &c, .v = &v, .t = &t, .rng = {seed}};
    g.mark = calloc(v.n, sizeof *g.mark);
    unsigned made[6];
    made[0] = gen_bool(&g, dir, "and2", pat2, sizeof pat2 / sizeof *pat2, n);
    made[1] = gen_bool(&g, dir, "or2", pat2, sizeof pat2 / sizeof *pat2, n);
    made[2] = gen_bool(&g, dir, "or3", pat3, sizeof pat3 / sizeof *pat3, n);
    made[3] = gen_phrases(&g, dir, n);
    made[4] = gen_bool(&g, dir, "andnot", patnot, sizeof patnot / sizeof *patnot, n);
    made[5] = gen_prefixes(&g, dir, n);

    size_t nb[4] = {0};
    uint32_t *dfs = xrealloc(NULL, v.n * sizeof *dfs);
    for (size_t i = 0; i < v.n; i++) {
        nb[bucket(&v, (uint32_t)i)]++;
        dfs[i] = v.df[i];
    }
    qsort(dfs, v.n, sizeof *dfs, cmp_u32_desc);
    char path[4096];
    snprintf(path, sizeof path, "%s/stats.txt", dir);
    FILE *f = fopen(path, "w");
    if (f) {
        fprintf(f, "docs %zu\ntext_bytes %llu\nclean_tokens %zu\nclean_vocabulary %zu\n", c.n,
                (unsigned long long)c.text_bytes, t.n, v.n);
        fprintf(f, "bucket_high df>=%u words %zu\nbucket_med df>=%u words %zu\n", hi_min,
                nb[B_HIGH], med_min, nb[B_MED]);
        fprintf(f, "bucket_low df>=2 words %zu\nsingletons %zu\nmax_df %u\nseed %llu\n", nb[B_LOW],
                nb[B_NONE], v.n ? dfs[0] : 0, (unsigned long long)seed);
        fprintf(f, "queries and2 %u or2 %u or3 %u phrase %u andnot %u prefix %u\n", made[0],
                made[1], made[2], made[3], made[4], made[5]);
        fclose(f);
    }
    for (int b = 0; b < 3; b++)
        free(g.by_bucket[b]);
    free(g.mark);
    free(dfs);
    for (size_t i = 0; i < v.n; i++)
        free(v.word[i]);
    free(v.word);
    free(v.df);
    free(v.last_doc);
    free(v.tainted);
    free(v.slot);
    free(t.t);
    free(t.start);
    nb_corpus_free(&c);
    for (int i = 0; i < 6; i++)
        if (made[i] == 0) {
            fprintf(stderr, "gen_queries: a query set came out empty (corpus too small?)\n");
            return 1;
        }
    return 0;
}

/* Natural-language query -> lowercase ASCII words; punctuation and any
 * non-ASCII byte separate words; operator words are dropped. */
static int trec_main(const char *in, const char *out)
{
    FILE *fi = fopen(in, "r"), *fo = fopen(out, "w");
    if (!fi || !fo) {
        perror(fi ? out : in);
        return 2;
    }
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    while ((len = getline(&line, &cap, fi)) > 0) {
        char *tab = strchr(line, '\t');
        if (!tab)
            continue;
        *tab = 0;
        fprintf(fo, "%s\t", line);
        int nw = 0;
        for (char *p = tab + 1; *p;) {
            while (*p && !(isalnum((unsigned char)*p) && (unsigned char)*p < 128))
                p++;
            char *a = p;
            while (*p && isalnum((unsigned char)*p) && (unsigned char)*p < 128) {
                *p = (char)tolower((unsigned char)*p);
                p++;
            }
            if (p > a && !is_operator(a, (size_t)(p - a)))
                fprintf(fo, "%s%.*s", nw++ ? " " : "", (int)(p - a), a);
        }
        fputs("\ttrec\n", fo);
    }
    free(line);
    fclose(fi);
    fclose(fo);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 4 && !strcmp(argv[1], "--trec"))
        return trec_main(argv[2], argv[3]);
    const char *dir = NULL;
    unsigned n = 100;
    uint64_t seed = 20240601;
    int i = 1;
    for (; i < argc && argv[i][0] == '-'; i += 2) {
        if (i + 1 >= argc)
            break;
        if (!strcmp(argv[i], "--out"))
            dir = argv[i + 1];
        else if (!strcmp(argv[i], "--n"))
            n = (unsigned)atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--seed"))
            seed = strtoull(argv[i + 1], NULL, 10);
        else
            break;
    }
    if (!dir || i >= argc || n == 0) {
        fprintf(stderr, "usage: gen_queries --out DIR [--n N] [--seed S] CORPUS...\n"
                        "       gen_queries --trec QUERIES.tsv OUT.tsv\n");
        return 2;
    }
    return gen_main(dir, n, seed, argv + i, (size_t)(argc - i));
}
