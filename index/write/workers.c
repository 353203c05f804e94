/* workers.c — the native writer's worker threads (workers.h).
 *
 * Batches sit in a ring in the order they were sealed. A worker takes the
 * oldest queued one, analyses its documents into its own memory buffer,
 * writes the buffer as the batch's segment file (compression and the file's
 * fsync included) and marks the batch built; the writer's thread takes
 * batches back from the head of the ring only, so segments join the writer's
 * list in the order their documents were put, whatever order the workers
 * finish in. One mutex guards the ring's states; a batch's contents belong
 * to the writer's thread while it is filled and to one worker while it is
 * built, and the mutex hands them over. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/analyzer.h"
#include "common/internal.h"
#include "format/record.h"
#include "format/segment.h"
#include "write/workers.h"

enum { B_FREE, B_QUEUED, B_BUILDING, B_BUILT };

/* A typed-field value as offsets into the batch's bytes (they move while
 * the batch grows). */
typedef struct bfield {
    size_t name_off, name_len, val_off, val_len;
    int type;
    uint64_t bits;
} bfield;

typedef struct bdoc {
    size_t rec_off, rec_len;
    uint64_t hash;
    size_t mf_first, nmf;
} bdoc;

typedef struct batch {
    nsi_buf bytes; /* records, field names and values */
    bdoc *docs;
    uint32_t ndocs, dcap;
    bfield *mf;
    size_t nmf, mfcap;
    nsi_schema schema;
    uint64_t seg_id, gen;
    uint32_t base;
    int state, rc;
    char err[NSI_ERRMSG];
} batch;

struct nsi_workers {
    pthread_mutex_t mu;
    pthread_cond_t work, built;
    pthread_t *tid;
    unsigned threads, started;
    char language[64];
    int dir_fd;
    const char *dir;
    int stop;
    batch *ring;          /* threads + 1 slots: `threads` out, one filling */
    unsigned head, count; /* the oldest sealed batch; how many are sealed */
};

static batch *filling(const nsi_workers *p)
{
    return &p->ring[(p->head + p->count) % (p->threads + 1)];
}

static void batch_reset(batch *b)
{
    nsi_buf_free(&b->bytes); /* not kept: see build() */
    b->bytes.limit = SIZE_MAX;
    b->ndocs = 0;
    b->nmf = 0;
    b->schema.n = 0;
    b->rc = NS_OK;
    b->err[0] = 0;
    b->state = B_FREE;
}

static void batch_free(batch *b)
{
    nsi_buf_free(&b->bytes);
    free(b->docs);
    free(b->mf);
    nsi_schema_free(&b->schema);
}

/* A worker's own state. */
typedef struct worker {
    nsi_workers *p;
    nsi_analyzer *an;
    nsi_memindex *mem;
    nsi_mfield *mf;
    size_t mfcap;
} worker;

/* Analyses b's documents into a new k->mem and writes them as b's segment.
 * The buffer is freed after each batch, not kept for the next: between
 * commits the workers wait while the writer's thread merges, and a kept
 * buffer would hold its largest batch's memory all that time. */
static int build(worker *k, batch *b, const char *dir, int dir_fd)
{
    const char *base = (const char *)b->bytes.data;
    int rc = nsi_memindex_new(&k->mem);
    if (rc)
        return nsi_fail(b->err, sizeof b->err, rc, "%s: building segment: %s", dir,
                        ns_strerror(rc));
    for (uint32_t i = 0; i < b->ndocs && !rc; i++) {
        const bdoc *d = &b->docs[i];
        if (d->nmf > k->mfcap) {
            nsi_mfield *m = realloc(k->mf, d->nmf * sizeof *m);
            if (!m)
                return nsi_fail(b->err, sizeof b->err, NS_ENOMEM, "out of memory");
            k->mf = m;
            k->mfcap = d->nmf;
        }
        for (size_t j = 0; j < d->nmf; j++) {
            const bfield *f = &b->mf[d->mf_first + j];
            k->mf[j] = (nsi_mfield){base + f->name_off, f->name_len, f->type,
                                    base + f->val_off,  f->val_len,  f->bits};
        }
        nsi_record r;
        if ((rc = nsi_record_decode(base + d->rec_off, d->rec_len, &r)))
            return nsi_fail(b->err, sizeof b->err, rc, "%s: a batched record does not decode", dir);
        ns_doc doc = {r.f[NSI_F_ID],   r.len[NSI_F_ID],   r.f[NSI_F_TITLE], r.len[NSI_F_TITLE],
                      r.f[NSI_F_BODY], r.len[NSI_F_BODY], r.f[NSI_F_URL],   r.len[NSI_F_URL],
                      r.f[NSI_F_DATE], r.len[NSI_F_DATE], r.f[NSI_F_META],  r.len[NSI_F_META]};
        uint32_t docnum;
        rc = nsi_memindex_add(k->mem, k->an, &doc, base + d->rec_off, d->rec_len, d->hash, k->mf,
                              d->nmf, &docnum, NULL);
        if (rc)
            return nsi_fail(b->err, sizeof b->err, rc, "document %.*s: %s",
                            (int)(doc.id_len > 200 ? 200 : doc.id_len), doc.id, ns_strerror(rc));
    }
    /* a segment's field table is the whole schema (docs/format.md, "VALUES") */
    nsi_valw *v = nsi_memindex_values(k->mem);
    int col;
    rc = nsi_valw_field(v, "date", 4, NS_FIELD_DATE, &col);
    for (size_t i = 0; i < b->schema.n && !rc; i++)
        rc = nsi_valw_field(v, b->schema.f[i].name, b->schema.f[i].len, b->schema.f[i].type, &col);
    nsi_segw *sw = NULL;
    if (!rc)
        rc = nsi_segw_new(&sw);
    if (!rc) {
        nsi_segw_set_generation(sw, b->gen);
        rc = nsi_memindex_write(k->mem, sw);
    }
    if (rc)
        nsi_fail(b->err, sizeof b->err, rc, "%s: building segment: %s", dir, ns_strerror(rc));
    else
        rc = nsi_segw_finish_at(sw, dir_fd, dir, b->seg_id, b->err, sizeof b->err);
    nsi_segw_free(sw);
    return rc;
}

static void *work(void *arg)
{
    worker *k = arg;
    nsi_workers *p = k->p;
    pthread_mutex_lock(&p->mu);
    for (;;) {
        batch *b = NULL;
        for (unsigned i = 0; i < p->count && !b; i++) {
            batch *c = &p->ring[(p->head + i) % (p->threads + 1)];
            if (c->state == B_QUEUED)
                b = c;
        }
        if (!b) {
            if (p->stop)
                break;
            pthread_cond_wait(&p->work, &p->mu);
            continue;
        }
        b->state = B_BUILDING;
        pthread_mutex_unlock(&p->mu);
        b->rc = build(k, b, p->dir, p->dir_fd);
        nsi_memindex_free(k->mem);
        k->mem = NULL;
        pthread_mutex_lock(&p->mu);
        b->state = B_BUILT;
        pthread_cond_broadcast(&p->built);
    }
    pthread_mutex_unlock(&p->mu);
    nsi_analyzer_free(k->an);
    free(k->mf);
    free(k);
    return NULL;
}

int nsi_workers_new(nsi_workers **out, unsigned threads, const char *language, int dir_fd,
                    const char *dir)
{
    *out = NULL;
    nsi_workers *p = calloc(1, sizeof *p);
    if (!p)
        return NS_ENOMEM;
    p->threads = threads ? threads : 1;
    p->dir_fd = dir_fd;
    p->dir = dir;
    snprintf(p->language, sizeof p->language, "%s", language);
    p->ring = calloc(p->threads + 1, sizeof *p->ring);
    p->tid = calloc(p->threads, sizeof *p->tid);
    if (!p->ring || !p->tid) {
        free(p->ring);
        free(p->tid);
        free(p);
        return NS_ENOMEM;
    }
    for (unsigned i = 0; i <= p->threads; i++)
        p->ring[i].bytes.limit = SIZE_MAX;
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->work, NULL);
    pthread_cond_init(&p->built, NULL);
    int rc = NS_OK;
    for (unsigned i = 0; i < p->threads && !rc; i++) {
        worker *k = calloc(1, sizeof *k);
        if (k)
            k->p = p; /* before the thread starts */
        if (!k)
            rc = NS_ENOMEM;
        else if ((rc = nsi_analyzer_new(&k->an, p->language)) ||
                 (rc = pthread_create(&p->tid[i], NULL, work, k) ? NS_ENOMEM : NS_OK)) {
            nsi_analyzer_free(k->an);
            free(k);
        } else {
            p->started++;
        }
    }
    if (rc) {
        nsi_workers_free(p);
        return rc;
    }
    *out = p;
    return NS_OK;
}

void nsi_workers_free(nsi_workers *p)
{
    if (!p)
        return;
    pthread_mutex_lock(&p->mu);
    p->stop = 1;
    /* queued batches are dropped: a worker finishes only the one it builds */
    for (unsigned i = 0; i < p->count; i++) {
        batch *b = &p->ring[(p->head + i) % (p->threads + 1)];
        if (b->state == B_QUEUED)
            b->state = B_FREE;
    }
    pthread_cond_broadcast(&p->work);
    pthread_mutex_unlock(&p->mu);
    for (unsigned i = 0; i < p->started; i++)
        pthread_join(p->tid[i], NULL);
    for (unsigned i = 0; i <= p->threads; i++)
        batch_free(&p->ring[i]);
    pthread_cond_destroy(&p->built);
    pthread_cond_destroy(&p->work);
    pthread_mutex_destroy(&p->mu);
    free(p->ring);
    free(p->tid);
    free(p);
}

int nsi_workers_add(nsi_workers *p, const void *rec, size_t rec_len, uint64_t hash,
                    const nsi_mfield *mf, size_t nmf)
{
    batch *b = filling(p); /* only this thread touches the filling batch */
    if (b->ndocs == b->dcap) {
        uint32_t cap = b->dcap ? b->dcap * 2 : 256;
        bdoc *d = realloc(b->docs, (size_t)cap * sizeof *d);
        if (!d)
            return NS_ENOMEM;
        b->docs = d;
        b->dcap = cap;
    }
    if (b->nmf + nmf > b->mfcap) {
        size_t cap = (b->nmf + nmf) * 2;
        bfield *f = realloc(b->mf, cap * sizeof *f);
        if (!f)
            return NS_ENOMEM;
        b->mf = f;
        b->mfcap = cap;
    }
    size_t len0 = b->bytes.len, nmf0 = b->nmf;
    bdoc *d = &b->docs[b->ndocs];
    *d = (bdoc){b->bytes.len, rec_len, hash, b->nmf, nmf};
    int rc = nsi_buf_append(&b->bytes, rec, rec_len);
    for (size_t i = 0; i < nmf && !rc; i++) {
        bfield *f = &b->mf[b->nmf++];
        *f = (bfield){b->bytes.len, mf[i].name_len, 0, mf[i].value_len, mf[i].type, mf[i].bits};
        rc = nsi_buf_append(&b->bytes, mf[i].name, mf[i].name_len);
        f->val_off = b->bytes.len;
        if (!rc && mf[i].value_len)
            rc = nsi_buf_append(&b->bytes, mf[i].value, mf[i].value_len);
    }
    if (rc) {
        b->bytes.len = len0;
        b->nmf = nmf0;
        return rc;
    }
    b->ndocs++;
    return NS_OK;
}

size_t nsi_workers_filling_bytes(const nsi_workers *p) { return filling(p)->bytes.len; }

uint32_t nsi_workers_filling_docs(const nsi_workers *p) { return filling(p)->ndocs; }

int nsi_workers_submit(nsi_workers *p, uint64_t seg_id, uint64_t gen, const nsi_schema *schema,
                       uint32_t base)
{
    if (p->count >= p->threads)
        return NS_ETOOBIG;
    batch *b = filling(p);
    b->schema.n = 0;
    for (size_t i = 0; i < schema->n; i++) {
        int rc = nsi_schema_add(&b->schema, schema->f[i].name, schema->f[i].len, schema->f[i].type,
                                NULL);
        if (rc)
            return rc;
    }
    b->seg_id = seg_id;
    b->gen = gen;
    b->base = base;
    b->rc = NS_OK;
    pthread_mutex_lock(&p->mu);
    b->state = B_QUEUED;
    p->count++;
    pthread_cond_signal(&p->work);
    pthread_mutex_unlock(&p->mu);
    return NS_OK;
}

unsigned nsi_workers_pending(const nsi_workers *p) { return p->count; }

unsigned nsi_workers_threads(const nsi_workers *p) { return p->threads; }

int nsi_workers_next(nsi_workers *p, int wait, nsi_batch_done *out)
{
    if (p->count == 0)
        return NS_ENOTFOUND;
    batch *b = &p->ring[p->head];
    pthread_mutex_lock(&p->mu);
    while (wait && b->state != B_BUILT)
        pthread_cond_wait(&p->built, &p->mu);
    int built = b->state == B_BUILT;
    pthread_mutex_unlock(&p->mu);
    if (!built)
        return NS_ENOTFOUND;
    out->seg_id = b->seg_id;
    out->ndocs = b->ndocs;
    out->base = b->base;
    out->rc = b->rc;
    memcpy(out->err, b->err, sizeof out->err);
    if (b->rc == NS_EEXISTS)
        return NS_OK; /* stays out until nsi_workers_retry */
    /* the ring moves under the mutex: workers read head and count */
    pthread_mutex_lock(&p->mu);
    batch_reset(b);
    p->head = (p->head + 1) % (p->threads + 1);
    p->count--;
    pthread_mutex_unlock(&p->mu);
    return NS_OK;
}

void nsi_workers_retry(nsi_workers *p, uint64_t seg_id)
{
    batch *b = &p->ring[p->head];
    pthread_mutex_lock(&p->mu);
    b->seg_id = seg_id;
    b->rc = NS_OK;
    b->err[0] = 0;
    b->state = B_QUEUED;
    pthread_cond_signal(&p->work);
    pthread_mutex_unlock(&p->mu);
}
