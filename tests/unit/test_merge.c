/* test_merge.c — merges (write/merge.c) copy the stored text instead of
 * compressing it again (docs/format.md, "STORED"): after an optimize of an
 * index of several segments with deletions, the one segment holds every
 * source dictionary once, every source block whose documents all survive byte
 * for byte, and every surviving body intact; the full check (postings
 * re-derived from the stored text) passes. Segments too small for a
 * dictionary are compressed again, so their merge trains one. On the BBC
 * corpus. */
#include <stdlib.h>
#include <string.h>

#include "corpus.h"
#include "format/commit.h"
#include "format/record.h"
#include "format/segment.h"
#include "nsearch.h"
#include "nstest.h"

typedef struct blob {
    uint8_t *p;
    size_t n;
} blob;

static int find_blob(const blob *v, size_t n, const uint8_t *p, size_t len)
{
    for (size_t i = 0; i < n; i++)
        if (v[i].n == len && memcmp(v[i].p, p, len) == 0)
            return 1;
    return 0;
}

static const uint8_t *find_bytes(const uint8_t *hay, size_t n, const uint8_t *needle, size_t len)
{
    return memmem(hay, n, needle, len);
}

static void test_optimize_copies_stored_blocks(void)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/corpora/bbc_news/docs.jsonl", nst_shared_dir());
    tcorpus c;
    CHECK_EQ_INT(tc_load(&c, path, 0), 0);
    CHECK(c.n > 2000);
    const char *dir = tc_tmpdir("merge-store");
    char err[NS_ERRBUF_SIZE];
    ns_writer_options wo = NS_WRITER_OPTIONS_INIT;
    wo.flush_bytes = 2u << 20;
    ns_writer *w;
    CHECK_EQ_INT(ns_writer_open(&w, dir, &wo, err, sizeof err), NS_OK);
    for (size_t i = 0; i < c.n; i++) {
        ns_doc d = {.id = c.d[i].id,
                    .id_len = c.d[i].id_len,
                    .title = c.d[i].title,
                    .title_len = c.d[i].title_len,
                    .body = c.d[i].body,
                    .body_len = c.d[i].body_len};
        CHECK_EQ_INT(ns_writer_put(w, &d, NULL), NS_OK);
    }
    CHECK_EQ_INT(ns_writer_commit(w), NS_OK);
    for (size_t i = 0; i < c.n; i += 97) /* a few deletions: most blocks survive whole */
        CHECK_EQ_INT(ns_writer_delete(w, c.d[i].id, c.d[i].id_len), NS_OK);
    CHECK_EQ_INT(ns_writer_commit(w), NS_OK);

    /* the sources: their dictionaries, and their blocks that survive whole */
    nsi_commit cm;
    CHECK_EQ_INT(nsi_commit_read(&cm, dir, err, sizeof err), NS_OK);
    CHECK(cm.nsegs >= 2);
    blob *dicts = NULL, *whole = NULL;
    size_t ndicts = 0, nwhole = 0, nblocks = 0;
    for (uint32_t k = 0; k < cm.nsegs; k++) {
        nsi_seg *s;
        CHECK_EQ_INT(nsi_seg_open(&s, dir, cm.segs[k].id, err, sizeof err), NS_OK);
        const nsi_docstore *ds = &s->store;
        CHECK_EQ_INT(ds->format, 4);
        for (uint32_t j = 1; j <= ds->ndicts; j++) {
            const uint8_t *p;
            size_t len;
            nsi_docstore_dict_at(ds, j, &p, &len);
            if (find_blob(dicts, ndicts, p, len))
                continue;
            dicts = realloc(dicts, (ndicts + 1) * sizeof *dicts);
            dicts[ndicts].p = malloc(len);
            memcpy(dicts[ndicts].p, p, len);
            dicts[ndicts++].n = len;
        }
        for (uint32_t b = 0; b < ds->nblocks; b++) {
            nsi_docstore_block blk;
            nsi_docstore_block_at(ds, b, &blk);
            int live = 1;
            for (uint32_t d = blk.first; d < blk.first + blk.ndocs; d++)
                live &= !nsi_bit_get(cm.segs[k].deleted, d);
            nblocks++;
            if (!live)
                continue;
            whole = realloc(whole, (nwhole + 1) * sizeof *whole);
            whole[nwhole].p = malloc(blk.clen);
            memcpy(whole[nwhole].p, blk.data, blk.clen);
            whole[nwhole++].n = blk.clen;
        }
        nsi_seg_close(s);
    }
    fprintf(stderr, "  %u segments, %zu dictionaries, %zu of %zu blocks whole\n", cm.nsegs, ndicts,
            nwhole, nblocks);
    CHECK(ndicts >= 2);
    CHECK(nwhole > 0 && nwhole < nblocks);
    nsi_commit_free(&cm);

    CHECK_EQ_INT(ns_writer_optimize(w), NS_OK);
    ns_writer_close(w);
    CHECK_EQ_INT(nsi_commit_read(&cm, dir, err, sizeof err), NS_OK);
    CHECK_EQ_INT(cm.nsegs, 1);
    nsi_seg *s;
    CHECK_EQ_INT(nsi_seg_open(&s, dir, cm.segs[0].id, err, sizeof err), NS_OK);
    const nsi_docstore *ds = &s->store;
    CHECK_EQ_INT(ds->ndicts, ndicts);
    int all_dicts = 1, all_blocks = 1;
    for (uint32_t j = 1; j <= ds->ndicts; j++) {
        const uint8_t *p;
        size_t len;
        nsi_docstore_dict_at(ds, j, &p, &len);
        all_dicts &= find_blob(dicts, ndicts, p, len);
    }
    CHECK(all_dicts);
    for (size_t i = 0; i < nwhole; i++)
        all_blocks &= find_bytes(ds->base, ds->size, whole[i].p, whole[i].n) != NULL;
    CHECK(all_blocks);
    /* every surviving body, found by its id */
    CHECK_EQ_INT(s->ndocs, c.n - (c.n + 96) / 97);
    nsi_buf body = {0};
    int bodies_ok = 1;
    size_t j = 0;
    for (uint32_t d = 0; d < s->ndocs && bodies_ok; d++) {
        nsi_record rec;
        CHECK_EQ_INT(nsi_seg_fields(s, d, &rec, err, sizeof err), NS_OK);
        while (j < c.n && (c.d[j].id_len != rec.len[NSI_F_ID] ||
                           memcmp(c.d[j].id, rec.f[NSI_F_ID], c.d[j].id_len)))
            j++;
        bodies_ok = j < c.n && nsi_docstore_get(ds, d, &body, err, sizeof err) == NS_OK &&
                    body.len == c.d[j].body_len && memcmp(body.data, c.d[j].body, body.len) == 0;
    }
    CHECK(bodies_ok);
    nsi_buf_free(&body);
    nsi_seg_close(s);
    nsi_commit_free(&cm);
    CHECK_EQ_INT(ns_index_check(dir, 1, err, sizeof err), NS_OK);

    for (size_t i = 0; i < ndicts; i++)
        free(dicts[i].p);
    for (size_t i = 0; i < nwhole; i++)
        free(whole[i].p);
    free(dicts);
    free(whole);
    tc_free(&c);
    tc_rmdir(dir);
}

/* Segments too small to train a dictionary (many small commits) are
 * compressed again when merged, so the merged segment trains one. */
static void test_small_segments_train_on_merge(void)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/corpora/bbc_news/docs.jsonl", nst_shared_dir());
    tcorpus c;
    CHECK_EQ_INT(tc_load(&c, path, 400), 0);
    const char *dir = tc_tmpdir("merge-small");
    char err[NS_ERRBUF_SIZE];
    ns_writer *w;
    CHECK_EQ_INT(ns_writer_open(&w, dir, NULL, err, sizeof err), NS_OK);
    size_t small = 0, segs = 0;
    for (size_t i = 0; i < c.n; i++) {
        ns_doc d = {.id = c.d[i].id,
                    .id_len = c.d[i].id_len,
                    .title = c.d[i].title,
                    .title_len = c.d[i].title_len,
                    .body = c.d[i].body,
                    .body_len = c.d[i].body_len};
        CHECK_EQ_INT(ns_writer_put(w, &d, NULL), NS_OK);
        if (i % 20 == 19) { /* 20 documents a commit: about 45 KiB of text a segment */
            CHECK_EQ_INT(ns_writer_commit(w), NS_OK);
            nsi_commit cm;
            CHECK_EQ_INT(nsi_commit_read(&cm, dir, err, sizeof err), NS_OK);
            for (uint32_t k = 0; k < cm.nsegs; k++) {
                nsi_seg *s;
                CHECK_EQ_INT(nsi_seg_open(&s, dir, cm.segs[k].id, err, sizeof err), NS_OK);
                if (s->ndocs <= 20) { /* a commit's own segment */
                    segs++;
                    small += s->store.ndicts == 0;
                }
                nsi_seg_close(s);
            }
            nsi_commit_free(&cm);
        }
    }
    CHECK(segs > 0 && small == segs); /* each too small for a dictionary */
    CHECK_EQ_INT(ns_writer_optimize(w), NS_OK);
    ns_writer_close(w);
    nsi_commit cm;
    CHECK_EQ_INT(nsi_commit_read(&cm, dir, err, sizeof err), NS_OK);
    CHECK_EQ_INT(cm.nsegs, 1);
    nsi_seg *s;
    CHECK_EQ_INT(nsi_seg_open(&s, dir, cm.segs[0].id, err, sizeof err), NS_OK);
    CHECK_EQ_INT(s->ndocs, c.n);
    CHECK(s->store.ndicts >= 1);
    nsi_buf body = {0};
    int bodies_ok = 1;
    for (uint32_t d = 0; d < s->ndocs && bodies_ok; d++)
        bodies_ok = nsi_docstore_get(&s->store, d, &body, err, sizeof err) == NS_OK &&
                    body.len == c.d[d].body_len && memcmp(body.data, c.d[d].body, body.len) == 0;
    CHECK(bodies_ok);
    nsi_buf_free(&body);
    nsi_seg_close(s);
    nsi_commit_free(&cm);
    CHECK_EQ_INT(ns_index_check(dir, 1, err, sizeof err), NS_OK);
    tc_free(&c);
    tc_rmdir(dir);
}

NS_TEST_MAIN(NST(test_optimize_copies_stored_blocks), NST(test_small_segments_train_on_merge))
