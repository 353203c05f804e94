/* test_utf8.c — the one UTF-8 decoder, encoder and display width
 * (index/common/utf8.h): valid sequences, every kind of invalid one, and the
 * widths the CLI lays text out with. */
#include <stdint.h>
#include <string.h>

#include "common/utf8.h"
#include "nstest.h"

/* Decodes s (len bytes) into cps/lens; returns the number of characters. */
static size_t decode_all(const char *s, size_t len, int32_t *cps, size_t *lens, size_t max)
{
    size_t k = 0;
    for (size_t i = 0; i < len && k < max; k++) {
        lens[k] = nsi_utf8_decode((const uint8_t *)s + i, len - i, &cps[k]);
        i += lens[k];
    }
    return k;
}

#define DECODES_TO(str, cp_expected, len_expected)                                                 \
    do {                                                                                           \
        int32_t cp_ = 0;                                                                           \
        CHECK_EQ_INT(nsi_utf8_decode((const uint8_t *)(str), sizeof(str) - 1, &cp_),               \
                     len_expected);                                                                \
        CHECK_EQ_INT(cp_, cp_expected);                                                            \
    } while (0)

static void valid_multibyte(void)
{
    DECODES_TO("A", 'A', 1);
    DECODES_TO("\x7F", 0x7F, 1);
    DECODES_TO("\xC2\x80", 0x80, 2);
    DECODES_TO("\xC3\xA9", 0xE9, 2); /* é */
    DECODES_TO("\xDF\xBF", 0x7FF, 2);
    DECODES_TO("\xE0\xA0\x80", 0x800, 3);        /* smallest 3-byte */
    DECODES_TO("\xE2\x82\xAC", 0x20AC, 3);       /* € */
    DECODES_TO("\xED\x9F\xBF", 0xD7FF, 3);       /* just below the surrogates */
    DECODES_TO("\xEE\x80\x80", 0xE000, 3);       /* just above them */
    DECODES_TO("\xEF\xBF\xBD", 0xFFFD, 3);       /* a real U+FFFD is valid */
    DECODES_TO("\xF0\x90\x80\x80", 0x10000, 4);  /* smallest 4-byte */
    DECODES_TO("\xF0\x9D\x84\x9E", 0x1D11E, 4);  /* musical G clef */
    DECODES_TO("\xF4\x8F\xBF\xBF", 0x10FFFF, 4); /* the last code point */
    /* only n bytes are read: what follows does not matter */
    DECODES_TO("\xC3\xA9\xFF", 0xE9, 2);
    DECODES_TO("\xE6\x97\xA5\xE6\x9C\xAC", 0x65E5, 3); /* 日本 */
}

static void overlong_forms(void)
{
    /* C0 and C1 can only start overlong forms: each byte is one error */
    int32_t cp[8];
    size_t len[8];
    CHECK_EQ_INT(decode_all("\xC0\xAF", 2, cp, len, 8), 2);
    CHECK_EQ_INT(cp[0], NSI_UTF8_INVALID);
    CHECK_EQ_INT(len[0], 1);
    CHECK_EQ_INT(cp[1], NSI_UTF8_INVALID);
    CHECK_EQ_INT(len[1], 1);
    DECODES_TO("\xC1\xBF", NSI_UTF8_INVALID, 1);
    /* E0 needs A0..BF next, F0 needs 90..BF */
    CHECK_EQ_INT(decode_all("\xE0\x80\xAF", 3, cp, len, 8), 3);
    CHECK_EQ_INT(cp[0], NSI_UTF8_INVALID);
    CHECK_EQ_INT(len[0], 1);
    DECODES_TO("\xE0\x9F\xBF", NSI_UTF8_INVALID, 1);
    DECODES_TO("\xF0\x80\x80\x80", NSI_UTF8_INVALID, 1);
    DECODES_TO("\xF0\x8F\xBF\xBF", NSI_UTF8_INVALID, 1);
}

static void surrogates_and_out_of_range(void)
{
    int32_t cp[8];
    size_t len[8];
    /* ED A0 80 is U+D800: ED then two stray continuation bytes */
    CHECK_EQ_INT(decode_all("\xED\xA0\x80", 3, cp, len, 8), 3);
    for (int i = 0; i < 3; i++) {
        CHECK_EQ_INT(cp[i], NSI_UTF8_INVALID);
        CHECK_EQ_INT(len[i], 1);
    }
    DECODES_TO("\xED\xBF\xBF", NSI_UTF8_INVALID, 1);     /* U+DFFF */
    DECODES_TO("\xF4\x90\x80\x80", NSI_UTF8_INVALID, 1); /* U+110000 */
    DECODES_TO("\xF5\x80\x80\x80", NSI_UTF8_INVALID, 1);
    DECODES_TO("\xFF", NSI_UTF8_INVALID, 1);
    DECODES_TO("\x80", NSI_UTF8_INVALID, 1); /* continuation without a lead */
    DECODES_TO("\xBF", NSI_UTF8_INVALID, 1);
}

static void truncated_sequences(void)
{
    /* the maximal subpart is consumed as one error */
    DECODES_TO("\xC3", NSI_UTF8_INVALID, 1);
    DECODES_TO("\xE2\x82", NSI_UTF8_INVALID, 2);
    DECODES_TO("\xF0\x9D\x84", NSI_UTF8_INVALID, 3);
    DECODES_TO("\xF0\x9D", NSI_UTF8_INVALID, 2);

    /* cut by a wrong byte: the error ends before it, the byte decodes anew */
    int32_t cp[8];
    size_t len[8];
    CHECK_EQ_INT(decode_all("\xE2\x82"
                            "A",
                            3, cp, len, 8),
                 2);
    CHECK_EQ_INT(cp[0], NSI_UTF8_INVALID);
    CHECK_EQ_INT(len[0], 2);
    CHECK_EQ_INT(cp[1], 'A');
    CHECK_EQ_INT(decode_all("\xF0\x9D\x84\xC3\xA9", 5, cp, len, 8), 2);
    CHECK_EQ_INT(len[0], 3);
    CHECK_EQ_INT(cp[1], 0xE9);
    /* the Unicode 15 table 3-8 example: 61 F1 80 80 E1 80 C2 62 80 63 80 BF 64 */
    const char *ex = "\x61\xF1\x80\x80\xE1\x80\xC2\x62\x80\x63\x80\xBF\x64";
    int32_t want_cp[] = {'a', -1, -1, -1, 'b', -1, 'c', -1, -1, 'd'};
    size_t want_len[] = {1, 3, 2, 1, 1, 1, 1, 1, 1, 1};
    int32_t cps[16];
    size_t lens[16];
    CHECK_EQ_INT(decode_all(ex, strlen(ex), cps, lens, 16), 10);
    for (int i = 0; i < 10; i++) {
        CHECK_EQ_INT(cps[i], want_cp[i]);
        CHECK_EQ_INT(lens[i], want_len[i]);
    }

    /* lead lengths, for callers that read a window of a longer text */
    CHECK_EQ_INT(nsi_utf8_lead_len('a'), 1);
    CHECK_EQ_INT(nsi_utf8_lead_len(0xC2), 2);
    CHECK_EQ_INT(nsi_utf8_lead_len(0xE2), 3);
    CHECK_EQ_INT(nsi_utf8_lead_len(0xF4), 4);
    CHECK_EQ_INT(nsi_utf8_lead_len(0x80), 0);
    CHECK_EQ_INT(nsi_utf8_lead_len(0xC1), 0);
    CHECK_EQ_INT(nsi_utf8_lead_len(0xF5), 0);
}

static void encode_round_trip(void)
{
    uint8_t b[4];
    CHECK_EQ_INT(nsi_utf8_encode('A', b), 1);
    CHECK(b[0] == 'A');
    CHECK_EQ_INT(nsi_utf8_encode(0x20AC, b), 3);
    CHECK(memcmp(b, "\xE2\x82\xAC", 3) == 0);
    CHECK_EQ_INT(nsi_utf8_encode(0x10FFFF, b), 4);
    CHECK(memcmp(b, "\xF4\x8F\xBF\xBF", 4) == 0);
    /* not scalar values: written as U+FFFD */
    CHECK_EQ_INT(nsi_utf8_encode(0xD800, b), 3);
    CHECK(memcmp(b, "\xEF\xBF\xBD", 3) == 0);
    CHECK_EQ_INT(nsi_utf8_encode(0x110000, b), 3);
    CHECK(memcmp(b, "\xEF\xBF\xBD", 3) == 0);
    CHECK_EQ_INT(nsi_utf8_encode(NSI_UTF8_INVALID, b), 3);
    CHECK(memcmp(b, "\xEF\xBF\xBD", 3) == 0);
    /* every scalar value comes back as itself, with the expected length */
    int bad = 0;
    for (int32_t c = 0; c <= 0x10FFFF; c++) {
        if (c >= 0xD800 && c <= 0xDFFF)
            continue;
        size_t n = nsi_utf8_encode(c, b), want = c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 4;
        int32_t back;
        if (n != want || nsi_utf8_decode(b, n, &back) != n || back != c)
            bad++;
    }
    CHECK_EQ_INT(bad, 0);
}

static void display_width(void)
{
    CHECK_EQ_INT(nsi_utf8_cp_width('a'), 1);
    CHECK_EQ_INT(nsi_utf8_cp_width(0xE9), 1);
    CHECK_EQ_INT(nsi_utf8_cp_width(0x65E5), 2);  /* CJK ideograph */
    CHECK_EQ_INT(nsi_utf8_cp_width(0xAC00), 2);  /* Hangul syllable */
    CHECK_EQ_INT(nsi_utf8_cp_width(0xFF21), 2);  /* fullwidth A */
    CHECK_EQ_INT(nsi_utf8_cp_width(0x1F600), 2); /* emoji */
    CHECK_EQ_INT(nsi_utf8_cp_width(0x0301), 0);  /* combining acute */
    CHECK_EQ_INT(nsi_utf8_cp_width(0x20DD), 0);  /* combining enclosing circle */
    CHECK_EQ_INT(nsi_utf8_cp_width(0x200B), 0);  /* zero width space */
    CHECK_EQ_INT(nsi_utf8_cp_width(0xFFFD), 1);
    CHECK_EQ_INT(nsi_utf8_cp_width(NSI_UTF8_INVALID), 1);

#define WIDTH(s) nsi_utf8_width((const uint8_t *)(s), sizeof(s) - 1)
    CHECK_EQ_INT(WIDTH(""), 0);
    CHECK_EQ_INT(WIDTH("abc"), 3);
    CHECK_EQ_INT(WIDTH("\xE6\x97\xA5\xE6\x9C\xAC"), 4); /* 日本 */
    CHECK_EQ_INT(WIDTH("e\xCC\x81t\xC3\xA9"), 3);       /* e + U+0301, t, é */
    CHECK_EQ_INT(WIDTH("\xE6\x97\xA5"
                       "a"),
                 3);
    /* each invalid sequence is one U+FFFD, one column, like the library's
     * snippet text: a truncated 3-byte sequence is 1 column, not 2 */
    CHECK_EQ_INT(WIDTH("\xE2\x82"
                       "A"),
                 2);
    CHECK_EQ_INT(WIDTH("\xF0\x9D\x84"), 1);
    CHECK_EQ_INT(WIDTH("\xC0\xAF"), 2);
    CHECK_EQ_INT(WIDTH("\xE6\x97"), 1); /* a cut CJK character */
#undef WIDTH
}

NS_TEST_MAIN(NST(valid_multibyte), NST(overlong_forms), NST(surrogates_and_out_of_range),
             NST(truncated_sequences), NST(encode_round_trip), NST(display_width))
