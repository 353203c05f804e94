/* fuzz_commit — the COMMIT file reader (index/commit.c) on hostile bytes.
 * Input: a flags byte (1: recompute the file's CRC first, so mutations reach
 * the parser), then the file. A file that parses must write back and parse
 * again to the same commit. The file lives in the in-memory file system
 * (memfs.h). */
#include <string.h>

#include "common/buf.h"
#include "common/internal.h"
#include "format/commit.h"
#include "fuzz.h"
#include "memfs.h"
#include "nsearch.h"

static int same(const nsi_commit *a, const nsi_commit *b)
{
    if (a->generation != b->generation || a->next_seg_id != b->next_seg_id ||
        strcmp(a->language, b->language) || a->nsegs != b->nsegs)
        return 0;
    for (uint32_t i = 0; i < a->nsegs; i++) {
        const nsi_commit_seg *x = &a->segs[i], *y = &b->segs[i];
        if (x->id != y->id || x->ndocs != y->ndocs || x->ndeleted != y->ndeleted ||
            x->uid != y->uid || x->table_crc != y->table_crc)
            return 0;
        for (uint32_t d = 0; d < x->ndocs; d++)
            if (nsi_bit_get(x->deleted, d) != nsi_bit_get(y->deleted, d))
                return 0;
    }
    return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > (1u << 20))
        return 0;
    size_t n = size - 1;
    uint8_t *file = malloc(n ? n : 1);
    memcpy(file, data + 1, n);
    if ((data[0] & 1) && n >= 12) /* recompute the CRC so mutations reach the parser */
        nsi_put_u32le(file + n - 12, nsi_crc32(file, n - 12));
    memfs_install();
    memfs_put("/c/COMMIT", file, n);
    free(file);
    nsi_commit c, d;
    char err[NS_ERRBUF_SIZE];
    int rc = nsi_commit_read(&c, "/c", err, sizeof err);
    FUZZ_ASSERT(rc == NS_OK || rc == NS_ECORRUPT || rc == NS_EVERSION || rc == NS_ENOMEM);
    if (rc == NS_OK) {
        uint64_t bits = 0;
        for (uint32_t i = 0; i < c.nsegs; i++)
            bits += c.segs[i].ndocs;
        if (bits < (1u << 16)) { /* the writer re-encodes by walking every bit */
            FUZZ_ASSERT(nsi_commit_write(&c, "/c", err, sizeof err) == NS_OK);
            FUZZ_ASSERT(nsi_commit_read(&d, "/c", err, sizeof err) == NS_OK);
            FUZZ_ASSERT(same(&c, &d));
            nsi_commit_free(&d);
        }
        nsi_commit_free(&c);
    }
    memfs_reset();
    nsi_io_set(NULL);
    return 0;
}
