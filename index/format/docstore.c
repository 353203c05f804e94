/* docstore.c — zlib-compressed stored fields.
 * Format: docs/format.md, "STORED".
 *
 * The writer packs `rec_len varint + record` of consecutive documents into a
 * block until the next record would take it past NSI_DOCSTORE_BLOCK bytes,
 * then deflates the block. A record larger than a block therefore always
 * starts a block and sits alone in it.
 *
 * Blocks are small so that a snippet inflates little more than its own
 * document; what small blocks lose in compression, a preset dictionary
 * (deflateSetDictionary) sampled from the section's first records wins back.
 * Measured on BBC + AG News bodies: 32 KiB blocks without a dictionary 0.420
 * of the raw size and ~290 us to inflate a block; 8 KiB blocks with a 16 KiB
 * dictionary 0.420 and ~85 us, at the same deflate speed (without the
 * dictionary, 8 KiB blocks give 0.471).
 *
 * The reader works in place on the section bytes. nsi_docstore_open checks the
 * offset index once; nsi_docstore_get then trusts only what it checked and
 * verifies everything else per block (the inflated length, the zlib checksum,
 * that the block holds exactly its documents' records), so damaged data gives
 * NS_ECORRUPT with the block named, never an out-of-bounds read. */
#include "format/docstore.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "format/codec.h"
#include "nsearch.h"

/* zlib level. Measured on news text: level 6 (the default) writes 26-40 MB/s
 * at 0.36-0.40 of the raw size, level 1 52-75 MB/s at 0.40-0.44. */
#ifndef NSI_DOCSTORE_LEVEL
#define NSI_DOCSTORE_LEVEL Z_DEFAULT_COMPRESSION
#endif

#define INDEX_ENTRY 12 /* u64 offset, u32 first doc */
#define TRAILER 12     /* u32 dict_len, u32 nblocks, u32 ndocs */
#define TRAILER_V1 8   /* u32 nblocks, u32 ndocs (segment format 1: no dictionary) */

/* The dictionary is sampled from the first DICT_SAMPLE bytes of records, and
 * only when they are at least DICT_MIN_SAMPLE: a small segment would pay for
 * its dictionary more than it saves. Slices of DICT_SLICE bytes, evenly
 * spaced, keep the sample's variety (a prefix would be one article). */
#ifndef NSI_DOCSTORE_DICT_SAMPLE
#define NSI_DOCSTORE_DICT_SAMPLE (128u << 10)
#endif
#ifndef NSI_DOCSTORE_DICT_MIN_SAMPLE
#define NSI_DOCSTORE_DICT_MIN_SAMPLE (64u << 10)
#endif
#define DICT_SAMPLE ((size_t)NSI_DOCSTORE_DICT_SAMPLE)
#define DICT_MIN_SAMPLE ((size_t)NSI_DOCSTORE_DICT_MIN_SAMPLE)
#define DICT_SLICE 256
/* zlib uses at most a window's worth (32 KiB) of a preset dictionary. */
#define DICT_MAX 32768u
/* The slices must fit in the smallest sample that gets a dictionary. */
_Static_assert(NSI_DOCSTORE_DICT % DICT_SLICE == 0 && NSI_DOCSTORE_DICT <= DICT_MAX &&
                   NSI_DOCSTORE_DICT_MIN_SAMPLE >= NSI_DOCSTORE_DICT &&
                   NSI_DOCSTORE_DICT_SAMPLE >= NSI_DOCSTORE_DICT_MIN_SAMPLE,
               "docstore dictionary sizes");

/* Cap on what the writer holds in memory (compressed blocks and the open
 * block). */
#if SIZE_MAX > 0xffffffffu
#define WRITER_LIMIT ((size_t)1 << 34)
#else
#define WRITER_LIMIT ((size_t)1 << 30)
#endif

/* Largest record: its block's ulen must fit a u32 and zlib's one-call
 * deflate counts in uInt. */
#define MAX_RECORD ((size_t)1 << 31)

/* Inflate yields at most about 1032 bytes per compressed byte; a ulen beyond
 * that for its compressed size is damage, and checking it keeps a damaged ulen
 * from making the reader allocate gigabytes. */
#define MAX_RATIO 1032u

struct nsi_docstore_writer {
    nsi_buf blocks; /* compressed blocks closed so far */
    nsi_buf cur;    /* records of the open block */
    nsi_buf index;  /* INDEX_ENTRY per closed block */
    nsi_buf ulens;  /* u32 per closed block */
    uint32_t ndocs;
    uint32_t nblocks;
    uint32_t cur_first; /* first doc of the open block */
    int finished;
    int dict_decided; /* until then, records gather in cur unblocked */
    nsi_buf dict;
    z_stream zs; /* reused across blocks: deflateInit costs more than a reset */
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
    w->index.limit = w->ulens.limit = WRITER_LIMIT;
    w->dict.limit = DICT_MAX;
    if (deflateInit(&w->zs, NSI_DOCSTORE_LEVEL) != Z_OK) {
        free(w);
        return NS_ENOMEM;
    }
    *out = w;
    return NS_OK;
}

/* Deflates the open block onto blocks and records it in the index. Leaves
 * the writer unchanged on failure. */
static int close_block(nsi_docstore_writer *w)
{
    /* + 4: the dictionary's id in the zlib header, which deflateBound only
     * counts once the dictionary is set. */
    uLong bound = deflateBound(&w->zs, (uLong)w->cur.len) + 4;
    int rc = nsi_buf_reserve(&w->blocks, bound);
    if (rc == NS_OK)
        rc = nsi_buf_reserve(&w->index, INDEX_ENTRY);
    if (rc == NS_OK)
        rc = nsi_buf_reserve(&w->ulens, 4);
    if (rc)
        return rc;
    if (w->dict.len && deflateSetDictionary(&w->zs, w->dict.data, (uInt)w->dict.len) != Z_OK)
        return NS_ERROR; /* cannot happen right after a reset */
    w->zs.next_in = w->cur.data;
    w->zs.avail_in = (uInt)w->cur.len;
    w->zs.next_out = w->blocks.data + w->blocks.len;
    w->zs.avail_out = (uInt)bound;
    int zrc = deflate(&w->zs, Z_FINISH);
    size_t clen = (size_t)w->zs.total_out;
    deflateReset(&w->zs);
    if (zrc != Z_STREAM_END)
        return NS_ERROR; /* cannot happen with a deflateBound-sized output */
    nsi_put_u64le(w->index.data + w->index.len, (uint64_t)w->blocks.len);
    nsi_put_u32le(w->index.data + w->index.len + 8, w->cur_first);
    w->index.len += INDEX_ENTRY;
    nsi_put_u32le(w->ulens.data + w->ulens.len, (uint32_t)w->cur.len);
    w->ulens.len += 4;
    w->blocks.len += clen;
    w->nblocks++;
    nsi_buf_reset(&w->cur);
    return NS_OK;
}

/* Appends one record to the open block, closing the block first when the
 * record would take it past NSI_DOCSTORE_BLOCK (once the dictionary is
 * decided; before, everything gathers in cur). */
static int add_record(nsi_docstore_writer *w, const uint8_t *rec, size_t len)
{
    uint8_t hdr[10];
    size_t hlen = nsi_varint_put(hdr, len);
    if (w->dict_decided && w->cur.len && w->cur.len + hlen + len > NSI_DOCSTORE_BLOCK) {
        int rc = close_block(w);
        if (rc)
            return rc;
    }
    int rc = nsi_buf_reserve(&w->cur, hlen + len);
    if (rc)
        return rc;
    if (w->cur.len == 0)
        w->cur_first = w->ndocs;
    memcpy(w->cur.data + w->cur.len, hdr, hlen);
    if (len)
        memcpy(w->cur.data + w->cur.len + hlen, rec, len);
    w->cur.len += hlen + len;
    w->ndocs++;
    return NS_OK;
}

/* Samples the dictionary from the records gathered in cur, then blocks them
 * as if they had just been added. */
static int decide_dict(nsi_docstore_writer *w, size_t dict_size)
{
    nsi_buf gathered = w->cur;
    int rc = NS_OK;
    if (gathered.len >= DICT_MIN_SAMPLE) {
        size_t n = dict_size / DICT_SLICE, stride = gathered.len / n;
        rc = nsi_buf_reserve(&w->dict, n * DICT_SLICE);
        for (size_t i = 0; rc == NS_OK && i < n; i++)
            rc = nsi_buf_append(&w->dict, gathered.data + i * stride, DICT_SLICE);
        if (rc)
            return rc;
    }
    memset(&w->cur, 0, sizeof w->cur);
    w->cur.limit = WRITER_LIMIT;
    w->dict_decided = 1;
    uint32_t ndocs = w->ndocs;
    w->ndocs = w->cur_first;
    const uint8_t *p = gathered.data, *end = gathered.len ? p + gathered.len : p;
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
    if (rc == NS_OK && !w->dict_decided && w->cur.len >= DICT_SAMPLE)
        rc = decide_dict(w, NSI_DOCSTORE_DICT);
    return rc;
}

int nsi_docstore_finish(nsi_docstore_writer *w, nsi_buf *out)
{
    if (w->finished)
        return NS_EINVAL;
    if (!w->dict_decided) {
        int rc = decide_dict(w, NSI_DOCSTORE_DICT);
        if (rc)
            return rc;
    }
    if (w->cur.len) {
        int rc = close_block(w);
        if (rc)
            return rc;
    }
    /* reserve everything first so out is either complete or untouched */
    size_t total = w->blocks.len + w->dict.len + w->index.len + w->ulens.len + TRAILER;
    int rc = nsi_buf_reserve(out, total);
    if (rc)
        return rc;
    uint8_t trailer[TRAILER];
    nsi_put_u32le(trailer, (uint32_t)w->dict.len);
    nsi_put_u32le(trailer + 4, w->nblocks);
    nsi_put_u32le(trailer + 8, w->ndocs);
    nsi_buf_append(out, w->blocks.data, w->blocks.len);
    nsi_buf_append(out, w->dict.data, w->dict.len);
    nsi_buf_append(out, w->index.data, w->index.len);
    nsi_buf_append(out, w->ulens.data, w->ulens.len);
    nsi_buf_append(out, trailer, TRAILER);
    w->finished = 1;
    return NS_OK;
}

void nsi_docstore_writer_free(nsi_docstore_writer *w)
{
    if (!w)
        return;
    deflateEnd(&w->zs);
    nsi_buf_free(&w->blocks);
    nsi_buf_free(&w->cur);
    nsi_buf_free(&w->index);
    nsi_buf_free(&w->ulens);
    nsi_buf_free(&w->dict);
    free(w);
}

/* ------------------------------------------------------------------ reader */

/* The compressed blocks end where the dictionary (or the index) starts. */
static uint64_t blocks_size(const nsi_docstore *ds)
{
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
    return nsi_get_u32le(ds->index + (size_t)ds->nblocks * INDEX_ENTRY + (size_t)i * 4);
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
    }
    /* With the order known, each block's extent is valid; check its ulen. */
    for (uint32_t i = 0; i < ds->nblocks; i++) {
        uint64_t csize = block_end(ds, i) - block_off(ds, i);
        uint64_t ulen = block_ulen(ds, i);
        uint64_t ndocs = (uint64_t)block_last_doc(ds, i) - block_first(ds, i) + 1;
        if (ulen < ndocs || ulen > csize * MAX_RATIO) {
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

static int open_section(nsi_docstore *ds, const uint8_t *base, size_t size, int v1, char *err,
                        size_t errlen)
{
    memset(ds, 0, sizeof *ds);
    size_t tlen = v1 ? TRAILER_V1 : TRAILER;
    if (size < tlen) {
        set_err(err, errlen, "stored: section of %zu bytes has no trailer", size);
        return NS_ECORRUPT;
    }
    const uint8_t *t = base + size - tlen;
    uint32_t dict_len = v1 ? 0 : nsi_get_u32le(t);
    uint32_t nblocks = nsi_get_u32le(t + tlen - 8);
    uint32_t ndocs = nsi_get_u32le(t + tlen - 4);
    uint64_t tail = (uint64_t)nblocks * (INDEX_ENTRY + 4) + tlen;
    if (dict_len > DICT_MAX || tail + dict_len > size || nblocks > ndocs ||
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
        .ndocs = ndocs,
        .nblocks = nblocks,
        .index = base + (size - (size_t)tail),
        .dict_len = dict_len,
    };
    d.dict = d.index - dict_len;
    int rc = check_index(&d, err, errlen);
    if (rc)
        return rc;
    *ds = d;
    return NS_OK;
}

int nsi_docstore_open(nsi_docstore *ds, const uint8_t *base, size_t size, char *err, size_t errlen)
{
    return open_section(ds, base, size, 0, err, errlen);
}

int nsi_docstore_open_v1(nsi_docstore *ds, const uint8_t *base, size_t size, char *err,
                         size_t errlen)
{
    return open_section(ds, base, size, 1, err, errlen);
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

/* Inflates block b into out (exactly its ulen bytes). uncompress() cannot
 * take a preset dictionary, hence the stream. */
static int inflate_block(const nsi_docstore *ds, uint32_t b, nsi_buf *out, char *err, size_t errlen)
{
    uint64_t off = block_off(ds, b);
    uint64_t csize = block_end(ds, b) - off;
    uint32_t ulen = block_ulen(ds, b);
    int rc;
    if (ds->touch && ((rc = ds->touch(ds->touch_ctx, ds->base + off, csize, err, errlen)) ||
                      (rc = ds->touch(ds->touch_ctx, ds->dict, ds->dict_len, err, errlen))))
        return rc;
    nsi_buf_reset(out);
    rc = nsi_buf_reserve(out, ulen);
    if (rc)
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
    out->len = ulen;
    return NS_OK;
}

/* Finds doc's record in an inflated block, checking on the way that the
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
    int rc = inflate_block(ds, b, out, err, errlen);
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
        int rc = inflate_block(ds, b, &c->raw, err, errlen);
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
