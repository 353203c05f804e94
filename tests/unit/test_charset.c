/* test_charset.c — the indexer's encodings (indexer/charset.c): which
 * encoding a file's bytes are read as (BOM, declaration, UTF-8, UTF-16 by its
 * NULs, uchardet), the UTF-8 they become, and the undecodable bytes counted;
 * and that UTF-16/32 is text, not binary (input_text.c). tests/CMakeLists.txt
 * compiles those source files into this test. The Latin-1 and Cyrillic
 * inputs are written as escapes; the UTF-16 ones are made by iconv here. */
#include <iconv.h>
#include <stdlib.h>
#include <string.h>

#include "charset.h"
#include "input.h"
#include "nstest.h"

#define STR(s) s, sizeof(s) - 1

typedef struct cs_case {
    const char *in;
    size_t len;
    int markup;
    const char *name; /* the encoding read as */
    enum ni_charset_how how;
    const char *out; /* NULL: not converted (the input is the text) */
    size_t bad;
} cs_case;

static const cs_case cs_cases[] = {
    /* ASCII and valid UTF-8 are left alone, even when uchardet would guess
     * otherwise (it calls "café" WINDOWS-1250) */
    {STR("plain ascii text\n"), 0, "UTF-8", NI_CHARSET_UTF8, NULL, 0},
    {STR("caf\xC3\xA9"), 0, "UTF-8", NI_CHARSET_UTF8, NULL, 0},
    /* a UTF-8 BOM stays for the reader; broken sequences after it count */
    {STR("\xEF\xBB\xBFok \xC3"), 0, "UTF-8", NI_CHARSET_BOM, NULL, 1},
    /* BOMs of UTF-16 and UTF-32, little and big endian */
    {STR("\xFF\xFEh\0i\0"), 0, "UTF-16LE", NI_CHARSET_BOM, "hi", 0},
    {STR("\xFE\xFF\0h\0\xE9"), 0, "UTF-16BE", NI_CHARSET_BOM, "h\xC3\xA9", 0},
    {STR("\xFF\xFE\0\0h\0\0\0"), 0, "UTF-32LE", NI_CHARSET_BOM, "h", 0},
    {STR("\0\0\xFE\xFF\0\0\0h"), 0, "UTF-32BE", NI_CHARSET_BOM, "h", 0},
    /* an odd byte at the end of UTF-16: one U+FFFD, one bad byte */
    {STR("\xFF\xFEh\0i\0!"), 0, "UTF-16LE", NI_CHARSET_BOM, "hi\xEF\xBF\xBD", 1},
    /* a lone surrogate is undecodable, the rest is kept */
    {STR("\xFF\xFE"
         "a\0\x00\xD8"
         "b\0"),
     0, "UTF-16LE", NI_CHARSET_BOM,
     "a\xEF\xBF\xBD"
     "b",
     2},
    /* UTF-16 without a BOM, by the side its NULs are on */
    {STR("N\0o\0\xEB\0l\0\n\0"), 0, "UTF-16LE", NI_CHARSET_WIDE, "No\xC3\xABl\n", 0},
    {STR("\0N\0o\0\xEB\0l"), 0, "UTF-16BE", NI_CHARSET_WIDE, "No\xC3\xABl", 0},
    /* Latin-1 text: detected, converted (as WINDOWS-1252, its superset) */
    {STR("Le caf\xE9 est tr\xE8s bon pour la sant\xE9, dit-on.\n"), 0, "WINDOWS-1252",
     NI_CHARSET_DETECTED, "Le caf\xC3\xA9 est tr\xC3\xA8s bon pour la sant\xC3\xA9, dit-on.\n", 0},
    /* Cyrillic in WINDOWS-1251 */
    {STR("\xCF\xF0\xE8\xE2\xE5\xF2 \xEC\xE8\xF0"), 0, "WINDOWS-1251", NI_CHARSET_DETECTED,
     "\xD0\x9F\xD1\x80\xD0\xB8\xD0\xB2\xD0\xB5\xD1\x82 \xD0\xBC\xD0\xB8\xD1\x80", 0},
    /* UTF-8 with one broken byte among many good characters stays UTF-8 */
    {STR("\xC3\xA9t\xC3\xA9 \xFF ok \xC3\xA0 la plage, \xC3\xA7"
         "a va tr\xC3\xA8s bien"),
     0, "UTF-8", NI_CHARSET_UTF8, NULL, 1},
    /* HTML's declaration wins over the bytes: the <meta charset> ... */
    {STR("<meta charset=\"iso-8859-1\"><p>caf\xC3\xA9</p>"), 1, "WINDOWS-1252", NI_CHARSET_DECLARED,
     "<meta charset=\"iso-8859-1\"><p>caf\xC3\x83\xC2\xA9</p>", 0},
    /* ... the http-equiv content, any case ... */
    {STR("<META HTTP-EQUIV=\"Content-Type\" CONTENT=\"text/html; Charset=windows-1251\">"
         "\xEC\xE8\xF0"),
     1, "windows-1251", NI_CHARSET_DECLARED,
     "<META HTTP-EQUIV=\"Content-Type\" CONTENT=\"text/html; Charset=windows-1251\">"
     "\xD0\xBC\xD0\xB8\xD1\x80",
     0},
    /* ... and XML's encoding */
    {STR("<?xml version='1.0' encoding='ISO-8859-15'?><a>\xA4</a>"), 1, "ISO-8859-15",
     NI_CHARSET_DECLARED, "<?xml version='1.0' encoding='ISO-8859-15'?><a>\xE2\x82\xAC</a>", 0},
    /* a declared UTF-8 keeps the bytes, counting broken ones */
    {STR("<meta charset=utf-8>caf\xE9"), 1, "UTF-8", NI_CHARSET_DECLARED, NULL, 1},
    /* in plain text a <meta> is only text */
    {STR("<meta charset=\"iso-8859-1\"> caf\xC3\xA9"), 0, "UTF-8", NI_CHARSET_UTF8, NULL, 0},
    /* a charset iconv does not know is ignored: the bytes decide */
    {STR("<meta charset=klingon>caf\xC3\xA9"), 1, "UTF-8", NI_CHARSET_UTF8, NULL, 0},
    /* a declared UTF-16 in ASCII-readable markup is wrong: not believed */
    {STR("<meta charset=utf-16><p>ok</p>"), 1, "UTF-8", NI_CHARSET_UTF8, NULL, 0},
    /* a byte the declared encoding lacks is one U+FFFD and counted */
    {STR("<meta charset=windows-1252>a\x81"
         "b"),
     1, "windows-1252", NI_CHARSET_DECLARED,
     "<meta charset=windows-1252>a\xEF\xBF\xBD"
     "b",
     1},
};

static void test_charset_cases(void)
{
    for (size_t i = 0; i < sizeof cs_cases / sizeof *cs_cases; i++) {
        const cs_case *c = &cs_cases[i];
        nsi_buf out = {0};
        ni_charset cs;
        int st = ni_charset_decode(c->in, c->len, c->markup, &out, &cs);
        if (st != NS_OK || strcmp(cs.name, c->name) || cs.how != c->how ||
            cs.converted != (c->out != NULL) || cs.bad != c->bad ||
            (c->out && (out.len != strlen(c->out) || memcmp(out.str, c->out, out.len))))
            fprintf(stderr, "case %zu: status %d, read as %s (how %d), converted %d, bad %zu\n", i,
                    st, cs.name, (int)cs.how, cs.converted, cs.bad);
        CHECK_EQ_INT(st, NS_OK);
        CHECK_EQ_STR(cs.name, c->name);
        CHECK_EQ_INT(cs.how, c->how);
        CHECK_EQ_INT(cs.converted, c->out != NULL);
        CHECK_EQ_INT(cs.bad, c->bad);
        if (c->out) {
            CHECK_EQ_INT(out.len, strlen(c->out));
            CHECK_EQ_STR(out.str, c->out);
        }
        nsi_buf_free(&out);
    }
}

static void test_declared(void)
{
    char name[16];
    CHECK(ni_charset_declared(STR("<meta charset='koi8-r'>"), name, sizeof name));
    CHECK_EQ_STR(name, "koi8-r");
    /* cut to the room given */
    CHECK(ni_charset_declared(STR("<meta charset=averyveryverylongname>"), name, 8));
    CHECK_EQ_STR(name, "averyve");
    /* a meta without charset, then one with it */
    CHECK(ni_charset_declared(STR("<meta name=x content=y><meta charset = gbk >"), name,
                              sizeof name));
    CHECK_EQ_STR(name, "gbk");
    CHECK(!ni_charset_declared(STR("<p>charset=latin1</p>"), name, sizeof name));
    CHECK(!ni_charset_declared(STR("<meta charset=>"), name, sizeof name));
    CHECK(!ni_charset_declared(STR("<meta charset"), name, sizeof name));
    /* only the first 1,024 bytes are read, as a browser's prescan */
    char late[1100];
    memset(late, ' ', sizeof late);
    memcpy(late + 1030, "<meta charset=gbk>", 18);
    CHECK(!ni_charset_declared(late, sizeof late, name, sizeof name));
    memcpy(late + 1000, "<meta charset=gbk>", 18);
    CHECK(ni_charset_declared(late, sizeof late, name, sizeof name));
}

/* text converted by iconv here, so the UTF-16 inputs are real iconv output */
static size_t to_wide(const char *to, const char *utf8, char *out, size_t room)
{
    iconv_t cd = iconv_open(to, "UTF-8");
    CHECK(cd != (iconv_t)-1);
    char *in = (char *)utf8, *o = out;
    size_t left = strlen(utf8), avail = room;
    CHECK(iconv(cd, &in, &left, &o, &avail) != (size_t)-1);
    iconv_close(cd);
    return room - avail;
}

static void test_wide_is_text(void)
{
    const char *text = "Gr\xC3\xBC\xC3\x9F"
                       "e aus K\xC3\xB6ln\nDie Stra\xC3\x9F"
                       "e ist sch\xC3\xB6n.\n";
    char wide[512];
    size_t bom;
    /* "UTF-16" and "UTF-32" write a BOM */
    size_t n = to_wide("UTF-16", text, wide, sizeof wide);
    CHECK(!ni_looks_binary(wide, n));
    CHECK(ni_text_wide(wide, n, &bom) != NULL && bom == 2);
    n = to_wide("UTF-32", text, wide, sizeof wide);
    CHECK(!ni_looks_binary(wide, n));
    CHECK(ni_text_wide(wide, n, &bom) != NULL && bom == 4);
    n = to_wide("UTF-16BE", text, wide, sizeof wide);
    CHECK(!ni_looks_binary(wide, n));
    CHECK_EQ_STR(ni_text_wide(wide, n, &bom), "UTF-16BE");
    CHECK_EQ_INT(bom, 0);
    /* and it decodes back to the text */
    nsi_buf out = {0};
    ni_charset cs;
    CHECK_EQ_INT(ni_charset_decode(wide, n, 0, &out, &cs), NS_OK);
    CHECK_EQ_STR(out.str, text);
    nsi_buf_free(&out);
    /* NULs that are not UTF-16's pattern stay binary: all-NUL pairs, NULs
     * on both sides, a UTF-32 file without its BOM */
    CHECK(ni_looks_binary("ab\0\0cd\0\0", 8));
    CHECK(ni_looks_binary("a\0\0b\0c\0d\0e", 10));
    n = to_wide("UTF-32LE", text, wide, sizeof wide);
    CHECK(ni_looks_binary(wide, n));
    CHECK(ni_text_wide(wide, n, &bom) == NULL);
    /* small binary numbers look like UTF-16 only if their bytes are text */
    const char nums[] = {1, 0, 2, 0, 3, 0, 4, 0, 5, 0, 6, 0};
    CHECK(ni_looks_binary(nums, sizeof nums));
}

static void test_limit(void)
{
    /* the converted text is held to out->limit */
    char latin[4000];
    memset(latin, '\xE9', sizeof latin);
    memcpy(latin, "<meta charset=latin1>", 21);
    nsi_buf out = {0};
    out.limit = 5000; /* 21 + 3979 * 2 bytes do not fit */
    ni_charset cs;
    CHECK_EQ_INT(ni_charset_decode(latin, sizeof latin, 1, &out, &cs), NS_ETOOBIG);
    CHECK(out.len <= out.limit);
    nsi_buf_free(&out);
    out.limit = 8000; /* they do */
    CHECK_EQ_INT(ni_charset_decode(latin, sizeof latin, 1, &out, &cs), NS_OK);
    CHECK_EQ_INT(out.len, 21 + 3979 * 2);
    nsi_buf_free(&out);
}

NS_TEST_MAIN(NST(test_charset_cases), NST(test_declared), NST(test_wide_is_text), NST(test_limit))
