/* surfaces.h — the surface forms of the documents buffered in memory and
 * their document frequencies, written as a segment's SURFACE section
 * (internal; docs/format.md). */
#ifndef NSI_SURFACES_H
#define NSI_SURFACES_H

#include <stddef.h>
#include <stdint.h>

#include "format/segment.h"

typedef struct nsi_surfaces nsi_surfaces;

int nsi_surfaces_new(nsi_surfaces **out);
void nsi_surfaces_free(nsi_surfaces *s);
/* Forgets every word (keeps allocations). */
void nsi_surfaces_clear(nsi_surfaces *s);
/* A token of the current document: span[0..len) as in the input. Tokens
 * without a surface form (analysis/surface.h) are ignored. */
int nsi_surfaces_token(nsi_surfaces *s, const char *span, size_t len);
/* Adds df documents to word[0..len) (a surface form already: a merge's
 * source's entry). */
int nsi_surfaces_add(nsi_surfaces *s, const char *word, size_t len, uint64_t df);
/* Ends the current document: done non-zero counts each of its words once,
 * zero forgets what it added (a document that failed). */
void nsi_surfaces_doc_end(nsi_surfaces *s, int done);
size_t nsi_surfaces_bytes(const nsi_surfaces *s);
/* Calls fn for every word with df > 0 in ascending byte order, until it
 * returns non-zero (returned). NS_ENOMEM. */
int nsi_surfaces_foreach(const nsi_surfaces *s,
                         int (*fn)(void *ctx, const char *word, size_t len, uint64_t df),
                         void *ctx);
/* Feeds every word with df > 0 to w in ascending byte order. */
int nsi_surfaces_write(const nsi_surfaces *s, nsi_segw *w);

#endif
