/* fuzz_html — nindex's HTML reader (indexer/input_html.c) on arbitrary
 * bytes: no crash, and text and title come out as C strings of the length
 * reported; the page's date (input_meta.c) is found without a crash and is
 * never longer than the page. */
#include <string.h>

#include "fuzz.h"
#include "input.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > (1u << 20))
        return 0;
    nsi_buf body = {0}, title = {0};
    int rc = ni_html_to_text((const char *)data, size, &body, &title);
    if (rc == 0) {
        FUZZ_ASSERT(!body.str || strlen(body.str) <= body.len);
        FUZZ_ASSERT(!title.str || strlen(title.str) <= title.len);
    }
    nsi_buf date = {0};
    FUZZ_ASSERT(ni_html_date((const char *)data, size, &date) == NS_OK);
    FUZZ_ASSERT(date.len <= size);
    nsi_buf_free(&date);
    nsi_buf_free(&body);
    nsi_buf_free(&title);
    return 0;
}
