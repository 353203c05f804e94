/* commit.h — the COMMIT file and the writer lock (internal).
 * Format and protocol: docs/format.md, "Commit protocol" and "COMMIT". */
#ifndef NSI_COMMIT_H
#define NSI_COMMIT_H

#include <stddef.h>
#include <stdint.h>

#define NSI_COMMIT_MAGIC "NSCOMMIT"
#define NSI_COMMIT_END "NSCMTEND"
#define NSI_COMMIT_VERSION 2
/* Oldest version this build reads: 1 has no segment identities. */
#define NSI_COMMIT_VERSION_MIN 1

typedef struct nsi_commit_seg {
    uint64_t id;
    uint32_t ndocs;
    uint32_t ndeleted;
    uint8_t *deleted; /* bitmap of ndocs bits, malloc'd (NULL when ndeleted == 0) */
    /* The segment's identity (version 2; docs/format.md, "COMMIT"): its
     * CHECKS uid (0 before segment version 3) and footer table_crc. */
    uint64_t uid;
    uint32_t table_crc;
} nsi_commit_seg;

typedef struct nsi_commit {
    uint64_t generation;
    uint64_t next_seg_id;
    char language[64];
    uint32_t nsegs;
    nsi_commit_seg *segs;
    uint32_t version; /* as read (1: no identities to check); written: always the current */
} nsi_commit;

/* Reads dir/COMMIT. NS_ENOTFOUND when there is none (no index yet),
 * NS_ECORRUPT / NS_EVERSION with a message naming the file. */
int nsi_commit_read(nsi_commit *c, const char *dir, char *err, size_t errlen);
/* The same, relative to the open directory dirfd (dir names it in messages);
 * dirfd -1: by path. */
int nsi_commit_read_at(nsi_commit *c, int dirfd, const char *dir, char *err, size_t errlen);

/* Writes dir/COMMIT.tmp, fsyncs it, renames it over dir/COMMIT and fsyncs
 * the directory. On failure the old COMMIT is intact. */
int nsi_commit_write(const nsi_commit *c, const char *dir, char *err, size_t errlen);
/* The same, relative to the open directory dirfd (-1: by path). The
 * temporary file is COMMIT.<pid>.<random>.tmp, created exclusively. With
 * lock_fd >= 0, nsi_lock_check runs just before the rename, and a failing
 * check leaves COMMIT as it was (NS_ELOCKED). */
int nsi_commit_write_at(const nsi_commit *c, int dirfd, int lock_fd, const char *dir, char *err,
                        size_t errlen);
/* Whether a directory entry is a commit's temporary file (a writer's
 * leftover when no writer holds the lock). */
int nsi_commit_tmp_name(const char *name);

void nsi_commit_free(nsi_commit *c);

static inline int nsi_bit_get(const uint8_t *bm, uint32_t i)
{
    return bm && (bm[i >> 3] >> (i & 7)) & 1;
}

/* Takes the writer lock dir/LOCK (fcntl record lock, non-blocking unless
 * wait). *fd receives the descriptor that holds it. NS_ELOCKED with
 * "index is locked by pid N" when another process holds it. */
int nsi_lock_acquire(const char *dir, int wait, int *fd, char *err, size_t errlen);
/* The same, LOCK opened relative to dirfd (-1: by path). */
int nsi_lock_acquire_at(int dirfd, const char *dir, int wait, int *fd, char *err, size_t errlen);
/* Whether the lock a writer holds is still the index's: dirfd must be the
 * directory dir names now (same st_dev and st_ino), and lock_fd the file
 * dir/LOCK names now. NS_ELOCKED with a message saying which changed (the
 * folder moved, deleted or replaced; LOCK removed or replaced), NS_EIO (or
 * another errno status) when a stat fails otherwise. */
int nsi_lock_check(int dirfd, int lock_fd, const char *dir, char *err, size_t errlen);
void nsi_lock_release(int fd);

/* LOCK's high-water mark: the highest generation ever committed in the
 * directory (docs/format.md, "Orphans and leftovers"). nsi_lock_acquire keeps
 * it. nsi_lock_generation reads it from the held LOCK, nsi_lock_peek_generation
 * from dir/LOCK without locking (readers, --check); both give 0 when there is
 * none. nsi_lock_set_generation rewrites it (not fsync'ed: a lost update only
 * lags behind COMMIT, which readers also consult). */
uint64_t nsi_lock_generation(int lock_fd);
uint64_t nsi_lock_peek_generation(const char *dir);
int nsi_lock_set_generation(int lock_fd, uint64_t gen);

/* fsyncs a directory so that a rename or create in it is durable. */
int nsi_fsync_dir(const char *dir, char *err, size_t errlen);

#endif
