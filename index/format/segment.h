/* segment.h — immutable segment files: streaming writer, mmap reader and
 * postings cursor (internal). Format: docs/format.md, "Segment file". */
#ifndef NSI_SEGMENT_H
#define NSI_SEGMENT_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "nsearch.h"

#include "common/buf.h"
#include "common/io.h"
#include "format/codec.h"
#include "format/docstore.h"
#include "format/values.h"

#define NSI_SEG_MAGIC "NSSEGMNT"
#define NSI_SEG_END "NSSEGEND"
#define NSI_SEG_VERSION 6
/* Oldest version this build still reads: 1 differs from 2 only in STORED (no
 * preset dictionary); 1 and 2 have no CHECKS section; 1 to 3 store text as
 * zlib blocks, 4 as zstd blocks with dictionaries (docs/format.md). */
#define NSI_SEG_VERSION_MIN 1
/* First version with a CHECKS section (identity, chunk CRCs). */
#define NSI_SEG_VERSION_CHECKS 3
/* First version with a VALUES section (typed fields, fingerprints). */
#define NSI_SEG_VERSION_VALUES 5
/* First version with a SURFACE section (the words as written, folded, for
 * spelling suggestions). */
#define NSI_SEG_VERSION_SURFACE 6
#define NSI_DOC_END UINT32_MAX

/* Layout sizes, each named once (docs/format.md, "Segment file"). */
#define NSI_SEG_HEADER_BYTES 32 /* magic, version, id, ndocs, nsections */
#define NSI_SEG_TABLE_ENTRY 24  /* per section: kind, crc32, offset, length */
#define NSI_SEG_FOOTER_BYTES 24 /* table offset and crc, file crc, end marker */
#define NSI_DICT_BLOCK 16       /* terms per front-coded dictionary block */
#define NSI_TERMIDX_ENTRY 20    /* TERMIDX entry per dictionary block */
#define NSI_SKIP_ENTRY 28       /* POSTINGS skip entry per full block */
#define NSI_CHUNK_SHIFT 12      /* CHECKS: one CRC per 4 KiB chunk */
#define NSI_CHECKS_HEAD 24      /* CHECKS: uid, gen, chunk_shift, nchunks */

enum {
    NSI_SEC_INFO = 1,
    NSI_SEC_TERMS,
    NSI_SEC_TERMIDX,
    NSI_SEC_POSTINGS,
    NSI_SEC_POSITIONS,
    NSI_SEC_NORMS,
    NSI_SEC_DOCMAP,
    NSI_SEC_STORED,
    NSI_SEC_FIELDS,
    NSI_SEC_CHECKS,  /* version 3 and later; always the last section */
    NSI_SEC_VALUES,  /* version 5 and later, written before CHECKS */
    NSI_SEC_SURFACE, /* version 6 and later, after VALUES, before CHECKS */
    NSI_SEC_COUNT = NSI_SEC_SURFACE
};

/* ---- writing: terms in ascending byte order, each with its postings in
 * ascending doc order; documents (norms, id, stored record) in doc order. */
typedef struct nsi_segw nsi_segw;

int nsi_segw_new(nsi_segw **out);
int nsi_segw_term(nsi_segw *w, const char *term, size_t len);
int nsi_segw_posting(nsi_segw *w, uint32_t doc, uint32_t tf_title, uint32_t tf_body,
                     const uint32_t *pos_title, const uint32_t *pos_body);
int nsi_segw_doc(nsi_segw *w, uint32_t len_title, uint32_t len_body, const char *id, size_t id_len,
                 uint64_t hash, const void *rec, size_t rec_len);
/* The same with the record already decoded (merges). */
struct nsi_record;
int nsi_segw_doc_fields(nsi_segw *w, uint32_t len_title, uint32_t len_body, uint64_t hash,
                        const struct nsi_record *rec);
/* The same for a document whose body the caller has put in the stored text
 * already (a block copied with nsi_docstore_copy_block): rec's body is
 * ignored. */
int nsi_segw_doc_copied(nsi_segw *w, uint32_t len_title, uint32_t len_body, uint64_t hash,
                        const struct nsi_record *rec);
/* The writer's VALUES builder: documents' typed fields and fingerprints,
 * by the writer's document numbers. Borrowed until nsi_segw_free. */
nsi_valw *nsi_segw_values(nsi_segw *w);
/* Makes v (borrowed until nsi_segw_free) the writer's VALUES builder instead
 * of its own (a flush: the memory buffer's, by the same document numbers). */
int nsi_segw_use_values(nsi_segw *w, nsi_valw *v);
/* A surface form (a word as written, case-folded, unstemmed) and the number
 * of the segment's documents that hold it (SURFACE, version 6): called in
 * ascending byte order of word, each word once, df > 0, at any time before
 * nsi_segw_finish. NS_EINVAL otherwise. */
int nsi_segw_surface(nsi_segw *w, const char *word, size_t len, uint64_t df);
/* The writer's stored text (STORED), for merges that copy its blocks.
 * Borrowed until nsi_segw_free. */
nsi_docstore_writer *nsi_segw_store(nsi_segw *w);
/* The COMMIT generation the segment is meant to be committed in (CHECKS
 * gen; docs/format.md, "Orphans and leftovers"). 0 unless set. */
void nsi_segw_set_generation(nsi_segw *w, uint64_t gen);
/* Writes and fsyncs dir/seg-<id>.nss. The caller still frees w. */
int nsi_segw_finish(nsi_segw *w, const char *dir, uint64_t seg_id, char *err, size_t errlen);
/* The same, the file created relative to the open directory dirfd (-1: by
 * path; dir names it in messages). The file is created exclusively:
 * NS_EEXISTS when the name is taken. */
int nsi_segw_finish_at(nsi_segw *w, int dirfd, const char *dir, uint64_t seg_id, char *err,
                       size_t errlen);
void nsi_segw_free(nsi_segw *w);
uint32_t nsi_segw_ndocs(const nsi_segw *w);

void nsi_seg_filename(char *buf, size_t n, const char *dir, uint64_t seg_id);

/* The analysis a segment's terms and positions come from (docs/format.md,
 * INFO): 1, a run of Han, kana, Thai... was one token; 2, such text is split
 * (analysis/script.h). A writer writes NSI_ANALYSIS_CURRENT; a merge the
 * lowest of its inputs, since it copies their postings and positions. */
#define NSI_ANALYSIS_RUNS 1u
#define NSI_ANALYSIS_CURRENT 2u
void nsi_segw_set_analysis(nsi_segw *w, unsigned analysis);

/* ---- reading */
typedef struct nsi_seg {
    uint64_t id;
    uint32_t ndocs;
    uint32_t version;   /* format version of the file */
    uint64_t uid;       /* CHECKS uid (0 before version 3) */
    uint64_t gen;       /* CHECKS gen (0 before version 3) */
    uint32_t table_crc; /* the footer's crc32 of the section table */
    /* Version 3: chunk CRCs (in the map) and the bitmap of chunks verified
     * so far, shared by every thread reading the segment (atomic words;
     * NULL before version 3: nothing to verify lazily). */
    const uint8_t *chunk_crcs;
    uint32_t nchunks;
    size_t chunked_bytes; /* bytes the chunks cover, from the file start */
    _Atomic uint64_t *verified;
    char path[4096];
    const uint8_t *map;
    size_t size;
    struct {
        const uint8_t *p;
        size_t len;
        uint32_t crc;
    } sec[NSI_SEC_COUNT + 1];
    uint64_t nterms, npostings, npositions, sum_len_title, sum_len_body;
    /* The analysis its terms and positions come from (INFO, version 5):
     * NSI_ANALYSIS_RUNS when scripts without spaces were runs (every segment
     * before it, and any merge of one), else NSI_ANALYSIS_CURRENT. */
    unsigned analysis;
    uint32_t nblocks; /* dictionary blocks */
    nsi_docstore store;
    /* VALUES (version 5; format/values.h): the columns, parsed at open */
    nsi_vcol *vcols;
    uint32_t nvcols;
    const uint8_t *hashes; /* ndocs × 16 bytes; NULL before version 5 */
    nsi_fileid file;       /* the file as it was when mapped */
    atomic_int faulted;    /* a read past the file's end was turned into zeros
                              (common/guard.h); only for guarded segments */
    int guard_slot;        /* -1 when not guarded */
} nsi_seg;

/* Maps and validates the segment file (header, footer, table, small
 * sections). NS_ECORRUPT/NS_EVERSION/NS_ENOTFOUND with a message naming the
 * file. */
int nsi_seg_open(nsi_seg **out, const char *dir, uint64_t seg_id, char *err, size_t errlen);
/* The same, relative to the open directory dirfd (-1: by path). */
int nsi_seg_open_at(nsi_seg **out, int dirfd, const char *dir, uint64_t seg_id, char *err,
                    size_t errlen);
/* The same for a reader (read/reader.c): the mapping is registered with the
 * bus-error guard, so that a read past the end of a file that shrank sets
 * s->faulted instead of killing the process (when the guard is installed). */
int nsi_seg_open_guarded(nsi_seg **out, const char *dir, uint64_t seg_id, char *err, size_t errlen);
void nsi_seg_close(nsi_seg *s);
/* NS_ECORRUPT naming the file: a guarded read past its end (s->faulted). */
int nsi_seg_fault(const nsi_seg *s, char *err, size_t errlen);

/* The fields shown in hit lists (id, title, url, date, meta) of doc, read in
 * place from the FIELDS section: rec->f[] point into the map (borrowed while
 * the segment is open); the body comes from the STORED section. */
struct nsi_record;
int nsi_seg_fields(const nsi_seg *s, uint32_t doc, struct nsi_record *rec, char *err,
                   size_t errlen);

/* Whether s is the segment COMMIT names: its CHECKS uid (0 before version 3)
 * and footer table_crc must be COMMIT's (docs/format.md, "COMMIT").
 * NS_ECORRUPT naming the file otherwise: a segment copied from another index
 * or replaced by another file of the same name. */
int nsi_seg_identity(const nsi_seg *s, uint64_t uid, uint32_t table_crc, char *err, size_t errlen);
/* Verifies every section CRC, every chunk CRC (version 3 and later) and the
 * whole-file CRC. */
int nsi_seg_verify(const nsi_seg *s, char *err, size_t errlen);
/* Verifies the chunks of bytes [p, p + len) of the map that no thread has
 * verified yet (docs/format.md, CHECKS), then remembers them. NS_OK at once
 * before version 3 (those segments are verified whole at open) or when every
 * chunk is known good; NS_ECORRUPT with "<file>: chunk N (bytes a to b):
 * checksum mismatch" otherwise. Thread-safe. */
int nsi_seg_touch(const nsi_seg *s, const void *p, size_t len, char *err, size_t errlen);
/* Verifies every section CRC (all the bytes a search may read). */
int nsi_seg_verify_sections(const nsi_seg *s, char *err, size_t errlen);

/* The sections a segment of the given version has, in file order
 * (kinds); returns how many. */
unsigned nsi_seg_layout(uint32_t version, int order[NSI_SEC_COUNT]);

/* SURFACE: entries per block; a block's first entry is a whole word
 * (prefix 0) and the section lists each block's offset. */
#define NSI_SURFACE_BLOCK 32

/* Walks the SURFACE section (version 6; none before: no entries): each call
 * to nsi_surfit_next gives the next word in ascending byte order and its df
 * (word borrowed until the next call). nsi_surfit_start starts at the first
 * word and verifies the whole section's chunks (nsi_seg_touch);
 * nsi_surfit_seek starts at the first word of the last block whose first
 * word is not after key[0..klen) (or of the first block), so that at most
 * NSI_SURFACE_BLOCK words before the first word >= key come first, and
 * verifies only the chunks of the blocks it reads. Every word is checked against its block's offset
 * and its predecessor. Returns NS_OK, 1 at the end, or NS_ECORRUPT naming the file. */
typedef struct nsi_surfit {
    const nsi_seg *s;
    const uint8_t *p, *end;
    const uint8_t *blocks, *entries; /* block offsets (u32le), entries */
    uint64_t count, nblocks;
    uint64_t next; /* the entry nsi_surfit_next decodes */
    char word[NS_MAX_TERM_BYTES + 1];
    size_t len;
    uint64_t df;
} nsi_surfit;
int nsi_surfit_start(nsi_surfit *it, const nsi_seg *s, char *err, size_t errlen);
int nsi_surfit_seek(nsi_surfit *it, const nsi_seg *s, const char *key, size_t klen, char *err,
                    size_t errlen);
int nsi_surfit_next(nsi_surfit *it, char *err, size_t errlen);

typedef struct nsi_terminfo {
    uint32_t df;
    uint64_t post_off, post_len;
    uint64_t pos_off, pos_len;
} nsi_terminfo;

/* Looks a term up. NS_OK and *ti filled, NS_ENOTFOUND, or NS_ECORRUPT. */
int nsi_seg_lookup(const nsi_seg *s, const char *term, size_t len, nsi_terminfo *ti, char *err,
                   size_t errlen);

/* Iterates over the dictionary from the first term >= from (from may be
 * NULL/0 for the start). Each call to nsi_dictit_next gives the next term
 * (term borrowed until the next call). Returns NS_OK, NS_DONE-like 1 at the
 * end, or NS_ECORRUPT. */
typedef struct nsi_dictit {
    const nsi_seg *s;
    uint32_t block;
    uint32_t in_block;
    const uint8_t *p, *end;
    char term[NS_MAX_TERM_BYTES * 4 + 8];
    size_t term_len;
    nsi_terminfo ti;
} nsi_dictit;
int nsi_dictit_seek(nsi_dictit *it, const nsi_seg *s, const char *from, size_t len, char *err,
                    size_t errlen);
int nsi_dictit_next(nsi_dictit *it, char *err, size_t errlen);

static inline void nsi_seg_norms(const nsi_seg *s, uint32_t doc, uint32_t *lt, uint32_t *lb)
{
    const uint8_t *p = s->sec[NSI_SEC_NORMS].p + (size_t)doc * 8;
    *lt = nsi_get_u32le(p);
    *lb = nsi_get_u32le(p + 4);
}

/* ---- postings cursor */
typedef struct nsi_skip {
    uint32_t last_doc, data_off, pos_off, max_tf_body, min_len_body, max_tf_title, min_len_title;
} nsi_skip;

typedef struct nsi_pcur {
    const nsi_seg *s;
    uint32_t df, full, tail_n;
    const uint8_t *skips;    /* full * NSI_SKIP_ENTRY bytes */
    const uint8_t *data;     /* block data start */
    const uint8_t *tail;     /* tail varints */
    const uint8_t *end;      /* end of the term's postings */
    const uint8_t *pos_base; /* term's positions */
    const uint8_t *pos_end;
    uint32_t tail_pos_off;
    /* current block: index 0..full (full = the tail) */
    uint32_t block;
    uint32_t n;   /* docs in the current block */
    uint32_t i;   /* index of the current doc in the block */
    uint32_t doc; /* current doc, NSI_DOC_END when exhausted */
    uint32_t docs[NSI_BLOCK], tft[NSI_BLOCK], tfb[NSI_BLOCK];
    /* positions decoding state for the current block */
    const uint8_t *pblock; /* positions of the block's first doc */
    const uint8_t *pp;     /* positions of doc pp_i of the block */
    uint32_t pp_i;
    int corrupt;     /* set on any decoding failure */
    int pos_touched; /* the term's positions were verified (nsi_seg_touch) */
} nsi_pcur;

/* Positions the cursor on the term's first posting. */
int nsi_pcur_init(nsi_pcur *c, const nsi_seg *s, const nsi_terminfo *ti);
/* Moves to the first doc >= target (target > current doc). Sets c->doc to
 * NSI_DOC_END at the end. Returns NS_OK or NS_ECORRUPT. */
int nsi_pcur_seek(nsi_pcur *c, uint32_t target);
static inline int nsi_pcur_next(nsi_pcur *c) { return nsi_pcur_seek(c, c->doc + 1); }
static inline uint32_t nsi_pcur_tf_title(const nsi_pcur *c) { return c->tft[c->i]; }
static inline uint32_t nsi_pcur_tf_body(const nsi_pcur *c) { return c->tfb[c->i]; }
/* Decodes the current doc's positions into title[] (tf_title values) and
 * body[] (tf_body values); the caller sizes them. NS_ECORRUPT on bad data. */
int nsi_pcur_positions(nsi_pcur *c, uint32_t *title, uint32_t *body);
/* Skip entry of block b (< full). */
void nsi_pcur_skip(const nsi_pcur *c, uint32_t b, nsi_skip *out);
/* The block-max data of the block that would hold doc (without decoding):
 * fills *sk for the block containing the first doc >= doc, or returns 0 when
 * doc lies in the tail (the caller then uses the list bound). */
int nsi_pcur_block_bound(const nsi_pcur *c, uint32_t doc, nsi_skip *sk);

#endif
