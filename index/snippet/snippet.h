/* snippet.h — snippet window selection and highlighting (internal). */
#ifndef NSI_SNIPPET_H
#define NSI_SNIPPET_H

#include <stddef.h>

#include "analysis/analyzer.h"
#include "common/deadline.h"
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

/* nsi_snippet_build with a deadline (NULL: none), checked every
 * NSI_DEADLINE_EVERY tokens matched: NS_ETIMEOUT once it has passed. */
int nsi_snippet_build_until(nsi_analyzer *an, const char *body, size_t len, const nsq_node *q,
                            size_t max_bytes, nsi_deadline *dl, nsi_snip *out);

/* Where a snippet of body should start so as not to repeat the document's
 * title: past a first line that is the title, else 0. */
size_t nsi_snippet_skip_title(const char *body, size_t len, const char *title, size_t tlen);

void nsi_snip_free(nsi_snip *s);

#endif
