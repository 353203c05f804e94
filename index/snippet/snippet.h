/* snippet.h — snippet window selection and highlighting (internal). */
#ifndef NSI_SNIPPET_H
#define NSI_SNIPPET_H

#include <stddef.h>

#include "analysis/analyzer.h"
#include "common/deadline.h"
#include "common/internal.h"
#include "query/query.h"

typedef struct nsi_span {
    size_t start, end; /* byte offsets into nsi_snip.text */
} nsi_span;

typedef struct nsi_snip {
    char *text; /* malloc'd, valid UTF-8, NUL-terminated */
    size_t len;
    nsi_span *spans; /* malloc'd, ascending, disjoint */
    size_t nspans;
    int cut_before; /* the window starts after the body's start */
    int cut_after;  /* the window ends before the body's end */
} nsi_snip;

/* Chooses the window of at most max_bytes of body that covers the most
 * distinct positive query terms (terms under NSQ_NOT never count), preferring
 * windows that start at a sentence, cut at word boundaries, and highlights
 * every token that matches a positive term or prefix of q; consecutive tokens
 * that match a phrase of q form one span. Invalid UTF-8 in body is replaced
 * by U+FFFD in the output. Whitespace runs (newlines, tabs) are collapsed to one
 * space in the output. With no match, the body's start is returned.
 * q may be NULL. Caller frees with nsi_snip_free. */
int nsi_snippet_build(nsi_analyzer *an, const char *body, size_t len, const nsq_node *q,
                      size_t max_bytes, nsi_snip *out);

/* Where the terms of the document a body belongs to occur: get appends the
 * body positions (token ordinals, as the analyzer numbers them from the
 * body's start) of the analysed term (term, len) to out, ascending; none
 * when the document lacks it; NS_ETOOBIG, appending nothing, when there are
 * more than max. Returns NS_OK or a status (message set). */
typedef struct nsi_snip_positions {
    int (*get)(void *ctx, const char *term, size_t len, size_t max, nsi_u32vec *out);
    void *ctx;
} nsi_snip_positions;

/* nsi_snippet_build over body[from, len), where body is the document's
 * whole stored body (from: nsi_snippet_skip_title). With pos (may be NULL),
 * the first pass takes the matches from the document's positions and a
 * tokenize-only walk instead of analysing the body (snippet_pos.c); the
 * snippet is the same. dl: a deadline (NULL: none), checked every
 * NSI_DEADLINE_EVERY tokens matched: NS_ETIMEOUT once it has passed. */
int nsi_snippet_build_hit(nsi_analyzer *an, const char *body, size_t len, size_t from,
                          const nsq_node *q, size_t max_bytes, const nsi_snip_positions *pos,
                          nsi_deadline *dl, nsi_snip *out);
/* nsi_snippet_build with a deadline (NULL: none), checked every
 * NSI_DEADLINE_EVERY tokens matched: NS_ETIMEOUT once it has passed. */
int nsi_snippet_build_until(nsi_analyzer *an, const char *body, size_t len, const nsq_node *q,
                            size_t max_bytes, nsi_deadline *dl, nsi_snip *out);

/* Where a snippet of body should start so as not to repeat the document's
 * title: past a first line that is the title, else 0. */
size_t nsi_snippet_skip_title(const char *body, size_t len, const char *title, size_t tlen);

void nsi_snip_free(nsi_snip *s);

#endif
