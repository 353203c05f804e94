/* test_integrity.c — what ties an index's files together and when their bytes
 * are verified (docs/format.md, CHECKS, "COMMIT", "Orphans and leftovers"),
 * on real BBC News articles:
 *  - a segment copied from another index with the same number and document
 *    count is refused by open, --check and a writer, naming the file;
 *  - an older COMMIT put back: --check reports the newer segments as orphans,
 *    a writer refuses to open and deletes nothing (the newer COMMIT put back
 *    again has every document), prune_orphans deletes them;
 *  - a dead writer's segment (written for a commit that never happened) is
 *    not reported and is removed by the next writer;
 *  - a flipped byte in one term's postings is not read at open: the index
 *    opens, a search for another term answers, a search touching the damaged
 *    chunk fails with NS_ECORRUPT naming the file, and --check finds it; a
 *    flipped byte in a stored block fails the body that needs it, found by
 *    the chunk CRC before zstd reads the block;
 *  - a flipped byte in a stored dictionary (version 4) fails the open, found
 *    by the chunk CRC before the dictionary is digested. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>

#include "corpus.h"
#include "nsearch.h"
#include "nstest.h"

#include "common/internal.h"
#include "format/segment.h"

static tcorpus corpus;

static void load_corpus(void)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/corpora/bbc_news/docs.jsonl", nst_shared_dir());
    if (tc_load(&corpus, path, 400) != 0 || corpus.n < 400)
        nst_skip("no BBC News corpus under NS_SHARED_DIR/corpora");
}

/* Indexes docs [from, to) and commits once: one new segment. */
static int add_docs(const char *dir, size_t from, size_t to, int prune_orphans)
{
    ns_writer *w;
    char err[NS_ERRBUF_SIZE];
    ns_writer_options wo = NS_WRITER_OPTIONS_INIT;
    wo.prune_orphans = prune_orphans;
    int rc = ns_writer_open(&w, dir, &wo, err, sizeof err);
    if (rc)
        return rc;
    for (size_t i = from; i < to && !rc; i++) {
        const tdoc *d = &corpus.d[i];
        ns_doc doc = {.id = d->id,
                      .id_len = d->id_len,
                      .title = d->title,
                      .title_len = d->title_len,
                      .body = d->body,
                      .body_len = d->body_len};
        rc = ns_writer_put(w, &doc, NULL);
    }
    if (!rc)
        rc = ns_writer_commit(w);
    ns_writer_close(w);
    return rc;
}

static int copy_file(const char *from, const char *to)
{
    FILE *a = fopen(from, "rb"), *b = fopen(to, "wb");
    int ok = a && b;
    char buf[65536];
    size_t k;
    while (ok && (k = fread(buf, 1, sizeof buf, a)) > 0)
        ok = fwrite(buf, 1, k, b) == k;
    if (a)
        fclose(a);
    if (b && fclose(b))
        ok = 0;
    return ok ? 0 : -1;
}

static int exists(const char *path) { return access(path, F_OK) == 0; }

static uint64_t live_docs(const char *dir)
{
    ns_index *idx;
    char err[NS_ERRBUF_SIZE];
    if (ns_index_open(&idx, dir, err, sizeof err))
        return UINT64_MAX;
    ns_stats st;
    uint64_t n = ns_index_stats(idx, &st) == NS_OK ? st.documents : UINT64_MAX;
    ns_index_close(idx);
    return n;
}

static void test_foreign_segment(void)
{
    if (!corpus.n)
        return;
    char a[4096], b[4096], seg_a[4200], seg_b[4200], saved[4200];
    snprintf(a, sizeof a, "%s", tc_tmpdir("integ-a"));
    snprintf(b, sizeof b, "%s", tc_tmpdir("integ-b"));
    CHECK_EQ_INT(add_docs(a, 0, 200, 0), NS_OK);
    CHECK_EQ_INT(add_docs(b, 200, 400, 0), NS_OK);
    nsi_seg_filename(seg_a, sizeof seg_a, a, 1);
    nsi_seg_filename(seg_b, sizeof seg_b, b, 1);
    snprintf(saved, sizeof saved, "%s/saved", b);
    CHECK(copy_file(seg_a, saved) == 0);
    /* same number, same document count, another index's content */
    CHECK(copy_file(seg_b, seg_a) == 0);
    char err[NS_ERRBUF_SIZE];
    ns_index *idx = NULL;
    CHECK_EQ_INT(ns_index_open(&idx, a, err, sizeof err), NS_ECORRUPT);
    CHECK(strstr(err, seg_a) && strstr(err, "not the segment COMMIT names"));
    CHECK_EQ_INT(ns_index_check(a, 1, err, sizeof err), NS_ECORRUPT);
    CHECK(strstr(err, seg_a) && strstr(err, "not the segment COMMIT names"));
    ns_writer *w = NULL;
    CHECK_EQ_INT(ns_writer_open(&w, a, NULL, err, sizeof err), NS_ECORRUPT);
    CHECK(strstr(err, seg_a) != NULL);
    /* the index's own file back: everything as before */
    CHECK(copy_file(saved, seg_a) == 0);
    CHECK_EQ_INT(ns_index_check(a, 1, err, sizeof err), NS_OK);
    CHECK(live_docs(a) == 200);
    tc_rmdir(a);
    tc_rmdir(b);
}

static void test_older_commit_put_back(void)
{
    if (!corpus.n)
        return;
    char dir[4096], commit[4200], old[4200], newer[4200], seg2[4200];
    snprintf(dir, sizeof dir, "%s", tc_tmpdir("integ-back"));
    snprintf(commit, sizeof commit, "%s/COMMIT", dir);
    snprintf(old, sizeof old, "%s/COMMIT.old", dir);
    snprintf(newer, sizeof newer, "%s/COMMIT.new", dir);
    nsi_seg_filename(seg2, sizeof seg2, dir, 2);
    CHECK_EQ_INT(add_docs(dir, 0, 200, 0), NS_OK);
    CHECK(copy_file(commit, old) == 0);
    CHECK_EQ_INT(add_docs(dir, 200, 400, 0), NS_OK);
    CHECK(exists(seg2));
    CHECK(copy_file(commit, newer) == 0);
    CHECK(live_docs(dir) == 400);

    CHECK(copy_file(old, commit) == 0); /* the backup put back */
    char err[NS_ERRBUF_SIZE];
    CHECK_EQ_INT(ns_index_check(dir, 0, err, sizeof err), NS_ECORRUPT);
    CHECK(strstr(err, "seg-0000000000000002.nss") && strstr(err, "orphan") &&
          strstr(err, "generation 2"));
    CHECK(live_docs(dir) == 200); /* readers serve what COMMIT says */
    /* the next writer leaves them and refuses, changing nothing */
    CHECK_EQ_INT(add_docs(dir, 0, 10, 0), NS_ECORRUPT);
    CHECK(exists(seg2));
    CHECK_EQ_INT(ns_index_check(dir, 0, err, sizeof err), NS_ECORRUPT);
    /* so the newer COMMIT can come back with all 400 documents */
    CHECK(copy_file(newer, commit) == 0);
    CHECK_EQ_INT(ns_index_check(dir, 1, err, sizeof err), NS_OK);
    CHECK(live_docs(dir) == 400);

    /* or the orphans go, on request */
    CHECK(copy_file(old, commit) == 0);
    CHECK_EQ_INT(add_docs(dir, 0, 10, 1), NS_OK);
    CHECK(!exists(seg2));
    CHECK_EQ_INT(ns_index_check(dir, 1, err, sizeof err), NS_OK);
    CHECK(live_docs(dir) == 200);
    /* and a later writer works as usual (its mark follows COMMIT again) */
    CHECK_EQ_INT(add_docs(dir, 200, 300, 0), NS_OK);
    CHECK_EQ_INT(ns_index_check(dir, 1, err, sizeof err), NS_OK);
    CHECK(live_docs(dir) == 300);
    tc_rmdir(dir);
}

static void test_dead_writer_leftover(void)
{
    if (!corpus.n)
        return;
    char dir[4096], commit[4200], lock[4200], old_commit[4200], old_lock[4200], seg2[4200];
    snprintf(dir, sizeof dir, "%s", tc_tmpdir("integ-dead"));
    snprintf(commit, sizeof commit, "%s/COMMIT", dir);
    snprintf(lock, sizeof lock, "%s/LOCK", dir);
    snprintf(old_commit, sizeof old_commit, "%s/COMMIT.old", dir);
    snprintf(old_lock, sizeof old_lock, "%s/LOCK.old", dir);
    nsi_seg_filename(seg2, sizeof seg2, dir, 2);
    CHECK_EQ_INT(add_docs(dir, 0, 200, 0), NS_OK);
    CHECK(copy_file(commit, old_commit) == 0);
    CHECK(copy_file(lock, old_lock) == 0);
    CHECK_EQ_INT(add_docs(dir, 200, 300, 0), NS_OK);
    CHECK(exists(seg2));
    /* What a writer killed between writing its segment and renaming COMMIT
     * leaves: the segment, written for generation 2, with COMMIT and LOCK's
     * mark still at 1 (the mark moves only once a COMMIT is in place). */
    CHECK(copy_file(old_commit, commit) == 0);
    CHECK(copy_file(old_lock, lock) == 0);
    char err[NS_ERRBUF_SIZE];
    /* not damage, not an orphan */
    CHECK_EQ_INT(ns_index_check(dir, 1, err, sizeof err), NS_OK);
    CHECK(live_docs(dir) == 200);
    /* the next writer removes it (its id is free again) and writes on */
    CHECK_EQ_INT(add_docs(dir, 300, 310, 0), NS_OK);
    CHECK_EQ_INT(ns_index_check(dir, 1, err, sizeof err), NS_OK);
    CHECK(live_docs(dir) == 210);
    ns_index *idx;
    CHECK_EQ_INT(ns_index_open(&idx, dir, err, sizeof err), NS_OK);
    ns_results *r = NULL;
    CHECK_EQ_INT(ns_index_get_doc(idx, corpus.d[250].id, corpus.d[250].id_len, &r), NS_ENOTFOUND);
    ns_results_free(r);
    ns_index_close(idx);
    tc_rmdir(dir);
}

/* Flips the byte at off of path. */
static void flip(const char *path, size_t off)
{
    int fd = open(path, O_RDWR);
    uint8_t b = 0;
    CHECK(fd >= 0 && pread(fd, &b, 1, (off_t)off) == 1);
    b ^= 0x5a;
    CHECK(pwrite(fd, &b, 1, (off_t)off) == 1);
    close(fd);
}

static int search(ns_index *idx, const char *text, char *err, size_t errlen, size_t *nhits)
{
    ns_query *q;
    int rc = ns_query_parse(&q, idx, text, strlen(text), NULL, err, errlen, NULL);
    if (rc)
        return rc;
    ns_results *r = NULL;
    ns_search_options so = NS_SEARCH_OPTIONS_INIT;
    rc = ns_search(&r, idx, q, &so);
    if (rc)
        snprintf(err, errlen, "%s", ns_index_errmsg(idx));
    else
        *nhits = ns_results_count(r);
    ns_results_free(r);
    ns_query_free(q);
    return rc;
}

static void test_chunk_verified_on_first_touch(void)
{
    if (!corpus.n)
        return;
    char dir[4096], seg[4200], err[NS_ERRBUF_SIZE];
    snprintf(dir, sizeof dir, "%s", tc_tmpdir("integ-lazy"));
    CHECK_EQ_INT(add_docs(dir, 0, 400, 0), NS_OK);
    nsi_seg_filename(seg, sizeof seg, dir, 1);
    /* where "said" keeps its postings, and a term whose postings lie in
     * other chunks */
    nsi_seg *s;
    CHECK_EQ_INT(nsi_seg_open(&s, dir, 1, err, sizeof err), NS_OK);
    CHECK_EQ_INT(s->version, NSI_SEG_VERSION);
    nsi_terminfo said, other;
    CHECK_EQ_INT(nsi_seg_lookup(s, "said", 4, &said, err, sizeof err), NS_OK);
    CHECK_EQ_INT(nsi_seg_lookup(s, "footbal", 7, &other, err, sizeof err), NS_OK);
    size_t post = (size_t)(s->sec[NSI_SEC_POSTINGS].p - s->map);
    size_t at = post + (size_t)said.post_off + (size_t)said.post_len / 2;
    size_t o_lo = post + (size_t)other.post_off, o_hi = o_lo + (size_t)other.post_len;
    CHECK(said.post_len > 64);
    /* the other term's postings and its dictionary block are chunks away */
    CHECK((o_hi >> NSI_CHUNK_SHIFT) < (at >> NSI_CHUNK_SHIFT) ||
          (o_lo >> NSI_CHUNK_SHIFT) > (at >> NSI_CHUNK_SHIFT));
    /* mid-STORED: chunks away from DOCMAP and FIELDS */
    size_t stored = (size_t)(s->sec[NSI_SEC_STORED].p - s->map) + s->sec[NSI_SEC_STORED].len / 2;
    nsi_seg_close(s);
    flip(seg, at);

    ns_index *idx;
    CHECK_EQ_INT(ns_index_open(&idx, dir, err, sizeof err), NS_OK); /* not read at open */
    size_t n = 0;
    CHECK_EQ_INT(search(idx, "football", err, sizeof err, &n), NS_OK);
    CHECK(n > 0);
    CHECK_EQ_INT(search(idx, "said", err, sizeof err, &n), NS_ECORRUPT);
    CHECK(strstr(err, seg) != NULL);
    CHECK_EQ_INT(search(idx, "said", err, sizeof err, &n), NS_ECORRUPT); /* every time */
    ns_index_close(idx);
    CHECK_EQ_INT(ns_index_check(dir, 0, err, sizeof err), NS_ECORRUPT);
    CHECK(strstr(err, seg) != NULL);
    flip(seg, at); /* undone */
    CHECK_EQ_INT(ns_index_check(dir, 1, err, sizeof err), NS_OK);

    /* a stored block: hits list without it, the body needs it */
    flip(seg, stored);
    CHECK_EQ_INT(ns_index_open(&idx, dir, err, sizeof err), NS_OK);
    unsigned failed = 0, unnamed = 0;
    for (size_t i = 0; i < 400; i++) {
        ns_results *r = NULL;
        CHECK_EQ_INT(ns_index_get_doc(idx, corpus.d[i].id, corpus.d[i].id_len, &r), NS_OK);
        char *body = NULL;
        int rc = r ? ns_results_body(r, 0, &body, NULL) : NS_EINVAL;
        if (rc == NS_ECORRUPT) {
            failed++;
            unnamed += !strstr(ns_index_errmsg(idx), seg);
            /* the chunk CRC, not zstd's frame checksum, caught it */
            CHECK(strstr(ns_index_errmsg(idx), "checksum mismatch") != NULL);
        } else {
            CHECK_EQ_INT(rc, NS_OK);
            CHECK(body && strlen(body) == corpus.d[i].body_len);
        }
        ns_free(body);
        ns_results_free(r);
    }
    /* the documents of the block(s) in the damaged chunk, named; no other */
    CHECK(failed > 0 && failed < 40);
    CHECK_EQ_INT(unnamed, 0);
    ns_index_close(idx);
    CHECK_EQ_INT(ns_index_check(dir, 0, err, sizeof err), NS_ECORRUPT);
    tc_rmdir(dir);
}

static void test_dictionary_verified_at_open(void)
{
    if (!corpus.n)
        return;
    char dir[4096], seg[4200], err[NS_ERRBUF_SIZE];
    snprintf(dir, sizeof dir, "%s", tc_tmpdir("integ-dict"));
    CHECK_EQ_INT(add_docs(dir, 0, 400, 0), NS_OK);
    nsi_seg_filename(seg, sizeof seg, dir, 1);
    nsi_seg *s;
    CHECK_EQ_INT(nsi_seg_open(&s, dir, 1, err, sizeof err), NS_OK);
    CHECK_EQ_INT(s->store.format, 4);
    CHECK_EQ_INT(s->store.ndicts, 1); /* 400 articles are enough to train one */
    size_t at = 0;
    if (s->store.ndicts) {
        const uint8_t *p;
        size_t len;
        nsi_docstore_dict_at(&s->store, 1, &p, &len);
        at = (size_t)(p - s->map) + len / 2;
    }
    nsi_seg_close(s);
    if (!at)
        return;
    flip(seg, at);
    ns_index *idx;
    CHECK_EQ_INT(ns_index_open(&idx, dir, err, sizeof err), NS_ECORRUPT);
    CHECK(strstr(err, seg) != NULL && strstr(err, "checksum mismatch") != NULL);
    CHECK_EQ_INT(ns_index_check(dir, 0, err, sizeof err), NS_ECORRUPT);
    CHECK(strstr(err, seg) != NULL);
    flip(seg, at); /* undone */
    CHECK_EQ_INT(ns_index_check(dir, 1, err, sizeof err), NS_OK);
    tc_rmdir(dir);
}

static void setup(void) { load_corpus(); }
static void teardown(void) { tc_free(&corpus); }

NS_TEST_MAIN_FIXTURE(setup, teardown, NST(test_foreign_segment), NST(test_older_commit_put_back),
                     NST(test_dead_writer_leftover), NST(test_chunk_verified_on_first_touch),
                     NST(test_dictionary_verified_at_open))
