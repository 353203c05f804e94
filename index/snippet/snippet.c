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
 * Pass 1 finds the matching tokens of the whole body: from the index when
 * the caller gives the document's positions (snippet_pos.c: no analysis, a
 * tokenize-only walk maps positions to bytes), else by streaming the body
 * through the analyzer once, keeping no per-token state beyond one window.
 * A token that could matter enters a short ring, as long as the longest
 * phrase, so that a phrase match, known only at its last token, can
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
 * Pass 2 re-analyses only the chosen bytes to find every highlight in them
 * (or, when pass 1 came from positions and the window starts and ends at
 * whitespace, takes the pass-1 hits inside it: the same tokens);
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
#include "snippet/snippet_match.h"

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
    if (!nsi_snip_hit_counts(l->q, h, l->words))
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

/* Pass 2 without analysis: when the window starts and ends at whitespace,
 * its tokens are whole tokens of the body, so its matches are the pass-1
 * hits inside it, with phrase flags marked again over just those (as the
 * matcher would see them). */
static int spans_from_hits(const q_flat *q, const m_hit *hits, size_t nhits, size_t ws, size_t we,
                           span_list *sl)
{
    size_t a = 0, z;
    while (a < nhits && hits[a].start < ws)
        a++;
    for (z = a; z < nhits && hits[z].end <= we;)
        z++;
    m_hit *w = z > a ? malloc((z - a) * sizeof *w) : NULL;
    if (z > a && !w)
        return NS_ENOMEM;
    for (size_t i = a; i < z; i++) {
        w[i - a] = hits[i];
        w[i - a].flags = 0;
    }
    nsi_snip_pos_mark(q, w, z - a);
    sl->q = q;
    sl->words = 0;
    int rc = NS_OK;
    for (size_t i = 0; i < z - a && !rc; i++)
        rc = spans_hit(sl, &w[i]);
    free(w);
    return rc;
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

/* Finds the best window with pass 1, over the given hits or else by running
 * the matcher; *found is 0 when nothing matched. */
static int find_best(matcher *m, nsi_analyzer *an, const char *body, size_t len, const q_flat *f,
                     const m_hit *hits, size_t nhits, size_t max_bytes, size_t *m0, size_t *m1,
                     int *found)
{
    slider s = {0};
    int rc = slider_init(&s, f, m->words, max_bytes);
    if (!rc && hits) {
        for (size_t i = 0; i < nhits && !rc; i++)
            rc = slider_hit(&s, &hits[i]);
    } else if (!rc) {
        m->emit = slider_hit;
        m->ctx = &s;
        rc = nsi_snip_matcher_run(m, an, body, 0, len);
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
    return nsi_snippet_build_hit(an, body, len, 0, q, max_bytes, NULL, NULL, out);
}

int nsi_snippet_build_until(nsi_analyzer *an, const char *body, size_t len, const nsq_node *q,
                            size_t max_bytes, nsi_deadline *dl, nsi_snip *out)
{
    return nsi_snippet_build_hit(an, body, len, 0, q, max_bytes, NULL, dl, out);
}

int nsi_snippet_build_hit(nsi_analyzer *an, const char *whole, size_t whole_len, size_t from,
                          const nsq_node *q, size_t max_bytes, const nsi_snip_positions *pos,
                          nsi_deadline *dl, nsi_snip *out)
{
    memset(out, 0, sizeof *out);
    if ((!whole && whole_len) || from > whole_len)
        return NS_EINVAL;
    if (!whole)
        whole = "";
    if (!max_bytes)
        max_bytes = SNIP_DEFAULT_BYTES;
    const char *body = whole + from;
    size_t len = whole_len - from;
    const unsigned char *b = (const unsigned char *)body;
    q_flat f = {0};
    matcher m = {0};
    span_list sl = {0};
    nsi_analyzer *fold = NULL;
    m_hit *hits = NULL;
    size_t nhits = 0, m0 = 0, m1 = 0;
    int found = 0, have_hits = 0;
    int rc = nsi_snip_qflat_build(&f, q);
    if (!rc && f.nterms + f.npre > 0 && len > 0) {
        if (!an)
            rc = NS_EINVAL;
        if (!rc && f.npre)
            rc = nsi_analyzer_new(&fold, "none");
        m.deadline = dl;
        if (!rc)
            rc = nsi_snip_matcher_init(&m, &f, fold);
        if (!rc && pos && !f.npre)
            rc = nsi_snip_pos_hits(&f, an, whole, whole_len, from, pos, &hits, &nhits, &have_hits);
        if (!rc)
            rc = find_best(&m, an, body, len, &f, have_hits ? hits : NULL, nhits, max_bytes, &m0,
                           &m1, &found);
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
    if (found && have_hits && (ws == 0 || space_before(b, ws)) &&
        (we == len || space_at(b, len, we))) {
        rc = spans_from_hits(&f, hits, nhits, ws, we, &sl);
    } else if (found) {
        sl.q = &f;
        sl.words = m.words;
        m.emit = spans_hit;
        m.ctx = &sl;
        rc = nsi_snip_matcher_run(&m, an, body, ws, we);
    }
    if (!rc)
        rc = render(b, ws, we, sl.v, sl.n, out);
    if (!rc) {
        out->cut_before = has_text_before(b, ws);
        out->cut_after = has_text_after(b, len, we);
    }
done:
    free(hits);
    free(sl.v);
    nsi_snip_matcher_free(&m);
    if (fold)
        nsi_analyzer_free(fold);
    nsi_snip_qflat_free(&f);
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
