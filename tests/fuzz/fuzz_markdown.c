/* fuzz_markdown — nindex's Markdown reader (indexer/input_markdown.c) on
 * arbitrary bytes: no crash; it only removes markup, so the text is never
 * longer than the input, and valid UTF-8 stays valid (it removes and keeps
 * ASCII bytes only); the title cleanup obeys the same. */
#include <string.h>

#include "fuzz.h"
#include "input.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > (1u << 20))
        return 0;
    const char *md = (const char *)data;
    nsi_buf text = {0}, title = {0};
    size_t from = ni_front_matter_end(md, size);
    FUZZ_ASSERT(from <= size);
    FUZZ_ASSERT(ni_markdown_to_text(md, size, from, &text) == NS_OK);
    FUZZ_ASSERT(text.len <= size - from);
    FUZZ_ASSERT(!text.str || strlen(text.str) <= text.len);
    int valid = fuzz_utf8_valid(md, size);
    FUZZ_ASSERT(!valid || fuzz_utf8_valid(text.str ? text.str : "", text.len));
    FUZZ_ASSERT(ni_markdown_title(md, size < 300 ? size : 300, &title) == NS_OK);
    FUZZ_ASSERT(title.len <= 300);
    nsi_buf_free(&text);
    nsi_buf_free(&title);
    return 0;
}
