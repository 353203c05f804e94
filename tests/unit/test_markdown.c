/* test_markdown — nindex's Markdown to text (indexer/input_markdown.c): the
 * markup a reader does not see goes, the words stay, lines stay lines. */
#include <string.h>

#include "input.h"
#include "nstest.h"

/* The text of md (front matter skipped as nindex does), in a static buffer. */
static const char *text(const char *md)
{
    static nsi_buf out;
    nsi_buf_free(&out);
    size_t n = strlen(md);
    CHECK_EQ_INT(ni_markdown_to_text(md, n, ni_front_matter_end(md, n), &out), NS_OK);
    return out.str ? out.str : "";
}

static const char *title(const char *md)
{
    static nsi_buf out;
    nsi_buf_free(&out);
    CHECK_EQ_INT(ni_markdown_title(md, strlen(md), &out), NS_OK);
    return out.str ? out.str : "";
}

static void test_blocks(void)
{
    CHECK_EQ_STR(text("# Talks resume\n\nBody."), "Talks resume\n\nBody.");
    CHECK_EQ_STR(text("## Closing marks ##\ntext"), "Closing marks\ntext");
    CHECK_EQ_STR(text("#hashtag stays"), "#hashtag stays");
    CHECK_EQ_STR(text("> quoted\n>> twice"), "quoted\ntwice");
    CHECK_EQ_STR(text("- one\n* two\n+ three\n12. four\n3) five"), "one\ntwo\nthree\nfour\nfive");
    CHECK_EQ_STR(text("Title\n=====\nSub\n---\nx\n\n***\n___\ny"), "Title\nSub\nx\n\ny");
    CHECK_EQ_STR(text("---\ntitle: \"T\"\ndate: 2024\n---\nBody"), "Body");
    CHECK_EQ_STR(text("[ref]: https://example.org/x\nkept"), "kept");
    /* code in fences is content; the fences go, and markup inside stays */
    CHECK_EQ_STR(text("```c\nint *p = a_b;\n```\nafter"), "int *p = a_b;\nafter");
    CHECK_EQ_STR(text("Windows line\r\nnext\r\n"), "Windows line\nnext\n");
}

static void test_inlines(void)
{
    CHECK_EQ_STR(text("**bold**, *it*, __b__, _i_, ~~gone~~ and `code`"),
                 "bold, it, b, i, gone and code");
    CHECK_EQ_STR(text("snake_case and 2 * 3 = 6 and a*b stay"),
                 "snake_case and 2 * 3 = 6 and a*b stay");
    CHECK_EQ_STR(text("See [the report](https://example.org/r?a=(1)) now."), "See the report now.");
    CHECK_EQ_STR(text("![a map](map.png) and [ref text][r1]"), "a map and ref text");
    CHECK_EQ_STR(text("[not a link] stays"), "[not a link] stays");
    CHECK_EQ_STR(text("mail <a@b.org> or <https://x.org/y>"), "mail a@b.org or https://x.org/y");
    CHECK_EQ_STR(text("a<br/>b <span class=\"x\">c</span> 3 < 4 > 2"), "ab c 3 < 4 > 2");
    CHECK_EQ_STR(text("\\*literal\\* and \\_too\\_"), "*literal* and _too_");
    CHECK_EQ_STR(text("**[sever relations](x)** with Sollis"), "sever relations with Sollis");
    CHECK_EQ_STR(text("unclosed [bracket and (paren"), "unclosed [bracket and (paren");
    CHECK_EQ_STR(title("**Détente** in `the` [north](n)"), "Détente in the north");
}

/* Hostile shapes end and stay bounded: no recursion beyond link nesting in
 * one line, no reading past the end. */
static void test_hostile(void)
{
    static char many[200001];
    memset(many, '[', sizeof many - 1);
    CHECK_EQ_INT((int)strlen(text(many)), (int)sizeof many - 1);
    memset(many, '*', sizeof many - 1);
    CHECK_EQ_STR(text(many), "");
    for (size_t i = 0; i + 4 < sizeof many; i += 4)
        memcpy(many + i, "[![(", 4);
    CHECK(strlen(text(many)) > 0);
    CHECK_EQ_STR(text("<"), "<");
    CHECK_EQ_STR(text("\\"), "\\");
    CHECK_EQ_STR(text("["), "[");
    CHECK_EQ_STR(text(""), "");
}

NS_TEST_MAIN(NST(test_blocks), NST(test_inlines), NST(test_hostile))
