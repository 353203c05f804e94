/* test_xapian.c — the Xapian wrapper (nsx.h) and the backend behind the
 * public API: exceptions become statuses with messages (locked, corrupt,
 * wrong version, missing, unreachable), documents round-trip, stub files
 * parse as Xapian 1.4 reads them, writers behave as the native one does
 * (UNCHANGED, UPDATED, delete, rollback on close), shards route by id, and
 * a missing shard fails the open or, with allow_partial, is skipped with a
 * warning; a writer whose folder is replaced or deleted, or whose flintlock
 * is removed, stops with NS_ELOCKED and writes nothing there. */
#ifndef NS_WITH_XAPIAN
#include <stdio.h>
int main(void)
{
    puts("SKIPPED: built without Xapian (NS_WITH_XAPIAN=OFF)");
    return 77; /* NST_SKIPPED: CTest shows it as skipped */
}
#else
#include <dirent.h>
#include <fcntl.h>
#include <math.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "corpus.h"
#include "nsearch.h"
#include "nstest.h"

#include "xapian/nsx.h"
#include "xapian/xinternal.h"

static char err[NS_ERRBUF_SIZE];

static int contains(const char *s, const char *part) { return s && strstr(s, part) != NULL; }

static void put_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    fputs(text, f);
    fclose(f);
}

/* A small database written through nsx directly: n documents "d<i>". */
static void write_db(const char *dir, int n)
{
    nsx_wdb *w;
    CHECK_EQ_INT(nsx_wdb_open(&w, dir, 0, err, sizeof err), NS_OK);
    nsx_doc *d;
    CHECK_EQ_INT(nsx_doc_new(&d), NS_OK);
    for (int i = 0; i < n; i++) {
        char id[32], data[32];
        snprintf(id, sizeof id, "Qd%d", i);
        snprintf(data, sizeof data, "data %d", i);
        CHECK_EQ_INT(nsx_doc_clear(d), NS_OK);
        CHECK_EQ_INT(nsx_doc_add_posting(d, "storm", 5, 1, 1), NS_OK);
        CHECK_EQ_INT(nsx_doc_add_posting(d, i % 2 ? "harbour" : "river", i % 2 ? 7 : 5, 2, 1),
                     NS_OK);
        CHECK_EQ_INT(nsx_doc_add_boolean(d, id, strlen(id)), NS_OK);
        CHECK_EQ_INT(nsx_doc_set_data(d, data, strlen(data)), NS_OK);
        CHECK_EQ_INT(nsx_doc_set_value(d, 1, id + 1, strlen(id + 1)), NS_OK);
        CHECK_EQ_INT(nsx_wdb_replace(w, id, strlen(id), d), NS_OK);
    }
    nsx_doc_free(d);
    CHECK_EQ_INT(nsx_wdb_commit(w), NS_OK);
    nsx_wdb_close(w);
}

/* ------------------------------------------------------------ the wrapper */

static int count_data(void *ctx, const char *s, size_t len)
{
    (void)s, (void)len;
    ++*(int *)ctx;
    return 0;
}

static void test_roundtrip_and_search(void)
{
    const char *dir = tc_tmpdir("nsx");
    write_db(dir, 10);
    nsx_db *db;
    CHECK_EQ_INT(nsx_db_open(&db, dir, err, sizeof err), NS_OK);
    nsx_info info;
    CHECK_EQ_INT(nsx_db_info(db, &info), NS_OK);
    CHECK_EQ_INT(info.doccount, 10);
    nsx_query *a, *b, *q;
    CHECK_EQ_INT(nsx_query_term(&a, "storm", 5), NS_OK);
    CHECK_EQ_INT(nsx_query_term(&b, "harbour", 7), NS_OK);
    nsx_query *kids[2] = {a, b};
    CHECK_EQ_INT(nsx_query_combine(&q, NSX_AND, kids, 2, 0), NS_OK);
    nsx_search_opts so = {1.2, 0, 1, 0.75, 0.5, 0, 100, 100, 1, 0, 0, 0, 0, 0, NULL, 0};
    nsx_mset *m;
    CHECK_EQ_INT(nsx_search(db, q, &so, &m), NS_OK);
    CHECK_EQ_INT(nsx_mset_size(m), 5);
    uint64_t lo, est, hi;
    nsx_mset_counts(m, &lo, &est, &hi);
    CHECK_EQ_INT(lo, 5);
    CHECK_EQ_INT(hi, 5);
    int seen = 0;
    for (size_t i = 0; i < nsx_mset_size(m); i++) {
        uint32_t docid;
        double wt;
        nsx_mset_item(m, i, &docid, &wt);
        CHECK(docid % 2 == 0); /* d1, d3... are docids 2, 4... */
        CHECK(wt > 0);
        CHECK_EQ_INT(nsx_mset_data(db, m, i, count_data, &seen), NS_OK);
    }
    CHECK_EQ_INT(seen, 5);
    /* equal weights rank by the id value: d1 d3 d5 d7 d9 */
    uint32_t first;
    double w0;
    nsx_mset_item(m, 0, &first, &w0);
    CHECK_EQ_INT(first, 2);
    char desc[256];
    nsx_query_describe(q, desc, sizeof desc);
    CHECK(contains(desc, "storm") && contains(desc, "AND"));
    nsx_mset_free(m);
    nsx_query_free(q);
    nsx_query_free(a);
    nsx_query_free(b);
    CHECK_EQ_INT(nsx_db_document_data(db, 999, count_data, &seen), NS_ENOTFOUND);
    CHECK(contains(nsx_db_errmsg(db), "DocNotFoundError"));
    nsx_db_close(db);
    tc_rmdir(dir);
}

static void test_locked_database(void)
{
    const char *dir = tc_tmpdir("nsx-lock");
    nsx_wdb *w1, *w2;
    CHECK_EQ_INT(nsx_wdb_open(&w1, dir, 0, err, sizeof err), NS_OK);
    err[0] = 0;
    CHECK_EQ_INT(nsx_wdb_open(&w2, dir, 0, err, sizeof err), NS_ELOCKED);
    CHECK(w2 == NULL);
    CHECK(contains(err, "DatabaseLockError") && contains(err, "lock"));
    /* through the public API: the message names the index */
    ns_writer_options wo = NS_WRITER_OPTIONS_INIT;
    wo.backend = NS_BACKEND_XAPIAN;
    ns_writer *w;
    CHECK_EQ_INT(ns_writer_open(&w, dir, &wo, err, sizeof err), NS_ELOCKED);
    CHECK(contains(err, dir) && contains(err, "locked by another writer"));
    nsx_wdb_close(w1);
    CHECK_EQ_INT(ns_writer_open(&w, dir, &wo, err, sizeof err), NS_OK);
    ns_writer_close(w);
    tc_rmdir(dir);
}

static void test_corrupt_database(void)
{
    const char *dir = tc_tmpdir("nsx-corrupt");
    write_db(dir, 50);
    char p[4400];
    snprintf(p, sizeof p, "%s/postlist.glass", dir);
    struct stat st;
    CHECK(stat(p, &st) == 0);
    int fd = open(p, O_WRONLY);
    char junk[4096];
    for (size_t i = 0; i < sizeof junk; i++)
        junk[i] = (char)(i * 131 + 7);
    for (off_t o = 0; o < st.st_size; o += (off_t)sizeof junk)
        CHECK(pwrite(fd, junk, sizeof junk, o) == (ssize_t)sizeof junk);
    close(fd);
    nsx_db *db = NULL;
    int rc = nsx_db_open(&db, dir, err, sizeof err);
    if (rc == NS_OK) { /* some damage shows only when read */
        nsx_query *q;
        nsx_mset *m = NULL;
        nsx_search_opts so = {1.2, 0, 1, 0.75, 0.5, 0, 10, 0, -1, 0, 0, 0, 0, 0, NULL, 0};
        nsx_query_term(&q, "storm", 5);
        rc = nsx_search(db, q, &so, &m);
        snprintf(err, sizeof err, "%s", nsx_db_errmsg(db));
        nsx_mset_free(m);
        nsx_query_free(q);
        nsx_db_close(db);
    }
    CHECK_EQ_INT(rc, NS_ECORRUPT);
    CHECK(contains(err, "DatabaseCorruptError"));
    /* the public API says so too, naming the index */
    ns_index *idx;
    CHECK_EQ_INT(ns_index_open(&idx, dir, err, sizeof err), NS_ECORRUPT);
    CHECK(contains(err, dir));
    tc_rmdir(dir);
}

static void test_version_and_missing(void)
{
    const char *dir = tc_tmpdir("nsx-version");
    write_db(dir, 3);
    char p[4400];
    snprintf(p, sizeof p, "%s/iamglass", dir);
    /* the right magic, then a format version from the future */
    int fd = open(p, O_WRONLY);
    CHECK(pwrite(fd, "\x0f\x0dXapian Glass\x7f\x7f\x7f", 17, 0) == 17);
    close(fd);
    nsx_db *db;
    int rc = nsx_db_open(&db, dir, err, sizeof err);
    CHECK(rc == NS_EVERSION || rc == NS_ECORRUPT);
    CHECK(contains(err, "Database"));
    tc_rmdir(dir);
    CHECK_EQ_INT(nsx_db_open(&db, "/nonexistent/nsx", err, sizeof err), NS_ENOTFOUND);
    CHECK(contains(err, "/nonexistent/nsx"));
}

/* A local port with nothing listening on it. */
static unsigned free_port(void)
{
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {0};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    bind(s, (struct sockaddr *)&a, sizeof a);
    getsockname(s, (struct sockaddr *)&a, &len);
    close(s);
    return ntohs(a.sin_port);
}

static void test_unreachable_remote(void)
{
    unsigned port = free_port();
    nsx_db *db;
    CHECK_EQ_INT(nsx_db_open_tcp(&db, "127.0.0.1", port, 2000, err, sizeof err), NS_EIO);
    char want[64];
    snprintf(want, sizeof want, "shard 127.0.0.1:%u unreachable", port);
    if (!contains(err, want))
        fprintf(stderr, "message: %s\n", err);
    CHECK(contains(err, want));
}

static int stop_at_two(void *ctx, const char *t, size_t len, uint64_t df)
{
    (void)t, (void)len, (void)df;
    return ++*(int *)ctx == 2;
}

static void test_writer_rollback_and_metadata(void)
{
    const char *dir = tc_tmpdir("nsx-rollback");
    write_db(dir, 4);
    nsx_wdb *w;
    CHECK_EQ_INT(nsx_wdb_open(&w, dir, 0, err, sizeof err), NS_OK);
    CHECK_EQ_INT(nsx_wdb_delete(w, "Qd1", 3), NS_OK);
    CHECK_EQ_INT(nsx_wdb_delete(w, "Qd1", 3), NS_ENOTFOUND);
    CHECK_EQ_INT(nsx_wdb_doccount(w), 3);
    CHECK_EQ_INT(nsx_wdb_set_metadata(w, "k", "v", 1), NS_OK);
    char v[8];
    size_t got;
    CHECK_EQ_INT(nsx_wdb_get_metadata(w, "k", v, sizeof v, &got), NS_OK);
    CHECK_EQ_INT(got, 1);
    CHECK_EQ_INT(nsx_wdb_value_of(w, "Qd2", 3, 1, v, sizeof v, &got), NS_OK);
    CHECK(got == 2 && !memcmp(v, "d2", 2));
    CHECK_EQ_INT(nsx_wdb_value_of(w, "Qd1", 3, 1, v, sizeof v, &got), NS_ENOTFOUND);
    nsx_wdb_close(w); /* not committed: all of it is discarded */
    nsx_db *db;
    CHECK_EQ_INT(nsx_db_open(&db, dir, err, sizeof err), NS_OK);
    nsx_info info;
    nsx_db_info(db, &info);
    CHECK_EQ_INT(info.doccount, 4);
    CHECK_EQ_INT(nsx_db_get_metadata(db, "k", v, sizeof v, &got), NS_OK);
    CHECK_EQ_INT(got, 0);
    int n = 0;
    CHECK_EQ_INT(nsx_db_allterms(db, "Q", 1, stop_at_two, &n), NS_OK);
    CHECK_EQ_INT(n, 2);
    nsx_db_close(db);
    tc_rmdir(dir);
}

/* ------------------------------------------------------------ helpers */

static void test_id_terms_and_records(void)
{
    char t[NSX_ID_TERM_MAX], t2[NSX_ID_TERM_MAX];
    CHECK_EQ_INT(nsi_xap_id_term("abc", 3, t), 4);
    CHECK(!memcmp(t, "Qabc", 4));
    char longid[600];
    memset(longid, 'x', sizeof longid);
    size_t n = nsi_xap_id_term(longid, sizeof longid, t);
    CHECK(n <= 245 && n > 200);
    longid[599] = 'y'; /* same head, other id: another term */
    CHECK_EQ_INT(nsi_xap_id_term(longid, sizeof longid, t2), n);
    CHECK(memcmp(t, t2, n) != 0);
    nsi_buf packed = {0}, back = {0};
    const char rec[] = "a stored record, a stored record, a stored record";
    CHECK_EQ_INT(nsi_xap_pack(rec, sizeof rec, &packed), NS_OK);
    CHECK(packed.len < sizeof rec);
    CHECK_EQ_INT(nsi_xap_unpack(packed.data, packed.len, &back), NS_OK);
    CHECK(back.len == sizeof rec && !memcmp(back.data, rec, sizeof rec));
    packed.data[packed.len - 1] ^= 0x55;
    CHECK_EQ_INT(nsi_xap_unpack(packed.data, packed.len, &back), NS_ECORRUPT);
    CHECK_EQ_INT(nsi_xap_unpack("\xff\xff\xff\xff\x0f", 5, &back), NS_ECORRUPT);
    nsi_buf_free(&packed);
    nsi_buf_free(&back);
}

static void test_stub_files(void)
{
    const char *dir = tc_tmpdir("stub");
    char p[4400];
    snprintf(p, sizeof p, "%s/XAPIANDB", dir);
    put_file(p, "# a comment\n\nauto shard-0\nglass /abs/db\nremote 127.0.0.1:3001\n"
                "remote [::1]:3002\nremote :xapian-progsrv /srv/db\n");
    nsi_stub_entry *e;
    size_t n;
    CHECK_EQ_INT(nsi_stub_read(p, &e, &n, err, sizeof err), NS_OK);
    CHECK_EQ_INT(n, 5);
    char want[4400];
    snprintf(want, sizeof want, "%s/shard-0", dir);
    CHECK(e[0].kind == NSI_STUB_LOCAL);
    CHECK_EQ_STR(e[0].where, want);
    CHECK_EQ_STR(e[1].where, "/abs/db");
    CHECK(e[2].kind == NSI_STUB_TCP && e[2].port == 3001);
    CHECK_EQ_STR(e[2].where, "127.0.0.1");
    CHECK_EQ_STR(e[2].name, "127.0.0.1:3001");
    CHECK(e[3].kind == NSI_STUB_TCP && e[3].port == 3002);
    CHECK_EQ_STR(e[3].where, "::1");
    CHECK(e[4].kind == NSI_STUB_PROG);
    CHECK_EQ_STR(e[4].where, "xapian-progsrv");
    CHECK_EQ_STR(e[4].args, "/srv/db");
    nsi_stub_free(e, n);
    /* 1.4 has no "remote :tcp HOST:PORT": that is the prog method */
    static const char *const bad[] = {
        "remote 127.0.0.1\n", "remote host:0\n", "auto\n",
        "inmemory\n",         "flint /x\n",      "remote host:70000\n"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        put_file(p, bad[i]);
        CHECK_EQ_INT(nsi_stub_read(p, &e, &n, err, sizeof err), NS_EINVAL);
        CHECK(contains(err, ":1: not a stub line"));
    }
    put_file(p, "# nothing\n");
    CHECK_EQ_INT(nsi_stub_read(p, &e, &n, err, sizeof err), NS_EINVAL);
    CHECK(contains(err, "lists no database"));
    tc_rmdir(dir);
}

static void test_detect(void)
{
    const char *dir = tc_tmpdir("detect");
    CHECK_EQ_INT(nsi_backend_detect(dir), NSI_KIND_NATIVE);
    char p[4400];
    snprintf(p, sizeof p, "%s/db", dir);
    write_db(p, 1);
    CHECK_EQ_INT(nsi_backend_detect(p), NSI_KIND_XAPIAN_DB);
    snprintf(p, sizeof p, "%s/XAPIANDB", dir);
    put_file(p, "auto db\n");
    CHECK_EQ_INT(nsi_backend_detect(p), NSI_KIND_XAPIAN_STUB);
    CHECK_EQ_INT(nsi_backend_detect(dir), NSI_KIND_XAPIAN_STUB);
    snprintf(p, sizeof p, "%s/COMMIT", dir);
    put_file(p, "x");
    CHECK_EQ_INT(nsi_backend_detect(dir), NSI_KIND_NATIVE); /* native wins */
    /* a text file is a stub only if its first real line is a stub line */
    snprintf(p, sizeof p, "%s/stub2", dir);
    put_file(p, "# shards\n\nremote 127.0.0.1:1\n");
    CHECK_EQ_INT(nsi_backend_detect(p), NSI_KIND_XAPIAN_STUB);
    snprintf(p, sizeof p, "%s/docs.jsonl", dir);
    put_file(p, "{\"id\": \"1\", \"title\": \"auto \"}\n");
    CHECK_EQ_INT(nsi_backend_detect(p), NSI_KIND_NOT_INDEX);
    ns_index *ix = NULL;
    char e2[NS_ERRBUF_SIZE];
    CHECK_EQ_INT(ns_index_open(&ix, p, e2, sizeof e2), NS_EINVAL);
    CHECK(ix == NULL &&
          strstr(e2, "a JSON lines file, not an index: index it with nindex -d DIR") != NULL);
    snprintf(p, sizeof p, "%s/notes.txt", dir);
    put_file(p, "auto-saved notes, no stub\n");
    CHECK_EQ_INT(ns_index_open(&ix, p, e2, sizeof e2), NS_EINVAL);
    CHECK(ix == NULL && strstr(e2, "notes.txt: a file, not an index") != NULL);
    tc_rmdir(dir);
}

/* ------------------------------------------------------------ public API */

static ns_doc doc(const char *id, const char *title, const char *body)
{
    ns_doc d = {.id = id,
                .id_len = strlen(id),
                .title = title,
                .title_len = strlen(title),
                .body = body,
                .body_len = strlen(body)};
    return d;
}

static int count_ids(void *ctx, const char *id, size_t len)
{
    (void)id, (void)len;
    ++*(int *)ctx;
    return 0;
}

static ns_writer *xwriter(const char *dir, unsigned shards)
{
    ns_writer_options wo = NS_WRITER_OPTIONS_INIT;
    wo.backend = NS_BACKEND_XAPIAN;
    wo.shards = shards;
    ns_writer *w = NULL;
    if (ns_writer_open(&w, dir, &wo, err, sizeof err))
        fprintf(stderr, "%s\n", err);
    return w;
}

static size_t hits(ns_index *idx, const char *text, char *first_id, size_t len)
{
    ns_query *q;
    ns_results *r = NULL;
    if (ns_query_parse(&q, idx, text, strlen(text), NULL, err, sizeof err, NULL))
        return (size_t)-1;
    int rc = ns_search(&r, idx, q, NULL);
    size_t n = rc ? (size_t)-1 : ns_results_count(r);
    if (!rc && n && first_id) {
        ns_hit h;
        ns_results_hit(r, 0, &h);
        snprintf(first_id, len, "%.*s", (int)h.id_len, h.id);
        ns_snippet *s;
        CHECK_EQ_INT(ns_snippet_make(&s, idx, q, r, 0, NULL), NS_OK);
        size_t tl;
        const char *snip = ns_snippet_text(s, &tl);
        /* our snippet code over the stored body */
        CHECK(tl > 0 && !strncmp(snip, first_id[0] == 'a' ? "S" : "V", 1));
        ns_snippet_free(s);
    }
    ns_results_free(r);
    ns_query_free(q);
    return n;
}

static void test_writer_outcomes(void)
{
    const char *dir = tc_tmpdir("xwriter");
    ns_writer *w = xwriter(dir, 0);
    CHECK(w != NULL);
    ns_doc a = doc("a", "Storm in the harbour", "Six boats sank in the storm.");
    ns_doc b = doc("b", "River clean-up", "Volunteers pulled rubbish from the river.");
    int out;
    CHECK_EQ_INT(ns_writer_put(w, &a, &out), NS_OK);
    CHECK_EQ_INT(out, NS_PUT_ADDED);
    CHECK_EQ_INT(ns_writer_put(w, &b, &out), NS_OK);
    CHECK_EQ_INT(ns_writer_put(w, &a, &out), NS_OK);
    CHECK_EQ_INT(out, NS_PUT_UNCHANGED);
    CHECK_EQ_INT(ns_writer_commit(w), NS_OK);
    ns_writer_close(w);
    /* an open index sees the commit, and finds words of either field */
    ns_index *idx;
    CHECK_EQ_INT(ns_index_open(&idx, dir, err, sizeof err), NS_OK);
    CHECK_EQ_STR(ns_index_language(idx), "english");
    char id[64];
    CHECK_EQ_INT(hits(idx, "storms", id, sizeof id), 1);
    CHECK_EQ_STR(id, "a");
    ns_query *q;
    ns_results *r;
    CHECK_EQ_INT(ns_query_parse(&q, idx, "boats", 5, NULL, err, sizeof err, NULL), NS_OK);
    CHECK_EQ_INT(ns_search(&r, idx, q, NULL), NS_OK);
    ns_snippet *sn;
    CHECK_EQ_INT(ns_snippet_make(&sn, idx, q, r, 0, NULL), NS_OK);
    size_t a0, a1;
    CHECK_EQ_INT(ns_snippet_span_count(sn), 1);
    ns_snippet_span(sn, 0, &a0, &a1);
    CHECK(a0 == 4 && a1 == 9); /* "Six [boats] sank" */
    ns_snippet_free(sn);
    char *body;
    size_t blen;
    CHECK_EQ_INT(ns_results_body(r, 0, &body, &blen), NS_OK);
    CHECK_EQ_STR(body, "Six boats sank in the storm.");
    CHECK_EQ_INT(blen, 28);
    free(body);
    ns_results_free(r);
    ns_query_free(q);
    /* by id: a one-hit result set, its body, a snippet without a query */
    CHECK_EQ_INT(ns_index_get_doc(idx, "b", 1, &r), NS_OK);
    ns_hit h;
    CHECK_EQ_INT(ns_results_hit(r, 0, &h), NS_OK);
    CHECK(h.id_len == 1 && h.id[0] == 'b' && h.title_len == 14 && h.rank == 1);
    CHECK_EQ_INT(ns_results_body(r, 0, &body, NULL), NS_OK);
    CHECK_EQ_STR(body, "Volunteers pulled rubbish from the river.");
    free(body);
    CHECK_EQ_INT(ns_snippet_make(&sn, idx, NULL, r, 0, NULL), NS_OK);
    CHECK_EQ_INT(ns_snippet_span_count(sn), 0);
    ns_snippet_free(sn);
    ns_results_free(r);
    CHECK_EQ_INT(ns_index_get_doc(idx, "zz", 2, &r), NS_ENOTFOUND);
    CHECK(contains(ns_index_errmsg(idx), "no document with id 'zz'"));
    CHECK_EQ_INT(hits(idx, "title:harbour", id, sizeof id), 1);
    CHECK_EQ_INT(hits(idx, "title:rubbish", NULL, 0), 0);
    CHECK_EQ_INT(hits(idx, "\"in the harbour\"", NULL, 0), 1);
    CHECK_EQ_INT(hits(idx, "\"harbour six\"", NULL, 0), 0); /* title, then body: no phrase */
    CHECK_EQ_INT(hits(idx, "riv*", id, sizeof id), 1);
    CHECK_EQ_STR(id, "b");
    /* update, delete, and a change that is never committed */
    w = xwriter(dir, 0);
    ns_doc a2 = doc("a", "Storm in the harbour", "Seven boats sank in the storm.");
    CHECK_EQ_INT(ns_writer_put(w, &a2, &out), NS_OK);
    CHECK_EQ_INT(out, NS_PUT_UPDATED);
    CHECK_EQ_INT(ns_writer_delete(w, "b", 1), NS_OK);
    CHECK_EQ_INT(ns_writer_delete(w, "b", 1), NS_ENOTFOUND);
    CHECK(contains(ns_writer_errmsg(w), "no document with id 'b'"));
    int n = 0;
    CHECK_EQ_INT(ns_writer_foreach_id(w, count_ids, &n), NS_OK);
    CHECK_EQ_INT(n, 1);
    CHECK_EQ_INT(ns_writer_commit(w), NS_OK);
    ns_doc c = doc("c", "Never", "committed");
    CHECK_EQ_INT(ns_writer_put(w, &c, &out), NS_OK);
    ns_writer_close(w);
    int changed = 0;
    CHECK_EQ_INT(ns_index_refresh(idx, &changed), NS_OK);
    CHECK(changed);
    CHECK_EQ_INT(hits(idx, "seven", NULL, 0), 1);
    CHECK_EQ_INT(hits(idx, "river", NULL, 0), 0);
    CHECK_EQ_INT(hits(idx, "committed", NULL, 0), 0);
    ns_stats st;
    CHECK_EQ_INT(ns_index_stats(idx, &st), NS_OK);
    CHECK_EQ_INT(st.documents, 1);
    CHECK(st.bytes_total > 0 && st.terms > 0);
    ns_index_close(idx);
    /* the language stays; asking for another is refused, as natively */
    ns_writer_options wo = NS_WRITER_OPTIONS_INIT;
    wo.language = "french";
    CHECK_EQ_INT(ns_writer_open(&w, dir, &wo, err, sizeof err), NS_EINVAL);
    CHECK(contains(err, "english"));
    tc_rmdir(dir);
}

static void test_backend_choice(void)
{
    const char *dir = tc_tmpdir("choice");
    ns_writer *w;
    CHECK_EQ_INT(ns_writer_open(&w, dir, NULL, err, sizeof err), NS_OK); /* native */
    CHECK_EQ_INT(ns_writer_commit(w), NS_OK);
    ns_writer_close(w);
    ns_writer_options wo = NS_WRITER_OPTIONS_INIT;
    wo.backend = NS_BACKEND_XAPIAN;
    CHECK_EQ_INT(ns_writer_open(&w, dir, &wo, err, sizeof err), NS_EINVAL);
    CHECK(contains(err, "native"));
    tc_rmdir(dir);
    /* a version-1 caller's struct has no backend: native */
    dir = tc_tmpdir("choice-v1");
    ns_writer_options v1 = NS_WRITER_OPTIONS_INIT;
    v1.version = 1;
    v1.backend = NS_BACKEND_XAPIAN; /* beyond a version-1 struct: ignored */
    CHECK_EQ_INT(ns_writer_open(&w, dir, &v1, err, sizeof err), NS_OK);
    CHECK_EQ_INT(ns_writer_commit(w), NS_OK);
    ns_writer_close(w);
    char p[4400];
    snprintf(p, sizeof p, "%s/COMMIT", dir);
    struct stat st;
    CHECK(stat(p, &st) == 0);
    tc_rmdir(dir);
}

/* Typed fields on a Xapian index without user fields (docs/xapian.md,
 * "Typed fields"): the built-in date is a field; a field the index lacks is
 * an error naming it, at parse time with the index and at search time
 * without it, and a sort or facet on it is NS_EINVAL with the native
 * messages; a date range, a sort by date and dedup work. */
static void test_fields_errors(void)
{
    const char *dir = tc_tmpdir("xfields");
    ns_writer *w;
    ns_writer_options wo = NS_WRITER_OPTIONS_INIT;
    wo.backend = NS_BACKEND_XAPIAN;
    CHECK_EQ_INT(ns_writer_open(&w, dir, &wo, err, sizeof err), NS_OK);
    ns_doc d = {"a", 1, "Storm", 5, "storm over the harbour", 22, "", 0, "", 0, "", 0};
    CHECK_EQ_INT(ns_writer_put(w, &d, NULL), NS_OK);
    CHECK_EQ_INT(ns_writer_commit(w), NS_OK);
    ns_writer_close(w);
    ns_index *idx;
    CHECK_EQ_INT(ns_index_open(&idx, dir, err, sizeof err), NS_OK);
    CHECK_EQ_INT(ns_index_field_count(idx), 1);
    const char *name = NULL;
    int type = 0;
    CHECK_EQ_INT(ns_index_field(idx, 0, &name, &type), NS_OK);
    CHECK(name && !strcmp(name, "date") && type == NS_FIELD_DATE);
    ns_query *q;
    size_t off = 0;
    CHECK_EQ_INT(ns_query_parse(&q, idx, "storm topics:cocoa", 18, NULL, err, sizeof err, &off),
                 NS_ESYNTAX);
    CHECK(contains(err, "unknown field 'topics' at 6 (fields: title, date)"));
    CHECK_EQ_INT(off, 6);
    /* parsed without the index: resolved, and refused, by the search */
    CHECK_EQ_INT(ns_query_parse(&q, NULL, "storm topics:cocoa", 18, NULL, err, sizeof err, &off),
                 NS_OK);
    ns_results *r = NULL;
    CHECK_EQ_INT(ns_search(&r, idx, q, NULL), NS_EINVAL);
    CHECK(contains(ns_index_errmsg(idx), "unknown field 'topics' at 6 (fields: title, date)"));
    ns_query_free(q);
    static const char *const texts[] = {"storm date:1987-03", "storm"};
    for (size_t i = 0; i < 2; i++) {
        CHECK_EQ_INT(
            ns_query_parse(&q, idx, texts[i], strlen(texts[i]), NULL, err, sizeof err, &off),
            NS_OK);
        ns_search_options so = NS_SEARCH_OPTIONS_INIT;
        ns_facet_request fr = {"topics", 0};
        for (int opt = 0; opt < 5; opt++) {
            so.sort_field = opt == 1 ? "date" : opt == 4 ? "price" : NULL;
            so.facets = opt == 2 ? &fr : NULL;
            so.nfacets = opt == 2;
            so.dedup = opt == 3;
            r = NULL;
            int rc = ns_search(&r, idx, q, &so);
            if (opt == 2) {
                CHECK_EQ_INT(rc, NS_EINVAL);
                CHECK(contains(ns_index_errmsg(idx),
                               "cannot count facet 'topics': no such field in this index"));
            } else if (opt == 4) {
                CHECK_EQ_INT(rc, NS_EINVAL);
                CHECK(contains(ns_index_errmsg(idx),
                               "cannot sort by 'price': no such field in this index"));
            } else {
                CHECK_EQ_INT(rc, NS_OK);
                CHECK_EQ_INT(ns_results_count(r), i == 1); /* the range: no date, no match */
                CHECK_EQ_INT(ns_results_total(r, NULL), i == 1);
                if (i == 1 && opt == 3)
                    CHECK_EQ_INT(ns_results_duplicates(r, 0), 0);
            }
            ns_results_free(r);
        }
        ns_query_free(q);
    }
    ns_index_close(idx);
    tc_rmdir(dir);
}

typedef struct exact_ctx {
    const char *t;
    size_t n;
    int found;
} exact_ctx;

static int exact_term(void *ctx, const char *t, size_t len, uint64_t df)
{
    exact_ctx *e = ctx;
    (void)df;
    e->found |= len == e->n && !memcmp(t, e->t, len);
    return 0;
}

static const char *const words[] = {"storm", "harbour", "river", "relations", "embassy"};

static void test_shards_route_by_id(void)
{
    const char *dir = tc_tmpdir("shards");
    ns_writer *w = xwriter(dir, 3);
    CHECK(w != NULL);
    char id[32], body[64];
    for (int i = 0; i < 60; i++) {
        snprintf(id, sizeof id, "doc-%d", i);
        snprintf(body, sizeof body, "%s number %d", words[i % 5], i);
        ns_doc d = doc(id, "", body);
        CHECK_EQ_INT(ns_writer_put(w, &d, NULL), NS_OK);
    }
    CHECK_EQ_INT(ns_writer_commit(w), NS_OK);
    ns_writer_close(w);
    /* every document sits in shard FNV-1a-64(id) mod 3, and only there */
    int per[3] = {0, 0, 0};
    for (int s = 0; s < 3; s++) {
        char p[4400];
        snprintf(p, sizeof p, "%s/shard-%d", dir, s);
        nsx_db *db;
        CHECK_EQ_INT(nsx_db_open(&db, p, err, sizeof err), NS_OK);
        for (int i = 0; i < 60; i++) {
            char t[NSX_ID_TERM_MAX];
            snprintf(id, sizeof id, "doc-%d", i);
            size_t n = nsi_xap_id_term(id, strlen(id), t);
            exact_ctx ec = {t, n, 0};
            nsx_db_allterms(db, t, n, exact_term, &ec);
            int want = nsi_fnv1a64(id, strlen(id), NSI_FNV_SEED) % 3 == (uint64_t)s;
            CHECK_EQ_INT(ec.found, want);
            per[s] += want;
        }
        nsx_db_close(db);
    }
    CHECK(per[0] > 5 && per[1] > 5 && per[2] > 5);
    /* reopened: the same routing, so nothing changed; the count stays */
    w = xwriter(dir, 0);
    int out;
    ns_doc d = doc("doc-7", "", "river number 7");
    CHECK_EQ_INT(ns_writer_put(w, &d, &out), NS_OK);
    CHECK_EQ_INT(out, NS_PUT_UNCHANGED);
    ns_writer_close(w);
    CHECK(xwriter(dir, 4) == NULL);
    CHECK(contains(err, "has 3 shards"));
    /* the index reads as one */
    ns_index *idx;
    CHECK_EQ_INT(ns_index_open(&idx, dir, err, sizeof err), NS_OK);
    CHECK_EQ_INT(hits(idx, "storm", NULL, 0), 10);
    ns_stats st;
    CHECK_EQ_INT(ns_index_stats(idx, &st), NS_OK);
    CHECK_EQ_INT(st.documents, 60);
    CHECK_EQ_INT(st.segments, 3);
    ns_index_close(idx);
    tc_rmdir(dir);
}

static void test_missing_shard(void)
{
    const char *dir = tc_tmpdir("partial");
    ns_writer *w = xwriter(dir, 2);
    for (int i = 0; i < 20; i++) {
        char id[16];
        snprintf(id, sizeof id, "%d", i);
        ns_doc d = doc(id, "", "storm");
        ns_writer_put(w, &d, NULL);
    }
    CHECK_EQ_INT(ns_writer_commit(w), NS_OK);
    ns_writer_close(w);
    char stub[4400];
    snprintf(stub, sizeof stub, "%s/XAPIANDB", dir);
    put_file(stub, "auto shard-0\nauto shard-1\nauto gone\n");
    ns_index *idx;
    CHECK_EQ_INT(ns_index_open(&idx, dir, err, sizeof err), NS_ENOTFOUND);
    CHECK(contains(err, "shard ") && contains(err, "/gone") && contains(err, "partial"));
    ns_index_options io = NS_INDEX_OPTIONS_INIT;
    io.allow_partial = 1;
    CHECK_EQ_INT(ns_index_open_with(&idx, stub, &io, err, sizeof err), NS_OK);
    const char *warning = ns_index_warning(idx);
    CHECK(contains(warning, "/gone") && contains(warning, "results are partial"));
    CHECK(ns_index_warning(idx) == NULL); /* reported once */
    CHECK_EQ_INT(hits(idx, "storm", NULL, 0), 10);
    ns_index_close(idx);
    put_file(stub, "auto gone\n");
    CHECK_EQ_INT(ns_index_open_with(&idx, stub, &io, err, sizeof err), NS_ENOTFOUND);
    CHECK(contains(err, "/gone"));
    tc_rmdir(dir);
}

/* The files in dir (0 when it is missing). */
static int count_files(const char *dir)
{
    DIR *d = opendir(dir);
    int n = 0;
    struct dirent *e;
    while (d && (e = readdir(d)))
        n += e->d_name[0] != '.';
    if (d)
        closedir(d);
    return n;
}

/* A Xapian writer whose folder is replaced, deleted or whose flintlock is
 * removed after its first commit: the next commit is NS_ELOCKED naming what
 * changed, nothing is written at the path, the writer stays stopped, and the
 * old database keeps its last commit (docs/xapian.md, "Writing"). */
static void owner_case(int how, const char *want, unsigned shards)
{
    const char *base = tc_tmpdir("xowner");
    char dir[1024], old[1024], shard0[1100];
    snprintf(dir, sizeof dir, "%.900s/idx", base);
    snprintf(old, sizeof old, "%.900s/old", base);
    ns_writer *w = xwriter(dir, shards);
    CHECK(w != NULL);
    if (!w)
        return;
    ns_doc a = doc("a", "First", "the first wombatine document");
    ns_doc b = doc("b", "Second", "the second wombatine document");
    CHECK_EQ_INT(ns_writer_put(w, &a, NULL), NS_OK);
    CHECK_EQ_INT(ns_writer_commit(w), NS_OK);
    CHECK_EQ_INT(ns_writer_put(w, &b, NULL), NS_OK);
    snprintf(shard0, sizeof shard0, shards > 1 ? "%s/shard-0/flintlock" : "%s/flintlock", dir);
    if (how == 0 || how == 1) { /* replaced: renamed away, or deleted; a new empty folder */
        if (how == 0)
            CHECK(rename(dir, old) == 0);
        else
            tc_rmdir(dir);
        CHECK(mkdir(dir, 0755) == 0);
    } else if (how == 2) { /* moved away, nothing at the path */
        CHECK(rename(dir, old) == 0);
    } else { /* the flintlock removed */
        CHECK(unlink(shard0) == 0);
    }
    CHECK_EQ_INT(ns_writer_commit(w), NS_ELOCKED);
    if (!contains(ns_writer_errmsg(w), want))
        fprintf(stderr, "case %d: %s\n", how, ns_writer_errmsg(w));
    CHECK(contains(ns_writer_errmsg(w), want));
    CHECK(contains(ns_writer_errmsg(w), "nothing was committed"));
    CHECK_EQ_INT(ns_writer_put(w, &a, NULL), NS_ELOCKED); /* stopped */
    CHECK_EQ_INT(ns_writer_commit(w), NS_ELOCKED);
    ns_writer_close(w);
    if (how == 0 || how == 1)
        CHECK_EQ_INT(count_files(dir), 0);
    if (how == 2)
        CHECK(access(dir, F_OK) != 0);
    if (how == 0 || how == 2 || how == 3) { /* the old database: its last commit only */
        ns_index *idx;
        CHECK_EQ_INT(ns_index_open(&idx, how == 3 ? dir : old, err, sizeof err), NS_OK);
        ns_stats st;
        CHECK_EQ_INT(ns_index_stats(idx, &st), NS_OK);
        CHECK_EQ_INT(st.documents, 1);
        ns_results *r = NULL;
        CHECK_EQ_INT(ns_index_get_doc(idx, "a", 1, &r), NS_OK);
        ns_results_free(r);
        CHECK_EQ_INT(ns_index_get_doc(idx, "b", 1, &r), NS_ENOTFOUND);
        ns_index_close(idx);
    }
    tc_rmdir(base);
}

static void test_writer_loses_its_folder(void)
{
    owner_case(0, "was replaced", 1);
    /* deleted and made anew: the folder may get the old inode number back,
     * and then it is the missing flintlock that tells */
    owner_case(1, "while this writer ran", 1);
    owner_case(2, "was moved or deleted", 1);
    owner_case(3, "lost its flintlock", 1);
    owner_case(0, "shard-0: the index folder was moved or deleted", 2); /* shards: each checked */
}

/* Nothing changed: commits go on as before. */
static void test_writer_keeps_its_folder(void)
{
    const char *dir = tc_tmpdir("xkeep");
    ns_writer *w = xwriter(dir, 0);
    CHECK(w != NULL);
    ns_doc a = doc("a", "First", "the first wombatine document");
    for (int i = 0; i < 3; i++) {
        CHECK_EQ_INT(ns_writer_put(w, &a, NULL), NS_OK);
        CHECK_EQ_INT(ns_writer_commit(w), NS_OK);
    }
    ns_writer_close(w);
    tc_rmdir(dir);
}

/* ------------------------------------------------------------ explain, expand */

/* Hit i of r explained: the parts' sum, and whether each names what it is
 * (a field, or a ranking rewrite) with a positive score; *has counts the
 * parts whose text starts with prefix. */
static double explained(ns_index *idx, const ns_query *q, const ns_search_options *so,
                        const ns_results *r, size_t i, int *named, const char *prefix, size_t *has)
{
    ns_explain *e = NULL;
    int rc = ns_results_explain(r, i, q, so, &e);
    CHECK_EQ_INT(rc, NS_OK);
    if (rc)
        fprintf(stderr, "explain: %s\n", ns_index_errmsg(idx));
    double sum = 0;
    *named = ns_explain_count(e) > 0;
    for (size_t j = 0; j < ns_explain_count(e); j++) {
        ns_explain_part p;
        CHECK_EQ_INT(ns_explain_get(e, j, &p), NS_OK);
        sum += p.score;
        *named &= (!strncmp(p.what, "text:", 5) || !strncmp(p.what, "title:", 6) ||
                   !strncmp(p.what, "proximity ", 10) || !strncmp(p.what, "feedback ", 9)) &&
                  p.score > 0;
        *has += prefix && !strncmp(p.what, prefix, strlen(prefix));
    }
    ns_explain_free(e);
    return sum;
}

/* On Cranfield in Xapian (one database, then two shards): every hit's
 * explanation adds up to its score within 1e-6 relative, for terms, title
 * terms, prefixes, fuzzy terms, phrases, NEAR, AND/NOT, a nested OR whose
 * AND branch does not match every hit, and the ranking rewrites (whose
 * clauses are parts of their own: proximity, feedback); query expansion
 * adds weighted terms that change the ranking. */
static void test_explain_and_expand(void)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/corpora/cranfield/docs.jsonl", nst_shared_dir());
    tcorpus c = {0};
    if (tc_load(&c, path, 0) != 0) {
        printf("  (no %s: explain on Xapian not checked)\n", path);
        return;
    }
    static const char *const texts[] = {"boundary layer",
                                        "title:flow heat transfer",
                                        "supers* wing",
                                        "bondary~ layer~1 pressure",
                                        "\"boundary layer\" separation",
                                        "shock NEAR/3 wave mach",
                                        "wing -title:delta",
                                        "heat OR (shock AND wave) OR plate"};
    for (unsigned shards = 0; shards <= 2; shards += 2) {
        const char *dir = tc_tmpdir(shards ? "xexplain2" : "xexplain");
        ns_writer *w = xwriter(dir, shards);
        CHECK(w != NULL);
        for (size_t i = 0; w && i < c.n; i++) {
            ns_doc d = {c.d[i].id,    c.d[i].id_len,
                        c.d[i].title, c.d[i].title_len,
                        c.d[i].body,  c.d[i].body_len,
                        "",           0,
                        "",           0,
                        "",           0};
            CHECK_EQ_INT(ns_writer_put(w, &d, NULL), NS_OK);
        }
        CHECK_EQ_INT(ns_writer_commit(w), NS_OK);
        ns_writer_close(w);
        ns_index *idx;
        CHECK_EQ_INT(ns_index_open(&idx, dir, err, sizeof err), NS_OK);
        size_t nhits = 0, nok = 0, nprox = 0, nfb = 0;
        for (size_t t = 0; t < sizeof texts / sizeof *texts; t++) {
            for (int rewrite = 0; rewrite < 3; rewrite++) {
                ns_query_options qo = NS_QUERY_OPTIONS_INIT;
                qo.any = 1;
                ns_query *q, *x = NULL;
                CHECK_EQ_INT(
                    ns_query_parse(&q, idx, texts[t], strlen(texts[t]), &qo, err, sizeof err, NULL),
                    NS_OK);
                if (rewrite == 1)
                    CHECK_EQ_INT(
                        ns_query_add_proximity(q, NS_PROXIMITY_WEIGHT, NS_PROXIMITY_WINDOW), NS_OK);
                if (rewrite == 2) {
                    CHECK_EQ_INT(ns_query_expand(&x, idx, q, NULL, NULL), NS_OK);
                    /* the expanded query says what it added, with weights */
                    CHECK(x && strchr(ns_query_string(x), '^') != NULL);
                    ns_query_free(q);
                    q = x;
                }
                ns_search_options so = NS_SEARCH_OPTIONS_INIT;
                so.k = 20;
                ns_results *r = NULL;
                CHECK_EQ_INT(ns_search(&r, idx, q, &so), NS_OK);
                CHECK(ns_results_count(r) > 0);
                for (size_t i = 0; i < ns_results_count(r); i++) {
                    ns_hit h;
                    ns_results_hit(r, i, &h);
                    int named;
                    size_t has = 0;
                    double sum = explained(idx, q, &so, r, i, &named,
                                           rewrite == 1   ? "proximity "
                                           : rewrite == 2 ? "feedback "
                                                          : NULL,
                                           &has);
                    int ok = named && fabs(sum - h.score) <= 1e-6 * fabs(h.score);
                    if (!ok)
                        fprintf(stderr,
                                "xapian explain '%s' (%d): hit %zu score %.12g, sum %.12g\n",
                                texts[t], rewrite, i + 1, h.score, sum);
                    nhits++;
                    nok += ok;
                    nprox += rewrite == 1 && has;
                    nfb += rewrite == 2 && has;
                }
                ns_results_free(r);
                ns_query_free(q);
            }
        }
        printf("  xapian explain (%u shards): %zu/%zu hits add up; %zu with proximity parts, "
               "%zu with feedback parts\n",
               shards, nok, nhits, nprox, nfb);
        CHECK(nhits > 300 && nok == nhits);
        CHECK(nprox > 0 && nfb > 20);
        /* a hit whose document is deleted since the search: explaining it
         * says so instead of giving parts that do not add up */
        ns_query *q;
        ns_results *r = NULL;
        CHECK_EQ_INT(ns_query_parse(&q, idx, "boundary layer", 14, NULL, err, sizeof err, NULL),
                     NS_OK);
        CHECK_EQ_INT(ns_search(&r, idx, q, NULL), NS_OK);
        ns_hit h;
        CHECK_EQ_INT(ns_results_hit(r, 0, &h), NS_OK);
        w = xwriter(dir, shards);
        CHECK(w != NULL);
        if (w) {
            CHECK_EQ_INT(ns_writer_delete(w, h.id, h.id_len), NS_OK);
            CHECK_EQ_INT(ns_writer_commit(w), NS_OK);
            ns_writer_close(w);
        }
        int changed = 0;
        CHECK_EQ_INT(ns_index_refresh(idx, &changed), NS_OK);
        ns_explain *e = NULL;
        CHECK_EQ_INT(ns_results_explain(r, 0, q, NULL, &e), NS_ENOTFOUND);
        CHECK(e == NULL && contains(ns_index_errmsg(idx), "no longer matches the query"));
        ns_results_free(r);
        ns_query_free(q);
        ns_index_close(idx);
        tc_rmdir(dir);
    }
    tc_free(&c);
}

NS_TEST_MAIN(NST(test_roundtrip_and_search), NST(test_locked_database), NST(test_corrupt_database),
             NST(test_version_and_missing), NST(test_unreachable_remote),
             NST(test_writer_rollback_and_metadata), NST(test_id_terms_and_records),
             NST(test_stub_files), NST(test_detect), NST(test_writer_outcomes),
             NST(test_backend_choice), NST(test_shards_route_by_id), NST(test_missing_shard),
             NST(test_writer_loses_its_folder), NST(test_writer_keeps_its_folder),
             NST(test_fields_errors), NST(test_explain_and_expand))
#endif
