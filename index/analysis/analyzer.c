/* analyzer.c — the analysis chain: tokenize, fold, stem (rules in analyzer.h).
 *
 * Per token the flow is
 *     scan (joining rules) -> fold (lowercase NFKC, accents kept)
 *         -> stem (Snowball, through a cache) -> strip U+0300..U+036F
 * The stemmer must see accents (French, Spanish...), hence stripping last.
 *
 * Speed: ASCII letters and digits are classified with one table and
 * lowercased into a fixed buffer without any utf8proc call; a token switches
 * to a code point buffer at its first non-ASCII character. One cache maps a
 * folded token to its final term, so the stemmer and the second Unicode pass
 * run once per distinct word rather than once per occurrence; the same cache
 * maps the input bytes of a non-ASCII token to its term, so folding too runs
 * once per distinct spelling. Nothing is allocated per token.
 *
 * Bounds: a token stops being collected once it is known to be longer than
 * NS_MAX_TERM_BYTES but is still scanned to its end, so a 1 MB "word" costs
 * one linear pass and no memory. Lookahead for the joining rules is bounded
 * (three digits after a comma, one letter and up to 8 marks for acronyms).
 *
 * The length limit applies to the folded token before stemming (accents
 * kept), so whether a token is skipped does not depend on the language or
 * on NSI_AN_NOSTEM; a stem that still comes out too long is skipped too.
 *
 * Not thread-safe (the stemmer, buffers and cache are per analyzer), and the
 * token callback must not call back into the same analyzer.
 */
#include "analysis/analyzer.h"

#include <libstemmer.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/fold.h"
#include "analysis/script.h"
#include "nsearch.h"

/* ------------------------------------------------------------ languages */

/* ISO 639-1/-2 codes libstemmer also accepts, mapped to the algorithm name
 * (libstemmer's own alias table, which it does not expose). */
static const char *const iso_codes[][2] = {
    {"ar", "arabic"},     {"ara", "arabic"},     {"hy", "armenian"},   {"hye", "armenian"},
    {"arm", "armenian"},  {"eu", "basque"},      {"eus", "basque"},    {"baq", "basque"},
    {"ca", "catalan"},    {"cat", "catalan"},    {"da", "danish"},     {"dan", "danish"},
    {"nl", "dutch"},      {"dut", "dutch"},      {"nld", "dutch"},     {"en", "english"},
    {"eng", "english"},   {"fi", "finnish"},     {"fin", "finnish"},   {"fr", "french"},
    {"fre", "french"},    {"fra", "french"},     {"de", "german"},     {"ger", "german"},
    {"deu", "german"},    {"el", "greek"},       {"gre", "greek"},     {"ell", "greek"},
    {"hi", "hindi"},      {"hin", "hindi"},      {"hu", "hungarian"},  {"hun", "hungarian"},
    {"id", "indonesian"}, {"ind", "indonesian"}, {"ga", "irish"},      {"gle", "irish"},
    {"it", "italian"},    {"ita", "italian"},    {"lt", "lithuanian"}, {"lit", "lithuanian"},
    {"ne", "nepali"},     {"nep", "nepali"},     {"no", "norwegian"},  {"nor", "norwegian"},
    {"pt", "portuguese"}, {"por", "portuguese"}, {"ro", "romanian"},   {"rum", "romanian"},
    {"ron", "romanian"},  {"ru", "russian"},     {"rus", "russian"},   {"sr", "serbian"},
    {"srp", "serbian"},   {"es", "spanish"},     {"esl", "spanish"},   {"spa", "spanish"},
    {"sv", "swedish"},    {"swe", "swedish"},    {"ta", "tamil"},      {"tam", "tamil"},
    {"tr", "turkish"},    {"tur", "turkish"},    {"yi", "yiddish"},    {"yid", "yiddish"},
};

/* The algorithm name as libstemmer lists it (static storage), or NULL. */
static const char *stemmer_listed(const char *name)
{
    for (const char **l = sb_stemmer_list(); *l; l++)
        if (strcmp(*l, name) == 0)
            return *l;
    return NULL;
}

const char *nsi_language_canonical(const char *language)
{
    char low[32];
    size_t n;
    if (!language)
        return "english";
    for (n = 0; language[n]; n++) {
        char c = language[n];
        if (n + 1 == sizeof low)
            return NULL;
        low[n] = (char)(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    }
    low[n] = '\0';
    if (strcmp(low, "none") == 0)
        return "none";
    const char *name = stemmer_listed(low);
    if (name)
        return name;
    for (size_t i = 0; i < sizeof iso_codes / sizeof iso_codes[0]; i++)
        if (strcmp(iso_codes[i][0], low) == 0)
            return stemmer_listed(iso_codes[i][1]);
    return NULL;
}

#define MAX_LANGUAGES 64
static const char *language_list[MAX_LANGUAGES + 2];
static pthread_once_t language_once = PTHREAD_ONCE_INIT;

static void language_list_init(void)
{
    size_t n = 0;
    for (const char **l = sb_stemmer_list(); *l && n < MAX_LANGUAGES; l++)
        language_list[n++] = *l;
    language_list[n++] = "none";
    language_list[n] = NULL;
}

const char *const *nsi_language_list(void)
{
    pthread_once(&language_once, language_list_init);
    return language_list;
}

/* ------------------------------------------------------------ stem cache */

/* Open addressing, linear probing. A slot holds the hash and 1 + the offset
 * of its entry in the arena (0 = empty); an entry is klen, vlen, its ordinal
 * (u16: at most 64k entries), key, value. The ordinal and the cache's epoch
 * (a process-wide counter, taken anew at every clear) name the entry for
 * nsi_token.key.
 * When the table is at its entry cap or the arena at its byte cap, the cache
 * is simply cleared: cheap, and a working vocabulary refills it quickly. */
#define CACHE_MIN_SLOTS 1024u
#define CACHE_MAX_SLOTS (1u << 17) /* at most 64k entries (half full) */
#define CACHE_MAX_ARENA (4u << 20)

typedef struct cache_slot {
    uint32_t hash;
    uint32_t off;
} cache_slot;

typedef struct stem_cache {
    cache_slot *slots;
    uint32_t mask;
    uint32_t count;
    uint64_t epoch;
    uint8_t *arena;
    size_t len, cap;
} stem_cache;

#define ENTRY_HEAD 4 /* klen, vlen, ordinal (u16 little-endian) */

static uint64_t next_epoch(void)
{
    static _Atomic uint64_t epochs;
    return ++epochs;
}

static uint32_t hash_bytes(const uint8_t *p, size_t n)
{
    uint32_t h = 2166136261u; /* FNV-1a */
    for (size_t i = 0; i < n; i++)
        h = (h ^ p[i]) * 16777619u;
    return h;
}

static void cache_free(stem_cache *c)
{
    free(c->slots);
    free(c->arena);
    memset(c, 0, sizeof *c);
}

static void cache_clear(stem_cache *c)
{
    memset(c->slots, 0, ((size_t)c->mask + 1) * sizeof *c->slots);
    c->count = 0;
    c->len = 0;
    c->epoch = next_epoch();
}

/* Returns the cached term for key (pointer into the arena), or NULL; *ord
 * receives 1 + the entry's ordinal. */
static const uint8_t *cache_get(const stem_cache *c, const uint8_t *key, size_t klen, uint32_t h,
                                size_t *vlen, uint32_t *ord)
{
    if (!c->slots)
        return NULL;
    for (uint32_t i = h & c->mask;; i = (i + 1) & c->mask) {
        const cache_slot *s = &c->slots[i];
        if (!s->off)
            return NULL;
        const uint8_t *e = c->arena + s->off - 1;
        if (s->hash == h && e[0] == klen && memcmp(e + ENTRY_HEAD, key, klen) == 0) {
            *vlen = e[1];
            *ord = 1 + (uint32_t)(e[2] | e[3] << 8);
            return e + ENTRY_HEAD + klen;
        }
    }
}

static void cache_place(stem_cache *c, uint32_t h, uint32_t off)
{
    uint32_t i = h & c->mask;
    while (c->slots[i].off)
        i = (i + 1) & c->mask;
    c->slots[i].hash = h;
    c->slots[i].off = off;
}

static int cache_grow_slots(stem_cache *c)
{
    uint32_t nslots = c->slots ? (c->mask + 1) * 2 : CACHE_MIN_SLOTS;
    cache_slot *old = c->slots;
    uint32_t oldn = c->slots ? c->mask + 1 : 0;
    c->slots = calloc(nslots, sizeof *c->slots);
    if (!c->slots) {
        c->slots = old;
        return NS_ENOMEM;
    }
    c->mask = nslots - 1;
    for (uint32_t i = 0; i < oldn; i++)
        if (old[i].off)
            cache_place(c, old[i].hash, old[i].off);
    free(old);
    return NS_OK;
}

static int cache_grow_arena(stem_cache *c, size_t need)
{
    size_t cap = c->cap ? c->cap : 16384;
    while (cap < need)
        cap *= 2;
    uint8_t *p = realloc(c->arena, cap);
    if (!p)
        return NS_ENOMEM;
    c->arena = p;
    c->cap = cap;
    return NS_OK;
}

/* Adds key -> val (both at most 255 bytes). Keeps the table at most half
 * full, clearing it when the caps are reached. *ord receives 1 + the new
 * entry's ordinal. */
static int cache_put(stem_cache *c, const uint8_t *key, size_t klen, uint32_t h, const uint8_t *val,
                     size_t vlen, uint32_t *ord)
{
    size_t need = ENTRY_HEAD + klen + vlen;
    int rc;
    if (!c->slots || c->count + 1 > (c->mask + 1) / 2) {
        if (c->slots && c->mask + 1 >= CACHE_MAX_SLOTS)
            cache_clear(c);
        else if ((rc = cache_grow_slots(c)) != NS_OK)
            return rc;
    }
    if (c->len + need > c->cap) {
        if (c->len + need > CACHE_MAX_ARENA)
            cache_clear(c);
        if (c->len + need > c->cap && (rc = cache_grow_arena(c, c->len + need)) != NS_OK)
            return rc;
    }
    uint8_t *e = c->arena + c->len;
    e[0] = (uint8_t)klen;
    e[1] = (uint8_t)vlen;
    e[2] = (uint8_t)(c->count & 0xFF); /* count < 64k: the slots' cap */
    e[3] = (uint8_t)(c->count >> 8);
    memcpy(e + ENTRY_HEAD, key, klen);
    memcpy(e + ENTRY_HEAD + klen, val, vlen);
    cache_place(c, h, (uint32_t)c->len + 1);
    c->len += need;
    *ord = ++c->count;
    return NS_OK;
}

/* ------------------------------------------------------------ analyzer */

struct nsi_analyzer {
    const char *language;       /* canonical name, static */
    struct sb_stemmer *stemmer; /* NULL for "none" */
    /* The token being scanned: lowercased ASCII bytes until its first
     * non-ASCII code point, then code points, folded only on a cache miss. */
    uint8_t ascii[NS_MAX_TERM_BYTES];
    size_t ascii_len;
    int32_t raw[NSI_FOLD_MAX_CPS];
    size_t raw_len;
    int unicode;
    int too_long;
    nsi_fold fold;
    nsi_fold strip;                  /* scratch for nsi_strip_diacritics */
    uint8_t key[256];                /* span cache key (length fits a byte) */
    uint8_t term[NS_MAX_TERM_BYTES]; /* a term copied out of the cache */
    stem_cache cache;
    uint32_t ord;        /* the current term's cache entry (nsi_token.key) */
    nsi_dict_words dict; /* words of the last Thai/Lao/Khmer/Myanmar run */
    int runs;            /* NSI_AN_RUNS: this call does not split (script.h) */
};

int nsi_analyzer_new(nsi_analyzer **out, const char *language)
{
    *out = NULL;
    const char *name = nsi_language_canonical(language);
    if (!name)
        return NS_EINVAL;
    nsi_analyzer *a = calloc(1, sizeof *a);
    if (!a)
        return NS_ENOMEM;
    a->language = name;
    a->cache.epoch = next_epoch();
    if (strcmp(name, "none") != 0) {
        /* The name is known to libstemmer, so NULL here means no memory. */
        a->stemmer = sb_stemmer_new(name, NULL);
        if (!a->stemmer) {
            free(a);
            return NS_ENOMEM;
        }
    }
    *out = a;
    return NS_OK;
}

void nsi_analyzer_free(nsi_analyzer *a)
{
    if (!a)
        return;
    sb_stemmer_delete(a->stemmer);
    cache_free(&a->cache);
    nsi_dict_words_free(&a->dict);
    free(a);
}

const char *nsi_analyzer_language(const nsi_analyzer *a) { return a->language; }

/* ------------------------------------------------------------ scanning */

/* Class of each ASCII byte. */
#define S NSI_CC_SEP
#define L NSI_CC_LETTER
#define D NSI_CC_DIGIT
/* clang-format off */
static const uint8_t ascii_class[128] = {
    S, S, S, S, S, S, S, S, S, S, S, S, S, S, S, S, /* 0x00 */
    S, S, S, S, S, S, S, S, S, S, S, S, S, S, S, S, /* 0x10 */
    S, S, S, S, S, S, S, NSI_CC_APOS,               /* 0x20  !"#$%&' */
    S, S, S, S, NSI_CC_COMMA, S, NSI_CC_PERIOD, S,  /* 0x28 ()*+,-./ */
    D, D, D, D, D, D, D, D, D, D, S, S, S, S, S, S, /* 0x30 0-9 */
    S, L, L, L, L, L, L, L, L, L, L, L, L, L, L, L, /* 0x40 @A-O */
    L, L, L, L, L, L, L, L, L, L, L, S, S, S, S, S, /* 0x50 P-Z */
    S, L, L, L, L, L, L, L, L, L, L, L, L, L, L, L, /* 0x60 `a-o */
    L, L, L, L, L, L, L, L, L, L, L, S, S, S, S, S, /* 0x70 p-z */
};
/* clang-format on */
#undef S
#undef L
#undef D

static int is_word(int k) { return k == NSI_CC_LETTER || k == NSI_CC_MARK || k == NSI_CC_DIGIT; }

/* Class of the code point at s[i] (NSI_CC_END past the end); *cp and *n
 * receive it and its byte length. */
static inline int peek(const uint8_t *s, size_t len, size_t i, int32_t *cp, size_t *n)
{
    if (i >= len) {
        *cp = -1;
        *n = 0;
        return NSI_CC_END;
    }
    if (s[i] < 0x80) {
        *cp = s[i];
        *n = 1;
        return ascii_class[s[i]];
    }
    *n = nsi_utf8_decode(s + i, len - i, cp);
    return *cp < 0 ? NSI_CC_INVALID : nsi_char_class(*cp);
}

static int peek_class(const uint8_t *s, size_t len, size_t i)
{
    int32_t cp;
    size_t n;
    return peek(s, len, i, &cp, &n);
}

static void tok_reset(nsi_analyzer *a)
{
    a->ascii_len = 0;
    a->unicode = 0;
    a->too_long = 0;
}

/* Adds a code point of the token (ASCII lowercased). Past the length limit
 * nothing more is stored: the token will be skipped anyway. Folding a letter,
 * mark or digit never yields fewer code points, so more than NSI_FOLD_MAX_CPS
 * here means too long after folding as well. */
static void tok_put(nsi_analyzer *a, int32_t cp)
{
    if (a->too_long)
        return;
    if (cp < 0x80 && cp >= 'A' && cp <= 'Z')
        cp |= 0x20;
    if (!a->unicode) {
        if (cp < 0x80) {
            if (a->ascii_len == sizeof a->ascii)
                a->too_long = 1;
            else
                a->ascii[a->ascii_len++] = (uint8_t)cp;
            return;
        }
        a->unicode = 1;
        for (size_t i = 0; i < a->ascii_len; i++)
            a->raw[i] = a->ascii[i];
        a->raw_len = a->ascii_len;
    }
    if (a->raw_len == NSI_FOLD_MAX_CPS)
        a->too_long = 1;
    else
        a->raw[a->raw_len++] = cp;
}

/* End of a "single letter" at i: one letter and at most 8 marks not followed
 * by another word character. 0 when there is none. */
static size_t single_letter(const uint8_t *s, size_t len, size_t i)
{
    int32_t cp;
    size_t n;
    if (peek(s, len, i, &cp, &n) != NSI_CC_LETTER)
        return 0;
    i += n;
    for (int marks = 0;; marks++) {
        int k = peek(s, len, i, &cp, &n);
        if (k == NSI_CC_MARK && marks < 8) {
            i += n;
            continue;
        }
        return is_word(k) ? 0 : i;
    }
}

/* Adds the code points of s[i..end) to the token. */
static void tok_put_range(nsi_analyzer *a, const uint8_t *s, size_t i, size_t end)
{
    while (i < end) {
        int32_t cp;
        size_t n;
        peek(s, end, i, &cp, &n);
        tok_put(a, cp);
        i += n;
    }
}

/* End of a final 's at i (an apostrophe, s, then no word character), or 0. */
static size_t final_s(const uint8_t *s, size_t len, size_t i)
{
    int32_t cp;
    size_t n, n2;
    if (peek(s, len, i, &cp, &n) != NSI_CC_APOS)
        return 0;
    if (peek(s, len, i + n, &cp, &n2) != NSI_CC_LETTER || (cp != 's' && cp != 'S'))
        return 0;
    return is_word(peek_class(s, len, i + n + n2)) ? 0 : i + n + n2;
}

/* "U.S." -> us: single letters separated by periods, at least two. Returns
 * the end of the acronym (its final period and a final 's included), or 0. */
static size_t scan_acronym(nsi_analyzer *a, const uint8_t *s, size_t len, size_t i)
{
    size_t e = single_letter(s, len, i);
    if (!e || e >= len || s[e] != '.' || !single_letter(s, len, e + 1))
        return 0;
    for (;;) {
        tok_put_range(a, s, i, e);
        size_t next = e < len && s[e] == '.' ? single_letter(s, len, e + 1) : 0;
        if (!next) {
            if (e < len && s[e] == '.')
                e++;
            size_t after_s = final_s(s, len, e);
            return after_s ? after_s : e;
        }
        i = e + 1;
        e = next;
    }
}

/* Whether s[i..] is exactly three digits (then no fourth). */
static int three_digits(const uint8_t *s, size_t len, size_t i)
{
    for (int k = 0; k < 3; k++) {
        int32_t cp;
        size_t n;
        if (peek(s, len, i, &cp, &n) != NSI_CC_DIGIT)
            return 0;
        i += n;
    }
    return peek_class(s, len, i) != NSI_CC_DIGIT;
}

/* The fast path: a run of ASCII letters and digits, lowercased straight into
 * the token's byte buffer. */
static size_t ascii_run(nsi_analyzer *a, const uint8_t *s, size_t len, size_t i, int *last)
{
    size_t n = a->ascii_len;
    int k = *last;
    while (i < len && s[i] < 0x80) {
        uint8_t c = s[i];
        int ck = ascii_class[c];
        if (ck != NSI_CC_LETTER && ck != NSI_CC_DIGIT)
            break;
        if (n < sizeof a->ascii)
            a->ascii[n++] = (uint8_t)(c >= 'A' && c <= 'Z' ? c | 0x20 : c);
        else
            a->too_long = 1;
        k = ck;
        i++;
    }
    a->ascii_len = n;
    *last = k;
    return i;
}

/* A token of a script written without spaces (script.h), starting at s[i]:
 * one ideograph, a run of Katakana, or a word of a Thai, Lao, Khmer or
 * Myanmar run; with the marks that follow each character. */
static size_t scan_unspaced(nsi_analyzer *a, const uint8_t *s, size_t len, size_t i,
                            enum nsi_script sc)
{
    int32_t cp;
    size_t n, start = i, end = i;
    for (;;) {
        int k = peek(s, len, end, &cp, &n);
        if (k == NSI_CC_MARK && end > start) {
            end += n;
            continue;
        }
        if (!is_word(k) || nsi_script_of(cp) != sc || (sc == NSI_SCRIPT_IDEO && end > start))
            break;
        end += n;
    }
    if (sc == NSI_SCRIPT_DICT)
        end = nsi_dict_word_end(&a->dict, s, start, end);
    tok_put_range(a, s, start, end);
    return end;
}

/* Scans the token starting at s[i] (a word character) into the analyzer's
 * token buffer, applying the joining rules. Returns its end. */
static size_t scan_token(nsi_analyzer *a, const uint8_t *s, size_t len, size_t i)
{
    int32_t cp, cp2;
    size_t n, n2;
    tok_reset(a);
    int k = peek(s, len, i, &cp, &n);
    if (cp >= 0x0E00 && k != NSI_CC_MARK && !a->runs) {
        enum nsi_script sc = nsi_script_of(cp);
        if (sc != NSI_SCRIPT_SPACED)
            return scan_unspaced(a, s, len, i, sc);
    }
    if (k == NSI_CC_LETTER) {
        size_t end = scan_acronym(a, s, len, i);
        if (end)
            return end;
    }
    int last = NSI_CC_SEP; /* LETTER or DIGIT: the base of the last character */
    for (;;) {
        if ((k == NSI_CC_LETTER || k == NSI_CC_DIGIT) && cp < 0x80 && !a->unicode) {
            i = ascii_run(a, s, len, i, &last);
            k = peek(s, len, i, &cp, &n);
            continue;
        }
        if (is_word(k)) {
            if (cp >= 0x0E00 && k != NSI_CC_MARK && !a->runs &&
                nsi_script_of(cp) != NSI_SCRIPT_SPACED)
                return i; /* "iPhone手机": a script without spaces starts a token */
            tok_put(a, cp);
            if (k != NSI_CC_MARK || last == NSI_CC_SEP)
                last = k == NSI_CC_DIGIT ? NSI_CC_DIGIT : NSI_CC_LETTER;
            i += n;
            k = peek(s, len, i, &cp, &n);
            continue;
        }
        size_t j = i + n;
        int k2 = peek(s, len, j, &cp2, &n2);
        if (k == NSI_CC_APOS && last == NSI_CC_LETTER && k2 == NSI_CC_LETTER) {
            size_t end = final_s(s, len, i);
            if (end)
                return end; /* dropped */
        } else if (k == NSI_CC_COMMA && last == NSI_CC_DIGIT && k2 == NSI_CC_DIGIT) {
            if (!three_digits(s, len, j))
                return i;
        } else if (k == NSI_CC_PERIOD && last == NSI_CC_DIGIT && k2 == NSI_CC_DIGIT) {
            tok_put(a, '.');
        } else {
            return i;
        }
        i = j;
        k = k2;
        cp = cp2;
        n = n2;
    }
}

/* ------------------------------------------------------------ terms */

/* Strips diacritics from a stem or folded token. Returns its length, or -1
 * when it comes out too long; *out points into the strip scratch. */
static long strip(nsi_analyzer *a, const uint8_t *in, size_t len, const uint8_t **out)
{
    long n = nsi_strip_diacritics(&a->strip, in, len, NS_MAX_TERM_BYTES);
    *out = (const uint8_t *)a->strip.cp;
    return n;
}

static int has_non_ascii(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] >= 0x80)
            return 1;
    return 0;
}

/* Stems and strips a folded token, through the cache (adding to it only when
 * keep is set). *term_len is -1 when the result is too long. */
static int stem_term(nsi_analyzer *a, const uint8_t *key, size_t klen, int keep,
                     const uint8_t **term, long *term_len)
{
    uint32_t h = hash_bytes(key, klen);
    size_t vlen;
    const uint8_t *v = cache_get(&a->cache, key, klen, h, &vlen, &a->ord);
    if (v) {
        *term = v;
        *term_len = (long)vlen;
        return NS_OK;
    }
    const uint8_t *st = sb_stemmer_stem(a->stemmer, key, (int)klen);
    if (!st)
        return NS_ENOMEM;
    long n = sb_stemmer_length(a->stemmer);
    if (n > NS_MAX_TERM_BYTES)
        n = -1;
    else if (has_non_ascii(st, (size_t)n))
        n = strip(a, st, (size_t)n, &st);
    *term = st;
    *term_len = n;
    if (n < 0 || !keep)
        return NS_OK; /* the cache holds only real terms */
    return cache_put(&a->cache, key, klen, h, st, (size_t)n, &a->ord);
}

/* Folds, stems and strips the scanned token: the uncached path. *len is -1
 * for a token that is too long, 0 for one that folded to nothing (a lone
 * combining accent). keep: whether the stem may be cached by folded form (not
 * needed when the caller caches the term by input span). */
static int fold_term(nsi_analyzer *a, unsigned flags, int keep, const uint8_t **term, long *len)
{
    const uint8_t *t = a->ascii;
    long n = (long)a->ascii_len;
    int diacritics = 0;
    if (a->unicode) {
        nsi_fold_reset(&a->fold);
        for (size_t i = 0; i < a->raw_len; i++) {
            if (a->raw[i] < 0x80)
                nsi_fold_put_ascii(&a->fold, (uint8_t)a->raw[i]);
            else
                nsi_fold_put(&a->fold, a->raw[i]);
        }
        n = nsi_fold_finish(&a->fold, NS_MAX_TERM_BYTES);
        if (n < 0) {
            *len = -1;
            return NS_OK;
        }
        t = (const uint8_t *)a->fold.cp;
        diacritics = a->fold.has_diacritic;
    }
    if (a->stemmer && !(flags & NSI_AN_NOSTEM) && n > 0)
        return stem_term(a, t, (size_t)n, keep, term, len);
    if (diacritics)
        n = strip(a, t, (size_t)n, &t);
    *term = t;
    *len = n;
    return NS_OK;
}

/* Turns the token scanned from span[0..span_len) into its term. A token with
 * non-ASCII characters is first looked up by its bytes in the input: its term
 * depends on nothing else (the joining rules look past the span only to
 * decide where it ends), and folding is the costly part. */
static int make_term(nsi_analyzer *a, unsigned flags, const uint8_t *span, size_t span_len,
                     const uint8_t **term, long *len)
{
    if (a->too_long) {
        *len = -1;
        return NS_OK;
    }
    if (!a->unicode || span_len >= sizeof a->key - 1)
        return fold_term(a, flags, 1, term, len);
    /* 0xFF and 0xFE never start UTF-8: span keys cannot meet folded keys. */
    a->key[0] = flags & NSI_AN_NOSTEM ? 0xFE : 0xFF;
    memcpy(a->key + 1, span, span_len);
    size_t klen = span_len + 1, vlen;
    uint32_t h = hash_bytes(a->key, klen);
    const uint8_t *v = cache_get(&a->cache, a->key, klen, h, &vlen, &a->ord);
    if (v) {
        *term = v;
        *len = (long)vlen;
        return NS_OK;
    }
    int rc = fold_term(a, flags, 0, term, len);
    if (rc != NS_OK || *len < 0)
        return rc;
    memcpy(a->term, *term, (size_t)*len); /* cache_put may move the arena */
    *term = a->term;
    a->ord = 0; /* a clear in cache_put makes a new epoch: the key must not be older */
    return cache_put(&a->cache, a->key, klen, h, a->term, (size_t)*len, &a->ord);
}

int nsi_analyze(nsi_analyzer *a, const char *text, size_t len, uint32_t first_pos, unsigned flags,
                nsi_token_cb cb, void *ctx, nsi_analyze_stats *stats)
{
    const uint8_t *s = (const uint8_t *)text;
    nsi_analyze_stats st = {0, 0, 0};
    nsi_dict_words_reset(&a->dict);
    a->runs = (flags & NSI_AN_RUNS) != 0;
    uint32_t pos = first_pos;
    size_t i = 0;
    int rc = NS_OK;
    while (i < len) {
        int32_t cp;
        size_t n;
        int k = peek(s, len, i, &cp, &n);
        if (!is_word(k)) {
            st.invalid_utf8 += k == NSI_CC_INVALID;
            i += n;
            continue;
        }
        size_t start = i;
        i = scan_token(a, s, len, i);
        const uint8_t *term;
        long tlen;
        a->ord = 0;
        if ((rc = make_term(a, flags, s + start, i - start, &term, &tlen)) != NS_OK)
            break;
        if (tlen < 0) {
            st.long_skipped++;
        } else if (tlen > 0) {
            nsi_token tok = {(const char *)term, (size_t)tlen, pos, start, i, a->ord,
                             a->cache.epoch};
            st.tokens++;
            if ((rc = cb(ctx, &tok)) != 0)
                break;
        }
        pos++;
    }
    if (stats) {
        stats->tokens += st.tokens;
        stats->long_skipped += st.long_skipped;
        stats->invalid_utf8 += st.invalid_utf8;
    }
    return rc;
}

int nsi_analyze_scan(nsi_analyzer *a, const char *text, size_t len, uint32_t first_pos,
                     nsi_token_cb cb, void *ctx)
{
    /* The same loop as nsi_analyze without make_term: positions depend only
     * on where scan_token ends tokens, never on their terms. The common
     * token, ASCII letters and digits up to a plain separator (not one of
     * the joiners ' , .) or the end, is ended here without scan_token:
     * there no joining rule or acronym can apply, so scan_token would end
     * it at the same place. */
    const uint8_t *s = (const uint8_t *)text;
    uint32_t pos = first_pos;
    size_t i = 0;
    nsi_dict_words_reset(&a->dict);
    a->runs = 0;
    while (i < len) {
        int32_t cp;
        size_t n;
        if (s[i] < 0x80 && ascii_class[s[i]] == NSI_CC_SEP) {
            i++;
            continue;
        }
        if (!is_word(peek(s, len, i, &cp, &n))) {
            i += n;
            continue;
        }
        size_t start = i, j = i;
        while (j < len && s[j] < 0x80 &&
               (ascii_class[s[j]] == NSI_CC_LETTER || ascii_class[s[j]] == NSI_CC_DIGIT))
            j++;
        if (j > start && (j == len || (s[j] < 0x80 && ascii_class[s[j]] == NSI_CC_SEP)))
            i = j;
        else
            i = scan_token(a, s, len, start);
        nsi_token tok = {NULL, 0, pos++, start, i, 0, 0};
        int rc = cb(ctx, &tok);
        if (rc)
            return rc;
    }
    return NS_OK;
}

/* ------------------------------------------------------------ public */

typedef struct public_ctx {
    ns_token_fn fn;
    void *ctx;
    int stopped;
} public_ctx;

static int public_token(void *ctx, const nsi_token *tok)
{
    public_ctx *p = ctx;
    if (p->fn(p->ctx, tok->term, tok->term_len, tok->pos, tok->start, tok->end)) {
        p->stopped = 1;
        return 1;
    }
    return 0;
}

int nsi_analyze_text(const char *language, const char *text, size_t len, ns_token_fn fn, void *ctx)
{
    nsi_analyzer *a;
    int rc = nsi_analyzer_new(&a, language);
    if (rc)
        return rc;
    public_ctx p = {fn, ctx, 0};
    rc = nsi_analyze(a, text, len, 0, 0, public_token, &p, NULL);
    nsi_analyzer_free(a);
    return p.stopped ? NS_OK : rc;
}
