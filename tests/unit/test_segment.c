/* test_segment.c — segment files: dictionary lookups and prefix walks at
 * block boundaries, postings and positions round trips across the
 * 128-document blocks, block skipping, BM25F against hand-computed values,
 * and damage detection in the sections checked at open. */
#include <fcntl.h>
#include <math.h>
#include <unistd.h>

#include "corpus.h"
#include "format/record.h"
#include "format/segment.h"
#include "nsearch.h"
#include "nstest.h"

#define NDOCS 1000

/* term t occurs in doc d when (d % (t + 1)) == 0, tf = t % 3 + 1 in the body,
 * plus once in the title when d % 7 == 0; positions are 2k + (t % 2). */
static int occurs(int t, uint32_t d) { return d % (uint32_t)(t + 1) == 0; }

static void term_name(int t, char *buf) { snprintf(buf, 32, "t%04d", t); }

static const char *write_segment(int nterms)
{
    const char *dir = tc_tmpdir("seg");
    nsi_segw *w;
    CHECK_EQ_INT(nsi_segw_new(&w), NS_OK);
    nsi_buf rec = {0};
    for (uint32_t d = 0; d < NDOCS; d++) {
        char id[32];
        int n = snprintf(id, sizeof id, "doc%u", d);
        ns_doc doc = {.id = id,
                      .id_len = (size_t)n,
                      .title = "t",
                      .title_len = 1,
                      .body = id,
                      .body_len = (size_t)n};
        CHECK_EQ_INT(nsi_record_encode(&doc, &rec), NS_OK);
        CHECK_EQ_INT(
            nsi_segw_doc(w, d % 7 == 0 ? 1 : 0, 10 + d % 5, id, (size_t)n, d, rec.data, rec.len),
            NS_OK);
    }
    nsi_buf_free(&rec);
    for (int t = 0; t < nterms; t++) {
        char name[32];
        term_name(t, name);
        CHECK_EQ_INT(nsi_segw_term(w, name, strlen(name)), NS_OK);
        for (uint32_t d = 0; d < NDOCS; d++) {
            if (!occurs(t, d))
                continue;
            uint32_t tb = (uint32_t)(t % 3 + 1), tt = d % 7 == 0;
            uint32_t pt[1] = {0}, pb[3];
            for (uint32_t k = 0; k < tb; k++)
                pb[k] = 2 * k + (uint32_t)(t % 2);
            CHECK_EQ_INT(nsi_segw_posting(w, d, tt, tb, pt, pb), NS_OK);
        }
    }
    char err[256];
    CHECK_EQ_INT(nsi_segw_finish(w, dir, 7, err, sizeof err), NS_OK);
    nsi_segw_free(w);
    return dir;
}

static void test_dictionary(void)
{
    int nterms = 16 * 5 + 3; /* not a whole number of dictionary blocks */
    const char *dir = write_segment(nterms);
    nsi_seg *s;
    char err[256];
    CHECK_EQ_INT(nsi_seg_open(&s, dir, 7, err, sizeof err), NS_OK);
    CHECK_EQ_INT(s->nterms, nterms);
    CHECK_EQ_INT(nsi_seg_verify(s, err, sizeof err), NS_OK);
    nsi_record r;
    CHECK_EQ_INT(nsi_seg_fields(s, 421, &r, err, sizeof err), NS_OK);
    CHECK(r.len[NSI_F_ID] == 6 && !memcmp(r.f[NSI_F_ID], "doc421", 6));
    CHECK(r.len[NSI_F_TITLE] == 1 && r.len[NSI_F_BODY] == 0);
    nsi_buf body = {0};
    CHECK_EQ_INT(nsi_docstore_get(&s->store, 421, &body, err, sizeof err), NS_OK);
    CHECK(body.len == 6 && !memcmp(body.data, "doc421", 6));
    nsi_buf_free(&body);
    for (int t = 0; t < nterms; t++) {
        char name[32];
        term_name(t, name);
        nsi_terminfo ti;
        CHECK_EQ_INT(nsi_seg_lookup(s, name, strlen(name), &ti, err, sizeof err), NS_OK);
        uint32_t df = 0;
        for (uint32_t d = 0; d < NDOCS; d++)
            df += (uint32_t)occurs(t, d);
        CHECK_EQ_INT(ti.df, df);
    }
    nsi_terminfo ti;
    CHECK_EQ_INT(nsi_seg_lookup(s, "t", 1, &ti, err, sizeof err), NS_ENOTFOUND);
    CHECK_EQ_INT(nsi_seg_lookup(s, "t00000", 6, &ti, err, sizeof err), NS_ENOTFOUND);
    CHECK_EQ_INT(nsi_seg_lookup(s, "zzz", 3, &ti, err, sizeof err), NS_ENOTFOUND);
    CHECK_EQ_INT(nsi_seg_lookup(s, "a", 1, &ti, err, sizeof err), NS_ENOTFOUND);
    /* prefix walk: t003* = t0030..t0039 */
    nsi_dictit it;
    int n = 0;
    int rc = nsi_dictit_seek(&it, s, "t003", 4, err, sizeof err);
    while (rc == NS_OK && it.term_len >= 4 && !memcmp(it.term, "t003", 4)) {
        char want[32];
        term_name(30 + n, want);
        CHECK(it.term_len == strlen(want) && !memcmp(it.term, want, it.term_len));
        n++;
        rc = nsi_dictit_next(&it, err, sizeof err);
    }
    CHECK_EQ_INT(n, 10);
    /* the last term, then the end */
    CHECK_EQ_INT(nsi_dictit_seek(&it, s, "t0082", 5, err, sizeof err), NS_OK);
    CHECK_EQ_INT(nsi_dictit_next(&it, err, sizeof err), 1);
    nsi_seg_close(s);
    tc_rmdir(dir);
}

static void test_postings_and_skips(void)
{
    int nterms = 3; /* t0 in every doc (7 full blocks + tail), t1 every 2nd, t2 every 3rd */
    const char *dir = write_segment(nterms);
    nsi_seg *s;
    char err[256];
    CHECK_EQ_INT(nsi_seg_open(&s, dir, 7, err, sizeof err), NS_OK);
    for (int t = 0; t < nterms; t++) {
        char name[32];
        term_name(t, name);
        nsi_terminfo ti;
        CHECK_EQ_INT(nsi_seg_lookup(s, name, strlen(name), &ti, err, sizeof err), NS_OK);
        nsi_pcur c;
        CHECK_EQ_INT(nsi_pcur_init(&c, s, &ti), NS_OK);
        uint32_t expect = 0, seen = 0;
        while (c.doc != NSI_DOC_END) {
            while (!occurs(t, expect))
                expect++;
            CHECK_EQ_INT(c.doc, expect);
            CHECK_EQ_INT(nsi_pcur_tf_body(&c), t % 3 + 1);
            CHECK_EQ_INT(nsi_pcur_tf_title(&c), c.doc % 7 == 0);
            uint32_t pt[2], pb[4];
            CHECK_EQ_INT(nsi_pcur_positions(&c, pt, pb), NS_OK);
            for (uint32_t k = 0; k < nsi_pcur_tf_body(&c); k++)
                CHECK_EQ_INT(pb[k], 2 * k + (uint32_t)(t % 2));
            seen++;
            expect++;
            CHECK_EQ_INT(nsi_pcur_next(&c), NS_OK);
        }
        CHECK_EQ_INT(seen, ti.df);
        /* seeks across blocks land on the first doc >= target */
        CHECK_EQ_INT(nsi_pcur_init(&c, s, &ti), NS_OK);
        uint32_t targets[] = {5, 127, 128, 129, 300, 511, 512, 777, 998, 999};
        for (size_t k = 0; k < sizeof targets / sizeof *targets; k++) {
            CHECK_EQ_INT(nsi_pcur_seek(&c, targets[k]), NS_OK);
            uint32_t want = targets[k];
            while (want < NDOCS && !occurs(t, want))
                want++;
            CHECK_EQ_INT(c.doc, want < NDOCS ? want : NSI_DOC_END);
            if (c.doc != NSI_DOC_END) {
                uint32_t pt[2], pb[4];
                CHECK_EQ_INT(nsi_pcur_positions(&c, pt, pb), NS_OK);
                CHECK_EQ_INT(pb[0], (uint32_t)(t % 2));
            }
        }
        CHECK_EQ_INT(nsi_pcur_seek(&c, NDOCS + 5), NS_OK);
        CHECK_EQ_INT(c.doc, NSI_DOC_END);
    }
    nsi_seg_close(s);
    tc_rmdir(dir);
}

static void test_damage_detected(void)
{
    const char *dir = write_segment(40);
    char path[4200];
    nsi_seg_filename(path, sizeof path, dir, 7);
    size_t len;
    FILE *f = fopen(path, "rb");
    fseek(f, 0, SEEK_END);
    len = (size_t)ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *orig = malloc(len);
    CHECK(fread(orig, 1, len, f) == len);
    fclose(f);
    int detected_open = 0, detected_verify = 0, tried = 0;
    for (size_t off = 0; off < len; off += len / 97 + 1) {
        uint8_t *copy = malloc(len);
        memcpy(copy, orig, len);
        copy[off] ^= 0x5a;
        f = fopen(path, "wb");
        fwrite(copy, 1, len, f);
        fclose(f);
        free(copy);
        tried++;
        nsi_seg *s;
        char err[256];
        int rc = nsi_seg_open(&s, dir, 7, err, sizeof err);
        if (rc) {
            CHECK(rc == NS_ECORRUPT || rc == NS_EVERSION);
            CHECK(strstr(err, path) != NULL);
            detected_open++;
            detected_verify++;
            continue;
        }
        if (nsi_seg_verify(s, err, sizeof err) == NS_ECORRUPT)
            detected_verify++;
        nsi_seg_close(s);
    }
    /* every flipped byte is caught by the full verification */
    CHECK_EQ_INT(detected_verify, tried);
    CHECK(detected_open > 0);
    /* truncation is caught at open */
    for (size_t cut = 0; cut < len; cut += len / 31 + 1) {
        f = fopen(path, "wb");
        fwrite(orig, 1, cut, f);
        fclose(f);
        nsi_seg *s;
        char err[256];
        CHECK_EQ_INT(nsi_seg_open(&s, dir, 7, err, sizeof err), NS_ECORRUPT);
    }
    free(orig);
    tc_rmdir(dir);
}

static double score_of(const char *dir, const char *query, const char *id)
{
    ns_index *idx;
    char err[NS_ERRBUF_SIZE];
    double score = -1;
    if (ns_index_open(&idx, dir, err, sizeof err))
        return score;
    ns_query *q;
    ns_query_parse(&q, idx, query, strlen(query), NULL, err, sizeof err, NULL);
    ns_results *r;
    if (q && ns_search(&r, idx, q, NULL) == NS_OK) {
        for (size_t i = 0; i < ns_results_count(r); i++) {
            ns_hit h;
            ns_results_hit(r, i, &h);
            if (h.id_len == strlen(id) && !memcmp(h.id, id, h.id_len))
                score = h.score;
        }
        ns_results_free(r);
    }
    ns_query_free(q);
    ns_index_close(idx);
    return score;
}

/* BM25F with k1 = 1.2, b = 0.75, title weight 2, values computed by hand:
 *   N = 3, avg title length 1/3, avg body length 2, idf = ln(1 + 1.5/2.5). */
static void test_bm25f_hand_computed(void)
{
    const char *dir = tc_tmpdir("bm25");
    char err[NS_ERRBUF_SIZE];
    ns_writer *w;
    CHECK_EQ_INT(ns_writer_open(&w, dir, NULL, err, sizeof err), NS_OK);
    ns_doc docs[] = {
        {.id = "d0", .id_len = 2, .body = "apple banana apple", .body_len = 18},
        {.id = "d1", .id_len = 2, .body = "banana cherry", .body_len = 13},
        {.id = "d2",
         .id_len = 2,
         .title = "apple",
         .title_len = 5,
         .body = "cherry",
         .body_len = 6},
    };
    for (int i = 0; i < 3; i++)
        CHECK_EQ_INT(ns_writer_put(w, &docs[i], NULL), NS_OK);
    CHECK_EQ_INT(ns_writer_commit(w), NS_OK);
    ns_writer_close(w);
    CHECK(fabs(score_of(dir, "apple", "d0") - 0.5665797174469143) < 1e-12);
    CHECK(fabs(score_of(dir, "apple", "d2") - 0.41360319373624743) < 1e-12);
    CHECK(fabs(score_of(dir, "banana", "d0") - 0.39019169220400696) < 1e-12);
    CHECK(fabs(score_of(dir, "banana", "d1") - 0.47000362924573563) < 1e-12);
    CHECK(fabs(score_of(dir, "apple OR banana", "d0") -
               (0.5665797174469143 + 0.39019169220400696)) < 1e-12);
    CHECK(score_of(dir, "apple", "d1") < 0);
    tc_rmdir(dir);
}

NS_TEST_MAIN(NST(test_dictionary), NST(test_postings_and_skips), NST(test_damage_detected),
             NST(test_bm25f_hand_computed))
