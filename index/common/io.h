/* io.h — the library's only way to the file system (internal).
 *
 * Every open, read, write, fsync, rename, unlink, mkdir, map and directory
 * listing of libnsearch goes through nsi_io_*, which call the current
 * nsi_io table (the POSIX one unless a test installs another). Besides
 * letting tests substitute the file system, the layer has a built-in fault
 * injector: the Nth call fails with a chosen errno, once or from then on, or
 * the "disk" stops taking writes as if the machine had crashed at that
 * moment. The reliability tests loop N over every call of an operation
 * (docs/reliability.md, "Fault injection").
 *
 * Wrappers follow POSIX conventions (-1 and errno), except that reads and
 * writes retry EINTR and short transfers (nsi_io_read_full/write_full).
 */
#ifndef NSI_IO_H
#define NSI_IO_H

#include <dirent.h>
#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>

typedef struct nsi_io {
    int (*open)(const char *path, int flags, mode_t mode);
    ssize_t (*read)(int fd, void *buf, size_t n);
    ssize_t (*write)(int fd, const void *buf, size_t n);
    ssize_t (*pread)(int fd, void *buf, size_t n, off_t off);
    ssize_t (*pwrite)(int fd, const void *buf, size_t n, off_t off);
    int (*fsync)(int fd);
    int (*close)(int fd);
    int (*fstat)(int fd, struct stat *st);
    int (*stat)(const char *path, struct stat *st);
    int (*ftruncate)(int fd, off_t len);
    int (*rename)(const char *from, const char *to);
    int (*unlink)(const char *path);
    int (*mkdir)(const char *path, mode_t mode);
    void *(*map)(int fd, size_t len); /* read-only shared map; NULL + errno */
    int (*unmap)(void *p, size_t len);
    DIR *(*opendir)(const char *path);
    struct dirent *(*readdir)(DIR *d);
    int (*closedir)(DIR *d);
    int (*lock)(int fd, int wait); /* OFD write lock on the whole file */
    /* relative to an open directory (the writer's): name is one file name */
    int (*openat)(int dirfd, const char *name, int flags, mode_t mode);
    int (*fstatat)(int dirfd, const char *name, struct stat *st);
    int (*renameat)(int dirfd, const char *from, const char *to); /* within dirfd */
    int (*unlinkat)(int dirfd, const char *name);
    DIR *(*fdopendir)(int dirfd); /* lists dirfd's directory; dirfd stays open */
} nsi_io;

/* The POSIX implementation. */
extern const nsi_io nsi_io_posix;

/* Installs io (NULL: the POSIX one). Not thread-safe: tests call it while no
 * index or writer is in use. */
void nsi_io_set(const nsi_io *io);

int nsi_io_open(const char *path, int flags, mode_t mode);
/* Reads up to n bytes, retrying EINTR; 0 at end of file. */
ssize_t nsi_io_read(int fd, void *buf, size_t n);
/* Writes all n bytes (retrying EINTR and short writes): 0 or -1. */
int nsi_io_write_full(int fd, const void *buf, size_t n);
ssize_t nsi_io_pread(int fd, void *buf, size_t n, off_t off);
int nsi_io_pwrite_full(int fd, const void *buf, size_t n, off_t off);
int nsi_io_fsync(int fd);
/* Closes fd (always released, even when an error is returned). */
int nsi_io_close(int fd);
int nsi_io_fstat(int fd, struct stat *st);
int nsi_io_stat(const char *path, struct stat *st);
int nsi_io_ftruncate(int fd, off_t len);
int nsi_io_rename(const char *from, const char *to);
int nsi_io_unlink(const char *path);
int nsi_io_mkdir(const char *path, mode_t mode);
/* mkdir -p with mode 0755: 0 when dir exists afterwards, else an errno. */
int nsi_io_mkdir_p(const char *dir);
void *nsi_io_map(int fd, size_t len);
void nsi_io_unmap(void *p, size_t len);
DIR *nsi_io_opendir(const char *path);
struct dirent *nsi_io_readdir(DIR *d);
void nsi_io_closedir(DIR *d);
int nsi_io_lock(int fd, int wait);

/* The same, relative to an open directory dirfd (O_DIRECTORY), so that a
 * writer keeps working in the directory it opened even if its path is
 * renamed, deleted or recreated meanwhile (the writer checks the path before
 * each commit: write/writer.c). Counted and faulted like the calls above. */
int nsi_io_openat(int dirfd, const char *name, int flags, mode_t mode);
int nsi_io_fstatat(int dirfd, const char *name, struct stat *st);
int nsi_io_renameat(int dirfd, const char *from, const char *to);
int nsi_io_unlinkat(int dirfd, const char *name);
DIR *nsi_io_fdopendir(int dirfd);

/* What tells one state of a file from another without reading it: which
 * file (device, inode) and its size, modification and change times. A file
 * rewritten in place keeps its inode but not its change time. */
typedef struct nsi_fileid {
    unsigned long long dev, ino, size;
    long long mtime_s, mtime_ns, ctime_s, ctime_ns;
} nsi_fileid;

void nsi_fileid_of(const struct stat *st, nsi_fileid *id);
/* Whether a and b are the same file (device and inode). */
int nsi_fileid_same_file(const nsi_fileid *a, const nsi_fileid *b);
/* Whether a and b are the same file in the same state. */
int nsi_fileid_equal(const nsi_fileid *a, const nsi_fileid *b);

/* ---- fault injection (tests) */

enum {
    NSI_FAULT_OFF = 0,
    NSI_FAULT_ONCE,    /* call nth fails with err, later calls succeed */
    NSI_FAULT_PERSIST, /* call nth and every later call fail with err */
    NSI_FAULT_CRASH    /* from call nth on, nothing reaches the disk: writes,
                          renames, unlinks, truncations and creations
                          report success and do nothing (reads still work),
                          which leaves the disk as a crash at that moment
                          would (without losing unsynced data) */
};

/* Arms the injector and resets the call counter (mode OFF disarms it). Calls
 * are counted from 1. */
void nsi_io_fault(int mode, unsigned long nth, int err);
/* Calls counted since the last nsi_io_fault. */
unsigned long nsi_io_calls(void);
/* Whether the armed fault has fired. */
int nsi_io_fault_fired(void);

#endif
