/* fuzz_markdown — nindex's Markdown reader (indexer/input_markdown.c) on
 * arbitrary bytes: no crash; it only removes markup, so the text is never
 * longer than the input, and valid UTF-8 stays valid (it removes and keeps
 * ASCII bytes only); the title cleanup obeys the same. The front matter's
 * date and keywords (input_meta.c) are slices of the input. */
#include <string.h>

#include "fields.h"
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
    nsi_buf date = {0};
    ni_fields f = {0};
    FUZZ_ASSERT(ni_front_matter_fields(md, size, &date, &f) == NS_OK);
    FUZZ_ASSERT(date.len <= size);
    const ns_field *v = ni_fields_view(&f);
    for (size_t i = 0; i < f.n; i++)
        FUZZ_ASSERT(v[i].value_len > 0 && v[i].value_len <= size && v[i].type == NS_FIELD_KEYWORD);
    ni_fields_free(&f);
    nsi_buf_free(&date);
    nsi_buf_free(&text);
    nsi_buf_free(&title);
    return 0;
}
