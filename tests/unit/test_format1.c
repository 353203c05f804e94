/* test_format1 — segments written in the old formats 1 (STORED of zlib
 * blocks without a dictionary, 32 KiB blocks), 2 (zlib, 8 KiB blocks,
 * preset dictionary), 3 (2's STORED, with CHECKS) and 4 (zstd STORED, no
 * typed fields) still open, check, search and show their text, and a merge
 * with a new document that has typed fields rewrites them as the current
 * version (5: VALUES) with the same contents (less a deleted document): the
 * old documents without fields but with fingerprints, the new one with its
 * fields, and --check --full passes (it recomputes the fingerprints). The segments are the fuzz
 * seeds tests/fuzz/corpus/segment/v1-plain to v4-plain, made by the writers of those versions from
 * the invented documents of tests/fuzz/docs.h (a flag byte, then the file). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/buf.h"
#include "format/commit.h"
#include "format/segment.h"
#include "nsearch.h"
#include "nstest.h"

static char dir[4096];

static uint8_t *slurp(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    uint8_t *b = malloc(1 << 20);
    *n = fread(b, 1, 1 << 20, f);
    fclose(f);
    return b;
}

/* Ids of the hits for q, space-separated in rank order, into out. */
static void hits(ns_index *idx, const char *q, char *out, size_t outlen)
{
    ns_query *query;
    char err[NS_ERRBUF_SIZE];
    out[0] = 0;
    CHECK_EQ_INT(ns_query_parse(&query, idx, q, strlen(q), NULL, err, sizeof err, NULL), NS_OK);
    ns_results *r;
    CHECK_EQ_INT(ns_search(&r, idx, query, NULL), NS_OK);
    for (size_t i = 0; i < ns_results_count(r); i++) {
        ns_hit h;
        CHECK_EQ_INT(ns_results_hit(r, i, &h), NS_OK);
        size_t used = strlen(out);
        snprintf(out + used, outlen - used, "%s%.*s", i ? " " : "", (int)h.id_len, h.id);
    }
    ns_results_free(r);
    ns_query_free(query);
}

/* d3's body, through a search for a word only it has. */
static void body_of_d3(ns_index *idx, char **body)
{
    ns_query *query;
    char err[NS_ERRBUF_SIZE];
    CHECK_EQ_INT(ns_query_parse(&query, idx, "visitors", 8, NULL, err, sizeof err, NULL), NS_OK);
    ns_results *r;
    CHECK_EQ_INT(ns_search(&r, idx, query, NULL), NS_OK);
    CHECK_EQ_INT(ns_results_count(r), 1);
    CHECK_EQ_INT(ns_results_body(r, 0, body, NULL), NS_OK);
    ns_results_free(r);
    ns_query_free(query);
}

static void version_of(const char *path, uint32_t *version)
{
    size_t n;
    uint8_t *b = slurp(path, &n);
    CHECK(b && n > 12);
    *version = b ? nsi_get_u32le(b + 8) : 0;
    free(b);
}

static void reads_and_merges(const char *fixture, uint32_t format)
{
    /* an index of its own: the merge output of another case would be an
     * orphan here (docs/format.md, "Orphans and leftovers") */
    char d[4300];
    snprintf(d, sizeof d, "%s/%s", dir, fixture);
    CHECK_EQ_INT(mkdir(d, 0777), 0);
    const char *src = getenv("NS_SOURCE_DIR");
    CHECK(src != NULL);
    if (!src)
        return;
    char path[4200];
    snprintf(path, sizeof path, "%s/tests/fuzz/corpus/segment/%s", src, fixture);
    size_t n;
    uint8_t *seed = slurp(path, &n);
    CHECK(seed != NULL);
    if (!seed)
        return;
    CHECK_EQ_INT(nsi_get_u32le(seed + 1 + 8), format); /* it is a file of that version */
    char seg[4200];
    nsi_seg_filename(seg, sizeof seg, d, 1);
    FILE *f = fopen(seg, "wb");
    CHECK(f && fwrite(seed + 1, 1, n - 1, f) == n - 1);
    fclose(f);
    /* versions 1 and 2 have no uid; COMMIT ties them down by their table
     * CRC, version 3 also by its CHECKS uid */
    nsi_commit_seg cs = {1, 7, 0, NULL, 0, nsi_get_u32le(seed + n - 16)};
    free(seed);
    char err[NS_ERRBUF_SIZE];
    nsi_seg *old;
    CHECK_EQ_INT(nsi_seg_open(&old, d, 1, err, sizeof err), NS_OK);
    if (old) {
        CHECK_EQ_INT(old->version, format);
        CHECK(format < NSI_SEG_VERSION_CHECKS ? old->uid == 0 : old->uid != 0);
        cs.uid = old->uid;
        nsi_seg_close(old);
    }
    nsi_commit c = {1, 2, "english", 1, &cs, 0};
    CHECK_EQ_INT(nsi_commit_write(&c, d, err, sizeof err), NS_OK);

    int crc = ns_index_check(d, 1, err, sizeof err);
    if (crc)
        fprintf(stderr, "check: %s\n", err);
    CHECK_EQ_INT(crc, NS_OK);
    ns_index *idx;
    CHECK_EQ_INT(ns_index_open(&idx, d, err, sizeof err), NS_OK);
    char before[256], after[256];
    hits(idx, "harbour OR sever OR grain", before, sizeof before);
    CHECK(strstr(before, "d1") && strstr(before, "d2") && strstr(before, "d4") &&
          strstr(before, "d7"));
    char *body1 = NULL, *body2 = NULL;
    body_of_d3(idx, &body1);
    CHECK(body1 && strstr(body1, "21,000 visitors came in U.S. dollars"));
    ns_index_close(idx);

    /* the merge reads the old version and writes the current version */
    ns_writer *w;
    CHECK_EQ_INT(ns_writer_open(&w, d, NULL, err, sizeof err), NS_OK);
    CHECK_EQ_INT(ns_writer_delete(w, "d6", 2), NS_OK); /* "Short": none of the hits */
    ns_doc nd = {.id = "d8", .id_len = 2, .body = "a new document", .body_len = 14};
    ns_field nf = {"tag", 3, "new", 3, NS_FIELD_KEYWORD};
    CHECK_EQ_INT(ns_writer_put_fields(w, &nd, &nf, 1, NULL), NS_OK);
    CHECK_EQ_INT(ns_writer_commit(w), NS_OK);
    CHECK_EQ_INT(ns_writer_optimize(w), NS_OK);
    ns_writer_close(w);
    CHECK(access(seg, F_OK) != 0);           /* the old segment is gone */
    nsi_seg_filename(seg, sizeof seg, d, 3); /* 2: d8's, merged too */
    uint32_t version = 0;
    version_of(seg, &version);
    CHECK_EQ_INT(version, NSI_SEG_VERSION);
    CHECK_EQ_INT(ns_index_check(d, 1, err, sizeof err), NS_OK);
    CHECK_EQ_INT(ns_index_open(&idx, d, err, sizeof err), NS_OK);
    hits(idx, "harbour OR sever OR grain", after, sizeof after);
    CHECK_EQ_STR(after, before);
    CHECK_EQ_INT(ns_index_field_count(idx), 2); /* date, tag */
    nsi_seg *merged;
    CHECK_EQ_INT(nsi_seg_open(&merged, d, 3, err, sizeof err), NS_OK);
    if (merged) {
        int col = nsi_values_col(merged, "tag", 3);
        const uint8_t *ords;
        uint32_t no = 9, with = 0;
        uint64_t sim, exact;
        for (uint32_t k = 0; k < merged->ndocs; k++) {
            CHECK_EQ_INT(nsi_values_kw_doc(merged, col, k, &ords, &no, NULL, 0), NS_OK);
            with += no;
            CHECK_EQ_INT(nsi_values_hashes(merged, k, &sim, &exact, NULL, 0), NS_OK);
            /* the old documents' fingerprints are computed by the merge
             * (and --check --full below recomputes them) */
            CHECK(sim != 0 && exact != 0);
        }
        CHECK_EQ_INT(with, 1);
        CHECK_EQ_INT(merged->ndocs, 7); /* d1..d7 less d6, and d8 */
        nsi_seg_close(merged);
    }
    body_of_d3(idx, &body2);
    CHECK(body1 && body2 && strcmp(body1, body2) == 0);
    ns_index_close(idx);
    free(body1);
    free(body2);
}

static void test_reads_and_merges_format1(void) { reads_and_merges("v1-plain", 1); }

/* Format 2: zlib blocks with a preset dictionary section (this one is too
 * small to have one: test_docstore reads a format 2 section that has). */
static void test_reads_and_merges_format2(void) { reads_and_merges("v2-plain", 2); }

/* Format 3: version 2's zlib STORED with CHECKS (chunk CRCs, identity). */
static void test_reads_and_merges_format3(void) { reads_and_merges("v3-plain", 3); }

/* Format 4: zstd STORED with dictionaries, no VALUES (no typed fields). */
static void test_reads_and_merges_format4(void) { reads_and_merges("v4-plain", 4); }

static void setup(void)
{
    const char *tmp = getenv("NS_TMPDIR");
    snprintf(dir, sizeof dir, "%s/format1.XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (tmp && *tmp) {
        char mk[4200];
        snprintf(mk, sizeof mk, "mkdir -p '%s'", tmp);
        CHECK_EQ_INT(system(mk), 0);
    }
    CHECK(mkdtemp(dir) != NULL);
}

static void teardown(void)
{
    char rm[4200];
    snprintf(rm, sizeof rm, "rm -rf '%s'", dir);
    CHECK_EQ_INT(system(rm), 0);
}

NS_TEST_MAIN_FIXTURE(setup, teardown, NST(test_reads_and_merges_format1),
                     NST(test_reads_and_merges_format2), NST(test_reads_and_merges_format3),
                     NST(test_reads_and_merges_format4))
