/* fuzz_snippet — snippet windows and highlights on arbitrary stored text.
 * Input: query text, a NUL byte, then the body (which may be invalid UTF-8).
 * The snippet must be NUL-terminated valid UTF-8 with ascending, disjoint,
 * non-empty spans inside it. */
#include <string.h>

#include "analysis/analyzer.h"
#include "fuzz.h"
#include "nsearch.h"
#include "query/query.h"
#include "snippet/snippet.h"

static nsi_analyzer *an;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 65536)
        return 0;
    const uint8_t *nul = memchr(data, 0, size);
    if (!nul)
        return 0;
    if (!an)
        FUZZ_ASSERT(nsi_analyzer_new(&an, "english") == NS_OK);
    size_t qlen = (size_t)(nul - data);
    const char *body = (const char *)nul + 1;
    size_t blen = size - qlen - 1;
    ns_query_options qo = NS_QUERY_OPTIONS_INIT;
    qo.lenient = 1;
    qo.max_terms = 64;
    qo.max_depth = 16;
    nsq_node *q = NULL;
    char err[256];
    size_t off;
    if (nsi_query_parse((const char *)data, qlen, &qo, an, &q, err, sizeof err, &off))
        return 0;
    size_t max = 20 + qlen % 300;
    nsi_snip s;
    memset(&s, 0, sizeof s);
    int rc = nsi_snippet_build(an, body, blen, q, max, &s);
    FUZZ_ASSERT(rc == NS_OK || rc == NS_ENOMEM);
    if (rc == NS_OK) {
        FUZZ_ASSERT(fuzz_utf8_valid(s.text, s.len));
        FUZZ_ASSERT(s.text[s.len] == 0);
        size_t prev = 0;
        for (size_t i = 0; i < s.nspans; i++) {
            FUZZ_ASSERT(s.spans[i].start >= prev && s.spans[i].start < s.spans[i].end &&
                        s.spans[i].end <= s.len);
            prev = s.spans[i].end;
        }
        nsi_snip_free(&s);
    }
    nsq_free(q);
    return 0;
}
