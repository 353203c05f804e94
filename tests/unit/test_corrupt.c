/* test_corrupt.c — damaged index files (docs/reliability.md, "Detecting
 * damage"). A small index (the seeds plus synthetic documents, three
 * segments, one deletion) is damaged one way at a time:
 *  - every file truncated at many lengths (every length of COMMIT, the first
 *    and last bytes of each segment and random lengths between);
 *  - bytes flipped: every byte of COMMIT, every byte of each segment's header,
 *    section table and footer, and random bytes everywhere else;
 *  - Lucene's whole-file damages: deleted, zero-filled, cut in half, emptied.
 * After each damage:
 *  - ns_index_check must report NS_ECORRUPT naming the file (100%);
 *  - opening and searching must give NS_ECORRUPT naming the file, or exactly
 *    the intact index's results (same ids, same scores, same snippet): never
 *    a wrong answer.
 * The random flips are then replayed with open-time verification off, which
 * measures what that verification buys and shows that the bounds-checked
 * decoders survive damaged bytes (under ASan in CI).
 * NS_CORRUPT_SCALE (default 1) multiplies the random cases. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "nstest.h"
#include "reliability.h"

#include "read/reader.h"

#define MAXFILES 16
#define FP_SIZE 65536

typedef struct ifile {
    char name[256];
    char path[4500];
    uint8_t *data;
    size_t size;
} ifile;

static char dir[4000];
static ifile files[MAXFILES];
static size_t nfiles;
static char *reference; /* fingerprint of every query on the intact index */
static unsigned scale = 1;

typedef struct tally {
    unsigned cases, check_detected, open_detected, search_detected, correct, wrong;
    unsigned unnamed;        /* a detection whose message does not name the file */
    unsigned unnamed_search; /* of those, detected while searching (not at open) */
} tally;

static void build(void)
{
    tcorpus c = {0};
    rt_vocab v = {0};
    CHECK(rt_load_seeds(&c, &v) == 0);
    ns_writer *w;
    char err[NS_ERRBUF_SIZE];
    CHECK_EQ_INT(ns_writer_open(&w, dir, NULL, err, sizeof err), NS_OK);
    for (size_t i = 0; i < c.n; i++)
        CHECK_EQ_INT(rt_put_seed(w, &c.d[i]), NS_OK);
    CHECK_EQ_INT(ns_writer_commit(w), NS_OK);
    for (unsigned i = 0; i < 300; i++) {
        CHECK_EQ_INT(rt_put_synth(w, &v, i), NS_OK);
        if (i == 149)
            CHECK_EQ_INT(ns_writer_commit(w), NS_OK);
    }
    CHECK_EQ_INT(ns_writer_delete(w, "syn-7", 5), NS_OK);
    CHECK_EQ_INT(ns_writer_commit(w), NS_OK);
    ns_writer_close(w);
    tc_free(&c);
    rt_vocab_free(&v);
}

static void load_files(void)
{
    DIR *d = opendir(dir);
    struct dirent *de;
    while (d && (de = readdir(d))) {
        if (strcmp(de->d_name, "COMMIT") && strncmp(de->d_name, "seg-", 4))
            continue; /* LOCK holds a pid, not index data */
        ifile *f = &files[nfiles++];
        snprintf(f->name, sizeof f->name, "%s", de->d_name);
        snprintf(f->path, sizeof f->path, "%s/%s", dir, de->d_name);
        FILE *fp = fopen(f->path, "rb");
        fseek(fp, 0, SEEK_END);
        f->size = (size_t)ftell(fp);
        rewind(fp);
        f->data = malloc(f->size);
        CHECK(fread(f->data, 1, f->size, fp) == f->size);
        fclose(fp);
    }
    closedir(d);
}

/* Writes n bytes at off without truncating: rewriting a file from length 0
 * makes ext4 flush it on close (auto_da_alloc), which would slow the test
 * tenfold. */
static void put_bytes(const ifile *f, const uint8_t *data, size_t n, size_t off)
{
    int fd = open(f->path, O_WRONLY | O_CREAT, 0644);
    CHECK(fd >= 0 && pwrite(fd, data, n, (off_t)off) == (ssize_t)n);
    close(fd);
}

static void put_file(const ifile *f, const uint8_t *data, size_t n)
{
    put_bytes(f, data, n, 0);
    CHECK(truncate(f->path, (off_t)n) == 0);
}

static void restore(const ifile *f) { put_file(f, f->data, f->size); }

/* Every query's fingerprint; NS_OK or the first failure. */
static int fingerprint_all(ns_index *idx, char *out, size_t n)
{
    out[0] = 0;
    for (size_t q = 0; q < RT_NQUERIES; q++) {
        int rc = rt_fingerprint(idx, q, out, n);
        if (rc)
            return rc;
    }
    return NS_OK;
}

/* Runs the check and the searches on the damaged index. */
static void judge(tally *t, const ifile *f, const char *what, int do_check)
{
    char err[NS_ERRBUF_SIZE];
    t->cases++;
    if (do_check) {
        int rc = ns_index_check(dir, 0, err, sizeof err);
        if (rc == NS_ECORRUPT) {
            t->check_detected++;
            if (!strstr(err, f->name))
                t->unnamed++;
        } else {
            fprintf(stderr, "%s %s: check gave %d (%s)\n", f->name, what, rc, err);
        }
    }
    ns_index *idx;
    int rc = ns_index_open(&idx, dir, err, sizeof err);
    if (rc) {
        if (rc == NS_ECORRUPT)
            t->open_detected++;
        else {
            t->wrong++;
            fprintf(stderr, "%s %s: open gave %d (%s)\n", f->name, what, rc, err);
        }
        if (!strstr(err, f->name))
            t->unnamed++;
        return;
    }
    static char fp[FP_SIZE];
    rc = fingerprint_all(idx, fp, sizeof fp);
    if (rc == NS_ECORRUPT) {
        t->search_detected++;
        if (!strstr(ns_index_errmsg(idx), f->name)) {
            t->unnamed_search++;
            if (++t->unnamed <= 3)
                fprintf(stderr, "%s %s: message does not name the file: %s\n", f->name, what,
                        ns_index_errmsg(idx));
        }
    } else if (rc == NS_OK && strcmp(fp, reference) == 0) {
        t->correct++;
    } else {
        t->wrong++;
        if (t->wrong <= 3)
            fprintf(stderr, "%s %s: WRONG results (rc %d)\n", f->name, what, rc);
    }
    ns_index_close(idx);
}

static void truncate_to(tally *t, const ifile *f, size_t len)
{
    char what[64];
    snprintf(what, sizeof what, "truncated to %zu", len);
    CHECK(truncate(f->path, (off_t)len) == 0);
    judge(t, f, what, 1);
    put_bytes(f, f->data + len, f->size - len, len);
}

static void flip(tally *t, const ifile *f, size_t off, uint8_t mask, int do_check)
{
    char what[64];
    snprintf(what, sizeof what, "byte %zu ^ %02x", off, mask);
    uint8_t b = f->data[off] ^ mask;
    put_bytes(f, &b, 1, off);
    judge(t, f, what, do_check);
    put_bytes(f, f->data + off, 1, off);
}

static void report(const char *name, const tally *t)
{
    printf("%-28s %6u cases: check detected %u; search: %u at open, %u while searching, "
           "%u correct, %u wrong; messages without the file name %u\n",
           name, t->cases, t->check_detected, t->open_detected, t->search_detected, t->correct,
           t->wrong, t->unnamed);
}

static void setup(void)
{
    const char *s = getenv("NS_CORRUPT_SCALE");
    if (s && atoi(s) > 0)
        scale = (unsigned)atoi(s);
    const char *tmp = tc_tmpdir("corrupt");
    CHECK(tmp != NULL);
    snprintf(dir, sizeof dir, "%.3900s/idx", tmp);
    build();
    load_files();
    CHECK(nfiles >= 4); /* COMMIT and three segments */
    reference = calloc(1, FP_SIZE);
    ns_index *idx;
    char err[NS_ERRBUF_SIZE];
    CHECK_EQ_INT(ns_index_open(&idx, dir, err, sizeof err), NS_OK);
    CHECK_EQ_INT(fingerprint_all(idx, reference, FP_SIZE), NS_OK);
    ns_index_close(idx);
    CHECK(strstr(reference, "syn-") != NULL);
    CHECK_EQ_INT(ns_index_check(dir, 1, err, sizeof err), NS_OK);
    printf("index: %zu files (", nfiles);
    for (size_t i = 0; i < nfiles; i++)
        printf("%s%s %zu bytes", i ? ", " : "", files[i].name, files[i].size);
    printf(")\n");
}

static void test_truncation(void)
{
    tally all = {0};
    uint64_t rs = 42;
    for (size_t i = 0; i < nfiles; i++) {
        const ifile *f = &files[i];
        tally t = {0};
        for (size_t len = 0; len < f->size; len++) {
            int edge = len < 64 || len + 320 >= f->size;
            if (edge || rt_rand(&rs) % f->size < 150u * scale)
                truncate_to(&t, f, len);
        }
        report(f->name, &t);
        CHECK_EQ_INT(t.check_detected, t.cases);
        CHECK_EQ_INT(t.wrong, 0);
        CHECK_EQ_INT(t.unnamed, 0);
        all.cases += t.cases;
        all.check_detected += t.check_detected;
    }
    printf("truncations: %u, detected by the check: %u\n", all.cases, all.check_detected);
}

/* The byte ranges a segment's readers trust first: header, table, footer. */
static int in_frame(const ifile *f, size_t off)
{
    if (strncmp(f->name, "seg-", 4))
        return 1; /* COMMIT: all of it */
    size_t table = (size_t)nsi_get_u64le(f->data + f->size - 24);
    return off < 32 || off >= table;
}

static void test_flips(void)
{
    tally all = {0};
    uint64_t rs = 7;
    for (size_t i = 0; i < nfiles; i++) {
        const ifile *f = &files[i];
        tally t = {0};
        for (size_t off = 0; off < f->size; off++) {
            if (in_frame(f, off)) {
                if (off < 32)
                    flip(&t, f, off, 0xff, 1);
                flip(&t, f, off, (uint8_t)(1u << (rt_rand(&rs) % 8)), 1);
            } else if (rt_rand(&rs) % f->size < 300u * scale) {
                flip(&t, f, off, (uint8_t)(1 + rt_rand(&rs) % 255), 1);
            }
        }
        report(f->name, &t);
        CHECK_EQ_INT(t.check_detected, t.cases);
        CHECK_EQ_INT(t.wrong, 0);
        CHECK_EQ_INT(t.unnamed, 0);
        all.cases += t.cases;
        all.check_detected += t.check_detected;
    }
    printf("byte flips: %u, detected by the check: %u\n", all.cases, all.check_detected);
}

/* Lucene's MockDirectoryWrapper damages, whole file at a time. */
static void test_whole_file(void)
{
    tally t = {0};
    for (size_t i = 0; i < nfiles; i++) {
        const ifile *f = &files[i];
        CHECK(unlink(f->path) == 0);
        if (strcmp(f->name, "COMMIT") == 0) {
            /* no COMMIT is no index, not a damaged one */
            char err[NS_ERRBUF_SIZE];
            ns_index *idx;
            CHECK_EQ_INT(ns_index_check(dir, 0, err, sizeof err), NS_ENOTFOUND);
            CHECK_EQ_INT(ns_index_open(&idx, dir, err, sizeof err), NS_ENOTFOUND);
        } else {
            judge(&t, f, "deleted", 1);
        }
        restore(f);
        uint8_t *z = calloc(1, f->size);
        put_file(f, z, f->size);
        free(z);
        judge(&t, f, "zero-filled", 1);
        restore(f);
        truncate_to(&t, f, f->size / 2);
        truncate_to(&t, f, 0);
    }
    report("whole-file damages", &t);
    CHECK_EQ_INT(t.check_detected, t.cases);
    CHECK_EQ_INT(t.wrong, 0);
    CHECK_EQ_INT(t.unnamed, 0);
}

/* Files that are not part of the commit are not damage. */
static void test_strays(void)
{
    char path[4400], err[NS_ERRBUF_SIZE];
    snprintf(path, sizeof path, "%s/seg-00000000000000ff.nss", dir);
    FILE *fp = fopen(path, "wb");
    fputs("garbage left by a crash", fp);
    fclose(fp);
    snprintf(path, sizeof path, "%s/COMMIT.tmp", dir);
    fp = fopen(path, "wb");
    fputs("NSCOMMIT half", fp);
    fclose(fp);
    CHECK_EQ_INT(ns_index_check(dir, 1, err, sizeof err), NS_OK);
    ns_index *idx;
    CHECK_EQ_INT(ns_index_open(&idx, dir, err, sizeof err), NS_OK);
    static char fp2[FP_SIZE];
    CHECK_EQ_INT(fingerprint_all(idx, fp2, sizeof fp2), NS_OK);
    CHECK_EQ_STR(fp2, reference);
    ns_index_close(idx);
    /* the next writer removes them */
    ns_writer *w;
    CHECK_EQ_INT(ns_writer_open(&w, dir, NULL, err, sizeof err), NS_OK);
    ns_writer_close(w);
    CHECK(access(path, F_OK) != 0);
    snprintf(path, sizeof path, "%s/seg-00000000000000ff.nss", dir);
    CHECK(access(path, F_OK) != 0);
}

/* The same random flips with open-time verification off: only the decoders
 * stand between damage and the results. The wrong results are a measurement,
 * not a pass/fail figure; what must hold is that nothing crashes (ASan) and
 * that every damage reported, at open or while searching, names the file. */
static void test_without_open_verification(void)
{
    nsi_verify_open_max = 0;
    tally t = {0};
    uint64_t rs = 99;
    for (size_t i = 0; i < nfiles; i++) {
        const ifile *f = &files[i];
        for (size_t off = 0; off < f->size; off++)
            if (!in_frame(f, off) && rt_rand(&rs) % f->size < 300u * scale)
                flip(&t, f, off, (uint8_t)(1 + rt_rand(&rs) % 255), 0);
    }
    nsi_verify_open_max = NSI_VERIFY_OPEN_MAX;
    report("flips, no open verification", &t);
    printf("without open-time verification %u of %u random flips gave wrong results\n", t.wrong,
           t.cases);
    CHECK(t.cases > 0);
    printf("%u of them found while searching\n", t.search_detected);
    CHECK_EQ_INT(t.unnamed, 0); /* at open and while searching: the file is named */
}

static void teardown(void)
{
    for (size_t i = 0; i < nfiles; i++)
        free(files[i].data);
    free(reference);
    tc_rmdir(dir);
    char *slash = strrchr(dir, '/');
    *slash = 0;
    rmdir(dir);
}

NS_TEST_MAIN_FIXTURE(setup, teardown, NST(test_truncation), NST(test_flips), NST(test_whole_file),
                     NST(test_strays), NST(test_without_open_verification))
