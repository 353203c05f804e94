/* fuzz_analyze — the analysis chain on arbitrary bytes. Input: a language
 * byte, then the text. Every token must be non-empty valid UTF-8 of at most
 * NS_MAX_TERM_BYTES * 4 bytes, with a byte range inside the text, ranges and
 * positions ascending. */
#include <string.h>

#include "analysis/analyzer.h"
#include "fuzz.h"
#include "nsearch.h"

static const char *const langs[] = {"english", "none", "french", "russian", "german", "dutch"};
static nsi_analyzer *an[sizeof langs / sizeof langs[0]];

typedef struct ctx {
    size_t len, last_end;
    uint64_t last_pos;
    int first;
} ctx;

static int on_token(void *vctx, const nsi_token *t)
{
    ctx *c = vctx;
    FUZZ_ASSERT(t->term_len > 0 && t->term_len <= NS_MAX_TERM_BYTES * 4);
    FUZZ_ASSERT(fuzz_utf8_valid(t->term, t->term_len));
    FUZZ_ASSERT(t->start < t->end && t->end <= c->len);
    FUZZ_ASSERT(c->first || (t->start >= c->last_end && t->pos > c->last_pos));
    c->first = 0;
    c->last_end = t->end;
    c->last_pos = t->pos;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > 65536)
        return 0;
    size_t l = data[0] % (sizeof langs / sizeof langs[0]);
    if (!an[l])
        FUZZ_ASSERT(nsi_analyzer_new(&an[l], langs[l]) == NS_OK);
    ctx c = {size - 1, 0, 0, 1};
    nsi_analyze_stats st;
    memset(&st, 0, sizeof st);
    int rc = nsi_analyze(an[l], (const char *)data + 1, size - 1, 0,
                         data[0] & 0x80 ? NSI_AN_NOSTEM : 0, on_token, &c, &st);
    FUZZ_ASSERT(rc == NS_OK);
    return 0;
}
