/* commit.c — the COMMIT file, written by atomic replacement, and the writer
 * lock. Format: docs/format.md, "COMMIT".
 *
 * Durability order matters: the new segments are fsync'ed by their writer,
 * COMMIT.tmp is fsync'ed, renamed over COMMIT, and the directory fsync'ed,
 * so after a crash COMMIT is either wholly old or wholly new.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/internal.h"
#include "common/io.h"
#include "format/codec.h"
#include "format/commit.h"

#define COMMIT_MAX (1u << 30)

void nsi_commit_free(nsi_commit *c)
{
    for (uint32_t i = 0; i < c->nsegs; i++)
        free(c->segs[i].deleted);
    free(c->segs);
    c->segs = NULL;
    c->nsegs = 0;
}

/* Reads the file open as fd (-1 and errno: it could not be opened). */
static int read_file(int fd, const char *path, nsi_buf *b, char *err, size_t errlen)
{
    if (fd < 0) {
        int e = errno;
        return nsi_fail(err, errlen, e == ENOENT ? NS_ENOTFOUND : nsi_errno_status(e), "%s: %s",
                        path, strerror(e));
    }
    b->limit = COMMIT_MAX;
    for (;;) {
        int rc = nsi_buf_reserve(b, 65536);
        if (rc) {
            nsi_io_close(fd);
            return nsi_fail(err, errlen, rc == NS_ETOOBIG ? NS_ECORRUPT : rc, "%s: %s", path,
                            rc == NS_ETOOBIG ? "file too large" : ns_strerror(rc));
        }
        ssize_t k = nsi_io_read(fd, b->data + b->len, 65536);
        if (k < 0) {
            int e = errno;
            nsi_io_close(fd);
            return nsi_fail(err, errlen, nsi_errno_status(e), "%s: read: %s", path, strerror(e));
        }
        if (k == 0)
            break;
        b->len += (size_t)k;
    }
    nsi_io_close(fd); /* read-only: nothing to lose */
    return NS_OK;
}

static int parse(nsi_commit *c, const uint8_t *d, size_t n, const char *path, char *err,
                 size_t errlen)
{
#define BAD(what) nsi_fail(err, errlen, NS_ECORRUPT, "%s: %s", path, what)
    if (n < 8 + 4 + 4 + 8 + 8 + 4 + 8 || memcmp(d, NSI_COMMIT_MAGIC, 8))
        return BAD("not a commit file (bad magic or truncated)");
    if (memcmp(d + n - 8, NSI_COMMIT_END, 8))
        return BAD("truncated (no end marker)");
    if (nsi_crc32(d, n - 12) != nsi_get_u32le(d + n - 12))
        return BAD("checksum mismatch");
    uint32_t version = nsi_get_u32le(d + 8);
    if (version < NSI_COMMIT_VERSION_MIN || version > NSI_COMMIT_VERSION)
        return nsi_fail(err, errlen, NS_EVERSION,
                        "%s: format version %u, this build reads %u to %u", path, version,
                        NSI_COMMIT_VERSION_MIN, NSI_COMMIT_VERSION);
    c->version = version;
    c->generation = nsi_get_u64le(d + 16);
    c->next_seg_id = nsi_get_u64le(d + 24);
    const uint8_t *p = d + 32, *e = d + n - 12;
    uint64_t ll, nsegs;
    if (nsi_varint_get(&p, e, &ll) || ll == 0 || ll >= sizeof c->language ||
        ll > (uint64_t)(e - p) || memchr(p, 0, ll))
        return BAD("malformed language");
    memcpy(c->language, p, ll);
    c->language[ll] = 0;
    p += ll;
    if (nsi_varint_get(&p, e, &nsegs) || nsegs > (uint64_t)(e - p))
        return BAD("malformed segment count");
    c->segs = calloc(nsegs ? nsegs : 1, sizeof *c->segs);
    if (!c->segs)
        return NS_ENOMEM;
    c->nsegs = (uint32_t)nsegs;
    for (uint32_t i = 0; i < c->nsegs; i++) {
        nsi_commit_seg *s = &c->segs[i];
        uint64_t id, nd, ndel;
        if (nsi_varint_get(&p, e, &id))
            return BAD("malformed segment entry");
        if (version >= 2) { /* the segment's identity */
            if (e - p < 12)
                return BAD("malformed segment entry");
            s->uid = nsi_get_u64le(p);
            s->table_crc = nsi_get_u32le(p + 8);
            p += 12;
        }
        if (nsi_varint_get(&p, e, &nd) || nsi_varint_get(&p, e, &ndel) || nd >= UINT32_MAX ||
            ndel > nd || id >= c->next_seg_id)
            return BAD("malformed segment entry");
        s->id = id;
        s->ndocs = (uint32_t)nd;
        s->ndeleted = (uint32_t)ndel;
        if (ndel) {
            s->deleted = calloc(nd / 8 + 1, 1);
            if (!s->deleted)
                return NS_ENOMEM;
        }
        uint64_t prev = UINT64_MAX;
        for (uint64_t k = 0; k < ndel; k++) {
            uint64_t g;
            if (nsi_varint_get(&p, e, &g) || g == 0)
                return BAD("malformed deletion list");
            uint64_t doc = prev + g;
            if (doc >= nd)
                return BAD("deleted document out of range");
            s->deleted[doc >> 3] |= (uint8_t)(1u << (doc & 7));
            prev = doc;
        }
    }
    if (p != e)
        return BAD("trailing bytes");
    return NS_OK;
#undef BAD
}

static int at_open(int dirfd, const char *dir, const char *name, int flags, mode_t mode);

int nsi_commit_read_at(nsi_commit *c, int dirfd, const char *dir, char *err, size_t errlen)
{
    memset(c, 0, sizeof *c);
    char path[4200];
    snprintf(path, sizeof path, "%s/COMMIT", dir);
    nsi_buf b = {0};
    int rc = read_file(at_open(dirfd, dir, "COMMIT", O_RDONLY, 0), path, &b, err, errlen);
    if (!rc)
        rc = parse(c, b.data, b.len, path, err, errlen);
    nsi_buf_free(&b);
    if (rc)
        nsi_commit_free(c);
    return rc;
}

int nsi_commit_read(nsi_commit *c, const char *dir, char *err, size_t errlen)
{
    return nsi_commit_read_at(c, -1, dir, err, errlen);
}

static int encode(const nsi_commit *c, nsi_buf *b)
{
    uint8_t hdr[32] = {0};
    memcpy(hdr, NSI_COMMIT_MAGIC, 8);
    nsi_put_u32le(hdr + 8, NSI_COMMIT_VERSION);
    nsi_put_u64le(hdr + 16, c->generation);
    nsi_put_u64le(hdr + 24, c->next_seg_id);
    size_t ll = strlen(c->language);
    int rc;
    if ((rc = nsi_buf_append(b, hdr, sizeof hdr)) || (rc = nsi_buf_put_varint(b, ll)) ||
        (rc = nsi_buf_append(b, c->language, ll)) || (rc = nsi_buf_put_varint(b, c->nsegs)))
        return rc;
    for (uint32_t i = 0; i < c->nsegs; i++) {
        const nsi_commit_seg *s = &c->segs[i];
        if ((rc = nsi_buf_put_varint(b, s->id)) || (rc = nsi_buf_put_u64le(b, s->uid)) ||
            (rc = nsi_buf_put_u32le(b, s->table_crc)) || (rc = nsi_buf_put_varint(b, s->ndocs)) ||
            (rc = nsi_buf_put_varint(b, s->ndeleted)))
            return rc;
        uint64_t prev = UINT64_MAX, count = 0;
        for (uint32_t d = 0; s->ndeleted && d < s->ndocs; d++) {
            if (!nsi_bit_get(s->deleted, d))
                continue;
            if ((rc = nsi_buf_put_varint(b, d - prev)))
                return rc;
            prev = d;
            count++;
        }
        if (count != s->ndeleted)
            return NS_EINVAL;
    }
    if ((rc = nsi_buf_put_u32le(b, nsi_crc32(b->data, b->len))))
        return rc;
    return nsi_buf_append(b, NSI_COMMIT_END, 8);
}

/* A file of the index: relative to dirfd when the caller holds the
 * directory open (the writer), else by path. */
static void at_path(char *buf, size_t n, const char *dir, const char *name)
{
    snprintf(buf, n, "%s/%s", dir, name);
}

static int at_open(int dirfd, const char *dir, const char *name, int flags, mode_t mode)
{
    if (dirfd >= 0)
        return nsi_io_openat(dirfd, name, flags, mode);
    char path[4200];
    at_path(path, sizeof path, dir, name);
    return nsi_io_open(path, flags, mode);
}

static int at_rename(int dirfd, const char *dir, const char *from, const char *to)
{
    if (dirfd >= 0)
        return nsi_io_renameat(dirfd, from, to);
    char a[4200], b[4200];
    at_path(a, sizeof a, dir, from);
    at_path(b, sizeof b, dir, to);
    return nsi_io_rename(a, b);
}

static int at_unlink(int dirfd, const char *dir, const char *name)
{
    if (dirfd >= 0)
        return nsi_io_unlinkat(dirfd, name);
    char path[4200];
    at_path(path, sizeof path, dir, name);
    return nsi_io_unlink(path);
}

int nsi_fsync_dir(const char *dir, char *err, size_t errlen)
{
    int fd = nsi_io_open(dir, O_RDONLY | O_DIRECTORY, 0);
    if (fd < 0 || nsi_io_fsync(fd)) {
        int e = errno;
        if (fd >= 0)
            nsi_io_close(fd);
        return nsi_fail(err, errlen, nsi_errno_status(e), "%s: fsync of the directory: %s", dir,
                        strerror(e));
    }
    nsi_io_close(fd);
    return NS_OK;
}

static int fsync_dir_at(int dirfd, const char *dir, char *err, size_t errlen)
{
    if (dirfd < 0)
        return nsi_fsync_dir(dir, err, errlen);
    if (nsi_io_fsync(dirfd)) {
        int e = errno;
        return nsi_fail(err, errlen, nsi_errno_status(e), "%s: fsync of the directory: %s", dir,
                        strerror(e));
    }
    return NS_OK;
}

int nsi_commit_tmp_name(const char *name)
{
    size_t n = strlen(name);
    if (!strcmp(name, "COMMIT.tmp")) /* the name before unique names */
        return 1;
    return n > 11 && !strncmp(name, "COMMIT.", 7) && !strcmp(name + n - 4, ".tmp");
}

int nsi_commit_write_at(const nsi_commit *c, int dirfd, int lock_fd, const char *dir, char *err,
                        size_t errlen)
{
    /* a name of this writer's own, so that two writers that both believe
     * they hold the lock never write the same temporary file */
    static unsigned counter;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    unsigned rnd = (unsigned)ts.tv_nsec ^ (++counter * 2654435761u);
    char tmpname[64], tmp[4200], path[4200];
    snprintf(tmpname, sizeof tmpname, "COMMIT.%ld.%08x.tmp", (long)getpid(), rnd);
    at_path(tmp, sizeof tmp, dir, tmpname);
    at_path(path, sizeof path, dir, "COMMIT");
    nsi_buf b = {0};
    int rc = encode(c, &b);
    if (rc) {
        nsi_buf_free(&b);
        return nsi_fail(err, errlen, rc, "%s: encoding: %s", path, ns_strerror(rc));
    }
    /* the new segments' directory entries must be durable before a COMMIT
     * naming them can be */
    rc = fsync_dir_at(dirfd, dir, err, errlen);
    if (rc) {
        nsi_buf_free(&b);
        return rc;
    }
    int fd = at_open(dirfd, dir, tmpname, O_WRONLY | O_CREAT | O_EXCL, 0644);
    int e = 0;
    const char *step = "create";
    if (fd < 0) {
        e = errno;
    } else {
        if (nsi_io_write_full(fd, b.data, b.len))
            e = errno, step = "write";
        /* a failed fsync ends the commit: the data may be gone, never retry */
        else if (nsi_io_fsync(fd))
            e = errno, step = "fsync";
        if (nsi_io_close(fd) && !e)
            e = errno, step = "close";
    }
    nsi_buf_free(&b);
    /* as late as possible: is this still the index the lock was taken on? */
    if (!e && lock_fd >= 0 && (rc = nsi_lock_check(dirfd, lock_fd, dir, err, errlen))) {
        at_unlink(dirfd, dir, tmpname);
        return rc;
    }
    if (!e && at_rename(dirfd, dir, tmpname, "COMMIT"))
        e = errno, step = "rename";
    if (e) {
        if (fd >= 0)
            at_unlink(dirfd, dir, tmpname);
        return nsi_fail(err, errlen, nsi_errno_status(e), "%s: %s: %s (the previous commit stays)",
                        step[0] == 'r' ? path : tmp, step, strerror(e));
    }
    return fsync_dir_at(dirfd, dir, err, errlen);
}

int nsi_commit_write(const nsi_commit *c, const char *dir, char *err, size_t errlen)
{
    return nsi_commit_write_at(c, -1, -1, dir, err, errlen);
}

int nsi_lock_acquire_at(int dirfd, const char *dir, int wait, int *out, char *err, size_t errlen)
{
    char path[4200];
    at_path(path, sizeof path, dir, "LOCK");
    int fd = at_open(dirfd, dir, "LOCK", O_RDWR | O_CREAT, 0644);
    if (fd < 0) {
        int e = errno;
        return nsi_fail(err, errlen, nsi_errno_status(e), "%s: %s", path, strerror(e));
    }
    if (nsi_io_lock(fd, wait)) {
        int e = errno;
        if (e == EACCES || e == EAGAIN) {
            char pidbuf[32] = {0};
            ssize_t k = nsi_io_pread(fd, pidbuf, sizeof pidbuf - 1, 0);
            long pid = k > 0 ? strtol(pidbuf, NULL, 10) : 0;
            nsi_io_close(fd);
            if (pid > 0)
                return nsi_fail(err, errlen, NS_ELOCKED, "%s: index is locked by pid %ld", dir,
                                pid);
            return nsi_fail(err, errlen, NS_ELOCKED, "%s: index is locked by another writer", dir);
        }
        nsi_io_close(fd);
        return nsi_fail(err, errlen, nsi_errno_status(e), "%s: lock: %s", path, strerror(e));
    }
    /* the pid is informational only (the fcntl lock is what counts); the
     * high-water generation is kept */
    nsi_lock_set_generation(fd, nsi_lock_generation(fd));
    *out = fd;
    return NS_OK;
}

/* LOCK's text: "<pid>\ngeneration <n>\n" (docs/format.md, the layout). */
static uint64_t parse_generation(const char *text)
{
    const char *g = strstr(text, "\ngeneration ");
    return g ? strtoull(g + 12, NULL, 10) : 0;
}

uint64_t nsi_lock_generation(int lock_fd)
{
    char buf[128] = {0};
    ssize_t k = nsi_io_pread(lock_fd, buf, sizeof buf - 1, 0);
    return k > 0 ? parse_generation(buf) : 0;
}

uint64_t nsi_lock_peek_generation(const char *dir)
{
    int fd = at_open(-1, dir, "LOCK", O_RDONLY, 0);
    if (fd < 0)
        return 0;
    uint64_t g = nsi_lock_generation(fd);
    nsi_io_close(fd);
    return g;
}

int nsi_lock_set_generation(int lock_fd, uint64_t gen)
{
    char text[64];
    int n = snprintf(text, sizeof text, "%ld\ngeneration %llu\n", (long)getpid(),
                     (unsigned long long)gen);
    if (nsi_io_ftruncate(lock_fd, 0) || nsi_io_pwrite_full(lock_fd, text, (size_t)n, 0))
        return nsi_errno_status(errno);
    return NS_OK;
}

int nsi_lock_acquire(const char *dir, int wait, int *out, char *err, size_t errlen)
{
    return nsi_lock_acquire_at(-1, dir, wait, out, err, errlen);
}

static int same_file(const struct stat *a, const struct stat *b)
{
    return a->st_dev == b->st_dev && a->st_ino == b->st_ino;
}

int nsi_lock_check(int dirfd, int lock_fd, const char *dir, char *err, size_t errlen)
{
    struct stat held, now;
    char path[4200];
    if (nsi_io_fstat(dirfd, &held)) {
        int e = errno;
        return nsi_fail(err, errlen, nsi_errno_status(e), "%s: fstat of the directory: %s", dir,
                        strerror(e));
    }
    if (nsi_io_stat(dir, &now)) {
        int e = errno;
        if (e != ENOENT && e != ENOTDIR)
            return nsi_fail(err, errlen, nsi_errno_status(e), "%s: stat: %s", dir, strerror(e));
        return nsi_fail(err, errlen, NS_ELOCKED,
                        "%s: the index folder was moved or deleted while this writer ran; "
                        "nothing was committed to a new one",
                        dir);
    }
    if (!same_file(&held, &now))
        return nsi_fail(err, errlen, NS_ELOCKED,
                        "%s: the index folder was replaced while this writer ran; nothing was "
                        "committed to the new one",
                        dir);
    at_path(path, sizeof path, dir, "LOCK");
    if (nsi_io_fstat(lock_fd, &held)) {
        int e = errno;
        return nsi_fail(err, errlen, nsi_errno_status(e), "%s: fstat: %s", path, strerror(e));
    }
    if (nsi_io_stat(path, &now)) {
        int e = errno;
        if (e != ENOENT)
            return nsi_fail(err, errlen, nsi_errno_status(e), "%s: stat: %s", path, strerror(e));
        return nsi_fail(err, errlen, NS_ELOCKED,
                        "%s: LOCK was removed while this writer ran; nothing was committed "
                        "(another writer may be using the folder)",
                        dir);
    }
    if (!same_file(&held, &now))
        return nsi_fail(err, errlen, NS_ELOCKED,
                        "%s: LOCK was replaced while this writer ran (another writer took "
                        "it); nothing was committed",
                        dir);
    return NS_OK;
}

void nsi_lock_release(int fd)
{
    if (fd >= 0)
        nsi_io_close(fd); /* closing drops the lock */
}
