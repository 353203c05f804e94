/* snippet.c — snippet window selection and highlighting.
 *
 * How a snippet is chosen
 *
 * The body is re-tokenised with the shared analyzer, so a highlighted word is
 * exactly a word the index would match. The query tree is flattened into
 * atoms: distinct analysed terms (found through a small hash table) and
 * prefixes; a phrase is a sequence of term atoms. Nothing under NOT and no
 * title-only node takes part.
 *
 * Pass 1 streams the whole body once and keeps no per-token state beyond one
 * window. A token that could matter enters a short ring, as long as the
 * longest phrase, so that a phrase match, known only at its last token, can
 * still mark its earlier tokens. Tokens leaving the ring feed a sliding window
 * over match records whose bytes fit in max_bytes, with a count per atom: each
 * step is O(1) amortised and memory is bounded by one window, however large
 * the body (200 MB bodies are normal). The best window holds the most distinct
 * atoms (a phrase counts as its terms, and only when matched as a phrase),
 * then the most matching tokens, then comes first.
 *
 * Placement: the window starts at a sentence start when one lies shortly
 * before the first match and the matches still fit (the reader gets a whole
 * sentence for free); otherwise a few words before the first match, for
 * context. Near the body's end the start moves back so that the whole budget
 * is used. Both ends are cut at whitespace, falling back to a punctuation
 * boundary and then to a character boundary (scripts without spaces): never
 * inside a UTF-8 sequence.
 *
 * Pass 2 re-analyses only the chosen bytes to find every highlight in them;
 * consecutive tokens of a phrase match become one span. The text is then
 * cleaned (invalid UTF-8 becomes U+FFFD, whitespace runs one space, both ends
 * trimmed) while the spans are mapped to offsets in the cleaned text.
 */
#include "snippet/snippet.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#include "common/utf8.h"
#include "nsearch.h"

#define SNIP_DEFAULT_BYTES 260 /* max_bytes 0 means NS_SNIPPET_OPTIONS_INIT's */
#define SENTENCE_LOOKBACK 60   /* how far before the first match a sentence may start */
#define CONTEXT_WORDS 4        /* words shown before the first match otherwise */
#define SPACE_SCAN_MAX 256     /* a whitespace run longer than this is a paragraph break */
#define NONE SIZE_MAX

/* ------------------------------------------------------------ UTF-8 */

/* Start of the character that ends at i (i > 0, i a character boundary). */
static size_t char_before(const unsigned char *b, size_t i)
{
    for (size_t back = 1; back <= 4 && back <= i; back++) {
        if ((b[i - back] & 0xC0) == 0x80)
            continue;
        int32_t cp;
        return nsi_utf8_decode(b + i - back, back, &cp) == back ? i - back : i - 1;
    }
    return i - 1;
}

static int32_t cp_at(const unsigned char *b, size_t len, size_t i)
{
    int32_t cp;
    nsi_utf8_decode(b + i, len - i, &cp);
    return cp;
}

static int32_t cp_before(const unsigned char *b, size_t i)
{
    size_t j = char_before(b, i);
    int32_t cp;
    nsi_utf8_decode(b + j, i - j, &cp);
    return cp;
}

/* Whitespace for display: ASCII and Unicode spaces, and control characters
 * (they print as nothing useful, and a NUL would end the C string). */
static int is_space_cp(int32_t cp)
{
    if (cp < 0)
        return 0;
    if (cp <= 0x20 || (cp >= 0x7F && cp <= 0xA0)) /* C0, DEL, C1, NBSP */
        return 1;
    switch (cp) {
    case 0x1680:
    case 0x2028:
    case 0x2029:
    case 0x202F:
    case 0x205F:
    case 0x3000:
    case 0xFEFF:
        return 1;
    default:
        return cp >= 0x2000 && cp <= 0x200A;
    }
}

static int is_newline_cp(int32_t cp)
{
    return (cp >= 0x0A && cp <= 0x0D) || cp == 0x85 || cp == 0x2028 || cp == 0x2029;
}

static int space_at(const unsigned char *b, size_t len, size_t i)
{
    return i < len && is_space_cp(cp_at(b, len, i));
}

static int space_before(const unsigned char *b, size_t i)
{
    return i > 0 && is_space_cp(cp_before(b, i));
}

/* A letter, mark or digit: what tokens are made of. */
static int is_word_cp(int32_t cp)
{
    if (cp < 0)
        return 0;
    switch (utf8proc_category(cp)) {
    case UTF8PROC_CATEGORY_LU:
    case UTF8PROC_CATEGORY_LL:
    case UTF8PROC_CATEGORY_LT:
    case UTF8PROC_CATEGORY_LM:
    case UTF8PROC_CATEGORY_LO:
    case UTF8PROC_CATEGORY_MN:
    case UTF8PROC_CATEGORY_MC:
    case UTF8PROC_CATEGORY_ME:
    case UTF8PROC_CATEGORY_ND:
    case UTF8PROC_CATEGORY_NL:
    case UTF8PROC_CATEGORY_NO:
        return 1;
    default:
        return 0;
    }
}

/* ------------------------------------------------------------ words and sentences */

/* Start of the whitespace-delimited word holding position i, or NONE when it
 * begins before lo. */
static size_t word_begin(const unsigned char *b, size_t i, size_t lo)
{
    size_t j = i;
    while (j > lo && !space_before(b, j))
        j = char_before(b, j);
    return j == 0 || space_before(b, j) ? j : NONE;
}

/* Start of the word before the word starting at j, or NONE when it (or the
 * whitespace between) reaches before lo. */
static size_t prev_word(const unsigned char *b, size_t j, size_t lo)
{
    size_t k = j;
    while (k > lo && space_before(b, k))
        k = char_before(b, k);
    if (k <= lo || k == j)
        return NONE;
    return word_begin(b, char_before(b, k), lo);
}

static int is_closer_cp(int32_t cp)
{
    return cp == '"' || cp == '\'' || cp == ')' || cp == ']' || cp == 0x2019 || cp == 0x201D ||
           cp == 0xBB;
}

static int is_terminal_cp(int32_t cp)
{
    return cp == '.' || cp == '!' || cp == '?' || cp == 0x2026 || cp == 0x3002;
}

/* Whether the '.' at dot ends an abbreviation ("Mr.", "U.S.", "J. Smith")
 * rather than a sentence. */
static int ends_abbreviation(const unsigned char *b, size_t dot)
{
    static const char *const abbrev[] = {"Mr",  "Mrs", "Ms",  "Dr",   "Prof", "St",     "Jr",
                                         "Sr",  "Gen", "Col", "Lt",   "Sgt",  "Capt",   "Gov",
                                         "Sen", "Rep", "Rev", "vs",   "etc",  "No",     "Fig",
                                         "Inc", "Ltd", "Co",  "Corp", "Mt",   "approx", NULL};
    size_t w = dot;
    while (w > 0 && dot - w < 8 &&
           ((b[w - 1] >= 'a' && b[w - 1] <= 'z') || (b[w - 1] >= 'A' && b[w - 1] <= 'Z')))
        w--;
    size_t n = dot - w;
    if (n == 0 || n >= 8)
        return 0;
    if (n == 1 || (w > 0 && b[w - 1] == '.'))
        return 1;
    for (size_t i = 0; abbrev[i]; i++)
        if (strlen(abbrev[i]) == n && memcmp(abbrev[i], b + w, n) == 0)
            return 1;
    return 0;
}

/* Whether the word starting at j begins a sentence: it opens the body or a
 * line, or follows terminal punctuation and does not start in lower case. */
static int is_sentence_start(const unsigned char *b, size_t len, size_t j)
{
    size_t k = j;
    int newline = 0;
    while (k > 0 && space_before(b, k)) {
        if (j - k > SPACE_SCAN_MAX)
            return 1;
        size_t p = char_before(b, k);
        newline |= is_newline_cp(cp_at(b, len, p));
        k = p;
    }
    if (k == 0 || newline)
        return 1;
    if (k == j)
        return 0;
    for (int i = 0; i < 3 && k > 0 && is_closer_cp(cp_before(b, k)); i++)
        k = char_before(b, k);
    if (k == 0 || !is_terminal_cp(cp_before(b, k)))
        return 0;
    if (b[k - 1] == '.' && ends_abbreviation(b, k - 1))
        return 0;
    int32_t cp = cp_at(b, len, j);
    return cp < 0 || utf8proc_category(cp) != UTF8PROC_CATEGORY_LL;
}

/* ------------------------------------------------------------ query atoms */

typedef struct q_atom {
    const char *s; /* borrowed from the query tree */
    size_t len;
    int standalone; /* matches on its own, not only inside a phrase */
} q_atom;

typedef struct q_phrase {
    size_t first; /* its first atom in q_flat.pids */
    size_t k;     /* number of terms, >= 2 */
} q_phrase;

typedef struct q_flat {
    q_atom *terms;
    size_t nterms;
    q_atom *prefixes;
    size_t npre;
    uint32_t *slots; /* open addressing over terms: index + 1, 0 = empty */
    size_t nslots;   /* a power of two, more than twice nterms */
    uint32_t *pids;  /* term atoms of each phrase, phrase after phrase */
    size_t npids;
    q_phrase *phrases;
    size_t nphrases;
    size_t maxk; /* longest phrase, at least 1 */
} q_flat;

static uint64_t hash_bytes(const char *s, size_t n)
{
    uint64_t h = 1469598103934665603u;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)s[i]) * 1099511628211u;
    return h;
}

static int32_t term_find(const q_flat *f, const char *s, size_t n)
{
    if (!f->nslots)
        return -1;
    for (size_t i = hash_bytes(s, n) & (f->nslots - 1);; i = (i + 1) & (f->nslots - 1)) {
        uint32_t v = f->slots[i];
        if (!v)
            return -1;
        const q_atom *a = &f->terms[v - 1];
        if (a->len == n && memcmp(a->s, s, n) == 0)
            return (int32_t)(v - 1);
    }
}

/* Adds a term atom (once per distinct text) and returns its index. Room was
 * counted beforehand, so this cannot fail. */
static uint32_t term_intern(q_flat *f, const char *s, size_t n)
{
    size_t i = hash_bytes(s, n) & (f->nslots - 1);
    for (; f->slots[i]; i = (i + 1) & (f->nslots - 1)) {
        const q_atom *a = &f->terms[f->slots[i] - 1];
        if (a->len == n && memcmp(a->s, s, n) == 0)
            return f->slots[i] - 1;
    }
    f->terms[f->nterms] = (q_atom){s, n, 0};
    f->slots[i] = (uint32_t)++f->nterms;
    return f->slots[i] - 1;
}

static void prefix_add(q_flat *f, const char *s, size_t n)
{
    for (size_t i = 0; i < f->npre; i++)
        if (f->prefixes[i].len == n && memcmp(f->prefixes[i].s, s, n) == 0)
            return;
    f->prefixes[f->npre++] = (q_atom){s, n, 1};
}

static int is_body_leaf(const nsq_node *n, enum nsq_kind kind)
{
    return n && n->kind == kind && n->field != NSQ_FIELD_TITLE && n->term && n->term_len > 0;
}

static int phrase_usable(const nsq_node *n)
{
    if (n->nkids < 2)
        return 0;
    for (size_t i = 0; i < n->nkids; i++)
        if (!n->kids[i] || n->kids[i]->kind != NSQ_TERM || !n->kids[i]->term ||
            !n->kids[i]->term_len)
            return 0;
    return 1;
}

static void count_nodes(const nsq_node *n, size_t *leaves, size_t *phrases)
{
    if (!n)
        return;
    *leaves += n->kind == NSQ_TERM || n->kind == NSQ_PREFIX;
    *phrases += n->kind == NSQ_PHRASE;
    for (size_t i = 0; i < n->nkids; i++)
        count_nodes(n->kids[i], leaves, phrases);
}

static void collect(q_flat *f, const nsq_node *n)
{
    if (!n || n->kind == NSQ_NOT)
        return;
    if ((n->kind == NSQ_PHRASE || n->kind == NSQ_NEAR) && n->field == NSQ_FIELD_TITLE)
        return;
    if (n->kind == NSQ_TERM) {
        if (is_body_leaf(n, NSQ_TERM))
            f->terms[term_intern(f, n->term, n->term_len)].standalone = 1;
        return;
    }
    if (n->kind == NSQ_PREFIX) {
        if (is_body_leaf(n, NSQ_PREFIX))
            prefix_add(f, n->term, n->term_len);
        return;
    }
    if (n->kind == NSQ_PHRASE && phrase_usable(n)) {
        q_phrase *p = &f->phrases[f->nphrases++];
        p->first = f->npids;
        p->k = n->nkids;
        for (size_t i = 0; i < n->nkids; i++)
            f->pids[f->npids++] = term_intern(f, n->kids[i]->term, n->kids[i]->term_len);
        if (p->k > f->maxk)
            f->maxk = p->k;
        return;
    }
    for (size_t i = 0; i < n->nkids; i++)
        collect(f, n->kids[i]);
}

static void qflat_free(q_flat *f)
{
    free(f->terms);
    free(f->prefixes);
    free(f->slots);
    free(f->pids);
    free(f->phrases);
}

static int qflat_build(q_flat *f, const nsq_node *q)
{
    size_t leaves = 0, nphr = 0;
    count_nodes(q, &leaves, &nphr);
    f->maxk = 1;
    if (!leaves)
        return NS_OK;
    if (leaves > UINT32_MAX / 4)
        return NS_ETOOBIG;
    f->nslots = 8;
    while (f->nslots < 2 * leaves + 1)
        f->nslots *= 2;
    f->terms = malloc(leaves * sizeof *f->terms);
    f->prefixes = malloc(leaves * sizeof *f->prefixes);
    f->slots = calloc(f->nslots, sizeof *f->slots);
    f->pids = malloc(leaves * sizeof *f->pids);
    f->phrases = malloc((nphr ? nphr : 1) * sizeof *f->phrases);
    if (!f->terms || !f->prefixes || !f->slots || !f->pids || !f->phrases)
        return NS_ENOMEM;
    collect(f, q);
    return NS_OK;
}

/* ------------------------------------------------------------ matcher */

enum { HIT_PHRASE = 1u, HIT_JOIN = 2u }; /* in a phrase match; joined to the token before */

typedef struct m_hit {
    size_t start, end; /* bytes in the body */
    int32_t term;      /* term atom, or -1 */
    unsigned flags;
    uint64_t *pbits; /* prefix atoms matched, a bit each */
} m_hit;

typedef int (*hit_fn)(void *ctx, const m_hit *h);

typedef struct matcher {
    const q_flat *q;
    nsi_analyzer *fold; /* "none" analyzer: prefixes also match the unstemmed word */
    const char *text;   /* what is being analysed, at body + base */
    size_t base;
    size_t words; /* 64-bit words per prefix bitset */
    m_hit *ring;  /* tokens still open to a phrase match, oldest at rhead */
    uint64_t *ring_bits;
    uint64_t *scratch;
    size_t rcap, rhead, rcount;
    uint8_t *alive; /* per phrase term: the phrase's terms up to it end here */
    uint8_t *live;  /* per phrase: any alive flag set */
    size_t nlive;
    uint32_t last_pos;
    int have_pos;
    hit_fn emit;
    void *ctx;
    char folded[NS_MAX_TERM_BYTES];
    size_t folded_len;
} matcher;

static int matcher_init(matcher *m, const q_flat *q, nsi_analyzer *fold)
{
    m->q = q;
    m->fold = fold;
    m->words = (q->npre + 63) / 64;
    m->rcap = q->maxk;
    m->ring = calloc(m->rcap, sizeof *m->ring);
    m->ring_bits = calloc(m->rcap * m->words + 1, sizeof *m->ring_bits);
    m->scratch = calloc(m->words + 1, sizeof *m->scratch);
    m->alive = calloc(q->npids + 1, 1);
    m->live = calloc(q->nphrases + 1, 1);
    if (!m->ring || !m->ring_bits || !m->scratch || !m->alive || !m->live)
        return NS_ENOMEM;
    for (size_t i = 0; i < m->rcap; i++)
        m->ring[i].pbits = m->ring_bits + i * m->words;
    return NS_OK;
}

static void matcher_free(matcher *m)
{
    free(m->ring);
    free(m->ring_bits);
    free(m->scratch);
    free(m->alive);
    free(m->live);
}

static int ring_emit_oldest(matcher *m)
{
    int rc = m->emit(m->ctx, &m->ring[m->rhead]);
    m->rhead = (m->rhead + 1) % m->rcap;
    m->rcount--;
    return rc;
}

static int ring_flush(matcher *m)
{
    while (m->rcount) {
        int rc = ring_emit_oldest(m);
        if (rc)
            return rc;
    }
    return NS_OK;
}

static void ring_push(matcher *m, const nsi_token *t, int32_t term)
{
    m_hit *h = &m->ring[(m->rhead + m->rcount++) % m->rcap];
    h->start = m->base + t->start;
    h->end = m->base + t->end;
    h->term = term;
    h->flags = 0;
    memcpy(h->pbits, m->scratch, m->words * sizeof *h->pbits);
}

/* Marks the newest k ring entries as one phrase match. They are the phrase's
 * tokens: the ring keeps maxk >= k of them and is not flushed while a phrase
 * is alive. */
static void ring_mark_phrase(matcher *m, size_t k)
{
    for (size_t d = 0; d < k && d < m->rcount; d++) {
        m_hit *h = &m->ring[(m->rhead + m->rcount - 1 - d) % m->rcap];
        h->flags |= HIT_PHRASE | (d + 1 < k ? HIT_JOIN : 0);
    }
}

static void phrases_clear(matcher *m)
{
    memset(m->alive, 0, m->q->npids);
    memset(m->live, 0, m->q->nphrases);
    m->nlive = 0;
}

static void phrases_reset(matcher *m)
{
    if (m->nlive)
        phrases_clear(m);
}

/* Advances every phrase by one token with term atom term. */
static void phrases_step(matcher *m, int32_t term)
{
    const q_flat *q = m->q;
    for (size_t j = 0; j < q->nphrases; j++) {
        const uint32_t *ids = q->pids + q->phrases[j].first;
        uint8_t *a = m->alive + q->phrases[j].first;
        size_t k = q->phrases[j].k;
        if (!m->live[j] && ids[0] != (uint32_t)term)
            continue;
        int any = 0;
        for (size_t i = k - 1; i > 0; i--) {
            a[i] = a[i - 1] && ids[i] == (uint32_t)term;
            any |= a[i];
        }
        a[0] = ids[0] == (uint32_t)term;
        any |= a[0];
        if (a[k - 1])
            ring_mark_phrase(m, k);
        m->nlive += (size_t)any - m->live[j];
        m->live[j] = (uint8_t)any;
    }
}

static int on_folded(void *ctx, const nsi_token *t)
{
    matcher *m = ctx;
    m->folded_len = t->term_len <= sizeof m->folded ? t->term_len : 0;
    memcpy(m->folded, t->term, m->folded_len);
    return 1; /* the first token is the word */
}

static int starts_with(const char *s, size_t n, const q_atom *p)
{
    return n >= p->len && memcmp(s, p->s, p->len) == 0;
}

/* Sets m->scratch to the prefixes token t matches, by its stem or by its
 * unstemmed folded form; returns whether any matched, or an error. */
static int prefix_match(matcher *m, const nsi_token *t)
{
    const q_flat *q = m->q;
    int any = 0, missed = 0;
    memset(m->scratch, 0, m->words * sizeof *m->scratch);
    for (size_t i = 0; i < q->npre; i++) {
        if (starts_with(t->term, t->term_len, &q->prefixes[i])) {
            m->scratch[i / 64] |= (uint64_t)1 << (i % 64);
            any = 1;
        } else {
            missed = 1;
        }
    }
    if (!missed || !m->fold)
        return any;
    m->folded_len = 0;
    int rc = nsi_analyze(m->fold, m->text + t->start, t->end - t->start, 0, NSI_AN_NOSTEM,
                         on_folded, m, NULL);
    if (rc < 0)
        return rc;
    for (size_t i = 0; i < q->npre; i++) {
        if (starts_with(m->folded, m->folded_len, &q->prefixes[i])) {
            m->scratch[i / 64] |= (uint64_t)1 << (i % 64);
            any = 1;
        }
    }
    return any;
}

static int on_token(void *ctx, const nsi_token *t)
{
    matcher *m = ctx;
    int32_t term = term_find(m->q, t->term, t->term_len);
    int pre = m->q->npre ? prefix_match(m, t) : 0;
    if (pre < 0)
        return pre;
    if (m->have_pos && t->pos != m->last_pos + 1)
        phrases_reset(m); /* a skipped (over-long) token breaks phrases */
    m->have_pos = 1;
    m->last_pos = t->pos;
    if (term < 0 && !pre) {
        phrases_reset(m);
        return ring_flush(m);
    }
    if (m->rcount == m->rcap) {
        int rc = ring_emit_oldest(m);
        if (rc)
            return rc;
    }
    ring_push(m, t, term);
    if (term >= 0)
        phrases_step(m, term);
    else
        phrases_reset(m);
    return m->nlive ? NS_OK : ring_flush(m);
}

/* Matches body[from, to) against the query, calling m->emit for each token
 * that matched an atom, in order. */
static int matcher_run(matcher *m, nsi_analyzer *an, const char *body, size_t from, size_t to)
{
    m->text = body + from;
    m->base = from;
    m->rhead = m->rcount = 0;
    m->have_pos = 0;
    phrases_clear(m);
    int rc = nsi_analyze(an, body + from, to - from, 0, 0, on_token, m, NULL);
    return rc ? rc : ring_flush(m);
}

/* Whether h counts: a standalone term, a term in a phrase match, a prefix. */
static int hit_counts(const q_flat *q, const m_hit *h, size_t words)
{
    if (h->term >= 0 && (q->terms[h->term].standalone || (h->flags & HIT_PHRASE)))
        return 1;
    for (size_t w = 0; w < words; w++)
        if (h->pbits[w])
            return 1;
    return 0;
}

/* ------------------------------------------------------------ pass 1: best window */

typedef struct w_rec {
    size_t start, end;
    uint32_t atom;  /* term index, or nterms + prefix index */
    uint32_t first; /* the first record of its token */
} w_rec;

typedef struct slider {
    const q_flat *q;
    size_t words;
    size_t max_bytes;
    w_rec *v; /* records in the window: v[head, n) */
    size_t head, n, cap, limit;
    uint32_t *cnt; /* records per atom in the window */
    size_t distinct, ntok;
    size_t best_distinct, best_ntok, m0, m1;
} slider;

static int slider_init(slider *s, const q_flat *q, size_t words, size_t max_bytes)
{
    s->q = q;
    s->words = words;
    s->max_bytes = max_bytes;
    /* Tokens are separated, so a window holds at most about max_bytes of them,
     * each with at most 1 + npre records. */
    size_t per = 1 + q->npre, most = SIZE_MAX / sizeof(w_rec) / 2;
    s->limit = max_bytes > most / per - 64 ? most : (max_bytes + 64) * per;
    s->cnt = calloc(q->nterms + q->npre + 1, sizeof *s->cnt);
    return s->cnt ? NS_OK : NS_ENOMEM;
}

static int slider_push(slider *s, size_t start, size_t end, uint32_t atom, int first)
{
    /* Compact only when at least half is dead (or growth is capped), so that
     * each record is moved O(1) times on average. */
    if (s->n == s->cap && s->head > 0 && (s->head >= s->cap / 2 || s->cap >= s->limit)) {
        memmove(s->v, s->v + s->head, (s->n - s->head) * sizeof *s->v);
        s->n -= s->head;
        s->head = 0;
    }
    if (s->n == s->cap) {
        if (s->cap >= s->limit)
            return NS_ETOOBIG;
        size_t cap = s->cap ? s->cap * 2 : 64;
        cap = cap > s->limit ? s->limit : cap;
        w_rec *v = realloc(s->v, cap * sizeof *v);
        if (!v)
            return NS_ENOMEM;
        s->v = v;
        s->cap = cap;
    }
    s->v[s->n++] = (w_rec){start, end, atom, (uint32_t)first};
    s->distinct += s->cnt[atom]++ == 0;
    s->ntok += first != 0;
    return NS_OK;
}

static void slider_pop(slider *s)
{
    const w_rec *r = &s->v[s->head++];
    s->distinct -= --s->cnt[r->atom] == 0;
    s->ntok -= r->first != 0;
}

static int slider_hit(void *ctx, const m_hit *h)
{
    slider *s = ctx;
    const q_flat *q = s->q;
    int first = 1, rc = NS_OK;
    if (h->term >= 0 && (q->terms[h->term].standalone || (h->flags & HIT_PHRASE))) {
        rc = slider_push(s, h->start, h->end, (uint32_t)h->term, first);
        first = 0;
    }
    for (size_t i = 0; i < q->npre && !rc; i++) {
        if (h->pbits[i / 64] >> (i % 64) & 1) {
            rc = slider_push(s, h->start, h->end, (uint32_t)(q->nterms + i), first);
            first = 0;
        }
    }
    if (rc || first)
        return rc;
    while (s->v[s->head].start != h->start && h->end - s->v[s->head].start > s->max_bytes)
        slider_pop(s);
    if (s->distinct > s->best_distinct ||
        (s->distinct == s->best_distinct && s->ntok > s->best_ntok)) {
        s->best_distinct = s->distinct;
        s->best_ntok = s->ntok;
        s->m0 = s->v[s->head].start;
        s->m1 = h->end;
    }
    return NS_OK;
}

/* ------------------------------------------------------------ pass 2: spans */

typedef struct span_list {
    const q_flat *q;
    size_t words;
    nsi_span *v; /* body offsets */
    size_t n, cap;
} span_list;

static int spans_hit(void *ctx, const m_hit *h)
{
    span_list *l = ctx;
    if (!hit_counts(l->q, h, l->words))
        return NS_OK;
    if (l->n && ((h->flags & HIT_JOIN) || h->start <= l->v[l->n - 1].end)) {
        if (h->end > l->v[l->n - 1].end)
            l->v[l->n - 1].end = h->end;
        return NS_OK;
    }
    if (l->n == l->cap) {
        /* bounded by the window: spans are disjoint and non-empty */
        size_t cap = l->cap ? l->cap * 2 : 16;
        nsi_span *v = realloc(l->v, cap * sizeof *v);
        if (!v)
            return NS_ENOMEM;
        l->v = v;
        l->cap = cap;
    }
    l->v[l->n++] = (nsi_span){h->start, h->end};
    return NS_OK;
}

/* ------------------------------------------------------------ placement */

/* Start of the window whose matches span [m0, m1). */
static size_t place_start(const unsigned char *b, size_t len, size_t m0, size_t m1,
                          size_t max_bytes)
{
    size_t slack = m1 - m0 < max_bytes ? max_bytes - (m1 - m0) : 0;
    size_t look = slack < SENTENCE_LOOKBACK ? slack : SENTENCE_LOOKBACK;
    size_t lo = m0 > look ? m0 - look : 0;
    size_t ws = NONE;
    for (size_t j = word_begin(b, m0, lo); j != NONE; j = prev_word(b, j, lo)) {
        if (is_sentence_start(b, len, j)) {
            ws = j;
            break;
        }
    }
    if (ws == NONE) {
        size_t budget = slack < max_bytes / 3 ? slack : max_bytes / 3;
        lo = m0 > budget ? m0 - budget : 0;
        ws = word_begin(b, m0, lo);
        ws = ws == NONE ? m0 : ws;
        for (int w = 0; w < CONTEXT_WORDS && !is_sentence_start(b, len, ws); w++) {
            size_t p = prev_word(b, ws, lo);
            if (p == NONE)
                break;
            ws = p;
        }
    }
    if (ws == 0 || len - ws >= max_bytes)
        return ws;
    /* Near the end: start earlier to use the whole budget, at the earliest
     * sentence start that fits, else at the earliest word. */
    lo = len > max_bytes ? len - max_bytes : 0;
    size_t word = NONE;
    int32_t cp;
    for (size_t i = lo; i < ws; i += nsi_utf8_decode(b + i, len - i, &cp)) {
        if (space_at(b, len, i) || (i > 0 && !space_before(b, i)))
            continue;
        if (is_sentence_start(b, len, i))
            return i;
        word = word == NONE ? i : word;
    }
    return word != NONE && !is_sentence_start(b, len, ws) ? word : ws;
}

/* End of the window that starts at ws and must include m1. */
static size_t place_end(const unsigned char *b, size_t len, size_t ws, size_t m1, size_t max_bytes)
{
    if (len - ws <= max_bytes)
        return len;
    size_t hard = ws + max_bytes;
    if (m1 >= hard)
        return m1; /* one token longer than the budget */
    size_t i = hard;
    while (i > m1 && (b[i] & 0xC0) == 0x80)
        i--;
    for (size_t j = i; j > m1; j = char_before(b, j))
        if (space_at(b, len, j))
            return j;
    for (size_t j = i; j > m1; j = char_before(b, j))
        if (!is_word_cp(cp_at(b, len, j)) || !is_word_cp(cp_before(b, j)))
            return j;
    return i;
}

static int has_text_before(const unsigned char *b, size_t i)
{
    while (i > 0 && space_before(b, i))
        i = char_before(b, i);
    return i > 0;
}

static int has_text_after(const unsigned char *b, size_t len, size_t i)
{
    int32_t cp;
    while (i < len) {
        size_t n = nsi_utf8_decode(b + i, len - i, &cp);
        if (!is_space_cp(cp))
            return 1;
        i += n;
    }
    return 0;
}

/* ------------------------------------------------------------ output */

/* Writes body[ws, we) cleaned into out, with spans (body offsets, inside the
 * window) mapped to offsets in the cleaned text. */
static int render(const unsigned char *b, size_t ws, size_t we, const nsi_span *sp, size_t nsp,
                  nsi_snip *out)
{
    nsi_buf o = {0};
    o.limit = (we - ws) * 3 + 16; /* each byte becomes at most one U+FFFD */
    out->spans = nsp ? malloc(nsp * sizeof *out->spans) : NULL;
    if (nsp && !out->spans)
        return NS_ENOMEM;
    size_t k = 0, i = ws;
    int pending = 0, open = 0, rc = NS_OK;
    while (i < we && !rc) {
        int32_t cp;
        size_t n = nsi_utf8_decode(b + i, we - i, &cp);
        if (is_space_cp(cp)) {
            pending = o.len > 0;
            i += n;
            continue;
        }
        if (pending)
            rc = nsi_buf_putc(&o, ' ');
        pending = 0;
        if (k < nsp && !open && i >= sp[k].start) {
            out->spans[k].start = o.len;
            open = 1;
        }
        if (!rc)
            rc = cp < 0 ? nsi_buf_append(&o, "\xEF\xBF\xBD", 3) : nsi_buf_append(&o, b + i, n);
        i += n;
        if (open && i >= sp[k].end) {
            out->spans[k++].end = o.len;
            open = 0;
        }
    }
    if (open)
        out->spans[k++].end = o.len;
    out->nspans = k;
    if (!rc)
        rc = nsi_buf_terminate(&o);
    if (rc) {
        nsi_buf_free(&o);
        return rc;
    }
    out->text = (char *)nsi_buf_steal(&o, &out->len);
    return NS_OK;
}

/* ------------------------------------------------------------ entry point */

/* Finds the best window with pass 1; *found is 0 when nothing matched. */
static int find_best(matcher *m, nsi_analyzer *an, const char *body, size_t len, const q_flat *f,
                     size_t max_bytes, size_t *m0, size_t *m1, int *found)
{
    slider s = {0};
    int rc = slider_init(&s, f, m->words, max_bytes);
    if (!rc) {
        m->emit = slider_hit;
        m->ctx = &s;
        rc = matcher_run(m, an, body, 0, len);
    }
    *found = !rc && s.best_distinct > 0;
    *m0 = s.m0;
    *m1 = s.m1;
    free(s.v);
    free(s.cnt);
    return rc;
}

int nsi_snippet_build(nsi_analyzer *an, const char *body, size_t len, const nsq_node *q,
                      size_t max_bytes, nsi_snip *out)
{
    memset(out, 0, sizeof *out);
    if (!body && len)
        return NS_EINVAL;
    if (!body)
        body = "";
    if (!max_bytes)
        max_bytes = SNIP_DEFAULT_BYTES;
    const unsigned char *b = (const unsigned char *)body;
    q_flat f = {0};
    matcher m = {0};
    span_list sl = {0};
    nsi_analyzer *fold = NULL;
    size_t m0 = 0, m1 = 0;
    int found = 0;
    int rc = qflat_build(&f, q);
    if (!rc && f.nterms + f.npre > 0 && len > 0) {
        if (!an)
            rc = NS_EINVAL;
        if (!rc && f.npre)
            rc = nsi_analyzer_new(&fold, "none");
        if (!rc)
            rc = matcher_init(&m, &f, fold);
        if (!rc)
            rc = find_best(&m, an, body, len, &f, max_bytes, &m0, &m1, &found);
    }
    if (rc)
        goto done;
    size_t ws, we;
    if (found) {
        ws = place_start(b, len, m0, m1, max_bytes);
    } else {
        for (ws = 0; ws < len && space_at(b, len, ws);)
            ws += nsi_utf8_decode(b + ws, len - ws, &(int32_t){0});
        m1 = ws;
    }
    we = place_end(b, len, ws, m1, max_bytes);
    if (found) {
        sl.q = &f;
        sl.words = m.words;
        m.emit = spans_hit;
        m.ctx = &sl;
        rc = matcher_run(&m, an, body, ws, we);
    }
    if (!rc)
        rc = render(b, ws, we, sl.v, sl.n, out);
    if (!rc) {
        out->cut_before = has_text_before(b, ws);
        out->cut_after = has_text_after(b, len, we);
    }
done:
    free(sl.v);
    matcher_free(&m);
    if (fold)
        nsi_analyzer_free(fold);
    qflat_free(&f);
    if (rc)
        nsi_snip_free(out);
    return rc;
}

/* Text and Markdown files keep their title line in the body, so the best
 * window is often the title again, which the hit already shows. Returns
 * where the body goes on after a first line that is the title (Markdown
 * heading marks and blanks around it allowed, blank runs matching one
 * space, as nindex built the title); 0 when it does not start so, or when
 * nothing would be left. */
size_t nsi_snippet_skip_title(const char *body, size_t len, const char *title, size_t tlen)
{
    const unsigned char *b = (const unsigned char *)body, *t = (const unsigned char *)title;
    if (!tlen || !len)
        return 0;
    size_t i = 0, k = 0;
    while (i < len && (space_at(b, len, i) || b[i] == '#'))
        i++;
    while (i < len && k < tlen) {
        if (t[k] == ' ') {
            if (!space_at(b, len, i) || is_newline_cp(cp_at(b, len, i)))
                return 0;
            while (i < len && space_at(b, len, i) && !is_newline_cp(cp_at(b, len, i)))
                i++;
            k++;
        } else if (b[i] == t[k]) {
            i++, k++;
        } else {
            return 0;
        }
    }
    if (k < tlen)
        return 0;
    while (i < len && (b[i] == ' ' || b[i] == '\t' || b[i] == '#' || b[i] == '\r'))
        i++;
    if (i < len && b[i] != '\n')
        return 0;
    return has_text_after(b, len, i) ? i : 0;
}

void nsi_snip_free(nsi_snip *s)
{
    if (!s)
        return;
    free(s->text);
    free(s->spans);
    memset(s, 0, sizeof *s);
}
