/* fuzz_query — the query parser, planner, search and snippets on a small
 * fixed index. Input: one flags byte (any / literal / lenient / k), then the
 * query text (at most 4 KiB). Every call must return a status; a parsed query
 * must print, search and make snippets without error. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "docs.h"
#include "fuzz.h"
#include "nsearch.h"

static ns_index *idx;
static char dir[256];

static void remove_dir(void)
{
    ns_index_close(idx);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd)) {
    }
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    const char *tmp = getenv("TMPDIR");
    snprintf(dir, sizeof dir, "%s/nsfuzzq.XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(dir))
        abort();
    char err[NS_ERRBUF_SIZE];
    ns_writer *w;
    FUZZ_ASSERT(ns_writer_open(&w, dir, NULL, err, sizeof err) == NS_OK);
    FUZZ_ASSERT(fuzz_put_docs(w) == NS_OK);
    FUZZ_ASSERT(ns_writer_commit(w) == NS_OK);
    ns_writer_close(w);
    FUZZ_ASSERT(ns_index_open(&idx, dir, err, sizeof err) == NS_OK);
    atexit(remove_dir);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > 4096)
        return 0;
    ns_query_options qo = NS_QUERY_OPTIONS_INIT;
    qo.any = data[0] & 1;
    qo.literal = (data[0] >> 1) & 1;
    qo.lenient = (data[0] >> 2) & 1;
    qo.max_terms = 64; /* low limits: the fuzzer hunts bugs, not big inputs */
    qo.max_depth = 16;
    qo.max_expansions = 16;
    ns_query *q;
    char err[NS_ERRBUF_SIZE];
    size_t off = 0;
    int rc = ns_query_parse(&q, (data[0] & 8) ? NULL : idx, (const char *)data + 1, size - 1, &qo,
                            err, sizeof err, &off);
    if (rc) {
        FUZZ_ASSERT(q == NULL && err[0] && off <= size - 1);
        FUZZ_ASSERT(rc == NS_ESYNTAX || rc == NS_ETOOBIG);
        return 0;
    }
    const char *canon = ns_query_string(q);
    FUZZ_ASSERT(canon != NULL);
    ns_search_options so = NS_SEARCH_OPTIONS_INIT;
    so.k = 1 + (data[0] >> 4);
    so.exhaustive = data[0] >> 7;
    ns_results *r;
    rc = ns_search(&r, idx, q, &so);
    /* parsed without the index, a name:... operand is resolved now: an
     * unknown field or a bad range is NS_EINVAL (query-language.md) */
    FUZZ_ASSERT(rc == NS_OK || rc == NS_ETOOBIG || ((data[0] & 8) && rc == NS_EINVAL));
    if (rc == NS_EINVAL) {
        FUZZ_ASSERT(ns_index_errmsg(idx)[0] != '\0');
        ns_query_free(q);
        return 0;
    }
    if (rc == NS_OK) {
        int exact;
        FUZZ_ASSERT(ns_results_count(r) <= so.k);
        FUZZ_ASSERT(ns_results_total(r, &exact) >= ns_results_count(r));
        for (size_t i = 0; i < ns_results_count(r); i++) {
            ns_hit h;
            FUZZ_ASSERT(ns_results_hit(r, i, &h) == NS_OK);
            ns_snippet *s;
            FUZZ_ASSERT(ns_snippet_make(&s, idx, q, r, i, NULL) == NS_OK);
            size_t len, a, b, prev = 0;
            const char *t = ns_snippet_text(s, &len);
            FUZZ_ASSERT(fuzz_utf8_valid(t, len));
            for (size_t k = 0; k < ns_snippet_span_count(s); k++) {
                ns_snippet_span(s, k, &a, &b);
                FUZZ_ASSERT(a >= prev && a < b && b <= len);
                prev = b;
            }
            ns_snippet_free(s);
        }
        ns_results_free(r);
    }
    ns_query_free(q);
    return 0;
}
