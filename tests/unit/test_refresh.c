/* test_refresh.c — a reader whose files change under it (docs/reliability.md,
 * "Files changed under a reader"): a segment cut or zeroed in place, the
 * index deleted and rebuilt, another index moved over the path.
 *
 * The index holds BBC News articles (../shared/corpora/bbc_news), 150 in
 * three commits merged into one segment, so that the segment is a few
 * hundred KiB and a hit's fields (FIELDS, near the file's end) lie past the
 * half of it. Every case restores or rebuilds the index it damaged. Cases
 * that may die of SIGBUS run in a child process; the guard
 * (ns_fault_guard_install) is installed in this process only by the case
 * that tests it, after the cases that must run without it. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "corpus.h"
#include "nsearch.h"
#include "nstest.h"

static tcorpus bbc;
static char dir[4096], seg[4200];
static char *seg_bytes; /* the intact segment */
static size_t seg_len;
static uint64_t gen_a;

/* Indexes documents [from, to) of bbc into path with a commit every `every`
 * documents, then optimizes to one segment when asked. */
static int build(const char *path, size_t from, size_t to, size_t every, int optimize)
{
    ns_writer *w;
    char err[NS_ERRBUF_SIZE];
    if (ns_writer_open(&w, path, NULL, err, sizeof err)) {
        fprintf(stderr, "%s\n", err);
        return -1;
    }
    int rc = NS_OK;
    for (size_t i = from; !rc && i < to; i++) {
        const tdoc *d = &bbc.d[i];
        ns_doc x = {.id = d->id,
                    .id_len = d->id_len,
                    .title = d->title,
                    .title_len = d->title_len,
                    .body = d->body,
                    .body_len = d->body_len};
        rc = ns_writer_put(w, &x, NULL);
        if (!rc && (i + 1 - from) % every == 0)
            rc = ns_writer_commit(w);
    }
    if (!rc)
        rc = optimize ? ns_writer_optimize(w) : ns_writer_commit(w);
    if (rc)
        fprintf(stderr, "build %s: %s\n", path, ns_writer_errmsg(w));
    ns_writer_close(w);
    return rc ? -1 : 0;
}

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *p = malloc((size_t)n + 1);
    if (p && fread(p, 1, (size_t)n, f) != (size_t)n) {
        free(p);
        p = NULL;
    }
    fclose(f);
    *len = (size_t)n;
    return p;
}

/* Writes the intact segment back over the damaged one, in place (same
 * inode, as `cp backup/seg idx/` does). */
static int restore(void)
{
    int fd = open(seg, O_WRONLY | O_TRUNC);
    if (fd < 0)
        return -1;
    ssize_t n = write(fd, seg_bytes, seg_len);
    close(fd);
    return n == (ssize_t)seg_len ? 0 : -1;
}

static int cut_to_half(void) { return truncate(seg, (off_t)(seg_len / 2)); }

/* Zeroes 200 kB (or what there is) from the first quarter of the segment. */
static int zero_middle(void)
{
    int fd = open(seg, O_WRONLY);
    if (fd < 0)
        return -1;
    size_t off = seg_len / 4, n = seg_len - off > 200000 ? 200000 : seg_len - off;
    char *z = calloc(1, n);
    ssize_t w = pwrite(fd, z, n, (off_t)off);
    free(z);
    close(fd);
    return w == (ssize_t)n ? 0 : -1;
}

/* The first segment file of path (there is one after optimize). */
static int find_segment(const char *path, char *out, size_t n)
{
    char cmd[4300];
    snprintf(cmd, sizeof cmd, "ls '%s'/seg-*.nss 2>/dev/null | head -n 1", path);
    FILE *p = popen(cmd, "r");
    if (!p)
        return -1;
    int ok = fgets(out, (int)n, p) != NULL;
    pclose(p);
    if (!ok)
        return -1;
    out[strcspn(out, "\n")] = 0;
    return 0;
}

static void setup(void)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/corpora/bbc_news/docs.jsonl", nst_shared_dir());
    CHECK(tc_load(&bbc, path, 400) == 0 && bbc.n == 400);
    if (bbc.n != 400)
        return;
    snprintf(dir, sizeof dir, "%s", tc_tmpdir("refresh"));
    CHECK(build(dir, 0, 150, 50, 1) == 0);
    CHECK(find_segment(dir, seg, sizeof seg) == 0);
    seg_bytes = read_file(seg, &seg_len);
    CHECK(seg_bytes && seg_len > 200000);
    ns_index *idx;
    char err[NS_ERRBUF_SIZE];
    CHECK_EQ_INT(ns_index_open(&idx, dir, err, sizeof err), NS_OK);
    ns_stats st;
    CHECK_EQ_INT(ns_index_stats(idx, &st), NS_OK);
    CHECK_EQ_INT(st.segments, 1);
    gen_a = st.generation;
    CHECK(gen_a >= 4); /* three commits and the optimize: a later replacement is lower */
    ns_index_close(idx);
}

static void teardown(void)
{
    if (dir[0])
        tc_rmdir(dir);
    free(seg_bytes);
    tc_free(&bbc);
}

/* A search of a word every article has, with its hits' fields: the
 * total and the first id, or the failing status. */
static int search(ns_index *idx, const char *text, uint64_t *total, char *first, size_t n)
{
    ns_query *q;
    char err[NS_ERRBUF_SIZE];
    int rc = ns_query_parse(&q, idx, text, strlen(text), NULL, err, sizeof err, NULL);
    if (rc)
        return rc;
    ns_search_options so = NS_SEARCH_OPTIONS_INIT;
    so.k = 50;
    ns_results *r;
    rc = ns_search(&r, idx, q, &so);
    if (!rc) {
        ns_hit h;
        *total = ns_results_total(r, NULL);
        first[0] = 0;
        if (ns_results_count(r) && ns_results_hit(r, 0, &h) == NS_OK)
            snprintf(first, n, "%.*s", (int)h.id_len, h.id);
        ns_results_free(r);
    }
    ns_query_free(q);
    return rc;
}

/* Whether the calling thread's message of idx names the damaged segment. */
static int names_segment(ns_index *idx)
{
    const char *base = strrchr(seg, '/') + 1;
    const char *m = ns_index_errmsg(idx);
    if (!strstr(m, base))
        fprintf(stderr, "message does not name %s: %s\n", base, m);
    return strstr(m, base) != NULL;
}

/* In a child without the guard: a search on a segment cut under the reader,
 * before any refresh, dies (this is what the guard is for: the cut reaches
 * what a search reads). Then, in another child without the guard, a refresh
 * sees the cut and the searches after it fail with NS_ECORRUPT naming the
 * file, without touching the mapping. */
static void test_cut_without_guard(void)
{
    for (int refresh_first = 0; refresh_first <= 1; refresh_first++) {
        pid_t pid = fork();
        if (pid == 0) {
            ns_index *idx;
            char err[NS_ERRBUF_SIZE], first[256];
            uint64_t total;
            if (ns_index_open(&idx, dir, err, sizeof err) || search(idx, "the", &total, first, 256))
                _exit(10);
            if (cut_to_half())
                _exit(11);
            if (refresh_first) {
                int changed = -1;
                if (ns_index_refresh(idx, &changed) != NS_ECORRUPT || changed != 0 ||
                    !names_segment(idx))
                    _exit(12);
            }
            int rc = search(idx, "the", &total, first, 256);
            if (rc != NS_ECORRUPT || !names_segment(idx))
                _exit(13);
            ns_results *r;
            if (ns_index_get_doc(idx, bbc.d[0].id, bbc.d[0].id_len, &r) != NS_ECORRUPT)
                _exit(14);
            ns_index_close(idx);
            _exit(0);
        }
        int status = 0;
        CHECK(pid > 0 && waitpid(pid, &status, 0) == pid);
        if (refresh_first) {
            if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
                fprintf(stderr, "child status %d\n", status);
            CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
        } else {
            /* SIGBUS; under a sanitizer, its report and then SIGABRT
             * (abort_on_error) or its exit status (ASan 1, TSan 66), never
             * the child's own (0, 10 to 14) */
            CHECK(WIFSIGNALED(status) ||
                  (WIFEXITED(status) && (WEXITSTATUS(status) == 1 || WEXITSTATUS(status) == 66)));
            if (WIFSIGNALED(status))
                CHECK(WTERMSIG(status) == SIGBUS || WTERMSIG(status) == SIGABRT);
        }
        CHECK(restore() == 0);
    }
}

static sigjmp_buf app_jump;
static volatile sig_atomic_t app_faults;

static void app_handler(int sig)
{
    (void)sig;
    app_faults++;
    siglongjmp(app_jump, 1);
}

/* In a child: the application's own SIGBUS handler, installed before the
 * guard, still gets the faults on its own mappings, and never ours. */
static void test_guard_chains(void)
{
    pid_t pid = fork();
    if (pid == 0) {
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = app_handler;
        sigemptyset(&sa.sa_mask);
        if (sigaction(SIGBUS, &sa, NULL) || ns_fault_guard_install() != NS_OK)
            _exit(10);
        /* the application's mapping of a file it then cuts */
        char path[4200];
        snprintf(path, sizeof path, "%s/app-file", dir);
        long page = sysconf(_SC_PAGESIZE);
        int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
        if (fd < 0 || ftruncate(fd, 2 * page))
            _exit(11);
        volatile const char *m = mmap(NULL, (size_t)(2 * page), PROT_READ, MAP_SHARED, fd, 0);
        if (m == MAP_FAILED || ftruncate(fd, 0))
            _exit(12);
        if (sigsetjmp(app_jump, 1) == 0)
            (void)m[page];
        if (app_faults != 1)
            _exit(13);
        munmap((void *)m, (size_t)(2 * page));
        close(fd);
        unlink(path);
        /* an index's segment cut: the guard's, not the application's */
        ns_index *idx;
        char err[NS_ERRBUF_SIZE], first[256];
        uint64_t total;
        if (ns_index_open(&idx, dir, err, sizeof err) || cut_to_half())
            _exit(14);
        if (search(idx, "the", &total, first, 256) != NS_ECORRUPT || !names_segment(idx) ||
            app_faults != 1)
            _exit(15);
        ns_index_close(idx);
        _exit(0);
    }
    int status = 0;
    CHECK(pid > 0 && waitpid(pid, &status, 0) == pid);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        fprintf(stderr, "child status %d\n", status);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    CHECK(restore() == 0);
}

/* With the guard (from here on, in this process): a search, a lookup and a
 * refresh on a cut segment fail with NS_ECORRUPT naming it; once the file
 * is restored, a refresh loads the generation again (RELOADED) and the
 * answers are the intact index's. */
static void test_cut_with_guard(void)
{
    CHECK_EQ_INT(ns_fault_guard_install(), NS_OK);
    CHECK_EQ_INT(ns_fault_guard_install(), NS_OK); /* once is enough; again is harmless */
    ns_index *idx;
    char err[NS_ERRBUF_SIZE], first0[256], first[256];
    uint64_t total0 = 0, total = 0;
    CHECK_EQ_INT(ns_index_open(&idx, dir, err, sizeof err), NS_OK);
    CHECK_EQ_INT(search(idx, "the", &total0, first0, sizeof first0), NS_OK);
    CHECK(total0 == 150);
    CHECK(cut_to_half() == 0);
    CHECK_EQ_INT(search(idx, "the", &total, first, sizeof first), NS_ECORRUPT);
    CHECK(names_segment(idx));
    CHECK(strstr(ns_index_errmsg(idx), "shrank") != NULL);
    /* the generation stays refused, even for what it read before the cut */
    CHECK_EQ_INT(search(idx, "the", &total, first, sizeof first), NS_ECORRUPT);
    ns_results *r;
    CHECK_EQ_INT(ns_index_get_doc(idx, bbc.d[0].id, bbc.d[0].id_len, &r), NS_ECORRUPT);
    int changed = -1;
    CHECK_EQ_INT(ns_index_refresh(idx, &changed), NS_ECORRUPT);
    CHECK_EQ_INT(changed, 0);
    CHECK(names_segment(idx));
    ns_stats st;
    CHECK_EQ_INT(ns_index_stats(idx, &st), NS_OK); /* stats read no mapped page */
    CHECK(restore() == 0);
    CHECK_EQ_INT(ns_index_refresh(idx, &changed), NS_OK);
    CHECK_EQ_INT(changed, NS_REFRESH_RELOADED);
    CHECK_EQ_INT(search(idx, "the", &total, first, sizeof first), NS_OK);
    CHECK(total == total0 && strcmp(first, first0) == 0);
    CHECK_EQ_INT(ns_index_get_doc(idx, bbc.d[0].id, bbc.d[0].id_len, &r), NS_OK);
    ns_results_free(r);
    CHECK_EQ_INT(ns_index_refresh(idx, &changed), NS_OK);
    CHECK_EQ_INT(changed, 0);
    ns_index_close(idx);
}

typedef struct searcher {
    ns_index *idx;
    atomic_int *stop;
    unsigned long ok, corrupt, other, after_cut_ok;
    atomic_int *cut; /* set once the file is cut */
    char other_msg[NS_ERRBUF_SIZE];
} searcher;

/* Searches and fetches a body in a loop until told to stop: every answer
 * must be a success or NS_ECORRUPT naming the file. */
static void *search_loop(void *arg)
{
    searcher *t = arg;
    while (!atomic_load(t->stop)) {
        int cut = atomic_load(t->cut);
        ns_query *q;
        char err[NS_ERRBUF_SIZE];
        int rc = ns_query_parse(&q, t->idx, "the", 3, NULL, err, sizeof err, NULL);
        if (rc)
            break;
        ns_search_options so = NS_SEARCH_OPTIONS_INIT;
        so.k = 50;
        ns_results *r = NULL;
        rc = ns_search(&r, t->idx, q, &so);
        if (!rc && ns_results_count(r)) {
            char *body;
            rc = ns_results_body(r, ns_results_count(r) - 1, &body, NULL);
            if (!rc)
                ns_free(body);
        }
        ns_results_free(r);
        ns_query_free(q);
        if (rc == NS_OK) {
            t->ok++;
            t->after_cut_ok += cut;
        } else if (rc == NS_ECORRUPT && names_segment(t->idx)) {
            t->corrupt++;
        } else if (t->other++ == 0) {
            snprintf(t->other_msg, sizeof t->other_msg, "%d: %s", rc, ns_index_errmsg(t->idx));
        }
    }
    return NULL;
}

/* With the guard: three threads search one index while the segment is cut
 * under them (and a fourth refreshes): every call succeeds or fails with
 * NS_ECORRUPT naming the file, none succeeds once the cut was seen by a
 * search begun after it, and after the file is restored and the index
 * refreshed, every search succeeds again. */
static void test_cut_while_searching(void)
{
    ns_index *idx;
    char err[NS_ERRBUF_SIZE];
    CHECK_EQ_INT(ns_fault_guard_install(), NS_OK);
    CHECK_EQ_INT(ns_index_open(&idx, dir, err, sizeof err), NS_OK);
    atomic_int stop = 0, cut = 0;
    searcher t[3];
    pthread_t th[3];
    for (int i = 0; i < 3; i++) {
        memset(&t[i], 0, sizeof t[i]);
        t[i].idx = idx;
        t[i].stop = &stop;
        t[i].cut = &cut;
        CHECK(pthread_create(&th[i], NULL, search_loop, &t[i]) == 0);
    }
    usleep(100 * 1000);
    CHECK(cut_to_half() == 0);
    atomic_store(&cut, 1);
    int changed = 0, refresh_rc = NS_OK;
    for (int i = 0; i < 10; i++) {
        usleep(20 * 1000);
        refresh_rc = ns_index_refresh(idx, &changed);
    }
    atomic_store(&stop, 1);
    unsigned long ok = 0, corrupt = 0, after = 0;
    for (int i = 0; i < 3; i++) {
        pthread_join(th[i], NULL);
        ok += t[i].ok;
        corrupt += t[i].corrupt;
        after += t[i].after_cut_ok;
        if (t[i].other)
            fprintf(stderr, "thread %d: %lu other failures, first %s\n", i, t[i].other,
                    t[i].other_msg);
        CHECK_EQ_INT(t[i].other, 0);
    }
    printf("  %lu searches before the cut, %lu NS_ECORRUPT after it, %lu succeeded after it\n", ok,
           corrupt, after);
    CHECK(ok > 0 && corrupt > 0);
    CHECK_EQ_INT(after, 0); /* a search begun after the cut never succeeds */
    CHECK_EQ_INT(refresh_rc, NS_ECORRUPT);
    CHECK(restore() == 0);
    CHECK_EQ_INT(ns_index_refresh(idx, &changed), NS_OK);
    CHECK_EQ_INT(changed, NS_REFRESH_RELOADED);
    stop = 0;
    cut = 0;
    for (int i = 0; i < 3; i++) {
        memset(&t[i], 0, sizeof t[i]);
        t[i].idx = idx;
        t[i].stop = &stop;
        t[i].cut = &cut;
        CHECK(pthread_create(&th[i], NULL, search_loop, &t[i]) == 0);
    }
    usleep(100 * 1000);
    atomic_store(&stop, 1);
    for (int i = 0; i < 3; i++) {
        pthread_join(th[i], NULL);
        CHECK(t[i].ok > 0);
        CHECK_EQ_INT(t[i].corrupt + t[i].other, 0);
    }
    ns_index_close(idx);
}

/* 200 kB zeroed in place (the size stays): the refresh sees the file
 * changed, its checksums fail, and the generation is refused until the file
 * is restored. */
static void test_zeroed(void)
{
    ns_index *idx;
    char err[NS_ERRBUF_SIZE], first0[256], first[256];
    uint64_t total0 = 0, total = 0;
    CHECK_EQ_INT(ns_index_open(&idx, dir, err, sizeof err), NS_OK);
    CHECK_EQ_INT(search(idx, "the", &total0, first0, sizeof first0), NS_OK);
    CHECK(zero_middle() == 0);
    int changed = -1;
    CHECK_EQ_INT(ns_index_refresh(idx, &changed), NS_ECORRUPT);
    CHECK(names_segment(idx));
    CHECK(strstr(ns_index_errmsg(idx), "checksum mismatch") != NULL);
    CHECK_EQ_INT(search(idx, "the", &total, first, sizeof first), NS_ECORRUPT);
    CHECK(names_segment(idx));
    CHECK_EQ_INT(ns_index_refresh(idx, &changed), NS_ECORRUPT); /* still damaged */
    CHECK(restore() == 0);
    CHECK_EQ_INT(ns_index_refresh(idx, &changed), NS_OK);
    CHECK_EQ_INT(changed, NS_REFRESH_RELOADED);
    CHECK_EQ_INT(search(idx, "the", &total, first, sizeof first), NS_OK);
    CHECK(total == total0 && strcmp(first, first0) == 0);
    ns_index_close(idx);
}

/* Whether idx has a live document with id d's. */
static int has_doc(ns_index *idx, const tdoc *d)
{
    ns_results *r;
    int rc = ns_index_get_doc(idx, d->id, d->id_len, &r);
    ns_results_free(r);
    return rc == NS_OK;
}

/* Another index moved over the path, with a lower generation: served after
 * the next refresh (REPLACED). Then the path deleted: the refresh fails and
 * the reader keeps its generation; rebuilt with other documents: served. */
static void test_replaced(void)
{
    ns_index *idx;
    char err[NS_ERRBUF_SIZE], other[4200], old[4200];
    CHECK_EQ_INT(ns_index_open(&idx, dir, err, sizeof err), NS_OK);
    CHECK(has_doc(idx, &bbc.d[0]) && !has_doc(idx, &bbc.d[200]));

    snprintf(other, sizeof other, "%s.new", dir);
    snprintf(old, sizeof old, "%s.old", dir);
    CHECK(build(other, 200, 260, 1000, 0) == 0); /* generation 1 */
    CHECK(rename(dir, old) == 0 && rename(other, dir) == 0);
    int changed = -1;
    CHECK_EQ_INT(ns_index_refresh(idx, &changed), NS_OK);
    CHECK_EQ_INT(changed, NS_REFRESH_REPLACED);
    ns_stats st;
    CHECK_EQ_INT(ns_index_stats(idx, &st), NS_OK);
    CHECK(st.generation < gen_a);
    CHECK_EQ_INT(st.documents, 60);
    CHECK(has_doc(idx, &bbc.d[200]) && !has_doc(idx, &bbc.d[0]));

    /* rm -rf: nothing to load, the last generation is still served */
    tc_rmdir(dir);
    CHECK_EQ_INT(ns_index_refresh(idx, &changed), NS_ENOTFOUND);
    CHECK_EQ_INT(changed, 0);
    CHECK(strstr(ns_index_errmsg(idx), dir) != NULL);
    CHECK(has_doc(idx, &bbc.d[200]));
    /* rebuilt with other documents */
    CHECK(build(dir, 300, 400, 1000, 0) == 0);
    CHECK_EQ_INT(ns_index_refresh(idx, &changed), NS_OK);
    CHECK(changed == NS_REFRESH_REPLACED || changed == NS_REFRESH_NEWER);
    CHECK_EQ_INT(ns_index_stats(idx, &st), NS_OK);
    CHECK_EQ_INT(st.documents, 100);
    CHECK(has_doc(idx, &bbc.d[300]) && !has_doc(idx, &bbc.d[200]));
    CHECK_EQ_INT(ns_index_refresh(idx, &changed), NS_OK);
    CHECK_EQ_INT(changed, 0);
    ns_index_close(idx);

    /* the first index back in place for anything after */
    tc_rmdir(dir);
    CHECK(rename(old, dir) == 0);
}

NS_TEST_MAIN_FIXTURE(setup, teardown, NST(test_cut_without_guard), NST(test_guard_chains),
                     NST(test_cut_with_guard), NST(test_cut_while_searching), NST(test_zeroed),
                     NST(test_replaced))
