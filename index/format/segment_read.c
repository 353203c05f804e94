/* segment_read.c — maps a segment file and reads its dictionary and postings
 * in place. Format: docs/format.md, "Segment file".
 *
 * Every read is bounds-checked against the section it belongs to: a damaged
 * file produces NS_ECORRUPT with the file name, never a read outside the map.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/guard.h"
#include "common/internal.h"
#include "common/io.h"
#include "format/record.h"
#include "format/segment.h"

static int corrupt(const nsi_seg *s, char *err, size_t errlen, const char *what)
{
    return nsi_fail(err, errlen, NS_ECORRUPT, "%s: %s", s->path, what);
}

static const char *sec_name(int k)
{
    static const char *names[] = {"?",         "INFO",   "TERMS",  "TERMIDX", "POSTINGS",
                                  "POSITIONS", "NORMS",  "DOCMAP", "STORED",  "FIELDS",
                                  "CHECKS",    "VALUES", "SURFACE"};
    return k >= 1 && k <= NSI_SEC_COUNT ? names[k] : names[0];
}

static int check_sec_crc(const nsi_seg *s, int k, char *err, size_t errlen)
{
    if (nsi_crc32(s->sec[k].p, s->sec[k].len) != s->sec[k].crc) {
        char what[64];
        snprintf(what, sizeof what, "section %s: checksum mismatch", sec_name(k));
        return corrupt(s, err, errlen, what);
    }
    return NS_OK;
}

/* The docstore's hook: its callers name the file, so the message does not. */
static int store_touch(const void *ctx, const void *p, size_t len, char *err, size_t errlen)
{
    const nsi_seg *s = ctx;
    int rc = nsi_seg_touch(s, p, len, err, errlen);
    size_t n = strlen(s->path);
    if (rc && err && !strncmp(err, s->path, n) && err[n] == ':')
        memmove(err, err + n + 2, strlen(err + n + 2) + 1);
    return rc;
}

static int parse_info(nsi_seg *s, char *err, size_t errlen)
{
    const uint8_t *p = s->sec[NSI_SEC_INFO].p, *e = p + s->sec[NSI_SEC_INFO].len;
    uint64_t ndocs;
    if (nsi_varint_get(&p, e, &ndocs) || nsi_varint_get(&p, e, &s->nterms) ||
        nsi_varint_get(&p, e, &s->npostings) || nsi_varint_get(&p, e, &s->npositions) ||
        nsi_varint_get(&p, e, &s->sum_len_title) || nsi_varint_get(&p, e, &s->sum_len_body) ||
        ndocs != s->ndocs)
        return corrupt(s, err, errlen, "section INFO: malformed");
    /* version 5 ends INFO with the analysis (absent in the first files of
     * version 5 written while it was developed: those split nothing) */
    uint64_t an = NSI_ANALYSIS_RUNS;
    if (s->version >= 5 && p < e &&
        (nsi_varint_get(&p, e, &an) || an < NSI_ANALYSIS_RUNS || an > NSI_ANALYSIS_CURRENT))
        return corrupt(s, err, errlen, "section INFO: unknown analysis");
    s->analysis = (unsigned)an;
    if (s->sec[NSI_SEC_NORMS].len != (size_t)s->ndocs * 8)
        return corrupt(s, err, errlen, "section NORMS: wrong size");
    const uint8_t *ti = s->sec[NSI_SEC_TERMIDX].p;
    size_t tlen = s->sec[NSI_SEC_TERMIDX].len;
    if (tlen < 8)
        return corrupt(s, err, errlen, "section TERMIDX: too short");
    s->nblocks = nsi_get_u32le(ti);
    if (nsi_get_u32le(ti + 4) != s->nterms || tlen != 8 + (size_t)s->nblocks * NSI_TERMIDX_ENTRY ||
        s->nblocks != (s->nterms + NSI_DICT_BLOCK - 1) / NSI_DICT_BLOCK)
        return corrupt(s, err, errlen, "section TERMIDX: counts disagree");
    uint64_t prev_d = 0, prev_p = 0, prev_q = 0;
    for (uint32_t b = 0; b < s->nblocks; b++) {
        const uint8_t *en = ti + 8 + (size_t)b * NSI_TERMIDX_ENTRY;
        uint64_t d = nsi_get_u32le(en), po = nsi_get_u64le(en + 4), qo = nsi_get_u64le(en + 12);
        if ((b && (d <= prev_d || po < prev_p || qo < prev_q)) || d >= s->sec[NSI_SEC_TERMS].len ||
            po > s->sec[NSI_SEC_POSTINGS].len || qo > s->sec[NSI_SEC_POSITIONS].len)
            return corrupt(s, err, errlen, "section TERMIDX: block offsets out of order");
        prev_d = d;
        prev_p = po;
        prev_q = qo;
    }
    const uint8_t *fp = s->sec[NSI_SEC_FIELDS].p;
    size_t flen = s->sec[NSI_SEC_FIELDS].len, head = ((size_t)s->ndocs + 1) * 8;
    if (flen < head || nsi_get_u64le(fp) != 0 ||
        nsi_get_u64le(fp + (size_t)s->ndocs * 8) != flen - head)
        return corrupt(s, err, errlen, "section FIELDS: offsets disagree with its size");
    char dserr[256];
    /* In version 3 and later the chunks STORED reads are verified on first
     * use: its trailer, index and (version 4) dictionaries at open, each
     * block before it is decompressed. */
    int dsrc = nsi_docstore_open_format(&s->store, (int)s->version, s->sec[NSI_SEC_STORED].p,
                                        s->sec[NSI_SEC_STORED].len,
                                        s->verified ? store_touch : NULL, s, dserr, sizeof dserr);
    if (dsrc == NS_ENOMEM)
        return nsi_fail(err, errlen, NS_ENOMEM, "%s: out of memory", s->path);
    if (dsrc || s->store.ndocs != s->ndocs) {
        char what[300];
        snprintf(what, sizeof what, "section STORED: %s",
                 dsrc ? dserr : "document count disagrees");
        return corrupt(s, err, errlen, what);
    }
    if (s->verified) {
        /* the block index is read to find any block: verify it now (16
         * bytes per 8 KiB block), the blocks on first use */
        const uint8_t *end = s->sec[NSI_SEC_STORED].p + s->sec[NSI_SEC_STORED].len;
        int rc = nsi_seg_touch(s, s->store.index, (size_t)(end - s->store.index), err, errlen);
        if (rc)
            return rc;
    }
    return NS_OK;
}

/* CHECKS (docs/format.md): the identity, and the chunk CRCs that
 * nsi_seg_touch verifies on first use. Its own CRC was verified. */
static int parse_checks(nsi_seg *s, char *err, size_t errlen)
{
    const uint8_t *c = s->sec[NSI_SEC_CHECKS].p;
    size_t len = s->sec[NSI_SEC_CHECKS].len;
    size_t covered = (size_t)(c - s->map);
    uint64_t want = (covered + ((size_t)1 << NSI_CHUNK_SHIFT) - 1) >> NSI_CHUNK_SHIFT;
    if (len < NSI_CHECKS_HEAD || nsi_get_u32le(c + 16) != NSI_CHUNK_SHIFT ||
        nsi_get_u32le(c + 20) != want || len != NSI_CHECKS_HEAD + want * 4 || nsi_get_u64le(c) == 0)
        return corrupt(s, err, errlen, "section CHECKS: malformed");
    s->uid = nsi_get_u64le(c);
    s->gen = nsi_get_u64le(c + 8);
    s->nchunks = (uint32_t)want;
    s->chunk_crcs = c + NSI_CHECKS_HEAD;
    s->chunked_bytes = covered;
    s->verified = calloc(want / 64 + 1, sizeof *s->verified);
    if (!s->verified)
        return nsi_fail(err, errlen, NS_ENOMEM, "%s: out of memory", s->path);
    return NS_OK;
}

static int parse_layout(nsi_seg *s, uint64_t seg_id, char *err, size_t errlen)
{
    const uint8_t *m = s->map;
    if (s->size < NSI_SEG_HEADER_BYTES + NSI_SEG_FOOTER_BYTES || memcmp(m, NSI_SEG_MAGIC, 8))
        return corrupt(s, err, errlen, "not a segment file (bad magic or truncated)");
    uint32_t version = nsi_get_u32le(m + 8);
    /* A damaged version field must read as damage, not as a newer format:
     * an intact file of any version still ends with its whole-file CRC. */
    int known = version >= NSI_SEG_VERSION_MIN && version <= NSI_SEG_VERSION;
    if (!known && (memcmp(m + s->size - 8, NSI_SEG_END, 8) ||
                   nsi_crc32(m, s->size - NSI_SEG_FOOTER_BYTES) != nsi_get_u32le(m + s->size - 12)))
        return corrupt(s, err, errlen, "header damaged (unknown version, checksum mismatch)");
    if (!known)
        return nsi_fail(err, errlen, NS_EVERSION,
                        "%s: format version %u, this build reads %u to %u", s->path, version,
                        NSI_SEG_VERSION_MIN, NSI_SEG_VERSION);
    s->version = version;
    const uint8_t *foot = m + s->size - NSI_SEG_FOOTER_BYTES;
    if (memcmp(foot + 16, NSI_SEG_END, 8))
        return corrupt(s, err, errlen, "truncated (no end marker)");
    s->id = nsi_get_u64le(m + 16);
    s->ndocs = nsi_get_u32le(m + 24);
    uint32_t nsec = nsi_get_u32le(m + 28);
    uint64_t toff = nsi_get_u64le(foot);
    int order[NSI_SEC_COUNT];
    uint32_t want_sec = nsi_seg_layout(version, order);
    if (s->id != seg_id || nsec != want_sec || toff < NSI_SEG_HEADER_BYTES ||
        toff + (uint64_t)nsec * NSI_SEG_TABLE_ENTRY != s->size - NSI_SEG_FOOTER_BYTES)
        return corrupt(s, err, errlen, "header or footer inconsistent");
    const uint8_t *table = m + toff;
    s->table_crc = nsi_get_u32le(foot + 8);
    if (nsi_crc32(table, (size_t)nsec * NSI_SEG_TABLE_ENTRY) != s->table_crc)
        return corrupt(s, err, errlen, "section table: checksum mismatch");
    uint64_t prev_end = NSI_SEG_HEADER_BYTES;
    /* the table lists sections in file order: by kind, but (version 5 and
     * later) VALUES and SURFACE before CHECKS, the last section */
    for (uint32_t i = 1; i <= nsec; i++) {
        uint32_t k = (uint32_t)order[i - 1];
        const uint8_t *t = table + (i - 1) * NSI_SEG_TABLE_ENTRY;
        uint64_t off = nsi_get_u64le(t + 8), len = nsi_get_u64le(t + 16);
        if (nsi_get_u32le(t) != k || off < prev_end || off > toff || len > toff - off)
            return corrupt(s, err, errlen, "section table: sections overlap or overrun");
        s->sec[k].p = m + off;
        s->sec[k].len = (size_t)len;
        s->sec[k].crc = nsi_get_u32le(t + 4);
        prev_end = off + len;
    }
    static const int small[] = {NSI_SEC_INFO, NSI_SEC_TERMIDX, NSI_SEC_NORMS, NSI_SEC_CHECKS};
    for (size_t i = 0; i < sizeof small / sizeof small[0]; i++) {
        int rc = check_sec_crc(s, small[i], err, errlen);
        if (rc)
            return rc;
    }
    int rc = version >= NSI_SEG_VERSION_CHECKS ? parse_checks(s, err, errlen) : NS_OK;
    if (!rc)
        rc = parse_info(s, err, errlen);
    return rc || version < NSI_SEG_VERSION_VALUES ? rc : nsi_values_open(s, err, errlen);
}

static int seg_open(nsi_seg **out, int dirfd, const char *dir, uint64_t seg_id, int guarded,
                    char *err, size_t errlen);

int nsi_seg_open(nsi_seg **out, const char *dir, uint64_t seg_id, char *err, size_t errlen)
{
    return nsi_seg_open_at(out, -1, dir, seg_id, err, errlen);
}

int nsi_seg_open_at(nsi_seg **out, int dirfd, const char *dir, uint64_t seg_id, char *err,
                    size_t errlen)
{
    return seg_open(out, dirfd, dir, seg_id, 0, err, errlen);
}

int nsi_seg_open_guarded(nsi_seg **out, const char *dir, uint64_t seg_id, char *err, size_t errlen)
{
    return seg_open(out, -1, dir, seg_id, 1, err, errlen);
}

static int seg_open(nsi_seg **out, int dirfd, const char *dir, uint64_t seg_id, int guarded,
                    char *err, size_t errlen)
{
    *out = NULL;
    nsi_seg *s = calloc(1, sizeof *s);
    if (!s)
        return NS_ENOMEM;
    s->guard_slot = -1;
    nsi_seg_filename(s->path, sizeof s->path, dir, seg_id);
    int fd = dirfd >= 0 ? nsi_io_openat(dirfd, s->path + strlen(dir) + 1, O_RDONLY, 0)
                        : nsi_io_open(s->path, O_RDONLY, 0);
    struct stat st;
    if (fd < 0 || nsi_io_fstat(fd, &st)) {
        int e = errno;
        if (fd >= 0)
            nsi_io_close(fd);
        int rc = nsi_fail(err, errlen, e == ENOENT ? NS_ENOTFOUND : nsi_errno_status(e), "%s: %s",
                          s->path, strerror(e));
        free(s);
        return rc;
    }
    s->size = (size_t)st.st_size;
    nsi_fileid_of(&st, &s->file);
    if (s->size == 0) {
        nsi_io_close(fd);
        int rc = corrupt(s, err, errlen, "empty file");
        free(s);
        return rc;
    }
    void *m = nsi_io_map(fd, s->size);
    int e = errno;
    nsi_io_close(fd); /* the mapping keeps the file */
    if (!m) {
        int rc = nsi_fail(err, errlen, nsi_errno_status(e), "%s: mmap: %s", s->path, strerror(e));
        free(s);
        return rc;
    }
    s->map = m;
    if (guarded)
        s->guard_slot = nsi_guard_register(m, s->size, &s->faulted);
    int rc = parse_layout(s, seg_id, err, errlen);
    if (!rc && atomic_load(&s->faulted))
        rc = nsi_seg_fault(s, err, errlen);
    if (rc) {
        nsi_seg_close(s);
        return rc;
    }
    *out = s;
    return NS_OK;
}

void nsi_seg_close(nsi_seg *s)
{
    if (!s)
        return;
    nsi_guard_unregister(s->guard_slot);
    nsi_docstore_close(&s->store);
    free(s->vcols);
    if (s->map)
        nsi_io_unmap((void *)s->map, s->size);
    free((void *)s->verified);
    free(s);
}

int nsi_seg_fault(const nsi_seg *s, char *err, size_t errlen)
{
    return corrupt(s, err, errlen,
                   "the file shrank while it was read (read past its end; "
                   "it was changed in place)");
}

static int verify_chunk(const nsi_seg *s, size_t k, char *err, size_t errlen)
{
    size_t off = k << NSI_CHUNK_SHIFT, len = (size_t)1 << NSI_CHUNK_SHIFT;
    if (len > s->chunked_bytes - off)
        len = s->chunked_bytes - off;
    if (nsi_crc32(s->map + off, len) != nsi_get_u32le(s->chunk_crcs + k * 4))
        return nsi_fail(err, errlen, NS_ECORRUPT,
                        "%s: chunk %zu (bytes %zu to %zu): checksum mismatch", s->path, k, off,
                        off + len - 1);
    atomic_fetch_or_explicit(&s->verified[k / 64], (uint64_t)1 << (k % 64), memory_order_release);
    return NS_OK;
}

int nsi_seg_touch(const nsi_seg *s, const void *p, size_t len, char *err, size_t errlen)
{
    if (!s->verified || len == 0)
        return NS_OK;
    size_t off = (size_t)((const uint8_t *)p - s->map);
    if (off >= s->chunked_bytes) /* CHECKS or later: verified at open */
        return NS_OK;
    size_t end = len > s->chunked_bytes - off ? s->chunked_bytes : off + len;
    for (size_t k = off >> NSI_CHUNK_SHIFT; k <= (end - 1) >> NSI_CHUNK_SHIFT; k++) {
        uint64_t w = atomic_load_explicit(&s->verified[k / 64], memory_order_acquire);
        if (w >> (k % 64) & 1)
            continue;
        int rc = verify_chunk(s, k, err, errlen);
        if (rc)
            return rc;
    }
    return NS_OK;
}

int nsi_seg_fields(const nsi_seg *s, uint32_t doc, nsi_record *rec, char *err, size_t errlen)
{
    const uint8_t *fp = s->sec[NSI_SEC_FIELDS].p;
    size_t head = ((size_t)s->ndocs + 1) * 8, area = s->sec[NSI_SEC_FIELDS].len - head;
    if (doc >= s->ndocs)
        return NS_EINVAL;
    int rc = nsi_seg_touch(s, fp + (size_t)doc * 8, 16, err, errlen);
    if (rc)
        return rc;
    uint64_t a = nsi_get_u64le(fp + (size_t)doc * 8), b = nsi_get_u64le(fp + (size_t)doc * 8 + 8);
    if (a <= b && b <= area && (rc = nsi_seg_touch(s, fp + head + a, (size_t)(b - a), err, errlen)))
        return rc;
    if (a > b || b > area || nsi_record_decode_fields(fp + head + a, (size_t)(b - a), rec)) {
        char what[96];
        snprintf(what, sizeof what, "section FIELDS: entry of document %u is damaged", doc);
        return corrupt(s, err, errlen, what);
    }
    return NS_OK;
}

int nsi_seg_identity(const nsi_seg *s, uint64_t uid, uint32_t table_crc, char *err, size_t errlen)
{
    if (s->uid == uid && s->table_crc == table_crc)
        return NS_OK;
    return nsi_fail(err, errlen, NS_ECORRUPT,
                    "%s: not the segment COMMIT names (its id %016llx and table checksum "
                    "%08x, COMMIT's %016llx and %08x): copied from another index or replaced",
                    s->path, (unsigned long long)s->uid, s->table_crc, (unsigned long long)uid,
                    table_crc);
}

int nsi_seg_verify_sections(const nsi_seg *s, char *err, size_t errlen)
{
    for (int k = 1; k <= NSI_SEC_COUNT; k++) {
        int rc = check_sec_crc(s, k, err, errlen);
        if (rc)
            return rc;
    }
    return NS_OK;
}

int nsi_seg_verify(const nsi_seg *s, char *err, size_t errlen)
{
    int rc = nsi_seg_verify_sections(s, err, errlen);
    if (rc)
        return rc;
    for (size_t k = 0; s->verified && k < s->nchunks; k++)
        if ((rc = verify_chunk(s, k, err, errlen)))
            return rc;
    if (nsi_crc32(s->map, s->size - NSI_SEG_FOOTER_BYTES) != nsi_get_u32le(s->map + s->size - 12))
        return corrupt(s, err, errlen, "whole-file checksum mismatch");
    return NS_OK;
}

/* ---------------------------------------------------------- dictionary */

static void block_entry(const nsi_seg *s, uint32_t b, uint64_t *d, uint64_t *po, uint64_t *qo)
{
    const uint8_t *en = s->sec[NSI_SEC_TERMIDX].p + 8 + (size_t)b * NSI_TERMIDX_ENTRY;
    *d = nsi_get_u32le(en);
    *po = nsi_get_u64le(en + 4);
    *qo = nsi_get_u64le(en + 12);
}

/* Decodes the next entry of the block at it->p into it->term/ti. */
static int dict_entry(nsi_dictit *it, char *err, size_t errlen)
{
    const nsi_seg *s = it->s;
    uint64_t prefix, slen, df, plen, qlen;
    if (nsi_varint_get(&it->p, it->end, &prefix) || nsi_varint_get(&it->p, it->end, &slen) ||
        prefix > it->term_len || slen > (uint64_t)(it->end - it->p) ||
        prefix + slen > sizeof it->term || (it->in_block == 0 && prefix != 0) || prefix + slen == 0)
        return corrupt(s, err, errlen, "section TERMS: malformed entry");
    memcpy(it->term + prefix, it->p, slen);
    it->p += slen;
    it->term_len = prefix + slen;
    if (nsi_varint_get(&it->p, it->end, &df) || nsi_varint_get(&it->p, it->end, &plen) ||
        nsi_varint_get(&it->p, it->end, &qlen) || df == 0 || df > s->ndocs)
        return corrupt(s, err, errlen, "section TERMS: malformed entry");
    if (it->in_block > 0) {
        it->ti.post_off += it->ti.post_len;
        it->ti.pos_off += it->ti.pos_len;
    }
    it->ti.df = (uint32_t)df;
    it->ti.post_len = plen;
    it->ti.pos_len = qlen;
    if (it->ti.post_off + plen > s->sec[NSI_SEC_POSTINGS].len ||
        it->ti.pos_off + qlen > s->sec[NSI_SEC_POSITIONS].len)
        return corrupt(s, err, errlen, "section TERMS: postings offsets out of range");
    it->in_block++;
    return NS_OK;
}

static int block_start(nsi_dictit *it, uint32_t b, char *err, size_t errlen)
{
    const nsi_seg *s = it->s;
    uint64_t d, po, qo, dnext = s->sec[NSI_SEC_TERMS].len, x, y;
    block_entry(s, b, &d, &po, &qo);
    if (b + 1 < s->nblocks)
        block_entry(s, b + 1, &dnext, &x, &y);
    it->block = b;
    it->in_block = 0;
    it->p = s->sec[NSI_SEC_TERMS].p + d;
    it->end = s->sec[NSI_SEC_TERMS].p + dnext;
    /* TERMIDX offsets ascend and lie inside TERMS (checked at open) */
    int rc = nsi_seg_touch(s, it->p, (size_t)(it->end - it->p), err, errlen);
    if (rc)
        return rc;
    it->term_len = 0;
    it->ti.post_off = po;
    it->ti.pos_off = qo;
    it->ti.post_len = it->ti.pos_len = 0;
    return dict_entry(it, err, errlen);
}

static int termcmp(const char *a, size_t al, const char *b, size_t bl)
{
    int c = memcmp(a, b, al < bl ? al : bl);
    return c ? c : (al > bl) - (al < bl);
}

/* Leaves it on the first term >= key; returns 1 when there is none. */
int nsi_dictit_seek(nsi_dictit *it, const nsi_seg *s, const char *key, size_t len, char *err,
                    size_t errlen)
{
    memset(it, 0, sizeof *it);
    it->s = s;
    if (s->nblocks == 0)
        return 1;
    /* last block whose first term <= key */
    uint32_t lo = 0, hi = s->nblocks;
    while (hi - lo > 1) {
        uint32_t mid = lo + (hi - lo) / 2;
        int rc = block_start(it, mid, err, errlen);
        if (rc)
            return rc;
        if (termcmp(it->term, it->term_len, key, len) <= 0)
            lo = mid;
        else
            hi = mid;
    }
    int rc = block_start(it, lo, err, errlen);
    while (!rc && termcmp(it->term, it->term_len, key, len) < 0)
        rc = nsi_dictit_next(it, err, errlen);
    return rc;
}

int nsi_dictit_next(nsi_dictit *it, char *err, size_t errlen)
{
    uint64_t idx = (uint64_t)it->block * NSI_DICT_BLOCK + it->in_block;
    if (idx >= it->s->nterms)
        return 1;
    if (it->in_block == NSI_DICT_BLOCK)
        return block_start(it, it->block + 1, err, errlen);
    return dict_entry(it, err, errlen);
}

int nsi_seg_lookup(const nsi_seg *s, const char *term, size_t len, nsi_terminfo *ti, char *err,
                   size_t errlen)
{
    nsi_dictit it;
    int rc = nsi_dictit_seek(&it, s, term, len, err, errlen);
    if (rc == 1)
        return NS_ENOTFOUND;
    if (rc)
        return rc;
    if (termcmp(it.term, it.term_len, term, len) != 0)
        return NS_ENOTFOUND;
    *ti = it.ti;
    return NS_OK;
}

/* ---------------------------------------------------------- postings */

void nsi_pcur_skip(const nsi_pcur *c, uint32_t b, nsi_skip *o)
{
    const uint8_t *p = c->skips + (size_t)b * NSI_SKIP_ENTRY;
    o->last_doc = nsi_get_u32le(p);
    o->data_off = nsi_get_u32le(p + 4);
    o->pos_off = nsi_get_u32le(p + 8);
    o->max_tf_body = nsi_get_u32le(p + 12);
    o->min_len_body = nsi_get_u32le(p + 16);
    o->max_tf_title = nsi_get_u32le(p + 20);
    o->min_len_title = nsi_get_u32le(p + 24);
}

static int bad(nsi_pcur *c)
{
    c->corrupt = 1;
    c->doc = NSI_DOC_END;
    return NS_ECORRUPT;
}

/* Decodes block b (b == full: the tail) into docs/tft/tfb. */
static int load_block(nsi_pcur *c, uint32_t b)
{
    uint64_t next = 0; /* the smallest doc the block may start with */
    c->block = b;
    c->i = 0;
    if (b > 0) {
        nsi_skip sk;
        nsi_pcur_skip(c, b - 1, &sk);
        next = (uint64_t)sk.last_doc + 1;
    }
    uint32_t pos_off;
    if (b < c->full) {
        nsi_skip sk;
        nsi_pcur_skip(c, b, &sk);
        const uint8_t *p = c->data + sk.data_off;
        if (sk.data_off > (size_t)(c->tail - c->data) || nsi_unpack128(&p, c->tail, c->docs) ||
            nsi_unpack128(&p, c->tail, c->tfb) || nsi_unpack128(&p, c->tail, c->tft))
            return bad(c);
        for (uint32_t j = 0; j < NSI_BLOCK; j++) {
            uint64_t d = next + c->docs[j];
            if (d >= c->s->ndocs || (uint64_t)c->tft[j] + c->tfb[j] == 0)
                return bad(c);
            c->docs[j] = (uint32_t)d;
            next = d + 1;
        }
        if (c->docs[NSI_BLOCK - 1] != sk.last_doc)
            return bad(c);
        c->n = NSI_BLOCK;
        pos_off = sk.pos_off;
    } else {
        const uint8_t *p = c->tail;
        for (uint32_t j = 0; j < c->tail_n; j++) {
            uint32_t g;
            if (nsi_varint_get32(&p, c->end, &g) || nsi_varint_get32(&p, c->end, &c->tfb[j]) ||
                nsi_varint_get32(&p, c->end, &c->tft[j]))
                return bad(c);
            uint64_t d = next + g;
            if (d >= c->s->ndocs || (uint64_t)c->tft[j] + c->tfb[j] == 0)
                return bad(c);
            c->docs[j] = (uint32_t)d;
            next = d + 1;
        }
        if (p != c->end)
            return bad(c);
        c->n = c->tail_n;
        pos_off = c->full ? c->tail_pos_off : 0;
    }
    if (pos_off > (size_t)(c->pos_end - c->pos_base))
        return bad(c);
    c->pblock = c->pp = c->pos_base + pos_off;
    c->pp_i = 0;
    c->doc = c->n ? c->docs[0] : NSI_DOC_END;
    return NS_OK;
}

int nsi_pcur_init(nsi_pcur *c, const nsi_seg *s, const nsi_terminfo *ti)
{
    memset(c, 0, sizeof *c);
    c->s = s;
    c->df = ti->df;
    c->full = ti->df / NSI_BLOCK;
    c->tail_n = ti->df % NSI_BLOCK;
    const uint8_t *p = s->sec[NSI_SEC_POSTINGS].p + ti->post_off;
    c->end = p + ti->post_len;
    if (nsi_seg_touch(s, p, ti->post_len, NULL, 0))
        return bad(c);
    c->pos_base = s->sec[NSI_SEC_POSITIONS].p + ti->pos_off;
    c->pos_end = c->pos_base + ti->pos_len;
    size_t head = (size_t)c->full * NSI_SKIP_ENTRY + (c->full ? 4 : 0);
    if (ti->post_len < head)
        return bad(c);
    c->skips = p;
    c->data = p + head;
    if (c->full) {
        c->tail_pos_off = nsi_get_u32le(p + (size_t)c->full * NSI_SKIP_ENTRY);
        /* the tail starts where the last full block ends: decode its size */
        nsi_skip sk;
        nsi_pcur_skip(c, c->full - 1, &sk);
        const uint8_t *q = c->data + sk.data_off;
        uint32_t tmp[NSI_BLOCK];
        if (sk.data_off > ti->post_len - head || nsi_unpack128(&q, c->end, tmp) ||
            nsi_unpack128(&q, c->end, tmp) || nsi_unpack128(&q, c->end, tmp))
            return bad(c);
        c->tail = q;
    } else {
        c->tail = c->data;
    }
    return load_block(c, 0);
}

int nsi_pcur_seek(nsi_pcur *c, uint32_t target)
{
    if (c->doc == NSI_DOC_END)
        return c->corrupt ? NS_ECORRUPT : NS_OK;
    if (target <= c->doc)
        return NS_OK;
    if (c->docs[c->n - 1] < target) {
        /* skip whole blocks using the skip entries' last docs */
        uint32_t b = c->block + 1;
        while (b < c->full) {
            nsi_skip sk;
            nsi_pcur_skip(c, b, &sk);
            if (sk.last_doc >= target)
                break;
            b++;
        }
        if (b > c->full) {
            c->doc = NSI_DOC_END;
            return NS_OK;
        }
        if (b == c->full && c->tail_n == 0) {
            c->doc = NSI_DOC_END;
            return NS_OK;
        }
        int rc = load_block(c, b);
        if (rc)
            return rc;
    }
    uint32_t i = c->i;
    while (i < c->n && c->docs[i] < target)
        i++;
    if (i == c->n) { /* only in the tail: nothing >= target */
        c->doc = NSI_DOC_END;
        return NS_OK;
    }
    c->i = i;
    c->doc = c->docs[i];
    return NS_OK;
}

static int skip_varints(const uint8_t **p, const uint8_t *end, uint64_t n)
{
    const uint8_t *q = *p;
    while (n) {
        if (q >= end)
            return NS_ECORRUPT;
        if (!(*q++ & 0x80))
            n--;
    }
    *p = q;
    return NS_OK;
}

static int read_positions(const uint8_t **p, const uint8_t *end, uint32_t *out, uint32_t n)
{
    uint32_t prev = 0;
    for (uint32_t k = 0; k < n; k++) {
        uint32_t g;
        if (nsi_varint_get32(p, end, &g) || (k && (uint64_t)prev + g > UINT32_MAX) || (k && g == 0))
            return NS_ECORRUPT;
        prev = k ? prev + g : g;
        out[k] = prev;
    }
    return NS_OK;
}

int nsi_pcur_positions(nsi_pcur *c, uint32_t *title, uint32_t *body)
{
    if (c->doc == NSI_DOC_END)
        return NS_EINVAL;
    if (!c->pos_touched) {
        if (nsi_seg_touch(c->s, c->pos_base, (size_t)(c->pos_end - c->pos_base), NULL, 0))
            return bad(c);
        c->pos_touched = 1;
    }
    if (c->pp_i > c->i) { /* asked again for an earlier doc: restart the block */
        c->pp = c->pblock;
        c->pp_i = 0;
    }
    while (c->pp_i < c->i) {
        if (skip_varints(&c->pp, c->pos_end, (uint64_t)c->tft[c->pp_i] + c->tfb[c->pp_i]))
            return bad(c);
        c->pp_i++;
    }
    const uint8_t *p = c->pp;
    if (read_positions(&p, c->pos_end, title, c->tft[c->i]) ||
        read_positions(&p, c->pos_end, body, c->tfb[c->i]))
        return bad(c);
    c->pp = p;
    c->pp_i++;
    return NS_OK;
}

int nsi_pcur_block_bound(const nsi_pcur *c, uint32_t doc, nsi_skip *sk)
{
    uint32_t b = c->block;
    while (b < c->full) {
        nsi_pcur_skip(c, b, sk);
        if (sk->last_doc >= doc)
            return 1;
        b++;
    }
    return 0;
}

unsigned nsi_seg_layout(uint32_t version, int order[NSI_SEC_COUNT])
{
    unsigned n = 0;
    for (int k = NSI_SEC_INFO; k <= NSI_SEC_FIELDS; k++)
        order[n++] = k;
    if (version >= NSI_SEG_VERSION_VALUES)
        order[n++] = NSI_SEC_VALUES;
    if (version >= NSI_SEG_VERSION_SURFACE)
        order[n++] = NSI_SEC_SURFACE;
    if (version >= NSI_SEG_VERSION_CHECKS)
        order[n++] = NSI_SEC_CHECKS; /* always the last */
    return n;
}

/* The SURFACE section's head (count, blocks) into it, its bytes verified;
 * it->p at the first entry. */
static int surf_head(nsi_surfit *it, const nsi_seg *s, char *err, size_t errlen)
{
    memset(it, 0, sizeof *it);
    it->s = s;
    const uint8_t *p = s->sec[NSI_SEC_SURFACE].p;
    size_t len = s->sec[NSI_SEC_SURFACE].len;
    if (s->version < NSI_SEG_VERSION_SURFACE || !p)
        return NS_OK; /* no entries */
    int rc = nsi_seg_touch(s, p, len < 20 ? len : 20, err, errlen);
    if (rc)
        return rc;
    it->end = p + len;
    if (nsi_varint_get(&p, it->end, &it->count) || nsi_varint_get(&p, it->end, &it->nblocks) ||
        it->nblocks != it->count / NSI_SURFACE_BLOCK + (it->count % NSI_SURFACE_BLOCK != 0) ||
        it->nblocks > (uint64_t)(it->end - p) / 4)
        return corrupt(s, err, errlen, "section SURFACE: bad entry or block count");
    it->blocks = p;
    it->entries = it->p = p + it->nblocks * 4;
    return nsi_seg_touch(s, it->blocks, (size_t)it->nblocks * 4, err, errlen);
}

/* Block b's bytes [*from, *to) within the entries, checked and verified. */
static int surf_block(const nsi_surfit *it, uint64_t b, const uint8_t **from, const uint8_t **to,
                      char *err, size_t errlen)
{
    size_t area = (size_t)(it->end - it->entries);
    uint64_t f = nsi_get_u32le(it->blocks + b * 4);
    uint64_t t = b + 1 < it->nblocks ? nsi_get_u32le(it->blocks + b * 4 + 4) : area;
    if (f >= t || t > area)
        return corrupt(it->s, err, errlen, "section SURFACE: bad block offset");
    *from = it->entries + f;
    *to = it->entries + t;
    return nsi_seg_touch(it->s, *from, (size_t)(t - f), err, errlen);
}

int nsi_surfit_start(nsi_surfit *it, const nsi_seg *s, char *err, size_t errlen)
{
    int rc = surf_head(it, s, err, errlen);
    if (!rc && it->count)
        rc = nsi_seg_touch(s, it->entries, (size_t)(it->end - it->entries), err, errlen);
    return rc;
}

int nsi_surfit_seek(nsi_surfit *it, const nsi_seg *s, const char *key, size_t klen, char *err,
                    size_t errlen)
{
    int rc = surf_head(it, s, err, errlen);
    if (rc || !it->count)
        return rc;
    /* the last block whose first word is not after key (block 0 if none) */
    uint64_t lo = 1, hi = it->nblocks;
    while (lo < hi) {
        uint64_t mid = lo + (hi - lo) / 2, prefix, suffix;
        const uint8_t *p, *to;
        if ((rc = surf_block(it, mid, &p, &to, err, errlen)))
            return rc;
        if (nsi_varint_get(&p, to, &prefix) || nsi_varint_get(&p, to, &suffix) || prefix ||
            suffix == 0 || suffix > NS_MAX_TERM_BYTES || suffix > (uint64_t)(to - p))
            return corrupt(s, err, errlen, "section SURFACE: bad entry");
        int c = memcmp(p, key, suffix < klen ? (size_t)suffix : klen);
        if (c < 0 || (c == 0 && suffix <= klen))
            lo = mid + 1;
        else
            hi = mid;
    }
    const uint8_t *from, *to;
    if ((rc = surf_block(it, lo - 1, &from, &to, err, errlen)))
        return rc;
    it->p = from;
    it->next = (lo - 1) * NSI_SURFACE_BLOCK;
    return NS_OK;
}

int nsi_surfit_next(nsi_surfit *it, char *err, size_t errlen)
{
    if (it->next == it->count) {
        if (it->p != it->end)
            return corrupt(it->s, err, errlen, "section SURFACE: bytes after the last entry");
        return 1;
    }
    int first = it->next % NSI_SURFACE_BLOCK == 0;
    if (first) {
        const uint8_t *from, *to;
        int rc = surf_block(it, it->next / NSI_SURFACE_BLOCK, &from, &to, err, errlen);
        if (rc)
            return rc;
        if (from != it->p)
            return corrupt(it->s, err, errlen, "section SURFACE: bad block offset");
    }
    uint64_t prefix, suffix, df;
    if (nsi_varint_get(&it->p, it->end, &prefix) || nsi_varint_get(&it->p, it->end, &suffix) ||
        prefix > it->len || (first && prefix) || suffix > NS_MAX_TERM_BYTES - prefix ||
        prefix + suffix == 0 || suffix > (uint64_t)(it->end - it->p))
        return corrupt(it->s, err, errlen, "section SURFACE: bad entry");
    const uint8_t *w = it->p;
    it->p += suffix;
    if (nsi_varint_get(&it->p, it->end, &df) || df == 0 || df > it->s->ndocs)
        return corrupt(it->s, err, errlen, "section SURFACE: bad document frequency");
    /* strictly ascending: the first differing byte is larger, or the
     * previous word is a prefix of this one (a block's first word, whole,
     * is compared whole) */
    if (first && it->len) {
        size_t m = it->len < suffix ? it->len : (size_t)suffix;
        int c = memcmp(w, it->word, m);
        if (c < 0 || (c == 0 && suffix <= it->len))
            return corrupt(it->s, err, errlen, "section SURFACE: words out of order");
    } else if (it->len && suffix == 0)
        return corrupt(it->s, err, errlen, "section SURFACE: words out of order");
    else if (it->len && prefix < it->len && (uint8_t)w[0] <= (uint8_t)it->word[prefix])
        return corrupt(it->s, err, errlen, "section SURFACE: words out of order");
    memcpy(it->word + prefix, w, (size_t)suffix);
    it->len = (size_t)(prefix + suffix);
    it->word[it->len] = 0;
    it->df = df;
    it->next++;
    return NS_OK;
}
