/* drv_fts5.c — benchmark driver for SQLite FTS5 (see common.h for the
 * command line and bench/README.md for the settings and why). */
#include <libstemmer.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"

/* ------------------------------------------------------------ snowball tokenizer
 *
 * FTS5 ships only the Porter stemmer; nsearch and Xapian use Snowball English
 * (Porter2). To give the three engines the same terms (and so comparable match
 * counts), the default tokenizer here is "snowball": FTS5's own unicode61
 * tokenizer with every token stemmed by libstemmer's "english", built exactly
 * as FTS5's porter wrapper is. NB_FTS5_STEMMER=porter selects stock Porter. */

typedef struct snow {
    fts5_tokenizer parent;
    Fts5Tokenizer *inner;
    struct sb_stemmer *stem;
} snow;

typedef struct snow_cb {
    snow *s;
    int prefix;
    void *ctx;
    int (*token)(void *, int, const char *, int, int, int);
} snow_cb;

static void snow_delete(Fts5Tokenizer *t)
{
    snow *s = (snow *)t;
    if (!s)
        return;
    if (s->inner)
        s->parent.xDelete(s->inner);
    if (s->stem)
        sb_stemmer_delete(s->stem);
    sqlite3_free(s);
}

static int snow_create(void *api_ptr, const char **arg, int narg, Fts5Tokenizer **out)
{
    fts5_api *api = api_ptr;
    void *pctx = NULL;
    const char *parent = narg > 0 ? arg[0] : "unicode61";
    snow *s = sqlite3_malloc(sizeof *s);
    if (!s)
        return SQLITE_NOMEM;
    memset(s, 0, sizeof *s);
    int rc = api->xFindTokenizer(api, parent, &pctx, &s->parent);
    if (rc == SQLITE_OK)
        rc = s->parent.xCreate(pctx, narg > 0 ? arg + 1 : NULL, narg > 0 ? narg - 1 : 0, &s->inner);
    if (rc == SQLITE_OK && !(s->stem = sb_stemmer_new("english", NULL)))
        rc = SQLITE_NOMEM;
    if (rc != SQLITE_OK) {
        snow_delete((Fts5Tokenizer *)s);
        s = NULL;
    }
    *out = (Fts5Tokenizer *)s;
    return rc;
}

static int snow_token(void *ctx, int flags, const char *tok, int n, int start, int end)
{
    snow_cb *cb = ctx;
    if (cb->prefix) /* "appe*" must stay "appe", as in nsearch and Xapian */
        return cb->token(cb->ctx, flags, tok, n, start, end);
    const sb_symbol *st = sb_stemmer_stem(cb->s->stem, (const sb_symbol *)tok, n);
    if (!st)
        return SQLITE_NOMEM;
    return cb->token(cb->ctx, flags, (const char *)st, sb_stemmer_length(cb->s->stem), start, end);
}

static int snow_tokenize(Fts5Tokenizer *t, void *ctx, int flags, const char *text, int n,
                         int (*token)(void *, int, const char *, int, int, int))
{
    snow *s = (snow *)t;
    snow_cb cb = {s, (flags & FTS5_TOKENIZE_PREFIX) != 0, ctx, token};
    return s->parent.xTokenize(s->inner, &cb, flags, text, n, snow_token);
}

static int register_snowball(sqlite3 *db, char *err, size_t errlen)
{
    fts5_api *api = NULL;
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db, "SELECT fts5(?1)", -1, &st, NULL) == SQLITE_OK) {
        sqlite3_bind_pointer(st, 1, (void *)&api, "fts5_api_ptr", NULL);
        sqlite3_step(st);
    }
    sqlite3_finalize(st);
    static fts5_tokenizer tok = {snow_create, snow_delete, snow_tokenize};
    if (!api || api->xCreateTokenizer(api, "snowball", api, &tok, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "cannot register the snowball tokenizer");
        return -1;
    }
    return 0;
}

static int use_porter;

/* Opens a connection with the custom tokenizer available. */
static int open_db(const char *path, int flags, sqlite3 **db, char *err, size_t errlen)
{
    if (sqlite3_open_v2(path, db, flags, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "%s: %s", path, *db ? sqlite3_errmsg(*db) : "cannot open");
        return -1;
    }
    return register_snowball(*db, err, errlen);
}

/* FTS5 counts a snippet in tokens, the others in bytes: 40 tokens of English
 * text is about the 260 bytes nsearch and Xapian are asked for. */
#define SNIPPET_TOKENS "40"

#define SCHEMA_HEAD "CREATE VIRTUAL TABLE docs USING fts5(id UNINDEXED, title, body, tokenize = '"
#define SCHEMA_TAIL                                                                                \
    " unicode61 remove_diacritics 2');" /* BM25 with the title counting twice, like nsearch's      \
                                           BM25F title weight */                                   \
    "INSERT INTO docs(docs, rank) VALUES('rank', 'bm25(0.0, 2.0, 1.0)');"

typedef struct fts {
    sqlite3 *db;
    sqlite3_stmt *count, *top10, *snippet, *trec;
} fts;

static int fail(sqlite3 *db, char *err, size_t errlen, const char *what)
{
    snprintf(err, errlen, "%s: %s", what, db ? sqlite3_errmsg(db) : "cannot open");
    return -1;
}

static int exec(sqlite3 *db, const char *sql, char *err, size_t errlen)
{
    char *msg = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        snprintf(err, errlen, "%s: %s", sql, msg ? msg : "?");
        sqlite3_free(msg);
        return -1;
    }
    return 0;
}

static int f_build(void *ctx, const char *path, const nb_corpus *c, char *err, size_t errlen)
{
    (void)ctx;
    sqlite3 *db = NULL;
    sqlite3_stmt *ins = NULL;
    nb_rm_rf(path);
    if (open_db(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, &db, err, errlen))
        goto bad;
    if (exec(db,
             "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;"
             " PRAGMA cache_size = -65536;",
             err, errlen) ||
        exec(db, use_porter ? SCHEMA_HEAD "porter" SCHEMA_TAIL : SCHEMA_HEAD "snowball" SCHEMA_TAIL,
             err, errlen) ||
        exec(db, "BEGIN", err, errlen))
        goto bad;
    if (sqlite3_prepare_v2(db, "INSERT INTO docs(rowid, id, title, body) VALUES(?,?,?,?)", -1, &ins,
                           NULL) != SQLITE_OK) {
        fail(db, err, errlen, "prepare insert");
        goto bad;
    }
    for (size_t i = 0; i < c->n; i++) {
        const nb_doc *d = &c->docs[i];
        sqlite3_bind_int64(ins, 1, (sqlite3_int64)i + 1);
        sqlite3_bind_text(ins, 2, d->id, -1, SQLITE_STATIC);
        sqlite3_bind_text(ins, 3, d->title, (int)d->title_len, SQLITE_STATIC);
        sqlite3_bind_text(ins, 4, d->body, (int)d->body_len, SQLITE_STATIC);
        if (sqlite3_step(ins) != SQLITE_DONE) {
            fail(db, err, errlen, d->id);
            goto bad;
        }
        sqlite3_reset(ins);
    }
    sqlite3_finalize(ins);
    ins = NULL;
    if (exec(db, "COMMIT", err, errlen))
        goto bad;
    sqlite3_close(db);
    return 0;
bad:
    sqlite3_finalize(ins);
    sqlite3_close(db);
    return -1;
}

/* Merges every segment into one b-tree ('optimize'), then VACUUM drops the
 * pages freed by the merges so the file size is the index size. */
static int f_optimize(void *ctx, const char *path, char *err, size_t errlen)
{
    (void)ctx;
    sqlite3 *db = NULL;
    if (open_db(path, SQLITE_OPEN_READWRITE, &db, err, errlen)) {
        sqlite3_close(db);
        return -1;
    }
    int rc = exec(db,
                  "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;"
                  " PRAGMA cache_size = -65536;"
                  " INSERT INTO docs(docs) VALUES('optimize'); VACUUM;",
                  err, errlen);
    sqlite3_close(db);
    return rc;
}

/* Bytes per shadow table, from the dbstat virtual table when SQLite has it. */
static size_t f_sizes(void *ctx, const char *path, nb_size *out, size_t cap)
{
    (void)ctx;
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    size_t n = 0;
    uint64_t postings = 0, stored = 0, norms = 0, other = 0;
    int have = 0;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
        sqlite3_prepare_v2(db, "SELECT name, SUM(pgsize) FROM dbstat GROUP BY name", -1, &st,
                           NULL) == SQLITE_OK) {
        while (sqlite3_step(st) == SQLITE_ROW) {
            const char *name = (const char *)sqlite3_column_text(st, 0);
            uint64_t b = (uint64_t)sqlite3_column_int64(st, 1);
            have = 1;
            if (!strcmp(name, "docs_data") || !strcmp(name, "docs_idx"))
                postings += b;
            else if (!strcmp(name, "docs_content"))
                stored += b;
            else if (!strcmp(name, "docs_docsize"))
                norms += b;
            else
                other += b;
        }
    }
    sqlite3_finalize(st);
    sqlite3_close(db);
    if (have && cap >= 5) {
        out[n++] = (nb_size){"index", postings}; /* dictionary, doclists and positions */
        out[n++] = (nb_size){"stored", stored};
        out[n++] = (nb_size){"norms", norms};
        out[n++] = (nb_size){"other", other};
    }
    if (n < cap)
        out[n++] = (nb_size){"total", nb_file_size(path)};
    return n;
}

static int f_open(void *ctx, const char *path, char *err, size_t errlen)
{
    fts *f = ctx;
    if (open_db(path, SQLITE_OPEN_READONLY, &f->db, err, errlen))
        return -1;
    /* mmap the whole file, as nsearch and Xapian read theirs through the page cache */
    if (exec(f->db, "PRAGMA mmap_size = 4294967296; PRAGMA cache_size = -65536;", err, errlen))
        return -1;
    static const char *const sql[] = {
        "SELECT count(*) FROM docs WHERE docs MATCH ?1",
        "SELECT rowid, rank FROM docs WHERE docs MATCH ?1 ORDER BY rank LIMIT 10",
        "SELECT rowid, rank, snippet(docs, 2, '<b>', '</b>', '...', " SNIPPET_TOKENS ")"
        " FROM docs WHERE docs MATCH ?1 ORDER BY rank LIMIT 10",
        "SELECT rowid, rank FROM docs WHERE docs MATCH ?1 ORDER BY rank LIMIT 100"};
    sqlite3_stmt **st[] = {&f->count, &f->top10, &f->snippet, &f->trec};
    for (int i = 0; i < 4; i++)
        if (sqlite3_prepare_v3(f->db, sql[i], -1, SQLITE_PREPARE_PERSISTENT, st[i], NULL) !=
            SQLITE_OK)
            return fail(f->db, err, errlen, sql[i]);
    return 0;
}

static int f_run(void *ctx, nb_mode mode, const char *q, nb_out *out)
{
    fts *f = ctx;
    sqlite3_stmt *st = mode == NB_COUNT     ? f->count
                       : mode == NB_TOP10   ? f->top10
                       : mode == NB_SNIPPET ? f->snippet
                                            : f->trec;
    sqlite3_bind_text(st, 1, q, -1, SQLITE_STATIC);
    int rc;
    out->nhits = 0;
    out->count = 0;
    out->snippet_bytes = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (mode == NB_COUNT) {
            out->count = (uint64_t)sqlite3_column_int64(st, 0);
            continue;
        }
        if (out->nhits < NB_TREC_K) {
            nb_hit *h = &out->hits[out->nhits++];
            h->ord = (uint64_t)sqlite3_column_int64(st, 0) - 1;
            h->id = NULL;
            h->score = -sqlite3_column_double(st, 1); /* rank is -bm25 */
        }
        if (mode == NB_SNIPPET)
            out->snippet_bytes += (size_t)sqlite3_column_bytes(st, 2);
    }
    if (rc != SQLITE_DONE)
        snprintf(out->err, sizeof out->err, "%s", sqlite3_errmsg(f->db));
    sqlite3_reset(st);
    if (mode != NB_COUNT)
        out->count = out->nhits;
    return rc == SQLITE_DONE ? 0 : -1;
}

static void f_close(void *ctx)
{
    fts *f = ctx;
    sqlite3_finalize(f->count);
    sqlite3_finalize(f->top10);
    sqlite3_finalize(f->snippet);
    sqlite3_finalize(f->trec);
    sqlite3_close(f->db);
    memset(f, 0, sizeof *f);
}

static const char *f_version(void *ctx)
{
    (void)ctx;
    static char v[64];
    snprintf(v, sizeof v, "SQLite %s", sqlite3_libversion());
    return v;
}

#define SETTINGS                                                                                   \
    "fts5(id UNINDEXED; title; body); rank=bm25(0;2;1) [k1=1.2 b=0.75 fixed]; one"                 \
    " transaction; journal_mode=OFF; synchronous=OFF; cache_size=64MiB; automerge default;"        \
    " optimize+VACUUM; search: mmap_size=4GiB; snippet() " SNIPPET_TOKENS " tokens of body"

int main(int argc, char **argv)
{
    fts f = {0};
    const char *stemmer = getenv("NB_FTS5_STEMMER");
    use_porter = stemmer && !strcmp(stemmer, "porter");
    nb_engine e = {
        .name = use_porter ? "fts5porter" : "fts5",
        .syntax = NB_SYN_FTS5,
        .ctx = &f,
        .build = f_build,
        .optimize = f_optimize,
        .sizes = f_sizes,
        .open = f_open,
        .run = f_run,
        .close = f_close,
        .version = f_version,
        .settings = use_porter ? "tokenize=porter unicode61 remove_diacritics 2; " SETTINGS
                               : "tokenize=snowball(english via libstemmer) unicode61"
                                 " remove_diacritics 2; " SETTINGS,
    };
    return nb_main(&e, argc, argv);
}
