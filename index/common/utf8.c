/* utf8.c — the one UTF-8 decoder and encoder, and display width (utf8.h). */
#include "common/utf8.h"

#include <utf8proc.h>

size_t nsi_utf8_lead_len(uint8_t c)
{
    if (c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF)
        return 2;
    if (c >= 0xE0 && c <= 0xEF)
        return 3;
    if (c >= 0xF0 && c <= 0xF4)
        return 4;
    return 0; /* continuation byte, C0/C1 (always overlong), F5..FF */
}

/* Length of the maximal subpart of the ill-formed sequence at s[0..n): the
 * lead byte and the continuation bytes after it that are still allowed in
 * that position (Unicode Table 3-7), at least 1. */
static size_t maximal_subpart(const uint8_t *s, size_t n)
{
    uint8_t c = s[0];
    size_t need = nsi_utf8_lead_len(c);
    uint8_t lo = 0x80, hi = 0xBF; /* allowed range of the next byte */
    if (c == 0xE0)
        lo = 0xA0; /* overlong */
    else if (c == 0xED)
        hi = 0x9F; /* surrogates */
    else if (c == 0xF0)
        lo = 0x90; /* overlong */
    else if (c == 0xF4)
        hi = 0x8F; /* above U+10FFFF */
    size_t k = 1;
    while (k < need && k < n && s[k] >= lo && s[k] <= hi) {
        k++;
        lo = 0x80;
        hi = 0xBF;
    }
    return k;
}

size_t nsi_utf8_decode(const uint8_t *s, size_t n, int32_t *cp)
{
    if (s[0] < 0x80) {
        *cp = s[0];
        return 1;
    }
    utf8proc_ssize_t len = n > 4 ? 4 : (utf8proc_ssize_t)n;
    utf8proc_int32_t c;
    utf8proc_ssize_t k = utf8proc_iterate(s, len, &c);
    if (k > 0 && c >= 0) {
        *cp = c;
        return (size_t)k;
    }
    *cp = NSI_UTF8_INVALID;
    return maximal_subpart(s, n);
}

size_t nsi_utf8_encode(int32_t cp, uint8_t *out)
{
    if (!utf8proc_codepoint_valid(cp))
        cp = NSI_UTF8_REPLACEMENT;
    return (size_t)utf8proc_encode_char(cp, out);
}

unsigned nsi_utf8_cp_width(int32_t cp)
{
    if (cp < 0)
        cp = NSI_UTF8_REPLACEMENT;
    int w = utf8proc_charwidth(cp);
    return w > 0 ? (unsigned)w : 0;
}

size_t nsi_utf8_width(const uint8_t *s, size_t n)
{
    size_t w = 0;
    for (size_t i = 0; i < n;) {
        int32_t cp;
        i += nsi_utf8_decode(s + i, n - i, &cp);
        w += nsi_utf8_cp_width(cp);
    }
    return w;
}
