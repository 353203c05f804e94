/* fuzz_segment — a segment file from hostile bytes, through everything that
 * reads one: ns_index_check (full), ns_index_open and searches, hits and
 * snippets, and a writer that merges it (ns_writer_optimize).
 * Input: a flags byte, then the segment file. Flags: 1 recompute every
 * checksum first (so mutations reach the decoders instead of stopping at the
 * CRC), 2 mark document 0 deleted in COMMIT, 4 merge it. The files live in
 * an in-memory file system behind the library's I/O layer (memfs.h).
 * Nothing may crash, leak or read out of bounds; every status is one the API
 * documents. */
#include <string.h>

#include "common/buf.h"
#include "common/internal.h"
#include "format/commit.h"
#include "fuzz.h"
#include "memfs.h"
#include "nsearch.h"

#define DIR_ "/f"

static void repair(uint8_t *b, size_t n)
{
    if (n < 56)
        return;
    uint64_t toff = nsi_get_u64le(b + n - 24);
    uint32_t nsec = nsi_get_u32le(b + 28);
    if (nsec > 64 || toff > n - 24 || (uint64_t)nsec * 24 != n - 24 - toff)
        return;
    uint8_t *table = b + toff;
    /* CHECKS (kind 10) first: its chunk CRCs cover everything before it,
     * and its own section CRC covers them */
    for (uint32_t k = 0; k < nsec; k++) {
        uint8_t *t = table + (size_t)k * 24;
        uint64_t off = nsi_get_u64le(t + 8), len = nsi_get_u64le(t + 16);
        if (nsi_get_u32le(t) != 10 || off > toff || len > toff - off || len < 24)
            continue;
        uint64_t nchunks = (len - 24) / 4;
        for (uint64_t c = 0; c < nchunks && (c << 12) < off; c++) {
            uint64_t clen = off - (c << 12) < 4096 ? off - (c << 12) : 4096;
            nsi_put_u32le(b + off + 24 + c * 4, nsi_crc32(b + (c << 12), (size_t)clen));
        }
    }
    for (uint32_t k = 0; k < nsec; k++) {
        uint8_t *t = table + (size_t)k * 24;
        uint64_t off = nsi_get_u64le(t + 8), len = nsi_get_u64le(t + 16);
        if (off <= toff && len <= toff - off)
            nsi_put_u32le(t + 4, nsi_crc32(b + off, (size_t)len));
    }
    nsi_put_u32le(b + n - 16, nsi_crc32(table, (size_t)nsec * 24));
    nsi_put_u32le(b + n - 12, nsi_crc32(b, n - 24));
}

/* The identity COMMIT records for the file (docs/format.md, "COMMIT"): the
 * footer's table CRC and, when the table has a CHECKS section (kind 10)
 * inside the file, its uid. Garbage gives whatever the bytes say. */
static void identity(const uint8_t *b, size_t n, uint64_t *uid, uint32_t *table_crc)
{
    if (n < 56)
        return;
    *table_crc = nsi_get_u32le(b + n - 16);
    uint64_t toff = nsi_get_u64le(b + n - 24);
    uint32_t nsec = nsi_get_u32le(b + 28);
    if (nsec > 64 || toff > n - 24 || (uint64_t)nsec * 24 != n - 24 - toff)
        return;
    for (uint32_t k = 0; k < nsec; k++) {
        const uint8_t *t = b + toff + (size_t)k * 24;
        uint64_t off = nsi_get_u64le(t + 8), len = nsi_get_u64le(t + 16);
        if (nsi_get_u32le(t) == 10 && off <= toff && len >= 8 && len <= toff - off)
            *uid = nsi_get_u64le(b + off);
    }
}

static const char *const queries[] = {"harbour", "storm OR grain OR the", "\"the storm\"",
                                      "har*",    "title:storm",           "talks NOT tariffs"};

static void search_all(ns_index *idx)
{
    for (size_t i = 0; i < sizeof queries / sizeof queries[0]; i++) {
        ns_query *q;
        char err[NS_ERRBUF_SIZE];
        if (ns_query_parse(&q, idx, queries[i], strlen(queries[i]), NULL, err, sizeof err, NULL))
            continue;
        ns_search_options so = NS_SEARCH_OPTIONS_INIT;
        so.k = 3;
        ns_results *r;
        int rc = ns_search(&r, idx, q, &so);
        FUZZ_ASSERT(rc == NS_OK || rc == NS_ECORRUPT || rc == NS_ENOMEM);
        if (rc == NS_OK) {
            for (size_t h = 0; h < ns_results_count(r); h++) {
                ns_snippet *s;
                rc = ns_snippet_make(&s, idx, q, r, h, NULL);
                FUZZ_ASSERT(rc == NS_OK || rc == NS_ECORRUPT || rc == NS_ENOMEM);
                if (rc == NS_OK)
                    ns_snippet_free(s);
            }
            ns_results_free(r);
        }
        ns_query_free(q);
    }
    ns_stats st;
    FUZZ_ASSERT(ns_index_stats(idx, &st) == NS_OK);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > (1u << 20))
        return 0;
    size_t n = size - 1;
    uint8_t *seg = malloc(n ? n : 1);
    memcpy(seg, data + 1, n);
    if (data[0] & 1)
        repair(seg, n);
    memfs_install();
    memfs_put(DIR_ "/seg-0000000000000001.nss", seg, n);
    uint32_t ndocs = n >= 28 ? nsi_get_u32le(seg + 24) : 0;
    uint64_t uid = 0;
    uint32_t table_crc = 0;
    identity(seg, n, &uid, &table_crc); /* COMMIT names the file as it is */
    free(seg);
    if (ndocs == UINT32_MAX)
        ndocs--;
    nsi_commit_seg cs = {1, ndocs, 0, NULL, uid, table_crc};
    if ((data[0] & 2) && ndocs > 0 && ndocs < (1u << 20)) {
        cs.ndeleted = 1;
        cs.deleted = calloc(ndocs / 8 + 1, 1); /* a bitmap of ndocs bits */
        cs.deleted[0] = 1;
    }
    nsi_commit c = {1, 2, "english", 1, &cs, 0};
    char err[NS_ERRBUF_SIZE];
    FUZZ_ASSERT(nsi_commit_write(&c, DIR_, err, sizeof err) == NS_OK);
    free(cs.deleted);

    int rc = ns_index_check(DIR_, 1, err, sizeof err);
    FUZZ_ASSERT(rc == NS_OK || rc == NS_ECORRUPT || rc == NS_EVERSION || rc == NS_ENOMEM);
    int sound = rc == NS_OK;
    ns_index *idx;
    int orc = ns_index_open(&idx, DIR_, err, sizeof err);
    FUZZ_ASSERT(orc == NS_OK || orc == NS_ECORRUPT || orc == NS_EVERSION || orc == NS_ENOMEM);
    /* what the check passes, a reader must open */
    FUZZ_ASSERT(rc != NS_OK || orc == NS_OK);
    if (orc == NS_OK) {
        search_all(idx);
        ns_index_close(idx);
    }
    if (data[0] & 4) {
        ns_writer *w;
        if (ns_writer_open(&w, DIR_, NULL, err, sizeof err) == NS_OK) {
            rc = ns_writer_optimize(w);
            /* NS_EMERGE: the policy's merge after the first commit (a
             * mostly deleted segment is rewritten) met the damage */
            FUZZ_ASSERT(rc == NS_OK || rc == NS_ECORRUPT || rc == NS_ENOMEM || rc == NS_EMERGE);
            ns_writer_close(w);
            /* A merge of a sound index writes a sound index. A segment whose
             * checksums were recomputed over inconsistent contents (postings
             * that disagree with the stored text) is only caught by the full
             * check, and a merge copies that disagreement as it is. */
            if ((rc == NS_OK || rc == NS_EMERGE) && sound) {
                rc = ns_index_check(DIR_, 1, err, sizeof err);
                if (rc != NS_OK)
                    fprintf(stderr, "check after merge: %s\n", err);
                FUZZ_ASSERT(rc == NS_OK);
            }
        }
    }
    memfs_reset();
    nsi_io_set(NULL);
    return 0;
}
