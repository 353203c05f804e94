/* test_html.c — the indexer's text readers: HTML to text (input_html.c),
 * plain-text and Markdown titles and binary sniffing (input_text.c).
 * These live in the nindex program; tests/CMakeLists.txt compiles their
 * source files into this test. */
#include <stdlib.h>
#include <string.h>

#include "input.h"
#include "nstest.h"
#include "utf8.h"

typedef struct html_case {
    const char *html;
    const char *body;
    const char *title;
} html_case;

static const html_case html_cases[] = {
    /* title from <title>, entities decoded in both fields */
    {"<html><head><title>Tom &amp; Jerry</title></head><body><p>Cats &lt;3 mice</p></body></html>",
     "Cats <3 mice", "Tom & Jerry"},
    /* script, style, noscript and head content are not text */
    {"<head><style>p{color:red}</style><script>var s = '<p>x</p>';</script>"
     "<meta name=x content=y></head><body>visible<noscript>enable js</noscript></body>",
     "visible", "visible"},
    /* block elements break lines; inline ones do not */
    {"<p>one</p><p>two<br>three</p><div>fo<b>u</b>r</div><ul><li>a</li><li>b</li></ul>"
     "<h2>five</h2>six",
     "one\ntwo\nthree\nfour\na\nb\nfive\nsix", "one"},
    /* table cells are separated, rows are lines */
    {"<table><tr><td>a</td><td>b</td></tr><tr><th>c</th><td>d</td></tr></table>", "a b\nc d",
     "a b"},
    /* whitespace folds outside <pre>, is kept inside */
    {"<p>  lots   of\n\t space </p><pre>  a\n   b</pre>", "lots of space\n  a\n   b",
     "lots of space"},
    /* numeric references, Windows-1252 range; libxml2 drops a reference to
     * an invalid code point (NUL, above U+10FFFF) */
    {"<p>&#233;t&#xE9; &#150; &#0; &#x110000; &#65</p>", "\xC3\xA9t\xC3\xA9 \xE2\x80\x93 A", NULL},
    /* named references: common ones, nbsp as a space, unknown kept literally */
    {"AT&amp;T &copy; 2024&nbsp;&hellip; &mdash; &eacute; &bogus; a&b &amp no-semicolon",
     "AT&T \xC2\xA9 2024 \xE2\x80\xA6 \xE2\x80\x94 \xC3\xA9 &bogus; a&b & no-semicolon", NULL},
    /* the classic few without ';' (libxml2 wants it, browsers do not);
     * a longer name, others, a '&' before other text or a tag stay as they are */
    {"&lt b &gtc &copy 1 &nbsp;x&nbspy &reg &eacute e & amp &<b>amp</b> &ampx",
     "< b &gtc \xC2\xA9 1 x&nbspy \xC2\xAE &eacute e & amp &amp &ampx", NULL},
    /* names from the start, middle and end of the alphabet (libxml2's table) */
    {"&AElig;&Aacute;&Yuml;&aacute;&lsaquo;&para;&thinsp;&uuml;&zwnj;",
     "\xC3\x86\xC3\x81\xC5\xB8\xC3\xA1\xE2\x80\xB9\xC2\xB6\xE2\x80\x89\xC3\xBC"
     "\xE2\x80\x8C",
     NULL},
    /* a soft hyphen disappears, so the word stays whole */
    {"co&shy;operate", "cooperate", NULL},
    /* the ends of the tag table */
    {"a<address>b</address>c<ul>d</ul>e", "a\nb\nc\nd\ne", NULL},
    /* a '<' that cannot start a tag is text */
    {"<p>3 < 5 and 5 > 3, x<-y</p>", "3 < 5 and 5 > 3, x<-y", NULL},
    /* comments, doctype, processing instructions vanish; libxml2's HTML
     * parser does not know CDATA sections and keeps one as text */
    {"<!DOCTYPE html><?xml version='1.0'?>a<!-- <p>hidden</p> -->b<![CDATA[ c ]]>",
     "ab<![CDATA[ c ]]>", NULL},
    /* an unclosed comment swallows the rest, not what came before */
    {"kept<!-- never closed <p>lost", "kept", NULL},
    /* an unclosed tag at the end is dropped */
    {"text <a href=\"x", "text", NULL},
    /* a '>' inside a quoted attribute value does not end the tag */
    {"<a title=\"a > b\" href='c>d'>link</a>", "link", NULL},
    /* a stray quote outside a value does not swallow the page */
    {"<a href=x\">link</a> after", "link after", NULL},
    /* tag names are case-insensitive */
    {"<HTML><HEAD><TITLE>Upper</TITLE><SCRIPT>x()</SCRIPT></HEAD><BODY><P>body</P></BODY>", "body",
     "Upper"},
    /* no <title>: the first <h1>, then the first line */
    {"<p>intro</p><h1>The  Heading</h1><p>text</p>", "intro\nThe Heading\ntext", "The Heading"},
    {"<p>first line</p><p>second</p>", "first line\nsecond", "first line"},
    /* a <title> inside <svg> is not the page title; svg content is hidden */
    {"<title>Page</title><svg><title>icon</title><text>drawn</text></svg>body", "body", "Page"},
    /* a self-closed hidden element or one never closed hides nothing after it */
    {"<svg/>one <iframe src=x>two", "one two", NULL},
    /* but an unclosed script is script to the end */
    {"before<script>if (a < b) { never closed", "before", NULL},
    /* "</scripts" does not end a script */
    {"<script>a='</scripts>'</script>after", "after", NULL},
    /* text after a missing </head> is shown once body content starts */
    {"<head><title>T</title><p>para</p>", "para", "T"},
    /* a byte order mark is not text */
    {"\xEF\xBB\xBF<p>bom</p>", "bom", "bom"},
    /* the text is UTF-8 already: a declared charset does not re-decode it */
    {"<head><meta charset=\"iso-8859-1\"><meta http-equiv=\"Content-Type\" "
     "content=\"text/html; charset=windows-1252\"><title>Caf\xC3\xA9</title></head>"
     "<p>na\xC3\xAFve \xE2\x80\x94 ok</p>",
     "na\xC3\xAFve \xE2\x80\x94 ok", "Caf\xC3\xA9"},
    /* invalid UTF-8 and NUL become U+FFFD; the rest of the page still parses
     * as UTF-8 (libxml2 alone would switch to Latin-1 there) */
    {"<p>a\xFF"
     "b</p><p>x\xE2\x82</p><p>caf\xC3\xA9</p>",
     "a\xEF\xBF\xBD"
     "b\nx\xEF\xBF\xBD\ncaf\xC3\xA9",
     NULL},
    /* only markup: empty text, no title */
    {"<html><head></head><body><br></body></html>", "", ""},
};

static void test_html_cases(void)
{
    for (size_t i = 0; i < sizeof html_cases / sizeof *html_cases; i++) {
        const html_case *c = &html_cases[i];
        nsi_buf body = {0}, title = {0};
        CHECK_EQ_INT(ni_html_to_text(c->html, strlen(c->html), &body, &title), NS_OK);
        const char *b = body.str ? body.str : "", *t = title.str ? title.str : "";
        if (strcmp(b, c->body) != 0 || (c->title && strcmp(t, c->title) != 0))
            fprintf(stderr, "case %zu: %s\n", i, c->html);
        CHECK_EQ_STR(b, c->body);
        if (c->title)
            CHECK_EQ_STR(t, c->title);
        nsi_buf_free(&body);
        nsi_buf_free(&title);
    }
}

/* Depth costs nothing: a million nested elements, and a million unclosed. */
static void test_html_deep_nesting(void)
{
    size_t n = 1000000;
    char *html = malloc(n * 8 + n / 2 * 10 + 16);
    size_t len = 0;
    for (size_t i = 0; i < n; i++)
        len += (size_t)sprintf(html + len, "<div><b>");
    len += (size_t)sprintf(html + len, "deep");
    for (size_t i = 0; i < n / 2; i++)
        len += (size_t)sprintf(html + len, "</b></div>");
    nsi_buf body = {0}, title = {0};
    CHECK_EQ_INT(ni_html_to_text(html, len, &body, &title), NS_OK);
    CHECK_EQ_STR(body.str, "deep");
    CHECK_EQ_STR(title.str, "deep");
    nsi_buf_free(&body);
    nsi_buf_free(&title);
    free(html);
}

/* Every byte value, in any order, is handled (no crash, output bounded,
 * valid UTF-8 out). */
static void test_html_garbage(void)
{
    unsigned seed = 12345;
    static const char alphabet[] = "<>/!-&#;x\"'= \nabpscriptyle[CDATA]";
    char buf[4096];
    for (int round = 0; round < 2000; round++) {
        size_t len = (size_t)(round % 97) * 40 + 1;
        for (size_t i = 0; i < len; i++) {
            seed = seed * 1103515245u + 12345u;
            buf[i] = (seed >> 16) % 4 ? alphabet[(seed >> 8) % (sizeof alphabet - 1)]
                                      : (char)(seed >> 20);
        }
        nsi_buf body = {0}, title = {0};
        CHECK_EQ_INT(ni_html_to_text(buf, len, &body, &title), NS_OK);
        /* each invalid byte may become U+FFFD (3 bytes) */
        CHECK(body.len <= 3 * len + 1);
        CHECK(strlen(body.str ? body.str : "") == body.len);
        for (size_t i = 0; i < body.len;) {
            int32_t cp;
            i += nsi_utf8_decode((const uint8_t *)body.str + i, body.len - i, &cp);
            CHECK(cp != NSI_UTF8_INVALID);
        }
        CHECK(title.len <= NI_TITLE_MAX);
        nsi_buf_free(&body);
        nsi_buf_free(&title);
    }
}

/* An attribute value's references (input_meta.c): named ones through
 * libxml2's table, numeric ones, the classic few without ';'. */
static void test_html_unescape(void)
{
    const char *v = "AT&amp;T &eacute;&zwnj;&AElig; &#233;&#x41; &#150; &#0; &bogus; &amp no &lt";
    nsi_buf out = {0};
    CHECK_EQ_INT(ni_html_unescape(v, strlen(v), &out), NS_OK);
    CHECK_EQ_STR(out.str, "AT&T \xC3\xA9\xE2\x80\x8C\xC3\x86 \xC3\xA9"
                          "A \xE2\x80\x93 \xEF\xBF\xBD &bogus; & no <");
    nsi_buf_free(&out);
}

static void test_html_body_limit(void)
{
    const char *html = "<p>0123456789 0123456789</p>";
    nsi_buf body = {0}, title = {0};
    body.limit = 10;
    CHECK_EQ_INT(ni_html_to_text(html, strlen(html), &body, &title), NS_ETOOBIG);
    nsi_buf_free(&body);
    nsi_buf_free(&title);
}

static void test_title_fit(void)
{
    nsi_buf t = {0};
    /* whitespace and control characters fold, ends are trimmed */
    const char *messy = "  a \t b\r\n\x01 c  ";
    CHECK_EQ_INT(ni_title_fit(messy, strlen(messy), &t), NS_OK);
    CHECK_EQ_STR(t.str, "a b c");
    /* a long title is cut at a word boundary and marked */
    nsi_buf_reset(&t);
    char long_title[1000];
    memset(long_title, 0, sizeof long_title);
    for (int i = 0; i < 100; i++)
        strcat(long_title, "word ");
    CHECK_EQ_INT(ni_title_fit(long_title, strlen(long_title), &t), NS_OK);
    CHECK(t.len <= NI_TITLE_MAX);
    CHECK(t.len > NI_TITLE_MAX / 2);
    CHECK(!strcmp(t.str + t.len - 7, "word\xE2\x80\xA6"));
    /* one huge token is cut at a character boundary, never inside UTF-8 */
    nsi_buf_reset(&t);
    char accents[600];
    for (int i = 0; i < 300; i++)
        memcpy(accents + 2 * i, "\xC3\xA9", 2);
    CHECK_EQ_INT(ni_title_fit(accents, sizeof accents, &t), NS_OK);
    CHECK(t.len <= NI_TITLE_MAX);
    CHECK_EQ_INT((t.len - 3) % 2, 0);
    nsi_buf_free(&t);
}

typedef struct title_case {
    const char *text;
    int markdown;
    const char *title;
} title_case;

static const title_case title_cases[] = {
    {"\n\n   First line  \nsecond\n", 0, "First line"},
    {"----\n***\nReal title\n", 0, "Real title"}, /* no letters: not a title */
    {"# Heading one\ntext", 1, "Heading one"},
    {"### Deep ###\n", 1, "Deep ###"},
    {"# Heading one\ntext", 0, "# Heading one"}, /* '#' only stripped for Markdown */
    {"---\ntitle: \"Front matter\"\ndate: 2024\n---\n# Body heading\n", 1, "Front matter"},
    {"---\nlayout: post\n---\n# After matter\n", 1, "After matter"},
    {"\xEF\xBB\xBFWith BOM\n", 0, "With BOM"},
    {"line\r\nnext\r\n", 0, "line"},
    {"!!! ???\n", 0, ""},
    /* scraped pages: list items and breadcrumbs are page furniture */
    {"\xE2\x80\xA2 Live\n  \xE2\x80\xA2 Audio\nNews > World\nTalks collapse in Geneva\n", 0,
     "Talks collapse in Geneva"},
    {"* Home\n- About\nReal headline here\n", 1, "Real headline here"},
    {"\xE2\x80\xA2 Only furniture\n", 0, "\xE2\x80\xA2 Only furniture"}, /* nothing better */
    {"", 0, ""},
};

static void test_text_title(void)
{
    for (size_t i = 0; i < sizeof title_cases / sizeof *title_cases; i++) {
        nsi_buf t = {0};
        const title_case *c = &title_cases[i];
        CHECK_EQ_INT(ni_text_title(c->text, strlen(c->text), c->markdown, &t), NS_OK);
        CHECK_EQ_STR(t.str ? t.str : "", c->title);
        nsi_buf_free(&t);
    }
}

#define STR(s) s, strlen(s)

static void test_binary_sniff(void)
{
    CHECK(!ni_looks_binary("plain text\n", 11));
    CHECK(!ni_looks_binary("", 0));
    CHECK(ni_looks_binary("text\0more", 9));
    /* UTF-8 and a few Latin-1 bytes are text; mostly invalid bytes are not */
    CHECK(!ni_looks_binary(STR("caf\xC3\xA9 na\xC3\xAFve \xE2\x80\x94 ok")));
    CHECK(!ni_looks_binary(STR("caf\xE9 in Latin-1, still mostly text")));
    char noise[256];
    for (int i = 0; i < 256; i++)
        noise[i] = (char)(0x80 + (i * 7) % 64) ^ (char)(i & 1 ? 0x40 : 0);
    CHECK(ni_looks_binary(noise, sizeof noise));
    /* control characters other than layout ones count against text */
    CHECK(ni_looks_binary("\x01\x02\x03\x04\x05\x06"
                          "ab",
                          8));
    CHECK(!ni_looks_binary(STR("tab\tform\fesc\033[0m\r\n")));
    /* only the first NI_SNIFF_BYTES count; a character cut there is fine */
    char *big = malloc(NI_SNIFF_BYTES + 10);
    memset(big, 'a', NI_SNIFF_BYTES + 10);
    memcpy(big + NI_SNIFF_BYTES - 1, "\xE2\x80\x94", 3);
    big[NI_SNIFF_BYTES + 5] = '\0';
    CHECK(!ni_looks_binary(big, NI_SNIFF_BYTES + 10));
    free(big);
}

NS_TEST_MAIN(NST(test_html_cases), NST(test_html_deep_nesting), NST(test_html_garbage),
             NST(test_html_body_limit), NST(test_html_unescape), NST(test_title_fit),
             NST(test_text_title), NST(test_binary_sniff))
