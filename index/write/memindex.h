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

/* One typed-field value of a document, checked and resolved by the writer
 * (docs/fields.md). */
typedef struct nsi_mfield {
    const char *name;
    size_t name_len;
    int type;          /* NS_FIELD_KEYWORD.._TEXT */
    const char *value; /* keyword, text: the value */
    size_t value_len;
    uint64_t bits; /* date: seconds (two's complement); number: IEEE 754 bits */
} nsi_mfield;

int nsi_memindex_new(nsi_memindex **out);
void nsi_memindex_free(nsi_memindex *m);

/* Analyses doc (title and body fields) and buffers its postings and its
 * stored record, its typed fields (columns and field terms: docs/format.md,
 * "Field terms") and its fingerprints. *docnum receives its number within
 * the buffer. On failure nothing of the document stays. */
int nsi_memindex_add(nsi_memindex *m, nsi_analyzer *an, const ns_doc *doc, const void *rec,
                     size_t rec_len, uint64_t hash, const nsi_mfield *fields, size_t nfields,
                     uint32_t *docnum, nsi_analyze_stats *stats);

/* The buffer's VALUES builder (columns by the buffer's document numbers), so
 * the writer can add its schema's fields as columns before a flush. */
nsi_valw *nsi_memindex_values(nsi_memindex *m);

uint32_t nsi_memindex_ndocs(const nsi_memindex *m);
size_t nsi_memindex_bytes(const nsi_memindex *m);

/* Feeds every buffered document and term to a segment writer. */
int nsi_memindex_write(const nsi_memindex *m, nsi_segw *w);

/* Empties the buffer (keeps allocations where cheap). */
void nsi_memindex_clear(nsi_memindex *m);

#endif
