/* test_xapian_lean.c — the Xapian backend's fast paths (docs/xapian.md):
 * a hit's stored fields come from value 2 and are the same as from the
 * record, for documents written with value 2, without it (the layout before
 * it, written here through nsx the way the backend wrote it) and for a mix
 * of both in one database; a count (k = 0) is exact and equals the number
 * of matches a full ranking and the native backend find; ties rank in
 * Xapian's docid order and every window (offset, k) is a slice of one
 * ranking, on one database or on shards; ns_writer_optimize compacts every shard in place, keeps
 * every document, and the writer and an open reader go on working. Documents are the first
 * Reuters-21578 stories (../shared/corpora). */
#ifndef NS_WITH_XAPIAN
#include <stdio.h>
int main(void)
{
    puts("SKIPPED: built without Xapian (NS_WITH_XAPIAN=OFF)");
    return 77; /* NST_SKIPPED: CTest shows it as skipped */
}
#else
#include <ctype.h>
#include <dirent.h>
#include <sys/stat.h>

#include "corpus.h"
#include "nsearch.h"
#include "nstest.h"

#include "analysis/analyzer.h"
#include "format/codec.h"
#include "format/record.h"
#include "xapian/nsx.h"
#include "xapian/xinternal.h"

#define NDOCS 600

static tcorpus C;
static char err[NS_ERRBUF_SIZE];

static const tdoc *by_id(const char *id, size_t len)
{
    for (size_t i = 0; i < C.n; i++)
        if (C.d[i].id_len == len && !memcmp(C.d[i].id, id, len))
            return &C.d[i];
    return NULL;
}

static ns_doc as_doc(const tdoc *t)
{
    ns_doc d = {0};
    d.id = t->id;
    d.id_len = t->id_len;
    d.title = t->title;
    d.title_len = t->title_len;
    d.body = t->body;
    d.body_len = t->body_len;
    return d;
}

/* Documents [from, to) of C through the public API. */
static void put_range(const char *dir, unsigned shards, size_t from, size_t to)
{
    ns_writer_options wo = NS_WRITER_OPTIONS_INIT;
    wo.backend = NS_BACKEND_XAPIAN;
    wo.shards = shards;
    ns_writer *w;
    CHECK_EQ_INT(ns_writer_open(&w, dir, &wo, err, sizeof err), NS_OK);
    for (size_t i = from; i < to; i++) {
        ns_doc d = as_doc(&C.d[i]);
        CHECK_EQ_INT(ns_writer_put(w, &d, NULL), NS_OK);
    }
    CHECK_EQ_INT(ns_writer_commit(w), NS_OK);
    ns_writer_close(w);
}

/* ---- the layout before value 2: terms, id term, values 0 and 1, data */

typedef struct old_ctx {
    nsx_doc *doc;
    int title;
} old_ctx;

static int old_token(void *vc, const nsi_token *t)
{
    old_ctx *c = vc;
    char term[NS_MAX_TERM_BYTES * 2 + 2];
    term[0] = NSX_TITLE_PREFIX;
    memcpy(term + 1, t->term, t->term_len);
    if (!c->title)
        return nsx_doc_add_posting(c->doc, t->term, t->term_len, NSX_BODY_BASE + t->pos + 1, 1);
    return nsx_doc_add_posting(c->doc, t->term, t->term_len, t->pos + 1, NSX_TITLE_WDF) ||
           nsx_doc_add_posting(c->doc, term, t->term_len + 1, t->pos + 1, 1);
}

static void write_old_layout(const char *dir, size_t from, size_t to)
{
    nsx_wdb *w;
    nsx_doc *doc;
    nsi_analyzer *an;
    nsi_buf rec = {0}, data = {0};
    rec.limit = data.limit = (size_t)1 << 30;
    CHECK_EQ_INT(nsx_wdb_open(&w, dir, 0, err, sizeof err), NS_OK);
    CHECK_EQ_INT(nsx_doc_new(&doc), NS_OK);
    CHECK_EQ_INT(nsi_analyzer_new(&an, "english"), NS_OK);
    CHECK_EQ_INT(nsx_wdb_set_metadata(w, NSX_META_FORMAT, "1", 1), NS_OK);
    CHECK_EQ_INT(nsx_wdb_set_metadata(w, NSX_META_LANGUAGE, "english", 7), NS_OK);
    CHECK_EQ_INT(nsx_wdb_set_metadata(w, NSX_META_SHARD, "0/1", 3), NS_OK);
    for (size_t i = from; i < to; i++) {
        ns_doc d = as_doc(&C.d[i]);
        old_ctx c = {doc, 1};
        CHECK_EQ_INT(nsx_doc_clear(doc), NS_OK);
        CHECK_EQ_INT(nsi_analyze(an, d.title, d.title_len, 0, 0, old_token, &c, NULL), NS_OK);
        c.title = 0;
        CHECK_EQ_INT(nsi_analyze(an, d.body, d.body_len, 0, 0, old_token, &c, NULL), NS_OK);
        nsi_buf_reset(&rec);
        CHECK_EQ_INT(nsi_record_encode(&d, &rec), NS_OK);
        uint8_t h[8];
        nsi_put_u64le(h, nsi_fnv1a64(rec.data, rec.len, NSI_FNV_SEED));
        char idterm[NSX_ID_TERM_MAX];
        size_t idlen = nsi_xap_id_term(d.id, d.id_len, idterm);
        CHECK_EQ_INT(nsx_doc_add_boolean(doc, idterm, idlen), NS_OK);
        CHECK_EQ_INT(nsx_doc_set_value(doc, NSX_SLOT_HASH, h, sizeof h), NS_OK);
        CHECK_EQ_INT(nsx_doc_set_value(doc, NSX_SLOT_ID, d.id, d.id_len), NS_OK);
        CHECK_EQ_INT(nsi_xap_pack(rec.data, rec.len, &data), NS_OK);
        CHECK_EQ_INT(nsx_doc_set_data(doc, data.data, data.len), NS_OK);
        CHECK_EQ_INT(nsx_wdb_replace(w, idterm, idlen, doc), NS_OK);
    }
    CHECK_EQ_INT(nsx_wdb_commit(w), NS_OK);
    nsx_wdb_close(w);
    nsx_doc_free(doc);
    nsi_analyzer_free(an);
    nsi_buf_free(&rec);
    nsi_buf_free(&data);
}

static int value_len(void *ctx, const char *s, size_t len)
{
    (void)s;
    *(size_t *)ctx = len;
    return 0;
}

/* Length of value 2 of the document with id C.d[i] in the database dir. */
static size_t fields_value_len(nsx_db *db, size_t i)
{
    char idterm[NSX_ID_TERM_MAX];
    size_t n = nsi_xap_id_term(C.d[i].id, C.d[i].id_len, idterm), len = 99999;
    nsx_query *q;
    nsx_mset *m;
    nsx_search_opts so = {1.2, 0, 1, 0.75, 0.5, 0, 1, 0, -1, 0, 0, 0, 0, 0, NULL, 0};
    CHECK_EQ_INT(nsx_query_term(&q, idterm, n), NS_OK);
    CHECK_EQ_INT(nsx_search(db, q, &so, &m), NS_OK);
    CHECK_EQ_INT(nsx_mset_size(m), 1);
    CHECK_EQ_INT(nsx_mset_value(db, m, 0, NSX_SLOT_FIELDS, 1, value_len, &len), NS_OK);
    nsx_mset_free(m);
    nsx_query_free(q);
    return len;
}

/* Up to three words of document j's title, query syntax left out. */
static void title_query(size_t j, char *out, size_t cap)
{
    const tdoc *t = &C.d[j];
    size_t n = 0, words = 0;
    int in = 0;
    for (size_t i = 0; i < t->title_len && n + 2 < cap && words < 3; i++) {
        unsigned char ch = (unsigned char)t->title[i];
        if (isalnum(ch)) {
            out[n++] = (char)tolower(ch);
            in = 1;
        } else if (in) {
            out[n++] = ' ';
            in = 0;
            words++;
        }
    }
    out[n] = 0;
}

typedef struct ranking {
    size_t n;
    char ids[64][64];
    double score[64];
} ranking;

/* Runs text on idx (top k) into rk, checking every hit's stored fields
 * against the corpus and its body through ns_results_body. */
static void run_checked(ns_index *idx, const char *text, size_t k, ranking *rk)
{
    ns_query *q;
    ns_query_options qo = NS_QUERY_OPTIONS_INIT;
    ns_search_options so = NS_SEARCH_OPTIONS_INIT;
    so.k = k;
    CHECK_EQ_INT(ns_query_parse(&q, idx, text, strlen(text), &qo, err, sizeof err, NULL), NS_OK);
    ns_results *r;
    CHECK_EQ_INT(ns_search(&r, idx, q, &so), NS_OK);
    rk->n = ns_results_count(r);
    for (size_t i = 0; i < rk->n && i < 64; i++) {
        ns_hit h;
        CHECK_EQ_INT(ns_results_hit(r, i, &h), NS_OK);
        const tdoc *t = by_id(h.id, h.id_len);
        CHECK(t != NULL);
        if (!t)
            continue;
        CHECK(h.title_len == t->title_len && !memcmp(h.title, t->title, t->title_len));
        CHECK_EQ_INT(h.url_len, 0);
        CHECK_EQ_INT(h.meta_len, 0);
        snprintf(rk->ids[i], sizeof rk->ids[i], "%.*s", (int)h.id_len, h.id);
        rk->score[i] = h.score;
        if (i < 2) {
            char *body;
            size_t blen;
            CHECK_EQ_INT(ns_results_body(r, i, &body, &blen), NS_OK);
            CHECK(blen == t->body_len && !memcmp(body, t->body, blen));
            ns_free(body);
        }
    }
    ns_results_free(r);
    ns_query_free(q);
}

static void test_fields_with_and_without_value(void)
{
    char *fresh = strdup(tc_tmpdir("lean-fresh")), *old = strdup(tc_tmpdir("lean-old")),
         *mixed = strdup(tc_tmpdir("lean-mixed"));
    put_range(fresh, 0, 0, NDOCS);
    write_old_layout(old, 0, NDOCS);
    write_old_layout(mixed, 0, NDOCS / 2);
    put_range(mixed, 0, NDOCS / 2, NDOCS); /* a writer adding to an old database */
    nsx_db *xf, *xo, *xm;
    CHECK_EQ_INT(nsx_db_open(&xf, fresh, err, sizeof err), NS_OK);
    CHECK_EQ_INT(nsx_db_open(&xo, old, err, sizeof err), NS_OK);
    CHECK_EQ_INT(nsx_db_open(&xm, mixed, err, sizeof err), NS_OK);
    for (size_t i = 0; i < NDOCS; i += 7) {
        CHECK(fields_value_len(xf, i) > C.d[i].id_len);
        CHECK_EQ_INT(fields_value_len(xo, i), 0);
        if (i < NDOCS / 2)
            CHECK_EQ_INT(fields_value_len(xm, i), 0);
        else
            CHECK(fields_value_len(xm, i) > C.d[i].id_len);
    }
    nsx_db_close(xf);
    nsx_db_close(xo);
    nsx_db_close(xm);

    ns_index *f, *o, *m;
    CHECK_EQ_INT(ns_index_open(&f, fresh, err, sizeof err), NS_OK);
    CHECK_EQ_INT(ns_index_open(&o, old, err, sizeof err), NS_OK);
    CHECK_EQ_INT(ns_index_open(&m, mixed, err, sizeof err), NS_OK);
    size_t queries = 0, found_self = 0;
    for (size_t j = 0; j < NDOCS; j += 29) {
        char text[256];
        title_query(j, text, sizeof text);
        if (!text[0])
            continue;
        ranking rf, ro, rm;
        run_checked(f, text, 50, &rf);
        run_checked(o, text, 50, &ro);
        run_checked(m, text, 50, &rm);
        queries++;
        /* the same terms, so the same ranking whatever the layout */
        CHECK_EQ_INT(rf.n, ro.n);
        CHECK_EQ_INT(rf.n, rm.n);
        for (size_t i = 0; i < rf.n && i < ro.n && i < rm.n && i < 64; i++) {
            CHECK_EQ_STR(rf.ids[i], ro.ids[i]);
            CHECK_EQ_STR(rf.ids[i], rm.ids[i]);
        }
        for (size_t i = 0; i < rf.n && i < 64; i++)
            if (strlen(rf.ids[i]) == C.d[j].id_len && !memcmp(rf.ids[i], C.d[j].id, C.d[j].id_len))
                found_self++;
    }
    CHECK(queries >= 15);
    CHECK(found_self >= queries * 3 / 4); /* most titles find their own story */
    /* ns_index_get_doc reads the record: the same fields */
    for (size_t i = 0; i < NDOCS; i += 101) {
        ns_results *r;
        ns_hit h;
        CHECK_EQ_INT(ns_index_get_doc(o, C.d[i].id, C.d[i].id_len, &r), NS_OK);
        CHECK_EQ_INT(ns_results_hit(r, 0, &h), NS_OK);
        CHECK(h.title_len == C.d[i].title_len && !memcmp(h.title, C.d[i].title, h.title_len));
        ns_results_free(r);
    }
    ns_index_close(f);
    ns_index_close(o);
    ns_index_close(m);
    tc_rmdir(fresh);
    tc_rmdir(old);
    tc_rmdir(mixed);
    free(fresh);
    free(old);
    free(mixed);
}

/* ------------------------------------------------------------ counts */

static uint64_t count_of(ns_index *idx, const char *text, int *exact)
{
    ns_query *q;
    ns_query_options qo = NS_QUERY_OPTIONS_INIT;
    ns_search_options so = NS_SEARCH_OPTIONS_INIT;
    so.k = 0; /* a count: not exhaustive, yet exact */
    CHECK_EQ_INT(ns_query_parse(&q, idx, text, strlen(text), &qo, err, sizeof err, NULL), NS_OK);
    ns_results *r;
    CHECK_EQ_INT(ns_search(&r, idx, q, &so), NS_OK);
    CHECK_EQ_INT(ns_results_count(r), 0);
    uint64_t n = ns_results_total(r, exact);
    ns_results_free(r);
    ns_query_free(q);
    return n;
}

/* Every match, by ranking them all. */
static size_t ranked_all(ns_index *idx, const char *text)
{
    ns_query *q;
    ns_query_options qo = NS_QUERY_OPTIONS_INIT;
    ns_search_options so = NS_SEARCH_OPTIONS_INIT;
    so.k = NDOCS + 1;
    so.exhaustive = 1;
    CHECK_EQ_INT(ns_query_parse(&q, idx, text, strlen(text), &qo, err, sizeof err, NULL), NS_OK);
    ns_results *r;
    CHECK_EQ_INT(ns_search(&r, idx, q, &so), NS_OK);
    size_t n = ns_results_count(r);
    ns_results_free(r);
    ns_query_free(q);
    return n;
}

static void test_count_is_exact(void)
{
    char *xd = strdup(tc_tmpdir("lean-count-x")), *nd = strdup(tc_tmpdir("lean-count-n"));
    put_range(xd, 0, 0, NDOCS);
    ns_writer_options wo = NS_WRITER_OPTIONS_INIT;
    ns_writer *w;
    CHECK_EQ_INT(ns_writer_open(&w, nd, &wo, err, sizeof err), NS_OK);
    for (size_t i = 0; i < NDOCS; i++) {
        ns_doc d = as_doc(&C.d[i]);
        CHECK_EQ_INT(ns_writer_put(w, &d, NULL), NS_OK);
    }
    CHECK_EQ_INT(ns_writer_commit(w), NS_OK);
    ns_writer_close(w);
    ns_index *x, *n;
    CHECK_EQ_INT(ns_index_open(&x, xd, err, sizeof err), NS_OK);
    CHECK_EQ_INT(ns_index_open(&n, nd, err, sizeof err), NS_OK);
    const char *queries[] = {"oil",         "oil OR gold",   "oil prices",
                             "oil -prices", "\"oil price\"", "bank OR trade OR oil",
                             "comp*",       "title:oil",     "said",
                             "zzzqqq"};
    size_t nonzero = 0;
    for (size_t i = 0; i < sizeof queries / sizeof *queries; i++) {
        int exact = 0, nexact = 0;
        uint64_t c = count_of(x, queries[i], &exact);
        CHECK_EQ_INT(exact, 1);
        CHECK_EQ_INT(c, ranked_all(x, queries[i]));
        CHECK_EQ_INT(c, count_of(n, queries[i], &nexact)); /* both backends match alike */
        nonzero += c > 0;
    }
    CHECK(nonzero >= 8);
    ns_index_close(x);
    ns_index_close(n);
    tc_rmdir(xd);
    tc_rmdir(nd);
    free(xd);
    free(nd);
}

/* ------------------------------------------------------------ ties */

/* Ids of the window (offset, k) of text, comma-separated, into out. */
static void window(ns_index *idx, const char *text, size_t offset, size_t k, char *out, size_t cap)
{
    ns_query *q;
    ns_query_options qo = NS_QUERY_OPTIONS_INIT;
    ns_search_options so = NS_SEARCH_OPTIONS_INIT;
    so.k = k;
    so.offset = offset;
    CHECK_EQ_INT(ns_query_parse(&q, idx, text, strlen(text), &qo, err, sizeof err, NULL), NS_OK);
    ns_results *r;
    CHECK_EQ_INT(ns_search(&r, idx, q, &so), NS_OK);
    size_t n = 0;
    out[0] = 0;
    for (size_t i = 0; i < ns_results_count(r); i++) {
        ns_hit h;
        CHECK_EQ_INT(ns_results_hit(r, i, &h), NS_OK);
        CHECK_EQ_INT(h.rank, offset + i + 1);
        n += (size_t)snprintf(out + n, cap - n, "%s%.*s", i ? "," : "", (int)h.id_len, h.id);
    }
    ns_results_free(r);
    ns_query_free(q);
}

/* Ties rank in Xapian's docid order: on one database, the order in which
 * the documents were first added; on shards, Xapian's interleaving of the
 * shards' docids. Either way every window is a slice of one ranking. */
static void test_ties_rank_by_docid(void)
{
    /* five documents alike (they tie), then two longer ones alike (they tie,
     * lower) */
    const char *same = C.d[0].body, *ids[] = {"t5", "t2", "t9", "t1", "t7", "s2", "s1"};
    char longer[8192];
    snprintf(longer, sizeof longer, "%.*s %.*s",
             (int)(C.d[0].body_len > 3000 ? 3000 : C.d[0].body_len), same,
             (int)(C.d[1].body_len > 3000 ? 3000 : C.d[1].body_len), C.d[1].body);
    unsigned shards[] = {0, 3};
    for (size_t s = 0; s < 2; s++) {
        char *dir = strdup(tc_tmpdir("lean-ties"));
        ns_writer_options wo = NS_WRITER_OPTIONS_INIT;
        wo.backend = NS_BACKEND_XAPIAN;
        wo.shards = shards[s];
        ns_writer *w;
        CHECK_EQ_INT(ns_writer_open(&w, dir, &wo, err, sizeof err), NS_OK);
        for (size_t i = 0; i < 7; i++) {
            ns_doc d = {0};
            d.id = ids[i];
            d.id_len = 2;
            d.title = "";
            d.body = i < 5 ? same : longer;
            d.body_len = strlen(d.body);
            CHECK_EQ_INT(ns_writer_put(w, &d, NULL), NS_OK);
        }
        CHECK_EQ_INT(ns_writer_commit(w), NS_OK);
        ns_writer_close(w);
        ns_index *idx;
        CHECK_EQ_INT(ns_index_open(&idx, dir, err, sizeof err), NS_OK);
        char text[256], all[256], got[256];
        title_query(0, text, sizeof text); /* words of story 0, in every document */
        window(idx, text, 0, 10, all, sizeof all);
        if (shards[s] == 0) {
            CHECK_EQ_STR(all, "t5,t2,t9,t1,t7,s2,s1"); /* the order of adding */
        } else {
            /* the same two groups, each in some order */
            CHECK_EQ_INT(strlen(all), strlen("t5,t2,t9,t1,t7,s2,s1"));
            for (size_t i = 0; i < 7; i++)
                CHECK(strstr(all, ids[i]) != NULL &&
                      (all[(i < 5 ? 0 : 15)] == (i < 5 ? 't' : 's')));
        }
        /* every window is the same slice of that ranking, the same each time */
        static const size_t win[][2] = {{0, 3}, {0, 5}, {4, 2}, {2, 2}, {6, 5}, {1, 6}};
        for (size_t i = 0; i < sizeof win / sizeof *win; i++) {
            window(idx, text, win[i][0], win[i][1], got, sizeof got);
            size_t from = win[i][0] * 3, len = win[i][1] * 3 - 1;
            if (from + len > strlen(all))
                len = strlen(all) - from;
            char want[64];
            snprintf(want, sizeof want, "%.*s", (int)len, all + from);
            CHECK_EQ_STR(got, want);
        }
        window(idx, text, 0, 10, got, sizeof got);
        CHECK_EQ_STR(got, all);
        ns_index_close(idx);
        tc_rmdir(dir);
        free(dir);
    }
}

/* ------------------------------------------------------------ compaction */

static uint64_t folder_bytes(const char *dir)
{
    uint64_t n = 0;
    DIR *d = opendir(dir);
    struct dirent *e;
    while (d && (e = readdir(d))) {
        char p[4400];
        struct stat st;
        if (e->d_name[0] == '.')
            continue;
        snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
        if (stat(p, &st) == 0)
            n += S_ISDIR(st.st_mode) ? folder_bytes(p) : (uint64_t)st.st_blocks * 512;
    }
    if (d)
        closedir(d);
    return n;
}

static int exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

static void test_optimize_compacts(void)
{
    unsigned shards[] = {0, 2};
    for (size_t s = 0; s < 2; s++) {
        char *dir = strdup(tc_tmpdir("lean-compact"));
        ns_writer_options wo = NS_WRITER_OPTIONS_INIT;
        wo.backend = NS_BACKEND_XAPIAN;
        wo.shards = shards[s];
        wo.commit_every = 25; /* many small revisions: room to compact */
        ns_writer *w;
        char slash[4300]; /* "DIR/": the copy still goes beside DIR */
        snprintf(slash, sizeof slash, "%s/", dir);
        CHECK_EQ_INT(ns_writer_open(&w, s == 0 ? slash : dir, &wo, err, sizeof err), NS_OK);
        for (size_t i = 0; i < NDOCS; i++) {
            ns_doc d = as_doc(&C.d[i]);
            CHECK_EQ_INT(ns_writer_put(w, &d, NULL), NS_OK);
        }
        for (size_t i = 0; i < NDOCS; i += 10) /* deleted: must stay deleted */
            CHECK_EQ_INT(ns_writer_delete(w, C.d[i].id, C.d[i].id_len), NS_OK);
        CHECK_EQ_INT(ns_writer_commit(w), NS_OK);
        ns_index *before;
        CHECK_EQ_INT(ns_index_open(&before, dir, err, sizeof err), NS_OK);
        char text[256];
        title_query(3, text, sizeof text);
        ranking r0, r1, r2;
        run_checked(before, text, 20, &r0);
        uint64_t size0 = folder_bytes(dir);

        CHECK_EQ_INT(ns_writer_optimize(w), NS_OK);
        uint64_t size1 = folder_bytes(dir);
        CHECK(size1 < size0);
        char left[4500];
        snprintf(left, sizeof left, "%s.nsearch-compact", dir);
        CHECK(!exists(left));
        snprintf(left, sizeof left, "%s/shard-0.nsearch-compact", dir);
        CHECK(!exists(left));
        /* a new reader: every document kept, the deleted ones gone */
        ns_index *after;
        CHECK_EQ_INT(ns_index_open(&after, dir, err, sizeof err), NS_OK);
        ns_stats st;
        CHECK_EQ_INT(ns_index_stats(after, &st), NS_OK);
        CHECK_EQ_INT(st.documents, NDOCS - NDOCS / 10);
        for (size_t i = 0; i < NDOCS; i++) {
            ns_results *r;
            int rc = ns_index_get_doc(after, C.d[i].id, C.d[i].id_len, &r);
            CHECK_EQ_INT(rc, i % 10 ? NS_OK : NS_ENOTFOUND);
            if (rc)
                continue;
            ns_hit h;
            CHECK_EQ_INT(ns_results_hit(r, 0, &h), NS_OK);
            CHECK(h.title_len == C.d[i].title_len && !memcmp(h.title, C.d[i].title, h.title_len));
            ns_results_free(r);
        }
        run_checked(after, text, 20, &r1);
        CHECK_EQ_INT(r1.n, r0.n);
        for (size_t i = 0; i < r0.n && i < r1.n; i++)
            CHECK_EQ_STR(r0.ids[i], r1.ids[i]);
        /* the writer goes on, in the compacted database */
        ns_doc d = as_doc(&C.d[0]);
        int outcome = -1;
        CHECK_EQ_INT(ns_writer_put(w, &d, &outcome), NS_OK);
        CHECK_EQ_INT(outcome, NS_PUT_ADDED);
        CHECK_EQ_INT(ns_writer_commit(w), NS_OK);
        /* the reader opened before the compaction refreshes onto it */
        CHECK_EQ_INT(ns_index_refresh(before, NULL), NS_OK);
        CHECK_EQ_INT(ns_index_stats(before, &st), NS_OK);
        CHECK_EQ_INT(st.documents, NDOCS - NDOCS / 10 + 1);
        run_checked(before, text, 20, &r2);
        CHECK(r2.n >= r0.n);
        ns_writer_close(w);
        ns_index_close(before);
        ns_index_close(after);
        tc_rmdir(dir);
        free(dir);
    }
}

static void setup(void)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/corpora/reuters21578/docs.jsonl.gz", nst_shared_dir());
    if (tc_load(&C, path, NDOCS) != 0 || C.n < NDOCS) {
        fprintf(stderr, "cannot read %s\n", path);
        exit(1);
    }
}

static void teardown(void) { tc_free(&C); }

NS_TEST_MAIN_FIXTURE(setup, teardown, NST(test_fields_with_and_without_value),
                     NST(test_count_is_exact), NST(test_ties_rank_by_docid),
                     NST(test_optimize_compacts))
#endif
