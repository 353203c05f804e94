/* fuzz_snippet — snippet windows and highlights on arbitrary stored text.
 * Input: query text, a NUL byte, then the body (which may be invalid UTF-8).
 * The snippet must be NUL-terminated valid UTF-8 with ascending, disjoint,
 * non-empty spans inside it, and the same when its matches come from the
 * body's positions (as the index records them) instead of analysis, with or
 * without a first title line cut off. */
#include <string.h>

#include "analysis/analyzer.h"
#include "fuzz.h"
#include "nsearch.h"
#include "query/query.h"
#include "snippet/snippet.h"

static nsi_analyzer *an;

/* The positions an index would hold: the body analysed from position 0. */
typedef struct body_pos {
    const char *body;
    size_t len;
    const char *term;
    size_t tlen;
    nsi_u32vec *out;
    size_t max;
    int rc;
} body_pos;

static int on_tok(void *ctx, const nsi_token *t)
{
    body_pos *b = ctx;
    if (t->term_len == b->tlen && memcmp(t->term, b->term, b->tlen) == 0) {
        if (b->out->n >= b->max)
            return b->rc = NS_ETOOBIG;
        if (nsi_u32vec_push(b->out, t->pos))
            return b->rc = NS_ENOMEM;
    }
    return 0;
}

static int get_pos(void *ctx, const char *term, size_t len, size_t max, nsi_u32vec *out)
{
    body_pos *b = ctx;
    b->term = term;
    b->tlen = len;
    b->out = out;
    b->max = out->n + max;
    b->rc = NS_OK;
    size_t n0 = out->n;
    int rc = nsi_analyze(an, b->body, b->len, 0, 0, on_tok, b, NULL);
    if (rc || b->rc)
        out->n = n0;
    return rc ? rc : b->rc;
}

static int same(const nsi_snip *a, const nsi_snip *b)
{
    if (a->len != b->len || memcmp(a->text, b->text, a->len) || a->nspans != b->nspans ||
        a->cut_before != b->cut_before || a->cut_after != b->cut_after)
        return 0;
    for (size_t i = 0; i < a->nspans; i++)
        if (a->spans[i].start != b->spans[i].start || a->spans[i].end != b->spans[i].end)
            return 0;
    return 1;
}

/* The snippet of body[from, blen) by analysis and from positions agree. */
static void check_positions(const char *body, size_t blen, size_t from, const nsq_node *q,
                            size_t max)
{
    nsi_snip a, b;
    body_pos bp = {body, blen, NULL, 0, NULL, 0, 0};
    nsi_snip_positions pos = {get_pos, &bp};
    int ra = nsi_snippet_build(an, body + from, blen - from, q, max, &a);
    int rb = nsi_snippet_build_hit(an, body, blen, from, q, max, &pos, NULL, &b);
    if (ra == NS_OK && rb == NS_OK)
        FUZZ_ASSERT(same(&a, &b));
    else
        FUZZ_ASSERT(ra == NS_ENOMEM || rb == NS_ENOMEM);
    nsi_snip_free(&a);
    nsi_snip_free(&b);
}

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
        check_positions(body, blen, 0, q, max);
        const char *nl = memchr(body, '\n', blen);
        size_t from = nl ? nsi_snippet_skip_title(body, blen, body, (size_t)(nl - body)) : 0;
        if (from)
            check_positions(body, blen, from, q, max);
    }
    nsq_free(q);
    return 0;
}
