/* fuzz_date — ns_date_parse (index/common/date.c) on arbitrary bytes: a
 * status for every input, and every date it accepts in years 0..9999 formats
 * and parses back to the same second (ns_date_format's text is a form it
 * reads). */
#include <string.h>

#include "fuzz.h"
#include "nsearch.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 4096)
        return 0;
    int64_t secs = 42;
    int rc = ns_date_parse((const char *)data, size, &secs);
    FUZZ_ASSERT(rc == NS_OK || (rc == NS_EINVAL && secs == 42));
    if (rc != NS_OK)
        return 0;
    char text[32];
    if (ns_date_format(secs, text, sizeof text) != NS_OK)
        return 0; /* a year outside 0..9999 after its offset, as 0000-01-01T00:00+01:00 */
    int64_t back = 0;
    FUZZ_ASSERT(strlen(text) == 20);
    FUZZ_ASSERT(ns_date_parse(text, strlen(text), &back) == NS_OK && back == secs);
    return 0;
}
