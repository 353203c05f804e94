/* xwrite.c — ns_writer on Xapian: one database, or N shards.
 *
 * Documents are analysed by our analyzer and handed to Xapian as terms with
 * positions (layout: xinternal.h), so both backends index exactly the same
 * terms. With N shards a document always goes to shard FNV-1a-64(id) mod N:
 * re-indexing finds it where it was, and an id is never in two shards. Each
 * shard keeps a transaction open between commits (nsx.h), so closing without
 * committing discards changes as the native writer does; a commit commits
 * the shards one after the other (a crash in between leaves some shards one
 * batch behind, never a document twice).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "analysis/analyzer.h"
#include "analysis/fingerprint.h"
#include "common/io.h"
#include "format/codec.h"
#include "format/record.h"
#include "write/surfaces.h"
#include "xfields.h"
#include "xinternal.h"

struct nsi_xwriter {
    char *dir;
    size_t nshards;
    nsx_wdb **shards;
    char **names; /* shard paths, for messages */
    char language[64];
    ns_writer_options opts;
    nsi_analyzer *an;
    nsx_doc *doc;
    nsi_buf rec, data, fields; /* fields: the record without its body (value 2) */
    nsi_surfaces *surf;        /* the document's words as written (spelling) */
    nsi_surfaces **pending;    /* per shard: words of documents put since the
                                  last commit, with their counts, added to the
                                  spelling table at the commit */
    int rc;                    /* first failure inside an analyzer callback */
    int new_stub;              /* a new sharded index: its stub is still to write */
    unsigned since_commit;
    char *err; /* the handle's message (NSI_ERRMSG bytes) */
    /* What each shard's folder and its flintlock were when opened (dev,
     * ino; 0 when absent), and whether this writer found them changed. */
    struct shard_id {
        dev_t dir_dev, lock_dev;
        ino_t dir_ino, lock_ino;
    } * held;
    int lost;
    /* typed fields (xfields.h) */
    nsi_xschema schema;
    int schema_dirty; /* a field was added: the metadata is written at commit */
    nsi_xfvals vals;
    nsi_fp fp;
    nsi_buf scratch;
};

static int xerr(nsi_xwriter *x, int rc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void remember_shards(nsi_xwriter *x);
static int xerr(nsi_xwriter *x, int rc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(x->err, NSI_ERRMSG, fmt, ap);
    va_end(ap);
    return rc;
}

/* The failure of a call on shard i, with its message. */
static int shard_err(nsi_xwriter *x, size_t i, int rc)
{
    const char *m = nsx_wdb_errmsg(x->shards[i]);
    if (x->nshards == 1)
        return xerr(x, rc, "%s: %s", x->dir, m);
    return xerr(x, rc, "%s: shard %zu (%s): %s", x->dir, i, x->names[i], m);
}

/* Writes path/XAPIANDB for n shards: write a temporary file, fsync, then
 * rename (through the I/O layer, so fault injection reaches it). */
static int write_stub(nsi_xwriter *x)
{
    char tmp[4410], final[4400];
    snprintf(final, sizeof final, "%s/%s", x->dir, NSX_STUB_NAME);
    snprintf(tmp, sizeof tmp, "%s.tmp", final);
    nsi_buf b = {0};
    int rc =
        nsi_buf_printf(&b,
                       "# nsearch: %zu Xapian shards. Document ID lives in shard FNV-1a-64(ID) "
                       "mod %zu:\n# keep the lines in this order. docs/scale-out.md tells how "
                       "to serve them.\n",
                       x->nshards, x->nshards);
    for (size_t i = 0; !rc && i < x->nshards; i++)
        rc = nsi_buf_printf(&b, "auto shard-%zu\n", i);
    if (rc) {
        nsi_buf_free(&b);
        return xerr(x, rc, "out of memory");
    }
    int fd = nsi_io_open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        int e = errno;
        nsi_buf_free(&b);
        return xerr(x, nsi_errno_status(e), "%s: %s", tmp, strerror(e));
    }
    int bad = nsi_io_write_full(fd, b.data, b.len) || nsi_io_fsync(fd);
    int e = errno;
    if (nsi_io_close(fd) && !bad) {
        bad = 1;
        e = errno;
    }
    nsi_buf_free(&b);
    if (bad || nsi_io_rename(tmp, final)) {
        if (!bad)
            e = errno;
        nsi_io_unlink(tmp);
        return xerr(x, nsi_errno_status(e), "%s: %s", final, strerror(e));
    }
    return NS_OK;
}

/* The shard paths of the index at x->dir: from its stub, or new. */
static int shard_paths(nsi_xwriter *x, unsigned want)
{
    enum nsi_kind kind = nsi_backend_detect(x->dir);
    struct stat st;
    if (kind == NSI_KIND_NATIVE && nsi_io_stat(x->dir, &st) == 0 && S_ISDIR(st.st_mode)) {
        char c[4400];
        snprintf(c, sizeof c, "%s/COMMIT", x->dir);
        if (nsi_io_stat(c, &st) == 0)
            return xerr(x, NS_EINVAL,
                        "%s holds a native nsearch index; the Xapian backend is chosen only "
                        "for a new index",
                        x->dir);
    }
    if (kind == NSI_KIND_XAPIAN_FILE)
        return xerr(x, NS_EUNSUPPORTED, "%s: a single-file Xapian database is read-only", x->dir);
    if (kind == NSI_KIND_XAPIAN_STUB) {
        char *file = nsi_stub_file(x->dir);
        nsi_stub_entry *e;
        size_t n;
        int rc = file ? nsi_stub_read(file, &e, &n, x->err, NSI_ERRMSG) : NS_ENOMEM;
        free(file);
        if (rc)
            return rc;
        x->names = calloc(n, sizeof *x->names);
        for (size_t i = 0; x->names && i < n && !rc; i++) {
            if (e[i].kind != NSI_STUB_LOCAL)
                rc = xerr(x, NS_EUNSUPPORTED,
                          "%s: shard %s is remote; index it where it is stored "
                          "(docs/scale-out.md)",
                          x->dir, e[i].name);
            else if (!(x->names[i] = strdup(e[i].where)))
                rc = NS_ENOMEM;
        }
        x->nshards = n;
        nsi_stub_free(e, n);
        if (!x->names)
            return xerr(x, NS_ENOMEM, "out of memory");
        if (!rc && want > 1 && want != n)
            rc = xerr(x, NS_EINVAL, "%s has %zu shards, not %u; shards cannot be added", x->dir, n,
                      want);
        return rc;
    }
    if (kind == NSI_KIND_XAPIAN_DB && want > 1)
        return xerr(x, NS_EINVAL, "%s is one Xapian database; it cannot be split into shards",
                    x->dir);
    x->nshards = kind == NSI_KIND_XAPIAN_DB || want <= 1 ? 1 : want;
    if (!(x->names = calloc(x->nshards, sizeof *x->names)))
        return xerr(x, NS_ENOMEM, "out of memory");
    for (size_t i = 0; i < x->nshards; i++) {
        size_t len = strlen(x->dir) + 32;
        if (!(x->names[i] = malloc(len)))
            return xerr(x, NS_ENOMEM, "out of memory");
        if (x->nshards == 1)
            snprintf(x->names[i], len, "%s", x->dir);
        else
            snprintf(x->names[i], len, "%s/shard-%zu", x->dir, i);
    }
    if (x->nshards == 1)
        return NS_OK;
    x->new_stub = 1;
    int e = nsi_io_mkdir_p(x->dir);
    if (e)
        return xerr(x, nsi_errno_status(e), "%s: cannot create index directory: %s", x->dir,
                    strerror(e));
    return NS_OK;
}

/* Reads or sets the metadata of shard i: format, language, place. */
static int check_shard(nsi_xwriter *x, size_t i, int *fresh)
{
    nsx_wdb *w = x->shards[i];
    char fmt[16], lang[64], where[64], want[64];
    size_t nf, nl, nw;
    int rc = nsx_wdb_get_metadata(w, NSX_META_FORMAT, fmt, sizeof fmt - 1, &nf);
    if (!rc)
        rc = nsx_wdb_get_metadata(w, NSX_META_LANGUAGE, lang, sizeof lang - 1, &nl);
    if (!rc)
        rc = nsx_wdb_get_metadata(w, NSX_META_SHARD, where, sizeof where - 1, &nw);
    if (rc)
        return shard_err(x, i, rc);
    snprintf(want, sizeof want, "%zu/%zu", i, x->nshards);
    if (nf == 0 && nsx_wdb_doccount(w) == 0) {
        *fresh = 1;
        if ((rc = nsx_wdb_set_metadata(w, NSX_META_FORMAT, NSX_FORMAT, strlen(NSX_FORMAT))) ||
            (rc = nsx_wdb_set_metadata(w, NSX_META_LANGUAGE, x->language, strlen(x->language))) ||
            (rc = nsx_wdb_set_metadata(w, NSX_META_SHARD, want, strlen(want))))
            return shard_err(x, i, rc);
        return NS_OK;
    }
    fmt[nf < sizeof fmt ? nf : sizeof fmt - 1] = 0;
    lang[nl < sizeof lang ? nl : sizeof lang - 1] = 0;
    where[nw < sizeof where ? nw : sizeof where - 1] = 0;
    if (nf == 0)
        return xerr(x, NS_EINVAL, "%s: a Xapian database that nsearch did not write", x->names[i]);
    if (strcmp(fmt, NSX_FORMAT))
        return xerr(x, NS_EVERSION, "%s: nsearch Xapian layout %s, this library reads %s",
                    x->names[i], fmt, NSX_FORMAT);
    if (strcmp(where, want))
        return xerr(x, NS_ECORRUPT,
                    "%s: this shard was written as %s, the stub lists it as %s; restore "
                    "the order of the stub's lines",
                    x->names[i], where, want);
    *fresh = 0;
    snprintf(x->language, sizeof x->language, "%s", lang);
    return NS_OK;
}

static int open_shards(nsi_xwriter *x)
{
    const char *lang = nsi_language_canonical(x->opts.language ? x->opts.language : "english");
    if (!lang)
        return xerr(x, NS_EINVAL, "unknown language '%s' (see nindex --help)", x->opts.language);
    snprintf(x->language, sizeof x->language, "%s", lang);
    if (!(x->shards = calloc(x->nshards, sizeof *x->shards)))
        return xerr(x, NS_ENOMEM, "out of memory");
    unsigned flags = x->opts.wait_for_lock ? NSX_WAIT_FOR_LOCK : 0;
    for (size_t i = 0; i < x->nshards; i++) {
        char err[NSI_ERRMSG];
        int rc = nsx_wdb_open(&x->shards[i], x->names[i], flags, err, sizeof err);
        if (rc == NS_ELOCKED)
            return xerr(x, rc, "%s: index is locked by another writer (%s)", x->names[i], err);
        if (rc)
            return xerr(x, rc, "%s: %s", x->names[i], err);
    }
    int fresh = 0;
    for (size_t i = 0; i < x->nshards; i++) {
        char before[64];
        snprintf(before, sizeof before, "%s", x->language);
        int rc = check_shard(x, i, &fresh);
        if (rc)
            return rc;
        if (!fresh && x->opts.language && strcmp(x->language, lang))
            return xerr(x, NS_EINVAL, "%s: index language is %s, not %s", x->dir, x->language,
                        x->opts.language);
        if (i && strcmp(before, x->language))
            return xerr(x, NS_ECORRUPT, "%s: shards disagree on the language (%s, %s)", x->dir,
                        before, x->language);
    }
    return x->new_stub ? write_stub(x) : NS_OK;
}

/* The fields the index knows, from shard 0's metadata (every shard holds
 * the same: the writer writes them all). */
static int load_schema(nsi_xwriter *x)
{
    size_t cap = 1u << 16, got;
    char *b = malloc(cap);
    if (!b)
        return xerr(x, NS_ENOMEM, "out of memory");
    int rc = nsx_wdb_get_metadata(x->shards[0], NSX_META_FIELDS, b, cap, &got);
    if (rc) {
        free(b);
        return shard_err(x, 0, rc);
    }
    rc = got > cap ? NS_ECORRUPT : nsi_xschema_parse(b, got, &x->schema);
    free(b);
    if (rc)
        return xerr(x, rc, "%s: the field table (metadata %s) is damaged", x->names[0],
                    NSX_META_FIELDS);
    return NS_OK;
}

int nsi_xap_writer_open(void **out, const char *path, const ns_writer_options *opts, char *err)
{
    nsi_xwriter *x = calloc(1, sizeof *x);
    if (!x || !(x->dir = strdup(path))) {
        free(x);
        return nsi_fail(err, NSI_ERRMSG, NS_ENOMEM, "out of memory");
    }
    x->err = err;
    x->opts = *opts;
    x->rec.limit = (size_t)NS_MAX_DOC_BYTES + 4096;
    x->data.limit = (size_t)NS_MAX_DOC_BYTES * 2;
    x->fields.limit = (size_t)NS_MAX_DOC_BYTES * 2;
    int rc = shard_paths(x, x->opts.version >= 2 ? x->opts.shards : 0);
    if (!rc)
        rc = open_shards(x);
    if (!rc)
        rc = load_schema(x);
    if (!rc && !(x->held = calloc(x->nshards, sizeof *x->held)))
        rc = xerr(x, NS_ENOMEM, "out of memory");
    if (!rc)
        remember_shards(x);
    if (!rc && (rc = nsi_analyzer_new(&x->an, x->language)))
        xerr(x, rc, "cannot create the %s analyzer", x->language);
    if (!rc && ((rc = nsx_doc_new(&x->doc)) || (rc = nsi_surfaces_new(&x->surf))))
        xerr(x, rc, "out of memory");
    if (!rc && !(x->pending = calloc(x->nshards, sizeof *x->pending)))
        rc = xerr(x, NS_ENOMEM, "out of memory");
    for (size_t i = 0; !rc && i < x->nshards; i++)
        if ((rc = nsi_surfaces_new(&x->pending[i])))
            xerr(x, rc, "out of memory");
    if (rc) {
        nsi_xap_writer_close(x);
        return rc;
    }
    *out = x;
    return NS_OK;
}

/* ---- ownership (docs/xapian.md, "Writing"): Xapian opens its tables by
 * path at every commit, so a folder moved, deleted or replaced under a
 * writer would get the new revision written into whatever is at the path
 * now. Its flintlock guards against a second Xapian writer, not against
 * that. So, as the native writer does (nsi_lock_check), the identity of
 * every shard's folder and flintlock is kept at open and checked before
 * each commit; a change stops the writer with NS_ELOCKED, and closing it
 * cancels the open transaction (nsx_wdb_close), so nothing reaches the new
 * folder. */

static void remember_shards(nsi_xwriter *x)
{
    for (size_t i = 0; i < x->nshards; i++) {
        struct stat st;
        char lock[4200];
        snprintf(lock, sizeof lock, "%s/flintlock", x->names[i]);
        if (stat(x->names[i], &st) == 0) {
            x->held[i].dir_dev = st.st_dev;
            x->held[i].dir_ino = st.st_ino;
        }
        if (stat(lock, &st) == 0) {
            x->held[i].lock_dev = st.st_dev;
            x->held[i].lock_ino = st.st_ino;
        }
    }
}

static int check_owner(nsi_xwriter *x)
{
    if (x->lost)
        return NS_ELOCKED;
    for (size_t i = 0; i < x->nshards; i++) {
        struct stat st;
        char lock[4200];
        const char *what = NULL;
        snprintf(lock, sizeof lock, "%s/flintlock", x->names[i]);
        if (stat(x->names[i], &st) != 0)
            what = "was moved or deleted";
        else if (x->held[i].dir_ino &&
                 (st.st_dev != x->held[i].dir_dev || st.st_ino != x->held[i].dir_ino))
            what = "was replaced";
        else if (x->held[i].lock_ino && stat(lock, &st) != 0)
            what = "lost its flintlock (removed)";
        else if (x->held[i].lock_ino &&
                 (st.st_dev != x->held[i].lock_dev || st.st_ino != x->held[i].lock_ino))
            what = "has another flintlock (replaced)";
        if (what) {
            x->lost = 1;
            return xerr(x, NS_ELOCKED,
                        "%s: the index folder %s while this writer ran; nothing was committed "
                        "to it, and this writer stops",
                        x->names[i], what);
        }
    }
    return NS_OK;
}

void nsi_xap_writer_close(void *vx)
{
    nsi_xwriter *x = vx;
    free(x->held);
    for (size_t i = 0; x->shards && i < x->nshards; i++)
        nsx_wdb_close(x->shards[i]);
    for (size_t i = 0; x->names && i < x->nshards; i++)
        free(x->names[i]);
    free(x->shards);
    free(x->names);
    nsi_analyzer_free(x->an);
    nsx_doc_free(x->doc);
    nsi_surfaces_free(x->surf);
    for (size_t i = 0; x->pending && i < x->nshards; i++)
        nsi_surfaces_free(x->pending[i]);
    free(x->pending);
    nsi_buf_free(&x->rec);
    nsi_buf_free(&x->data);
    nsi_buf_free(&x->fields);
    nsi_xschema_free(&x->schema);
    free(x->vals.v);
    nsi_fp_free(&x->fp);
    nsi_buf_free(&x->scratch);
    free(x->dir);
    free(x);
}

static size_t shard_of(const nsi_xwriter *x, const char *id, size_t len)
{
    return x->nshards > 1 ? (size_t)(nsi_fnv1a64(id, len, NSI_FNV_SEED) % x->nshards) : 0;
}

typedef struct post_ctx {
    nsi_xwriter *x;
    int title;
    const char *text; /* what is analysed (words as written) */
} post_ctx;

/* A body token is the plain term at NSX_BODY_BASE + its position; a title
 * token is the plain term (wdf NSX_TITLE_WDF) and the S-term, both at its
 * position. */
static int add_token(void *vc, const nsi_token *t)
{
    post_ctx *c = vc;
    char term[NS_MAX_TERM_BYTES * 2 + 2];
    if (t->term_len + 1 >= sizeof term)
        return 0; /* the analyzer never makes these; Xapian would refuse them */
    term[0] = NSX_TITLE_PREFIX;
    memcpy(term + 1, t->term, t->term_len);
    int rc;
    nsi_fp_word(&c->x->fp, t->term, t->term_len, !c->title);
    if (!c->title)
        rc = nsx_doc_add_posting(c->x->doc, t->term, t->term_len, NSX_BODY_BASE + t->pos + 1, 1);
    else if (!(rc =
                   nsx_doc_add_posting(c->x->doc, t->term, t->term_len, t->pos + 1, NSX_TITLE_WDF)))
        rc = nsx_doc_add_posting(c->x->doc, term, t->term_len + 1, t->pos + 1, 1);
    if (!rc)
        rc = nsi_surfaces_token(c->x->surf, c->text + t->start, t->end - t->start);
    if (rc)
        c->x->rc = rc;
    return rc;
}

/* Builds x->doc from doc: postings, id term, hash, id and fields values,
 * data. */
static int build_doc(nsi_xwriter *x, const ns_doc *doc, const char *idterm, size_t idlen,
                     uint64_t hash)
{
    int rc = nsx_doc_clear(x->doc);
    post_ctx c = {x, 1, doc->title ? doc->title : ""};
    x->rc = NS_OK;
    nsi_fp_reset(&x->fp);
    nsi_surfaces_clear(x->surf);
    if (!rc)
        rc = nsi_analyze(x->an, doc->title ? doc->title : "", doc->title_len, 0, 0, add_token, &c,
                         NULL);
    c.title = 0;
    c.text = doc->body ? doc->body : "";
    if (!rc)
        rc = nsi_analyze(x->an, doc->body ? doc->body : "", doc->body_len, 0, 0, add_token, &c,
                         NULL);
    if (rc)
        return x->rc ? x->rc : rc;
    uint8_t h[8];
    nsi_put_u64le(h, hash);
    nsi_record rec;
    if (nsi_record_decode(x->rec.data, x->rec.len, &rec))
        return NS_ECORRUPT; /* cannot happen: x->rec was just encoded */
    nsi_buf_reset(&x->fields);
    if ((rc = nsi_record_encode_fields(&rec, &x->fields)) ||
        (rc = nsx_doc_add_boolean(x->doc, idterm, idlen)) ||
        (rc = nsx_doc_set_value(x->doc, NSX_SLOT_HASH, h, sizeof h)) ||
        (rc = nsx_doc_set_value(x->doc, NSX_SLOT_ID, doc->id, doc->id_len)) ||
        (rc = nsx_doc_set_value(x->doc, NSX_SLOT_FIELDS, x->fields.data, x->fields.len)) ||
        (rc = nsi_xap_pack(x->rec.data, x->rec.len, &x->data)))
        return rc;
    uint64_t sim = 0, exact = 0;
    if ((rc = nsi_fp_finish(&x->fp, NSI_SIMHASH_SHINGLE, &sim, &exact)))
        return rc;
    if (sim || exact) { /* both 0: unknown, never collapsed */
        uint8_t e[8], s8[8];
        for (int i = 0; i < 8; i++)
            e[i] = (uint8_t)(exact >> (56 - 8 * i));
        nsi_put_u64le(s8, sim);
        if ((rc = nsx_doc_set_value(x->doc, NSX_SLOT_EXACT, e, 8)) ||
            (rc = nsx_doc_set_value(x->doc, NSX_SLOT_SIMHASH, s8, 8)))
            return rc;
    }
    if (x->vals.n && (rc = nsi_xfields_add(x->doc, &x->schema, &x->vals, x->an, &x->scratch)))
        return rc;
    return nsx_doc_set_data(x->doc, x->data.data, x->data.len);
}

/* Adds the document's new fields to the schema (written at commit). */
static int learn_fields(nsi_xwriter *x, const ns_doc *doc)
{
    for (size_t i = 0; i < x->vals.n; i++) {
        const nsi_xfval *v = &x->vals.v[i];
        if (nsi_xschema_find(&x->schema, v->name, v->name_len) >= 0)
            continue;
        size_t user = x->schema.n - (nsi_xschema_find(&x->schema, "date", 4) >= 0);
        int builtin = v->name_len == 4 && !memcmp(v->name, "date", 4);
        if (!builtin && user >= NSI_FIELD_MAX)
            return xerr(x, NS_ETOOBIG, "document %.*s: more than %d typed fields in the index",
                        (int)(doc->id_len > 200 ? 200 : doc->id_len), doc->id, NSI_FIELD_MAX);
        int rc = nsi_xschema_add(&x->schema, v->name, v->name_len, v->type);
        if (rc)
            return xerr(x, rc, "field '%.*s': %s", (int)v->name_len, v->name, ns_strerror(rc));
        x->schema_dirty = 1;
    }
    return NS_OK;
}

typedef struct spell_ctx {
    nsx_wdb *db;
    int rc;
} spell_ctx;

static int pend_word(void *ctx, const char *word, size_t len, uint64_t df)
{
    return nsi_surfaces_add(ctx, word, len, df);
}

static int add_spelling(void *ctx, const char *word, size_t len, uint64_t df)
{
    spell_ctx *c = ctx;
    return c->rc = nsx_wdb_add_spelling(c->db, word, len, df > UINT_MAX ? UINT_MAX : (unsigned)df);
}

int nsi_xap_put(void *vx, const ns_doc *doc, int *outcome)
{
    return nsi_xap_put_fields(vx, doc, NULL, 0, outcome);
}

int nsi_xap_put_fields(void *vx, const ns_doc *doc, const ns_field *fields, size_t nfields,
                       int *outcome)
{
    nsi_xwriter *x = vx;
    if (x->lost)
        return NS_ELOCKED;
    int idn = (int)(doc->id_len > 200 ? 200 : doc->id_len);
    int rc = nsi_record_encode(doc, &x->rec);
    if (rc)
        return xerr(x, rc, "document %.*s: %s", idn, doc->id, ns_strerror(rc));
    uint64_t hash = nsi_fnv1a64(x->rec.data, x->rec.len, NSI_FNV_SEED);
    if ((rc = nsi_xfields_resolve(&x->schema, doc, fields, nfields, &x->vals, &hash, x->err)))
        return rc;
    char idterm[NSX_ID_TERM_MAX];
    size_t idlen = nsi_xap_id_term(doc->id, doc->id_len, idterm);
    size_t s = shard_of(x, doc->id, doc->id_len);
    uint8_t old[8];
    size_t got;
    int result = NS_PUT_UPDATED;
    rc =
        nsx_wdb_value_of(x->shards[s], idterm, idlen, NSX_SLOT_HASH, (char *)old, sizeof old, &got);
    if (rc == NS_ENOTFOUND)
        result = NS_PUT_ADDED;
    else if (rc)
        return shard_err(x, s, rc);
    else if (got == 8 && nsi_get_u64le(old) == hash) {
        if (outcome)
            *outcome = NS_PUT_UNCHANGED;
        return NS_OK;
    }
    if ((rc = learn_fields(x, doc)))
        return rc;
    /* the built-in date is a field of every index with documents, as natively */
    if (nsi_xschema_find(&x->schema, "date", 4) < 0) {
        if ((rc = nsi_xschema_add(&x->schema, "date", 4, NS_FIELD_DATE)))
            return xerr(x, rc, "%s", ns_strerror(rc));
        x->schema_dirty = 1;
    }
    if ((rc = build_doc(x, doc, idterm, idlen, hash)))
        return xerr(x, rc, "document %.*s: %s", idn, doc->id, ns_strerror(rc));
    if ((rc = nsx_wdb_replace(x->shards[s], idterm, idlen, x->doc)))
        return shard_err(x, s, rc);
    /* its words as written, once each, for the shard's spelling table at
     * the commit (a replaced or deleted document's are not taken out:
     * docs/xapian.md) */
    nsi_surfaces_doc_end(x->surf, 1);
    if ((rc = nsi_surfaces_foreach(x->surf, pend_word, x->pending[s])))
        return xerr(x, rc, "out of memory");
    if (outcome)
        *outcome = result;
    if (x->opts.commit_every && ++x->since_commit >= x->opts.commit_every)
        return nsi_xap_commit(x);
    return NS_OK;
}

int nsi_xap_delete(void *vx, const char *id, size_t id_len)
{
    nsi_xwriter *x = vx;
    if (x->lost)
        return NS_ELOCKED;
    char idterm[NSX_ID_TERM_MAX];
    size_t idlen = nsi_xap_id_term(id, id_len, idterm);
    size_t s = shard_of(x, id, id_len);
    int rc = nsx_wdb_delete(x->shards[s], idterm, idlen);
    if (rc == NS_ENOTFOUND)
        return xerr(x, rc, "no document with id '%.*s'", (int)(id_len > 200 ? 200 : id_len), id);
    return rc ? shard_err(x, s, rc) : NS_OK;
}

static int collect_id(void *ctx, const char *s, size_t len)
{
    nsi_buf *b = ctx;
    return nsi_buf_put_varint(b, len) || nsi_buf_append(b, s, len);
}

/* The ids are collected first: fn may delete, which would disturb a walk
 * over Xapian's value stream. */
int nsi_xap_foreach_id(void *vx, int (*fn)(void *, const char *, size_t), void *ctx)
{
    nsi_xwriter *x = vx;
    if (x->lost)
        return NS_ELOCKED;
    for (size_t s = 0; s < x->nshards; s++) {
        nsi_buf ids = {0};
        ids.limit = (size_t)1 << 36;
        int rc = nsx_wdb_values(x->shards[s], NSX_SLOT_ID, collect_id, &ids);
        if (rc) {
            nsi_buf_free(&ids);
            return shard_err(x, s, rc);
        }
        const uint8_t *p = ids.data, *end = p + ids.len;
        int stop = 0;
        while (p < end && !stop) {
            uint64_t len;
            if (nsi_varint_get(&p, end, &len) || len > (uint64_t)(end - p))
                break;
            stop = fn(ctx, (const char *)p, (size_t)len);
            p += len;
        }
        nsi_buf_free(&ids);
        if (stop)
            break;
    }
    return NS_OK;
}

int nsi_xap_commit(void *vx)
{
    nsi_xwriter *x = vx;
    int owned = check_owner(x);
    if (owned)
        return owned;
    if (x->schema_dirty) {
        if (nsi_xschema_format(&x->schema, &x->scratch))
            return xerr(x, NS_ENOMEM, "out of memory");
        for (size_t i = 0; i < x->nshards; i++) {
            int rc = nsx_wdb_set_metadata(x->shards[i], NSX_META_FIELDS,
                                          (const char *)x->scratch.data, x->scratch.len);
            if (rc)
                return shard_err(x, i, rc);
        }
        x->schema_dirty = 0;
    }
    for (size_t i = 0; i < x->nshards; i++) {
        spell_ctx sc = {x->shards[i], NS_OK};
        int rc = nsi_surfaces_foreach(x->pending[i], add_spelling, &sc);
        if (rc == NS_ENOMEM && !sc.rc)
            return xerr(x, rc, "out of memory");
        if (!rc)
            rc = nsx_wdb_commit(x->shards[i]);
        if (rc)
            return shard_err(x, i, rc);
        nsi_surfaces_clear(x->pending[i]);
    }
    x->since_commit = 0;
    return NS_OK;
}

/* ---- compaction (docs/xapian.md, "Writing"): each shard's committed
 * revision is compacted into DIR.nsearch-compact beside it, which is then
 * swapped with DIR in one rename (RENAME_EXCHANGE) while this writer still
 * holds the old folder's lock; the writer then opens the compacted folder
 * and the old one is removed. A reader sees the old database or the new
 * one, never a mix. */

#define COMPACT_SUFFIX ".nsearch-compact"

/* Removes the folder of a Xapian database (flat: no subfolders). */
static void remove_db_folder(const char *dir)
{
    DIR *d = nsi_io_opendir(dir);
    struct dirent *e;
    while (d && (e = nsi_io_readdir(d))) {
        char p[4400];
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..") &&
            (size_t)snprintf(p, sizeof p, "%s/%s", dir, e->d_name) < sizeof p)
            nsi_io_unlink(p);
    }
    if (d)
        nsi_io_closedir(d);
    rmdir(dir);
}

static int compact_shard(nsi_xwriter *x, size_t i)
{
    char dir[4300], tmp[4400], err[NSI_ERRMSG];
    size_t n = strlen(x->names[i]);
    while (n > 1 && x->names[i][n - 1] == '/') /* "idx/": the copy goes beside idx */
        n--;
    if (n >= sizeof dir)
        return xerr(x, NS_EINVAL, "%s: path too long to compact", x->names[i]);
    memcpy(dir, x->names[i], n);
    dir[n] = 0;
    snprintf(tmp, sizeof tmp, "%s" COMPACT_SUFFIX, dir);
    struct stat st;
    if (nsi_io_stat(tmp, &st) == 0) /* left by a compaction that was cut short */
        remove_db_folder(tmp);
    int rc = nsx_compact(dir, tmp, err, sizeof err);
    if (rc) {
        remove_db_folder(tmp);
        return xerr(x, rc, "%s: cannot compact into %s: %s; the index is unchanged", dir, tmp, err);
    }
    if (renameat2(AT_FDCWD, tmp, AT_FDCWD, dir, RENAME_EXCHANGE) != 0) {
        int e = errno;
        remove_db_folder(tmp);
        if (e == EINVAL || e == ENOSYS || e == EOPNOTSUPP)
            return NS_OK; /* no atomic swap on this file system: left as it was */
        return xerr(x, nsi_errno_status(e), "%s: cannot swap in the compacted copy: %s", dir,
                    strerror(e));
    }
    /* tmp is now the old database, still locked by x->shards[i] */
    nsx_wdb *w;
    unsigned flags = x->opts.wait_for_lock ? NSX_WAIT_FOR_LOCK : 0;
    rc = nsx_wdb_open(&w, dir, flags, err, sizeof err);
    nsx_wdb_close(x->shards[i]);
    x->shards[i] = NULL;
    remove_db_folder(tmp);
    if (rc) {
        x->lost = 1;
        return xerr(x, rc, "%s: compacted, but this writer cannot open it again (%s) and stops",
                    dir, err);
    }
    x->shards[i] = w;
    return NS_OK;
}

/* Commits, then compacts every shard. */
int nsi_xap_optimize(void *vx)
{
    nsi_xwriter *x = vx;
    int rc = nsi_xap_commit(x);
    for (size_t i = 0; !rc && i < x->nshards; i++)
        rc = compact_shard(x, i);
    remember_shards(x);
    return rc;
}

/* ---- typed fields (xfields.h) */

int nsi_xap_declare_field(void *vx, const char *name, size_t len, int type)
{
    nsi_xwriter *x = vx;
    if (x->lost)
        return NS_ELOCKED;
    int rc = nsi_field_name_check(name, len, 0, x->err, NSI_ERRMSG);
    if (rc)
        return rc;
    int k = nsi_xschema_find(&x->schema, name, len);
    if (k >= 0) {
        if (x->schema.f[k].type == type)
            return NS_OK;
        return xerr(x, NS_EINVAL, "field '%.*s' is a %s field in this index, not %s", (int)len,
                    name, nsi_field_type_name(x->schema.f[k].type), nsi_field_type_name(type));
    }
    if (x->schema.n - (nsi_xschema_find(&x->schema, "date", 4) >= 0) >= NSI_FIELD_MAX)
        return xerr(x, NS_ETOOBIG, "field '%.*s': the index has %d fields already, the most it may",
                    (int)len, name, NSI_FIELD_MAX);
    if ((rc = nsi_xschema_add(&x->schema, name, len, type)))
        return xerr(x, rc, "field '%.*s': %s", (int)len, name, ns_strerror(rc));
    x->schema_dirty = 1;
    return NS_OK;
}

int nsi_xap_field_type(void *vx, const char *name, size_t len)
{
    nsi_xwriter *x = vx;
    if (len == 4 && !memcmp(name, "date", 4))
        return NS_FIELD_DATE;
    int k = nsi_xschema_find(&x->schema, name, len);
    return k >= 0 ? x->schema.f[k].type : 0;
}
