/* io.c — the file-system layer and its fault injector (io.h). */
#include "common/io.h"

#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* ------------------------------------------------------------ POSIX */

static int px_open(const char *path, int flags, mode_t mode)
{
    int fd;
    do
        fd = open(path, flags | O_CLOEXEC, mode);
    while (fd < 0 && errno == EINTR);
    return fd;
}

static void *px_map(int fd, size_t len)
{
    void *p = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, 0);
    return p == MAP_FAILED ? NULL : p;
}

static int px_lock(int fd, int wait)
{
    /* OFD locks belong to the open file, so a second writer in the same
     * process conflicts too (classic fcntl locks would not). */
    struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
    int rc;
    do
        rc = fcntl(fd, wait ? F_OFD_SETLKW : F_OFD_SETLK, &fl);
    while (rc && errno == EINTR);
    return rc;
}

static int px_mkdir(const char *path, mode_t mode) { return mkdir(path, mode); }

static int px_openat(int dirfd, const char *name, int flags, mode_t mode)
{
    int fd;
    do
        fd = openat(dirfd, name, flags | O_CLOEXEC, mode);
    while (fd < 0 && errno == EINTR);
    return fd;
}

static int px_fstatat(int dirfd, const char *name, struct stat *st)
{
    return fstatat(dirfd, name, st, 0);
}

static int px_renameat(int dirfd, const char *from, const char *to)
{
    return renameat(dirfd, from, dirfd, to);
}

static int px_unlinkat(int dirfd, const char *name) { return unlinkat(dirfd, name, 0); }

static DIR *px_fdopendir(int dirfd)
{
    /* fdopendir owns the descriptor it gets: give it a new one */
    int fd = px_openat(dirfd, ".", O_RDONLY | O_DIRECTORY, 0);
    if (fd < 0)
        return NULL;
    DIR *d = fdopendir(fd);
    if (!d) {
        int e = errno;
        close(fd);
        errno = e;
    }
    return d;
}

const nsi_io nsi_io_posix = {
    .open = px_open,
    .read = read,
    .write = write,
    .pread = pread,
    .pwrite = pwrite,
    .fsync = fsync,
    .close = close,
    .fstat = fstat,
    .stat = stat,
    .ftruncate = ftruncate,
    .rename = rename,
    .unlink = unlink,
    .mkdir = px_mkdir,
    .map = px_map,
    .unmap = munmap,
    .opendir = opendir,
    .readdir = readdir,
    .closedir = closedir,
    .lock = px_lock,
    .openat = px_openat,
    .fstatat = px_fstatat,
    .renameat = px_renameat,
    .unlinkat = px_unlinkat,
    .fdopendir = px_fdopendir,
};

static const nsi_io *io = &nsi_io_posix;

void nsi_io_set(const nsi_io *x) { io = x ? x : &nsi_io_posix; }

/* ------------------------------------------------------------ faults */

static atomic_ulong calls;
static atomic_int fault_mode;
static atomic_int fired;
static unsigned long fault_nth;
static int fault_err;

void nsi_io_fault(int mode, unsigned long nth, int err)
{
    fault_nth = nth;
    fault_err = err;
    atomic_store(&fired, 0);
    atomic_store(&calls, 0);
    atomic_store(&fault_mode, mode);
}

unsigned long nsi_io_calls(void) { return atomic_load(&calls); }

int nsi_io_fault_fired(void) { return atomic_load(&fired); }

enum { FAIL = 1, SKIP = 2 };

/* Counts a call and decides its fate: 0 (do it), FAIL (errno set) or SKIP
 * (a write after a simulated crash: report success, do nothing). */
static int fate(int mutating)
{
    unsigned long n = atomic_fetch_add(&calls, 1) + 1;
    int mode = atomic_load(&fault_mode);
    if (mode == NSI_FAULT_OFF || n < fault_nth)
        return 0;
    if (mode == NSI_FAULT_CRASH) {
        if (!mutating)
            return 0;
        atomic_store(&fired, 1);
        return SKIP;
    }
    if (mode == NSI_FAULT_ONCE && n != fault_nth)
        return 0;
    atomic_store(&fired, 1);
    errno = fault_err;
    return FAIL;
}

/* ------------------------------------------------------------ wrappers */

int nsi_io_open(const char *path, int flags, mode_t mode)
{
    int writes = (flags & (O_WRONLY | O_RDWR | O_CREAT | O_TRUNC)) != 0;
    switch (fate(writes)) {
    case FAIL:
        return -1;
    case SKIP:
        return io->open("/dev/null", O_WRONLY, 0);
    }
    return io->open(path, flags, mode);
}

ssize_t nsi_io_read(int fd, void *buf, size_t n)
{
    if (fate(0))
        return -1;
    ssize_t k;
    do
        k = io->read(fd, buf, n);
    while (k < 0 && errno == EINTR);
    return k;
}

int nsi_io_write_full(int fd, const void *buf, size_t n)
{
    switch (fate(1)) {
    case FAIL:
        return -1;
    case SKIP:
        return 0;
    }
    const uint8_t *p = buf;
    while (n) {
        ssize_t k = io->write(fd, p, n);
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0)
            return -1;
        if (k == 0) { /* no progress and no error: treat as a full disk */
            errno = ENOSPC;
            return -1;
        }
        p += k;
        n -= (size_t)k;
    }
    return 0;
}

ssize_t nsi_io_pread(int fd, void *buf, size_t n, off_t off)
{
    if (fate(0))
        return -1;
    ssize_t k;
    do
        k = io->pread(fd, buf, n, off);
    while (k < 0 && errno == EINTR);
    return k;
}

int nsi_io_pwrite_full(int fd, const void *buf, size_t n, off_t off)
{
    switch (fate(1)) {
    case FAIL:
        return -1;
    case SKIP:
        return 0;
    }
    const uint8_t *p = buf;
    while (n) {
        ssize_t k = io->pwrite(fd, p, n, off);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0) {
            if (k == 0)
                errno = ENOSPC;
            return -1;
        }
        p += k;
        n -= (size_t)k;
        off += k;
    }
    return 0;
}

int nsi_io_fsync(int fd)
{
    switch (fate(1)) {
    case FAIL:
        return -1;
    case SKIP:
        return 0;
    }
    /* never retried, not even on EINTR: after a failed fsync the kernel may
     * have dropped the dirty pages, and a second fsync would lie */
    return io->fsync(fd);
}

int nsi_io_close(int fd)
{
    int f = fate(0);
    int rc = io->close(fd); /* the descriptor is gone whatever happens */
    if (f == FAIL) {
        errno = fault_err;
        return -1;
    }
    return rc;
}

int nsi_io_fstat(int fd, struct stat *st) { return fate(0) ? -1 : io->fstat(fd, st); }

int nsi_io_stat(const char *path, struct stat *st) { return fate(0) ? -1 : io->stat(path, st); }

#define MUTATE(call)                                                                               \
    switch (fate(1)) {                                                                             \
    case FAIL:                                                                                     \
        return -1;                                                                                 \
    case SKIP:                                                                                     \
        return 0;                                                                                  \
    }                                                                                              \
    return call

int nsi_io_ftruncate(int fd, off_t len) { MUTATE(io->ftruncate(fd, len)); }
int nsi_io_rename(const char *from, const char *to) { MUTATE(io->rename(from, to)); }
int nsi_io_unlink(const char *path) { MUTATE(io->unlink(path)); }
int nsi_io_mkdir(const char *path, mode_t mode) { MUTATE(io->mkdir(path, mode)); }

int nsi_io_mkdir_p(const char *dir)
{
    char tmp[4096];
    size_t n = strlen(dir);
    if (n >= sizeof tmp)
        return ENAMETOOLONG;
    memcpy(tmp, dir, n + 1);
    for (char *p = tmp + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = 0;
        if (nsi_io_mkdir(tmp, 0755) && errno != EEXIST)
            return errno;
        *p = '/';
    }
    return nsi_io_mkdir(tmp, 0755) && errno != EEXIST ? errno : 0;
}

void *nsi_io_map(int fd, size_t len) { return fate(0) ? NULL : io->map(fd, len); }

void nsi_io_unmap(void *p, size_t len)
{
    if (p)
        io->unmap(p, len);
}

DIR *nsi_io_opendir(const char *path) { return fate(0) ? NULL : io->opendir(path); }

struct dirent *nsi_io_readdir(DIR *d) { return io->readdir(d); }

void nsi_io_closedir(DIR *d)
{
    if (d)
        io->closedir(d);
}

int nsi_io_lock(int fd, int wait) { return fate(0) ? -1 : io->lock(fd, wait); }

int nsi_io_openat(int dirfd, const char *name, int flags, mode_t mode)
{
    int writes = (flags & (O_WRONLY | O_RDWR | O_CREAT | O_TRUNC)) != 0;
    switch (fate(writes)) {
    case FAIL:
        return -1;
    case SKIP:
        return io->open("/dev/null", O_WRONLY, 0);
    }
    return io->openat(dirfd, name, flags, mode);
}

int nsi_io_fstatat(int dirfd, const char *name, struct stat *st)
{
    return fate(0) ? -1 : io->fstatat(dirfd, name, st);
}

int nsi_io_renameat(int dirfd, const char *from, const char *to)
{
    MUTATE(io->renameat(dirfd, from, to));
}

int nsi_io_unlinkat(int dirfd, const char *name) { MUTATE(io->unlinkat(dirfd, name)); }

DIR *nsi_io_fdopendir(int dirfd) { return fate(0) ? NULL : io->fdopendir(dirfd); }

/* ------------------------------------------------------------ file identity */

void nsi_fileid_of(const struct stat *st, nsi_fileid *id)
{
    id->dev = (unsigned long long)st->st_dev;
    id->ino = (unsigned long long)st->st_ino;
    id->size = (unsigned long long)st->st_size;
    id->mtime_s = (long long)st->st_mtim.tv_sec;
    id->mtime_ns = (long long)st->st_mtim.tv_nsec;
    id->ctime_s = (long long)st->st_ctim.tv_sec;
    id->ctime_ns = (long long)st->st_ctim.tv_nsec;
}

int nsi_fileid_same_file(const nsi_fileid *a, const nsi_fileid *b)
{
    return a->dev == b->dev && a->ino == b->ino;
}

int nsi_fileid_equal(const nsi_fileid *a, const nsi_fileid *b)
{
    return nsi_fileid_same_file(a, b) && a->size == b->size && a->mtime_s == b->mtime_s &&
           a->mtime_ns == b->mtime_ns && a->ctime_s == b->ctime_s && a->ctime_ns == b->ctime_ns;
}
