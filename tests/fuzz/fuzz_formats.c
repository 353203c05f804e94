/* fuzz_formats — nindex's file layers before the readers, on arbitrary bytes.
 * The first byte chooses the layer, the rest is the file:
 *   0: the encoding of text (indexer/charset.c), 1: of markup (its declared
 *   charset counts).
 * Checks: a status for every input; converted text is valid UTF-8 and within
 * its limit; undecodable bytes are never more than the input. */
#include <string.h>

#include "charset.h"
#include "fuzz.h"
#include "input.h"

static void fuzz_charset(const char *d, size_t n, int markup)
{
    nsi_buf out = {0};
    out.limit = 4 * n + 64;
    ni_charset cs;
    int rc = ni_charset_decode(d, n, markup, &out, &cs);
    FUZZ_ASSERT(rc == NS_OK || rc == NS_ENOMEM || rc == NS_ETOOBIG);
    FUZZ_ASSERT(cs.bad <= n);
    FUZZ_ASSERT(memchr(cs.name, '\0', sizeof cs.name) != NULL);
    if (rc == NS_OK && cs.converted) {
        FUZZ_ASSERT(out.len <= out.limit);
        /* iconv's output and the U+FFFD put for each bad byte */
        FUZZ_ASSERT(fuzz_utf8_valid(out.str, out.len));
    }
    nsi_buf_free(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > (1u << 20))
        return 0;
    const char *d = (const char *)data + 1;
    size_t n = size - 1;
    switch (data[0] % 2) {
    case 0:
    case 1:
        fuzz_charset(d, n, data[0] % 2);
        break;
    }
    return 0;
}
