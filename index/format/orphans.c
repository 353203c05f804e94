/* orphans.c — segment files that COMMIT does not name, and what each is.
 * Rules: docs/format.md, "Orphans and leftovers".
 *
 * A writer used to delete every segment file COMMIT did not name when it
 * took the lock. That also deleted the newer segments of an index whose
 * COMMIT had been put back from a backup (400 documents became 200 at the
 * next nindex, issue 15). A segment of version 3 says which generation it
 * was written for (CHECKS gen), and LOCK keeps the highest generation ever
 * committed, so a file written for a generation past that mark never made it
 * into any COMMIT (a writer died or stopped first: safe to delete), one at or
 * below COMMIT's generation was dropped by a commit that COMMIT includes
 * (safe to delete), and one in between was committed once by a COMMIT that
 * is no longer there: that one is kept and reported.
 */
#include <dirent.h>
#include <stdio.h>
#include <string.h>

#include "common/internal.h"
#include "common/io.h"
#include "format/orphans.h"
#include "format/segment.h"

int nsi_unlisted_kind(int dirfd, const char *dir, uint64_t seg_id, uint64_t g, uint64_t h,
                      uint64_t *gen)
{
    nsi_seg *s;
    *gen = 0;
    /* a file that does not open as a segment is a killed writer's
     * half-written file; one without CHECKS (version 1 or 2) cannot say, and
     * was deleted before version 3 too */
    if (nsi_seg_open_at(&s, dirfd, dir, seg_id, NULL, 0))
        return NSI_UNLISTED_LEFTOVER;
    *gen = s->gen;
    int v3 = s->version >= NSI_SEG_VERSION_CHECKS;
    nsi_seg_close(s);
    if (!v3 || *gen > h)
        return NSI_UNLISTED_LEFTOVER;
    if (*gen <= g)
        return NSI_UNLISTED_GARBAGE;
    return NSI_UNLISTED_ORPHAN;
}

int nsi_unlisted_scan(int dirfd, const char *dir, const uint64_t *listed, size_t nlisted,
                      uint64_t g, uint64_t h, nsi_unlisted_fn fn, void *ctx)
{
    DIR *d = dirfd >= 0 ? nsi_io_fdopendir(dirfd) : nsi_io_opendir(dir);
    if (!d)
        return NS_EIO;
    struct dirent *de;
    int rc = NS_OK;
    while (!rc && (de = nsi_io_readdir(d))) {
        unsigned long long id;
        char tail[8];
        if (sscanf(de->d_name, "seg-%16llx.ns%1s", &id, tail) != 2)
            continue;
        int named = 0;
        for (size_t i = 0; i < nlisted && !named; i++)
            named = listed[i] == id;
        if (named)
            continue;
        uint64_t gen = 0;
        char canon[64];
        snprintf(canon, sizeof canon, "seg-%016llx.nss", id);
        int kind = strcmp(de->d_name, canon) ? NSI_UNLISTED_LEFTOVER
                                             : nsi_unlisted_kind(dirfd, dir, id, g, h, &gen);
        rc = fn(ctx, de->d_name, id, kind, gen);
    }
    nsi_io_closedir(d);
    return rc;
}

int nsi_orphans_note(void *ctx, const char *name, uint64_t seg_id, int kind, uint64_t gen)
{
    nsi_orphans_seen *o = ctx;
    (void)seg_id;
    if (kind == NSI_UNLISTED_ORPHAN && o->n++ == 0) {
        snprintf(o->first, sizeof o->first, "%s", name);
        o->gen = gen;
    }
    return 0;
}
