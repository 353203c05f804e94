/* fuzz_docstore — the stored-fields section (index/docstore.c). The first
 * byte's bit 0 picks the mode, bits 1-2 the segment version of mode 0 (1, 2,
 * else the current 4; 3's section is 2's). Mode 0: the input is a section as read from disk:
 * opening and reading every document gives records or NS_ECORRUPT, the
 * cached and uncached readers agree. Mode 1: the input is cut into records
 * (a length byte, then that many bytes, the length scaled up now and then to
 * cross block boundaries), which must come back byte for byte, also from a
 * section that copied the first's blocks and dictionaries as a merge does. */
#include <string.h>

#include "common/buf.h"
#include "format/docstore.h"
#include "fuzz.h"
#include "nsearch.h"

static void read_section(int format, const uint8_t *p, size_t n)
{
    nsi_docstore ds;
    char err[256];
    if (nsi_docstore_open_format(&ds, format, p, n, NULL, NULL, err, sizeof err))
        return;
    nsi_buf a = {0};
    nsi_docstore_cache c;
    memset(&c, 0, sizeof c);
    for (uint32_t d = 0; d < ds.ndocs && d < 512; d++) {
        const uint8_t *rec;
        size_t len;
        int rb = nsi_docstore_get_cached(&ds, &c, d, &rec, &len, err, sizeof err);
        FUZZ_ASSERT(rb == NS_OK || rb == NS_ECORRUPT || rb == NS_ENOMEM);
        if (d % 64) /* the uncached reader inflates the block again: sample it */
            continue;
        int ra = nsi_docstore_get(&ds, d, &a, err, sizeof err);
        FUZZ_ASSERT(ra == rb);
        FUZZ_ASSERT(ra || (len == a.len && (!len || !memcmp(rec, a.data, len))));
    }
    FUZZ_ASSERT(nsi_docstore_get(&ds, ds.ndocs, &a, err, sizeof err) != NS_OK);
    nsi_docstore_close(&ds);
    nsi_buf_free(&a);
    nsi_docstore_cache_free(&c);
}

/* A section made of ds's blocks and dictionaries, copied (as a merge of
 * segments without deletions does). */
static void copy_section(const nsi_docstore *ds, nsi_buf *out)
{
    nsi_docstore_writer *w;
    FUZZ_ASSERT(nsi_docstore_writer_new(&w) == NS_OK);
    uint32_t ids[2] = {0, 0};
    for (uint32_t k = 1; k <= ds->ndicts && k < 2; k++) {
        const uint8_t *d;
        size_t len;
        nsi_docstore_dict_at(ds, k, &d, &len);
        FUZZ_ASSERT(nsi_docstore_import_dict(w, d, len, &ids[k]) == NS_OK);
    }
    FUZZ_ASSERT(ds->ndicts <= 1); /* one writer trains one dictionary */
    for (uint32_t b = 0; b < ds->nblocks; b++) {
        nsi_docstore_block blk;
        nsi_docstore_block_at(ds, b, &blk);
        FUZZ_ASSERT(nsi_docstore_copy_block(w, blk.data, blk.clen, blk.ulen, blk.ndocs,
                                            ids[blk.dict]) == NS_OK);
    }
    FUZZ_ASSERT(nsi_docstore_finish(w, out) == NS_OK);
    nsi_docstore_writer_free(w);
}

static void round_trip(const uint8_t *p, size_t n)
{
    enum { MAXREC = 512 };
    const uint8_t *recs[MAXREC];
    size_t lens[MAXREC], nrec = 0;
    static uint8_t big[256 * 200];
    size_t total = 0;
    for (size_t i = 0; i < n && nrec < MAXREC && total < (1u << 20); total += lens[nrec - 1]) {
        size_t l = p[i++];
        if (l == 0xFF && i < n) { /* a large record: the next byte times 200 */
            lens[nrec] = (size_t)p[i++] * 200;
            memset(big, (int)nrec, lens[nrec]);
            recs[nrec++] = big;
            continue;
        }
        if (l > n - i)
            l = n - i;
        recs[nrec] = p + i;
        lens[nrec++] = l;
        i += l;
    }
    nsi_docstore_writer *w;
    FUZZ_ASSERT(nsi_docstore_writer_new(&w) == NS_OK);
    for (size_t i = 0; i < nrec; i++)
        FUZZ_ASSERT(nsi_docstore_add(w, recs[i], lens[i]) == NS_OK);
    nsi_buf sec = {0};
    FUZZ_ASSERT(nsi_docstore_finish(w, &sec) == NS_OK);
    nsi_docstore_writer_free(w);
    nsi_docstore ds, dc;
    char err[256];
    FUZZ_ASSERT(nsi_docstore_open(&ds, sec.data, sec.len, err, sizeof err) == NS_OK);
    FUZZ_ASSERT(ds.ndocs == nrec);
    nsi_buf copy = {0};
    copy_section(&ds, &copy);
    FUZZ_ASSERT(nsi_docstore_open(&dc, copy.data, copy.len, err, sizeof err) == NS_OK);
    FUZZ_ASSERT(dc.ndocs == nrec && dc.ndicts == ds.ndicts);
    nsi_docstore_cache c;
    memset(&c, 0, sizeof c);
    for (size_t i = 0; i < nrec; i++) {
        const uint8_t *rec;
        size_t len;
        FUZZ_ASSERT(nsi_docstore_get_cached(&ds, &c, (uint32_t)i, &rec, &len, err, sizeof err) ==
                    NS_OK);
        FUZZ_ASSERT(len == lens[i] && (!len || !memcmp(rec, recs[i], len)));
        FUZZ_ASSERT(nsi_docstore_get_cached(&dc, &c, (uint32_t)i, &rec, &len, err, sizeof err) ==
                    NS_OK);
        FUZZ_ASSERT(len == lens[i] && (!len || !memcmp(rec, recs[i], len)));
    }
    nsi_docstore_cache_free(&c);
    nsi_docstore_close(&ds);
    nsi_docstore_close(&dc);
    nsi_buf_free(&copy);
    nsi_buf_free(&sec);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > 1 << 20)
        return 0;
    int format = (data[0] >> 1) & 3;
    if (data[0] & 1)
        round_trip(data + 1, size - 1);
    else
        read_section(format == 1 || format == 2 ? format : 4, data + 1, size - 1);
    return 0;
}
