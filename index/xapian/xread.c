/* xread.c — ns_index on Xapian: one database, or the shards a stub lists.
 *
 * Every shard is opened on its own and added to one combined database
 * (Database::add_database), so a search sees statistics over all shards and
 * scores exactly as one database of the same documents would. Opening the
 * shards one by one, rather than handing the stub to Xapian, is what lets a
 * failure name the shard, and lets allow_partial skip it.
 *
 * A shard that stops answering makes a read fail with NS_EIO. All remote
 * connections are then dropped and made again (a connection that was
 * interrupted mid-search may still hold an unread reply), which finds the
 * shards that are down: without allow_partial the read fails naming the
 * first of them, and every later read tries to reconnect it first (a
 * restarted server is picked up); with allow_partial they are skipped, with
 * a warning, until ns_index_refresh reconnects them.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/io.h"
#include "query/lexicon.h"
#include "xinternal.h"

#define PARTIAL_HINT                                                                               \
    "; results would be partial without it (nsearch --allow-partial searches the shards "          \
    "that answer)"

/* ------------------------------------------------------------ messages */

static int shard_msg(const nsi_xindex *x, const nsi_xshard *s, int rc, const char *msg, char *out,
                     size_t outlen)
{
    if (!x->stub)
        return nsi_fail(out, outlen, rc, "%s: %s", x->path, msg);
    /* nsx says "shard CONTEXT unreachable: why"; the stub's name is better
     * for a program shard, whose context Xapian leaves empty */
    const char *why = strstr(msg, " unreachable: ");
    if (rc == NS_EIO && !strncmp(msg, "shard ", 6) && why)
        return nsi_fail(out, outlen, rc, "shard %s%s", s->at.name, why);
    return nsi_fail(out, outlen, rc, "shard %s: %s", s->at.name, msg);
}

int nsi_xap_fail_shard(const nsi_xindex *x, const nsi_xshard *s, int rc, const char *msg)
{
    char m[NSI_ERRMSG];
    shard_msg(x, s, rc, msg, m, sizeof m);
    return nsi_index_fail(rc, "%s%s", m, x->stub && !x->allow_partial ? PARTIAL_HINT : "");
}

static void warn(nsi_xindex *x, const char *msg)
{
    if (x->warning.len + strlen(msg) + 40 > 8192)
        return; /* enough said */
    nsi_buf_printf(&x->warning, "%s%s; results are partial", x->warning.len ? "\n" : "", msg);
}

int nsi_xap_warning(ns_index *idx, char *out, size_t outlen)
{
    nsi_xindex *x = nsi_xap_of(idx);
    pthread_mutex_lock(&x->mu);
    int any = x->warning.len > 0;
    if (any) {
        snprintf(out, outlen, "%.*s", (int)x->warning.len, (const char *)x->warning.data);
        nsi_buf_reset(&x->warning);
    }
    pthread_mutex_unlock(&x->mu);
    return any;
}

/* ------------------------------------------------------------ shards */

static int open_shard(nsi_xshard *s, char *err, size_t errlen)
{
    switch (s->at.kind) {
    case NSI_STUB_TCP:
        return nsx_db_open_tcp(&s->db, s->at.where, s->at.port, 0, err, errlen);
    case NSI_STUB_PROG:
        return nsx_db_open_prog(&s->db, s->at.where, s->at.args, err, errlen);
    default:
        return nsx_db_open(&s->db, s->at.where, err, errlen);
    }
}

static int has_remote(const nsi_xindex *x)
{
    for (size_t i = 0; i < x->nshards; i++)
        if (x->shards[i].at.kind != NSI_STUB_LOCAL)
            return 1;
    return 0;
}

/* Makes x->db the combination of the shards that are open. */
static int combine(nsi_xindex *x, char *err, size_t errlen)
{
    nsx_db_close(x->db);
    x->db = NULL;
    int rc = nsx_db_new_multi(&x->db, err, errlen);
    size_t live = 0;
    for (size_t i = 0; !rc && i < x->nshards; i++)
        if (x->shards[i].db && !(rc = nsx_db_add(x->db, x->shards[i].db)))
            live++;
    if (rc)
        return nsi_fail(err, errlen, rc, "%s: %s", x->path, nsx_db_errmsg(x->db));
    if (!live)
        return nsi_fail(err, errlen, NS_EIO, "%s: no shard could be reached", x->path);
    return NS_OK;
}

/* (Re)opens the shards in want[] (all when want is NULL), then combines
 * the open ones. A shard that fails is skipped with a warning under
 * allow_partial; otherwise the first failure is returned, its message in
 * err. */
static int connect_shards(nsi_xindex *x, const int *want, char *err, size_t errlen)
{
    int first = NS_OK;
    char first_msg[NSI_ERRMSG] = "";
    for (size_t i = 0; i < x->nshards; i++) {
        nsi_xshard *s = &x->shards[i];
        if (want && !want[i])
            continue;
        nsx_db_close(s->db);
        s->db = NULL;
        char m[NSI_ERRMSG];
        int rc = open_shard(s, m, sizeof m);
        if (!rc)
            continue;
        char full[NSI_ERRMSG];
        shard_msg(x, s, rc, m, full, sizeof full);
        if (x->allow_partial && x->stub)
            warn(x, full);
        if (!first) {
            first = rc;
            snprintf(first_msg, sizeof first_msg, "%s", full);
        }
    }
    int rc = combine(x, err, errlen);
    if (first && (rc || !(x->allow_partial && x->stub)))
        return nsi_fail(err, errlen, first, "%s%s", first_msg,
                        x->stub && !x->allow_partial ? PARTIAL_HINT : "");
    return rc;
}

/* Without allow_partial, a shard found down earlier must answer again. */
int nsi_xap_ensure_whole(nsi_xindex *x)
{
    if (x->allow_partial)
        return NS_OK;
    int *want = calloc(x->nshards, sizeof *want), any = 0;
    if (!want)
        return nsi_index_fail(NS_ENOMEM, "out of memory");
    for (size_t i = 0; i < x->nshards; i++)
        any |= want[i] = x->shards[i].db == NULL;
    int rc = any ? connect_shards(x, want, nsi_index_errbuf(), NSI_ERRMSG) : NS_OK;
    free(want);
    return rc;
}

int nsi_xap_read_failed(nsi_xindex *x, int rc, int *retry)
{
    *retry = 0;
    if (rc != NS_EIO || !has_remote(x))
        return nsi_index_fail(rc, "%s: %s", x->path, nsx_db_errmsg(x->db));
    /* every connection anew: find who is down, drop half-read replies */
    int r = connect_shards(x, NULL, nsi_index_errbuf(), NSI_ERRMSG);
    if (r)
        return r;
    *retry = 1;
    return NS_OK;
}

/* ------------------------------------------------------------ open, close */

static int load_shards(nsi_xindex *x, enum nsi_kind kind, char *err, size_t errlen)
{
    if (kind != NSI_KIND_XAPIAN_STUB) {
        x->nshards = 1;
        x->shards = calloc(1, sizeof *x->shards);
        if (!x->shards || !(x->shards[0].at.where = strdup(x->path)) ||
            !(x->shards[0].at.name = strdup(x->path)))
            return nsi_fail(err, errlen, NS_ENOMEM, "out of memory");
        return NS_OK;
    }
    x->stub = 1;
    char *file = nsi_stub_file(x->path);
    nsi_stub_entry *e;
    size_t n;
    int rc = file ? nsi_stub_read(file, &e, &n, err, errlen) : NS_ENOMEM;
    free(file);
    if (rc)
        return rc;
    x->shards = calloc(n, sizeof *x->shards);
    if (!x->shards) {
        nsi_stub_free(e, n);
        return nsi_fail(err, errlen, NS_ENOMEM, "out of memory");
    }
    for (size_t i = 0; i < n; i++)
        x->shards[i].at = e[i];
    free(e); /* the strings now belong to the shards */
    x->nshards = n;
    return NS_OK;
}

/* The typed fields of the database (xfields.h), from its metadata. */
static int read_schema(nsi_xindex *x, char *err, size_t errlen)
{
    size_t cap = 1u << 16, got;
    char *b = malloc(cap);
    if (!b)
        return nsi_fail(err, errlen, NS_ENOMEM, "out of memory");
    int rc = nsx_db_get_metadata(x->db, NSX_META_FIELDS, b, cap, &got);
    if (rc == NS_EIO) {
        free(b);
        return rc;
    }
    if (rc) {
        free(b);
        return nsi_fail(err, errlen, rc, "%s: %s", x->path, nsx_db_errmsg(x->db));
    }
    nsi_xschema s = {0};
    rc = got > cap ? NS_ECORRUPT : nsi_xschema_parse(b, got, &s);
    free(b);
    if (rc) {
        nsi_xschema_free(&s);
        return nsi_fail(err, errlen, NS_ECORRUPT, "%s: the field table (metadata %s) is damaged",
                        x->path, NSX_META_FIELDS);
    }
    nsi_xschema_free(&x->schema);
    x->schema = s;
    return NS_OK;
}

size_t nsi_xap_field_count(ns_index *idx)
{
    nsi_xindex *x = nsi_xap_of(idx);
    pthread_mutex_lock(&x->mu);
    size_t n = x->schema.n;
    pthread_mutex_unlock(&x->mu);
    return n;
}

/* name or type may be NULL; the name is valid until close or refresh. */
int nsi_xap_field(ns_index *idx, size_t i, const char **name, int *type)
{
    nsi_xindex *x = nsi_xap_of(idx);
    int rc = NS_OK;
    pthread_mutex_lock(&x->mu);
    if (i >= x->schema.n) {
        rc = nsi_index_fail(NS_EINVAL, "no field %zu (the index has %zu)", i, x->schema.n);
    } else {
        if (name)
            *name = x->schema.f[i].name;
        if (type)
            *type = x->schema.f[i].type;
    }
    pthread_mutex_unlock(&x->mu);
    return rc;
}

static int read_meta(nsi_xindex *x, char *err, size_t errlen)
{
    char fmt[16] = "", lang[64] = "";
    size_t nf, nl;
    nsx_info info;
    int rc = nsx_db_get_metadata(x->db, NSX_META_FORMAT, fmt, sizeof fmt - 1, &nf);
    if (!rc)
        rc = nsx_db_get_metadata(x->db, NSX_META_LANGUAGE, lang, sizeof lang - 1, &nl);
    if (!rc)
        rc = nsx_db_info(x->db, &info);
    if (rc)
        return nsi_fail(err, errlen, rc, "%s: %s", x->path, nsx_db_errmsg(x->db));
    fmt[nf < sizeof fmt ? nf : sizeof fmt - 1] = 0;
    lang[nl < sizeof lang ? nl : sizeof lang - 1] = 0;
    if (nf == 0 && info.doccount > 0)
        return nsi_fail(err, errlen, NS_EINVAL,
                        "%s: a Xapian database that nsearch did not write (no %s metadata)",
                        x->path, NSX_META_FORMAT);
    if (nf && strcmp(fmt, NSX_FORMAT))
        return nsi_fail(err, errlen, NS_EVERSION,
                        "%s: nsearch Xapian layout %s, this library reads %s", x->path, fmt,
                        NSX_FORMAT);
    const char *c = nsi_language_canonical(nl ? lang : "english");
    snprintf(x->language, sizeof x->language, "%s", c ? c : "english");
    return read_schema(x, err, errlen);
}

static void xindex_free(nsi_xindex *x)
{
    nsi_lexicon_free(x->lexicon);
    nsx_db_close(x->db);
    for (size_t i = 0; i < x->nshards; i++) {
        nsx_db_close(x->shards[i].db);
        free(x->shards[i].at.where);
        free(x->shards[i].at.args);
        free(x->shards[i].at.name);
    }
    free(x->shards);
    nsi_xschema_free(&x->schema);
    nsi_buf_free(&x->warning);
    pthread_mutex_destroy(&x->mu);
    free(x->path);
    free(x);
}

int nsi_xap_index_open(ns_index *idx, const char *path, const ns_index_options *opts, char *err)
{
    enum nsi_kind kind = nsi_backend_detect(path);
    nsi_xindex *x = calloc(1, sizeof *x);
    if (!x || !(x->path = strdup(path))) {
        free(x);
        return nsi_fail(err, NSI_ERRMSG, NS_ENOMEM, "out of memory");
    }
    pthread_mutex_init(&x->mu, NULL);
    x->allow_partial = opts->allow_partial;
    int rc = load_shards(x, kind, err, NSI_ERRMSG);
    if (!rc)
        rc = connect_shards(x, NULL, err, NSI_ERRMSG);
    if (!rc)
        rc = read_meta(x, err, NSI_ERRMSG);
    if (rc) {
        xindex_free(x);
        return rc;
    }
    idx->impl = x;
    return NS_OK;
}

void nsi_xap_index_close(ns_index *idx)
{
    xindex_free(nsi_xap_of(idx));
    idx->impl = NULL;
}

const char *nsi_xap_language(const ns_index *idx) { return nsi_xap_of(idx)->language; }

/* ------------------------------------------------------------ refresh */

int nsi_xap_refresh(ns_index *idx, int *changed)
{
    nsi_xindex *x = nsi_xap_of(idx);
    if (changed)
        *changed = 0;
    pthread_mutex_lock(&x->mu);
    int *want = calloc(x->nshards, sizeof *want), any = 0, rc = NS_OK, moved = 0;
    if (!want)
        rc = nsi_index_fail(NS_ENOMEM, "out of memory");
    for (size_t i = 0; want && i < x->nshards; i++)
        any |= want[i] = x->shards[i].db == NULL;
    /* skipped shards get another chance */
    if (!rc && any && !(rc = connect_shards(x, want, nsi_index_errbuf(), NSI_ERRMSG)))
        moved = 1;
    free(want);
    for (int tries = 0; !rc && tries <= (int)x->nshards; tries++) {
        int c = 0, retry;
        rc = nsx_db_reopen(x->db, &c);
        if (!rc && c && (rc = read_schema(x, nsi_index_errbuf(), NSI_ERRMSG)) && rc != NS_EIO)
            break; /* a damaged field table (reported) */
        if (!rc) {
            moved |= c;
            break;
        }
        rc = nsi_xap_read_failed(x, rc, &retry);
        if (!retry)
            break;
    }
    /* a newer revision or other shards: the spelling lexicon is rebuilt */
    if (moved) {
        nsi_lexicon_free(x->lexicon);
        x->lexicon = NULL;
    }
    if (changed)
        *changed = moved;
    pthread_mutex_unlock(&x->mu);
    return rc;
}

/* ------------------------------------------------------------ spelling */

static int push_spelling(void *ctx, const char *word, size_t len, uint64_t freq)
{
    int rc = nsi_lexicon_push(ctx, word, len, freq);
    return rc == NS_EINVAL ? 0 : rc; /* a word too long for us: passed over */
}

/* The backend's spell (backend.h): the spelling table that the writer fills
 * with each document's words as written, once per document, so its
 * frequencies are document frequencies. */
int nsi_xap_spell(ns_index *idx, const char *word, size_t len, unsigned max, uint64_t ratio,
                  nsi_spell *out, size_t nout, size_t *n, uint64_t *df)
{
    nsi_xindex *x = nsi_xap_of(idx);
    pthread_mutex_lock(&x->mu);
    int rc = nsi_xap_ensure_whole(x);
    for (int tries = 0; !rc && !x->lexicon && tries <= (int)x->nshards; tries++) {
        nsi_lexicon *lx;
        if ((rc = nsi_lexicon_new(&lx))) {
            rc = nsi_index_fail(rc, "out of memory");
            break;
        }
        rc = nsx_db_spellings(x->db, push_spelling, lx);
        if (!rc) {
            x->lexicon = lx;
            break;
        }
        nsi_lexicon_free(lx);
        int retry;
        rc = nsi_xap_read_failed(x, rc, &retry);
        if (!retry)
            break;
    }
    if (!rc)
        rc = nsi_lexicon_near(x->lexicon, word, len, max, ratio, out, nout, n, df);
    pthread_mutex_unlock(&x->mu);
    return rc;
}

/* ------------------------------------------------------------ stats */

typedef struct term_count {
    uint64_t terms, postings;
} term_count;

static int count_term(void *ctx, const char *t, size_t len, uint64_t df)
{
    term_count *c = ctx;
    if (len && t[0] == NSX_ID_PREFIX)
        return 0;
    c->terms++;
    c->postings += df;
    return 0;
}

/* Sizes of a local shard's tables, by what they hold. */
static void table_sizes(const char *dir, ns_stats *st)
{
    DIR *d = nsi_io_opendir(dir);
    struct dirent *de;
    while (d && (de = nsi_io_readdir(d))) {
        char p[4400];
        struct stat sb;
        snprintf(p, sizeof p, "%s/%s", dir, de->d_name);
        if (nsi_io_stat(p, &sb) || !S_ISREG(sb.st_mode))
            continue;
        uint64_t n = (uint64_t)sb.st_size;
        if (!strncmp(de->d_name, "postlist.", 9))
            st->bytes_postings += n; /* Xapian keeps its dictionary in the postlists */
        else if (!strncmp(de->d_name, "position.", 9))
            st->bytes_positions += n;
        else if (!strncmp(de->d_name, "docdata.", 8))
            st->bytes_stored += n;
        st->bytes_total += n;
    }
    if (d)
        nsi_io_closedir(d);
}

int nsi_xap_stats(ns_index *idx, ns_stats *st)
{
    nsi_xindex *x = nsi_xap_of(idx);
    memset(st, 0, sizeof *st);
    pthread_mutex_lock(&x->mu);
    int rc = nsi_xap_ensure_whole(x);
    nsx_info info;
    term_count tc = {0, 0};
    for (int tries = 0; !rc && tries <= (int)x->nshards; tries++) {
        int retry;
        tc = (term_count){0, 0};
        rc = nsx_db_info(x->db, &info);
        if (!rc)
            rc = nsx_db_allterms(x->db, "", 0, count_term, &tc);
        if (!rc)
            break;
        rc = nsi_xap_read_failed(x, rc, &retry);
        if (!retry)
            break;
    }
    for (size_t i = 0; !rc && i < x->nshards; i++) {
        nsi_xshard *s = &x->shards[i];
        nsx_info si;
        if (!s->db)
            continue;
        st->segments++;
        if (nsx_db_info(s->db, &si) == NS_OK)
            st->generation += si.revision;
        if (s->at.kind == NSI_STUB_LOCAL)
            table_sizes(s->at.where, st);
    }
    pthread_mutex_unlock(&x->mu);
    if (rc)
        return rc;
    st->documents = info.doccount;
    st->terms = tc.terms;
    st->postings = tc.postings;
    st->positions = info.total_length;
    return NS_OK;
}
