/* test_writer_owner.c — a writer whose index was taken from under it, and a
 * merge that fails after a successful commit (docs/reliability.md, "Two
 * writers at once" and "A merge that fails after a commit").
 *
 * Identity (no timing): a writer is open with a commit behind it and a
 * document pending; then its folder is renamed away and a new one made at
 * the path, or deleted and made anew, or moved with nothing left at the
 * path, or its LOCK unlinked, or replaced by a second writer's. The next
 * commit must return NS_ELOCKED with a message saying what happened, write
 * nothing into the new folder, leave the old one at its last commit and
 * checking clean, and stop the writer.
 *
 * Merge after commit: with an index of nine one-document segments, a
 * commit of a tenth makes the tiered policy merge ten. For every I/O call n
 * of that commit, call n and every later one fail with ENOSPC; the runs
 * whose commit was written but whose merge failed must return NS_EMERGE
 * with "committed, but the merge after it failed" and the cause, keep all
 * ten documents live and the index clean, and the next writer's commit
 * must merge. Every case runs once more with two worker threads
 * (ns_writer_options.threads). nindex's commit step (indexer/run.c) is run on one such
 * failure: it warns, and the run's status stays a success. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "nstest.h"

#include "common/io.h"
#include "corpus.h"
#include "format/commit.h"
#include "format/segment.h"
#include "nindex.h"

static char root[3000];

/* Every case runs twice: with the writer on one thread, then (cases named
 * _2, in a folder of their own) with two worker threads building its
 * segments (ns_writer_options.threads). */
static unsigned threads = 1;

static const ns_writer_options *wopts(void)
{
    static ns_writer_options o;
    o = (ns_writer_options)NS_WRITER_OPTIONS_INIT;
    o.threads = threads;
    return &o;
}

static ns_doc doc_of(const char *id, const char *body)
{
    ns_doc d = {0};
    d.id = id;
    d.id_len = strlen(id);
    d.title = id;
    d.title_len = strlen(id);
    d.body = body;
    d.body_len = strlen(body);
    return d;
}

static int put(ns_writer *w, const char *id)
{
    char body[200];
    snprintf(body, sizeof body, "document %s about lighthouses and the sea %s", id, id);
    ns_doc d = doc_of(id, body);
    return ns_writer_put(w, &d, NULL);
}

/* Entries of dir other than . and .. */
static int count_entries(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return -1;
    int n = 0;
    struct dirent *de;
    while ((de = readdir(d)))
        if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
            n++;
    closedir(d);
    return n;
}

static int count_ids_cb(void *ctx, const char *id, size_t len)
{
    (void)id;
    (void)len;
    (*(unsigned *)ctx)++;
    return 0;
}

static unsigned live_docs(const char *dir)
{
    ns_writer *w;
    char err[NS_ERRBUF_SIZE];
    unsigned n = 0;
    if (ns_writer_open(&w, dir, wopts(), err, sizeof err)) {
        fprintf(stderr, "%s: %s\n", dir, err);
        return 0;
    }
    ns_writer_foreach_id(w, count_ids_cb, &n);
    ns_writer_close(w);
    return n;
}

static int check(const char *dir)
{
    char err[NS_ERRBUF_SIZE];
    int rc = ns_index_check(dir, 1, err, sizeof err);
    if (rc)
        fprintf(stderr, "check %s: %s\n", dir, err);
    return rc;
}

static uint32_t nsegments(const char *dir)
{
    nsi_commit c;
    char err[NS_ERRBUF_SIZE];
    if (nsi_commit_read(&c, dir, err, sizeof err))
        return 0;
    uint32_t n = c.nsegs;
    nsi_commit_free(&c);
    return n;
}

enum { REPLACE_RENAME, REPLACE_RMRF, MOVE_AWAY, LOCK_UNLINK, LOCK_TAKEN };

static void rm_tree(const char *dir)
{
    char cmd[4200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    CHECK(system(cmd) == 0);
}

/* One scenario: what is done to the index while a writer has it open. */
static void identity_case(int how, const char *expect)
{
    char dir[4100], old[4200];
    snprintf(dir, sizeof dir, "%s/idx-%d", root, how);
    snprintf(old, sizeof old, "%s.old", dir);
    ns_writer *w, *w2 = NULL;
    char err[NS_ERRBUF_SIZE];
    CHECK_EQ_INT(ns_writer_open(&w, dir, wopts(), err, sizeof err), NS_OK);
    CHECK_EQ_INT(put(w, "a"), NS_OK);
    CHECK_EQ_INT(ns_writer_commit(w), NS_OK);
    CHECK_EQ_INT(put(w, "b"), NS_OK);
    const char *kept = dir; /* where the first writer's commit is */
    switch (how) {
    case REPLACE_RENAME:
        CHECK(rename(dir, old) == 0);
        CHECK(mkdir(dir, 0755) == 0);
        kept = old;
        break;
    case REPLACE_RMRF:
        rm_tree(dir);
        CHECK(mkdir(dir, 0755) == 0);
        kept = NULL;
        break;
    case MOVE_AWAY:
        CHECK(rename(dir, old) == 0);
        kept = old;
        break;
    case LOCK_UNLINK:
        snprintf(old, sizeof old, "%s/LOCK", dir);
        CHECK(unlink(old) == 0);
        break;
    case LOCK_TAKEN:
        snprintf(old, sizeof old, "%s/LOCK", dir);
        CHECK(unlink(old) == 0);
        CHECK_EQ_INT(ns_writer_open(&w2, dir, wopts(), err, sizeof err), NS_OK);
        break;
    }
    int rc = ns_writer_commit(w);
    CHECK_EQ_INT(rc, NS_ELOCKED);
    const char *msg = ns_writer_errmsg(w);
    printf("  %s\n", msg);
    CHECK(strstr(msg, expect) != NULL);
    CHECK(strstr(msg, "while this writer ran") != NULL);
    CHECK(strstr(msg, dir) != NULL); /* names the path */
    /* stopped: later work is refused with the same status */
    CHECK_EQ_INT(put(w, "c"), NS_ELOCKED);
    CHECK_EQ_INT(ns_writer_commit(w), NS_ELOCKED);
    ns_writer_close(w);
    if (how == REPLACE_RENAME || how == REPLACE_RMRF)
        CHECK_EQ_INT(count_entries(dir), 0); /* nothing written to the new folder */
    if (how == MOVE_AWAY)
        CHECK_EQ_INT(count_entries(dir), -1); /* nothing recreated at the path */
    if (w2) {
        /* the second writer owns the folder and commits normally */
        CHECK_EQ_INT(put(w2, "z"), NS_OK);
        CHECK_EQ_INT(ns_writer_commit(w2), NS_OK);
        ns_writer_close(w2);
        CHECK_EQ_INT(check(dir), NS_OK);
        CHECK_EQ_INT(live_docs(dir), 2); /* a and z, never b */
    } else if (kept) {
        CHECK_EQ_INT(check(kept), NS_OK);
        CHECK_EQ_INT(live_docs(kept), 1); /* the last commit: a */
    }
}

static void test_folder_renamed_and_recreated(void)
{
    identity_case(REPLACE_RENAME, "folder was replaced");
}

static void test_folder_deleted_and_recreated(void)
{
    identity_case(REPLACE_RMRF, "folder was replaced");
}

static void test_folder_moved_away(void)
{
    identity_case(MOVE_AWAY, "folder was moved or deleted");
}

static void test_lock_unlinked(void) { identity_case(LOCK_UNLINK, "LOCK was removed"); }

static void test_lock_taken_by_second_writer(void)
{
    identity_case(LOCK_TAKEN, "LOCK was replaced");
}

/* The layer's view: the check itself, through the fault injector's counting
 * (it is I/O like any other), says OK while nothing changed. */
static void test_check_passes_when_nothing_changed(void)
{
    char dir[4100];
    snprintf(dir, sizeof dir, "%s/same", root);
    ns_writer *w;
    char err[NS_ERRBUF_SIZE];
    CHECK_EQ_INT(ns_writer_open(&w, dir, wopts(), err, sizeof err), NS_OK);
    for (int i = 0; i < 5; i++) {
        char id[16];
        snprintf(id, sizeof id, "d%d", i);
        CHECK_EQ_INT(put(w, id), NS_OK);
        CHECK_EQ_INT(ns_writer_commit(w), NS_OK);
    }
    ns_writer_close(w);
    CHECK_EQ_INT(check(dir), NS_OK);
    CHECK_EQ_INT(live_docs(dir), 5);
}

/* A segment name taken by a file that is not this writer's is never
 * overwritten (exclusive creation; the writer passes over it), and temporary
 * commit files of killed writers are removed by the next writer. */
static void test_exclusive_names_and_leftovers(void)
{
    char dir[4100], p[4300];
    snprintf(dir, sizeof dir, "%s/excl", root);
    ns_writer *w;
    char err[NS_ERRBUF_SIZE];
    CHECK_EQ_INT(ns_writer_open(&w, dir, wopts(), err, sizeof err), NS_OK);
    CHECK_EQ_INT(put(w, "a"), NS_OK);
    CHECK_EQ_INT(ns_writer_commit(w), NS_OK);
    nsi_commit c;
    CHECK_EQ_INT(nsi_commit_read(&c, dir, err, sizeof err), NS_OK);
    uint64_t next = c.next_seg_id;
    nsi_commit_free(&c);
    /* a stranger's file where the next segment would go */
    snprintf(p, sizeof p, "%s/seg-%016llx.nss", dir, (unsigned long long)next);
    FILE *f = fopen(p, "w");
    CHECK(f != NULL);
    if (f) {
        fputs("not mine", f);
        fclose(f);
    }
    CHECK_EQ_INT(put(w, "b"), NS_OK);
    CHECK_EQ_INT(ns_writer_commit(w), NS_OK);
    CHECK_EQ_INT(nsi_commit_read(&c, dir, err, sizeof err), NS_OK);
    for (uint32_t i = 0; i < c.nsegs; i++)
        CHECK(c.segs[i].id != next); /* the writer passed over the taken name */
    nsi_commit_free(&c);
    ns_writer_close(w); /* (its commit's garbage collection removed the stray file) */
    /* creation is exclusive: a taken name is NS_EEXISTS, the file untouched */
    f = fopen(p, "w");
    CHECK(f != NULL);
    if (f) {
        fputs("not mine", f);
        fclose(f);
    }
    nsi_segw *sw;
    CHECK_EQ_INT(nsi_segw_new(&sw), NS_OK);
    CHECK_EQ_INT(nsi_segw_finish(sw, dir, next, err, sizeof err), NS_EEXISTS);
    nsi_segw_free(sw);
    struct stat st;
    CHECK(stat(p, &st) == 0 && st.st_size == 8);
    CHECK(unlink(p) == 0);
    CHECK_EQ_INT(check(dir), NS_OK);
    CHECK_EQ_INT(live_docs(dir), 2);
    /* leftovers of killed writers: the old name and the unique ones */
    const char *left[] = {"COMMIT.tmp", "COMMIT.4242.0badf00d.tmp"};
    for (int i = 0; i < 2; i++) {
        snprintf(p, sizeof p, "%s/%s", dir, left[i]);
        f = fopen(p, "w");
        CHECK(f != NULL);
        if (f)
            fclose(f);
    }
    CHECK_EQ_INT(ns_writer_open(&w, dir, wopts(), err, sizeof err), NS_OK);
    for (int i = 0; i < 2; i++) {
        snprintf(p, sizeof p, "%s/%s", dir, left[i]);
        CHECK(stat(p, &st) != 0 && errno == ENOENT);
    }
    ns_writer_close(w);
}

/* ------------------------------------------------ merge after commit */

static void copy_dir(const char *src, const char *dst)
{
    rm_tree(dst);
    CHECK(mkdir(dst, 0755) == 0);
    char cmd[9000];
    snprintf(cmd, sizeof cmd, "cp -p '%s'/* '%s'/", src, dst);
    CHECK(system(cmd) == 0);
}

static void test_merge_fails_after_commit(void)
{
    char base[4100], work[4100];
    snprintf(base, sizeof base, "%s/merge-base", root);
    snprintf(work, sizeof work, "%s/merge-work", root);
    ns_writer *w;
    char err[NS_ERRBUF_SIZE];
    CHECK_EQ_INT(ns_writer_open(&w, base, wopts(), err, sizeof err), NS_OK);
    for (int i = 0; i < 9; i++) { /* nine one-document segments: tier 0 */
        char id[16];
        snprintf(id, sizeof id, "m%d", i);
        CHECK_EQ_INT(put(w, id), NS_OK);
        CHECK_EQ_INT(ns_writer_commit(w), NS_OK);
    }
    ns_writer_close(w);
    CHECK_EQ_INT(nsegments(base), 9);
    unsigned emerge = 0, failed = 0, ok = 0;
    int clean = 0;
    int nindex_checked = 0;
    for (unsigned long n = 1; n < 10000; n++) {
        copy_dir(base, work);
        CHECK_EQ_INT(ns_writer_open(&w, work, wopts(), err, sizeof err), NS_OK);
        CHECK_EQ_INT(put(w, "m9"), NS_OK);
        nsi_io_fault(NSI_FAULT_PERSIST, n, ENOSPC);
        int rc = ns_writer_commit(w);
        int fired = nsi_io_fault_fired();
        nsi_io_fault(NSI_FAULT_OFF, 0, 0);
        if (!fired) {
            CHECK_EQ_INT(rc, NS_OK);
            ns_writer_close(w);
            CHECK_EQ_INT(nsegments(work), 1); /* the policy merged the ten */
            clean = 1;
            break;
        }
        if (rc == NS_OK) {
            /* the failed call did not matter (a removal of garbage, a probe
             * for a free segment name) */
            ok++;
            ns_writer_close(w);
            CHECK_EQ_INT(check(work), NS_OK);
            CHECK_EQ_INT(live_docs(work), 10);
        } else if (rc == NS_EMERGE) {
            emerge++;
            const char *msg = ns_writer_errmsg(w);
            CHECK(strstr(msg, "committed, but the merge after it failed") == msg);
            CHECK(strstr(msg, strerror(ENOSPC)) != NULL);
            /* stopped like after any failure, with the merge's cause */
            int again = put(w, "m10");
            CHECK(again != NS_OK && again != NS_EMERGE);
            if (!nindex_checked) {
                nindex_checked = 1;
                ns_writer_close(w);
                /* nindex's commit step on the same failure */
                copy_dir(base, work);
                CHECK_EQ_INT(ns_writer_open(&w, work, wopts(), err, sizeof err), NS_OK);
                ni_run r;
                memset(&r, 0, sizeof r);
                r.w = w;
                r.index_path = work;
                CHECK_EQ_INT(put(w, "m9"), NS_OK);
                r.uncommitted = 1;
                char out[4200];
                snprintf(out, sizeof out, "%s/stderr", root);
                fflush(stderr);
                int saved = dup(2);
                int fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
                CHECK(saved >= 0 && fd >= 0);
                dup2(fd, 2);
                close(fd);
                nsi_io_fault(NSI_FAULT_PERSIST, n, ENOSPC);
                int st = ni_commit(&r);
                nsi_io_fault(NSI_FAULT_OFF, 0, 0);
                fflush(stderr);
                dup2(saved, 2);
                close(saved);
                CHECK_EQ_INT(st, NS_OK);
                CHECK_EQ_INT(r.fatal, NS_OK); /* nindex exits 0 */
                CHECK_EQ_INT(r.merge_failed, 1);
                CHECK_EQ_INT(r.uncommitted, 0);
                char text[2000] = "";
                FILE *f = fopen(out, "r");
                CHECK(f != NULL);
                if (f) {
                    size_t k = fread(text, 1, sizeof text - 1, f);
                    text[k] = 0;
                    fclose(f);
                }
                printf("  nindex said: %s", text);
                CHECK(strstr(text, "nindex: committed, but the merge after it failed: ") == text);
                CHECK(strstr(text, "not committed") == NULL);
            }
            ns_writer_close(w);
            /* every document is live and the index is sound */
            CHECK_EQ_INT(check(work), NS_OK);
            CHECK_EQ_INT(live_docs(work), 10);
            /* the next run merges: a commit with nothing new */
            CHECK_EQ_INT(ns_writer_open(&w, work, wopts(), err, sizeof err), NS_OK);
            CHECK_EQ_INT(ns_writer_commit(w), NS_OK);
            ns_writer_close(w);
            CHECK_EQ_INT(nsegments(work), 1);
            CHECK_EQ_INT(check(work), NS_OK);
            CHECK_EQ_INT(live_docs(work), 10);
        } else {
            failed++; /* the commit itself failed: the previous one stays */
            ns_writer_close(w);
            CHECK_EQ_INT(check(work), NS_OK);
            unsigned live = live_docs(work);
            CHECK(live == 9 || live == 10);
        }
    }
    printf("  merge after commit: %u runs with NS_EMERGE, %u with the commit failing, %u "
           "succeeding despite the fault, then one without it\n",
           emerge, failed, ok);
    CHECK(emerge > 0);
    CHECK(failed > 0);
    CHECK(clean);
    CHECK(nindex_checked);
}

static void setup(void)
{
    const char *t = tc_tmpdir("owner");
    CHECK(t != NULL);
    if (t)
        snprintf(root, sizeof root, "%.2900s", t);
}

static void teardown(void) { tc_rmdir(root); }

static void with_two_threads(void (*fn)(void))
{
    char saved[sizeof root];
    memcpy(saved, root, sizeof root);
    snprintf(root, sizeof root, "%.2900s/j2", saved);
    mkdir(root, 0755);
    threads = 2;
    fn();
    threads = 1;
    memcpy(root, saved, sizeof root);
}

#define TWO_THREADS(fn)                                                                            \
    static void fn##_2(void) { with_two_threads(fn); }
TWO_THREADS(test_folder_renamed_and_recreated)
TWO_THREADS(test_folder_deleted_and_recreated)
TWO_THREADS(test_folder_moved_away)
TWO_THREADS(test_lock_unlinked)
TWO_THREADS(test_lock_taken_by_second_writer)
TWO_THREADS(test_check_passes_when_nothing_changed)
TWO_THREADS(test_exclusive_names_and_leftovers)
TWO_THREADS(test_merge_fails_after_commit)

NS_TEST_MAIN_FIXTURE(setup, teardown, NST(test_folder_renamed_and_recreated),
                     NST(test_folder_deleted_and_recreated), NST(test_folder_moved_away),
                     NST(test_lock_unlinked), NST(test_lock_taken_by_second_writer),
                     NST(test_check_passes_when_nothing_changed),
                     NST(test_exclusive_names_and_leftovers), NST(test_merge_fails_after_commit),
                     NST(test_folder_renamed_and_recreated_2),
                     NST(test_folder_deleted_and_recreated_2), NST(test_folder_moved_away_2),
                     NST(test_lock_unlinked_2), NST(test_lock_taken_by_second_writer_2),
                     NST(test_check_passes_when_nothing_changed_2),
                     NST(test_exclusive_names_and_leftovers_2),
                     NST(test_merge_fails_after_commit_2))
