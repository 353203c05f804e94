/* test_analyzer.c — the analysis chain as a specification (analyzer.h).
 *
 * Most cases are tables: an input and the exact tokens it must give, written
 * as "term@position[start,end)" or as the bare terms.
 */
#include <libstemmer.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "analysis/analyzer.h"
#include "analysis/fold.h"
#include "nsearch.h"
#include "nstest.h"

/* ------------------------------------------------------------ helpers */

typedef struct render {
    char out[4096];
    size_t len;
    int full; /* term@pos[start,end) rather than bare terms */
} render;

static int render_token(void *ctx, const nsi_token *t)
{
    render *r = ctx;
    char item[256];
    int n;
    if (r->full)
        n = snprintf(item, sizeof item, "%s%.*s@%u[%zu,%zu)", r->len ? " " : "", (int)t->term_len,
                     t->term, t->pos, t->start, t->end);
    else
        n = snprintf(item, sizeof item, "%s%.*s", r->len ? " " : "", (int)t->term_len, t->term);
    if (n > 0 && r->len + (size_t)n < sizeof r->out) {
        memcpy(r->out + r->len, item, (size_t)n + 1);
        r->len += (size_t)n;
    }
    return 0;
}

/* Analyses text[0..len) and returns the rendered tokens (static buffer). */
static const char *analyze_n(const char *lang, unsigned flags, int full, const char *text,
                             size_t len, nsi_analyze_stats *stats)
{
    static render r;
    nsi_analyzer *a = NULL;
    r.len = 0;
    r.out[0] = '\0';
    r.full = full;
    int rc = nsi_analyzer_new(&a, lang);
    CHECK_EQ_INT(rc, NS_OK);
    if (rc)
        return "(no analyzer)";
    rc = nsi_analyze(a, text, len, 0, flags, render_token, &r, stats);
    CHECK_EQ_INT(rc, NS_OK);
    nsi_analyzer_free(a);
    return r.out;
}

static const char *terms(const char *lang, const char *text)
{
    return analyze_n(lang, 0, 0, text, strlen(text), NULL);
}

static const char *tokens(const char *lang, const char *text)
{
    return analyze_n(lang, 0, 1, text, strlen(text), NULL);
}

typedef struct tcase {
    const char *lang;
    const char *in;
    const char *want;
} tcase;

static void run_cases(const tcase *c, size_t n, int full)
{
    for (size_t i = 0; i < n; i++) {
        const char *got = analyze_n(c[i].lang, 0, full, c[i].in, strlen(c[i].in), NULL);
        if (strcmp(got, c[i].want) != 0)
            fprintf(stderr, "  input \"%s\" (%s): got \"%s\", want \"%s\"\n", c[i].in,
                    c[i].lang ? c[i].lang : "NULL", got, c[i].want);
        CHECK_EQ_STR(got, c[i].want);
    }
}

#define RUN_CASES(table, full) run_cases(table, sizeof table / sizeof table[0], full)

/* ------------------------------------------------------------ rules */

/* The examples of analyzer.h, with positions and byte offsets. */
static void test_header_examples(void)
{
    static const tcase cases[] = {
        {"english", "don't", "dont@0[0,5)"},
        {"english", "Russia's", "russia@0[0,8)"},
        {"english", "Russia\xe2\x80\x99s", "russia@0[0,10)"},
        {"english", "21,000", "21000@0[0,6)"},
        {"english", "5.93", "5.93@0[0,4)"},
        {"english", "U.S.", "us@0[0,4)"},
        {"english", "U.S.A.", "usa@0[0,6)"},
        {"english", "vis-a-vis", "vis@0[0,3) a@1[4,5) vis@2[6,9)"},
        {"english", "D\xc3\xa9tente", "detent@0[0,8)"},
        {"english", "the U.S. economy", "the@0[0,3) us@1[4,8) economi@2[9,16)"},
        {"english", "  Russia's 21,000 troops.", "russia@0[2,10) 21000@1[11,17) troop@2[18,24)"},
    };
    RUN_CASES(cases, 1);
}

static void test_joining_rules(void)
{
    static const tcase cases[] = {
        /* apostrophes */
        {"none", "rock'n'roll", "rocknroll"},
        {"none", "O'Neil it's he\xe2\x80\x99s", "oneil it he"},
        {"none", "'tis dogs' cats''", "tis dogs cats"},
        {"none", "80's", "80 s"},              /* not between letters */
        {"none", "Russia'sfoo", "russiasfoo"}, /* not a final 's */
        {"none", "a ' b", "a b"},
        /* commas */
        {"none", "1,000,000", "1000000"},
        {"none", "3,14 1,0000 1,00", "3 14 1 0000 1 00"},
        {"none", "21,000.50", "21000.50"},
        {"none", "a,000 1, 000 1,", "a 000 1 000 1"},
        /* periods */
        {"none", "v1.2.3 1. .5", "v1.2.3 1 5"},
        {"none", "end.Next", "end next"},
        /* acronyms */
        {"none", "e.g. i.e.the", "eg ie the"},
        {"none", "U.S.Steel", "us steel"},
        {"none", "U.S", "us"},
        {"none", "A. Smith", "a smith"},
        {"none", "I.B.M.'s U.S's U.S.\xe2\x80\x99S", "ibm us us"},
        {"none", "U.S.'x", "us x"},
        {"none", "\xd0\xa1.\xd0\xa8.\xd0\x90.", "\xd1\x81\xd1\x88\xd0\xb0"}, /* С.Ш.А. */
        {"none", "abc.d.e", "abc de"},
        /* everything else separates */
        {"none", "snake_case semi;colon a/b a+b x--y", "snake case semi colon a b a b x y"},
        {"none", "e-mail\342\200\224dash", "e mail dash"},
        {"none", "", ""},
        {"none", " .,'-- ", ""},
    };
    RUN_CASES(cases, 0);
}

static void test_offsets(void)
{
    static const tcase cases[] = {
        {"none", "I.B.M. rock'n'roll", "ibm@0[0,6) rocknroll@1[7,18)"},
        {"none", "I.B.M.'s Russia's", "ibm@0[0,8) russia@1[9,17)"},
        {"none", "x 1,000.5,", "x@0[0,1) 1000.5@1[2,9)"},
        {"none", "\xc3\x89t\xc3\xa9 caf\xc3\xa9s", "ete@0[0,5) cafes@1[6,12)"},
        {"none", "-a-", "a@0[1,2)"},
    };
    RUN_CASES(cases, 1);
}

/* Stop words are indexed: queries decide what to do with them. */
static void test_stop_words_kept(void)
{
    CHECK_EQ_STR(tokens("english", "to be or not to be"),
                 "to@0[0,2) be@1[3,5) or@2[6,8) not@3[9,12) to@4[13,15) be@5[16,18)");
}

/* ------------------------------------------------------------ folding */

/* Pairs that must analyse to the same terms. */
static void test_equivalent_inputs(void)
{
    static const char *const pairs[][2] = {
        {"D\xc3\xa9tente", "detente"},
        {"DE\xcc\x81TENTE", "d\xc3\xa9tente"}, /* decomposed = composed */
        {"Stra\303\237e", "STRASSE"},
        {"\xef\xac\x81nance", "finance"},                             /* ligature fi */
        {"\xef\xbc\xa6\xef\xbd\x95\xef\xbd\x8c\xef\xbd\x8c", "full"}, /* fullwidth */
        {"21,000", "21000"},
        {"\xce\xa3\xce\x9f\xce\xa6\xce\x9f\xce\xa3", "\xcf\x83\xce\xbf\xcf\x86\xce\xbf\xcf\x82"},
        {"\xd0\x9c\xd0\x9e\xd0\xa1\xd0\x9a\xd0\x92\xd0\x90",
         "\xd0\xbc\xd0\xbe\xd1\x81\xd0\xba\xd0\xb2\xd0\xb0"},
        {"\xc4\xb0stanbul", "istanbul"},                          /* dotted capital I */
        {"\xed\x95\x9c", "\xe1\x84\x92\xe1\x85\xa1\xe1\x86\xab"}, /* Hangul: syllable = jamo */
        /* Thai: marks of different classes in either order (canonical ordering) */
        {"\xe0\xb8\x81\xe0\xb9\x88\xe0\xb8\xb8", "\xe0\xb8\x81\xe0\xb8\xb8\xe0\xb9\x88"},
        {"\xe2\x85\xa2", "iii"}, /* roman numeral three */
    };
    for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++) {
        char a[256];
        snprintf(a, sizeof a, "%s", terms("english", pairs[i][0]));
        const char *b = terms("english", pairs[i][1]);
        if (strcmp(a, b) != 0 || !*a)
            fprintf(stderr, "  pair %zu: \"%s\" vs \"%s\"\n", i, a, b);
        CHECK(*a != '\0');
        CHECK_EQ_STR(a, b);
    }
    CHECK_EQ_STR(terms("english", "Stra\303\237e"), "strass");
    CHECK_EQ_STR(terms("english", "\xef\xac\x81nance"), "financ");
}

static void test_scripts(void)
{
    static const tcase cases[] = {
        /* Greek: case folded (final sigma too), tonos removed */
        {"none",
         "\xce\x95\xce\xbb\xce\xbb\xce\xb7\xce\xbd\xce\xb9\xce\xba\xce\xac "
         "\xce\xa3\xce\x9f\xce\xa6\xce\x9f\xce\xa3",
         "\xce\xb5\xce\xbb\xce\xbb\xce\xb7\xce\xbd\xce\xb9\xce\xba\xce\xb1 "
         "\xcf\x83\xce\xbf\xcf\x86\xce\xbf\xcf\x83"},
        /* Cyrillic: Ёлка -> елка */
        {"none", "\xd0\x81\xd0\xbb\xd0\xba\xd0\xb0", "\xd0\xb5\xd0\xbb\xd0\xba\xd0\xb0"},
        /* Devanagari: वर्ल्ड keeps its vowel signs and viramas */
        {"english", "\xe0\xa4\xb5\xe0\xa4\xb0\xe0\xa5\x8d\xe0\xa4\xb2\xe0\xa5\x8d\xe0\xa4\xa1",
         "\xe0\xa4\xb5\xe0\xa4\xb0\xe0\xa5\x8d\xe0\xa4\xb2\xe0\xa5\x8d\xe0\xa4\xa1"},
        /* Han ideographs: one token each (script.h); Arabic letters a run */
        {"english", "\xe6\x9d\xb1\xe4\xba\xac\xe9\x83\xbd\xe3\x80\x81\xe6\x97\xa5\xe6\x9c\xac",
         "\xe6\x9d\xb1 \xe4\xba\xac \xe9\x83\xbd \xe6\x97\xa5 \xe6\x9c\xac"},
        {"english", "\xd8\xa7\xd9\x84\xd8\xb9\xd8\xb1\xd8\xa8\xd9\x8a\xd8\xa9",
         "\xd8\xa7\xd9\x84\xd8\xb9\xd8\xb1\xd8\xa8\xd9\x8a\xd8\xa9"},
        /* Russian stemming sees ё before it becomes е */
        {"russian",
         "\xd0\x9c\xd0\xbe\xd1\x81\xd0\xba\xd0\xb2\xd1\x8b \xd0\x81\xd0\xbb\xd0\xba\xd0\xb8",
         "\xd0\xbc\xd0\xbe\xd1\x81\xd0\xba\xd0\xb2 \xd0\xb5\xd0\xbb\xd0\xba"},
        /* a lone combining accent folds to nothing but takes its position */
        {"none", "a \xcc\x81 b", "a b"},
    };
    RUN_CASES(cases, 0);
    CHECK_EQ_STR(tokens("none", "a \xcc\x81 b"), "a@0[0,1) b@2[5,6)");
}

/* Scripts written without spaces (script.h): ideographs one by one, a
 * Katakana run whole, Thai words from ICU; a change of script ends a token.
 * nsi_analyze_scan gives the same positions and spans as nsi_analyze. */
static int scan_token_cb(void *ctx, const nsi_token *t)
{
    render *r = ctx;
    int n = snprintf(r->out + r->len, sizeof r->out - r->len, "%s@%u[%zu,%zu)", r->len ? " " : "",
                     t->pos, t->start, t->end);
    if (n > 0 && r->len + (size_t)n < sizeof r->out)
        r->len += (size_t)n;
    return 0;
}

static void check_scan_agrees(const char *text)
{
    static render full, scan;
    nsi_analyzer *a = NULL;
    CHECK_EQ_INT(nsi_analyzer_new(&a, "english"), NS_OK);
    full.len = scan.len = 0;
    full.out[0] = scan.out[0] = '\0';
    full.full = 1;
    CHECK_EQ_INT(nsi_analyze(a, text, strlen(text), 0, 0, render_token, &full, NULL), NS_OK);
    CHECK_EQ_INT(nsi_analyze_scan(a, text, strlen(text), 0, scan_token_cb, &scan), NS_OK);
    /* drop the terms of the full rendering: "t@p[s,e)" -> "@p[s,e)" */
    char spans[4096];
    size_t o = 0;
    for (const char *p = full.out; *p && o + 1 < sizeof spans;) {
        const char *at = strchr(p, '@');
        if (!at)
            break;
        const char *sp = strchr(at, ' ');
        size_t n = sp ? (size_t)(sp - at) : strlen(at);
        if (o)
            spans[o++] = ' ';
        memcpy(spans + o, at, n);
        o += n;
        p = sp ? sp + 1 : at + n;
    }
    spans[o] = '\0';
    CHECK_EQ_STR(spans, scan.out);
    nsi_analyzer_free(a);
}

static void test_unspaced_scripts(void)
{
    static const tcase cases[] = {
        /* 中美关系紧张: six ideographs, six tokens */
        {"english", "\xe4\xb8\xad\xe7\xbe\x8e\xe5\x85\xb3\xe7\xb3\xbb\xe7\xb4\xa7\xe5\xbc\xa0",
         "\xe4\xb8\xad@0[0,3) \xe7\xbe\x8e@1[3,6) \xe5\x85\xb3@2[6,9) \xe7\xb3\xbb@3[9,12) "
         "\xe7\xb4\xa7@4[12,15) \xe5\xbc\xa0@5[15,18)"},
        /* iPhone手机: the script change ends the Latin token */
        {"english", "iPhone\xe6\x89\x8b\xe6\x9c\xba",
         "iphon@0[0,6) \xe6\x89\x8b@1[6,9) \xe6\x9c\xba@2[9,12)"},
        /* 2023年 */
        {"english", "2023\xe5\xb9\xb4", "2023@0[0,4) \xe5\xb9\xb4@1[4,7)"},
        /* コンピューター: a Katakana run (with its long vowel mark) is one token */
        {"english",
         "\xe3\x82\xb3\xe3\x83\xb3\xe3\x83\x94\xe3\x83\xa5\xe3\x83\xbc\xe3\x82\xbf\xe3\x83\xbc",
         "\xe3\x82\xb3\xe3\x83\xb3\xe3\x83\x94\xe3\x83\xa5\xe3\x83\xbc\xe3\x82\xbf\xe3\x83\xbc@0[0,"
         "21)"},
        /* Hiragana one by one: 住んで */
        {"english", "\xe4\xbd\x8f\xe3\x82\x93\xe3\x81\xa7",
         "\xe4\xbd\x8f@0[0,3) \xe3\x82\x93@1[3,6) \xe3\x81\xa7@2[6,9)"},
        /* Hangul is written with spaces: a run is a word */
        {"english", "\xed\x95\x9c\xea\xb5\xad\xec\x96\xb4 \xea\xb3\xb5\xeb\xb6\x80",
         "\xed\x95\x9c\xea\xb5\xad\xec\x96\xb4@0[0,9) \xea\xb3\xb5\xeb\xb6\x80@1[10,16)"},
#ifdef NSI_WITH_ICU
        /* ภาษาไทย: two Thai words, from ICU's dictionary */
        {"english",
         "\xe0\xb8\xa0\xe0\xb8\xb2\xe0\xb8\xa9\xe0\xb8\xb2\xe0\xb9\x84\xe0\xb8\x97\xe0\xb8\xa2",
         "\xe0\xb8\xa0\xe0\xb8\xb2\xe0\xb8\xa9\xe0\xb8\xb2@0[0,12) "
         "\xe0\xb9\x84\xe0\xb8\x97\xe0\xb8\xa2@1[12,21)"},
#endif
    };
    RUN_CASES(cases, 1);
    /* positions of the scan walk (snippets) agree, ICU runs included */
    check_scan_agrees(
        "\xe4\xb8\xad\xe7\xbe\x8e\xe5\x85\xb3\xe7\xb3\xbb iPhone\xe6\x89\x8b "
        "\xe0\xb8\xa0\xe0\xb8\xb2\xe0\xb8\xa9\xe0\xb8\xb2\xe0\xb9\x84\xe0\xb8\x97\xe0\xb8\xa2 "
        "\xe3\x82\xb3\xe3\x83\xb3 the end");
    /* the same text twice in one analyzer: the Thai run's words are found
     * again, not taken from the previous text at the same address */
    char buf[64];
    strcpy(buf,
           "\xe0\xb8\xa0\xe0\xb8\xb2\xe0\xb8\xa9\xe0\xb8\xb2\xe0\xb9\x84\xe0\xb8\x97\xe0\xb8\xa2");
    const char *first = tokens("english", buf);
    char keep[256];
    snprintf(keep, sizeof keep, "%s", first);
    CHECK_EQ_STR(tokens("english", buf), keep);
}

/* ------------------------------------------------------------ stemming */

static void test_stemming(void)
{
    static const tcase cases[] = {
        {"english", "sever severed severance severing", "sever sever sever sever"},
        {"english", "relations related relation", "relat relat relat"},
        {"english", "Running RUNS ran", "run run ran"},
        {"en", "relations", "relat"},
        {"EN", "relations", "relat"},
        {NULL, "relations", "relat"},
        {"porter", "relations", "relat"},
        {"none", "Relations Severed", "relations severed"},
        /* French reads its accents: -ité is a suffix, -ite is not */
        {"french", "continuit\xc3\xa9 continuite Premi\xc3\xa8re premiere",
         "continu continuit premi premier"},
        {"fr", "\xc3\x89T\xc3\x89", "ete"},
    };
    RUN_CASES(cases, 0);
}

static void test_nostem_flag(void)
{
    const char *text = "Relations D\xc3\xa9tente relat";
    CHECK_EQ_STR(analyze_n("english", NSI_AN_NOSTEM, 0, text, strlen(text), NULL),
                 "relations detente relat");
    /* one analyzer, both modes in turn: the caches must keep them apart */
    nsi_analyzer *a;
    CHECK_EQ_INT(nsi_analyzer_new(&a, "english"), NS_OK);
    static const char *const want[] = {"relat detent relat", "relations detente relat"};
    for (int round = 0; round < 4; round++) {
        render r = {.full = 0};
        unsigned flags = round % 2 ? NSI_AN_NOSTEM : 0;
        CHECK_EQ_INT(nsi_analyze(a, text, strlen(text), 0, flags, render_token, &r, NULL), NS_OK);
        CHECK_EQ_STR(r.out, want[round % 2]);
    }
    nsi_analyzer_free(a);
}

/* More distinct words than the cache holds: every term must still be the
 * stemmer's answer after the cache has been cleared. */
static void test_cache_overflow(void)
{
    static const char *const sfx[] = {"", "s", "ing", "ed", "ation", "ness", "ly", "ies"};
    enum { WORDS = 150000 };
    nsi_analyzer *a;
    struct sb_stemmer *st = sb_stemmer_new("english", NULL);
    CHECK(st != NULL);
    CHECK_EQ_INT(nsi_analyzer_new(&a, "english"), NS_OK);
    int bad = 0;
    static render r;
    for (int pass = 0; pass < 2; pass++) {
        for (uint32_t w = 0; w < WORDS; w++) {
            char word[32];
            uint32_t x = w / 8;
            size_t n = 0;
            word[n++] = 'k';
            do {
                word[n++] = (char)('a' + x % 26);
                x /= 26;
            } while (x);
            n += (size_t)snprintf(word + n, sizeof word - n, "%s", sfx[w % 8]);
            r.len = 0;
            CHECK_EQ_INT(nsi_analyze(a, word, n, 0, 0, render_token, &r, NULL), NS_OK);
            const sb_symbol *s = sb_stemmer_stem(st, (const sb_symbol *)word, (int)n);
            int sl = sb_stemmer_length(st);
            if (r.len != (size_t)sl || memcmp(r.out, s, r.len) != 0)
                bad++;
        }
    }
    CHECK_EQ_INT(bad, 0);
    nsi_analyzer_free(a);
    sb_stemmer_delete(st);
}

typedef struct one_term {
    char term[NS_MAX_TERM_BYTES + 1];
    int count;
} one_term;

static int keep_term(void *ctx, const char *term, size_t len, uint32_t pos, size_t start,
                     size_t end)
{
    one_term *o = ctx;
    (void)pos, (void)start, (void)end;
    memcpy(o->term, term, len);
    o->term[len] = '\0';
    o->count++;
    return 0;
}

/* The same with non-ASCII words, which are also cached by their input bytes:
 * a long-lived analyzer must agree with a fresh one on every word. */
static void test_cache_overflow_unicode(void)
{
    static const char *const letters[] = {"a",        "\xc3\xa9", "\xc3\x89", "o",
                                          "\xc3\xb6", "n",        "\xc3\x9f", "\xc3\xa7",
                                          "t",        "\xce\xa3", "r",        "s"};
    static const char *const sfx[] = {"", "s", "'s", "ement", "it\xc3\xa9", "\303\251es"};
    enum { WORDS = 90000 };
    nsi_analyzer *a;
    CHECK_EQ_INT(nsi_analyzer_new(&a, "french"), NS_OK);
    int bad = 0;
    for (uint32_t w = 0; w < WORDS; w++) {
        char word[64];
        size_t n = 0;
        for (uint32_t x = w / 6 + 1; x; x /= 12)
            n += (size_t)snprintf(word + n, sizeof word - n, "%s", letters[x % 12]);
        n += (size_t)snprintf(word + n, sizeof word - n, "%s", sfx[w % 6]);
        one_term fresh = {{0}, 0};
        CHECK_EQ_INT(ns_analyze("french", word, n, keep_term, &fresh), NS_OK);
        for (int rep = 0; rep < 2; rep++) {
            render r = {.full = 0};
            CHECK_EQ_INT(nsi_analyze(a, word, n, 0, 0, render_token, &r, NULL), NS_OK);
            if (fresh.count != 1 || strcmp(r.out, fresh.term) != 0)
                bad++;
        }
    }
    CHECK_EQ_INT(bad, 0);
    nsi_analyzer_free(a);
}

/* What memindex.c relies on (nsi_token.key, epoch): within one epoch a key
 * always comes with the same term; cached tokens carry a key; the cache's
 * clears start new epochs, and two analyzers never share one. The words of
 * test_cache_overflow, ASCII and (french) non-ASCII, read twice. */
typedef struct key_seen {
    uint64_t *epoch; /* per key - 1: the epoch of the term recorded */
    char (*term)[40];
    uint64_t first_epoch, last_epoch;
    uint64_t tokens, keyed, bad, epochs;
} key_seen;

static int check_key(void *ctx, const nsi_token *t)
{
    key_seen *k = ctx;
    k->tokens++;
    if (!t->key)
        return 0;
    k->keyed++;
    if (t->key > 65536 || t->term_len >= 40) {
        k->bad++;
        return 0;
    }
    if (t->epoch != k->last_epoch) {
        k->epochs++;
        k->last_epoch = t->epoch;
        if (!k->first_epoch)
            k->first_epoch = t->epoch;
    }
    uint32_t i = t->key - 1;
    if (k->epoch[i] == t->epoch) {
        if (strlen(k->term[i]) != t->term_len || memcmp(k->term[i], t->term, t->term_len))
            k->bad++;
    } else {
        k->epoch[i] = t->epoch;
        memcpy(k->term[i], t->term, t->term_len);
        k->term[i][t->term_len] = '\0';
    }
    return 0;
}

static void test_cache_keys(void)
{
    static const char *const sfx[] = {"", "s", "ing", "ed", "ation", "ness", "ly", "\303\251es"};
    enum { WORDS = 150000 };
    key_seen k = {0};
    k.epoch = calloc(65536, sizeof *k.epoch);
    k.term = calloc(65536, sizeof *k.term);
    CHECK(k.epoch && k.term);
    nsi_analyzer *a, *b;
    CHECK_EQ_INT(nsi_analyzer_new(&a, "french"), NS_OK);
    CHECK_EQ_INT(nsi_analyzer_new(&b, "french"), NS_OK);
    for (int pass = 0; pass < 2; pass++)
        for (uint32_t w = 0; w < WORDS; w++) {
            char word[48];
            size_t n = 0;
            word[n++] = 'k';
            for (uint32_t x = w / 8; x; x /= 26)
                word[n++] = (char)('a' + x % 26);
            n += (size_t)snprintf(word + n, sizeof word - n, "%s %s", sfx[w % 8], sfx[w % 8]);
            CHECK_EQ_INT(nsi_analyze(a, word, n, 0, 0, check_key, &k, NULL), NS_OK);
        }
    CHECK_EQ_INT(k.bad, 0);
    CHECK(k.keyed * 10 > k.tokens * 9); /* nearly every token is cached */
    CHECK(k.epochs >= 3);               /* the cache was cleared on the way */
    uint64_t last_a = k.last_epoch;
    CHECK_EQ_INT(nsi_analyze(b, "kab kab", 7, 0, 0, check_key, &k, NULL), NS_OK);
    CHECK(k.last_epoch != last_a && k.last_epoch != k.first_epoch); /* b's own epoch */
    CHECK_EQ_INT(k.bad, 0);
    nsi_analyzer_free(a);
    nsi_analyzer_free(b);
    free(k.epoch);
    free(k.term);
}

/* ------------------------------------------------------------ languages */

static void test_languages(void)
{
    CHECK_EQ_STR(nsi_language_canonical("en"), "english");
    CHECK_EQ_STR(nsi_language_canonical("eng"), "english");
    CHECK_EQ_STR(nsi_language_canonical("English"), "english");
    CHECK_EQ_STR(nsi_language_canonical("fr"), "french");
    CHECK_EQ_STR(nsi_language_canonical("deu"), "german");
    CHECK_EQ_STR(nsi_language_canonical("none"), "none");
    CHECK_EQ_STR(nsi_language_canonical(NULL), "english");
    CHECK(nsi_language_canonical("klingon") == NULL);
    CHECK(nsi_language_canonical("") == NULL);
    CHECK(nsi_language_canonical("englishenglishenglishenglishenglish") == NULL);

    nsi_analyzer *a = (nsi_analyzer *)1;
    CHECK_EQ_INT(nsi_analyzer_new(&a, "klingon"), NS_EINVAL);
    CHECK(a == NULL);
    CHECK_EQ_INT(nsi_analyzer_new(&a, "en"), NS_OK);
    CHECK_EQ_STR(nsi_analyzer_language(a), "english");
    nsi_analyzer_free(a);
    nsi_analyzer_free(NULL);

    /* Every listed language works, the list is libstemmer's plus "none". */
    const char *const *list = nsi_language_list();
    CHECK(list == ns_languages());
    size_t n = 0, stemmers = 0;
    for (const char **l = sb_stemmer_list(); *l; l++)
        stemmers++;
    for (; list[n]; n++) {
        CHECK_EQ_STR(nsi_language_canonical(list[n]), list[n]);
        CHECK_EQ_INT(nsi_analyzer_new(&a, list[n]), NS_OK);
        if (a) {
            CHECK_EQ_STR(nsi_analyzer_language(a), list[n]);
            CHECK_EQ_STR(analyze_n(list[n], 0, 0, "abc", 3, NULL), "abc");
        }
        nsi_analyzer_free(a);
    }
    CHECK_EQ_INT(n, stemmers + 1);
    CHECK(n > 0 && strcmp(list[n - 1], "none") == 0);
}

/* ------------------------------------------------------------ bad input */

typedef struct bcase {
    const char *in;
    size_t len;
    const char *want;
    int invalid;
} bcase;

static void test_invalid_utf8(void)
{
#define B(s) s, sizeof(s) - 1
    static const bcase cases[] = {
        {B("ab\200cd"), "ab@0[0,2) cd@1[3,5)", 1}, /* lone continuation */
        {B("ab\277\277cd"), "ab@0[0,2) cd@1[4,6)", 2},
        {B("ab\300\257cd"), "ab@0[0,2) cd@1[4,6)", 2},         /* overlong '/' */
        {B("ab\340\200\257cd"), "ab@0[0,2) cd@1[5,7)", 3},     /* overlong, 3 bytes */
        {B("ab\355\240\200cd"), "ab@0[0,2) cd@1[5,7)", 3},     /* surrogate U+D800 */
        {B("ab\364\220\200\200cd"), "ab@0[0,2) cd@1[6,8)", 4}, /* > U+10FFFF */
        {B("ab\365\376\377cd"), "ab@0[0,2) cd@1[5,7)", 3},
        {B("ab\342\202cd"), "ab@0[0,2) cd@1[4,6)", 1}, /* truncated, then ASCII */
        {B("abc\xe2\x82"), "abc@0[0,3)", 1},           /* truncated at end */
        {B("abc\xf0\x9f\x98"), "abc@0[0,3)", 1},
        {B("\xc3"), "", 1},
        {B("ab\0cd\0"), "ab@0[0,2) cd@1[3,5)", 0}, /* NUL bytes */
        {B("caf\303\251\377bar"), "cafe@0[0,5) bar@1[6,9)", 1},
    };
#undef B
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        nsi_analyze_stats st = {0, 0, 0};
        const char *got = analyze_n("none", 0, 1, cases[i].in, cases[i].len, &st);
        if (strcmp(got, cases[i].want) != 0)
            fprintf(stderr, "  case %zu: got \"%s\"\n", i, got);
        CHECK_EQ_STR(got, cases[i].want);
        CHECK_EQ_INT(st.invalid_utf8, cases[i].invalid);
    }
}

/* Builds count copies of unit followed by tail (caller frees). */
static char *repeat(const char *head, const char *unit, size_t count, const char *tail, size_t *len)
{
    size_t hl = strlen(head), ul = strlen(unit), tl = strlen(tail);
    char *p = malloc(hl + ul * count + tl + 1);
    if (!p)
        return NULL;
    memcpy(p, head, hl);
    for (size_t i = 0; i < count; i++)
        memcpy(p + hl + i * ul, unit, ul);
    memcpy(p + hl + ul * count, tail, tl + 1);
    *len = hl + ul * count + tl;
    return p;
}

static void test_long_tokens(void)
{
    static const struct {
        const char *unit;
        size_t count;
        const char *want; /* tokens of "x " + unit*count + " y" */
        int skipped;
    } cases[] = {
        {"a", 64, NULL, 0}, /* exactly the limit: kept */
        {"a", 65, "x@0[0,1) y@2[68,69)", 1},
        {"\xc3\xa9", 32, NULL, 0}, /* é: 64 bytes folded */
        {"\xc3\xa9", 33, "x@0[0,1) y@2[69,70)", 1},
        {"e\xcc\x81", 32, NULL, 0}, /* decomposed: composes to 64 bytes */
        {"E\xcc\x81", 33, "x@0[0,1) y@2[102,103)", 1},
        {"a", 1 << 20, NULL, 1}, /* 1 MB single tokens */
        {"\xc3\xa9", 1 << 19, NULL, 1},
        {"a.", 1 << 19, NULL, 1},   /* one huge acronym */
        {"000,", 1 << 18, NULL, 1}, /* 000,000,...,000, */
        {"5.", 1 << 19, NULL, 1},
        {"\xcc\x81", 1 << 19, NULL, 1}, /* a mark run */
        {"don'", 1 << 18, NULL, 1},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        size_t len;
        char *text = repeat("x ", cases[i].unit, cases[i].count, " y", &len);
        CHECK(text != NULL);
        if (!text)
            return;
        nsi_analyze_stats st = {0, 0, 0};
        clock_t t0 = clock();
        const char *got = analyze_n("english", 0, 1, text, len, &st);
        double secs = (double)(clock() - t0) / CLOCKS_PER_SEC;
        CHECK(secs < 2.0); /* linear: a few ms per MB */
        if (cases[i].want)
            CHECK_EQ_STR(got, cases[i].want);
        CHECK_EQ_INT(st.long_skipped, cases[i].skipped);
        CHECK_EQ_INT(st.tokens + st.long_skipped, 3);
        /* the last token is y, at position 2 whatever happened before */
        const char *y = strrchr(got, ' ');
        CHECK(y && strncmp(y, " y@2[", 5) == 0);
        free(text);
    }
}

/* ------------------------------------------------------------ robustness */

typedef struct check_ctx {
    size_t len;
    uint32_t next_pos;
    size_t last_end;
    int bad;
    uint64_t count;
} check_ctx;

/* Invariants for any input: positions grow, spans are ordered and inside the
 * text, terms are non-empty, short, valid UTF-8. */
static int check_token(void *ctx, const nsi_token *t)
{
    check_ctx *c = ctx;
    c->count++;
    if (t->pos < c->next_pos || t->start < c->last_end || t->start >= t->end || t->end > c->len ||
        t->term_len == 0 || t->term_len > NS_MAX_TERM_BYTES)
        c->bad++;
    for (size_t i = 0; i < t->term_len;) {
        int32_t cp;
        i += nsi_utf8_decode((const uint8_t *)t->term + i, t->term_len - i, &cp);
        if (cp < 0)
            c->bad++;
    }
    c->next_pos = t->pos + 1;
    c->last_end = t->end;
    return 0;
}

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint32_t rng(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (uint32_t)(rng_state >> 32);
}

static void test_random_bytes(void)
{
    /* Fully random, then bytes drawn from an alphabet rich in joiners,
     * UTF-8 lead and continuation bytes. */
    static const uint8_t alphabet[] = "aZ9.,'- \xc3\xa9\x80\xe2\x80\x99\xe0\xa4\xcc\x81\xf0\x9f";
    size_t len = 1u << 20;
    uint8_t *text = malloc(len);
    CHECK(text != NULL);
    if (!text)
        return;
    for (int mode = 0; mode < 2; mode++) {
        for (size_t i = 0; i < len; i++)
            text[i] = mode == 0 ? (uint8_t)rng() : alphabet[rng() % (sizeof alphabet - 1)];
        const char *langs[] = {"english", "french", "none"};
        for (size_t l = 0; l < 3; l++) {
            nsi_analyzer *a;
            nsi_analyze_stats st = {0, 0, 0};
            check_ctx c = {len, 0, 0, 0, 0};
            CHECK_EQ_INT(nsi_analyzer_new(&a, langs[l]), NS_OK);
            CHECK_EQ_INT(nsi_analyze(a, (const char *)text, len, 0, 0, check_token, &c, &st),
                         NS_OK);
            CHECK_EQ_INT(c.bad, 0);
            CHECK_EQ_INT(c.count, st.tokens);
            CHECK(st.tokens > 1000);
            CHECK(mode == 1 || st.invalid_utf8 > 1000);
            nsi_analyzer_free(a);
        }
    }
    free(text);
}

/* ------------------------------------------------------------ API */

static int stop_at_second(void *ctx, const nsi_token *t)
{
    (void)t;
    return ++*(int *)ctx == 2 ? 7 : 0;
}

typedef struct pub_ctx {
    char terms[256];
    size_t len;
    int calls;
    int stop_after;
} pub_ctx;

static int public_token(void *ctx, const char *term, size_t term_len, uint32_t position,
                        size_t start, size_t end)
{
    pub_ctx *p = ctx;
    int n = snprintf(p->terms + p->len, sizeof p->terms - p->len, "%s%.*s@%u[%zu,%zu)",
                     p->len ? " " : "", (int)term_len, term, position, start, end);
    if (n > 0 && p->len + (size_t)n < sizeof p->terms)
        p->len += (size_t)n;
    return ++p->calls == p->stop_after;
}

static void test_api(void)
{
    nsi_analyzer *a;
    int calls = 0;
    CHECK_EQ_INT(nsi_analyzer_new(&a, "english"), NS_OK);
    CHECK_EQ_INT(nsi_analyze(a, "one two three", 13, 0, 0, stop_at_second, &calls, NULL), 7);
    CHECK_EQ_INT(calls, 2);

    /* first_pos, and stats are added to */
    render r = {.full = 1};
    nsi_analyze_stats st = {10, 20, 30};
    CHECK_EQ_INT(nsi_analyze(a, "a \xff b", 5, 100, 0, render_token, &r, &st), NS_OK);
    CHECK_EQ_STR(r.out, "a@100[0,1) b@101[4,5)");
    CHECK_EQ_INT(st.tokens, 12);
    CHECK_EQ_INT(st.long_skipped, 20);
    CHECK_EQ_INT(st.invalid_utf8, 31);
    CHECK_EQ_INT(nsi_analyze(a, NULL, 0, 0, 0, render_token, &r, NULL), NS_OK);
    nsi_analyzer_free(a);

    pub_ctx p = {.stop_after = -1};
    CHECK_EQ_INT(ns_analyze("en", "Severed relations", 17, public_token, &p), NS_OK);
    CHECK_EQ_STR(p.terms, "sever@0[0,7) relat@1[8,17)");
    pub_ctx q = {.stop_after = 1};
    CHECK_EQ_INT(ns_analyze(NULL, "one two three", 13, public_token, &q), NS_OK);
    CHECK_EQ_INT(q.calls, 1);
    CHECK_EQ_INT(ns_analyze("klingon", "x", 1, public_token, &q), NS_EINVAL);
    CHECK_EQ_INT(ns_analyze("english", "x", 1, NULL, NULL), NS_EINVAL);
    CHECK_EQ_INT(ns_analyze("english", NULL, 3, public_token, &q), NS_EINVAL);
    CHECK_EQ_INT(ns_analyze("english", NULL, 0, public_token, &q), NS_OK);
}

NS_TEST_MAIN(NST(test_header_examples), NST(test_joining_rules), NST(test_offsets),
             NST(test_stop_words_kept), NST(test_equivalent_inputs), NST(test_scripts),
             NST(test_unspaced_scripts), NST(test_stemming), NST(test_nostem_flag),
             NST(test_cache_overflow), NST(test_cache_overflow_unicode), NST(test_cache_keys),
             NST(test_languages), NST(test_invalid_utf8), NST(test_long_tokens),
             NST(test_random_bytes), NST(test_api))
