/* docstore.c — compressed stored fields.
 * Format: docs/format.md, "STORED".
 *
 * The writer packs `rec_len varint + record` of consecutive documents into a
 * block until the next record would take it past NSI_DOCSTORE_BLOCK bytes,
 * then compresses the block as one zstd frame. A record larger than a block
 * therefore always starts a block and sits alone in it.
 *
 * Blocks are small so that a snippet decompresses little more than its own
 * document; what small blocks lose in compression, a dictionary trained by
 * ZDICT on the segment's first records wins back. bench/codec_table.c chose
 * the codec (docs/benchmarks.md, "Stored-text codecs"): on the 50k news
 * bodies, 8 KiB blocks of zstd level 3 with a 32 KiB dictionary trained on
 * the first 1 MiB are 0.424 of the raw size, against 0.419 for version 2's
 * zlib-6 with a sampled 16 KiB dictionary, and compress 4.5 to 6.5 times and
 * decompress 2 to 3 times as fast; lz4 decompresses faster still but is 0.63.
 *
 * A section may hold several dictionaries and each block names its own, so
 * a merge copies the compressed blocks of its sources with their
 * dictionaries (nsi_docstore_copy_block, nsi_docstore_import_dict) instead of
 * decompressing and compressing them again; only a block that lost documents
 * is compressed again, with the dictionary it had.
 *
 * The reader works in place on the section bytes. Opening checks the offset
 * index once (and, in the zstd layout, digests the dictionaries); a read then trusts
 * only what was checked and verifies everything else per block (the frame's
 * content size against the index, the frame's checksum, that the block holds
 * exactly its documents' records), so damaged data gives NS_ECORRUPT with the
 * block named, never an out-of-bounds read. Decompression contexts are kept
 * one per thread. The zstd layout is that of segment version 4 and later; the
 * zlib sections of versions 1 to 3 are still read (nsi_docstore_open_format
 * maps a version to its layout). In a segment with CHECKS the reader's touch
 * hook verifies the bytes of the trailer, index and dictionaries at open and
 * those of each block before it is decompressed. */
#include "format/docstore.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zdict.h>
#include <zlib.h>
#include <zstd.h>
#include <zstd_errors.h>

#include "format/codec.h"
#include "nsearch.h"

/* zstd level (bench/codec_table.c: level 1 is 0.453 of the raw size, level 3
 * 0.424 at a similar speed, level 6 0.40 at three times the cost). */
#ifndef NSI_DOCSTORE_LEVEL
#define NSI_DOCSTORE_LEVEL 3
#endif

#define INDEX_ENTRY 12 /* u64 offset, u32 first doc */
#define TRAILER 12     /* u32 ndicts, u32 nblocks, u32 ndocs (zstd layout) */
#define TRAILER_V2 12  /* u32 dict_len, u32 nblocks, u32 ndocs */
#define TRAILER_V1 8   /* u32 nblocks, u32 ndocs (segment format 1: no dictionary) */

/* The writer's own dictionary is trained on the first DICT_SAMPLE bytes of
 * records, and only when they are at least DICT_MIN_SAMPLE: a small segment
 * would pay for its dictionary more than it saves, and ZDICT needs samples. */
#ifndef NSI_DOCSTORE_DICT_SAMPLE
#define NSI_DOCSTORE_DICT_SAMPLE (1u << 20)
#endif
#ifndef NSI_DOCSTORE_DICT_MIN_SAMPLE
#define NSI_DOCSTORE_DICT_MIN_SAMPLE (128u << 10)
#endif
#define DICT_SAMPLE ((size_t)NSI_DOCSTORE_DICT_SAMPLE)
#define DICT_MIN_SAMPLE ((size_t)NSI_DOCSTORE_DICT_MIN_SAMPLE)
/* Largest dictionary a zstd-layout section may hold, and the smallest (a
 * ZDICT dictionary has an 8-byte header). */
#define DICT_MAX (128u << 10)
#define DICT_MIN 8u
#define TRAIN_MIN_SAMPLE 16u /* bytes: see decide_own */
/* zlib uses at most a window's worth (32 KiB) of a preset dictionary. */
#define DICT_MAX_V2 32768u
_Static_assert(NSI_DOCSTORE_DICT <= DICT_MAX &&
                   NSI_DOCSTORE_DICT_SAMPLE >= NSI_DOCSTORE_DICT_MIN_SAMPLE,
               "docstore dictionary sizes");

/* Cap on what the writer holds in memory (compressed blocks and the open
 * block). */
#if SIZE_MAX > 0xffffffffu
#define WRITER_LIMIT ((size_t)1 << 34)
#else
#define WRITER_LIMIT ((size_t)1 << 30)
#endif

/* Largest record: its block's ulen must fit a u32 (and zlib's counts, for
 * the old formats, are uInt). */
#define MAX_RECORD ((size_t)1 << 31)

/* Inflate yields at most about 1032 bytes per compressed byte, zstd at most
 * 128 KiB per 3-byte RLE block; a ulen beyond that for its compressed size
 * is damage, and checking it keeps a damaged ulen from making the reader
 * allocate gigabytes. */
#define MAX_RATIO_ZLIB 1032u
#define MAX_RATIO_ZSTD 43691u

struct nsi_docstore_writer {
    nsi_buf blocks;    /* compressed blocks closed so far */
    nsi_buf cur;       /* records of the open block */
    nsi_buf index;     /* INDEX_ENTRY per closed block */
    nsi_buf ulens;     /* u32 per closed block */
    nsi_buf dict_ids;  /* u16 per closed block */
    nsi_buf dicts;     /* the dictionaries back to back */
    nsi_buf dict_offs; /* u32 start of each dictionary in dicts */
    uint32_t ndicts;
    ZSTD_CDict **cdicts; /* per dictionary, made when first used */
    uint32_t ndocs;
    uint32_t nblocks;
    uint32_t cur_first; /* first doc of the open block */
    uint32_t cur_dict;  /* dictionary of the open block's records */
    uint32_t mode;      /* dictionary of records added from now on, or OWN */
    int own_decided;    /* until then, records added under OWN gather in cur */
    uint32_t own_id;    /* the own dictionary once decided (0: none) */
    int finished;
    ZSTD_CCtx *cctx; /* reused across blocks */
};

static void set_err(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
    if (!err || errlen == 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

/* ------------------------------------------------------------------ writer */

int nsi_docstore_writer_new(nsi_docstore_writer **out)
{
    *out = NULL;
    nsi_docstore_writer *w = calloc(1, sizeof *w);
    if (!w)
        return NS_ENOMEM;
    w->blocks.limit = w->cur.limit = WRITER_LIMIT;
    w->index.limit = w->ulens.limit = w->dict_ids.limit = WRITER_LIMIT;
    w->dicts.limit = (size_t)NSI_DOCSTORE_MAX_DICTS * DICT_MAX;
    w->dict_offs.limit = (size_t)NSI_DOCSTORE_MAX_DICTS * 4;
    w->mode = NSI_DOCSTORE_OWN;
    w->cctx = ZSTD_createCCtx();
    /* No dictionary id in frames (the index names each block's dictionary,
     * and copied dictionaries may share ids); a checksum in every frame, as
     * zlib's Adler-32 was, for segments too large to verify at open. */
    if (!w->cctx || ZSTD_isError(ZSTD_CCtx_setParameter(w->cctx, ZSTD_c_dictIDFlag, 0)) ||
        ZSTD_isError(ZSTD_CCtx_setParameter(w->cctx, ZSTD_c_checksumFlag, 1))) {
        ZSTD_freeCCtx(w->cctx);
        free(w);
        return NS_ENOMEM;
    }
    *out = w;
    return NS_OK;
}

static const uint8_t *dict_bytes(const nsi_docstore_writer *w, uint32_t id, size_t *len)
{
    uint32_t start = nsi_get_u32le(w->dict_offs.data + (size_t)(id - 1) * 4);
    uint32_t end =
        id < w->ndicts ? nsi_get_u32le(w->dict_offs.data + (size_t)id * 4) : (uint32_t)w->dicts.len;
    *len = end - start;
    return w->dicts.data + start;
}

/* Adds a dictionary (no deduplication) as number *id. */
static int add_dict(nsi_docstore_writer *w, const uint8_t *dict, size_t len, uint32_t *id)
{
    if (w->ndicts >= NSI_DOCSTORE_MAX_DICTS)
        return NS_ETOOBIG;
    if (len < DICT_MIN || len > DICT_MAX)
        return NS_EINVAL;
    ZSTD_CDict **c = realloc(w->cdicts, ((size_t)w->ndicts + 1) * sizeof *c);
    if (!c)
        return NS_ENOMEM;
    w->cdicts = c;
    c[w->ndicts] = NULL;
    int rc = nsi_buf_reserve(&w->dicts, len);
    if (rc == NS_OK)
        rc = nsi_buf_reserve(&w->dict_offs, 4);
    if (rc)
        return rc;
    nsi_put_u32le(w->dict_offs.data + w->dict_offs.len, (uint32_t)w->dicts.len);
    w->dict_offs.len += 4;
    nsi_buf_append(&w->dicts, dict, len);
    *id = ++w->ndicts;
    return NS_OK;
}

/* Compresses the open block onto blocks and records it in the index. Leaves
 * the writer unchanged on failure. */
static int close_block(nsi_docstore_writer *w)
{
    size_t bound = ZSTD_compressBound(w->cur.len);
    int rc = nsi_buf_reserve(&w->blocks, bound);
    if (rc == NS_OK)
        rc = nsi_buf_reserve(&w->index, INDEX_ENTRY);
    if (rc == NS_OK)
        rc = nsi_buf_reserve(&w->ulens, 4);
    if (rc == NS_OK)
        rc = nsi_buf_reserve(&w->dict_ids, 2);
    if (rc)
        return rc;
    ZSTD_CDict *cd = NULL;
    if (w->cur_dict) {
        cd = w->cdicts[w->cur_dict - 1];
        if (!cd) {
            size_t dlen;
            const uint8_t *d = dict_bytes(w, w->cur_dict, &dlen);
            cd = w->cdicts[w->cur_dict - 1] = ZSTD_createCDict(d, dlen, NSI_DOCSTORE_LEVEL);
            if (!cd)
                return NS_ENOMEM; /* or an imported dictionary zstd refuses */
        }
    }
    if (ZSTD_isError(ZSTD_CCtx_reset(w->cctx, ZSTD_reset_session_only)) ||
        ZSTD_isError(ZSTD_CCtx_refCDict(w->cctx, cd)) ||
        (!cd && ZSTD_isError(
                    ZSTD_CCtx_setParameter(w->cctx, ZSTD_c_compressionLevel, NSI_DOCSTORE_LEVEL))))
        return NS_ERROR;
    size_t clen =
        ZSTD_compress2(w->cctx, w->blocks.data + w->blocks.len, bound, w->cur.data, w->cur.len);
    if (ZSTD_isError(clen))
        return ZSTD_getErrorCode(clen) == ZSTD_error_memory_allocation ? NS_ENOMEM : NS_ERROR;
    nsi_put_u64le(w->index.data + w->index.len, (uint64_t)w->blocks.len);
    nsi_put_u32le(w->index.data + w->index.len + 8, w->cur_first);
    w->index.len += INDEX_ENTRY;
    nsi_put_u32le(w->ulens.data + w->ulens.len, (uint32_t)w->cur.len);
    w->ulens.len += 4;
    w->dict_ids.data[w->dict_ids.len] = (uint8_t)w->cur_dict;
    w->dict_ids.data[w->dict_ids.len + 1] = (uint8_t)(w->cur_dict >> 8);
    w->dict_ids.len += 2;
    w->blocks.len += clen;
    w->nblocks++;
    nsi_buf_reset(&w->cur);
    return NS_OK;
}

static int gathering(const nsi_docstore_writer *w)
{
    return w->mode == NSI_DOCSTORE_OWN && !w->own_decided;
}

/* Appends one record to the open block, closing the block first when the
 * record would take it past NSI_DOCSTORE_BLOCK or belongs to another
 * dictionary (while the own dictionary is undecided, records gather in cur). */
static int add_record(nsi_docstore_writer *w, const uint8_t *rec, size_t len)
{
    uint8_t hdr[10];
    size_t hlen = nsi_varint_put(hdr, len);
    uint32_t dict = w->mode == NSI_DOCSTORE_OWN ? w->own_id : w->mode;
    if (!gathering(w) && w->cur.len &&
        (w->cur_dict != dict || w->cur.len + hlen + len > NSI_DOCSTORE_BLOCK)) {
        int rc = close_block(w);
        if (rc)
            return rc;
    }
    int rc = nsi_buf_reserve(&w->cur, hlen + len);
    if (rc)
        return rc;
    if (w->cur.len == 0) {
        w->cur_first = w->ndocs;
        w->cur_dict = dict;
    }
    memcpy(w->cur.data + w->cur.len, hdr, hlen);
    if (len)
        memcpy(w->cur.data + w->cur.len + hlen, rec, len);
    w->cur.len += hlen + len;
    w->ndocs++;
    return NS_OK;
}

/* Trains the own dictionary on the records gathered in cur (each record one
 * sample), then blocks them as if they had just been added. Too little text,
 * or text ZDICT cannot learn from, gets no dictionary. */
static int decide_own(nsi_docstore_writer *w)
{
    if (w->cur.len == 0) { /* nothing gathered (cur_first is stale) */
        w->own_decided = 1;
        return NS_OK;
    }
    nsi_buf gathered = w->cur;
    memset(&w->cur, 0, sizeof w->cur);
    w->cur.limit = WRITER_LIMIT;
    w->own_decided = 1;
    w->own_id = NSI_DOCSTORE_NONE;
    uint32_t ndocs = w->ndocs, first = w->cur_first;
    int rc = NS_OK;
    const uint8_t *end = gathered.len ? gathered.data + gathered.len : gathered.data;
    if (gathered.len >= DICT_MIN_SAMPLE && ndocs - first >= 8) {
        size_t *sizes = malloc((size_t)(ndocs - first) * sizeof *sizes);
        uint8_t *dict = malloc(NSI_DOCSTORE_DICT);
        /* Samples shorter than ZDICT's d-mers (8 bytes) crash libzstd 1.5.4's
         * fastCover (reads past the buffer; an empty record is a 1-byte
         * sample): adjacent records are joined into samples of at least
         * TRAIN_MIN_SAMPLE bytes, the last short rest added to the sample
         * before it. */
        size_t n = 0, nrec = 0, acc = 0;
        for (const uint8_t *p = gathered.data; p < end && sizes; nrec++) {
            const uint8_t *q = p;
            uint64_t len;
            if (nsi_varint_get(&q, end, &len) != NS_OK || len > (uint64_t)(end - q))
                break; /* cannot happen: add_record wrote these */
            acc += (size_t)(q - p) + (size_t)len;
            if (acc >= TRAIN_MIN_SAMPLE) {
                sizes[n++] = acc;
                acc = 0;
            }
            p = q + len;
        }
        if (sizes && acc) {
            if (n)
                sizes[n - 1] += acc;
            else
                sizes[n++] = acc;
        }
        if (!sizes || !dict) {
            rc = NS_ENOMEM;
        } else if (nrec == ndocs - first && n >= 8) {
            size_t dlen =
                ZDICT_trainFromBuffer(dict, NSI_DOCSTORE_DICT, gathered.data, sizes, (unsigned)n);
            if (!ZDICT_isError(dlen) && dlen >= DICT_MIN)
                rc = add_dict(w, dict, dlen, &w->own_id);
        }
        free(sizes);
        free(dict);
    }
    w->ndocs = first;
    const uint8_t *p = gathered.data;
    while (rc == NS_OK && p < end) {
        uint64_t len;
        if (nsi_varint_get(&p, end, &len) != NS_OK || len > (uint64_t)(end - p)) {
            rc = NS_ERROR; /* cannot happen: add_record wrote these */
            break;
        }
        rc = add_record(w, p, (size_t)len);
        p += len;
    }
    if (rc == NS_OK && w->ndocs != ndocs)
        rc = NS_ERROR;
    nsi_buf_free(&gathered);
    return rc;
}

int nsi_docstore_add(nsi_docstore_writer *w, const void *rec, size_t len)
{
    if (w->finished)
        return NS_EINVAL;
    if (w->ndocs == UINT32_MAX || len > MAX_RECORD)
        return NS_ETOOBIG;
    int rc = add_record(w, rec, len);
    if (rc == NS_OK && gathering(w) && w->cur.len >= DICT_SAMPLE)
        rc = decide_own(w);
    return rc;
}

int nsi_docstore_import_dict(nsi_docstore_writer *w, const uint8_t *dict, size_t len, uint32_t *id)
{
    if (w->finished)
        return NS_EINVAL;
    for (uint32_t k = 1; k <= w->ndicts; k++) {
        size_t klen;
        const uint8_t *kd = dict_bytes(w, k, &klen);
        if (klen == len && memcmp(kd, dict, len) == 0) {
            *id = k;
            return NS_OK;
        }
    }
    return add_dict(w, dict, len, id);
}

int nsi_docstore_use_dict(nsi_docstore_writer *w, uint32_t id)
{
    if (w->finished || (id != NSI_DOCSTORE_OWN && id > w->ndicts))
        return NS_EINVAL;
    if (id == w->mode)
        return NS_OK;
    int rc = NS_OK;
    if (gathering(w) && w->cur.len)
        rc = decide_own(w);
    /* records gathered for the own dictionary start a block of their own */
    else if (id == NSI_DOCSTORE_OWN && !w->own_decided && w->cur.len)
        rc = close_block(w);
    if (rc)
        return rc;
    w->mode = id;
    return NS_OK;
}

int nsi_docstore_copy_block(nsi_docstore_writer *w, const uint8_t *data, size_t clen, uint32_t ulen,
                            uint32_t ndocs, uint32_t id)
{
    if (w->finished || id > w->ndicts || ndocs == 0 || clen == 0)
        return NS_EINVAL;
    if (ndocs > UINT32_MAX - w->ndocs)
        return NS_ETOOBIG;
    int rc = gathering(w) && w->cur.len ? decide_own(w) : NS_OK;
    if (rc == NS_OK && w->cur.len)
        rc = close_block(w);
    if (rc == NS_OK)
        rc = nsi_buf_reserve(&w->blocks, clen);
    if (rc == NS_OK)
        rc = nsi_buf_reserve(&w->index, INDEX_ENTRY);
    if (rc == NS_OK)
        rc = nsi_buf_reserve(&w->ulens, 4);
    if (rc == NS_OK)
        rc = nsi_buf_reserve(&w->dict_ids, 2);
    if (rc)
        return rc;
    nsi_put_u64le(w->index.data + w->index.len, (uint64_t)w->blocks.len);
    nsi_put_u32le(w->index.data + w->index.len + 8, w->ndocs);
    w->index.len += INDEX_ENTRY;
    nsi_put_u32le(w->ulens.data + w->ulens.len, ulen);
    w->ulens.len += 4;
    w->dict_ids.data[w->dict_ids.len] = (uint8_t)id;
    w->dict_ids.data[w->dict_ids.len + 1] = (uint8_t)(id >> 8);
    w->dict_ids.len += 2;
    nsi_buf_append(&w->blocks, data, clen);
    w->nblocks++;
    w->ndocs += ndocs;
    return NS_OK;
}

int nsi_docstore_finish(nsi_docstore_writer *w, nsi_buf *out)
{
    if (w->finished)
        return NS_EINVAL;
    if (gathering(w)) {
        int rc = decide_own(w);
        if (rc)
            return rc;
    }
    if (w->cur.len) {
        int rc = close_block(w);
        if (rc)
            return rc;
    }
    /* reserve everything first so out is either complete or untouched */
    size_t total = w->blocks.len + w->dicts.len + w->dict_offs.len + 4 + w->index.len +
                   w->ulens.len + w->dict_ids.len + TRAILER;
    int rc = nsi_buf_reserve(out, total);
    if (rc)
        return rc;
    uint8_t dicts_end[4], trailer[TRAILER];
    nsi_put_u32le(dicts_end, (uint32_t)w->dicts.len);
    nsi_put_u32le(trailer, w->ndicts);
    nsi_put_u32le(trailer + 4, w->nblocks);
    nsi_put_u32le(trailer + 8, w->ndocs);
    nsi_buf_append(out, w->blocks.data, w->blocks.len);
    nsi_buf_append(out, w->dicts.data, w->dicts.len);
    nsi_buf_append(out, w->dict_offs.data, w->dict_offs.len);
    nsi_buf_append(out, dicts_end, 4);
    nsi_buf_append(out, w->index.data, w->index.len);
    nsi_buf_append(out, w->ulens.data, w->ulens.len);
    nsi_buf_append(out, w->dict_ids.data, w->dict_ids.len);
    nsi_buf_append(out, trailer, TRAILER);
    w->finished = 1;
    return NS_OK;
}

void nsi_docstore_writer_free(nsi_docstore_writer *w)
{
    if (!w)
        return;
    for (uint32_t k = 0; k < w->ndicts; k++)
        ZSTD_freeCDict(w->cdicts[k]);
    free(w->cdicts);
    ZSTD_freeCCtx(w->cctx);
    nsi_buf_free(&w->blocks);
    nsi_buf_free(&w->cur);
    nsi_buf_free(&w->index);
    nsi_buf_free(&w->ulens);
    nsi_buf_free(&w->dict_ids);
    nsi_buf_free(&w->dicts);
    nsi_buf_free(&w->dict_offs);
    free(w);
}

/* ------------------------------------------------------------------ reader */

/* The compressed blocks end where the dictionaries (or the index) start. */
static uint64_t blocks_size(const nsi_docstore *ds)
{
    if (ds->format >= 4)
        return (uint64_t)(ds->dicts - ds->base);
    return (uint64_t)(ds->index - ds->base) - ds->dict_len;
}

static uint64_t block_off(const nsi_docstore *ds, uint32_t i)
{
    return nsi_get_u64le(ds->index + (size_t)i * INDEX_ENTRY);
}

static uint32_t block_first(const nsi_docstore *ds, uint32_t i)
{
    return nsi_get_u32le(ds->index + (size_t)i * INDEX_ENTRY + 8);
}

static uint32_t block_ulen(const nsi_docstore *ds, uint32_t i)
{
    return nsi_get_u32le(ds->ulens + (size_t)i * 4);
}

static uint32_t block_dict(const nsi_docstore *ds, uint32_t i)
{
    if (ds->format < 4)
        return 0;
    const uint8_t *p = ds->dict_ids + (size_t)i * 2;
    return (uint32_t)p[0] | (uint32_t)p[1] << 8;
}

/* Where block i ends, in bytes and in documents. */
static uint64_t block_end(const nsi_docstore *ds, uint32_t i)
{
    return i + 1 < ds->nblocks ? block_off(ds, i + 1) : blocks_size(ds);
}

static uint32_t block_last_doc(const nsi_docstore *ds, uint32_t i)
{
    return (i + 1 < ds->nblocks ? block_first(ds, i + 1) : ds->ndocs) - 1;
}

static int check_index(const nsi_docstore *ds, char *err, size_t errlen)
{
    uint64_t bsize = blocks_size(ds);
    for (uint32_t i = 0; i < ds->nblocks; i++) {
        uint64_t off = block_off(ds, i);
        uint32_t first = block_first(ds, i);
        if (i == 0 ? off != 0 || first != 0
                   : off <= block_off(ds, i - 1) || first <= block_first(ds, i - 1)) {
            set_err(err, errlen, "stored block %u: offset %llu or first doc %u out of order", i,
                    (unsigned long long)off, first);
            return NS_ECORRUPT;
        }
        if (off >= bsize || first >= ds->ndocs) {
            set_err(err, errlen, "stored block %u: offset %llu or first doc %u past the end", i,
                    (unsigned long long)off, first);
            return NS_ECORRUPT;
        }
        if (block_dict(ds, i) > ds->ndicts) {
            set_err(err, errlen, "stored block %u: dictionary %u of %u", i, block_dict(ds, i),
                    ds->ndicts);
            return NS_ECORRUPT;
        }
    }
    /* With the order known, each block's extent is valid; check its ulen. */
    uint64_t ratio = ds->format >= 4 ? MAX_RATIO_ZSTD : MAX_RATIO_ZLIB;
    for (uint32_t i = 0; i < ds->nblocks; i++) {
        uint64_t csize = block_end(ds, i) - block_off(ds, i);
        uint64_t ulen = block_ulen(ds, i);
        uint64_t ndocs = (uint64_t)block_last_doc(ds, i) - block_first(ds, i) + 1;
        if (ulen < ndocs || ulen > csize * ratio) {
            set_err(err, errlen,
                    "stored block %u: uncompressed length %llu impossible for %llu docs "
                    "in %llu bytes",
                    i, (unsigned long long)ulen, (unsigned long long)ndocs,
                    (unsigned long long)csize);
            return NS_ECORRUPT;
        }
    }
    return NS_OK;
}

static int open_zlib(nsi_docstore *ds, const uint8_t *base, size_t size, int v1, char *err,
                     size_t errlen)
{
    memset(ds, 0, sizeof *ds);
    size_t tlen = v1 ? TRAILER_V1 : TRAILER_V2;
    if (size < tlen) {
        set_err(err, errlen, "stored: section of %zu bytes has no trailer", size);
        return NS_ECORRUPT;
    }
    const uint8_t *t = base + size - tlen;
    uint32_t dict_len = v1 ? 0 : nsi_get_u32le(t);
    uint32_t nblocks = nsi_get_u32le(t + tlen - 8);
    uint32_t ndocs = nsi_get_u32le(t + tlen - 4);
    uint64_t tail = (uint64_t)nblocks * (INDEX_ENTRY + 4) + tlen;
    if (dict_len > DICT_MAX_V2 || tail + dict_len > size || nblocks > ndocs ||
        (nblocks == 0) != (ndocs == 0)) {
        set_err(err, errlen,
                "stored: trailer (%u blocks, %u docs, %u-byte dictionary) does not fit %zu "
                "bytes",
                nblocks, ndocs, dict_len, size);
        return NS_ECORRUPT;
    }
    nsi_docstore d = {
        .base = base,
        .size = size,
        .format = v1 ? 1 : 2,
        .ndocs = ndocs,
        .nblocks = nblocks,
        .index = base + (size - (size_t)tail),
        .dict_len = dict_len,
    };
    d.ulens = d.index + (size_t)nblocks * INDEX_ENTRY;
    d.dict = d.index - dict_len;
    int rc = check_index(&d, err, errlen);
    if (rc)
        return rc;
    *ds = d;
    return NS_OK;
}

static int open_zstd(nsi_docstore *ds, const uint8_t *base, size_t size,
                     nsi_docstore_touch_fn touch, const void *touch_ctx, char *err, size_t errlen)
{
    memset(ds, 0, sizeof *ds);
    if (size < TRAILER) {
        set_err(err, errlen, "stored: section of %zu bytes has no trailer", size);
        return NS_ECORRUPT;
    }
    const uint8_t *t = base + size - TRAILER;
    int rc;
    if (touch && (rc = touch(touch_ctx, t, TRAILER, err, errlen)))
        return rc;
    uint32_t ndicts = nsi_get_u32le(t), nblocks = nsi_get_u32le(t + 4);
    uint32_t ndocs = nsi_get_u32le(t + 8);
    uint64_t tail =
        (uint64_t)nblocks * (INDEX_ENTRY + 4 + 2) + ((uint64_t)ndicts + 1) * 4 + TRAILER;
    if (ndicts > NSI_DOCSTORE_MAX_DICTS || tail > size || nblocks > ndocs ||
        (nblocks == 0) != (ndocs == 0)) {
        set_err(err, errlen,
                "stored: trailer (%u blocks, %u docs, %u dictionaries) does not fit %zu bytes",
                nblocks, ndocs, ndicts, size);
        return NS_ECORRUPT;
    }
    /* the offsets, block index, lengths and dictionary numbers */
    if (touch && (rc = touch(touch_ctx, base + (size - (size_t)tail), (size_t)tail, err, errlen)))
        return rc;
    nsi_docstore d = {
        .base = base,
        .size = size,
        .format = 4,
        .ndocs = ndocs,
        .nblocks = nblocks,
        .ndicts = ndicts,
        .dict_offs = base + (size - (size_t)tail),
        .touch = touch,
        .touch_ctx = touch_ctx,
    };
    d.index = d.dict_offs + ((size_t)ndicts + 1) * 4;
    d.ulens = d.index + (size_t)nblocks * INDEX_ENTRY;
    d.dict_ids = d.ulens + (size_t)nblocks * 4;
    /* the dictionaries: offsets from 0, each DICT_MIN to DICT_MAX bytes */
    uint64_t dtotal = nsi_get_u32le(d.dict_offs + (size_t)ndicts * 4);
    if (dtotal > (uint64_t)(d.dict_offs - base) || (ndicts && nsi_get_u32le(d.dict_offs) != 0)) {
        set_err(err, errlen, "stored: %u dictionaries of %llu bytes do not fit", ndicts,
                (unsigned long long)dtotal);
        return NS_ECORRUPT;
    }
    if (ndicts == 0 && dtotal != 0) {
        set_err(err, errlen, "stored: no dictionaries but %llu bytes of them",
                (unsigned long long)dtotal);
        return NS_ECORRUPT;
    }
    d.dicts = d.dict_offs - dtotal;
    for (uint32_t k = 0; k < ndicts; k++) {
        uint32_t a = nsi_get_u32le(d.dict_offs + (size_t)k * 4);
        uint32_t b = nsi_get_u32le(d.dict_offs + (size_t)k * 4 + 4);
        if (b < a || b - a < DICT_MIN || b - a > DICT_MAX) {
            set_err(err, errlen, "stored: dictionary %u spans bytes %u to %u", k + 1, a, b);
            return NS_ECORRUPT;
        }
    }
    rc = check_index(&d, err, errlen);
    if (rc)
        return rc;
    /* the dictionaries are digested now: verify their bytes first */
    if (touch && (rc = touch(touch_ctx, d.dicts, (size_t)dtotal, err, errlen)))
        return rc;
    if (ndicts) {
        d.ddicts = calloc(ndicts, sizeof *d.ddicts);
        if (!d.ddicts)
            return NS_ENOMEM;
        for (uint32_t k = 0; k < ndicts; k++) {
            const uint8_t *p;
            size_t len;
            nsi_docstore_dict_at(&d, k + 1, &p, &len);
            d.ddicts[k] = ZSTD_createDDict(p, len);
            if (!d.ddicts[k]) {
                set_err(err, errlen, "stored: dictionary %u unreadable (damaged or out of memory)",
                        k + 1);
                nsi_docstore_close(&d);
                return NS_ECORRUPT;
            }
        }
    }
    *ds = d;
    return NS_OK;
}

int nsi_docstore_open(nsi_docstore *ds, const uint8_t *base, size_t size, char *err, size_t errlen)
{
    return open_zstd(ds, base, size, NULL, NULL, err, errlen);
}

int nsi_docstore_open_v1(nsi_docstore *ds, const uint8_t *base, size_t size, char *err,
                         size_t errlen)
{
    return open_zlib(ds, base, size, 1, err, errlen);
}

int nsi_docstore_open_v2(nsi_docstore *ds, const uint8_t *base, size_t size, char *err,
                         size_t errlen)
{
    return open_zlib(ds, base, size, 0, err, errlen);
}

int nsi_docstore_open_format(nsi_docstore *ds, int format, const uint8_t *base, size_t size,
                             nsi_docstore_touch_fn touch, const void *touch_ctx, char *err,
                             size_t errlen)
{
    int rc;
    if (format >= 4) /* CHECKS and zstd STORED */
        return open_zstd(ds, base, size, touch, touch_ctx, err, errlen);
    /* 1: no dictionary; 2, and 3 (CHECKS): zlib with a preset dictionary */
    rc = open_zlib(ds, base, size, format == 1, err, errlen);
    if (rc == NS_OK) {
        ds->touch = touch;
        ds->touch_ctx = touch_ctx;
    }
    return rc;
}

void nsi_docstore_close(nsi_docstore *ds)
{
    if (ds->ddicts) {
        for (uint32_t k = 0; k < ds->ndicts; k++)
            ZSTD_freeDDict(ds->ddicts[k]);
        free(ds->ddicts);
        ds->ddicts = NULL;
    }
}

void nsi_docstore_block_at(const nsi_docstore *ds, uint32_t b, nsi_docstore_block *out)
{
    uint64_t off = block_off(ds, b);
    out->data = ds->base + off;
    out->clen = (size_t)(block_end(ds, b) - off);
    out->ulen = block_ulen(ds, b);
    out->first = block_first(ds, b);
    out->ndocs = block_last_doc(ds, b) - out->first + 1;
    out->dict = block_dict(ds, b);
}

void nsi_docstore_dict_at(const nsi_docstore *ds, uint32_t k, const uint8_t **p, size_t *len)
{
    uint32_t a = nsi_get_u32le(ds->dict_offs + (size_t)(k - 1) * 4);
    uint32_t b = nsi_get_u32le(ds->dict_offs + (size_t)k * 4);
    *p = ds->dicts + a;
    *len = b - a;
}

/* The block holding doc: the last one whose first doc is <= doc. */
static uint32_t find_block(const nsi_docstore *ds, uint32_t doc)
{
    uint32_t lo = 0, hi = ds->nblocks; /* block_first(lo) <= doc < block_first(hi) */
    while (hi - lo > 1) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (block_first(ds, mid) <= doc)
            lo = mid;
        else
            hi = mid;
    }
    return lo;
}

/* Inflates zlib block b (segment versions 1 to 3) into out->data (exactly ulen
 * bytes). uncompress() cannot take a preset dictionary, hence the stream. */
static int inflate_block(const nsi_docstore *ds, uint32_t b, nsi_buf *out, char *err, size_t errlen)
{
    uint64_t off = block_off(ds, b);
    uint64_t csize = block_end(ds, b) - off;
    uint32_t ulen = block_ulen(ds, b);
    int rc;
    if (ds->touch && (rc = ds->touch(ds->touch_ctx, ds->dict, ds->dict_len, err, errlen)))
        return rc;
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    if (inflateInit(&zs) != Z_OK)
        return NS_ENOMEM;
    /* csize and ulen fit uInt: check_index bounds csize by the section and
     * ulen by u32; a block is far below 4 GiB (MAX_RECORD). */
    zs.next_in = (Bytef *)(uintptr_t)(ds->base + off);
    zs.avail_in = (uInt)csize;
    zs.next_out = out->data;
    zs.avail_out = ulen;
    int zrc = inflate(&zs, Z_FINISH);
    if (zrc == Z_NEED_DICT) {
        zrc = ds->dict_len ? inflateSetDictionary(&zs, ds->dict, ds->dict_len) : Z_DATA_ERROR;
        if (zrc == Z_OK)
            zrc = inflate(&zs, Z_FINISH);
    }
    /* Not total_in: inflate leaves the header bytes read before Z_NEED_DICT
     * out of it. */
    uint64_t got = ulen - zs.avail_out, used = csize - zs.avail_in;
    inflateEnd(&zs);
    if (zrc == Z_MEM_ERROR)
        return NS_ENOMEM;
    if (zrc != Z_STREAM_END) {
        set_err(err, errlen, "stored block %u: inflate failed (%s)", b,
                zrc == Z_BUF_ERROR ? "longer than its recorded length or cut short"
                                   : "bad data or dictionary");
        return NS_ECORRUPT;
    }
    if (got != ulen || used != csize) {
        set_err(err, errlen, "stored block %u: inflated %llu of %u bytes from %llu of %llu", b,
                (unsigned long long)got, ulen, (unsigned long long)used, (unsigned long long)csize);
        return NS_ECORRUPT;
    }
    return NS_OK;
}

/* One decompression context per thread, freed when the thread ends (a
 * context holds about 100 KiB of tables; making one per block would cost more
 * than decompressing the block). */
static pthread_key_t dctx_key;
static int dctx_key_ok;
static pthread_once_t dctx_once = PTHREAD_ONCE_INIT;

static void dctx_free(void *p) { ZSTD_freeDCtx(p); }

static void dctx_init(void) { dctx_key_ok = pthread_key_create(&dctx_key, dctx_free) == 0; }

/* The calling thread's context; *owned says the caller must free it (only
 * when the thread key could not be made). */
static ZSTD_DCtx *thread_dctx(int *owned)
{
    pthread_once(&dctx_once, dctx_init);
    *owned = !dctx_key_ok;
    if (!dctx_key_ok)
        return ZSTD_createDCtx();
    ZSTD_DCtx *d = pthread_getspecific(dctx_key);
    if (!d) {
        d = ZSTD_createDCtx();
        if (d && pthread_setspecific(dctx_key, d) != 0)
            *owned = 1;
    }
    return d;
}

/* Decompresses zstd block b (segment version 4+) into out->data (exactly ulen bytes).
 * The frame must be one frame, of exactly the block's bytes, that says it
 * holds ulen bytes; the frame's checksum is checked by zstd. */
static int unzstd_block(const nsi_docstore *ds, uint32_t b, nsi_buf *out, char *err, size_t errlen)
{
    uint64_t off = block_off(ds, b);
    size_t csize = (size_t)(block_end(ds, b) - off);
    uint32_t ulen = block_ulen(ds, b), k = block_dict(ds, b);
    const uint8_t *src = ds->base + off;
    unsigned long long fcs = ZSTD_getFrameContentSize(src, csize);
    size_t flen = ZSTD_findFrameCompressedSize(src, csize);
    if (fcs != ulen || ZSTD_isError(flen) || flen != csize) {
        set_err(err, errlen, "stored block %u: not one zstd frame of %u bytes in %zu", b, ulen,
                csize);
        return NS_ECORRUPT;
    }
    int owned;
    ZSTD_DCtx *dctx = thread_dctx(&owned);
    if (!dctx)
        return NS_ENOMEM;
    size_t got =
        ZSTD_decompress_usingDDict(dctx, out->data, ulen, src, csize, k ? ds->ddicts[k - 1] : NULL);
    if (owned)
        ZSTD_freeDCtx(dctx);
    if (ZSTD_isError(got)) {
        if (ZSTD_getErrorCode(got) == ZSTD_error_memory_allocation)
            return NS_ENOMEM;
        set_err(err, errlen, "stored block %u: zstd failed (%s)", b, ZSTD_getErrorName(got));
        return NS_ECORRUPT;
    }
    if (got != ulen) {
        set_err(err, errlen, "stored block %u: decompressed %zu of %u bytes", b, got, ulen);
        return NS_ECORRUPT;
    }
    return NS_OK;
}

/* Decompresses block b into out (replacing its contents). */
static int load_block(const nsi_docstore *ds, uint32_t b, nsi_buf *out, char *err, size_t errlen)
{
    uint64_t off = block_off(ds, b);
    int rc;
    if (ds->touch &&
        (rc = ds->touch(ds->touch_ctx, ds->base + off, block_end(ds, b) - off, err, errlen)))
        return rc;
    nsi_buf_reset(out);
    rc = nsi_buf_reserve(out, block_ulen(ds, b));
    if (rc)
        return rc;
    rc = ds->format >= 4 ? unzstd_block(ds, b, out, err, errlen)
                         : inflate_block(ds, b, out, err, errlen);
    if (rc)
        return rc;
    out->len = block_ulen(ds, b);
    return NS_OK;
}

/* Finds doc's record in a decompressed block, checking on the way that the
 * block holds exactly its documents' records. */
static int find_record(const nsi_docstore *ds, uint32_t b, const nsi_buf *raw, uint32_t doc,
                       const uint8_t **rec, size_t *rec_len, char *err, size_t errlen)
{
    /* Walk every record of the block, not just up to doc, so a block that
     * does not hold exactly its documents is caught whichever doc is read. */
    const uint8_t *p = raw->data, *end = raw->data + raw->len;
    uint32_t last = block_last_doc(ds, b);
    *rec = NULL;
    *rec_len = 0;
    for (uint32_t d = block_first(ds, b);; d++) {
        uint64_t len;
        if (nsi_varint_get(&p, end, &len) != NS_OK || len > (uint64_t)(end - p)) {
            set_err(err, errlen, "stored block %u: record %u overruns block", b, d);
            return NS_ECORRUPT;
        }
        if (d == doc) {
            *rec = p;
            *rec_len = (size_t)len;
        }
        p += len;
        if (d == last)
            break;
    }
    if (p != end) {
        set_err(err, errlen, "stored block %u: %zu bytes after the last record", b,
                (size_t)(end - p));
        return NS_ECORRUPT;
    }
    return NS_OK;
}

int nsi_docstore_get(const nsi_docstore *ds, uint32_t doc, nsi_buf *out, char *err, size_t errlen)
{
    if (doc >= ds->ndocs) {
        set_err(err, errlen, "stored: doc %u out of range (%u docs)", doc, ds->ndocs);
        return NS_EINVAL;
    }
    uint32_t b = find_block(ds, doc);
    int rc = load_block(ds, b, out, err, errlen);
    if (rc)
        return rc;
    const uint8_t *rec;
    size_t rec_len;
    if ((rc = find_record(ds, b, out, doc, &rec, &rec_len, err, errlen)))
        return rc;
    memmove(out->data, rec, rec_len);
    out->len = rec_len;
    return NS_OK;
}

int nsi_docstore_get_cached(const nsi_docstore *ds, nsi_docstore_cache *c, uint32_t doc,
                            const uint8_t **rec, size_t *len, char *err, size_t errlen)
{
    if (doc >= ds->ndocs) {
        set_err(err, errlen, "stored: doc %u out of range (%u docs)", doc, ds->ndocs);
        return NS_EINVAL;
    }
    uint32_t b = find_block(ds, doc);
    if (c->ds != ds || c->block != b) {
        c->ds = NULL;
        if (!c->raw.limit)
            c->raw.limit = (size_t)1 << 40;
        int rc = load_block(ds, b, &c->raw, err, errlen);
        if (rc)
            return rc;
        c->ds = ds;
        c->block = b;
    }
    int rc = find_record(ds, b, &c->raw, doc, rec, len, err, errlen);
    if (rc)
        c->ds = NULL;
    return rc;
}

void nsi_docstore_cache_free(nsi_docstore_cache *c)
{
    nsi_buf_free(&c->raw);
    c->ds = NULL;
}
