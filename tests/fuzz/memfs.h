/* memfs.h — an in-memory file system behind the library's I/O layer
 * (index/io.h), so fuzz targets can hand the library index files without a
 * system call per execution. Flat: a path is just a name; enough for one index
 * directory. Maps are malloc'd copies of exactly the file's size, so ASan sees
 * any read past the end. */
#ifndef NS_FUZZ_MEMFS_H
#define NS_FUZZ_MEMFS_H

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/io.h"

#define MEMFS_FILES 16
#define MEMFS_FDS 32

typedef struct memfs_file {
    char name[256];
    uint8_t *data;
    size_t size;
    int used;
} memfs_file;

static memfs_file memfs_files[MEMFS_FILES];
static struct {
    int file; /* index in memfs_files, -1 = free, -2 = the directory */
    size_t off;
    int dir;
    char dirname[256]; /* of a directory descriptor, for the *at calls */
} memfs_fds[MEMFS_FDS];
static int memfs_ready;

static void memfs_reset(void)
{
    for (int i = 0; i < MEMFS_FILES; i++) {
        free(memfs_files[i].data);
        memset(&memfs_files[i], 0, sizeof memfs_files[i]);
    }
    for (int i = 0; i < MEMFS_FDS; i++)
        memfs_fds[i].file = -1;
    memfs_ready = 1;
}

static int memfs_find(const char *name)
{
    for (int i = 0; i < MEMFS_FILES; i++)
        if (memfs_files[i].used && !strcmp(memfs_files[i].name, name))
            return i;
    return -1;
}

/* Creates or replaces a file with a copy of data. */
static void memfs_put(const char *name, const void *data, size_t n)
{
    int i = memfs_find(name);
    for (int k = 0; i < 0 && k < MEMFS_FILES; k++)
        if (!memfs_files[k].used)
            i = k;
    if (i < 0)
        return;
    memfs_file *f = &memfs_files[i];
    free(f->data);
    f->data = malloc(n ? n : 1);
    if (n)
        memcpy(f->data, data, n);
    f->size = n;
    f->used = 1;
    snprintf(f->name, sizeof f->name, "%s", name);
}

static int mf_fd(int fd) { return fd >= 3 && fd < MEMFS_FDS + 3 ? fd - 3 : -1; }

static int mf_open(const char *path, int flags, mode_t mode)
{
    (void)mode;
    int i = memfs_find(path);
    if (flags & O_DIRECTORY) {
        i = -2;
    } else if (i >= 0 && (flags & O_CREAT) && (flags & O_EXCL)) {
        errno = EEXIST;
        return -1;
    } else if (i < 0 && (flags & O_CREAT)) {
        memfs_put(path, "", 0);
        i = memfs_find(path);
        if (i < 0) {
            errno = ENOSPC;
            return -1;
        }
    } else if (i < 0) {
        errno = ENOENT;
        return -1;
    }
    if (i >= 0 && (flags & O_TRUNC))
        memfs_files[i].size = 0;
    for (int k = 0; k < MEMFS_FDS; k++)
        if (memfs_fds[k].file == -1) {
            memfs_fds[k].file = i;
            memfs_fds[k].off = 0;
            snprintf(memfs_fds[k].dirname, sizeof memfs_fds[k].dirname, "%s", i == -2 ? path : "");
            return k + 3;
        }
    errno = EMFILE;
    return -1;
}

static memfs_file *mf_file(int fd)
{
    int k = mf_fd(fd);
    if (k < 0 || memfs_fds[k].file < 0) { /* closed, or the directory */
        errno = EBADF;
        return NULL;
    }
    return &memfs_files[memfs_fds[k].file];
}

static ssize_t mf_pread(int fd, void *buf, size_t n, off_t off)
{
    memfs_file *f = mf_file(fd);
    if (!f)
        return -1;
    if ((size_t)off >= f->size)
        return 0;
    if (n > f->size - (size_t)off)
        n = f->size - (size_t)off;
    memcpy(buf, f->data + off, n);
    return (ssize_t)n;
}

static ssize_t mf_read(int fd, void *buf, size_t n)
{
    ssize_t k = mf_pread(fd, buf, n, (off_t)(mf_fd(fd) >= 0 ? memfs_fds[mf_fd(fd)].off : 0));
    if (k > 0)
        memfs_fds[mf_fd(fd)].off += (size_t)k;
    return k;
}

static ssize_t mf_pwrite(int fd, const void *buf, size_t n, off_t off)
{
    memfs_file *f = mf_file(fd);
    if (!f)
        return -1;
    size_t end = (size_t)off + n;
    if (end > f->size) {
        uint8_t *p = realloc(f->data, end);
        if (!p) {
            errno = ENOSPC;
            return -1;
        }
        memset(p + f->size, 0, (size_t)off > f->size ? (size_t)off - f->size : 0);
        f->data = p;
        f->size = end;
    }
    memcpy(f->data + off, buf, n);
    return (ssize_t)n;
}

static ssize_t mf_write(int fd, const void *buf, size_t n)
{
    int k = mf_fd(fd);
    ssize_t w = mf_pwrite(fd, buf, n, (off_t)(k >= 0 ? memfs_fds[k].off : 0));
    if (w > 0)
        memfs_fds[k].off += (size_t)w;
    return w;
}

static int mf_fsync(int fd) { return mf_fd(fd) >= 0 ? 0 : (errno = EBADF, -1); }

static int mf_close(int fd)
{
    int k = mf_fd(fd);
    if (k < 0) {
        errno = EBADF;
        return -1;
    }
    memfs_fds[k].file = -1;
    return 0;
}

static int mf_fstat(int fd, struct stat *st)
{
    int k = mf_fd(fd);
    if (k >= 0 && memfs_fds[k].file == -2) {
        memset(st, 0, sizeof *st);
        st->st_mode = S_IFDIR | 0755;
        st->st_ino = MEMFS_FILES + 1;
        return 0;
    }
    memfs_file *f = mf_file(fd);
    if (!f)
        return -1;
    memset(st, 0, sizeof *st);
    st->st_size = (off_t)f->size;
    st->st_mode = S_IFREG | 0644;
    st->st_ino = (ino_t)(f - memfs_files) + 1;
    return 0;
}

static int mf_stat(const char *path, struct stat *st)
{
    memset(st, 0, sizeof *st);
    int i = memfs_find(path);
    if (i < 0) {
        st->st_mode = S_IFDIR | 0755; /* every other name is the directory */
        st->st_ino = MEMFS_FILES + 1;
        return 0;
    }
    st->st_ino = (ino_t)i + 1;
    st->st_size = (off_t)memfs_files[i].size;
    st->st_mode = S_IFREG | 0644;
    return 0;
}

static int mf_ftruncate(int fd, off_t len)
{
    memfs_file *f = mf_file(fd);
    if (!f)
        return -1;
    if ((size_t)len < f->size)
        f->size = (size_t)len;
    return 0;
}

static int mf_rename(const char *from, const char *to)
{
    int i = memfs_find(from);
    if (i < 0) {
        errno = ENOENT;
        return -1;
    }
    int j = memfs_find(to);
    if (j >= 0) {
        free(memfs_files[j].data);
        memset(&memfs_files[j], 0, sizeof memfs_files[j]);
    }
    snprintf(memfs_files[i].name, sizeof memfs_files[i].name, "%s", to);
    return 0;
}

static int mf_unlink(const char *path)
{
    int i = memfs_find(path);
    if (i < 0) {
        errno = ENOENT;
        return -1;
    }
    free(memfs_files[i].data);
    memset(&memfs_files[i], 0, sizeof memfs_files[i]);
    return 0;
}

static int mf_mkdir(const char *path, mode_t mode)
{
    (void)path;
    (void)mode;
    errno = EEXIST;
    return -1;
}

static void *mf_map(int fd, size_t len)
{
    memfs_file *f = mf_file(fd);
    if (!f)
        return NULL;
    if (len > f->size) {
        errno = EINVAL;
        return NULL;
    }
    void *p = malloc(len ? len : 1);
    if (p && len)
        memcpy(p, f->data, len);
    return p;
}

static int mf_unmap(void *p, size_t len)
{
    (void)len;
    free(p);
    return 0;
}

static DIR *mf_opendir(const char *path)
{
    (void)path;
    errno = ENOTSUP;
    return NULL;
}

static struct dirent *mf_readdir(DIR *d)
{
    (void)d;
    return NULL;
}

static int mf_closedir(DIR *d)
{
    (void)d;
    return 0;
}

static int mf_lock(int fd, int wait)
{
    (void)wait;
    return mf_fd(fd) >= 0 ? 0 : -1;
}

/* The *at calls: the directory descriptor's name, a slash, the name. */
static int mf_at(int dirfd, const char *name, char *path, size_t n)
{
    int k = mf_fd(dirfd);
    if (k < 0 || memfs_fds[k].file != -2) {
        errno = EBADF;
        return -1;
    }
    snprintf(path, n, "%s/%s", memfs_fds[k].dirname, name);
    return 0;
}
static int mf_openat(int dirfd, const char *name, int flags, mode_t mode)
{
    char path[600];
    if (mf_at(dirfd, name, path, sizeof path))
        return -1;
    if ((flags & O_EXCL) && memfs_find(path) >= 0) {
        errno = EEXIST;
        return -1;
    }
    return mf_open(path, flags, mode);
}
static int mf_fstatat(int dirfd, const char *name, struct stat *st)
{
    char path[600];
    if (mf_at(dirfd, name, path, sizeof path))
        return -1;
    if (memfs_find(path) < 0) {
        errno = ENOENT;
        return -1;
    }
    return mf_stat(path, st);
}
static int mf_renameat(int dirfd, const char *from, const char *to)
{
    char a[600], b[600];
    if (mf_at(dirfd, from, a, sizeof a) || mf_at(dirfd, to, b, sizeof b))
        return -1;
    return mf_rename(a, b);
}
static int mf_unlinkat(int dirfd, const char *name)
{
    char path[600];
    if (mf_at(dirfd, name, path, sizeof path))
        return -1;
    return mf_unlink(path);
}
static DIR *mf_fdopendir(int dirfd)
{
    (void)dirfd;
    errno = ENOTSUP;
    return NULL;
}
static const nsi_io memfs_io = {
    mf_open,  mf_read,   mf_write,   mf_pread,     mf_pwrite,   mf_fsync,
    mf_close, mf_fstat,  mf_stat,    mf_ftruncate, mf_rename,   mf_unlink,
    mf_mkdir, mf_map,    mf_unmap,   mf_opendir,   mf_readdir,  mf_closedir,
    mf_lock,  mf_openat, mf_fstatat, mf_renameat,  mf_unlinkat, mf_fdopendir,
};

/* Installs the in-memory file system, emptied. */
static void memfs_install(void)
{
    memfs_reset();
    nsi_io_set(&memfs_io);
}

#endif
