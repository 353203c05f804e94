/* test_fields.c — typed fields' storage (docs/fields.md; docs/format.md,
 * "VALUES" and "Field terms"):
 *  - a document with keyword (several values, accents and case), text, date
 *    and number fields and a built-in date: committed, reopened, every column
 *    reads back what was put, in order, with its folded key; keyword and text
 *    values are terms of the dictionary; the schema is the index's;
 *  - the outcome of a put: the same fields are NS_PUT_UNCHANGED, one changed
 *    value (or one dropped) NS_PUT_UPDATED; a document without fields keeps
 *    its version-4 hash;
 *  - bad values and names fail the whole put with NS_EINVAL and a message
 *    naming the field and the value, and add nothing; declarations conflict
 *    with an index's types; the schema persists across writers;
 *  - Reuters (topics, places: lists; date: Reuters' own form) in several
 *    segments with deletions, merged by optimize: every live document's
 *    columns are exactly its JSON values (compared with the JSON, parsed here)
 *    and deleted ones are gone; check --full passes; exact copies share the
 *    exact hash;
 *  - fingerprints on BBC bodies: a new headline or layout is the same
 *    document, a trailing credit line a near copy (within the distance), other
 *    stories are not; empty bodies are told apart by their titles;
 *  - a flipped byte in a VALUES column is found by --check and by the read
 *    that touches it, never read as a value;
 *  - segments that disagree on a field's type: the index is refused
 *    (NS_ECORRUPT naming the field and the file) by readers, writers and the
 *    check;
 *  - a Xapian writer: the same outcomes, refusals, messages and schema as
 *    the native one (the put and bad-value tests run on both). */
#include <fcntl.h>
#include <json-c/json.h>
#include <stdint.h>
#include <unistd.h>

#include "corpus.h"
#include "nsearch.h"
#include "nstest.h"

#include "analysis/analyzer.h"
#include "analysis/fingerprint.h"
#include "common/date.h"
#include "common/internal.h"
#include "format/commit.h"
#include "format/segment.h"
#include "format/values.h"

#define F(n, v, t)                                                                                 \
    {                                                                                              \
        n, sizeof n - 1, v, sizeof v - 1, t                                                        \
    }

static ns_doc mkdoc(const char *id, const char *title, const char *body, const char *date)
{
    ns_doc d = {0};
    d.id = id;
    d.id_len = strlen(id);
    d.title = title;
    d.title_len = strlen(title);
    d.body = body;
    d.body_len = strlen(body);
    if (date) {
        d.date = date;
        d.date_len = strlen(date);
    }
    return d;
}

/* The segments of the index at dir, opened (the caller closes them). */
static size_t open_segs(const char *dir, nsi_seg **segs, size_t max, nsi_commit *c)
{
    char err[NSI_ERRMSG];
    if (nsi_commit_read(c, dir, err, sizeof err) != NS_OK)
        return 0;
    size_t n = 0;
    for (uint32_t i = 0; i < c->nsegs && n < max; i++)
        if (nsi_seg_open(&segs[n], dir, c->segs[i].id, err, sizeof err) == NS_OK)
            n++;
    return n;
}

/* Value j of doc in column name of s, as a C string in buf ("" when absent). */
static const char *kw(const nsi_seg *s, const char *name, uint32_t doc, uint32_t j, char *buf,
                      size_t n)
{
    int col = nsi_values_col(s, name, strlen(name));
    const uint8_t *ords;
    uint32_t no;
    const char *v;
    size_t len;
    buf[0] = 0;
    if (col < 0 || nsi_values_kw_doc(s, col, doc, &ords, &no, NULL, 0) || j >= no ||
        nsi_values_kw_value(s, col, nsi_values_ord(ords, j), &v, &len, NULL, NULL, NULL, 0))
        return buf;
    snprintf(buf, n, "%.*s", (int)len, v);
    return buf;
}

static uint32_t kw_n(const nsi_seg *s, const char *name, uint32_t doc)
{
    int col = nsi_values_col(s, name, strlen(name));
    const uint8_t *ords;
    uint32_t no = 0;
    if (col < 0 || nsi_values_kw_doc(s, col, doc, &ords, &no, NULL, 0))
        return UINT32_MAX;
    return no;
}

static uint32_t df_of(const nsi_seg *s, const char *term, size_t len)
{
    nsi_terminfo ti;
    return nsi_seg_lookup(s, term, len, &ti, NULL, 0) == NS_OK ? ti.df : 0;
}

static void test_types_roundtrip(void)
{
    const char *dir = tc_tmpdir("fields-types");
    char err[NS_ERRBUF_SIZE];
    ns_writer *w;
    CHECK_EQ_INT(ns_writer_open(&w, dir, NULL, err, sizeof err), NS_OK);
    ns_field f0[] = {F("topics", "Côte d'Ivoire", NS_FIELD_AUTO),
                     F("topics", "cocoa", NS_FIELD_AUTO),
                     F("price", "-12.5e1", NS_FIELD_NUMBER),
                     F("filed", "1987-03-02T14:31:00Z", NS_FIELD_DATE),
                     F("summary", "Cocoa prices rose sharply", NS_FIELD_TEXT),
                     F("summary", "growers worried", NS_FIELD_TEXT)};
    ns_doc d0 = mkdoc("a", "Cocoa", "Showers in the Bahia cocoa zone.", "26-FEB-1987 15:01:01.79");
    int out = 0;
    CHECK_EQ_INT(ns_writer_put_fields(w, &d0, f0, 6, &out), NS_OK);
    CHECK_EQ_INT(out, NS_PUT_ADDED);
    /* the known fields keep their types whatever is asked */
    ns_field f1[] = {F("topics", "COTE D'IVOIRE", NS_FIELD_TEXT), F("price", "7", NS_FIELD_AUTO)};
    ns_doc d1 = mkdoc("b", "Other", "Showers in the Bahia cocoa zone.", "not a date");
    CHECK_EQ_INT(ns_writer_put_fields(w, &d1, f1, 2, &out), NS_OK);
    ns_doc d2 = mkdoc("c", "Plain", "no fields at all", NULL);
    CHECK_EQ_INT(ns_writer_put(w, &d2, &out), NS_OK);
    /* a long value (its term keeps a prefix and a hash) and invalid UTF-8
     * (folded as U+FFFD), in a field of a document of its own */
    char longv[300];
    for (int i = 0; i < 299; i++)
        longv[i] = (char)('A' + i % 26);
    longv[299] = 0;
    ns_field f3[] = {{"notes", 5, longv, 299, NS_FIELD_KEYWORD}, F("notes", "Caf\xc3 X", 0)};
    ns_doc d3 = mkdoc("d", "Long", "other words", NULL);
    CHECK_EQ_INT(ns_writer_put_fields(w, &d3, f3, 2, &out), NS_OK);
    CHECK_EQ_INT(ns_writer_field_type(w, "topics", 6), NS_FIELD_KEYWORD);
    CHECK_EQ_INT(ns_writer_field_type(w, "summary", 7), NS_FIELD_TEXT);
    CHECK_EQ_INT(ns_writer_field_type(w, "date", 4), NS_FIELD_DATE);
    CHECK_EQ_INT(ns_writer_field_type(w, "nope", 4), 0);
    CHECK_EQ_INT(ns_writer_commit(w), NS_OK);
    ns_writer_close(w);

    nsi_commit c;
    nsi_seg *s[4];
    size_t ns = open_segs(dir, s, 4, &c);
    CHECK_EQ_INT(ns, 1);
    if (ns != 1)
        return;
    const nsi_seg *g = s[0];
    CHECK_EQ_INT(g->version, NSI_SEG_VERSION);
    CHECK_EQ_INT(nsi_values_nfields(g), 6); /* date filed notes price summary topics */
    {
        nsi_buf t = {0};
        CHECK_EQ_INT(nsi_field_term(&t, NSI_TERM_KEYWORD, "notes", 5, longv, 299), NS_OK);
        CHECK_EQ_INT(t.len, 1 + 5 + 1 + NSI_FIELD_TERM_VALUE_MAX);
        CHECK_EQ_INT(t.data[7 + NSI_FIELD_TERM_VALUE_MAX - 17], 0xFF);
        CHECK_EQ_INT(df_of(g, (const char *)t.data, t.len), 1);
        nsi_buf_reset(&t);
        CHECK_EQ_INT(nsi_field_term(&t, NSI_TERM_KEYWORD, "notes", 5, "caf\xef\xbf\xbd  x ", 9),
                     NS_OK);
        CHECK_EQ_INT(df_of(g, (const char *)t.data, t.len), 1); /* U+FFFD, one space */
        nsi_buf_free(&t);
    }
    char buf[256];
    CHECK_EQ_INT(kw_n(g, "topics", 0), 2);
    CHECK_EQ_STR(kw(g, "topics", 0, 0, buf, sizeof buf), "Côte d'Ivoire");
    CHECK_EQ_STR(kw(g, "topics", 0, 1, buf, sizeof buf), "cocoa");
    CHECK_EQ_STR(kw(g, "topics", 1, 0, buf, sizeof buf), "COTE D'IVOIRE");
    CHECK_EQ_INT(kw_n(g, "topics", 2), 0);
    CHECK_EQ_INT(kw_n(g, "summary", 0), 2);
    CHECK_EQ_STR(kw(g, "summary", 0, 1, buf, sizeof buf), "growers worried");
    /* three distinct values, two with one folded key: sorted by key, bytes */
    int tc = nsi_values_col(g, "topics", 6);
    CHECK_EQ_INT(nsi_values_type(g, tc), NS_FIELD_KEYWORD);
    CHECK_EQ_INT(nsi_values_kw_count(g, tc), 3);
    const char *v, *fk;
    size_t vl, fl;
    CHECK_EQ_INT(nsi_values_kw_value(g, tc, 0, &v, &vl, &fk, &fl, NULL, 0), NS_OK);
    CHECK(fl == 5 && !memcmp(fk, "cocoa", 5));
    CHECK_EQ_INT(nsi_values_kw_value(g, tc, 1, &v, &vl, &fk, &fl, NULL, 0), NS_OK);
    CHECK(vl == 13 && !memcmp(v, "COTE D'IVOIRE", 13) && fl == 13 &&
          !memcmp(fk, "cote d'ivoire", 13));
    CHECK_EQ_INT(nsi_values_kw_value(g, tc, 2, &v, &vl, &fk, &fl, NULL, 0), NS_OK);
    CHECK(fl == 13 && !memcmp(fk, "cote d'ivoire", 13));
    CHECK_EQ_INT(nsi_values_kw_value(g, tc, 3, &v, &vl, NULL, NULL, NULL, 0), NS_EINVAL);
    /* numbers and dates */
    int pc = nsi_values_col(g, "price", 5), dc = nsi_values_col(g, "filed", 5),
        bc = nsi_values_col(g, "date", 4);
    double num = 0;
    int64_t date = 0;
    CHECK_EQ_INT(nsi_values_num(g, pc, 0, NULL, &num, NULL, 0), 1);
    CHECK(num == -125.0);
    CHECK_EQ_INT(nsi_values_num(g, pc, 1, NULL, &num, NULL, 0), 1);
    CHECK(num == 7.0);
    CHECK_EQ_INT(nsi_values_num(g, pc, 2, NULL, &num, NULL, 0), 0);
    CHECK_EQ_INT(nsi_values_num(g, dc, 0, &date, NULL, NULL, 0), 1);
    CHECK_EQ_INT(date, 541693860); /* 1987-03-02T14:31:00Z */
    CHECK_EQ_INT(nsi_values_num(g, bc, 0, &date, NULL, NULL, 0), 1);
    CHECK_EQ_INT(date, 541350061);                                   /* 1987-02-26T15:01:01Z */
    CHECK_EQ_INT(nsi_values_num(g, bc, 1, &date, NULL, NULL, 0), 0); /* "not a date" */
    CHECK_EQ_INT(nsi_values_num(g, bc, 5, &date, NULL, NULL, 0), NS_EINVAL);
    /* the same body: one exact hash, one SimHash; another body differs */
    uint64_t s0, e0, s1, e1, s2, e2;
    CHECK_EQ_INT(nsi_values_hashes(g, 0, &s0, &e0, NULL, 0), NS_OK);
    CHECK_EQ_INT(nsi_values_hashes(g, 1, &s1, &e1, NULL, 0), NS_OK);
    CHECK_EQ_INT(nsi_values_hashes(g, 2, &s2, &e2, NULL, 0), NS_OK);
    CHECK(e0 == e1 && e0 != e2 && s0 != s2);
    /* field terms: keyword by folded value, text by analysed word */
    CHECK_EQ_INT(df_of(g, "\001topics\000cote d'ivoire", 21), 2);
    CHECK_EQ_INT(df_of(g, "\001topics\000cocoa", 13), 1);
    CHECK_EQ_INT(df_of(g, "\002summary\000price", 14), 1);
    CHECK_EQ_INT(df_of(g, "\002summary\000grower", 15), 1);
    CHECK_EQ_INT(df_of(g, "cocoa", 5), 2); /* the words are the title's and body's */
    for (size_t i = 0; i < ns; i++)
        nsi_seg_close(s[i]);
    nsi_commit_free(&c);

    ns_index *idx;
    CHECK_EQ_INT(ns_index_open(&idx, dir, err, sizeof err), NS_OK);
    CHECK_EQ_INT(ns_index_field_count(idx), 6);
    const char *name;
    int type;
    CHECK_EQ_INT(ns_index_field(idx, 0, &name, &type), NS_OK);
    CHECK_EQ_STR(name, "date");
    CHECK_EQ_INT(type, NS_FIELD_DATE);
    CHECK_EQ_INT(ns_index_field(idx, 5, &name, &type), NS_OK);
    CHECK_EQ_STR(name, "topics");
    CHECK_EQ_INT(type, NS_FIELD_KEYWORD);
    CHECK_EQ_INT(ns_index_field(idx, 6, &name, &type), NS_EINVAL);
    ns_stats st;
    CHECK_EQ_INT(ns_index_stats(idx, &st), NS_OK);
    CHECK(st.bytes_norms > 4 * 8 + 4 * 16 + 299); /* VALUES counts in bytes_norms */
    ns_index_close(idx);
    if (ns_index_check(dir, 1, err, sizeof err) != NS_OK)
        fprintf(stderr, "check --full: %s\n", err);
    CHECK_EQ_INT(ns_index_check(dir, 1, err, sizeof err), NS_OK);
    tc_rmdir(dir);
}

/* The backend the writer tests below run on (both: test_xapian_fields). */
static int g_backend = NS_BACKEND_NATIVE;

static int wopen(ns_writer **w, const char *dir, char *err, size_t len)
{
    ns_writer_options wo = NS_WRITER_OPTIONS_INIT;
    wo.backend = g_backend;
    return ns_writer_open(w, dir, &wo, err, len);
}

/* ns_index_check is the native backend's (xapian-check verifies Xapian's) */
static int check_index(const char *dir, char *err, size_t len)
{
    return g_backend == NS_BACKEND_NATIVE ? ns_index_check(dir, 1, err, len) : NS_OK;
}

static void test_put_outcomes(void)
{
    const char *dir = tc_tmpdir("fields-outcome");
    char err[NS_ERRBUF_SIZE];
    ns_writer *w;
    CHECK_EQ_INT(wopen(&w, dir, err, sizeof err), NS_OK);
    ns_doc d = mkdoc("x", "T", "the body", "2023-11-01");
    ns_field a[] = {F("source", "BBC", 0), F("rank", "3", NS_FIELD_NUMBER)};
    ns_field b[] = {F("source", "BBC", 0), F("rank", "4", NS_FIELD_NUMBER)};
    ns_field c[] = {F("rank", "4", NS_FIELD_NUMBER), F("source", "BBC", 0)};
    int out = 0;
    CHECK_EQ_INT(ns_writer_put_fields(w, &d, a, 2, &out), NS_OK);
    CHECK_EQ_INT(out, NS_PUT_ADDED);
    CHECK_EQ_INT(ns_writer_commit(w), NS_OK);
    CHECK_EQ_INT(ns_writer_put_fields(w, &d, a, 2, &out), NS_OK);
    CHECK_EQ_INT(out, NS_PUT_UNCHANGED);
    CHECK_EQ_INT(ns_writer_put_fields(w, &d, b, 2, &out), NS_OK); /* one value changed */
    CHECK_EQ_INT(out, NS_PUT_UPDATED);
    CHECK_EQ_INT(ns_writer_put_fields(w, &d, c, 2, &out), NS_OK); /* other field order */
    CHECK_EQ_INT(out, NS_PUT_UNCHANGED);
    CHECK_EQ_INT(ns_writer_put_fields(w, &d, b, 1, &out), NS_OK); /* rank dropped */
    CHECK_EQ_INT(out, NS_PUT_UPDATED);
    CHECK_EQ_INT(ns_writer_put(w, &d, &out), NS_OK); /* every field dropped */
    CHECK_EQ_INT(out, NS_PUT_UPDATED);
    CHECK_EQ_INT(ns_writer_put(w, &d, &out), NS_OK);
    CHECK_EQ_INT(out, NS_PUT_UNCHANGED);
    CHECK_EQ_INT(ns_writer_commit(w), NS_OK);
    ns_writer_close(w);
    /* after a reopen the hashes come from the segments */
    CHECK_EQ_INT(wopen(&w, dir, err, sizeof err), NS_OK);
    CHECK_EQ_INT(ns_writer_put(w, &d, &out), NS_OK);
    CHECK_EQ_INT(out, NS_PUT_UNCHANGED);
    CHECK_EQ_INT(ns_writer_put_fields(w, &d, a, 2, &out), NS_OK);
    CHECK_EQ_INT(out, NS_PUT_UPDATED);
    CHECK_EQ_INT(ns_writer_optimize(w), NS_OK);
    ns_writer_close(w);
    CHECK_EQ_INT(wopen(&w, dir, err, sizeof err), NS_OK);
    ns_field a2[] = {F("rank", "3", NS_FIELD_NUMBER), F("source", "BBC", 0)};
    CHECK_EQ_INT(ns_writer_put_fields(w, &d, a2, 2, &out), NS_OK); /* merged: the same hash */
    CHECK_EQ_INT(out, NS_PUT_UNCHANGED);
    ns_writer_close(w);
    CHECK_EQ_INT(check_index(dir, err, sizeof err), NS_OK);
    tc_rmdir(dir);
}

static int has(const char *msg, const char *part) { return strstr(msg, part) != NULL; }

static void test_bad_values_and_declarations(void)
{
    const char *dir = tc_tmpdir("fields-bad");
    char err[NS_ERRBUF_SIZE];
    ns_writer *w;
    CHECK_EQ_INT(wopen(&w, dir, err, sizeof err), NS_OK);
    CHECK_EQ_INT(ns_writer_declare_field(w, "price", 5, NS_FIELD_NUMBER), NS_OK);
    CHECK_EQ_INT(ns_writer_declare_field(w, "price", 5, NS_FIELD_NUMBER), NS_OK);
    CHECK_EQ_INT(ns_writer_declare_field(w, "price", 5, NS_FIELD_KEYWORD), NS_EINVAL);
    CHECK(has(ns_writer_errmsg(w), "'price' is a number field"));
    CHECK_EQ_INT(ns_writer_declare_field(w, "when", 4, NS_FIELD_DATE), NS_OK);
    CHECK_EQ_INT(ns_writer_declare_field(w, "title", 5, NS_FIELD_TEXT), NS_EINVAL);
    CHECK(has(ns_writer_errmsg(w), "reserved"));
    CHECK_EQ_INT(ns_writer_declare_field(w, "9lives", 6, NS_FIELD_TEXT), NS_EINVAL);
    CHECK_EQ_INT(ns_writer_declare_field(w, "a b", 3, NS_FIELD_TEXT), NS_EINVAL);
    CHECK_EQ_INT(ns_writer_declare_field(w, "ok", 2, 9), NS_EINVAL);
    char longname[70];
    memset(longname, 'a', sizeof longname);
    CHECK_EQ_INT(ns_writer_declare_field(w, longname, 65, NS_FIELD_TEXT), NS_EINVAL);
    CHECK_EQ_INT(ns_writer_declare_field(w, longname, 64, NS_FIELD_TEXT), NS_OK);
    ns_doc d = mkdoc("bad", "T", "B", NULL);
    struct {
        ns_field f[2];
        size_t n;
        const char *msg[2];
    } cases[] = {
        {{F("price", "12 dollars", 0)}, 1, {"'price'", "'12 dollars' is not a number"}},
        {{F("price", "inf", 0)}, 1, {"'price'", "'inf' is not a number"}},
        {{F("price", "0x10", 0)}, 1, {"'price'", "not a number"}},
        {{F("price", "1e999", 0)}, 1, {"'price'", "'1e999'"}},
        {{F("when", "yesterday", 0)}, 1, {"'when'", "cannot parse date 'yesterday'"}},
        {{F("when", "2023-01-01", 0), F("when", "2023-01-02", 0)}, 2, {"'when'", "second value"}},
        {{F("url", "x", 0)}, 1, {"'url'", "reserved"}},
        {{F("date", "2023-01-01", 0)}, 1, {"'date'", "reserved"}},
        {{F("tag", "", 0)}, 1, {"'tag'", "1 to 65535 bytes"}},
        {{F("tag", "x", 7)}, 1, {"'tag'", "unknown type 7"}},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int out = 0;
        CHECK_EQ_INT(ns_writer_put_fields(w, &d, cases[i].f, cases[i].n, &out), NS_EINVAL);
        const char *m = ns_writer_errmsg(w);
        if (!has(m, cases[i].msg[0]) || !has(m, cases[i].msg[1]) || !has(m, "document bad"))
            fprintf(stderr, "case %zu: message '%s'\n", i, m);
        CHECK(has(m, cases[i].msg[0]) && has(m, cases[i].msg[1]) && has(m, "document bad"));
    }
    CHECK_EQ_INT(ns_writer_field_type(w, "tag", 3), 0); /* a failed put teaches nothing */
    ns_field good[] = {F("price", " 12 ", 0), F("when", "2023-01-01", 0)};
    int out = 0;
    CHECK_EQ_INT(ns_writer_put_fields(w, &d, good, 2, &out), NS_OK);
    CHECK_EQ_INT(out, NS_PUT_ADDED);
    CHECK_EQ_INT(ns_writer_commit(w), NS_OK);
    ns_writer_close(w);
    /* the schema (declared and seen) persists with the segment */
    CHECK_EQ_INT(wopen(&w, dir, err, sizeof err), NS_OK);
    CHECK_EQ_INT(ns_writer_field_type(w, "price", 5), NS_FIELD_NUMBER);
    CHECK_EQ_INT(ns_writer_field_type(w, "when", 4), NS_FIELD_DATE);
    CHECK_EQ_INT(ns_writer_field_type(w, longname, 64), NS_FIELD_TEXT);
    CHECK_EQ_INT(ns_writer_declare_field(w, "when", 4, NS_FIELD_NUMBER), NS_EINVAL);
    ns_field nd[] = {F("when", "soon", NS_FIELD_KEYWORD)};
    CHECK_EQ_INT(ns_writer_put_fields(w, &d, nd, 1, &out), NS_EINVAL);
    ns_writer_close(w);
    ns_index *idx;
    CHECK_EQ_INT(ns_index_open(&idx, dir, err, sizeof err), NS_OK);
    CHECK_EQ_INT(ns_index_field_count(idx), 4); /* aaa..., date, price, when */
    ns_index_close(idx);
    CHECK_EQ_INT(check_index(dir, err, sizeof err), NS_OK);
    tc_rmdir(dir);
}

/* 256 fields and the built-in date: the most an index holds */
static void test_field_limit(void)
{
    const char *dir = tc_tmpdir("fields-limit");
    char err[NS_ERRBUF_SIZE], name[16];
    ns_writer *w;
    CHECK_EQ_INT(ns_writer_open(&w, dir, NULL, err, sizeof err), NS_OK);
    for (int i = 0; i < 256; i++) {
        snprintf(name, sizeof name, "f%03d", i);
        CHECK_EQ_INT(ns_writer_declare_field(w, name, 4, NS_FIELD_KEYWORD), NS_OK);
    }
    CHECK_EQ_INT(ns_writer_declare_field(w, "g000", 4, NS_FIELD_KEYWORD), NS_ETOOBIG);
    CHECK_EQ_INT(ns_writer_declare_field(w, "f007", 4, NS_FIELD_KEYWORD), NS_OK);
    ns_doc d = mkdoc("x", "t", "b", "2023-11-01");
    ns_field f[] = {F("f000", "v", 0), F("g000", "v", 0)};
    CHECK_EQ_INT(ns_writer_put_fields(w, &d, f, 2, NULL), NS_ETOOBIG);
    CHECK(has(ns_writer_errmsg(w), "more than 256 typed fields"));
    CHECK_EQ_INT(ns_writer_put_fields(w, &d, f, 1, NULL), NS_OK);
    CHECK_EQ_INT(ns_writer_commit(w), NS_OK);
    ns_writer_close(w);
    CHECK_EQ_INT(ns_writer_open(&w, dir, NULL, err, sizeof err), NS_OK); /* date is in now */
    CHECK_EQ_INT(ns_writer_declare_field(w, "g000", 4, NS_FIELD_KEYWORD), NS_ETOOBIG);
    CHECK_EQ_INT(ns_writer_put_fields(w, &d, f, 2, NULL), NS_ETOOBIG);
    CHECK_EQ_INT(ns_writer_optimize(w), NS_OK);
    ns_writer_close(w);
    ns_index *idx;
    CHECK_EQ_INT(ns_index_open(&idx, dir, err, sizeof err), NS_OK);
    CHECK_EQ_INT(ns_index_field_count(idx), 257);
    ns_index_close(idx);
    CHECK_EQ_INT(ns_index_check(dir, 1, err, sizeof err), NS_OK);
    tc_rmdir(dir);
}

/* ---- Reuters: lists and dates through flushes, deletions and merges */

typedef struct rdoc {
    char *id, *title, *body, *date;
    char **topics, **places;
    size_t ntopics, nplaces;
} rdoc;

static char **strlist(json_object *o, const char *key, size_t *n)
{
    json_object *a;
    *n = 0;
    if (!json_object_object_get_ex(o, key, &a) || !json_object_is_type(a, json_type_array))
        return NULL;
    size_t len = json_object_array_length(a);
    char **v = calloc(len + 1, sizeof *v);
    for (size_t i = 0; i < len; i++)
        v[(*n)++] = strdup(json_object_get_string(json_object_array_get_idx(a, i)));
    return v;
}

static char *str(json_object *o, const char *key)
{
    json_object *v;
    return strdup(json_object_object_get_ex(o, key, &v) ? json_object_get_string(v) : "");
}

static size_t load_reuters(rdoc **out, size_t max)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/corpora/reuters21578/docs.jsonl.gz", nst_shared_dir());
    gzFile f = gzopen(path, "rb");
    if (!f)
        return 0;
    rdoc *d = calloc(max, sizeof *d);
    size_t n = 0;
    static char line[1 << 20];
    while (n < max && gzgets(f, line, sizeof line)) {
        json_object *o = json_tokener_parse(line);
        if (!o)
            continue;
        d[n].id = str(o, "id");
        d[n].title = str(o, "title");
        d[n].body = str(o, "body");
        d[n].date = str(o, "date");
        d[n].topics = strlist(o, "topics", &d[n].ntopics);
        d[n].places = strlist(o, "places", &d[n].nplaces);
        json_object_put(o);
        n++;
    }
    gzclose(f);
    *out = d;
    return n;
}

static void free_reuters(rdoc *d, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        for (size_t j = 0; j < d[i].ntopics; j++)
            free(d[i].topics[j]);
        for (size_t j = 0; j < d[i].nplaces; j++)
            free(d[i].places[j]);
        free(d[i].topics);
        free(d[i].places);
        free(d[i].id);
        free(d[i].title);
        free(d[i].body);
        free(d[i].date);
    }
    free(d);
}

static int put_reuters(ns_writer *w, const rdoc *r)
{
    ns_field f[64];
    size_t n = 0;
    for (size_t j = 0; j < r->ntopics && n < 32; j++)
        f[n++] = (ns_field){"topics", 6, r->topics[j], strlen(r->topics[j]), NS_FIELD_KEYWORD};
    for (size_t j = 0; j < r->nplaces && n < 64; j++)
        f[n++] = (ns_field){"places", 6, r->places[j], strlen(r->places[j]), NS_FIELD_KEYWORD};
    ns_doc d = mkdoc(r->id, r->title, r->body, r->date);
    return ns_writer_put_fields(w, &d, f, n, NULL);
}

/* Every live document of the index at dir has exactly its JSON values;
 * returns how many live documents were compared. */
static size_t compare_columns(const char *dir, const rdoc *r, size_t n, const uint8_t *deleted)
{
    nsi_commit c;
    nsi_seg *s[64];
    size_t ns = open_segs(dir, s, 64, &c), seen = 0, bad = 0;
    for (size_t i = 0; i < ns; i++) {
        const uint8_t *dm = s[i]->sec[NSI_SEC_DOCMAP].p, *end = dm + s[i]->sec[NSI_SEC_DOCMAP].len;
        for (uint32_t d = 0; d < s[i]->ndocs; d++) {
            uint64_t idlen;
            if (nsi_varint_get(&dm, end, &idlen))
                break;
            char id[64];
            snprintf(id, sizeof id, "%.*s", (int)idlen, (const char *)dm);
            dm += idlen + 8;
            if (nsi_bit_get(c.segs[i].deleted, d))
                continue;
            size_t k = (size_t)atol(id) - 1; /* Reuters ids are 1..n in order */
            if (k >= n || strcmp(r[k].id, id) || deleted[k]) {
                bad++;
                continue;
            }
            seen++;
            char buf[256];
            if (kw_n(s[i], "topics", d) != r[k].ntopics || kw_n(s[i], "places", d) != r[k].nplaces)
                bad++;
            for (size_t j = 0; j < r[k].ntopics; j++)
                bad += strcmp(kw(s[i], "topics", d, (uint32_t)j, buf, sizeof buf),
                              r[k].topics[j]) != 0;
            for (size_t j = 0; j < r[k].nplaces; j++)
                bad += strcmp(kw(s[i], "places", d, (uint32_t)j, buf, sizeof buf),
                              r[k].places[j]) != 0;
            int64_t want, got = 0;
            int ok = nsi_date_parse(r[k].date, strlen(r[k].date), &want) == NS_OK;
            int col = nsi_values_col(s[i], "date", 4);
            int have = nsi_values_num(s[i], col, d, &got, NULL, NULL, 0);
            bad += have != ok || (ok && got != want);
        }
    }
    CHECK_EQ_INT(bad, 0);
    for (size_t i = 0; i < ns; i++)
        nsi_seg_close(s[i]);
    nsi_commit_free(&c);
    return seen;
}

static void test_reuters_merge(void)
{
    rdoc *r;
    size_t n = load_reuters(&r, 4000);
    if (n < 4000) {
        fprintf(stderr, "no Reuters corpus under NS_SHARED_DIR/corpora: case not run\n");
        CHECK(n >= 4000); /* the corpus is part of the test setup */
        return;
    }
    const char *dir = tc_tmpdir("fields-reuters");
    char err[NS_ERRBUF_SIZE];
    ns_writer_options wo = NS_WRITER_OPTIONS_INIT;
    wo.flush_bytes = 1u << 20; /* several segments */
    ns_writer *w;
    CHECK_EQ_INT(ns_writer_open(&w, dir, &wo, err, sizeof err), NS_OK);
    int bad = 0;
    for (size_t i = 0; i < n; i++)
        bad += put_reuters(w, &r[i]) != NS_OK;
    CHECK_EQ_INT(bad, 0);
    CHECK_EQ_INT(ns_writer_commit(w), NS_OK);
    uint8_t *deleted = calloc(n, 1);
    size_t live = n;
    for (size_t i = 0; i < n; i += 7) {
        CHECK_EQ_INT(ns_writer_delete(w, r[i].id, strlen(r[i].id)), NS_OK);
        deleted[i] = 1;
        live--;
    }
    CHECK_EQ_INT(ns_writer_commit(w), NS_OK);
    ns_writer_close(w);
    ns_stats st;
    ns_index *idx;
    CHECK_EQ_INT(ns_index_open(&idx, dir, err, sizeof err), NS_OK);
    CHECK_EQ_INT(ns_index_stats(idx, &st), NS_OK);
    CHECK(st.segments > 1);
    CHECK_EQ_INT(ns_index_field_count(idx), 3); /* date places topics */
    ns_index_close(idx);
    CHECK_EQ_INT(compare_columns(dir, r, n, deleted), live);
    CHECK_EQ_INT(ns_index_check(dir, 1, err, sizeof err), NS_OK);

    CHECK_EQ_INT(ns_writer_open(&w, dir, &wo, err, sizeof err), NS_OK);
    CHECK_EQ_INT(ns_writer_optimize(w), NS_OK);
    ns_writer_close(w);
    CHECK_EQ_INT(ns_index_open(&idx, dir, err, sizeof err), NS_OK);
    CHECK_EQ_INT(ns_index_stats(idx, &st), NS_OK);
    CHECK_EQ_INT(st.segments, 1);
    CHECK_EQ_INT(st.deleted, 0);
    ns_index_close(idx);
    CHECK_EQ_INT(compare_columns(dir, r, n, deleted), live);
    if (ns_index_check(dir, 1, err, sizeof err) != NS_OK)
        fprintf(stderr, "check --full: %s\n", err);
    CHECK_EQ_INT(ns_index_check(dir, 1, err, sizeof err), NS_OK);

    /* a keyword filter term holds exactly the live documents with the value */
    nsi_commit c;
    nsi_seg *s[2];
    if (open_segs(dir, s, 2, &c) == 1) {
        uint32_t want = 0;
        for (size_t i = 0; i < n; i++)
            for (size_t j = 0; !deleted[i] && j < r[i].ntopics; j++)
                if (!strcmp(r[i].topics[j], "earn")) {
                    want++;
                    break;
                }
        CHECK(want > 500);
        CHECK_EQ_INT(df_of(s[0], "\001topics\000earn", 12), want);
        nsi_seg_close(s[0]);
        nsi_commit_free(&c);
    }
    free(deleted);
    free_reuters(r, n);
    tc_rmdir(dir);
}

/* ---- fingerprints, on BBC News bodies */

typedef struct fpctx {
    nsi_fp *fp;
    int body;
} fpctx;

static int fp_tok(void *vctx, const nsi_token *t)
{
    fpctx *c = vctx;
    nsi_fp_word(c->fp, t->term, t->term_len, c->body);
    return 0;
}

static void fingerprint(nsi_analyzer *an, const char *title, const char *body, uint64_t *sim,
                        uint64_t *exact)
{
    nsi_fp fp = {0};
    nsi_fp_reset(&fp);
    fpctx c = {&fp, 0};
    nsi_analyze(an, title, strlen(title), 0, 0, fp_tok, &c, NULL);
    c.body = 1;
    nsi_analyze(an, body, strlen(body), 0, 0, fp_tok, &c, NULL);
    CHECK_EQ_INT(nsi_fp_finish(&fp, NSI_SIMHASH_SHINGLE, sim, exact), NS_OK);
    nsi_fp_free(&fp);
}

static void test_fingerprints(void)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/corpora/bbc_news/docs.jsonl", nst_shared_dir());
    tcorpus c;
    CHECK_EQ_INT(tc_load(&c, path, 400), 0);
    CHECK(c.n == 400);
    nsi_analyzer *an;
    CHECK_EQ_INT(nsi_analyzer_new(&an, "english"), NS_OK);
    uint64_t *sim = calloc(c.n, sizeof *sim), *ex = calloc(c.n, sizeof *ex);
    size_t near = 0, headline = 0;
    for (size_t i = 0; i < c.n; i++) {
        fingerprint(an, c.d[i].title, c.d[i].body, &sim[i], &ex[i]);
        /* another headline, another layout: the same body words */
        char *b2 = malloc(c.d[i].body_len + 64);
        size_t k = 0;
        for (size_t j = 0; j < c.d[i].body_len; j++)
            b2[k++] = c.d[i].body[j] == '\n' ? ' ' : c.d[i].body[j];
        b2[k] = 0;
        uint64_t s2, e2;
        fingerprint(an, "A new headline", b2, &s2, &e2);
        headline += s2 == sim[i] && e2 == ex[i];
        /* a trailing credit line: a near copy */
        snprintf(b2 + k, 64, "\nReporting by Jane Doe; editing by John Roe.");
        fingerprint(an, c.d[i].title, b2, &s2, &e2);
        CHECK(e2 != ex[i]);
        near += nsi_hamming64(s2, sim[i]) <= NSI_SIMHASH_DISTANCE;
        free(b2);
    }
    CHECK_EQ_INT(headline, c.n);
    CHECK(near >= c.n * 75 / 100); /* measured: 323 of 400 (docs/fields.md) */
    printf("# credit line: %zu of %zu within distance %d\n", near, c.n, NSI_SIMHASH_DISTANCE);
    /* different stories are not near copies (BBC's 400 first: no copies
     * among them but exact ones) */
    size_t pairs = 0, close = 0;
    for (size_t i = 0; i < c.n; i++)
        for (size_t j = i + 1; j < c.n; j++)
            if (ex[i] != ex[j]) {
                pairs++;
                close += nsi_hamming64(sim[i], sim[j]) <= NSI_SIMHASH_DISTANCE;
            }
    printf("# %zu of %zu pairs of other bodies within the distance\n", close, pairs);
    CHECK(close * 10000 <= pairs); /* at most 0.01 % */
    /* empty bodies: told apart by their titles */
    uint64_t a, b, x, y;
    fingerprint(an, "Shares rise", "", &a, &x);
    fingerprint(an, "Shares fall", "  ", &b, &y);
    CHECK(x != y && a != b);
    fingerprint(an, "Shares fall", "", &a, &x);
    CHECK(x == y && a == b);
    free(sim);
    free(ex);
    nsi_analyzer_free(an);
    tc_free(&c);
}

/* ---- damage */

static void test_flipped_values_byte(void)
{
    const char *dir = tc_tmpdir("fields-flip");
    char err[NS_ERRBUF_SIZE];
    ns_writer *w;
    CHECK_EQ_INT(ns_writer_open(&w, dir, NULL, err, sizeof err), NS_OK);
    char id[32], val[32];
    for (int i = 0; i < 3000; i++) {
        snprintf(id, sizeof id, "d%d", i);
        snprintf(val, sizeof val, "source-%d", i % 97);
        ns_field f[] = {{"source", 6, val, strlen(val), NS_FIELD_KEYWORD}};
        ns_doc d = mkdoc(id, "title", "a short body of words", NULL);
        CHECK_EQ_INT(ns_writer_put_fields(w, &d, f, 1, NULL), NS_OK);
    }
    CHECK_EQ_INT(ns_writer_commit(w), NS_OK);
    ns_writer_close(w);
    nsi_commit c;
    nsi_seg *s[2];
    CHECK_EQ_INT(open_segs(dir, s, 2, &c), 1);
    int col = nsi_values_col(s[0], "source", 6);
    CHECK(col >= 0);
    /* the last document's ordinal, in the middle of the ords array */
    const nsi_vcol *vc = &s[0]->vcols[col];
    size_t off = (size_t)(vc->ords - s[0]->map) + 2999 * 4;
    char path[4200];
    snprintf(path, sizeof path, "%s", s[0]->path);
    nsi_seg_close(s[0]);
    nsi_commit_free(&c);
    int fd = open(path, O_RDWR);
    CHECK(fd >= 0);
    uint8_t b;
    CHECK_EQ_INT(pread(fd, &b, 1, (off_t)off), 1);
    b ^= 0x40;
    CHECK_EQ_INT(pwrite(fd, &b, 1, (off_t)off), 1);
    close(fd);
    CHECK_EQ_INT(ns_index_check(dir, 0, err, sizeof err), NS_ECORRUPT);
    CHECK(has(err, path));
    CHECK_EQ_INT(ns_index_check(dir, 1, err, sizeof err), NS_ECORRUPT);
    /* the segment still opens (VALUES' columns are verified on first touch),
     * and the read that touches the damaged chunk fails naming the file */
    CHECK_EQ_INT(open_segs(dir, s, 2, &c), 1);
    const uint8_t *ords;
    uint32_t no;
    char e2[NSI_ERRMSG];
    CHECK_EQ_INT(nsi_values_kw_doc(s[0], col, 2999, &ords, &no, e2, sizeof e2), NS_ECORRUPT);
    CHECK(has(e2, path) && has(e2, "checksum mismatch"));
    nsi_seg_close(s[0]);
    nsi_commit_free(&c);
    tc_rmdir(dir);
}

/* Two segments that disagree on a field's type (a segment copied in from
 * another index, its COMMIT entry made to match): the index is refused,
 * naming the field, by readers, writers and the check. */
static void test_schema_disagreement(void)
{
    char err[NS_ERRBUF_SIZE], a[4096], b[4096];
    snprintf(a, sizeof a, "%s", tc_tmpdir("fields-disagree-a"));
    snprintf(b, sizeof b, "%s", tc_tmpdir("fields-disagree-b"));
    ns_writer *w;
    ns_doc d1 = mkdoc("one", "t", "first", NULL), d2 = mkdoc("two", "t", "second", NULL);
    ns_field kwf[] = {F("x", "red", NS_FIELD_KEYWORD)}, numf[] = {F("x", "7", NS_FIELD_NUMBER)};
    CHECK_EQ_INT(ns_writer_open(&w, a, NULL, err, sizeof err), NS_OK);
    CHECK_EQ_INT(ns_writer_put_fields(w, &d1, kwf, 1, NULL), NS_OK);
    CHECK_EQ_INT(ns_writer_commit(w), NS_OK);
    ns_writer_close(w);
    CHECK_EQ_INT(ns_writer_open(&w, b, NULL, err, sizeof err), NS_OK);
    CHECK_EQ_INT(ns_writer_put_fields(w, &d1, numf, 1, NULL), NS_OK);
    CHECK_EQ_INT(ns_writer_commit(w), NS_OK);
    CHECK_EQ_INT(ns_writer_put_fields(w, &d2, numf, 1, NULL), NS_OK); /* seg-2: x a number */
    CHECK_EQ_INT(ns_writer_commit(w), NS_OK);
    ns_writer_close(w);
    char from[4300], to[4300], cmd[9000];
    nsi_seg_filename(from, sizeof from, b, 2);
    nsi_seg_filename(to, sizeof to, a, 2);
    snprintf(cmd, sizeof cmd, "cp '%s' '%s'", from, to);
    CHECK_EQ_INT(system(cmd), 0);
    nsi_seg *g;
    CHECK_EQ_INT(nsi_seg_open(&g, a, 2, err, sizeof err), NS_OK);
    nsi_commit c;
    CHECK_EQ_INT(nsi_commit_read(&c, a, err, sizeof err), NS_OK);
    nsi_commit_seg segs[2] = {c.segs[0], {2, 1, 0, NULL, g ? g->uid : 0, g ? g->table_crc : 0}};
    nsi_commit_seg *old = c.segs;
    c.segs = segs;
    c.nsegs = 2;
    c.next_seg_id = 3;
    c.generation++;
    CHECK_EQ_INT(nsi_commit_write(&c, a, err, sizeof err), NS_OK);
    c.segs = old;
    c.nsegs = 1;
    nsi_commit_free(&c);
    nsi_seg_close(g);
    ns_index *idx;
    CHECK_EQ_INT(ns_index_open(&idx, a, err, sizeof err), NS_ECORRUPT);
    CHECK(has(err, "field 'x' is a number field here, a keyword field in another segment"));
    CHECK(has(err, "seg-0000000000000002.nss"));
    CHECK_EQ_INT(ns_writer_open(&w, a, NULL, err, sizeof err), NS_ECORRUPT);
    CHECK(has(err, "field 'x'"));
    CHECK_EQ_INT(ns_index_check(a, 0, err, sizeof err), NS_ECORRUPT);
    CHECK(has(err, "field 'x'"));
    tc_rmdir(a);
    tc_rmdir(b);
}

/* A Xapian writer takes, refuses and reports fields as the native one does
 * (the same outcomes, messages and schema), and its index lists them. */
static void test_xapian_fields(void)
{
    const char *dir = tc_tmpdir("fields-xapian");
    char err[NS_ERRBUF_SIZE];
    ns_writer_options wo = NS_WRITER_OPTIONS_INIT;
    wo.backend = NS_BACKEND_XAPIAN;
    ns_writer *w;
    int rc = ns_writer_open(&w, dir, &wo, err, sizeof err);
    if (rc == NS_EUNSUPPORTED) {
        printf("# Xapian not built: its fields not tested\n");
        tc_rmdir(dir);
        return;
    }
    CHECK_EQ_INT(rc, NS_OK);
    ns_writer_close(w);
    tc_rmdir(dir);
    g_backend = NS_BACKEND_XAPIAN;
    test_put_outcomes();
    test_bad_values_and_declarations();
    g_backend = NS_BACKEND_NATIVE;
}

NS_TEST_MAIN(NST(test_types_roundtrip), NST(test_put_outcomes),
             NST(test_bad_values_and_declarations), NST(test_field_limit), NST(test_reuters_merge),
             NST(test_fingerprints), NST(test_flipped_values_byte), NST(test_schema_disagreement),
             NST(test_xapian_fields))
