/* reader.c — the native backend's open index: opens the newest generation
 * and refreshes to newer ones. Searches pin the generation they start with
 * (nsi_index_acquire), so a refresh never pulls segments from under them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/guard.h"
#include "common/internal.h"
#include "common/io.h"
#include "format/commit.h"
#include "query/lexicon.h"
#include "read/reader.h"

/* Segments of version 1 and 2 have no chunk CRCs: every section checksum of
 * one up to this size is verified when a generation is loaded, so damage
 * anywhere a search reads is NS_ECORRUPT rather than a wrong hit. It costs
 * one pass over the file (about 1 GB/s from the page cache); larger segments
 * rely on their bounds-checked decoders and on nindex --check. Version 3
 * verifies each 4 KiB chunk the first time a search touches it instead
 * (docs/reliability.md, "Detecting damage"). */
size_t nsi_verify_open_max = NSI_VERIFY_OPEN_MAX;

static nsi_reader *reader_of(const ns_index *idx) { return idx->impl; }

static void snap_free(nsi_snap *s)
{
    if (!s)
        return;
    for (uint32_t i = 0; i < s->nsegs; i++) {
        nsi_seg_close(s->segs[i]);
        free(s->deleted[i]);
    }
    free(s->segs);
    free(s->deleted);
    free(s->ndeleted);
    free(s->base);
    nsi_schema_free(&s->schema);
    for (size_t b = 0; b < 256; b++)
        nsi_lexicon_free(atomic_load(&s->lexicon[b]));
    free(s);
}

/* Whether COMMIT names another generation than gen now (a writer committed
 * since it was read), or cannot be read. */
static int commit_moved(const char *dir, uint64_t gen)
{
    nsi_commit c;
    if (nsi_commit_read(&c, dir, NULL, 0))
        return 1;
    int moved = c.generation != gen;
    nsi_commit_free(&c);
    return moved;
}

/* Sum of the STORED blocks' uncompressed lengths, from the block table the
 * segment's docstore parsed at open (docs/format.md, STORED; its place in
 * the section depends on the layout). */
static uint64_t stored_raw_bytes(const nsi_seg *g)
{
    const nsi_docstore *d = &g->store;
    uint64_t sum = 0;
    for (uint32_t b = 0; d->ulens && b < d->nblocks; b++)
        sum += nsi_get_u32le(d->ulens + (size_t)b * 4);
    return sum;
}

/* The identity of dir and of its COMMIT now: 0, or -1 when either is gone. */
static int stat_index(const char *dir, nsi_fileid *d, nsi_fileid *c)
{
    char path[4200];
    struct stat st;
    if (nsi_io_stat(dir, &st) != 0)
        return -1;
    nsi_fileid_of(&st, d);
    snprintf(path, sizeof path, "%s/COMMIT", dir);
    if (nsi_io_stat(path, &st) != 0)
        return -1;
    nsi_fileid_of(&st, c);
    return 0;
}

/* Builds a snapshot of the current COMMIT. NS_EAGAIN-like 1 when a listed
 * segment vanished (a writer committed meanwhile): the caller retries.
 *
 * The folder's and COMMIT's identities are taken before COMMIT is read, and
 * each segment's when it is mapped, so that a change after that is seen by
 * the next refresh (snap_changed). */
/* full: verify every byte of every segment now (after a segment was found
 * changed in place: the first-touch checks would only find damage when a
 * search reads it, and the reader should say at once that the index is
 * unsound) */
static int snap_load(const char *dir, nsi_snap **out, int full, char *err, size_t errlen)
{
    nsi_fileid dir_id = {0}, commit_id = {0};
    (void)stat_index(dir, &dir_id, &commit_id); /* a missing one: COMMIT's read says */
    nsi_commit c;
    int rc = nsi_commit_read(&c, dir, err, errlen);
    if (rc == NS_ENOTFOUND) {
        struct stat st;
        if (nsi_io_stat(dir, &st) != 0)
            return nsi_fail(err, errlen, NS_ENOTFOUND, "no index at %s", dir);
        return nsi_fail(err, errlen, NS_ENOTFOUND, "%s: no index there (no COMMIT file)", dir);
    }
    if (rc)
        return rc;
    nsi_snap *s = calloc(1, sizeof *s);
    uint32_t n = c.nsegs ? c.nsegs : 1;
    if (!s || !(s->segs = calloc(n, sizeof *s->segs)) ||
        !(s->deleted = calloc(n, sizeof *s->deleted)) ||
        !(s->ndeleted = calloc(n, sizeof *s->ndeleted)) ||
        !(s->base = calloc(n, sizeof *s->base))) {
        nsi_commit_free(&c);
        snap_free(s);
        return nsi_fail(err, errlen, NS_ENOMEM, "out of memory");
    }
    s->refs = 1;
    s->generation = c.generation;
    s->dir = dir_id;
    s->commit = commit_id;
    snprintf(s->language, sizeof s->language, "%s", c.language);
    uint64_t sum_t = 0, sum_b = 0;
    for (uint32_t i = 0; i < c.nsegs; i++) {
        nsi_seg *g;
        rc = nsi_seg_open_guarded(&g, dir, c.segs[i].id, err, errlen);
        if (rc)
            break;
        s->segs[s->nsegs++] = g;
        if (g->ndocs != c.segs[i].ndocs) {
            rc = nsi_fail(err, errlen, NS_ECORRUPT, "%s: holds %u documents, COMMIT says %u",
                          g->path, g->ndocs, c.segs[i].ndocs);
            break;
        }
        if (c.version >= 2 &&
            (rc = nsi_seg_identity(g, c.segs[i].uid, c.segs[i].table_crc, err, errlen)))
            break;
        /* version 3 verifies chunks on first touch (nsi_seg_touch) */
        if (g->version < NSI_SEG_VERSION_CHECKS && g->size <= nsi_verify_open_max &&
            (rc = nsi_seg_verify_sections(g, err, errlen)))
            break;
        if (full && (rc = nsi_seg_verify(g, err, errlen)))
            break;
        if ((rc = nsi_schema_add_seg(&s->schema, g, err, errlen)))
            break;
        s->raw_stored += stored_raw_bytes(g);
        if (atomic_load(&g->faulted)) {
            rc = nsi_seg_fault(g, err, errlen);
            break;
        }
        s->deleted[i] = c.segs[i].deleted;
        c.segs[i].deleted = NULL;
        s->ndeleted[i] = c.segs[i].ndeleted;
        s->base[i] = s->ndocs;
        s->ndocs += g->ndocs;
        s->live += g->ndocs - c.segs[i].ndeleted;
        sum_t += g->sum_len_title;
        sum_b += g->sum_len_body;
    }
    if (rc == NS_ENOTFOUND && !commit_moved(dir, c.generation))
        rc = nsi_fail(err, errlen, NS_ECORRUPT, "%s/seg-%016llx.nss: listed in COMMIT but missing",
                      dir, (unsigned long long)c.segs[s->nsegs].id);
    nsi_commit_free(&c);
    if (rc) {
        snap_free(s);
        return rc == NS_ENOTFOUND ? 1 : rc;
    }
    s->avg_title = s->ndocs ? (double)sum_t / (double)s->ndocs : 0;
    s->avg_body = s->ndocs ? (double)sum_b / (double)s->ndocs : 0;
    *out = s;
    return NS_OK;
}

static int snap_load_retry(const char *dir, nsi_snap **out, int full, char *err, size_t errlen)
{
    int rc = 1;
    for (int tries = 0; rc == 1 && tries < 20; tries++)
        rc = snap_load(dir, out, full, err, errlen);
    if (rc == 1)
        rc = nsi_fail(err, errlen, NS_EIO, "%s: the index kept changing while being opened", dir);
    return rc;
}

int nsi_reader_open(ns_index *idx, const char *path, const ns_index_options *opts, char *err)
{
    (void)opts; /* allow_partial concerns sharded indexes only */
    nsi_reader *rd = calloc(1, sizeof *rd);
    if (!rd || !(rd->dir = strdup(path))) {
        free(rd);
        return nsi_fail(err, NSI_ERRMSG, NS_ENOMEM, "out of memory");
    }
    pthread_mutex_init(&rd->mu, NULL);
    pthread_mutex_init(&rd->refresh_mu, NULL);
    int rc = snap_load_retry(path, &rd->cur, 0, err, NSI_ERRMSG);
    if (rc) {
        pthread_mutex_destroy(&rd->refresh_mu);
        pthread_mutex_destroy(&rd->mu);
        free(rd->dir);
        free(rd);
        return rc;
    }
    idx->impl = rd;
    return NS_OK;
}

void nsi_reader_close(ns_index *idx)
{
    nsi_reader *rd = reader_of(idx);
    if (rd->cur && --rd->cur->refs == 0)
        snap_free(rd->cur);
    pthread_mutex_destroy(&rd->refresh_mu);
    pthread_mutex_destroy(&rd->mu);
    for (size_t i = 0; i < rd->nnames; i++)
        free(rd->names[i]);
    free(rd->names);
    free(rd->dir);
    free(rd);
    idx->impl = NULL;
}

nsi_snap *nsi_index_acquire(ns_index *idx)
{
    nsi_reader *rd = reader_of(idx);
    pthread_mutex_lock(&rd->mu);
    nsi_snap *s = rd->cur;
    s->refs++;
    pthread_mutex_unlock(&rd->mu);
    return s;
}

void nsi_index_release(ns_index *idx, nsi_snap *s)
{
    if (!s)
        return;
    nsi_reader *rd = reader_of(idx);
    pthread_mutex_lock(&rd->mu);
    int last = --s->refs == 0;
    pthread_mutex_unlock(&rd->mu);
    if (last)
        snap_free(s);
}

int nsi_snap_sound(const nsi_snap *s)
{
    if (atomic_load_explicit(&s->damaged, memory_order_acquire))
        return nsi_index_fail(NS_ECORRUPT, "%s", s->damage);
    if (nsi_guard_faults() == 0) /* no guarded mapping ever faulted */
        return NS_OK;
    for (uint32_t i = 0; i < s->nsegs; i++)
        if (atomic_load_explicit(&s->segs[i]->faulted, memory_order_acquire))
            return nsi_seg_fault(s->segs[i], nsi_index_errbuf(), NSI_ERRMSG);
    return NS_OK;
}

/* What changed on disk since s was loaded, from cheapest to worst. */
enum {
    SAME = 0,
    MOVED,    /* a new COMMIT, or a segment file replaced by another file */
    REPLACED, /* the path names another folder (rm -rf and rebuild, mv) */
    IN_PLACE  /* a segment of s rewritten, cut or read past its end: s is unsafe */
};

/* COMMIT read, and one stat of the folder, of COMMIT and of each segment:
 * segments never change once written, so any difference in a mapped file's
 * size or times means it was written in place, and a different COMMIT or
 * folder means a commit or another index. */
static int snap_changed(const char *dir, const nsi_snap *s)
{
    nsi_fileid d, c;
    if (stat_index(dir, &d, &c) != 0)
        return MOVED; /* loading says what is missing */
    if (!nsi_fileid_same_file(&d, &s->dir))
        return REPLACED;
    /* COMMIT is read too: a commit's file may get the inode of one two
     * commits back, within the time stamps' granularity */
    int why = nsi_fileid_equal(&c, &s->commit) && !commit_moved(dir, s->generation) ? SAME : MOVED;
    for (uint32_t i = 0; i < s->nsegs; i++) {
        const nsi_seg *g = s->segs[i];
        struct stat st;
        nsi_fileid f;
        if (atomic_load(&g->faulted))
            return IN_PLACE;
        if (nsi_io_stat(g->path, &st) != 0) {
            why = MOVED;
            continue;
        }
        nsi_fileid_of(&st, &f);
        if (!nsi_fileid_same_file(&f, &g->file))
            why = MOVED; /* renamed over: the mapping keeps the old file intact */
        else if (!nsi_fileid_equal(&f, &g->file))
            return IN_PLACE;
    }
    return why;
}

/* Refreshing (docs/reliability.md, "Files changed under a reader"). A
 * generation is replaced when anything it was loaded from differs on disk,
 * not only when COMMIT's number grows: an index rebuilt or swapped in at the
 * same path may have any generation, and a segment rewritten in place keeps
 * it. Refreshes are serialized, so the last one to load installs what the
 * disk held last, and generation numbers only go backwards when the index
 * was replaced. */
int nsi_reader_refresh(ns_index *idx, int *changed)
{
    nsi_reader *rd = reader_of(idx);
    char *err = nsi_index_errbuf();
    if (changed)
        *changed = 0;
    pthread_mutex_lock(&rd->refresh_mu);
    nsi_snap *cur = nsi_index_acquire(idx);
    int damaged = atomic_load(&cur->damaged);
    int why = snap_changed(rd->dir, cur);
    if (why == SAME && !damaged) {
        nsi_index_release(idx, cur);
        pthread_mutex_unlock(&rd->refresh_mu);
        return NS_OK;
    }
    nsi_snap *s;
    int rc = snap_load_retry(rd->dir, &s, why == IN_PLACE, err, NSI_ERRMSG);
    if (rc) {
        /* keep serving cur if its files are intact; otherwise refuse it */
        if (why == IN_PLACE && !damaged) {
            snprintf(cur->damage, sizeof cur->damage, "%s", err);
            atomic_store_explicit(&cur->damaged, 1, memory_order_release);
        }
        nsi_index_release(idx, cur);
        pthread_mutex_unlock(&rd->refresh_mu);
        return rc;
    }
    int kind = !nsi_fileid_same_file(&s->dir, &cur->dir) ? NS_REFRESH_REPLACED
               : s->generation > cur->generation         ? NS_REFRESH_NEWER
               : s->generation == cur->generation        ? NS_REFRESH_RELOADED
                                                         : NS_REFRESH_REPLACED;
    pthread_mutex_lock(&rd->mu);
    nsi_snap *old = rd->cur;
    rd->cur = s;
    int last = --old->refs == 0;
    pthread_mutex_unlock(&rd->mu);
    if (last)
        snap_free(old);
    nsi_index_release(idx, cur);
    pthread_mutex_unlock(&rd->refresh_mu);
    if (changed)
        *changed = kind;
    return NS_OK;
}

const char *nsi_reader_language(const ns_index *idx)
{
    /* A concurrent refresh may free the snapshot: read it under the lock
     * (the canonical name itself is static). */
    nsi_reader *rd = reader_of(idx);
    pthread_mutex_lock(&rd->mu);
    const char *c = nsi_language_canonical(rd->cur->language);
    pthread_mutex_unlock(&rd->mu);
    return c ? c : "english";
}

int nsi_reader_stats(ns_index *idx, ns_stats *st)
{
    memset(st, 0, sizeof *st);
    nsi_snap *s = nsi_index_acquire(idx);
    st->generation = s->generation;
    st->documents = s->live;
    st->segments = s->nsegs;
    st->bytes_raw_stored = s->raw_stored; /* counted at load: stats read no mapped page */
    for (uint32_t i = 0; i < s->nsegs; i++) {
        const nsi_seg *g = s->segs[i];
        st->deleted += s->ndeleted[i];
        st->terms += g->nterms;
        st->postings += g->npostings;
        st->positions += g->npositions;
        st->bytes_dict += g->sec[NSI_SEC_TERMS].len + g->sec[NSI_SEC_TERMIDX].len;
        st->bytes_postings += g->sec[NSI_SEC_POSTINGS].len;
        st->bytes_positions += g->sec[NSI_SEC_POSITIONS].len;
        /* VALUES counts here: ns_stats has no version to grow by, and the
         * typed fields' columns are per-document data like NORMS */
        st->bytes_norms += g->sec[NSI_SEC_NORMS].len + g->sec[NSI_SEC_DOCMAP].len +
                           g->sec[NSI_SEC_INFO].len + g->sec[NSI_SEC_VALUES].len;
        st->bytes_stored += g->sec[NSI_SEC_STORED].len + g->sec[NSI_SEC_FIELDS].len;
        st->bytes_raw_stored += g->sec[NSI_SEC_FIELDS].len;
        st->bytes_total += g->size;
    }
    nsi_index_release(idx, s);
    char path[4200];
    snprintf(path, sizeof path, "%s/COMMIT", reader_of(idx)->dir);
    struct stat sb;
    if (nsi_io_stat(path, &sb) == 0)
        st->bytes_total += (uint64_t)sb.st_size;
    return NS_OK;
}

size_t nsi_reader_field_count(ns_index *idx)
{
    nsi_reader *rd = reader_of(idx);
    pthread_mutex_lock(&rd->mu);
    size_t n = rd->cur->schema.n;
    pthread_mutex_unlock(&rd->mu);
    return n;
}

int nsi_reader_field(ns_index *idx, size_t i, const char **name, int *type)
{
    nsi_reader *rd = reader_of(idx);
    int rc = NS_OK;
    pthread_mutex_lock(&rd->mu);
    const nsi_schema *sc = &rd->cur->schema;
    if (i >= sc->n) {
        rc = NS_EINVAL;
    } else {
        if (name) { /* the reader's own copy, which outlives this generation */
            size_t k = 0;
            while (k < rd->nnames && strcmp(rd->names[k], sc->f[i].name) != 0)
                k++;
            if (k == rd->nnames) {
                char **v = realloc(rd->names, (k + 1) * sizeof *v);
                char *c = v ? strdup(sc->f[i].name) : NULL;
                if (v)
                    rd->names = v;
                if (c)
                    rd->names[rd->nnames++] = c;
                else
                    rc = NS_ENOMEM;
            }
            if (!rc)
                *name = rd->names[k];
        }
        if (type)
            *type = sc->f[i].type;
    }
    pthread_mutex_unlock(&rd->mu);
    return rc ? nsi_index_fail(rc, rc == NS_ENOMEM ? "out of memory" : "no field %zu", i) : NS_OK;
}
