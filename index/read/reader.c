/* reader.c — ns_index: opens the newest generation, refreshes to newer ones,
 * and lends out analyzers. Searches pin the generation they start with
 * (nsi_index_acquire), so a refresh never pulls segments from under them. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "format/commit.h"
#include "common/internal.h"
#include "common/io.h"
#include "read/reader.h"
#include "xapian/xap.h"

static __thread char tls_err[NSI_ERRMSG];

/* Every section checksum of a segment up to this size is verified when a
 * generation is loaded, so damage anywhere a search reads is NS_ECORRUPT
 * rather than a wrong hit. It costs one pass over the file (about 1 GB/s from
 * the page cache); larger segments rely on their bounds-checked decoders and
 * on nindex --check (docs/reliability.md, "Detecting damage"). */
size_t nsi_verify_open_max = NSI_VERIFY_OPEN_MAX;

char *nsi_index_errbuf(void) { return tls_err; }

int nsi_index_fail(int rc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(tls_err, sizeof tls_err, fmt, ap);
    va_end(ap);
    return rc;
}

const char *ns_index_errmsg(const ns_index *idx) { return tls_err; }

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

/* Builds a snapshot of the current COMMIT. NS_EAGAIN-like 1 when a listed
 * segment vanished (a writer committed meanwhile): the caller retries. */
static int snap_load(const char *dir, nsi_snap **out, char *err, size_t errlen)
{
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
    snprintf(s->language, sizeof s->language, "%s", c.language);
    uint64_t sum_t = 0, sum_b = 0;
    for (uint32_t i = 0; i < c.nsegs; i++) {
        nsi_seg *g;
        rc = nsi_seg_open(&g, dir, c.segs[i].id, err, errlen);
        if (rc)
            break;
        s->segs[s->nsegs++] = g;
        if (g->ndocs != c.segs[i].ndocs) {
            rc = nsi_fail(err, errlen, NS_ECORRUPT, "%s: holds %u documents, COMMIT says %u",
                          g->path, g->ndocs, c.segs[i].ndocs);
            break;
        }
        if (g->size <= nsi_verify_open_max && (rc = nsi_seg_verify_sections(g, err, errlen)))
            break;
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

static int snap_load_retry(const char *dir, nsi_snap **out, char *err, size_t errlen)
{
    int rc = 1;
    for (int tries = 0; rc == 1 && tries < 20; tries++)
        rc = snap_load(dir, out, err, errlen);
    if (rc == 1)
        rc = nsi_fail(err, errlen, NS_EIO, "%s: the index kept changing while being opened", dir);
    return rc;
}

int ns_index_open(ns_index **out, const char *path, char *errbuf, size_t errbuf_len)
{
    *out = NULL;
    if (!path || !*path)
        return nsi_fail(errbuf, errbuf_len, NS_EINVAL, "no index path given");
    if (nsi_xap_detect(path) != NSI_XKIND_OTHER)
        return nsi_xap_index_open(out, path, NULL, errbuf, errbuf_len);
    ns_index *idx = calloc(1, sizeof *idx);
    if (!idx || !(idx->dir = strdup(path))) {
        free(idx);
        return nsi_fail(errbuf, errbuf_len, NS_ENOMEM, "out of memory");
    }
    pthread_mutex_init(&idx->mu, NULL);
    int rc = snap_load_retry(path, &idx->cur, errbuf, errbuf_len);
    if (rc) {
        ns_index_close(idx);
        return rc;
    }
    *out = idx;
    return NS_OK;
}

void ns_index_close(ns_index *idx)
{
    if (!idx)
        return;
    nsi_xap_index_close(idx->xap);
    if (idx->cur && --idx->cur->refs == 0)
        snap_free(idx->cur);
    for (size_t i = 0; i < idx->npool; i++)
        nsi_analyzer_free(idx->pool[i]);
    free(idx->pool);
    pthread_mutex_destroy(&idx->mu);
    free(idx->dir);
    free(idx);
}

nsi_snap *nsi_index_acquire(ns_index *idx)
{
    pthread_mutex_lock(&idx->mu);
    nsi_snap *s = idx->cur;
    s->refs++;
    pthread_mutex_unlock(&idx->mu);
    return s;
}

void nsi_index_release(ns_index *idx, nsi_snap *s)
{
    if (!s)
        return;
    pthread_mutex_lock(&idx->mu);
    int last = --s->refs == 0;
    pthread_mutex_unlock(&idx->mu);
    if (last)
        snap_free(s);
}

int ns_index_refresh(ns_index *idx, int *changed)
{
    if (idx->xap)
        return nsi_xap_refresh(idx, changed);
    if (changed)
        *changed = 0;
    nsi_commit c;
    int rc = nsi_commit_read(&c, idx->dir, tls_err, sizeof tls_err);
    if (rc)
        return rc;
    uint64_t gen = c.generation;
    nsi_commit_free(&c);
    pthread_mutex_lock(&idx->mu);
    int same = idx->cur->generation == gen;
    pthread_mutex_unlock(&idx->mu);
    if (same)
        return NS_OK;
    nsi_snap *s;
    if ((rc = snap_load_retry(idx->dir, &s, tls_err, sizeof tls_err)))
        return rc;
    pthread_mutex_lock(&idx->mu);
    nsi_snap *old = idx->cur;
    /* two threads refreshing at once may finish out of order: never go back
     * to an older generation than one already installed */
    int newer = s->generation > old->generation;
    if (newer)
        idx->cur = s;
    else
        old = s;
    int last = --old->refs == 0;
    pthread_mutex_unlock(&idx->mu);
    if (last)
        snap_free(old);
    if (changed)
        *changed = newer;
    return NS_OK;
}

const char *ns_index_language(const ns_index *idx)
{
    if (idx->xap)
        return nsi_xap_language(idx->xap);
    /* A concurrent refresh may free the snapshot: read it under the lock
     * (the canonical name itself is static). */
    ns_index *mut = (ns_index *)idx;
    pthread_mutex_lock(&mut->mu);
    const char *c = nsi_language_canonical(idx->cur->language);
    pthread_mutex_unlock(&mut->mu);
    return c ? c : "english";
}

int nsi_index_analyzer(ns_index *idx, nsi_analyzer **out)
{
    char lang[64]; /* ns_index_language takes the lock itself */
    snprintf(lang, sizeof lang, "%s", ns_index_language(idx));
    pthread_mutex_lock(&idx->mu);
    nsi_analyzer *a = idx->npool ? idx->pool[--idx->npool] : NULL;
    pthread_mutex_unlock(&idx->mu);
    if (a) {
        *out = a;
        return NS_OK;
    }
    int rc = nsi_analyzer_new(out, lang);
    return rc ? nsi_index_fail(rc, "cannot create the %s analyzer", lang) : NS_OK;
}

void nsi_index_analyzer_put(ns_index *idx, nsi_analyzer *a)
{
    pthread_mutex_lock(&idx->mu);
    if (idx->npool == idx->pool_cap) {
        size_t cap = idx->pool_cap ? idx->pool_cap * 2 : 4;
        nsi_analyzer **p = realloc(idx->pool, cap * sizeof *p);
        if (!p) {
            pthread_mutex_unlock(&idx->mu);
            nsi_analyzer_free(a);
            return;
        }
        idx->pool = p;
        idx->pool_cap = cap;
    }
    idx->pool[idx->npool++] = a;
    pthread_mutex_unlock(&idx->mu);
}

/* Sum of the STORED blocks' uncompressed lengths (docs/format.md, STORED). */
static uint64_t stored_raw_bytes(const nsi_seg *g)
{
    const uint8_t *p = g->sec[NSI_SEC_STORED].p;
    size_t len = g->sec[NSI_SEC_STORED].len;
    if (len < 8)
        return 0;
    uint32_t nblocks = nsi_get_u32le(p + len - 8);
    if ((uint64_t)nblocks * 4 + 8 > len)
        return 0;
    const uint8_t *ulens = p + len - 8 - (size_t)nblocks * 4;
    uint64_t sum = 0;
    for (uint32_t b = 0; b < nblocks; b++)
        sum += nsi_get_u32le(ulens + (size_t)b * 4);
    return sum;
}

int ns_index_stats(ns_index *idx, ns_stats *st)
{
    if (idx->xap)
        return nsi_xap_stats(idx, st);
    memset(st, 0, sizeof *st);
    nsi_snap *s = nsi_index_acquire(idx);
    st->generation = s->generation;
    st->documents = s->live;
    st->segments = s->nsegs;
    for (uint32_t i = 0; i < s->nsegs; i++) {
        const nsi_seg *g = s->segs[i];
        st->deleted += s->ndeleted[i];
        st->terms += g->nterms;
        st->postings += g->npostings;
        st->positions += g->npositions;
        st->bytes_dict += g->sec[NSI_SEC_TERMS].len + g->sec[NSI_SEC_TERMIDX].len;
        st->bytes_postings += g->sec[NSI_SEC_POSTINGS].len;
        st->bytes_positions += g->sec[NSI_SEC_POSITIONS].len;
        st->bytes_norms += g->sec[NSI_SEC_NORMS].len + g->sec[NSI_SEC_DOCMAP].len +
                           g->sec[NSI_SEC_INFO].len;
        st->bytes_stored += g->sec[NSI_SEC_STORED].len + g->sec[NSI_SEC_FIELDS].len;
        st->bytes_raw_stored += stored_raw_bytes(g) + g->sec[NSI_SEC_FIELDS].len;
        st->bytes_total += g->size;
    }
    nsi_index_release(idx, s);
    char path[4200];
    snprintf(path, sizeof path, "%s/COMMIT", idx->dir);
    struct stat sb;
    if (nsi_io_stat(path, &sb) == 0)
        st->bytes_total += (uint64_t)sb.st_size;
    return NS_OK;
}
