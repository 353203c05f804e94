/* fuzz_docstore — the stored-fields section (index/docstore.c). Mode 0: the
 * input is a section as read from disk: opening and reading every document
 * gives records or NS_ECORRUPT, the cached and uncached readers agree. Mode
 * 1: the input is cut into records (a length byte, then that many bytes, the
 * length scaled up now and then to cross block boundaries), which must come
 * back byte for byte. */
#include <string.h>

#include "common/buf.h"
#include "format/docstore.h"
#include "fuzz.h"
#include "nsearch.h"

static void read_section(const uint8_t *p, size_t n)
{
    nsi_docstore ds;
    char err[256];
    if (nsi_docstore_open(&ds, p, n, err, sizeof err))
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
    nsi_buf_free(&a);
    nsi_docstore_cache_free(&c);
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
    nsi_docstore ds;
    char err[256];
    FUZZ_ASSERT(nsi_docstore_open(&ds, sec.data, sec.len, err, sizeof err) == NS_OK);
    FUZZ_ASSERT(ds.ndocs == nrec);
    nsi_docstore_cache c;
    memset(&c, 0, sizeof c);
    for (size_t i = 0; i < nrec; i++) {
        const uint8_t *rec;
        size_t len;
        FUZZ_ASSERT(nsi_docstore_get_cached(&ds, &c, (uint32_t)i, &rec, &len, err, sizeof err) ==
                    NS_OK);
        FUZZ_ASSERT(len == lens[i] && (!len || !memcmp(rec, recs[i], len)));
    }
    nsi_docstore_cache_free(&c);
    nsi_buf_free(&sec);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > 1 << 20)
        return 0;
    if (data[0] & 1)
        round_trip(data + 1, size - 1);
    else
        read_section(data + 1, size - 1);
    return 0;
}
