/* orphans.h — segment files that COMMIT does not name: a dead writer's
 * leftovers, garbage of an interrupted deletion, and orphans of a newer
 * COMMIT (internal). Rules: docs/format.md, "Orphans and leftovers". */
#ifndef NSI_ORPHANS_H
#define NSI_ORPHANS_H

#include <stddef.h>
#include <stdint.h>

enum {
    NSI_UNLISTED_LEFTOVER = 1, /* written for a commit that never happened */
    NSI_UNLISTED_GARBAGE,      /* of a generation COMMIT has moved past */
    NSI_UNLISTED_ORPHAN        /* committed in a generation newer than COMMIT */
};

/* What one unlisted segment file is: name (seg-<id>.nss) in the directory
 * dirfd (-1: by path dir), COMMIT at generation g, high-water mark h (the
 * larger of LOCK's and g). *gen receives the file's CHECKS gen (0 when it has
 * none). */
int nsi_unlisted_kind(int dirfd, const char *dir, uint64_t seg_id, uint64_t g, uint64_t h,
                      uint64_t *gen);

/* Calls fn for every segment file of the directory whose id is not among
 * listed[0..nlisted), with its kind and CHECKS gen. fn returning non-zero
 * stops the walk with that value. NS_EIO-like statuses when the directory
 * cannot be read. */
typedef int (*nsi_unlisted_fn)(void *ctx, const char *name, uint64_t seg_id, int kind,
                               uint64_t gen);
int nsi_unlisted_scan(int dirfd, const char *dir, const uint64_t *listed, size_t nlisted,
                      uint64_t g, uint64_t h, nsi_unlisted_fn fn, void *ctx);

/* An nsi_unlisted_fn for nsi_unlisted_scan with a nsi_orphans_seen as ctx:
 * counts the orphans (NSI_UNLISTED_ORPHAN) and keeps the first one's name and
 * generation, for a message. */
typedef struct nsi_orphans_seen {
    unsigned n;
    char first[64];
    uint64_t gen;
} nsi_orphans_seen;
int nsi_orphans_note(void *ctx, const char *name, uint64_t seg_id, int kind, uint64_t gen);

#endif
