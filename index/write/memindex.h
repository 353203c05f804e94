/* memindex.h — documents buffered in memory before they become a segment
 * (internal). */
#ifndef NSI_MEMINDEX_H
#define NSI_MEMINDEX_H

#include <stddef.h>
#include <stdint.h>

#include "analysis/analyzer.h"
#include "format/segment.h"
#include "nsearch.h"

typedef struct nsi_memindex nsi_memindex;

int nsi_memindex_new(nsi_memindex **out);
void nsi_memindex_free(nsi_memindex *m);

/* Analyses doc (title and body fields) and buffers its postings and its
 * stored record. *docnum receives its number within the buffer. */
int nsi_memindex_add(nsi_memindex *m, nsi_analyzer *an, const ns_doc *doc, const void *rec,
                     size_t rec_len, uint64_t hash, uint32_t *docnum, nsi_analyze_stats *stats);

uint32_t nsi_memindex_ndocs(const nsi_memindex *m);
size_t nsi_memindex_bytes(const nsi_memindex *m);

/* Feeds every buffered document and term to a segment writer. */
int nsi_memindex_write(const nsi_memindex *m, nsi_segw *w);

/* Empties the buffer (keeps allocations where cheap). */
void nsi_memindex_clear(nsi_memindex *m);

#endif
