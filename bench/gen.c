/* gen.c — a deterministic synthetic news corpus, for runs larger than the
 * real corpora (bench/run.sh --scale).
 *
 *   gen --n N [--seed S] [--out FILE] [--backoff P] CORPUS.jsonl[.gz]...
 *
 * Learns from real documents (JSONL with "title" and "body", as the shared
 * corpora are) a word-level Markov chain of order 1 over surface words (runs
 * of non-blank bytes, case and punctuation kept, so text looks like the input
 * to every tokenizer), with the unigram model as back-off, and the joint
 * empirical distribution of (title length, body length) in words. Then writes
 * N articles as JSONL {"id","title","body"}: a title walks the chain from a
 * title-start state, a body from a body-start state; each next word comes from
 * the unigram model with probability P (default 0.05) or when the current word
 * was never followed by anything, else from the current word's successors.
 *
 * Same seed and same inputs in the same order give byte-identical output: ids
 * are given in input order, the bigram table is sorted, and one splitmix64
 * stream (common.c) drives every draw.
 *
 * Memory is about 20 bytes per input word plus the input text, whatever N is:
 * the output is streamed. Sampling is O(1) for unigrams (Walker's alias table)
 * and a binary search over a word's cumulative successor counts for bigrams.
 *
 * What it does not reproduce: the vocabulary does not grow with N as a real
 * collection's does (Heaps' law), and there is no topical coherence beyond
 * adjacent words, so phrase and AND queries match less often than in real text.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"

#define MAX_WORD 48             /* longer chunks (URLs, uuencode) are skipped */
#define MAX_TOKENS 400000000u   /* input words: ~8 GB of tables at most */
#define MAX_DOCS_OUT 100000000u /* output documents */
#define T_START 0u              /* pseudo-words: where a title / body starts */
#define B_START 1u
#define FIRST_WORD 2u

typedef struct model {
    /* vocabulary: JSON-escaped spellings in one arena */
    char *arena;
    size_t alen, acap;
    size_t *woff;
    uint32_t *wlen, *count;
    size_t nw, capw;
    uint32_t *slot; /* open addressing: word id + 1, 0 = empty */
    size_t nslots;
    /* the input as word ids, with T_START / B_START before each title / body */
    uint32_t *tok;
    size_t ntok, captok;
    /* (title, body) lengths of every input document */
    uint32_t *tlen, *blen;
    size_t ndocs;
    /* bigrams: successors of word w are nxt[off[w] .. off[w + 1]), cum[] their
     * running counts */
    size_t *off;
    uint32_t *nxt, *cum;
    /* unigrams: alias table over words FIRST_WORD.. */
    uint32_t *alias;
    uint64_t *prob; /* threshold on a 64-bit draw */
} model;

static void *xrealloc(void *p, size_t n)
{
    p = realloc(p, n ? n : 1);
    if (!p) {
        fprintf(stderr, "gen: out of memory (%zu bytes)\n", n);
        exit(2);
    }
    return p;
}

static void *grow(void *p, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap && p)
        return p;
    size_t c = *cap ? *cap : 1024;
    while (c < need)
        c *= 2;
    *cap = c;
    return xrealloc(p, c * elem);
}

static uint64_t hash(const char *s, size_t n)
{
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)s[i]) * 1099511628211ull;
    return h;
}

/* The word's spelling as it goes into a JSON string. */
static size_t json_escape(const char *s, size_t n, char *out)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\') {
            out[k++] = '\\';
            out[k++] = (char)c;
        } else if (c < 0x20) {
            k += (size_t)sprintf(out + k, "\\u%04x", c);
        } else {
            out[k++] = (char)c;
        }
    }
    return k;
}

static const char *word_at(const model *m, uint32_t id, size_t *len)
{
    *len = m->wlen[id];
    return m->arena + m->woff[id];
}

static void rehash(model *m)
{
    size_t ns = m->nslots ? 2 * m->nslots : 1u << 16;
    uint32_t *slot = calloc(ns, sizeof *slot);
    if (!slot) {
        fprintf(stderr, "gen: out of memory\n");
        exit(2);
    }
    for (uint32_t i = FIRST_WORD; i < m->nw; i++) {
        size_t len;
        const char *w = word_at(m, i, &len);
        size_t h = hash(w, len) & (ns - 1);
        while (slot[h])
            h = (h + 1) & (ns - 1);
        slot[h] = i + 1;
    }
    free(m->slot);
    m->slot = slot;
    m->nslots = ns;
}

/* Id of a word spelled s[0..n) (raw), adding it when new. */
static uint32_t word_id(model *m, const char *s, size_t n)
{
    char esc[MAX_WORD * 6 + 1];
    size_t en = json_escape(s, n, esc);
    if (2 * (m->nw + 1) > m->nslots)
        rehash(m);
    size_t h = hash(esc, en) & (m->nslots - 1);
    for (; m->slot[h]; h = (h + 1) & (m->nslots - 1)) {
        uint32_t id = m->slot[h] - 1;
        if (m->wlen[id] == en && !memcmp(m->arena + m->woff[id], esc, en))
            return id;
    }
    if (m->nw == m->capw) {
        m->capw = m->capw ? 2 * m->capw : 1u << 16;
        m->woff = xrealloc(m->woff, m->capw * sizeof *m->woff);
        m->wlen = xrealloc(m->wlen, m->capw * sizeof *m->wlen);
        m->count = xrealloc(m->count, m->capw * sizeof *m->count);
    }
    m->arena = grow(m->arena, &m->acap, m->alen + en, 1);
    memcpy(m->arena + m->alen, esc, en);
    uint32_t id = (uint32_t)m->nw++;
    m->woff[id] = m->alen;
    m->wlen[id] = (uint32_t)en;
    m->count[id] = 0;
    m->alen += en;
    m->slot[h] = id + 1;
    return id;
}

static int push(model *m, uint32_t id)
{
    if (m->ntok >= MAX_TOKENS) {
        fprintf(stderr, "gen: more than %u input words: use fewer corpora\n", MAX_TOKENS);
        return -1;
    }
    m->tok = grow(m->tok, &m->captok, m->ntok + 1, sizeof *m->tok);
    m->tok[m->ntok++] = id;
    return 0;
}

static int is_blank(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

/* Adds the words of one field; returns how many, or -1. */
static long scan(model *m, const char *s, size_t n)
{
    long words = 0;
    for (size_t i = 0; i < n;) {
        while (i < n && is_blank((unsigned char)s[i]))
            i++;
        size_t j = i;
        while (j < n && !is_blank((unsigned char)s[j]))
            j++;
        if (j > i && j - i <= MAX_WORD) {
            uint32_t id = word_id(m, s + i, j - i);
            m->count[id]++;
            if (push(m, id))
                return -1;
            words++;
        }
        i = j;
    }
    return words;
}

static int learn_text(model *m, const nb_corpus *c)
{
    m->tlen = xrealloc(NULL, c->n * sizeof *m->tlen);
    m->blen = xrealloc(NULL, c->n * sizeof *m->blen);
    for (size_t d = 0; d < c->n; d++) {
        long t, b;
        if (push(m, T_START) || (t = scan(m, c->docs[d].title, c->docs[d].title_len)) < 0 ||
            push(m, B_START) || (b = scan(m, c->docs[d].body, c->docs[d].body_len)) < 0)
            return -1;
        m->tlen[d] = (uint32_t)t;
        m->blen[d] = (uint32_t)b;
    }
    m->ndocs = c->n;
    return 0;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* Bigram table from the token stream: sort the (prev, next) pairs, count runs. */
static void learn_bigrams(model *m)
{
    uint64_t *pair = xrealloc(NULL, m->ntok * sizeof *pair);
    size_t np = 0;
    for (size_t i = 1; i < m->ntok; i++)
        if (m->tok[i] >= FIRST_WORD)
            pair[np++] = (uint64_t)m->tok[i - 1] << 32 | m->tok[i];
    free(m->tok);
    m->tok = NULL;
    qsort(pair, np, sizeof *pair, cmp_u64);
    m->off = calloc(m->nw + 1, sizeof *m->off);
    m->nxt = xrealloc(NULL, (np ? np : 1) * sizeof *m->nxt);
    m->cum = xrealloc(NULL, (np ? np : 1) * sizeof *m->cum);
    if (!m->off) {
        fprintf(stderr, "gen: out of memory\n");
        exit(2);
    }
    size_t k = 0;
    for (size_t i = 0; i < np;) {
        uint32_t prev = (uint32_t)(pair[i] >> 32), next = (uint32_t)pair[i];
        uint32_t base = m->off[prev + 1] ? m->cum[k - 1] : 0; /* prev's list so far */
        size_t j = i;
        while (j < np && pair[j] == pair[i])
            j++;
        m->nxt[k] = next;
        m->cum[k] = base + (uint32_t)(j - i);
        m->off[prev + 1] = ++k; /* end of prev's list so far */
        i = j;
    }
    /* words with no successor: their list is empty, off[w + 1] = off[w] */
    for (size_t w = 1; w <= m->nw; w++)
        if (m->off[w] < m->off[w - 1])
            m->off[w] = m->off[w - 1];
    free(pair);
}

/* Walker's alias table over the unigram counts of the real words. */
static void learn_unigrams(model *m)
{
    size_t n = m->nw - FIRST_WORD;
    uint64_t total = 0;
    for (size_t i = 0; i < n; i++)
        total += m->count[FIRST_WORD + i];
    double *p = xrealloc(NULL, n * sizeof *p);
    uint32_t *small = xrealloc(NULL, n * sizeof *small), *large = xrealloc(NULL, n * sizeof *large);
    size_t ns = 0, nl = 0;
    m->alias = xrealloc(NULL, n * sizeof *m->alias);
    m->prob = xrealloc(NULL, n * sizeof *m->prob);
    for (size_t i = 0; i < n; i++) {
        p[i] = (double)m->count[FIRST_WORD + i] * (double)n / (double)total;
        if (p[i] < 1.0)
            small[ns++] = (uint32_t)i;
        else
            large[nl++] = (uint32_t)i;
    }
    while (ns && nl) {
        uint32_t s = small[--ns], l = large[nl - 1];
        m->prob[s] = (uint64_t)(p[s] * 18446744073709551615.0);
        m->alias[s] = l;
        p[l] -= 1.0 - p[s];
        if (p[l] < 1.0) {
            nl--;
            small[ns++] = l;
        }
    }
    while (nl)
        m->prob[large[--nl]] = UINT64_MAX, m->alias[large[nl]] = large[nl];
    while (ns)
        m->prob[small[--ns]] = UINT64_MAX, m->alias[small[ns]] = small[ns];
    free(p);
    free(small);
    free(large);
}

static uint32_t draw_unigram(const model *m, nb_rng *r)
{
    size_t n = m->nw - FIRST_WORD;
    uint32_t i = (uint32_t)nb_rng_below(r, n);
    return FIRST_WORD + (nb_rng_next(r) < m->prob[i] || m->prob[i] == UINT64_MAX ? i : m->alias[i]);
}

/* The next word after prev; back-off to the unigrams with probability
 * `backoff` (a threshold on a 64-bit draw) or when prev has no successor. */
static uint32_t draw_next(const model *m, nb_rng *r, uint32_t prev, uint64_t backoff)
{
    size_t lo = m->off[prev], hi = m->off[prev + 1];
    if (lo == hi || nb_rng_next(r) < backoff)
        return draw_unigram(m, r);
    uint32_t x = (uint32_t)nb_rng_below(r, m->cum[hi - 1]); /* first cum > x */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (m->cum[mid] > x)
            hi = mid;
        else
            lo = mid + 1;
    }
    return m->nxt[lo];
}

static void put_words(const model *m, nb_rng *r, uint32_t start, uint32_t n, uint64_t backoff,
                      FILE *out)
{
    uint32_t prev = start;
    for (uint32_t i = 0; i < n; i++) {
        size_t len;
        prev = draw_next(m, r, prev, backoff);
        const char *w = word_at(m, prev, &len);
        if (i)
            putc_unlocked(' ', out);
        fwrite_unlocked(w, 1, len, out);
    }
}

static int generate(const model *m, uint64_t ndocs, uint64_t seed, double backoff, FILE *out)
{
    nb_rng r = {seed};
    uint64_t bo = backoff >= 1.0 ? UINT64_MAX : (uint64_t)(backoff * 18446744073709551615.0);
    int width = ndocs < 10000000 ? 7 : 9;
    for (uint64_t d = 0; d < ndocs; d++) {
        size_t src = (size_t)nb_rng_below(&r, m->ndocs);
        uint32_t blen = m->blen[src] ? m->blen[src] : 1; /* no empty documents */
        fprintf(out, "{\"id\":\"syn-%0*" PRIu64 "\",\"title\":\"", width, d + 1);
        put_words(m, &r, T_START, m->tlen[src], bo, out);
        fputs("\",\"body\":\"", out);
        put_words(m, &r, B_START, blen, bo, out);
        fputs("\"}\n", out);
    }
    if (fflush(out) || ferror(out)) {
        fprintf(stderr, "gen: write error: %s\n", strerror(errno));
        return -1;
    }
    return 0;
}

static void model_free(model *m)
{
    free(m->arena);
    free(m->woff);
    free(m->wlen);
    free(m->count);
    free(m->slot);
    free(m->tok);
    free(m->tlen);
    free(m->blen);
    free(m->off);
    free(m->nxt);
    free(m->cum);
    free(m->alias);
    free(m->prob);
}

static void usage(FILE *f)
{
    fprintf(f,
            "usage: gen --n N [--seed S] [--out FILE] [--backoff P] CORPUS.jsonl[.gz]...\n"
            "  writes N synthetic articles as JSONL {id,title,body}, learnt from the corpora\n"
            "  (word bigrams with unigram back-off, real title/body lengths);\n"
            "  N in 1..%u, S an unsigned integer (default 1), P in [0,1] (default 0.05);\n"
            "  output to stdout unless --out. Same seed and inputs: same bytes.\n",
            MAX_DOCS_OUT);
}

static int parse_u64(const char *opt, const char *s, uint64_t lo, uint64_t hi, uint64_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (!*s || *end || errno || s[0] == '-' || v < lo || v > hi) {
        fprintf(stderr, "gen: %s needs an integer in %" PRIu64 "..%" PRIu64 ", not '%s'\n", opt, lo,
                hi, s);
        return -1;
    }
    *out = v;
    return 0;
}

typedef struct args {
    uint64_t n, seed;
    double backoff;
    const char *out;
    char **inputs;
    size_t ninputs;
} args;

static int parse_args(int argc, char **argv, args *a)
{
    *a = (args){0, 1, 0.05, NULL, NULL, 0};
    int have_n = 0;
    a->inputs = xrealloc(NULL, (size_t)argc * sizeof *a->inputs);
    for (int i = 1; i < argc; i++) {
        const char *o = argv[i];
        if (!strcmp(o, "-h") || !strcmp(o, "--help")) {
            usage(stdout);
            return 1;
        }
        if (o[0] != '-' || !o[1]) {
            a->inputs[a->ninputs++] = argv[i];
            continue;
        }
        if (strcmp(o, "--n") && strcmp(o, "--seed") && strcmp(o, "--out") &&
            strcmp(o, "--backoff")) {
            fprintf(stderr, "gen: unknown option %s\n", o);
            return -1;
        }
        if (i + 1 >= argc) {
            fprintf(stderr, "gen: %s needs a value\n", o);
            return -1;
        }
        const char *v = argv[++i];
        if (!strcmp(o, "--n")) {
            if (parse_u64(o, v, 1, MAX_DOCS_OUT, &a->n))
                return -1;
            have_n = 1;
        } else if (!strcmp(o, "--seed")) {
            if (parse_u64(o, v, 0, UINT64_MAX, &a->seed))
                return -1;
        } else if (!strcmp(o, "--out")) {
            a->out = v;
        } else {
            char *end;
            a->backoff = strtod(v, &end);
            if (!*v || *end || !(a->backoff >= 0.0 && a->backoff <= 1.0)) {
                fprintf(stderr, "gen: --backoff needs a probability in [0,1], not '%s'\n", v);
                return -1;
            }
        }
    }
    if (!have_n) {
        fprintf(stderr, "gen: --n is required\n");
        return -1;
    }
    if (!a->ninputs) {
        fprintf(stderr, "gen: no input corpus given\n");
        return -1;
    }
    for (size_t i = 0; i < a->ninputs; i++) {
        FILE *f = fopen(a->inputs[i], "rb");
        if (!f) {
            fprintf(stderr, "gen: %s: %s\n", a->inputs[i], strerror(errno));
            return -1;
        }
        fclose(f);
    }
    return 0;
}

int main(int argc, char **argv)
{
    args a;
    int rc = parse_args(argc, argv, &a);
    if (rc) {
        if (rc < 0)
            usage(stderr);
        free(a.inputs);
        return rc < 0 ? 2 : 0;
    }
    double t0 = nb_now_us();
    nb_corpus c;
    if (nb_corpus_load(&c, a.inputs, a.ninputs)) {
        free(a.inputs);
        return 2;
    }
    model m = {0};
    word_id(&m, "", 0); /* ids 0 and 1: the start states (never written) */
    word_id(&m, " ", 1);
    if (learn_text(&m, &c)) {
        nb_corpus_free(&c);
        model_free(&m);
        free(a.inputs);
        return 2;
    }
    size_t ntok = m.ntok, ndocs_in = c.n;
    nb_corpus_free(&c);
    if (m.nw <= FIRST_WORD || !m.ndocs) {
        fprintf(stderr, "gen: no words in the input\n");
        model_free(&m);
        free(a.inputs);
        return 2;
    }
    learn_bigrams(&m);
    learn_unigrams(&m);
    double t1 = nb_now_us();
    FILE *out = a.out ? fopen(a.out, "w") : stdout;
    if (!out) {
        fprintf(stderr, "gen: %s: %s\n", a.out, strerror(errno));
        model_free(&m);
        free(a.inputs);
        return 2;
    }
    static char obuf[1 << 20];
    setvbuf(out, obuf, _IOFBF, sizeof obuf);
    rc = generate(&m, a.n, a.seed, a.backoff, out);
    if (a.out && fclose(out)) {
        fprintf(stderr, "gen: %s: %s\n", a.out, strerror(errno));
        rc = -1;
    }
    fprintf(stderr,
            "gen: learnt %zu docs, %zu words, vocabulary %zu, %zu bigrams in %.1f s; "
            "wrote %" PRIu64 " docs in %.1f s (seed %" PRIu64 ")\n",
            ndocs_in, ntok - 2 * ndocs_in, m.nw - FIRST_WORD, m.off[m.nw], (t1 - t0) / 1e6, a.n,
            (nb_now_us() - t1) / 1e6, a.seed);
    model_free(&m);
    free(a.inputs);
    return rc ? 1 : 0;
}
