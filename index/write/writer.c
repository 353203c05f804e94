/* writer.c — ns_writer: add, replace and delete documents, commit, merge.
 *
 * The writer keeps a working copy of the commit (segment list + deletion
 * bitmaps) and an in-memory buffer of new documents. Nothing it does is seen
 * by readers until ns_writer_commit writes the segments and replaces COMMIT
 * (commit.c). After a successful commit, files no longer referenced are
 * deleted and the tiered merge policy runs: whenever ten segments sit in the
 * same size tier (powers of ten of live documents) they are merged, so the
 * segment count stays logarithmic in the number of documents.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "analysis/analyzer.h"
#include "common/date.h"
#include "common/internal.h"
#include "common/io.h"
#include "common/number.h"
#include "format/commit.h"
#include "format/orphans.h"
#include "format/record.h"
#include "format/segment.h"
#include "format/values.h"
#include "write/idmap.h"
#include "write/memindex.h"
#include "write/merge.h"
#include "write/workers.h"
#include "write/writer.h"

#define MERGE_FACTOR 10

/* The memory a batch may take, as a share of the budget: the batch's own
 * bytes while filled, then a worker's buffer (postings, positions, stored
 * records) and the segment file it assembles. 6 times the batch's bytes is
 * an estimate, not a measurement: the peaks of bench/index-threads.sh
 * (docs/benchmarks.md) are set by the merges, not by the batches. */
#define NSI_BATCH_EXPANSION 6
#define NSI_BATCH_MIN (64u << 10)
#define NSI_BATCH_FIRST (4u << 20)

typedef struct wseg {
    nsi_seg *seg;
    uint32_t ndocs, ndeleted;
    uint8_t *deleted; /* bitmap, NULL when nothing deleted */
} wseg;

typedef struct nsi_writer {
    char *dir;   /* the path, for messages and the identity check */
    int dir_fd;  /* the directory opened: every file is reached through it */
    int lock_fd; /* dir/LOCK, locked */
    ns_writer_options opts;
    char language[64];
    uint64_t generation, next_seg_id;
    uint64_t first_seg_id; /* segments numbered from here were written by this
                              writer (flushes and merges): what tidy merges */
    uint64_t high;         /* the highest generation ever committed here (LOCK's mark) */
    wseg *segs;
    uint32_t nsegs, scap;
    nsi_memindex *mem;
    /* documents put and not yet in a segment are numbered from 0 (the id
     * map's doc for NSI_IDMAP_MEM): the memory buffer's numbers, or with
     * worker threads the run of batches out (workers.h); deleted ones are
     * marked here */
    uint8_t *mem_deleted;
    size_t mem_deleted_cap;
    nsi_workers *workers; /* threads > 1 (NULL: the buffer above) */
    uint32_t pend_next;   /* the number of the next document put */
    uint32_t fill_base;   /* the number of the batch being filled's first */
    size_t batch_bytes;   /* a batch is sealed at this many bytes */
    size_t flush_at;      /* without workers: the buffer is written at this size */
    size_t interval_bytes,
        last_interval; /* bytes put since the last commit, and between the two before */
    nsi_idmap ids;
    nsi_analyzer *an;
    nsi_buf rec;
    /* typed fields: every field the committed segments, declarations and
     * documents put so far know (format/values.h), and a document's
     * fields as resolved for the memory buffer */
    nsi_schema schema;
    nsi_mfield *mf;
    size_t mf_cap;
    unsigned since_commit;
    int dirty;  /* uncommitted changes exist */
    int failed; /* a write, commit or merge failed: the status, and the writer
                   refuses further work (see stopped()) */
    char failmsg[NSI_ERRMSG];
    char *err; /* the handle's message (NSI_ERRMSG bytes) */
} nsi_writer;

static void size_batches(nsi_writer *w);
static int werr(nsi_writer *w, int rc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int werr(nsi_writer *w, int rc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(w->err, NSI_ERRMSG, fmt, ap);
    va_end(ap);
    return rc;
}

/* After a failed flush, commit or merge the writer's idea of the disk may be
 * wrong (a failed fsync may have lost data the kernel reported written; a
 * COMMIT may have been renamed without the directory being synced), so it
 * stops, like Lucene after a "tragic" error and PostgreSQL after a failed
 * fsync: every later call returns the first failure until the writer is
 * closed and opened again, which re-reads COMMIT from the disk. */
static int stopped(nsi_writer *w)
{
    if (!w->failed)
        return NS_OK;
    return werr(w, w->failed, "%.400s (the writer stopped: close and reopen the index)",
                w->failmsg);
}

static int fail_stop(nsi_writer *w, int rc)
{
    /* A failure may come from the folder having gone (rm -rf, mv): say so
     * rather than what the failed call saw. */
    if (rc && !w->failed && rc != NS_ELOCKED &&
        nsi_lock_check(w->dir_fd, w->lock_fd, w->dir, w->failmsg, sizeof w->failmsg) ==
            NS_ELOCKED) {
        rc = NS_ELOCKED;
        memcpy(w->err, w->failmsg, sizeof w->failmsg);
    }
    if (rc && !w->failed) {
        w->failed = rc;
        memcpy(w->failmsg, w->err, sizeof w->failmsg);
    }
    return rc;
}

static int bit_set(uint8_t **bm, uint32_t nbits, uint32_t i)
{
    if (!*bm) {
        *bm = calloc(nbits / 8 + 1, 1);
        if (!*bm)
            return NS_ENOMEM;
    }
    (*bm)[i >> 3] |= (uint8_t)(1u << (i & 7));
    return NS_OK;
}

static int push_seg(nsi_writer *w, nsi_seg *seg, uint32_t ndocs, uint32_t ndeleted,
                    uint8_t *deleted)
{
    if (w->nsegs == w->scap) {
        uint32_t cap = w->scap ? w->scap * 2 : 16;
        wseg *s = realloc(w->segs, (size_t)cap * sizeof *s);
        if (!s)
            return NS_ENOMEM;
        w->segs = s;
        w->scap = cap;
    }
    w->segs[w->nsegs++] = (wseg){seg, ndocs, ndeleted, deleted};
    return NS_OK;
}

/* Rebuilds the id map from the segments' DOCMAPs (at open and after merges). */
static int load_ids(nsi_writer *w)
{
    nsi_idmap_clear(&w->ids);
    for (uint32_t i = 0; i < w->nsegs; i++) {
        const nsi_seg *g = w->segs[i].seg;
        const uint8_t *p = g->sec[NSI_SEC_DOCMAP].p, *end = p + g->sec[NSI_SEC_DOCMAP].len;
        int rc = nsi_seg_touch(g, p, (size_t)(end - p), w->err, NSI_ERRMSG);
        if (rc)
            return rc;
        for (uint32_t d = 0; d < g->ndocs; d++) {
            uint64_t len;
            if (nsi_varint_get(&p, end, &len) || len > (uint64_t)(end - p) ||
                (uint64_t)(end - p) - len < 8)
                return werr(w, NS_ECORRUPT, "%s: section DOCMAP: malformed", g->path);
            const char *id = (const char *)p;
            uint64_t hash = nsi_get_u64le(p + len);
            p += len + 8;
            if (nsi_bit_get(w->segs[i].deleted, d))
                continue;
            nsi_identry *e;
            rc = nsi_idmap_get(&w->ids, id, (size_t)len, &e);
            if (rc)
                return werr(w, rc, "%s: %s", w->dir, ns_strerror(rc));
            *e = (nsi_identry){hash, i, d, e->id_off, e->id_len, 1};
        }
    }
    return NS_OK;
}

static int unlink_unlisted(void *ctx, const char *name, uint64_t seg_id, int kind, uint64_t gen)
{
    nsi_writer *w = ctx;
    (void)seg_id;
    (void)gen;
    if (kind != NSI_UNLISTED_ORPHAN || w->opts.prune_orphans)
        nsi_io_unlinkat(w->dir_fd, name);
    return 0;
}

/* Removes files a crashed or rolled-back writer left behind, and segments
 * merged away (docs/format.md, "Orphans and leftovers"); orphans only with
 * prune_orphans (open_existing refused the index otherwise). Only while the
 * lock is still the index's: a writer whose LOCK was removed must not delete
 * another writer's new segments. */
static void collect_garbage(nsi_writer *w)
{
    char msg[NSI_ERRMSG];
    if (nsi_lock_check(w->dir_fd, w->lock_fd, w->dir, msg, sizeof msg))
        return;
    uint64_t *listed = calloc(w->nsegs ? w->nsegs : 1, sizeof *listed);
    if (!listed)
        return;
    for (uint32_t i = 0; i < w->nsegs; i++)
        listed[i] = w->segs[i].seg->id;
    nsi_unlisted_scan(w->dir_fd, w->dir, listed, w->nsegs, w->generation, w->high, unlink_unlisted,
                      w);
    free(listed);
    DIR *d = nsi_io_fdopendir(w->dir_fd);
    if (!d)
        return;
    struct dirent *de;
    while ((de = nsi_io_readdir(d)))
        if (nsi_commit_tmp_name(de->d_name))
            nsi_io_unlinkat(w->dir_fd, de->d_name);
    nsi_io_closedir(d);
}

/* Segments committed in a generation newer than COMMIT's mean an older COMMIT
 * was put back: writing on would fork the history and delete them, so the
 * writer refuses unless told to prune them (then the mark goes back to
 * COMMIT's generation, so that the next writer's leftovers read as such). */
static int refuse_orphans(nsi_writer *w)
{
    if (w->high <= w->generation)
        return NS_OK;
    uint64_t *listed = calloc(w->nsegs ? w->nsegs : 1, sizeof *listed);
    if (!listed)
        return werr(w, NS_ENOMEM, "out of memory");
    for (uint32_t i = 0; i < w->nsegs; i++)
        listed[i] = w->segs[i].seg->id;
    nsi_orphans_seen o = {0};
    int rc = nsi_unlisted_scan(w->dir_fd, w->dir, listed, w->nsegs, w->generation, w->high,
                               nsi_orphans_note, &o);
    free(listed);
    if (rc)
        return werr(w, rc, "%s: cannot list the index folder", w->dir);
    if (o.n && !w->opts.prune_orphans)
        return werr(w, NS_ECORRUPT,
                    "%s/%s: not in COMMIT but committed in generation %llu, newer than "
                    "COMMIT's %llu (%u such segment%s: an older COMMIT was put back?); nothing "
                    "was changed: put the newer COMMIT back, or delete them with "
                    "--prune-orphans",
                    w->dir, o.first, (unsigned long long)o.gen, (unsigned long long)w->generation,
                    o.n, o.n == 1 ? "" : "s");
    /* pruning (collect_garbage deletes them), or none left: the mark
     * follows COMMIT again */
    w->high = w->generation;
    nsi_lock_set_generation(w->lock_fd, w->high);
    return NS_OK;
}

static int open_existing(nsi_writer *w)
{
    nsi_commit c;
    int rc = nsi_commit_read_at(&c, w->dir_fd, w->dir, w->err, NSI_ERRMSG);
    w->first_seg_id = rc ? 1 : c.next_seg_id;
    if (rc == NS_ENOTFOUND) {
        const char *lang = nsi_language_canonical(w->opts.language ? w->opts.language : "english");
        if (!lang)
            return werr(w, NS_EINVAL, "unknown language '%s' (ns_languages() lists them)",
                        w->opts.language);
        snprintf(w->language, sizeof w->language, "%s", lang);
        w->next_seg_id = 1;
        w->dirty = 1; /* the first commit creates COMMIT even with no docs */
        return NS_OK;
    }
    if (rc)
        return rc;
    snprintf(w->language, sizeof w->language, "%s", c.language);
    w->generation = c.generation;
    w->next_seg_id = c.next_seg_id;
    w->high = nsi_lock_generation(w->lock_fd);
    if (w->high < w->generation)
        w->high = w->generation;
    if (w->opts.language) {
        const char *want = nsi_language_canonical(w->opts.language);
        if (!want || strcmp(want, c.language)) {
            nsi_commit_free(&c);
            return werr(w, NS_EINVAL, "%s: index language is %s, not %s", w->dir, w->language,
                        w->opts.language);
        }
    }
    for (uint32_t i = 0; i < c.nsegs && !rc; i++) {
        nsi_seg *seg;
        rc = nsi_seg_open_at(&seg, w->dir_fd, w->dir, c.segs[i].id, w->err, NSI_ERRMSG);
        if (rc == NS_ENOTFOUND)
            rc = werr(w, NS_ECORRUPT, "%s: segment listed in COMMIT is missing", w->err + 0);
        if (!rc && seg->ndocs != c.segs[i].ndocs) {
            rc = werr(w, NS_ECORRUPT, "%s: holds %u documents, COMMIT says %u", seg->path,
                      seg->ndocs, c.segs[i].ndocs);
            nsi_seg_close(seg);
        }
        if (!rc && c.version >= 2 &&
            (rc = nsi_seg_identity(seg, c.segs[i].uid, c.segs[i].table_crc, w->err, NSI_ERRMSG)))
            nsi_seg_close(seg);
        if (!rc) {
            rc = push_seg(w, seg, c.segs[i].ndocs, c.segs[i].ndeleted, c.segs[i].deleted);
            if (rc)
                nsi_seg_close(seg);
            else
                c.segs[i].deleted = NULL; /* now owned by w */
        }
    }
    nsi_commit_free(&c);
    for (uint32_t i = 0; i < w->nsegs && !rc; i++)
        rc = nsi_schema_add_seg(&w->schema, w->segs[i].seg, w->err, NSI_ERRMSG);
    if (!rc)
        rc = load_ids(w);
    return rc;
}

int nsi_writer_open(void **out, const char *path, const ns_writer_options *opts, char *err)
{
    nsi_writer *w = calloc(1, sizeof *w);
    if (!w || !(w->dir = strdup(path))) {
        free(w);
        return nsi_fail(err, NSI_ERRMSG, NS_ENOMEM, "out of memory");
    }
    w->err = err;
    w->opts = *opts;
    w->lock_fd = -1;
    w->dir_fd = -1;
    w->rec.limit = (size_t)NS_MAX_DOC_BYTES + 4096;
    int rc, e = nsi_io_mkdir_p(path);
    if (e)
        rc = werr(w, nsi_errno_status(e), "%s: cannot create index directory: %s", path,
                  strerror(e));
    else if ((w->dir_fd = nsi_io_open(path, O_RDONLY | O_DIRECTORY, 0)) < 0)
        rc = werr(w, nsi_errno_status(errno), "%s: cannot open the index directory: %s", path,
                  strerror(errno));
    else
        rc = nsi_lock_acquire_at(w->dir_fd, path, w->opts.wait_for_lock, &w->lock_fd, w->err,
                                 NSI_ERRMSG);
    if (!rc)
        rc = open_existing(w);
    if (!rc)
        rc = refuse_orphans(w);
    if (!rc && (rc = nsi_analyzer_new(&w->an, w->language)))
        werr(w, rc, "cannot create the %s analyzer", w->language);
    if (!rc && (rc = nsi_memindex_new(&w->mem)))
        werr(w, rc, "out of memory");
    /* the buffer is written at flush_bytes, or at the budget's share of
     * what the buffer and the segment built from it take */
    w->flush_at = w->opts.ram_budget / NSI_BATCH_EXPANSION;
    if (w->flush_at > w->opts.flush_bytes)
        w->flush_at = w->opts.flush_bytes;
    if (!rc && w->opts.threads > 1) {
        if ((rc = nsi_workers_new(&w->workers, w->opts.threads, w->language, w->dir_fd, w->dir)))
            werr(w, rc, "%s: cannot start %u worker threads: %s", path, w->opts.threads,
                 ns_strerror(rc));
        else
            size_batches(w);
    }
    if (rc) {
        nsi_writer_close(w);
        return rc;
    }
    collect_garbage(w);
    *out = w;
    return NS_OK;
}

void nsi_writer_close(void *vw)
{
    nsi_writer *w = vw;
    for (uint32_t i = 0; i < w->nsegs; i++) {
        nsi_seg_close(w->segs[i].seg);
        free(w->segs[i].deleted);
    }
    nsi_workers_free(w->workers); /* first: its threads use dir_fd */
    free(w->segs);
    nsi_memindex_free(w->mem);
    free(w->mem_deleted);
    nsi_idmap_free(&w->ids);
    nsi_analyzer_free(w->an);
    nsi_buf_free(&w->rec);
    nsi_schema_free(&w->schema);
    free(w->mf);
    nsi_lock_release(w->lock_fd);
    if (w->dir_fd >= 0)
        nsi_io_close(w->dir_fd);
    free(w->dir);
    free(w);
}

static int commit_and_merge(nsi_writer *w);

/* Whether the document put as number i (not yet in a segment) was deleted
 * or replaced since. */
static int pend_deleted(const nsi_writer *w, uint32_t i)
{
    return (size_t)(i >> 3) < w->mem_deleted_cap && nsi_bit_get(w->mem_deleted, i);
}

/* The deletion bitmap of a new segment of n documents put as numbers
 * [base, base + n): *out NULL when none was deleted. */
static int pend_bitmap(const nsi_writer *w, uint32_t base, uint32_t n, uint8_t **out,
                       uint32_t *ndel)
{
    *out = NULL;
    *ndel = 0;
    for (uint32_t d = 0; d < n; d++)
        if (pend_deleted(w, base + d)) {
            if (bit_set(out, n, d))
                return NS_ENOMEM;
            ++*ndel;
        }
    return NS_OK;
}

/* Marks the document an entry points at as deleted. */
static int kill_entry(nsi_writer *w, nsi_identry *e)
{
    int rc;
    if (e->seg == NSI_IDMAP_MEM) {
        size_t need = e->doc / 8 + 1;
        if (w->mem_deleted_cap < need) {
            size_t cap = need * 2;
            uint8_t *p = realloc(w->mem_deleted, cap);
            if (!p)
                return NS_ENOMEM;
            memset(p + w->mem_deleted_cap, 0, cap - w->mem_deleted_cap);
            w->mem_deleted = p;
            w->mem_deleted_cap = cap;
        }
        w->mem_deleted[e->doc >> 3] |= (uint8_t)(1u << (e->doc & 7));
    } else {
        wseg *s = &w->segs[e->seg];
        if ((rc = bit_set(&s->deleted, s->ndocs, e->doc)))
            return rc;
        s->ndeleted++;
    }
    e->live = 0;
    w->dirty = 1;
    return NS_OK;
}

/* The id of the next new segment: next_seg_id, passed over any name that is
 * taken (a file of another writer in the same folder; creation is exclusive
 * anyway, this only avoids failing on it). */
static uint64_t new_seg_id(nsi_writer *w)
{
    for (int tries = 0; tries < 1000; tries++) {
        char name[64];
        struct stat st;
        snprintf(name, sizeof name, "seg-%016llx.nss", (unsigned long long)w->next_seg_id);
        if (nsi_io_fstatat(w->dir_fd, name, &st))
            break;
        w->next_seg_id++;
    }
    return w->next_seg_id;
}

/* Writes the in-memory buffer as a new segment (not yet committed). */
/* The generation the next commit will have: what new segments are stamped
 * with (CHECKS gen; docs/format.md, "Orphans and leftovers"). */
static uint64_t next_generation(const nsi_writer *w) { return w->generation + 1; }

/* Every field of the schema, and the built-in date, as a column of v: a
 * segment's field table is the whole schema (docs/format.md, "VALUES"). */
static int schema_columns(nsi_writer *w, nsi_valw *v)
{
    int col, rc = nsi_valw_field(v, "date", 4, NS_FIELD_DATE, &col);
    for (size_t i = 0; i < w->schema.n && !rc; i++)
        rc = nsi_valw_field(v, w->schema.f[i].name, w->schema.f[i].len, w->schema.f[i].type, &col);
    return rc;
}

static int flush_serial(nsi_writer *w)
{
    uint32_t n = nsi_memindex_ndocs(w->mem);
    if (n == 0)
        return NS_OK;
    /* Another writer wrongly in this folder may take the name between
     * new_seg_id and the exclusive create: then build again under the next
     * free name (the other writer is found out at commit, nsi_lock_check). */
    uint64_t id = 0;
    int rc = NS_EEXISTS;
    for (int tries = 0; rc == NS_EEXISTS && tries < 16; tries++) {
        nsi_segw *sw;
        if ((rc = nsi_segw_new(&sw)))
            return werr(w, rc, "out of memory");
        id = new_seg_id(w);
        nsi_segw_set_generation(sw, next_generation(w));
        rc = schema_columns(w, nsi_memindex_values(w->mem));
        if (!rc)
            rc = nsi_memindex_write(w->mem, sw);
        if (rc)
            werr(w, rc, "%s: building segment: %s", w->dir, ns_strerror(rc));
        else
            rc = nsi_segw_finish_at(sw, w->dir_fd, w->dir, id, w->err, NSI_ERRMSG);
        nsi_segw_free(sw);
        if (rc == NS_EEXISTS)
            w->next_seg_id = id + 1;
    }
    if (rc)
        return rc;
    nsi_seg *seg;
    if ((rc = nsi_seg_open_at(&seg, w->dir_fd, w->dir, id, w->err, NSI_ERRMSG)))
        return rc;
    uint32_t ndel;
    uint8_t *del;
    if (pend_bitmap(w, 0, n, &del, &ndel)) {
        nsi_seg_close(seg);
        return werr(w, NS_ENOMEM, "out of memory");
    }
    if ((rc = push_seg(w, seg, n, ndel, del))) {
        nsi_seg_close(seg);
        free(del);
        return werr(w, rc, "out of memory");
    }
    w->next_seg_id++;
    for (uint32_t i = 0; i < w->ids.n; i++)
        if (w->ids.e[i].seg == NSI_IDMAP_MEM)
            w->ids.e[i].seg = w->nsegs - 1;
    nsi_memindex_clear(w->mem);
    if (w->mem_deleted)
        memset(w->mem_deleted, 0, w->mem_deleted_cap);
    return NS_OK;
}

/* ---- with worker threads (workers.h; docs/architecture.md, "Parallel
 * indexing"). Documents are put into batches in the order they come; batch
 * k becomes segment k of the run, taken back in that order whatever order
 * the workers finish in, so the segments, their documents and every later
 * merge are the same for any number of threads. */

/* Sizes batches: a commit interval (the bytes put between the last two
 * commits) split between the threads, so each commit keeps all of them
 * busy, within the budget's share of one batch. */
static void size_batches(nsi_writer *w)
{
    size_t threads = nsi_workers_threads(w->workers);
    size_t share = w->opts.ram_budget / (threads + 1) / NSI_BATCH_EXPANSION;
    size_t t = w->last_interval ? w->last_interval / threads + w->last_interval / (8 * threads)
                                : NSI_BATCH_FIRST;
    if (t > share)
        t = share;
    if (t > w->opts.flush_bytes)
        t = w->opts.flush_bytes;
    w->batch_bytes = t < NSI_BATCH_MIN ? NSI_BATCH_MIN : t;
}

/* Takes the oldest batch out back and adds its segment to the list (with
 * wait, once it is built; NS_ENOTFOUND without wait when it is not yet). A
 * name taken meanwhile (see flush_serial) is built again under the next. */
static int take_batch(nsi_writer *w, int wait)
{
    nsi_batch_done d;
    int rc;
    for (int tries = 0;; tries++) {
        if ((rc = nsi_workers_next(w->workers, wait, &d)))
            return rc;
        if (d.rc != NS_EEXISTS || tries >= 16)
            break;
        uint64_t id = new_seg_id(w);
        w->next_seg_id++;
        nsi_workers_retry(w->workers, id);
        wait = 1;
    }
    if (d.rc) {
        memcpy(w->err, d.err, NSI_ERRMSG);
        return d.rc;
    }
    nsi_seg *seg;
    if ((rc = nsi_seg_open_at(&seg, w->dir_fd, w->dir, d.seg_id, w->err, NSI_ERRMSG)))
        return rc;
    uint32_t ndel;
    uint8_t *del;
    if (pend_bitmap(w, d.base, d.ndocs, &del, &ndel)) {
        nsi_seg_close(seg);
        return werr(w, NS_ENOMEM, "out of memory");
    }
    if ((rc = push_seg(w, seg, d.ndocs, ndel, del))) {
        nsi_seg_close(seg);
        free(del);
        return werr(w, rc, "out of memory");
    }
    for (uint32_t i = 0; i < w->ids.n; i++) {
        nsi_identry *e = &w->ids.e[i];
        if (e->seg == NSI_IDMAP_MEM && e->doc >= d.base && e->doc - d.base < d.ndocs) {
            e->seg = w->nsegs - 1;
            e->doc -= d.base;
        }
    }
    return NS_OK;
}

/* Seals the batch being filled (when it holds documents) and hands it to
 * the workers, after taking one back when all are busy. */
static int seal_batch(nsi_writer *w)
{
    if (!nsi_workers_filling_docs(w->workers))
        return NS_OK;
    int rc;
    while (nsi_workers_pending(w->workers) >= nsi_workers_threads(w->workers))
        if ((rc = take_batch(w, 1)))
            return rc;
    uint64_t id = new_seg_id(w);
    if ((rc = nsi_workers_submit(w->workers, id, next_generation(w), &w->schema, w->fill_base)))
        return werr(w, rc, "%s: %s", w->dir, ns_strerror(rc));
    w->next_seg_id++;
    w->fill_base = w->pend_next;
    return NS_OK;
}

static int flush_batches(nsi_writer *w);

/* After a document was put: seal the batch when it is full, and take back
 * what the workers have built. Past 2^31 documents put without a commit,
 * every batch is taken back so that the numbering starts again. */
static int batches_after_put(nsi_writer *w)
{
    if (w->pend_next >= (1u << 31))
        return flush_batches(w);
    int rc = NS_OK;
    if (nsi_workers_filling_bytes(w->workers) >= w->batch_bytes)
        rc = seal_batch(w);
    while (!rc)
        rc = take_batch(w, 0);
    return rc == NS_ENOTFOUND ? NS_OK : rc;
}

/* Every batch sealed, built and in the list (before a commit). */
static int flush_batches(nsi_writer *w)
{
    int rc = seal_batch(w);
    while (!rc && nsi_workers_pending(w->workers))
        rc = take_batch(w, 1);
    if (rc)
        return rc;
    w->pend_next = w->fill_base = 0;
    if (w->mem_deleted)
        memset(w->mem_deleted, 0, w->mem_deleted_cap);
    return NS_OK;
}

/* Writes the documents put since the last flush as new segments (not yet
 * committed). */
static int flush_mem(nsi_writer *w) { return w->workers ? flush_batches(w) : flush_serial(w); }

#define DOCID(doc) (int)((doc)->id_len > 200 ? 200 : (doc)->id_len), (doc)->id

static int name_cmp_mf(const nsi_mfield *a, const nsi_mfield *b)
{
    int c = memcmp(a->name, b->name, a->name_len < b->name_len ? a->name_len : b->name_len);
    return c ? c : (a->name_len > b->name_len) - (a->name_len < b->name_len);
}

/* The type the writer gives field f of a document whose fields [0, i) came
 * before it: the schema's, an earlier field's of the same document, or the
 * one asked for (AUTO: keyword). */
static int field_type_for(const nsi_writer *w, const ns_field *f, size_t i)
{
    int k = nsi_schema_find(&w->schema, f[i].name, f[i].name_len);
    if (k >= 0)
        return w->schema.f[k].type;
    for (size_t j = 0; j < i; j++)
        if (f[j].name_len == f[i].name_len && !memcmp(f[j].name, f[i].name, f[i].name_len))
            return field_type_for(w, f, j);
    return f[i].type == NS_FIELD_AUTO ? NS_FIELD_KEYWORD : f[i].type;
}

/* Checks doc's fields against the schema and resolves them into w->mf
 * (*nmf entries, the built-in date first when doc->date parses), folding
 * them into *hash. NS_EINVAL naming the field and the value. */
static int resolve_fields(nsi_writer *w, const ns_doc *doc, const ns_field *f, size_t n,
                          size_t *nmf, uint64_t *hash)
{
    if (w->mf_cap < n + 1) {
        nsi_mfield *m = realloc(w->mf, (n + 1) * sizeof *m);
        if (!m)
            return werr(w, NS_ENOMEM, "out of memory");
        w->mf = m;
        w->mf_cap = n + 1;
    }
    size_t k = 0;
    int64_t secs;
    if (doc->date_len && nsi_date_parse(doc->date, doc->date_len, &secs) == NS_OK)
        w->mf[k++] = (nsi_mfield){"date", 4, NS_FIELD_DATE, NULL, 0, (uint64_t)secs};
    for (size_t i = 0; i < n; i++) {
        char msg[NSI_ERRMSG];
        int shown = (int)(f[i].value_len > 100 ? 100 : f[i].value_len);
        const char *val = f[i].value ? f[i].value : "";
        if (nsi_field_name_check(f[i].name, f[i].name_len, 0, msg, sizeof msg))
            return werr(w, NS_EINVAL, "document %.*s: %s", DOCID(doc), msg);
        int type = field_type_for(w, f, i);
        if (type < NS_FIELD_KEYWORD || type > NS_FIELD_TEXT)
            return werr(w, NS_EINVAL, "document %.*s: field '%.*s': unknown type %d", DOCID(doc),
                        (int)f[i].name_len, f[i].name, f[i].type);
        nsi_mfield *m = &w->mf[k++];
        *m = (nsi_mfield){f[i].name, f[i].name_len, type, val, f[i].value_len, 0};
        if (type == NS_FIELD_DATE || type == NS_FIELD_NUMBER) {
            for (size_t j = 0; j < i; j++)
                if (f[j].name_len == f[i].name_len && !memcmp(f[j].name, f[i].name, f[i].name_len))
                    return werr(w, NS_EINVAL,
                                "document %.*s: field '%.*s': a second value '%.*s' (a %s "
                                "field holds one value)",
                                DOCID(doc), (int)f[i].name_len, f[i].name, shown, val,
                                nsi_field_type_name(type));
        }
        if (type == NS_FIELD_DATE) {
            if (nsi_date_parse(val, f[i].value_len, &secs))
                return werr(w, NS_EINVAL, "document %.*s: field '%.*s': cannot parse date '%.*s'",
                            DOCID(doc), (int)f[i].name_len, f[i].name, shown, val);
            m->bits = (uint64_t)secs;
        } else if (type == NS_FIELD_NUMBER) {
            double d;
            if (nsi_number_parse(val, f[i].value_len, &d))
                return werr(w, NS_EINVAL, "document %.*s: field '%.*s': '%.*s' is not a number",
                            DOCID(doc), (int)f[i].name_len, f[i].name, shown, val);
            memcpy(&m->bits, &d, sizeof d);
        } else if (f[i].value_len == 0 || f[i].value_len > NSI_FIELD_VALUE_MAX) {
            return werr(w, NS_EINVAL,
                        "document %.*s: field '%.*s': a %s value must have 1 to %d bytes, not "
                        "%zu",
                        DOCID(doc), (int)f[i].name_len, f[i].name, nsi_field_type_name(type),
                        NSI_FIELD_VALUE_MAX, f[i].value_len);
        }
    }
    *nmf = k;
    /* the content hash covers the fields by name, each field's values in
     * their order (nsi_fields_hash_head): order the fields stably by name */
    size_t first = k - n; /* after the built-in date */
    for (size_t i = first + 1; i < k; i++)
        for (size_t j = i; j > first && name_cmp_mf(&w->mf[j - 1], &w->mf[j]) > 0; j--) {
            nsi_mfield t = w->mf[j];
            w->mf[j] = w->mf[j - 1];
            w->mf[j - 1] = t;
        }
    for (size_t i = first; i < k;) {
        size_t j = i;
        while (j < k && !name_cmp_mf(&w->mf[i], &w->mf[j]))
            j++;
        *hash = nsi_fields_hash_head(*hash, w->mf[i].name, w->mf[i].name_len, w->mf[i].type,
                                     (uint32_t)(j - i));
        for (; i < j; i++) {
            const nsi_mfield *m = &w->mf[i];
            uint8_t b[8];
            nsi_put_u64le(b, m->bits);
            *hash = m->type == NS_FIELD_DATE || m->type == NS_FIELD_NUMBER
                        ? nsi_fields_hash_value(*hash, b, 8)
                        : nsi_fields_hash_value(*hash, m->value, m->value_len);
        }
    }
    return NS_OK;
}

/* The fields of the schema, the built-in date aside (it is there when a
 * segment had it). */
static size_t user_fields(const nsi_writer *w)
{
    return w->schema.n - (nsi_schema_find(&w->schema, "date", 4) >= 0);
}

/* Adds the fields of a document just put to the schema (room was checked). */
static int learn_fields(nsi_writer *w, const nsi_mfield *m, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (m[i].name_len == 4 && !memcmp(m[i].name, "date", 4))
            continue; /* built in */
        int rc = nsi_schema_add(&w->schema, m[i].name, m[i].name_len, m[i].type, NULL);
        if (rc)
            return werr(w, rc, "field '%.*s': %s", (int)m[i].name_len, m[i].name, ns_strerror(rc));
    }
    return NS_OK;
}

/* NS_ETOOBIG when the fields of a document would take the schema past
 * NSI_FIELD_MAX fields. */
static int room_for(nsi_writer *w, const ns_doc *doc, const ns_field *f, size_t n)
{
    size_t fresh = 0;
    for (size_t i = 0; i < n; i++) {
        if (nsi_schema_find(&w->schema, f[i].name, f[i].name_len) >= 0)
            continue;
        int seen = 0;
        for (size_t j = 0; j < i && !seen; j++)
            seen = f[j].name_len == f[i].name_len && !memcmp(f[j].name, f[i].name, f[i].name_len);
        fresh += !seen;
    }
    if (user_fields(w) + fresh <= NSI_FIELD_MAX)
        return NS_OK;
    return werr(w, NS_ETOOBIG, "document %.*s: more than %d typed fields in the index", DOCID(doc),
                NSI_FIELD_MAX);
}

int nsi_writer_put_fields(void *vw, const ns_doc *doc, const ns_field *fields, size_t nfields,
                          int *outcome)
{
    nsi_writer *w = vw;
    int rc = stopped(w);
    if (rc)
        return rc;
    /* new fields of this document must fit in the schema */
    if ((rc = room_for(w, doc, fields, nfields)))
        return rc;
    rc = nsi_record_encode(doc, &w->rec);
    if (rc)
        return werr(w, rc, "document %.*s: %s", DOCID(doc), ns_strerror(rc));
    uint64_t hash = nsi_fnv1a64(w->rec.data, w->rec.len, NSI_FNV_SEED);
    size_t nmf = 0;
    if ((rc = resolve_fields(w, doc, fields, nfields, &nmf, &hash)))
        return rc;
    nsi_identry *e;
    if ((rc = nsi_idmap_get(&w->ids, doc->id, doc->id_len, &e)))
        return werr(w, rc, "out of memory");
    int result = NS_PUT_ADDED;
    if (e->live) {
        if (e->hash == hash) {
            if (outcome)
                *outcome = NS_PUT_UNCHANGED;
            return NS_OK;
        }
        result = NS_PUT_UPDATED;
    }
    uint32_t docnum = w->pend_next;
    if (w->workers)
        rc = nsi_workers_add(w->workers, w->rec.data, w->rec.len, hash, w->mf, nmf);
    else
        rc = nsi_memindex_add(w->mem, w->an, doc, w->rec.data, w->rec.len, hash, w->mf, nmf,
                              &docnum, NULL);
    if (rc)
        return werr(w, rc, "document %.*s: %s", DOCID(doc), ns_strerror(rc));
    if ((rc = learn_fields(w, w->mf, nmf)))
        return fail_stop(w, rc);
    if (e->live && (rc = kill_entry(w, e)))
        return werr(w, rc, "out of memory");
    e->hash = hash;
    e->seg = NSI_IDMAP_MEM;
    e->doc = docnum;
    e->live = 1;
    w->dirty = 1;
    if (outcome)
        *outcome = result;
    if (w->workers) {
        w->pend_next++;
        w->interval_bytes += w->rec.len;
        if ((rc = batches_after_put(w)))
            return fail_stop(w, rc);
    } else if (nsi_memindex_bytes(w->mem) >= w->flush_at && (rc = flush_mem(w))) {
        return fail_stop(w, rc);
    }
    if (w->opts.commit_every && ++w->since_commit >= w->opts.commit_every)
        return commit_and_merge(w);
    return NS_OK;
}

int nsi_writer_put(void *vw, const ns_doc *doc, int *outcome)
{
    return nsi_writer_put_fields(vw, doc, NULL, 0, outcome);
}

int nsi_writer_declare_field(void *vw, const char *name, size_t len, int type)
{
    nsi_writer *w = vw;
    int rc = stopped(w);
    if (rc)
        return rc;
    if ((rc = nsi_field_name_check(name, len, 0, w->err, NSI_ERRMSG)))
        return rc;
    int k = nsi_schema_find(&w->schema, name, len), had;
    if (k < 0 && user_fields(w) >= NSI_FIELD_MAX)
        return werr(w, NS_ETOOBIG, "field '%.*s': the index has %d fields already, the most it may",
                    (int)len, name, NSI_FIELD_MAX);
    rc = nsi_schema_add(&w->schema, name, len, type, &had);
    if (rc)
        return werr(w, rc, "out of memory");
    if (had && had != type)
        return werr(w, NS_EINVAL, "field '%.*s' is a %s field in this index, not %s", (int)len,
                    name, nsi_field_type_name(had), nsi_field_type_name(type));
    if (!had)
        w->dirty = 1;
    return NS_OK;
}

int nsi_writer_field_type(void *vw, const char *name, size_t len)
{
    nsi_writer *w = vw;
    if (len == 4 && !memcmp(name, "date", 4))
        return NS_FIELD_DATE;
    int k = nsi_schema_find(&w->schema, name, len);
    return k < 0 ? 0 : w->schema.f[k].type;
}

int nsi_writer_delete(void *vw, const char *id, size_t id_len)
{
    nsi_writer *w = vw;
    nsi_identry *e = nsi_idmap_find(&w->ids, id, id_len);
    int rc = stopped(w);
    if (rc)
        return rc;
    if (!e || !e->live)
        return werr(w, NS_ENOTFOUND, "no document with id '%.*s'",
                    (int)(id_len > 200 ? 200 : id_len), id);
    rc = kill_entry(w, e);
    return rc ? werr(w, rc, "out of memory") : NS_OK;
}

int nsi_writer_foreach_id(void *vw, int (*fn)(void *, const char *, size_t), void *ctx)
{
    const nsi_writer *w = vw;
    /* ids live in w->ids.ids, which a delete from fn never moves */
    for (uint32_t i = 0; i < w->ids.n; i++) {
        const nsi_identry *e = &w->ids.e[i];
        if (e->live && fn(ctx, (const char *)w->ids.ids.data + e->id_off, e->id_len))
            break;
    }
    return NS_OK;
}

static int write_commit(nsi_writer *w)
{
    nsi_commit c = {0};
    c.generation = w->generation + 1;
    c.next_seg_id = w->next_seg_id;
    snprintf(c.language, sizeof c.language, "%s", w->language);
    c.segs = calloc(w->nsegs ? w->nsegs : 1, sizeof *c.segs);
    if (!c.segs)
        return werr(w, NS_ENOMEM, "out of memory");
    for (uint32_t i = 0; i < w->nsegs; i++) {
        const wseg *s = &w->segs[i];
        if (s->ndeleted == s->ndocs)
            continue; /* nothing live: leave it out, the files go with GC */
        c.segs[c.nsegs++] = (nsi_commit_seg){s->seg->id, s->ndocs,    s->ndeleted,
                                             s->deleted, s->seg->uid, s->seg->table_crc};
    }
    int rc = nsi_commit_write_at(&c, w->dir_fd, w->lock_fd, w->dir, w->err, NSI_ERRMSG);
    free(c.segs); /* the bitmaps belong to w */
    if (rc)
        return rc;
    w->generation = c.generation;
    if (w->generation > w->high) {
        /* best effort: a lost mark lags behind COMMIT, which counts too */
        w->high = w->generation;
        nsi_lock_set_generation(w->lock_fd, w->high);
    }
    return NS_OK;
}

/* Drops segments without live documents from the working list. */
static int drop_empty(nsi_writer *w)
{
    uint32_t k = 0;
    int changed = 0;
    for (uint32_t i = 0; i < w->nsegs; i++) {
        if (w->segs[i].ndeleted == w->segs[i].ndocs) {
            nsi_seg_close(w->segs[i].seg);
            free(w->segs[i].deleted);
            changed = 1;
        } else {
            w->segs[k++] = w->segs[i];
        }
    }
    w->nsegs = k;
    return changed ? load_ids(w) : NS_OK;
}

/* Merges segs[idx[0..n)] into one segment placed where the first was. */
static int merge_some(nsi_writer *w, const uint32_t *idx, uint32_t n)
{
    /* A merge re-encodes what it reads, so damage in an input that still
     * decodes would come out under fresh, valid checksums: verify first. */
    for (uint32_t i = 0; i < n; i++) {
        int rc = nsi_seg_verify_sections(w->segs[idx[i]].seg, w->err, NSI_ERRMSG);
        if (rc)
            return rc;
    }
    nsi_merge_in *in = calloc(n, sizeof *in);
    if (!in)
        return werr(w, NS_ENOMEM, "out of memory");
    for (uint32_t i = 0; i < n; i++)
        in[i] = (nsi_merge_in){w->segs[idx[i]].seg, w->segs[idx[i]].deleted};
    uint64_t id = 0;
    uint32_t ndocs = 0;
    int rc = NS_EEXISTS;
    for (int tries = 0; rc == NS_EEXISTS && tries < 16; tries++) {
        id = new_seg_id(w); /* taken meanwhile (see flush_mem): the next name */
        if ((rc = nsi_merge(in, n, &w->schema, w->an, w->dir_fd, w->dir, id, next_generation(w),
                            &ndocs, w->err, NSI_ERRMSG)) == NS_EEXISTS)
            w->next_seg_id = id + 1;
    }
    free(in);
    if (rc)
        return rc;
    w->next_seg_id++;
    nsi_seg *seg;
    if ((rc = nsi_seg_open_at(&seg, w->dir_fd, w->dir, id, w->err, NSI_ERRMSG)))
        return rc;
    /* mark the inputs empty, put the result in the first input's place */
    for (uint32_t i = 0; i < n; i++) {
        wseg *s = &w->segs[idx[i]];
        nsi_seg_close(s->seg);
        free(s->deleted);
        *s = (wseg){NULL, 1, 1, NULL};
    }
    w->segs[idx[0]] = (wseg){seg, ndocs, 0, NULL};
    uint32_t k = 0;
    for (uint32_t i = 0; i < w->nsegs; i++)
        if (w->segs[i].seg)
            w->segs[k++] = w->segs[i];
    w->nsegs = k;
    w->dirty = 1;
    return load_ids(w);
}

static unsigned tier_of(uint32_t live)
{
    unsigned t = 0;
    while (live >= MERGE_FACTOR) {
        live /= MERGE_FACTOR;
        t++;
    }
    return t;
}

/* The leftmost run of MERGE_FACTOR neighbouring segments whose live
 * documents are all in tier (exact) or at most in it: its first index, or
 * -1. */
static int64_t tier_run(const nsi_writer *w, unsigned tier, int exact)
{
    uint32_t run = 0;
    for (uint32_t i = 0; i < w->nsegs; i++) {
        unsigned t = tier_of(w->segs[i].ndocs - w->segs[i].ndeleted);
        run = (exact ? t == tier : t <= tier) ? run + 1 : 0;
        if (run == MERGE_FACTOR)
            return (int64_t)i + 1 - MERGE_FACTOR;
    }
    return -1;
}

/* One round of the tiered policy; *merged says whether anything happened.
 * Only neighbours are merged, and a merge's result takes their place, so
 * the list keeps the documents in the order they were put, whatever the
 * flushes made of them: that order, and with it the ties between equal
 * scores, is the same for any number of writer threads or flush size. The
 * smallest tier first: ten neighbours of one tier; when deletions have
 * left tiers so mixed that no such run exists and the list has grown to
 * three times the factor, ten neighbours of at most a tier. */
static int merge_policy(nsi_writer *w, int *merged)
{
    *merged = 0;
    for (uint32_t i = 0; i < w->nsegs; i++) {
        const wseg *s = &w->segs[i];
        /* a segment that is mostly deleted is rewritten on its own */
        if (s->ndeleted * 2 > s->ndocs) {
            *merged = 1;
            return merge_some(w, &i, 1);
        }
    }
    int64_t first = -1;
    for (unsigned tier = 0; tier < 12 && first < 0; tier++)
        first = tier_run(w, tier, 1);
    for (unsigned tier = 0; tier < 12 && first < 0 && w->nsegs >= 3 * MERGE_FACTOR; tier++)
        first = tier_run(w, tier, 0);
    if (first < 0)
        return NS_OK;
    uint32_t idx[MERGE_FACTOR];
    for (uint32_t k = 0; k < MERGE_FACTOR; k++)
        idx[k] = (uint32_t)first + k;
    *merged = 1;
    return merge_some(w, idx, MERGE_FACTOR);
}

static int commit_steps(nsi_writer *w)
{
    int rc = flush_mem(w);
    if (rc)
        return rc;
    if (!w->dirty)
        return NS_OK;
    if ((rc = write_commit(w)))
        return rc;
    if (w->workers && w->interval_bytes) {
        w->last_interval = w->interval_bytes;
        w->interval_bytes = 0;
        size_batches(w);
    }
    w->dirty = 0;
    w->since_commit = 0;
    if ((rc = drop_empty(w)))
        return rc;
    collect_garbage(w);
    return NS_OK;
}

static int commit_once(nsi_writer *w)
{
    int rc = stopped(w);
    return rc ? rc : fail_stop(w, commit_steps(w));
}

/* A merge (or the commit of its result) failed after the documents were
 * committed: the writer stops as after any failure, but the caller learns
 * that its changes are durable (NS_EMERGE). A lost lock stays NS_ELOCKED. */
static int merge_failed(nsi_writer *w, int rc)
{
    rc = fail_stop(w, rc);
    if (rc == NS_ELOCKED)
        return rc;
    return werr(w, NS_EMERGE,
                "committed, but the merge after it failed: %.400s (the index is sound; the "
                "merge is retried on the next run)",
                w->failmsg);
}

/* Commits, then runs the merge policy until it has nothing to merge. */
static int commit_and_merge(nsi_writer *w)
{
    int rc = commit_once(w);
    for (int round = 0; !rc && round < 64; round++) {
        int merged;
        if ((rc = fail_stop(w, merge_policy(w, &merged))))
            return merge_failed(w, rc);
        if (!merged)
            break;
        if ((rc = commit_once(w)))
            return merge_failed(w, rc);
    }
    return rc;
}

int nsi_writer_commit(void *w) { return commit_and_merge(w); }

/* The end of a run (ns_writer_tidy): commits, then merges the segments this
 * writer wrote (and any older ones after the first of them) into one when
 * there are several. A one-shot build then leaves
 * one segment, as --optimize would, while a run that adds a little to a big
 * index merges only its own small segments (docs/architecture.md). */
int nsi_writer_tidy(void *vw)
{
    nsi_writer *w = vw;
    /* the commit first, without the policy: its merges would be merged
     * again just below */
    int rc = commit_once(w);
    if (rc)
        return rc;
    uint32_t *idx = malloc((w->nsegs ? w->nsegs : 1) * sizeof *idx), n = 0;
    if (!idx)
        return werr(w, NS_ENOMEM, "out of memory");
    /* from the first of them to the end, older ones in between included, so
     * that documents keep their order (merge_policy) */
    for (uint32_t i = 0; i < w->nsegs; i++)
        if (n || w->segs[i].seg->id >= w->first_seg_id)
            idx[n++] = i;
    if (n >= 2 && (rc = fail_stop(w, merge_some(w, idx, n))) == NS_OK)
        rc = commit_once(w);
    free(idx);
    if (rc)
        return merge_failed(w, rc);
    /* then the policy over the older segments and the new one */
    return commit_and_merge(w);
}

int nsi_writer_optimize(void *vw)
{
    nsi_writer *w = vw;
    int rc = commit_and_merge(w);
    if (rc)
        return rc;
    uint32_t n = w->nsegs;
    if (n == 0 || (n == 1 && w->segs[0].ndeleted == 0))
        return NS_OK;
    uint32_t *idx = malloc(n * sizeof *idx);
    if (!idx)
        return werr(w, NS_ENOMEM, "out of memory");
    for (uint32_t i = 0; i < n; i++)
        idx[i] = i;
    rc = fail_stop(w, merge_some(w, idx, n));
    free(idx);
    return rc ? rc : commit_once(w);
}
