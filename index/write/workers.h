/* workers.h — the native writer's worker threads (internal): batches of
 * documents, each analysed and written as one segment file by a worker
 * (docs/architecture.md, "Parallel indexing").
 *
 * The writer's own thread fills a batch with documents it has already
 * checked, hashed and placed in its id map, seals it (nsi_workers_submit)
 * and later takes the results back in the order the batches were sealed
 * (nsi_workers_next). A worker owns an analyzer and a memory buffer of its
 * own and touches nothing of the writer's: the folder's descriptor and
 * path are only read. So which worker builds a batch, and when, changes
 * nothing in the files but their uid: batch k always holds the same
 * documents in the same order and becomes segment k of the run. */
#ifndef NSI_WORKERS_H
#define NSI_WORKERS_H

#include <stddef.h>
#include <stdint.h>

#include "format/values.h"
#include "write/memindex.h"

typedef struct nsi_workers nsi_workers;

/* A batch taken back: where it went and how it ended. */
typedef struct nsi_batch_done {
    uint64_t seg_id; /* the segment file written (when rc is NS_OK) */
    uint32_t ndocs;  /* its documents, numbered from 0 in the order added */
    uint32_t base;   /* the writer's number for the first of them */
    int rc;          /* NS_EEXISTS: the name was taken: nsi_workers_retry */
    char err[NSI_ERRMSG];
} nsi_batch_done;

/* Starts threads workers (1 or more) for the index folder dir (opened as
 * dir_fd), analysing in language. */
int nsi_workers_new(nsi_workers **out, unsigned threads, const char *language, int dir_fd,
                    const char *dir);
/* Stops the threads (a batch being built is finished first, queued ones are
 * dropped) and frees everything. Accepts NULL. */
void nsi_workers_free(nsi_workers *p);

/* Adds a document to the batch being filled: its record (nsi_record_encode),
 * content hash and resolved typed fields, all copied. */
int nsi_workers_add(nsi_workers *p, const void *rec, size_t rec_len, uint64_t hash,
                    const nsi_mfield *mf, size_t nmf);
/* The bytes and documents of the batch being filled. */
size_t nsi_workers_filling_bytes(const nsi_workers *p);
uint32_t nsi_workers_filling_docs(const nsi_workers *p);

/* Seals the batch being filled (it must hold documents) and queues it: a
 * worker writes it as segment seg_id stamped with generation gen, whose
 * field table is schema's (copied) and the built-in date. base is the
 * caller's number for its first document, given back by nsi_workers_next.
 * At most `threads` batches wait or are built at a time: NS_ETOOBIG when
 * that many are out (take one back first). */
int nsi_workers_submit(nsi_workers *p, uint64_t seg_id, uint64_t gen, const nsi_schema *schema,
                       uint32_t base);
/* Batches sealed and not yet taken back. */
unsigned nsi_workers_pending(const nsi_workers *p);
unsigned nsi_workers_threads(const nsi_workers *p);
/* Takes back the oldest sealed batch into *out: with wait, once it is built;
 * without, NS_ENOTFOUND unless it is built already (and when none is out).
 * A batch that ended with NS_EEXISTS stays out until retried. */
int nsi_workers_next(nsi_workers *p, int wait, nsi_batch_done *out);
/* Queues the oldest batch again, to be written as seg_id. */
void nsi_workers_retry(nsi_workers *p, uint64_t seg_id);

#endif
