/* test_snippet.c — snippet window selection and highlighting (index/snippet.c).
 *
 * Query trees are built by hand so these tests depend only on the analyzer.
 * Most cases compare a bracketed rendering of the snippet ("[span]" around
 * each highlighted span), which shows text and spans at once. */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "nstest.h"
#include "snippet/snippet.h"

/* ------------------------------------------------------------ query trees */

static nsq_node *mk(enum nsq_kind kind, size_t nkids, ...)
{
    nsq_node *n = calloc(1, sizeof *n);
    n->kind = kind;
    n->nkids = nkids;
    n->kids = calloc(nkids + 1, sizeof *n->kids);
    va_list ap;
    va_start(ap, nkids);
    for (size_t i = 0; i < nkids; i++)
        n->kids[i] = va_arg(ap, nsq_node *);
    va_end(ap);
    return n;
}

static nsq_node *leaf(enum nsq_kind kind, const char *term)
{
    nsq_node *n = mk(kind, 0);
    n->term = strdup(term);
    n->term_len = strlen(term);
    return n;
}

static nsq_node *T(const char *t) { return leaf(NSQ_TERM, t); }
static nsq_node *P(const char *t) { return leaf(NSQ_PREFIX, t); }
static nsq_node *title(nsq_node *n)
{
    n->field = NSQ_FIELD_TITLE;
    return n;
}

static void tfree(nsq_node *n)
{
    if (!n)
        return;
    for (size_t i = 0; i < n->nkids; i++)
        tfree(n->kids[i]);
    free(n->kids);
    free(n->term);
    free(n);
}

/* ------------------------------------------------------------ helpers */

static nsi_analyzer *an;

static int utf8_valid(const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    for (size_t i = 0; i < n;) {
        unsigned c = p[i];
        size_t k;
        unsigned lo = 0x80, hi = 0xBF;
        if (c < 0x80) {
            i++;
            continue;
        } else if (c >= 0xC2 && c <= 0xDF) {
            k = 1;
        } else if (c >= 0xE0 && c <= 0xEF) {
            k = 2;
            lo = c == 0xE0 ? 0xA0 : 0x80;
            hi = c == 0xED ? 0x9F : 0xBF;
        } else if (c >= 0xF0 && c <= 0xF4) {
            k = 3;
            lo = c == 0xF0 ? 0x90 : 0x80;
            hi = c == 0xF4 ? 0x8F : 0xBF;
        } else {
            return 0;
        }
        if (i + k >= n)
            return 0;
        for (size_t j = 1; j <= k; j++) {
            if (p[i + j] < lo || p[i + j] > hi)
                return 0;
            lo = 0x80;
            hi = 0xBF;
        }
        i += k + 1;
    }
    return 1;
}

/* Checks the invariants every snippet must hold. */
static void check_invariants(const nsi_snip *s)
{
    CHECK(s->text != NULL);
    if (!s->text)
        return;
    CHECK_EQ_INT(strlen(s->text), s->len);
    CHECK(utf8_valid(s->text, s->len));
    CHECK(s->len == 0 || (s->text[0] != ' ' && s->text[s->len - 1] != ' '));
    CHECK(strstr(s->text, "  ") == NULL);
    CHECK(strpbrk(s->text, "\t\r\n") == NULL);
    for (size_t i = 0; i < s->nspans; i++) {
        CHECK(s->spans[i].start < s->spans[i].end);
        CHECK(s->spans[i].end <= s->len);
        if (i)
            CHECK(s->spans[i - 1].end < s->spans[i].start);
    }
}

/* The snippet with each span bracketed, plus "..." marks for cuts. */
static char *show(const nsi_snip *s)
{
    size_t cap = s->len + 2 * s->nspans + 8, o = 0, k = 0;
    char *r = malloc(cap);
    if (s->cut_before)
        o += (size_t)sprintf(r + o, "...");
    for (size_t i = 0; i <= s->len; i++) {
        if (k < s->nspans && s->spans[k].end == i) {
            r[o++] = ']';
            k++;
        }
        if (k < s->nspans && s->spans[k].start == i)
            r[o++] = '[';
        if (i < s->len)
            r[o++] = s->text[i];
    }
    if (s->cut_after)
        o += (size_t)sprintf(r + o, "...");
    r[o] = 0;
    return r;
}

/* Builds the snippet of body for q (which it frees) and compares show(). */
static void expect(const char *body, size_t len, nsq_node *q, size_t max_bytes, const char *want,
                   int line)
{
    nsi_snip s;
    int rc = nsi_snippet_build(an, body, len, q, max_bytes, &s);
    CHECK_EQ_INT(rc, NS_OK);
    check_invariants(&s);
    char *got = show(&s);
    if (strcmp(got, want) != 0)
        fprintf(stderr, "line %d:\n  got  %s\n  want %s\n", line, got, want);
    CHECK_EQ_STR(got, want);
    free(got);
    nsi_snip_free(&s);
    tfree(q);
}
#define EXPECT(body, q, max, want) expect(body, strlen(body), q, max, want, __LINE__)

static nsq_node *sever_relations(void) { return mk(NSQ_AND, 2, T("sever"), T("relat")); }

static const char FILLER[] = "The weather in the capital stayed mild for most of the week. "
                             "Markets opened slightly higher on Tuesday morning. ";

static char *repeat(const char *piece, size_t times, const char *middle)
{
    size_t pl = strlen(piece), ml = middle ? strlen(middle) : 0;
    char *r = malloc(pl * times * 2 + ml + 1), *p = r;
    for (size_t i = 0; i < times; i++, p += pl)
        memcpy(p, piece, pl);
    if (middle) {
        memcpy(p, middle, ml);
        p += ml;
        for (size_t i = 0; i < times; i++, p += pl)
            memcpy(p, piece, pl);
    }
    *p = 0;
    return r;
}

static nsq_node *parse(const char *text)
{
    ns_query_options o = NS_QUERY_OPTIONS_INIT;
    char err[256];
    size_t off;
    nsq_node *q = NULL;
    CHECK_EQ_INT(nsi_query_parse(text, strlen(text), &o, an, &q, err, sizeof err, &off), NS_OK);
    return q;
}

static void expect_parsed(const char *body, const char *query, size_t max_bytes, const char *want,
                          int line)
{
    nsq_node *q = parse(query);
    nsi_snip s;
    CHECK_EQ_INT(nsi_snippet_build(an, body, strlen(body), q, max_bytes, &s), NS_OK);
    check_invariants(&s);
    char *got = show(&s);
    if (strcmp(got, want) != 0)
        fprintf(stderr, "line %d: query %s\n  got  %s\n  want %s\n", line, query, got, want);
    CHECK_EQ_STR(got, want);
    free(got);
    nsi_snip_free(&s);
    nsq_free(q);
}
#define EXPECT_Q(body, query, want) expect_parsed(body, query, 200, want, __LINE__)

/* ------------------------------------------------------------ cases */

static void test_stems(void)
{
    /* The facts the other cases rely on. */
    const char *words[] = {"severed", "sever", "relations", "severance", NULL};
    const char *want[] = {"sever", "sever", "relat", NULL};
    for (size_t i = 0; words[i]; i++) {
        nsq_node *q = T(want[i] ? want[i] : "sever");
        nsi_snip s;
        CHECK_EQ_INT(nsi_snippet_build(an, words[i], strlen(words[i]), q, 100, &s), NS_OK);
        /* "severance" stems to "sever" too: it is highlighted for "sever". */
        CHECK_EQ_INT(s.nspans, 1);
        nsi_snip_free(&s);
        tfree(q);
    }
}

static void test_best_window_in_middle(void)
{
    char *body = repeat(FILLER, 20,
                        "Officials in Moscow said on Friday that diplomatic relations could be "
                        "severed at any moment. ");
    EXPECT(body, sever_relations(), 120,
           "...Officials in Moscow said on Friday that diplomatic [relations] could be "
           "[severed] at any moment. The weather in the capital...");
    free(body);
}

static void test_context_before_match(void)
{
    /* No sentence start close before the match: a few words of context. */
    char *body = repeat("and then the talks went on and on and on ", 6,
                        "until the two sides agreed to sever relations entirely ");
    EXPECT(body, sever_relations(), 80,
           "...two sides agreed to [sever] [relations] entirely and then the talks went on and "
           "on...");
    free(body);
    /* A sentence start within reach is preferred. */
    EXPECT("Long long long long long long long long long long long preamble here. "
           "The two sides agreed to sever relations entirely and then went home.",
           sever_relations(), 70,
           "...The two sides agreed to [sever] [relations] entirely and then went home.");
}

static void test_distinct_terms_beat_repeats(void)
{
    char *body = repeat(FILLER, 3, "They sever, sever and sever again, sever everything, sever. ");
    size_t bl = strlen(body);
    char *all = malloc(bl + 200);
    snprintf(all, bl + 200, "%sLater the relations were severed for good.", body);
    /* Near the end the window starts earlier, at a sentence, to use the budget. */
    EXPECT(all, sever_relations(), 100,
           "...Markets opened slightly higher on Tuesday morning. Later the [relations] were "
           "[severed] for good.");
    free(all);
    free(body);
}

static void test_most_matches_then_earliest(void)
{
    /* Same distinct count everywhere: the window with more matches wins... */
    EXPECT("One sever here. Filler filler filler filler filler filler filler filler. "
           "Then sever and sever again here.",
           T("sever"), 40, "...Then [sever] and [sever] again here.");
    /* ...and with equal matches the earliest. */
    EXPECT("First sever here. Filler filler filler filler filler. Second sever there.", T("sever"),
           30, "First [sever] here. Filler...");
}

static void test_phrase_one_span(void)
{
    nsq_node *q = mk(NSQ_PHRASE, 2, T("sever"), T("relat"));
    EXPECT("Relations matter. Moscow may sever relations soon, it said; sever now.", q, 200,
           "Relations matter. Moscow may [sever relations] soon, it said; sever now.");
    /* The text between the tokens (a hyphen, collapsed whitespace) is inside. */
    q = mk(NSQ_PHRASE, 2, T("sever"), T("relat"));
    EXPECT("To sever-relations or to sever \n\t relations.", q, 200,
           "To [sever-relations] or to [sever relations].");
    /* A standalone term in the same query still lights up on its own. */
    q = mk(NSQ_OR, 2, mk(NSQ_PHRASE, 2, T("sever"), T("relat")), T("moscow"));
    EXPECT("Moscow will sever relations; Moscow said.", q, 200,
           "[Moscow] will [sever relations]; [Moscow] said.");
    /* Overlapping matches of a repetitive phrase merge. */
    q = mk(NSQ_PHRASE, 2, T("ha"), T("ha"));
    EXPECT("He said ha ha ha ha.", q, 200, "He said [ha ha ha ha].");
    /* Phrase terms alone (not forming the phrase) are not highlighted. */
    q = mk(NSQ_PHRASE, 3, T("cut"), T("diplomat"), T("tie"));
    EXPECT("Ties were cut. Diplomatic staff may cut diplomatic ties.", q, 200,
           "Ties were cut. Diplomatic staff may [cut diplomatic ties].");
}

static void test_phrase_preferred_window(void)
{
    /* The phrase counts as its two terms; a lone term counts one. */
    nsq_node *q = mk(NSQ_AND, 2, mk(NSQ_PHRASE, 2, T("sever"), T("relat")), T("moscow"));
    char *body = repeat(FILLER, 2, "Moscow moscow moscow. ");
    size_t bl = strlen(body);
    char *all = malloc(bl + 100);
    snprintf(all, bl + 100, "%sThey would sever relations.", body);
    /* No earlier sentence fits in 60 bytes: the sentence start is kept. */
    EXPECT(all, q, 60, "...They would [sever relations].");
    free(all);
    free(body);
}

static void test_prefix(void)
{
    /* relat* matches the stems of relations/related and the word relationship. */
    EXPECT("Relations, relationship and related words; relay not.", P("relat"), 200,
           "[Relations], [relationship] and [related] words; relay not.");
    /* relati* matches "relations" by its unstemmed form (stem "relat"). */
    EXPECT("Relations, relationship and related words.", P("relati"), 200,
           "[Relations], [relationship] and related words.");
    EXPECT("Sever relations now.", mk(NSQ_AND, 2, P("sev"), T("relat")), 200,
           "[Sever] [relations] now.");
}

static void test_not_and_title_ignored(void)
{
    nsq_node *q = mk(NSQ_AND, 2, T("sever"), mk(NSQ_NOT, 1, T("relat")));
    EXPECT("They sever relations.", q, 200, "They [sever] relations.");
    q = mk(NSQ_AND, 2, T("sever"), mk(NSQ_NOT, 1, mk(NSQ_PHRASE, 2, T("diplomat"), T("tie"))));
    EXPECT("Sever diplomatic ties.", q, 200, "[Sever] diplomatic ties.");
    q = mk(NSQ_AND, 2, title(T("moscow")), T("sever"));
    EXPECT("Moscow may sever.", q, 200, "Moscow may [sever].");
    q = mk(NSQ_MAYBE, 3, T("sever"), T("relat"), title(mk(NSQ_PHRASE, 2, T("moscow"), T("say"))));
    EXPECT("Moscow says it may sever relations.", q, 200,
           "Moscow says it may [sever] [relations].");
    q = mk(NSQ_AND, 1, mk(NSQ_NOT, 1, T("sever")));
    EXPECT("Nothing positive: sever.", q, 200, "Nothing positive: sever.");
}

static void test_near(void)
{
    nsq_node *q = mk(NSQ_NEAR, 2, T("sever"), T("relat"));
    q->dist = 3;
    EXPECT("Relations may be severed.", q, 200, "[Relations] may be [severed].");
}

static void test_multibyte_cut_points(void)
{
    /* Two-, three- and four-byte characters around every possible cut. */
    char *body = repeat("Мир дружба 日本語テキスト 😀😀 ", 6, "разорвать отношения ");
    nsq_node *q = T("отношения");
    for (size_t max = 4; max < 120; max++) {
        nsi_snip s;
        CHECK_EQ_INT(nsi_snippet_build(an, body, strlen(body), q, max, &s), NS_OK);
        check_invariants(&s);
        CHECK(s.cut_before && s.cut_after);
        CHECK_EQ_INT(s.nspans, 1);
        if (s.nspans == 1) {
            size_t n = s.spans[0].end - s.spans[0].start;
            CHECK(n == strlen("отношения") &&
                  memcmp(s.text + s.spans[0].start, "отношения", n) == 0);
        }
        nsi_snip_free(&s);
    }
    tfree(q);
    free(body);
    /* A script without spaces: the cut falls between characters. */
    body = repeat("日本語のテキスト", 40, "、東京。");
    q = T("東京");
    for (size_t max = 5; max < 40; max++) {
        nsi_snip s;
        CHECK_EQ_INT(nsi_snippet_build(an, body, strlen(body), q, max, &s), NS_OK);
        check_invariants(&s);
        CHECK(s.len > 0);
        nsi_snip_free(&s);
    }
    tfree(q);
    free(body);
}

static void test_invalid_utf8(void)
{
    static const char body[] = "bad \xff\xfe bytes sever \xe2\x82 here \xed\xa0\x80 end\xc3";
    EXPECT(body, T("sever"), 200,
           "bad \xEF\xBF\xBD\xEF\xBF\xBD bytes [sever] \xEF\xBF\xBD here "
           "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD end\xEF\xBF\xBD");
}

static void test_whitespace_collapsed(void)
{
    EXPECT("  \t lead\t\tsever \r\n\r\n relations\xC2\xA0\xC2\xA0 end \n", sever_relations(), 200,
           "lead [sever] [relations] end");
    nsi_snip s;
    static const char body[] = "\n\nA  sever\t\trelations   z\n";
    nsq_node *q = sever_relations();
    CHECK_EQ_INT(nsi_snippet_build(an, body, strlen(body), q, 200, &s), NS_OK);
    CHECK_EQ_STR(s.text, "A sever relations z");
    CHECK_EQ_INT(s.nspans, 2);
    CHECK_EQ_INT(s.spans[0].start, 2);
    CHECK_EQ_INT(s.spans[0].end, 7);
    CHECK_EQ_INT(s.spans[1].start, 8);
    CHECK_EQ_INT(s.spans[1].end, 17);
    CHECK(!s.cut_before && !s.cut_after);
    nsi_snip_free(&s);
    tfree(q);
}

static void test_control_chars_are_spaces(void)
{
    /* A NUL would end the C string; other controls print as nothing useful. */
    static const char body[] = "a\0b\x01\x7f sever\x0b\x0c\xc2\x85x";
    expect(body, sizeof body - 1, T("sever"), 200, "a b [sever] x", __LINE__);
}

static void test_default_size(void)
{
    char *body = repeat(FILLER, 10, "Relations were severed. ");
    nsi_snip a, b;
    nsq_node *q = sever_relations();
    CHECK_EQ_INT(nsi_snippet_build(an, body, strlen(body), q, 0, &a), NS_OK);
    CHECK_EQ_INT(nsi_snippet_build(an, body, strlen(body), q, 260, &b), NS_OK);
    CHECK_EQ_STR(a.text, b.text);
    CHECK(a.len > 200 && a.len <= 260);
    nsi_snip_free(&a);
    nsi_snip_free(&b);
    tfree(q);
    free(body);
}

static void test_no_match(void)
{
    char *body = repeat(FILLER, 5, NULL);
    EXPECT(body, T("zebra"), 50, "The weather in the capital stayed mild for most of...");
    EXPECT(body, NULL, 49, "The weather in the capital stayed mild for most...");
    size_t bl = strlen(body);
    body[bl - 1] = 0; /* the whole body, trimmed, uncut */
    char *want = strdup(body);
    body[bl - 1] = ' ';
    EXPECT(body, T("zebra"), 100000, want);
    free(want);
    free(body);
}

static void test_null_and_empty(void)
{
    nsi_snip s;
    CHECK_EQ_INT(nsi_snippet_build(an, "", 0, NULL, 100, &s), NS_OK);
    CHECK_EQ_STR(s.text, "");
    CHECK_EQ_INT(s.nspans, 0);
    CHECK(!s.cut_before && !s.cut_after);
    nsi_snip_free(&s);
    nsq_node *q = T("sever");
    CHECK_EQ_INT(nsi_snippet_build(an, NULL, 0, q, 100, &s), NS_OK);
    CHECK_EQ_STR(s.text, "");
    nsi_snip_free(&s);
    CHECK_EQ_INT(nsi_snippet_build(an, " \n\t ", 4, q, 100, &s), NS_OK);
    CHECK_EQ_STR(s.text, "");
    CHECK(!s.cut_before && !s.cut_after);
    nsi_snip_free(&s);
    tfree(q);
    EXPECT("Short body, sever.", NULL, 100, "Short body, sever.");
}

static void test_end_of_body_uses_budget(void)
{
    char *body = repeat(FILLER, 4, NULL);
    size_t bl = strlen(body);
    char *all = malloc(bl + 64);
    snprintf(all, bl + 64, "%sRelations ended.", body);
    /* The previous sentence would not fit in 120 bytes. */
    EXPECT(all, T("relat"), 120,
           "...Markets opened slightly higher on Tuesday morning. [Relations] ended.");
    EXPECT(all, T("relat"), 140,
           "...The weather in the capital stayed mild for most of the week. Markets opened "
           "slightly higher on Tuesday morning. [Relations] ended.");
    free(all);
    free(body);
}

static void test_one_megabyte(void)
{
    char *body = repeat(FILLER, 9000, "Analysts expect relations to be severed. ");
    size_t len = strlen(body);
    CHECK(len > 1000000);
    nsq_node *q = sever_relations();
    clock_t t0 = clock();
    nsi_snip s;
    CHECK_EQ_INT(nsi_snippet_build(an, body, len, q, 100, &s), NS_OK);
    double secs = (double)(clock() - t0) / CLOCKS_PER_SEC;
    check_invariants(&s);
    char *got = show(&s);
    CHECK_EQ_STR(got, "...Analysts expect [relations] to be [severed]. The weather in the capital "
                      "stayed mild for most of the...");
    CHECK(secs < 5.0);
    free(got);
    nsi_snip_free(&s);
    tfree(q);
    /* A frequent term too: many records in every window. */
    q = mk(NSQ_AND, 3, T("sever"), T("relat"), T("the"));
    t0 = clock();
    CHECK_EQ_INT(nsi_snippet_build(an, body, len, q, 100, &s), NS_OK);
    secs = (double)(clock() - t0) / CLOCKS_PER_SEC;
    got = show(&s);
    CHECK_EQ_STR(got,
                 "...Analysts expect [relations] to be [severed]. [The] weather in [the] capital "
                 "stayed mild for most of [the] week...");
    CHECK(secs < 5.0);
    free(got);
    nsi_snip_free(&s);
    tfree(q);
    free(body);
}

static void test_seeds(void)
{
    static const char *const names[] = {"000_3794ee979cfaf09c.txt", "001_1ce6ff2acc3b6395.txt",
                                        "002_8fc900d5885d7d82.txt", "003_11ead67481d9a9c8.txt",
                                        "004_fc305638f481958c.txt"};
    static const char *const ok[] = {"severed", "severance", "sever", "relations", "relation"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        char path[1024];
        snprintf(path, sizeof path, "%s/corpora/seeds/%s", nst_shared_dir(), names[i]);
        FILE *fp = fopen(path, "rb");
        CHECK(fp != NULL);
        if (!fp)
            continue;
        char *body = malloc(1 << 20);
        size_t len = fread(body, 1, (1 << 20) - 1, fp);
        fclose(fp);
        nsq_node *q = parse("sever relations");
        nsi_snip s;
        CHECK_EQ_INT(nsi_snippet_build(an, body, len, q, 260, &s), NS_OK);
        check_invariants(&s);
        CHECK(s.nspans >= 1);
        for (size_t k = 0; k < s.nspans; k++) {
            size_t n = s.spans[k].end - s.spans[k].start;
            int found = 0;
            for (size_t w = 0; w < sizeof ok / sizeof ok[0]; w++)
                found |=
                    strlen(ok[w]) == n && strncasecmp(s.text + s.spans[k].start, ok[w], n) == 0;
            if (!found)
                fprintf(stderr, "%s: span '%.*s'\n", names[i], (int)n, s.text + s.spans[k].start);
            CHECK(found);
        }
        nsi_snip_free(&s);
        nsq_free(q);
        free(body);
    }
}

static void test_parsed_queries(void)
{
    static const char body[] = "Moscow may sever relations. Relations, once severed, stay cut.";
    EXPECT_Q(body, "sever relations",
             "Moscow may [sever] [relations]. [Relations], once [severed], stay cut.");
    EXPECT_Q(body, "\"sever relations\"",
             "Moscow may [sever relations]. Relations, once severed, stay cut.");
    EXPECT_Q(body, "relat* -moscow",
             "Moscow may sever [relations]. [Relations], once severed, stay cut.");
    EXPECT_Q(body, "title:moscow severed",
             "Moscow may [sever] relations. Relations, once [severed], stay cut.");
    EXPECT_Q(body, "sever NEAR/2 relations",
             "Moscow may [sever] [relations]. [Relations], once "
             "[severed], stay cut.");
    EXPECT_Q(body, "+cut sever",
             "Moscow may [sever] relations. Relations, once [severed], stay "
             "[cut].");
    EXPECT_Q(body, "Moscow-relations",
             "Moscow may sever relations. Relations, once severed, stay cut.");
}

static void setup(void) { CHECK_EQ_INT(nsi_analyzer_new(&an, "english"), NS_OK); }
static void teardown(void) { nsi_analyzer_free(an); }

/* The title line at the top of a text or Markdown body is skipped, and only
 * when the first line is exactly the title (blank runs aside). */
static size_t skip(const char *body, const char *title)
{
    return nsi_snippet_skip_title(body, strlen(body), title, strlen(title));
}

static void test_skip_title(void)
{
    const char *b = "Talks resume\nDiplomats resumed talks.";
    CHECK_EQ_INT(skip(b, "Talks resume"), 12);
    CHECK_EQ_INT(skip("\n  Talks   resume \r\n\nBody", "Talks resume"), 19);
    CHECK_EQ_INT(skip("# Talks resume\n\nBody text", "Talks resume"), 14);
    CHECK_EQ_INT(skip("Talks resume again\nBody", "Talks resume"), 0); /* a longer line */
    CHECK_EQ_INT(skip("Talks\nresume\nBody", "Talks resume"), 0);      /* two lines */
    CHECK_EQ_INT(skip("Body first\nTalks resume", "Talks resume"), 0);
    CHECK_EQ_INT(skip("Talks resume\n  \n", "Talks resume"), 0); /* nothing after it */
    CHECK_EQ_INT(skip("Talks resume", "Talks resume"), 0);
    CHECK_EQ_INT(skip(b, ""), 0);
    CHECK_EQ_INT(skip("", "Talks resume"), 0);
    CHECK_EQ_INT(skip("Talks res\nBody", "Talks resume"), 0);
    CHECK_EQ_INT(skip("Détente returns\nBody", "Détente returns"), 16);
}

NS_TEST_MAIN_FIXTURE(setup, teardown, NST(test_skip_title), NST(test_stems),
                     NST(test_best_window_in_middle), NST(test_context_before_match),
                     NST(test_distinct_terms_beat_repeats), NST(test_most_matches_then_earliest),
                     NST(test_phrase_one_span), NST(test_phrase_preferred_window), NST(test_prefix),
                     NST(test_not_and_title_ignored), NST(test_near),
                     NST(test_multibyte_cut_points), NST(test_invalid_utf8),
                     NST(test_whitespace_collapsed), NST(test_control_chars_are_spaces),
                     NST(test_default_size), NST(test_no_match), NST(test_null_and_empty),
                     NST(test_end_of_body_uses_budget), NST(test_one_megabyte),
                     NST(test_parsed_queries), NST(test_seeds))
