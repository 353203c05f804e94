/* segment_write.c — encodes one immutable segment file.
 *
 * Format: docs/format.md, "Segment file". The writer is fed every document
 * first (norms, id, stored record), then every term in byte order with its
 * postings; block-max data needs the documents' lengths, hence that order.
 * Sections are built in memory and written in one pass, then fsync'ed. The
 * file is not referenced by anything until a COMMIT names it, so a crash
 * half-way leaves only garbage that the next writer removes.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "common/internal.h"
#include "common/io.h"
#include "format/record.h"
#include "format/segment.h"

struct nsi_segw {
    nsi_buf terms, termidx, postings, positions, norms, docmap, stored_sec;
    nsi_buf fields, field_offs; /* FIELDS: entries, and their u64 offsets */
    nsi_docstore_writer *store;
    nsi_valw *values; /* VALUES: typed fields, fingerprints */
    nsi_valw *own;    /* values when the writer's own (else borrowed) */
    nsi_buf values_sec;
    nsi_buf surface;        /* SURFACE entries, front-coded; count put in front */
    nsi_buf surface_blocks; /* SURFACE: each block's offset in surface, u32le */
    uint64_t nsurface;
    char sprev[NS_MAX_TERM_BYTES + 1];
    size_t sprev_len;
    uint64_t gen; /* CHECKS gen */
    uint32_t ndocs;
    uint64_t nterms, npostings, npositions, sum_len_title, sum_len_body;
    unsigned analysis; /* INFO: NSI_ANALYSIS_* */
    /* the term being collected */
    char cur[NS_MAX_TERM_BYTES * 4 + 8];
    size_t cur_len;
    int have_term;
    char prev[NS_MAX_TERM_BYTES * 4 + 8];
    size_t prev_len;
    nsi_u32vec docs, tft, tfb, blockpos;
    nsi_buf termpos;
};

void nsi_seg_filename(char *buf, size_t n, const char *dir, uint64_t seg_id)
{
    snprintf(buf, n, "%s/seg-%016llx.nss", dir, (unsigned long long)seg_id);
}

void nsi_segw_set_analysis(nsi_segw *w, unsigned analysis) { w->analysis = analysis; }

int nsi_segw_new(nsi_segw **out)
{
    nsi_segw *w = calloc(1, sizeof *w);
    if (!w)
        return NS_ENOMEM;
    int rc = nsi_docstore_writer_new(&w->store);
    if (!rc && (rc = nsi_valw_new(&w->own)))
        nsi_docstore_writer_free(w->store);
    w->values = w->own;
    w->analysis = NSI_ANALYSIS_CURRENT;
    if (rc) {
        free(w);
        return rc;
    }
    w->values_sec.limit = (size_t)1 << 40;
    *out = w;
    return NS_OK;
}

uint32_t nsi_segw_ndocs(const nsi_segw *w) { return w->ndocs; }

void nsi_segw_set_generation(nsi_segw *w, uint64_t gen) { w->gen = gen; }

/* A random 64-bit id that is never 0 (CHECKS uid): getrandom, or when it
 * fails (no entropy yet, an old kernel) the clock, the pid and a counter
 * mixed, which still differ between two files of one directory. */
static uint64_t random_uid(void)
{
    uint64_t v = 0;
    if (getrandom(&v, sizeof v, GRND_NONBLOCK) != (ssize_t)sizeof v) {
        static _Atomic uint64_t counter;
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        v = ((uint64_t)ts.tv_sec << 32) ^ (uint64_t)ts.tv_nsec ^ ((uint64_t)getpid() << 16) ^
            (++counter * 0x9E3779B97F4A7C15ull);
        v ^= v >> 29;
        v *= 0xBF58476D1CE4E5B9ull;
        v ^= v >> 32;
    }
    return v ? v : 1;
}

void nsi_segw_free(nsi_segw *w)
{
    if (!w)
        return;
    nsi_buf *bufs[] = {&w->terms,         &w->termidx,    &w->postings,   &w->positions,
                       &w->norms,         &w->docmap,     &w->stored_sec, &w->termpos,
                       &w->fields,        &w->field_offs, &w->values_sec, &w->surface,
                       &w->surface_blocks};
    for (size_t i = 0; i < sizeof bufs / sizeof bufs[0]; i++)
        nsi_buf_free(bufs[i]);
    nsi_u32vec_free(&w->docs);
    nsi_u32vec_free(&w->tft);
    nsi_u32vec_free(&w->tfb);
    nsi_u32vec_free(&w->blockpos);
    nsi_docstore_writer_free(w->store);
    nsi_valw_free(w->own);
    free(w);
}

/* Everything of a document but its body in STORED. */
static int doc_meta(nsi_segw *w, uint32_t len_title, uint32_t len_body, uint64_t hash,
                    const nsi_record *rec)
{
    if (w->ndocs == NSI_DOC_END - 1)
        return NS_ETOOBIG;
    w->fields.limit = w->field_offs.limit = (size_t)1 << 40;
    int rc = nsi_buf_put_u32le(&w->norms, len_title);
    if (!rc)
        rc = nsi_buf_put_u32le(&w->norms, len_body);
    if (!rc)
        rc = nsi_buf_put_varint(&w->docmap, rec->len[NSI_F_ID]);
    if (!rc)
        rc = nsi_buf_append(&w->docmap, rec->f[NSI_F_ID], rec->len[NSI_F_ID]);
    if (!rc)
        rc = nsi_buf_put_u64le(&w->docmap, hash);
    if (!rc)
        rc = nsi_buf_put_u64le(&w->field_offs, w->fields.len);
    if (!rc)
        rc = nsi_record_encode_fields(rec, &w->fields);
    return rc;
}

static void doc_done(nsi_segw *w, uint32_t len_title, uint32_t len_body)
{
    w->ndocs++;
    w->sum_len_title += len_title;
    w->sum_len_body += len_body;
}

int nsi_segw_doc_fields(nsi_segw *w, uint32_t len_title, uint32_t len_body, uint64_t hash,
                        const nsi_record *rec)
{
    int rc = doc_meta(w, len_title, len_body, hash, rec);
    if (!rc)
        rc = nsi_docstore_add(w->store, rec->f[NSI_F_BODY], rec->len[NSI_F_BODY]);
    if (rc)
        return rc;
    doc_done(w, len_title, len_body);
    return NS_OK;
}

int nsi_segw_doc_copied(nsi_segw *w, uint32_t len_title, uint32_t len_body, uint64_t hash,
                        const nsi_record *rec)
{
    int rc = doc_meta(w, len_title, len_body, hash, rec);
    if (rc)
        return rc;
    doc_done(w, len_title, len_body);
    return NS_OK;
}

nsi_docstore_writer *nsi_segw_store(nsi_segw *w) { return w->store; }

int nsi_segw_surface(nsi_segw *w, const char *word, size_t len, uint64_t df)
{
    if (len == 0 || len > NS_MAX_TERM_BYTES || df == 0)
        return NS_EINVAL;
    size_t m = len < w->sprev_len ? len : w->sprev_len, prefix = 0;
    while (prefix < m && w->sprev[prefix] == word[prefix])
        prefix++;
    if (w->nsurface && (prefix == len || (prefix < w->sprev_len &&
                                          (uint8_t)word[prefix] < (uint8_t)w->sprev[prefix])))
        return NS_EINVAL;          /* not ascending */
    w->surface.limit = UINT32_MAX; /* block offsets are u32 */
    int rc;
    if (w->nsurface % NSI_SURFACE_BLOCK == 0) { /* a block starts: the whole word */
        prefix = 0;
        w->surface_blocks.limit = (size_t)1 << 40;
        if ((rc = nsi_buf_put_u32le(&w->surface_blocks, (uint32_t)w->surface.len)))
            return rc;
    }
    if ((rc = nsi_buf_put_varint(&w->surface, prefix)) ||
        (rc = nsi_buf_put_varint(&w->surface, len - prefix)) ||
        (rc = nsi_buf_append(&w->surface, word + prefix, len - prefix)) ||
        (rc = nsi_buf_put_varint(&w->surface, df)))
        return rc;
    memcpy(w->sprev, word, len);
    w->sprev_len = len;
    w->nsurface++;
    return NS_OK;
}

nsi_valw *nsi_segw_values(nsi_segw *w) { return w->values; }

int nsi_segw_use_values(nsi_segw *w, nsi_valw *v)
{
    w->values = v;
    return NS_OK;
}

int nsi_segw_doc(nsi_segw *w, uint32_t len_title, uint32_t len_body, const char *id, size_t id_len,
                 uint64_t hash, const void *rec, size_t rec_len)
{
    nsi_record r;
    if (nsi_record_decode(rec, rec_len, &r))
        return NS_EINVAL;
    (void)id;
    (void)id_len;
    return nsi_segw_doc_fields(w, len_title, len_body, hash, &r);
}

static uint32_t doc_len(const nsi_segw *w, uint32_t doc, int title)
{
    return nsi_get_u32le(w->norms.data + (size_t)doc * 8 + (title ? 0 : 4));
}

/* Writes the collected term: dictionary entry, postings, positions. */
static int flush_term(nsi_segw *w)
{
    uint32_t df = (uint32_t)w->docs.n;
    uint32_t full = df / NSI_BLOCK, tail = df % NSI_BLOCK;
    uint64_t post_start = w->postings.len, pos_start = w->positions.len;
    int rc = NS_OK;

    /* dictionary entry (front-coded within blocks of NSI_DICT_BLOCK terms) */
    size_t prefix = 0;
    if (w->nterms % NSI_DICT_BLOCK == 0) {
        if ((rc = nsi_buf_put_u32le(&w->termidx, (uint32_t)w->terms.len)) ||
            (rc = nsi_buf_put_u64le(&w->termidx, post_start)) ||
            (rc = nsi_buf_put_u64le(&w->termidx, pos_start)))
            return rc;
    } else {
        size_t m = w->prev_len < w->cur_len ? w->prev_len : w->cur_len;
        while (prefix < m && w->prev[prefix] == w->cur[prefix])
            prefix++;
    }

    /* postings: skip entries, tail_pos_off, block data, tail */
    size_t skip_at = w->postings.len;
    if ((rc = nsi_buf_reserve(&w->postings, (size_t)full * NSI_SKIP_ENTRY + 4)))
        return rc;
    memset(w->postings.data + w->postings.len, 0, (size_t)full * NSI_SKIP_ENTRY + (full ? 4 : 0));
    w->postings.len += (size_t)full * NSI_SKIP_ENTRY + (full ? 4 : 0);
    size_t data_start = w->postings.len;
    uint32_t prev = UINT32_MAX; /* so that the first gap is doc - (-1) - 1 = doc */
    for (uint32_t b = 0; b < full; b++) {
        uint32_t gaps[NSI_BLOCK], tb[NSI_BLOCK], tt[NSI_BLOCK];
        uint32_t max_tb = 0, max_tt = 0, min_lb = UINT32_MAX, min_lt = UINT32_MAX;
        for (uint32_t j = 0; j < NSI_BLOCK; j++) {
            size_t k = (size_t)b * NSI_BLOCK + j;
            uint32_t d = w->docs.v[k];
            gaps[j] = d - prev - 1;
            prev = d;
            tb[j] = w->tfb.v[k];
            tt[j] = w->tft.v[k];
            uint32_t lb = doc_len(w, d, 0), lt = doc_len(w, d, 1);
            if (tb[j] > max_tb)
                max_tb = tb[j];
            if (tt[j] > max_tt)
                max_tt = tt[j];
            if (tb[j] && lb < min_lb)
                min_lb = lb;
            if (tt[j] && lt < min_lt)
                min_lt = lt;
        }
        uint8_t *sk = w->postings.data + skip_at + (size_t)b * NSI_SKIP_ENTRY;
        nsi_put_u32le(sk, prev);
        nsi_put_u32le(sk + 4, (uint32_t)(w->postings.len - data_start));
        nsi_put_u32le(sk + 8, w->blockpos.v[b]);
        nsi_put_u32le(sk + 12, max_tb);
        nsi_put_u32le(sk + 16, max_tb ? min_lb : 0);
        nsi_put_u32le(sk + 20, max_tt);
        nsi_put_u32le(sk + 24, max_tt ? min_lt : 0);
        if ((rc = nsi_buf_reserve(&w->postings, 3 * NSI_PACK128_MAX)))
            return rc;
        w->postings.len += nsi_pack128(gaps, w->postings.data + w->postings.len);
        w->postings.len += nsi_pack128(tb, w->postings.data + w->postings.len);
        w->postings.len += nsi_pack128(tt, w->postings.data + w->postings.len);
    }
    if (full)
        nsi_put_u32le(w->postings.data + skip_at + (size_t)full * NSI_SKIP_ENTRY,
                      full < w->blockpos.n ? w->blockpos.v[full] : (uint32_t)w->termpos.len);
    for (uint32_t j = 0; j < tail; j++) {
        size_t k = (size_t)full * NSI_BLOCK + j;
        uint32_t d = w->docs.v[k];
        if ((rc = nsi_buf_put_varint(&w->postings, (uint32_t)(d - prev - 1))) ||
            (rc = nsi_buf_put_varint(&w->postings, w->tfb.v[k])) ||
            (rc = nsi_buf_put_varint(&w->postings, w->tft.v[k])))
            return rc;
        prev = d;
    }
    if ((rc = nsi_buf_append(&w->positions, w->termpos.data, w->termpos.len)))
        return rc;

    uint64_t post_len = w->postings.len - post_start, pos_len = w->positions.len - pos_start;
    if ((rc = nsi_buf_put_varint(&w->terms, prefix)) ||
        (rc = nsi_buf_put_varint(&w->terms, w->cur_len - prefix)) ||
        (rc = nsi_buf_append(&w->terms, w->cur + prefix, w->cur_len - prefix)) ||
        (rc = nsi_buf_put_varint(&w->terms, df)) ||
        (rc = nsi_buf_put_varint(&w->terms, post_len)) ||
        (rc = nsi_buf_put_varint(&w->terms, pos_len)))
        return rc;
    if (w->termpos.len > UINT32_MAX)
        return NS_ETOOBIG;

    w->nterms++;
    w->npostings += df;
    memcpy(w->prev, w->cur, w->cur_len);
    w->prev_len = w->cur_len;
    w->docs.n = w->tft.n = w->tfb.n = w->blockpos.n = 0;
    nsi_buf_reset(&w->termpos);
    w->have_term = 0;
    return NS_OK;
}

int nsi_segw_term(nsi_segw *w, const char *term, size_t len)
{
    if (len == 0 || len > sizeof w->cur)
        return NS_EINVAL;
    int rc;
    if (w->have_term && w->docs.n && (rc = flush_term(w)))
        return rc;
    memcpy(w->cur, term, len);
    w->cur_len = len;
    w->have_term = 1;
    w->docs.n = w->tft.n = w->tfb.n = w->blockpos.n = 0;
    nsi_buf_reset(&w->termpos);
    return NS_OK;
}

int nsi_segw_posting(nsi_segw *w, uint32_t doc, uint32_t tf_title, uint32_t tf_body,
                     const uint32_t *pos_title, const uint32_t *pos_body)
{
    int rc;
    if (!w->have_term || doc >= w->ndocs || tf_title + tf_body == 0)
        return NS_EINVAL;
    if (w->docs.n && doc <= w->docs.v[w->docs.n - 1])
        return NS_EINVAL;
    if (w->docs.n % NSI_BLOCK == 0 &&
        (rc = nsi_u32vec_push(&w->blockpos, (uint32_t)w->termpos.len)))
        return rc;
    if ((rc = nsi_u32vec_push(&w->docs, doc)) || (rc = nsi_u32vec_push(&w->tft, tf_title)) ||
        (rc = nsi_u32vec_push(&w->tfb, tf_body)) ||
        (rc = nsi_buf_put_gaps(&w->termpos, pos_title, tf_title)) ||
        (rc = nsi_buf_put_gaps(&w->termpos, pos_body, tf_body)))
        return rc;
    w->npositions += (uint64_t)tf_title + tf_body;
    return NS_OK;
}

/* CHECKS (docs/format.md): the identity and the CRC of every 4 KiB chunk of
 * the file written so far, f being everything before this section. */
static int build_checks(const nsi_segw *w, const nsi_buf *f, nsi_buf *c)
{
    const size_t chunk = (size_t)1 << NSI_CHUNK_SHIFT;
    uint64_t n = (f->len + chunk - 1) >> NSI_CHUNK_SHIFT;
    int rc;
    if (n > UINT32_MAX)
        return NS_ETOOBIG;
    if ((rc = nsi_buf_put_u64le(c, random_uid())) || (rc = nsi_buf_put_u64le(c, w->gen)) ||
        (rc = nsi_buf_put_u32le(c, NSI_CHUNK_SHIFT)) || (rc = nsi_buf_put_u32le(c, (uint32_t)n)))
        return rc;
    for (size_t off = 0; off < f->len; off += chunk) {
        size_t len = f->len - off < chunk ? f->len - off : chunk;
        if ((rc = nsi_buf_put_u32le(c, nsi_crc32(f->data + off, len))))
            return rc;
    }
    return NS_OK;
}

static int build_file(nsi_segw *w, uint64_t seg_id, nsi_buf *f)
{
    int rc;
    nsi_buf info = {0}, checks = {0};
    checks.limit = (size_t)1 << 40;
    if ((rc = nsi_buf_put_varint(&info, w->ndocs)) || (rc = nsi_buf_put_varint(&info, w->nterms)) ||
        (rc = nsi_buf_put_varint(&info, w->npostings)) ||
        (rc = nsi_buf_put_varint(&info, w->npositions)) ||
        (rc = nsi_buf_put_varint(&info, w->sum_len_title)) ||
        (rc = nsi_buf_put_varint(&info, w->sum_len_body)) ||
        (rc = nsi_buf_put_varint(&info, w->analysis)))
        goto out;
    /* TERMIDX gets its two counts in front of the block entries. */
    nsi_buf termidx = {0};
    uint32_t nblocks = (uint32_t)(w->termidx.len / NSI_TERMIDX_ENTRY);
    if ((rc = nsi_buf_put_u32le(&termidx, nblocks)) ||
        (rc = nsi_buf_put_u32le(&termidx, (uint32_t)w->nterms)) ||
        (rc = nsi_buf_append(&termidx, w->termidx.data, w->termidx.len))) {
        nsi_buf_free(&termidx);
        goto out;
    }
    nsi_buf_free(&w->termidx);
    w->termidx = termidx;
    if ((rc = nsi_docstore_finish(w->store, &w->stored_sec)))
        goto out;
    /* FIELDS: ndocs + 1 offsets, then the entries */
    nsi_buf fsec = {0};
    fsec.limit = (size_t)1 << 40;
    if ((rc = nsi_buf_append(&fsec, w->field_offs.data, w->field_offs.len)) ||
        (rc = nsi_buf_put_u64le(&fsec, w->fields.len)) ||
        (rc = nsi_buf_append(&fsec, w->fields.data, w->fields.len))) {
        nsi_buf_free(&fsec);
        goto out;
    }
    nsi_buf_free(&w->fields);
    w->fields = fsec;

    if ((rc = nsi_valw_finish(w->values, w->ndocs, &w->values_sec)))
        goto out;
    /* SURFACE: the entry count and the block offsets in front of the
     * entries */
    nsi_buf ssec = {0};
    ssec.limit = (size_t)1 << 40;
    if ((rc = nsi_buf_put_varint(&ssec, w->nsurface)) ||
        (rc = nsi_buf_put_varint(&ssec, w->surface_blocks.len / 4)) ||
        (rc = nsi_buf_append(&ssec, w->surface_blocks.data, w->surface_blocks.len)) ||
        (rc = nsi_buf_append(&ssec, w->surface.data, w->surface.len))) {
        nsi_buf_free(&ssec);
        goto out;
    }
    nsi_buf_free(&w->surface);
    nsi_buf_free(&w->surface_blocks);
    w->surface = ssec;
    w->nsurface = 0; /* the section is built: no more entries */
    const nsi_buf *secs[NSI_SEC_COUNT + 1] = {
        NULL,          &info,          &w->terms,  &w->termidx,    &w->postings,
        &w->positions, &w->norms,      &w->docmap, &w->stored_sec, &w->fields,
        &checks,       &w->values_sec, &w->surface};
    /* file order: CHECKS last, so that its chunk CRCs cover VALUES and
     * SURFACE */
    int order[NSI_SEC_COUNT];
    nsi_seg_layout(NSI_SEG_VERSION, order);
    uint8_t hdr[NSI_SEG_HEADER_BYTES] = {0};
    memcpy(hdr, NSI_SEG_MAGIC, 8);
    nsi_put_u32le(hdr + 8, NSI_SEG_VERSION);
    nsi_put_u64le(hdr + 16, seg_id);
    nsi_put_u32le(hdr + 24, w->ndocs);
    nsi_put_u32le(hdr + 28, NSI_SEC_COUNT);
    if ((rc = nsi_buf_append(f, hdr, sizeof hdr)))
        goto out;
    uint8_t table[NSI_SEC_COUNT * NSI_SEG_TABLE_ENTRY];
    for (int i = 0; i < NSI_SEC_COUNT; i++) {
        static const uint8_t zero[8];
        int k = order[i];
        if ((rc = nsi_buf_append(f, zero, (8 - f->len % 8) % 8)))
            goto out;
        if (k == NSI_SEC_CHECKS && (rc = build_checks(w, f, &checks)))
            goto out;
        uint8_t *t = table + i * NSI_SEG_TABLE_ENTRY;
        nsi_put_u32le(t, (uint32_t)k);
        nsi_put_u32le(t + 4, nsi_crc32(secs[k]->data, secs[k]->len));
        nsi_put_u64le(t + 8, f->len);
        nsi_put_u64le(t + 16, secs[k]->len);
        if ((rc = nsi_buf_append(f, secs[k]->data, secs[k]->len)))
            goto out;
    }
    uint64_t table_off = f->len;
    if ((rc = nsi_buf_append(f, table, sizeof table)))
        goto out;
    uint8_t foot[NSI_SEG_FOOTER_BYTES];
    nsi_put_u64le(foot, table_off);
    nsi_put_u32le(foot + 8, nsi_crc32(table, sizeof table));
    nsi_put_u32le(foot + 12, nsi_crc32(f->data, f->len));
    memcpy(foot + 16, NSI_SEG_END, 8);
    rc = nsi_buf_append(f, foot, sizeof foot);
out:
    nsi_buf_free(&info);
    nsi_buf_free(&checks);
    return rc;
}

int nsi_segw_finish(nsi_segw *w, const char *dir, uint64_t seg_id, char *err, size_t errlen)
{
    return nsi_segw_finish_at(w, -1, dir, seg_id, err, errlen);
}

int nsi_segw_finish_at(nsi_segw *w, int dirfd, const char *dir, uint64_t seg_id, char *err,
                       size_t errlen)
{
    int rc;
    if (w->have_term && w->docs.n && (rc = flush_term(w)))
        return nsi_fail(err, errlen, rc, "writing segment: %s", ns_strerror(rc));
    nsi_buf f = {0};
    f.limit = (size_t)1 << 62;
    if ((rc = build_file(w, seg_id, &f))) {
        nsi_buf_free(&f);
        return nsi_fail(err, errlen, rc, "building segment %016llx: %s", (unsigned long long)seg_id,
                        ns_strerror(rc));
    }
    char path[4200];
    nsi_seg_filename(path, sizeof path, dir, seg_id);
    const char *name = path + strlen(dir) + 1;
    /* exclusively: a segment file is never overwritten, not even by a
     * second writer that wrongly believes it holds the lock */
    int flags = O_WRONLY | O_CREAT | O_EXCL;
    int fd = dirfd >= 0 ? nsi_io_openat(dirfd, name, flags, 0644) : nsi_io_open(path, flags, 0644);
    const char *step = NULL;
    if (fd < 0)
        step = "create";
    else if (nsi_io_write_full(fd, f.data, f.len))
        step = "write";
    else if (nsi_io_fsync(fd)) /* never retried: the data may be gone */
        step = "fsync";
    int e = errno;
    nsi_buf_free(&f);
    if (fd >= 0 && nsi_io_close(fd) && !step) {
        e = errno;
        step = "close";
    }
    if (step) {
        if (fd >= 0 && dirfd >= 0)
            nsi_io_unlinkat(dirfd, name);
        else if (fd >= 0)
            nsi_io_unlink(path);
        return nsi_fail(err, errlen, e == EEXIST ? NS_EEXISTS : nsi_errno_status(e), "%s: %s: %s",
                        path, step, strerror(e));
    }
    return NS_OK;
}
