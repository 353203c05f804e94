/* test_faults.c — I/O fault loops (docs/reliability.md, "Fault injection").
 *
 * SQLite's method: run an operation with the Nth I/O call failing, for
 * N = 1, 2, ... until the operation completes without reaching call N. Three
 * kinds of failure:
 *   once     call N fails with EIO, later calls succeed;
 *   persist  call N and every later call fail with ENOSPC (disk full);
 *   crash    from call N on nothing reaches the disk (a crash at that moment).
 * Two operations: an indexing run (open, 40 puts with a commit every 10,
 * commit, close) on an index that holds the seeds (once with the writer's
 * segments built by two worker threads, ns_writer_options.threads), and a merge
 * (ns_writer_optimize) of an index of several segments with deletions.
 * After every run, with faults off:
 *   - ns_index_check(full) passes;
 *   - the live documents are exactly the base plus a whole number of the
 *     run's batches, at least those whose commit returned NS_OK before the
 *     fault fired (nothing acknowledged is lost, no half batch shows);
 *   - a failure came with a message naming the failed step's cause
 *     (strerror of the injected errno) and stopped the writer: later calls
 *     fail too until it is reopened.
 * NS_FAULT_LONG=1 adds more documents and commits (tests/long). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "nstest.h"
#include "reliability.h"

#include "common/io.h"

static char root[4000], base_a[4100], base_b[4100], work[4100];
static tcorpus seeds;
static rt_vocab vocab;
static unsigned ndocs = 40, batch = 10; /* operation A */

/* ---------------------------------------------------------- helpers */

static void rm_files(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *de;
    char p[4400];
    while (d && (de = readdir(d))) {
        if (de->d_name[0] == '.')
            continue;
        snprintf(p, sizeof p, "%s/%s", dir, de->d_name);
        unlink(p);
    }
    if (d)
        closedir(d);
}

/* Copies the files of src into dst (emptied first), bypassing nsi_io. */
static void copy_dir(const char *src, const char *dst)
{
    mkdir(dst, 0755);
    rm_files(dst);
    DIR *d = opendir(src);
    struct dirent *de;
    static char buf[1 << 16];
    while (d && (de = readdir(d))) {
        if (de->d_name[0] == '.')
            continue;
        char a[4400], b[4400];
        snprintf(a, sizeof a, "%s/%s", src, de->d_name);
        snprintf(b, sizeof b, "%s/%s", dst, de->d_name);
        int in = open(a, O_RDONLY), out = open(b, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        ssize_t k;
        while (in >= 0 && out >= 0 && (k = read(in, buf, sizeof buf)) > 0)
            CHECK(write(out, buf, (size_t)k) == k);
        close(in);
        close(out);
    }
    if (d)
        closedir(d);
}

typedef struct idset {
    unsigned seeds, syn; /* live seed documents, live syn-N documents */
    unsigned max_syn;    /* 1 + largest N */
    unsigned bad;        /* ids that are neither */
} idset;

static int count_id(void *ctx, const char *id, size_t len)
{
    idset *s = ctx;
    unsigned n;
    char tmp[64];
    if (len < sizeof tmp && len > 4 && !memcmp(id, "syn-", 4)) {
        memcpy(tmp, id, len);
        tmp[len] = 0;
        n = (unsigned)atoi(tmp + 4);
        s->syn++;
        if (n + 1 > s->max_syn)
            s->max_syn = n + 1;
        return 0;
    }
    for (size_t i = 0; i < seeds.n; i++)
        if (seeds.d[i].id_len == len && !memcmp(seeds.d[i].id, id, len)) {
            s->seeds++;
            return 0;
        }
    s->bad++;
    return 0;
}

/* The live ids of the index at dir (through a writer, faults off). */
static int list_ids(const char *dir, idset *s)
{
    memset(s, 0, sizeof *s);
    ns_writer *w;
    char err[NS_ERRBUF_SIZE];
    int rc = ns_writer_open(&w, dir, NULL, err, sizeof err);
    if (rc) {
        fprintf(stderr, "reopening %s: %s\n", dir, err);
        return rc;
    }
    ns_writer_foreach_id(w, count_id, s);
    ns_writer_close(w);
    return NS_OK;
}

static int check_ok(const char *dir, const char *what, unsigned long n)
{
    char err[NS_ERRBUF_SIZE];
    int rc = ns_index_check(dir, 1, err, sizeof err);
    if (rc)
        fprintf(stderr, "%s, call %lu: check failed: %s\n", what, n, err);
    return rc;
}

typedef struct loop {
    const char *name;
    int mode, err;
    unsigned long iterations;
    unsigned failures;    /* runs that returned an error */
    unsigned unclear;     /* failures whose message lacks the cause */
    unsigned not_stopped; /* failures after which the writer still worked */
    unsigned bad_state;   /* check failed or wrong document set */
    unsigned threads;     /* the writer's worker threads (index loops) */
} loop;

static void report(const loop *l)
{
    printf("%-22s %4lu iterations, %4u failed runs; unclear messages %u, writer not stopped "
           "%u, bad index states %u\n",
           l->name, l->iterations, l->failures, l->unclear, l->not_stopped, l->bad_state);
}

/* Judges a run's error: the message names the cause, the writer stays
 * stopped. */
static void judge_failure(loop *l, ns_writer *w, int rc, const char *msg, unsigned long n)
{
    l->failures++;
    const char *cause = l->mode == NSI_FAULT_CRASH ? NULL : strerror(l->err);
    if (cause && !strstr(msg, cause)) {
        if (++l->unclear <= 3)
            fprintf(stderr, "%s, call %lu: status %d, message lacks '%s': %s\n", l->name, n, rc,
                    cause, msg);
    }
    if (w && l->mode != NSI_FAULT_CRASH && rc != NS_EINVAL && rc != NS_ENOTFOUND) {
        /* a failure of a durable step must stop the writer */
        int again = ns_writer_commit(w);
        if (again == NS_OK && ++l->not_stopped <= 3)
            fprintf(stderr, "%s, call %lu: the writer still commits after: %s\n", l->name, n, msg);
    }
}

/* ---------------------------------------------------------- operation A */

/* Runs the indexing operation on work; *acked receives the number of
 * synthetic documents whose commit returned NS_OK before the fault fired. */
static int run_index(loop *l, unsigned long n, unsigned *acked)
{
    ns_writer *w = NULL;
    char err[NS_ERRBUF_SIZE] = "";
    *acked = 0;
    ns_writer_options wo = NS_WRITER_OPTIONS_INIT;
    wo.threads = l->threads;
    nsi_io_fault(l->mode, n, l->err);
    int rc = ns_writer_open(&w, work, &wo, err, sizeof err);
    for (unsigned i = 0; !rc && i < ndocs; i++) {
        rc = rt_put_synth(w, &vocab, i);
        if (!rc && (i + 1) % batch == 0) {
            rc = ns_writer_commit(w);
            if (!rc && !nsi_io_fault_fired())
                *acked = i + 1;
        }
    }
    if (!rc) {
        rc = ns_writer_commit(w);
        if (!rc && !nsi_io_fault_fired())
            *acked = ndocs;
    }
    int fired = nsi_io_fault_fired();
    nsi_io_fault(NSI_FAULT_OFF, 0, 0);
    if (rc)
        judge_failure(l, w, rc, w ? ns_writer_errmsg(w) : err, n);
    ns_writer_close(w);
    return rc == NS_OK && !fired ? 1 : 0; /* 1: completed without the fault */
}

static void loop_index(loop *l)
{
    unsigned long n;
    for (n = 1; n < 100000; n++) {
        copy_dir(base_a, work);
        unsigned acked;
        int done = run_index(l, n, &acked);
        idset s;
        if (check_ok(work, l->name, n) || list_ids(work, &s) || s.seeds != seeds.n || s.bad ||
            s.syn != s.max_syn || s.syn < acked || (s.syn % batch && s.syn != ndocs)) {
            if (++l->bad_state <= 3)
                fprintf(stderr, "%s, call %lu: %u seeds, %u synthetic (acknowledged %u)\n", l->name,
                        n, s.seeds, s.syn, acked);
        }
        if (done) {
            CHECK_EQ_INT(s.syn, ndocs);
            break;
        }
    }
    l->iterations = n - 1;
}

/* ---------------------------------------------------------- operation B */

static int run_merge(loop *l, unsigned long n)
{
    ns_writer *w = NULL;
    char err[NS_ERRBUF_SIZE] = "";
    nsi_io_fault(l->mode, n, l->err);
    int rc = ns_writer_open(&w, work, NULL, err, sizeof err);
    if (!rc)
        rc = ns_writer_optimize(w);
    int fired = nsi_io_fault_fired();
    nsi_io_fault(NSI_FAULT_OFF, 0, 0);
    if (rc)
        judge_failure(l, w, rc, w ? ns_writer_errmsg(w) : err, n);
    ns_writer_close(w);
    return rc == NS_OK && !fired;
}

static void loop_merge(loop *l, const idset *want)
{
    unsigned long n;
    for (n = 1; n < 100000; n++) {
        copy_dir(base_b, work);
        int done = run_merge(l, n);
        idset s;
        if (check_ok(work, l->name, n) || list_ids(work, &s) || s.seeds != want->seeds ||
            s.syn != want->syn || s.bad) {
            if (++l->bad_state <= 3)
                fprintf(stderr, "%s, call %lu: %u seeds, %u synthetic, want %u and %u\n", l->name,
                        n, s.seeds, s.syn, want->seeds, want->syn);
        }
        if (done) {
            ns_index *idx;
            char err[NS_ERRBUF_SIZE];
            ns_stats st;
            CHECK_EQ_INT(ns_index_open(&idx, work, err, sizeof err), NS_OK);
            CHECK_EQ_INT(ns_index_stats(idx, &st), NS_OK);
            CHECK_EQ_INT(st.segments, 1);
            ns_index_close(idx);
            break;
        }
    }
    l->iterations = n - 1;
}

/* ---------------------------------------------------------- tests */

static void setup(void)
{
    if (getenv("NS_FAULT_LONG")) {
        ndocs = 200;
        batch = 7;
    }
    CHECK(rt_load_seeds(&seeds, &vocab) == 0);
    const char *t = tc_tmpdir("faults");
    CHECK(t != NULL);
    snprintf(root, sizeof root, "%.3900s", t);
    snprintf(base_a, sizeof base_a, "%s/a", root);
    snprintf(base_b, sizeof base_b, "%s/b", root);
    snprintf(work, sizeof work, "%s/work", root);
    char err[NS_ERRBUF_SIZE];
    ns_writer *w;
    /* A: the seeds, one commit */
    CHECK_EQ_INT(ns_writer_open(&w, base_a, NULL, err, sizeof err), NS_OK);
    for (size_t i = 0; i < seeds.n; i++)
        CHECK_EQ_INT(rt_put_seed(w, &seeds.d[i]), NS_OK);
    CHECK_EQ_INT(ns_writer_commit(w), NS_OK);
    ns_writer_close(w);
    /* B: seven segments, two deletions */
    CHECK_EQ_INT(ns_writer_open(&w, base_b, NULL, err, sizeof err), NS_OK);
    for (size_t i = 0; i < seeds.n; i++)
        CHECK_EQ_INT(rt_put_seed(w, &seeds.d[i]), NS_OK);
    CHECK_EQ_INT(ns_writer_commit(w), NS_OK);
    for (unsigned i = 0; i < 60; i++) {
        CHECK_EQ_INT(rt_put_synth(w, &vocab, i), NS_OK);
        if (i % 10 == 9)
            CHECK_EQ_INT(ns_writer_commit(w), NS_OK);
    }
    CHECK_EQ_INT(ns_writer_delete(w, "syn-3", 5), NS_OK);
    CHECK_EQ_INT(ns_writer_delete(w, "syn-42", 6), NS_OK);
    CHECK_EQ_INT(ns_writer_commit(w), NS_OK);
    ns_writer_close(w);
    CHECK_EQ_INT(ns_index_check(base_b, 1, err, sizeof err), NS_OK);
}

static void index_once_eio(unsigned threads)
{
    loop l = {"index, once EIO", NSI_FAULT_ONCE, EIO, 0, 0, 0, 0, 0, threads};
    loop_index(&l);
    report(&l);
    CHECK(l.iterations > 50);
    CHECK_EQ_INT(l.unclear + l.not_stopped + l.bad_state, 0);
}

static void index_persist_enospc(unsigned threads)
{
    loop l = {"index, persist ENOSPC", NSI_FAULT_PERSIST, ENOSPC, 0, 0, 0, 0, 0, threads};
    loop_index(&l);
    report(&l);
    CHECK(l.iterations > 50);
    CHECK_EQ_INT(l.unclear + l.not_stopped + l.bad_state, 0);
}

static void index_crash(unsigned threads)
{
    loop l = {"index, crash", NSI_FAULT_CRASH, 0, 0, 0, 0, 0, 0, threads};
    loop_index(&l);
    report(&l);
    CHECK(l.iterations > 50);
    CHECK_EQ_INT(l.bad_state, 0);
}

static void test_index_once_eio(void) { index_once_eio(1); }
static void test_index_persist_enospc(void) { index_persist_enospc(1); }
static void test_index_crash(void) { index_crash(1); }
/* the same with the segments built and written by two worker threads */
static void test_index_once_eio_2(void) { index_once_eio(2); }
static void test_index_persist_enospc_2(void) { index_persist_enospc(2); }
static void test_index_crash_2(void) { index_crash(2); }

static void test_merge(void)
{
    idset want;
    CHECK_EQ_INT(list_ids(base_b, &want), NS_OK);
    CHECK_EQ_INT(want.syn, 58);
    static const struct {
        const char *name;
        int mode, err;
    } modes[] = {{"merge, once EIO", NSI_FAULT_ONCE, EIO},
                 {"merge, persist ENOSPC", NSI_FAULT_PERSIST, ENOSPC},
                 {"merge, crash", NSI_FAULT_CRASH, 0}};
    for (size_t i = 0; i < 3; i++) {
        loop l = {modes[i].name, modes[i].mode, modes[i].err, 0, 0, 0, 0, 0, 1};
        loop_merge(&l, &want);
        report(&l);
        CHECK(l.iterations > 20);
        CHECK_EQ_INT(l.unclear + l.not_stopped + l.bad_state, 0);
    }
}

/* ---------------------------------------------------------- sync order */

/* An I/O table over POSIX that audits the commit protocol (SQLite's journal
 * test VFS idea): when COMMIT is replaced, no segment file may have unsynced
 * data or an unsynced directory entry, nor COMMIT.tmp unsynced data; a segment
 * is unlinked only after the directory was synced following the rename. */
#define AUDIT_FDS 1024
#define AUDIT_FILES 256

static struct {
    char path[AUDIT_FILES][4400];
    int data_dirty[AUDIT_FILES], entry_dirty[AUDIT_FILES], used;
    int fd_file[AUDIT_FDS];                  /* index + 1, 0 = untracked, -1 = the directory */
    int rename_unsynced;                     /* COMMIT renamed, directory not yet synced */
    unsigned renames, violations, untracked; /* untracked: the tables overflowed */
    char first[512];
} au;

static int au_file(const char *path)
{
    for (int i = 0; i < au.used; i++)
        if (!strcmp(au.path[i], path))
            return i;
    if (au.used == AUDIT_FILES) {
        au.untracked++;
        return -1;
    }
    snprintf(au.path[au.used], sizeof au.path[0], "%s", path);
    au.data_dirty[au.used] = au.entry_dirty[au.used] = 0;
    return au.used++;
}

static void au_violation(const char *what, const char *path)
{
    if (au.violations++ == 0)
        snprintf(au.first, sizeof au.first, "%s: %.400s", what, path);
}

static int is_segment(const char *path)
{
    const char *b = strrchr(path, '/');
    return b && !strncmp(b + 1, "seg-", 4);
}

static void au_opened(int fd, const char *path, int flags)
{
    if (fd >= AUDIT_FDS)
        au.untracked++;
    if (fd >= 0 && fd < AUDIT_FDS) {
        if (flags & O_DIRECTORY) {
            au.fd_file[fd] = -1;
        } else {
            int i = au_file(path);
            au.fd_file[fd] = i + 1;
            if (i >= 0 && (flags & O_CREAT))
                au.entry_dirty[i] = 1; /* a new name may not be durable yet */
        }
    }
}

static int au_open(const char *path, int flags, mode_t mode)
{
    int fd = nsi_io_posix.open(path, flags, mode);
    au_opened(fd, path, flags);
    return fd;
}

/* A file reached through the writer's directory descriptor is tracked under
 * "@<dirfd>/<name>" (the writer has one index directory open). */
static void au_at(char *buf, size_t n, int dirfd, const char *name)
{
    snprintf(buf, n, "@%d/%s", dirfd, name);
}

static int au_openat(int dirfd, const char *name, int flags, mode_t mode)
{
    char key[600];
    au_at(key, sizeof key, dirfd, name);
    int fd = nsi_io_posix.openat(dirfd, name, flags, mode);
    au_opened(fd, key, flags);
    return fd;
}

static void au_dirty(int fd)
{
    if (fd >= 0 && fd < AUDIT_FDS && au.fd_file[fd] > 0)
        au.data_dirty[au.fd_file[fd] - 1] = 1;
}

static ssize_t au_write(int fd, const void *b, size_t n)
{
    au_dirty(fd);
    return nsi_io_posix.write(fd, b, n);
}

static ssize_t au_pwrite(int fd, const void *b, size_t n, off_t off)
{
    au_dirty(fd);
    return nsi_io_posix.pwrite(fd, b, n, off);
}

static int au_fsync(int fd)
{
    int rc = nsi_io_posix.fsync(fd);
    if (rc == 0 && fd >= 0 && fd < AUDIT_FDS) {
        if (au.fd_file[fd] == -1) { /* the directory: every name in it is durable */
            for (int i = 0; i < au.used; i++)
                au.entry_dirty[i] = 0;
            au.rename_unsynced = 0;
        } else if (au.fd_file[fd] > 0) {
            au.data_dirty[au.fd_file[fd] - 1] = 0;
        }
    }
    return rc;
}

static int au_close(int fd)
{
    if (fd >= 0 && fd < AUDIT_FDS)
        au.fd_file[fd] = 0;
    return nsi_io_posix.close(fd);
}

static void au_renamed(const char *from, const char *to)
{
    size_t n = strlen(to);
    if (n >= 7 && !strcmp(to + n - 7, "/COMMIT")) {
        au.renames++;
        int f = au_file(from);
        if (f >= 0 && au.data_dirty[f])
            au_violation("COMMIT.tmp renamed with unsynced data", from);
        for (int i = 0; i < au.used; i++)
            if (is_segment(au.path[i]) && (au.data_dirty[i] || au.entry_dirty[i]))
                au_violation(au.data_dirty[i]
                                 ? "COMMIT replaced while a segment has unsynced data"
                                 : "COMMIT replaced before a segment's name is durable",
                             au.path[i]);
        au.rename_unsynced = 1;
    }
}

static int au_rename(const char *from, const char *to)
{
    au_renamed(from, to);
    return nsi_io_posix.rename(from, to);
}

static int au_renameat(int dirfd, const char *from, const char *to)
{
    char a[600], b[600];
    au_at(a, sizeof a, dirfd, from);
    au_at(b, sizeof b, dirfd, to);
    au_renamed(a, b);
    return nsi_io_posix.renameat(dirfd, from, to);
}

static void au_unlinked(const char *path)
{
    if (is_segment(path) && au.rename_unsynced)
        au_violation("segment deleted before the new COMMIT is durable", path);
    int i = au_file(path);
    if (i >= 0)
        au.data_dirty[i] = au.entry_dirty[i] = 0;
}

static int au_unlink(const char *path)
{
    au_unlinked(path);
    return nsi_io_posix.unlink(path);
}

static int au_unlinkat(int dirfd, const char *name)
{
    char key[600];
    au_at(key, sizeof key, dirfd, name);
    au_unlinked(key);
    return nsi_io_posix.unlinkat(dirfd, name);
}

static void test_sync_order(void)
{
    nsi_io io = nsi_io_posix;
    io.open = au_open;
    io.write = au_write;
    io.pwrite = au_pwrite;
    io.fsync = au_fsync;
    io.close = au_close;
    io.rename = au_rename;
    io.unlink = au_unlink;
    io.openat = au_openat;
    io.renameat = au_renameat;
    io.unlinkat = au_unlinkat;
    memset(&au, 0, sizeof au);
    copy_dir(base_b, work);
    nsi_io_set(&io);
    ns_writer *w;
    char err[NS_ERRBUF_SIZE];
    ns_writer_options o = NS_WRITER_OPTIONS_INIT;
    o.flush_bytes = 20000; /* segments written during puts too */
    CHECK_EQ_INT(ns_writer_open(&w, work, &o, err, sizeof err), NS_OK);
    for (unsigned i = 100; i < 220; i++) {
        CHECK_EQ_INT(rt_put_synth(w, &vocab, i), NS_OK);
        if (i % 9 == 0)
            CHECK_EQ_INT(ns_writer_commit(w), NS_OK); /* the tiered policy merges too */
    }
    CHECK_EQ_INT(ns_writer_delete(w, "syn-5", 5), NS_OK);
    CHECK_EQ_INT(ns_writer_optimize(w), NS_OK);
    ns_writer_close(w);
    nsi_io_set(NULL);
    printf("sync order: %u COMMIT replacements audited, %u violations%s%s\n", au.renames,
           au.violations, au.violations ? "; first: " : "", au.first);
    CHECK(au.renames > 10);
    CHECK_EQ_INT(au.untracked, 0); /* else the audit could miss a file */
    CHECK_EQ_INT(au.violations, 0);
    CHECK_EQ_INT(check_ok(work, "sync order", 0), NS_OK);
}

/* EINTR and short writes are not failures (the layer loops). */
static void test_short_writes(void)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/short", root);
    int fd = nsi_io_open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    CHECK(fd >= 0);
    static char big[1 << 20];
    memset(big, 'x', sizeof big);
    CHECK_EQ_INT(nsi_io_write_full(fd, big, sizeof big), 0);
    CHECK_EQ_INT(nsi_io_close(fd), 0);
    struct stat st;
    CHECK(stat(path, &st) == 0 && st.st_size == (off_t)sizeof big);
    unlink(path);
}

static void teardown(void)
{
    tc_rmdir(root);
    tc_free(&seeds);
    rt_vocab_free(&vocab);
}

NS_TEST_MAIN_FIXTURE(setup, teardown, NST(test_index_once_eio), NST(test_index_persist_enospc),
                     NST(test_index_crash), NST(test_index_once_eio_2),
                     NST(test_index_persist_enospc_2), NST(test_index_crash_2), NST(test_merge),
                     NST(test_sync_order), NST(test_short_writes))
