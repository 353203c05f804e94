/* json_out.c — JSON string literals that are valid whatever the input bytes.
 *
 * Document text is untrusted: it may hold control characters and invalid
 * UTF-8. Both are made safe here, in one place, so that every line of
 * --json output parses. */
#include "json_out.h"

#include <math.h>

#include "utf8.h"

static void put_escape(FILE *out, unsigned char c)
{
    static const char hex[] = "0123456789abcdef";

    switch (c) {
    case '"':
        fputs("\\\"", out);
        return;
    case '\\':
        fputs("\\\\", out);
        return;
    case '\b':
        fputs("\\b", out);
        return;
    case '\f':
        fputs("\\f", out);
        return;
    case '\n':
        fputs("\\n", out);
        return;
    case '\r':
        fputs("\\r", out);
        return;
    case '\t':
        fputs("\\t", out);
        return;
    default:
        fputs("\\u00", out);
        putc(hex[c >> 4], out);
        putc(hex[c & 15], out);
    }
}

static int needs_escape(unsigned char c) { return c < 0x20 || c == 0x7F || c == '"' || c == '\\'; }

void json_out_string(FILE *out, const char *s, size_t len)
{
    size_t run = 0; /* start of the pending run of bytes copied verbatim */
    size_t i = 0;

    putc('"', out);
    while (i < len) {
        unsigned char c = (unsigned char)s[i];
        int32_t cp;
        size_t n;

        if (c < 0x80 && !needs_escape(c)) {
            i++;
            continue;
        }
        fwrite(s + run, 1, i - run, out);
        if (c < 0x80) {
            put_escape(out, c);
            n = 1;
        } else {
            n = nsi_utf8_decode((const uint8_t *)s + i, len - i, &cp);
            if (cp < 0) /* one U+FFFD per bad byte, as docs/http-api.md says */
                for (size_t k = 0; k < n; k++)
                    fputs("\xEF\xBF\xBD", out);
            else
                fwrite(s + i, 1, n, out);
        }
        i += n;
        run = i;
    }
    fwrite(s + run, 1, len - run, out);
    putc('"', out);
}

size_t json_out_decoded_len(const char *s, size_t len)
{
    size_t out = 0;
    size_t i = 0;
    int32_t cp;

    while (i < len) {
        size_t n = nsi_utf8_decode((const uint8_t *)s + i, len - i, &cp);

        out += cp < 0 ? 3 * n : n; /* each bad byte: one U+FFFD */
        i += n;
    }
    return out;
}

void json_out_double(FILE *out, double v)
{
    if (isfinite(v))
        fprintf(out, "%.6g", v);
    else
        fputs("null", out);
}
