/* reader.h — an open index: generations (snapshots) shared by searches
 * (internal). */
#ifndef NSI_READER_H
#define NSI_READER_H

#include <pthread.h>
#include <stdint.h>

#include "analysis/analyzer.h"
#include "format/segment.h"

/* One generation as a reader sees it. Immutable once built; shared by the
 * searches and result sets that use it, freed when the last one lets go. */
typedef struct nsi_snap {
    int refs;                 /* guarded by the index mutex */
    uint64_t generation;
    char language[64];
    uint32_t nsegs;
    nsi_seg **segs;
    uint8_t **deleted;        /* per segment bitmap or NULL */
    uint32_t *ndeleted;
    uint64_t *base;           /* global number of each segment's first doc */
    uint64_t ndocs;           /* stored documents, deleted included (BM25's N) */
    uint64_t live;
    double avg_title, avg_body;
} nsi_snap;

struct ns_index {
    struct nsi_xindex *xap;   /* the Xapian backend (xapian/xap.h), or NULL */
    char *dir;
    pthread_mutex_t mu;
    nsi_snap *cur;
    nsi_analyzer **pool;      /* idle analyzers, reused across threads */
    size_t npool, pool_cap;
};

/* Segments up to this many bytes have every section checksum verified when
 * a generation is loaded (tests may lower it to 0 to measure the difference). */
#define NSI_VERIFY_OPEN_MAX ((size_t)64 << 20)
extern size_t nsi_verify_open_max;

nsi_snap *nsi_index_acquire(ns_index *idx);
void nsi_index_release(ns_index *idx, nsi_snap *s);

/* Borrows an analyzer for this thread's exclusive use; give it back. */
int nsi_index_analyzer(ns_index *idx, nsi_analyzer **out);
void nsi_index_analyzer_put(ns_index *idx, nsi_analyzer *a);

/* Sets this thread's message for ns_index_errmsg; returns rc. */
int nsi_index_fail(int rc, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
char *nsi_index_errbuf(void);

#endif
