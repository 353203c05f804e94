/* docstore.h — compressed stored fields (internal).
 * Format: docs/format.md, "STORED". */
#ifndef NSI_DOCSTORE_H
#define NSI_DOCSTORE_H

#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"

/* Target uncompressed size of one block, and of the dictionary the writer
 * trains (docstore.c says how they were chosen). */
#ifndef NSI_DOCSTORE_BLOCK
#define NSI_DOCSTORE_BLOCK (8u << 10)
#endif
#ifndef NSI_DOCSTORE_DICT
#define NSI_DOCSTORE_DICT (32u << 10)
#endif

/* Dictionary numbers of a section (zstd layout, segment version 4): 0 is "no dictionary", 1..ndicts
 * the section's dictionaries. NSI_DOCSTORE_OWN, for nsi_docstore_use_dict,
 * is the dictionary the writer trains from the records added under it. */
#define NSI_DOCSTORE_NONE 0u
#define NSI_DOCSTORE_OWN UINT32_MAX
#define NSI_DOCSTORE_MAX_DICTS 65535u

typedef struct nsi_docstore_writer nsi_docstore_writer;

int nsi_docstore_writer_new(nsi_docstore_writer **out);
/* Appends the record of the next document (numbered 0, 1, ...). Copied. The
 * record is compressed with the dictionary chosen by nsi_docstore_use_dict,
 * by default the writer's own. */
int nsi_docstore_add(nsi_docstore_writer *w, const void *rec, size_t len);

/* For merges that copy compressed blocks (write/merge.c). A dictionary taken
 * from another section gets a number in this one (*id; a dictionary equal to
 * one already held gets that one's number); NS_ETOOBIG past
 * NSI_DOCSTORE_MAX_DICTS. Copied. */
int nsi_docstore_import_dict(nsi_docstore_writer *w, const uint8_t *dict, size_t len, uint32_t *id);
/* Compresses the records added from now on with dictionary id (a number of
 * this writer, NSI_DOCSTORE_NONE, or NSI_DOCSTORE_OWN). */
int nsi_docstore_use_dict(nsi_docstore_writer *w, uint32_t id);
/* Appends a compressed block as it is: the next ndocs documents, ulen bytes
 * of records when decompressed with dictionary id of this writer. The caller
 * vouches for the bytes (a merge verified the source section's CRC). */
int nsi_docstore_copy_block(nsi_docstore_writer *w, const uint8_t *data, size_t clen, uint32_t ulen,
                            uint32_t ndocs, uint32_t id);

/* Appends the whole section to out: complete, or out untouched on failure. */
int nsi_docstore_finish(nsi_docstore_writer *w, nsi_buf *out);
void nsi_docstore_writer_free(nsi_docstore_writer *w);

/* Reading works in place over the section bytes (borrowed, e.g. an mmap).
 * After open, an nsi_docstore is read-only: any number of threads may read
 * it at once (each thread decompresses with its own context). */
/* Verifies len bytes at p before they are used: NS_OK, or an error with a
 * reason in err (the segment reader's nsi_seg_touch). */
typedef int (*nsi_docstore_touch_fn)(const void *ctx, const void *p, size_t len, char *err,
                                     size_t errlen);

typedef struct nsi_docstore {
    const uint8_t *base;
    size_t size;
    int format; /* the STORED layout: 1 (zlib, segment version 1), 2 (zlib with a
                 * preset dictionary, versions 2-3) or 4 (zstd, version 4+) */
    uint32_t ndocs;
    uint32_t nblocks;
    const uint8_t *index;    /* per block: u64 offset, u32 first doc */
    const uint8_t *ulens;    /* per block: u32 uncompressed length */
    const uint8_t *dict_ids; /* layout 4, per block: u16 dictionary number */
    const uint8_t *dict;     /* format 2: zlib preset dictionary, dict_len bytes (may be 0) */
    uint32_t dict_len;
    const uint8_t *dicts;     /* layout 4: the dictionaries back to back */
    const uint8_t *dict_offs; /* layout 4: (ndicts + 1) u32 offsets into dicts */
    uint32_t ndicts;
    struct ZSTD_DDict_s **ddicts; /* layout 4: one per dictionary, owned */
    /* Given to nsi_docstore_open_format by the segment reader (NULL: none):
     * verifies bytes of the section before they are decompressed or, for
     * layout 4's dictionaries, digested at open (nsi_seg_touch,
     * docs/format.md CHECKS). */
    nsi_docstore_touch_fn touch;
    const void *touch_ctx;
} nsi_docstore;

/* Validates the offset index (and, in the zstd layout of segment version 4
 * and later, loads the dictionaries). NS_ECORRUPT with a reason in err,
 * NS_ENOMEM. On success the caller closes ds with nsi_docstore_close.
 * nsi_docstore_open reads the zstd layout; _v1 and _v2 the zlib sections of
 * segment versions 1 and 2-3. */
int nsi_docstore_open(nsi_docstore *ds, const uint8_t *base, size_t size, char *err, size_t errlen);
int nsi_docstore_open_v1(nsi_docstore *ds, const uint8_t *base, size_t size, char *err,
                         size_t errlen);
int nsi_docstore_open_v2(nsi_docstore *ds, const uint8_t *base, size_t size, char *err,
                         size_t errlen);
/* The same by segment format version, the one place that maps a version to
 * its STORED layout: 1 -> layout 1, 2 and 3 -> zlib with a dictionary, 4 and
 * later -> zstd. touch (NULL: none) verifies bytes before they are used:
 * the trailer, index and dictionaries at open (zstd), each block (and the
 * zlib dictionary) before it is decompressed. */
int nsi_docstore_open_format(nsi_docstore *ds, int format, const uint8_t *base, size_t size,
                             nsi_docstore_touch_fn touch, const void *touch_ctx, char *err,
                             size_t errlen);
/* Frees what open loaded. Safe on a zeroed or failed-to-open ds. */
void nsi_docstore_close(nsi_docstore *ds);
/* Sets out to the record of doc (replacing out's contents). NS_ECORRUPT on
 * bad data (message in err), NS_EINVAL for doc >= ndocs. */
int nsi_docstore_get(const nsi_docstore *ds, uint32_t doc, nsi_buf *out, char *err, size_t errlen);

/* A caller-owned cache of the last decompressed block, so that reading several
 * documents of one block (hits loaded in document order, a merge) decompresses
 * it once. Zero-initialise; free with nsi_docstore_cache_free. One per thread. */
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

/* One block of an open section (zstd layout), for merges that copy it. */
typedef struct nsi_docstore_block {
    const uint8_t *data; /* the compressed bytes, borrowed from the section */
    size_t clen;
    uint32_t ulen, first, ndocs;
    uint32_t dict; /* 0 or 1..ndicts */
} nsi_docstore_block;

void nsi_docstore_block_at(const nsi_docstore *ds, uint32_t b, nsi_docstore_block *out);
/* Dictionary k (1..ndicts) of a zstd-layout section. */
void nsi_docstore_dict_at(const nsi_docstore *ds, uint32_t k, const uint8_t **p, size_t *len);

#endif
