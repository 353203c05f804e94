/* docstore.h — zlib-compressed stored fields (internal).
 * Format: docs/format.md, "STORED". */
#ifndef NSI_DOCSTORE_H
#define NSI_DOCSTORE_H

#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"

/* Target uncompressed size of one block, and of the preset dictionary
 * (docstore.c says how they were chosen). */
#ifndef NSI_DOCSTORE_BLOCK
#define NSI_DOCSTORE_BLOCK (8u << 10)
#endif
#ifndef NSI_DOCSTORE_DICT
#define NSI_DOCSTORE_DICT (16u << 10)
#endif

typedef struct nsi_docstore_writer nsi_docstore_writer;

int nsi_docstore_writer_new(nsi_docstore_writer **out);
/* Appends the record of the next document (numbered 0, 1, ...). Copied. */
int nsi_docstore_add(nsi_docstore_writer *w, const void *rec, size_t len);
/* Appends the whole section (blocks then the offset index) to out. */
int nsi_docstore_finish(nsi_docstore_writer *w, nsi_buf *out);
void nsi_docstore_writer_free(nsi_docstore_writer *w);

/* Reading works in place over the section bytes (borrowed, e.g. an mmap). */
typedef struct nsi_docstore {
    const uint8_t *base;
    size_t size;
    uint32_t ndocs;
    uint32_t nblocks;
    const uint8_t *index; /* per block: u64 offset, u32 first doc */
    const uint8_t *dict;  /* preset dictionary, dict_len bytes (may be 0) */
    uint32_t dict_len;
    /* Set by the segment reader (NULL: none): verifies bytes of the section
     * before they are inflated (nsi_seg_touch, docs/format.md CHECKS). */
    int (*touch)(const void *ctx, const void *p, size_t len, char *err, size_t errlen);
    const void *touch_ctx;
} nsi_docstore;

/* Validates the offset index. NS_ECORRUPT with a reason in err. */
int nsi_docstore_open(nsi_docstore *ds, const uint8_t *base, size_t size, char *err, size_t errlen);
/* The same for a section of segment format 1 (no dictionary, 8-byte trailer). */
int nsi_docstore_open_v1(nsi_docstore *ds, const uint8_t *base, size_t size, char *err,
                         size_t errlen);
/* Sets out to the record of doc (replacing out's contents). NS_ECORRUPT on
 * bad data (message in err), NS_EINVAL for doc >= ndocs. */
int nsi_docstore_get(const nsi_docstore *ds, uint32_t doc, nsi_buf *out, char *err, size_t errlen);

/* A caller-owned cache of the last inflated block, so that reading several
 * documents of one block (hits loaded in document order, a merge) inflates it
 * once. Zero-initialise; free with nsi_docstore_cache_free. One per thread. */
typedef struct nsi_docstore_cache {
    const nsi_docstore *ds;
    uint32_t block;
    nsi_buf raw;
} nsi_docstore_cache;

/* Like nsi_docstore_get, but *rec points into the cache: valid until the next
 * call with c or nsi_docstore_cache_free. */
int nsi_docstore_get_cached(const nsi_docstore *ds, nsi_docstore_cache *c, uint32_t doc,
                            const uint8_t **rec, size_t *len, char *err, size_t errlen);
void nsi_docstore_cache_free(nsi_docstore_cache *c);

#endif
