/* reader.h — an open index: generations (snapshots) shared by searches
 * (internal). */
#ifndef NSI_READER_H
#define NSI_READER_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include "analysis/analyzer.h"
#include "api.h"
#include "format/segment.h"

/* One generation as a reader sees it. Immutable once built; shared by the
 * searches and result sets that use it, freed when the last one lets go. */
typedef struct nsi_snap {
    int refs; /* guarded by the index mutex */
    uint64_t generation;
    char language[64];
    uint32_t nsegs;
    nsi_seg **segs;
    uint8_t **deleted; /* per segment bitmap or NULL */
    uint32_t *ndeleted;
    uint64_t *base; /* global number of each segment's first doc */
    uint64_t ndocs; /* stored documents, deleted included (BM25's N) */
    uint64_t live;
    uint64_t raw_stored; /* uncompressed STORED bytes of all segments */
    double avg_title, avg_body;
    nsi_schema schema;      /* typed fields: the union of the segments' tables */
    nsi_fileid dir, commit; /* the folder and COMMIT it was loaded from */
    /* Set once, by a refresh that found a segment of this generation changed
     * in place and could not load it again: every later search, lookup and
     * body read on it fails with damage (NS_ECORRUPT) without reading it. */
    atomic_int damaged;
    char damage[NSI_ERRMSG];
    /* The segments' surface forms that start with byte b as one lexicon
     * (read/surface.c), lexicon[b], built by the first spelling lookup that
     * walks them; freed with the generation. */
    struct nsi_lexicon *_Atomic lexicon[256];
} nsi_snap;

/* The native backend's state of an open index (ns_index.impl). */
typedef struct nsi_reader {
    char *dir;
    pthread_mutex_t mu; /* guards cur and the snapshots' refs */
    nsi_snap *cur;
    pthread_mutex_t refresh_mu; /* one refresh at a time, so they install in
                                   the order they read the disk */
    /* Field names handed out by ns_index_field, kept until the reader closes
     * (a refresh in another thread frees the generation they came from);
     * guarded by mu. */
    char **names;
    size_t nnames;
} nsi_reader;

/* Segments up to this many bytes have every section checksum verified when
 * a generation is loaded (tests may lower it to 0 to measure the difference). */
#define NSI_VERIFY_OPEN_MAX ((size_t)64 << 20)
extern size_t nsi_verify_open_max;

/* Pins the current generation of a native index; release it when done. */
nsi_snap *nsi_index_acquire(ns_index *idx);
void nsi_index_release(ns_index *idx, nsi_snap *s);
/* NS_OK, or NS_ECORRUPT with the calling thread's message set (naming the
 * file) when s was found damaged by a refresh, or a read of one of its
 * segments ran past the end of a file that shrank (common/guard.h). A call
 * that reads a generation checks it when it begins and again before it
 * answers, and discards what it computed when the second check fails. */
int nsi_snap_sound(const nsi_snap *s);

/* The native backend's reading entries (backend_native.c lists them). */
int nsi_reader_open(ns_index *idx, const char *path, const ns_index_options *opts, char *err);
void nsi_reader_close(ns_index *idx);
int nsi_reader_refresh(ns_index *idx, int *changed);
const char *nsi_reader_language(const ns_index *idx);
int nsi_reader_stats(ns_index *idx, ns_stats *st);
int nsi_reader_get_doc(ns_index *idx, const char *id, size_t len, ns_results **out);
int nsi_reader_foreach_id(ns_index *idx, int (*fn)(void *ctx, const char *id, size_t id_len),
                          void *ctx);
int nsi_reader_body(const ns_results *r, size_t i, nsi_buf *buf, const char **body, size_t *len);
/* The backend's positions (backend.h): a term's body positions in hit i of
 * r, from the hit's segment (hitpos.c). */
int nsi_reader_positions(const ns_results *r, size_t i, const char *term, size_t len, size_t max,
                         nsi_u32vec *out);
void nsi_reader_results_release(ns_results *r);
/* The schema of the current generation (backend.h: field_count, field). */
size_t nsi_reader_field_count(ns_index *idx);
int nsi_reader_field(ns_index *idx, size_t i, const char **name, int *type);
int nsi_check(const char *path, int full, char *err, size_t errlen);
/* The backend's spell (backend.h), from the current generation's SURFACE
 * sections (read/surface.c). */
struct nsi_spell;
int nsi_reader_spell(ns_index *idx, const char *word, size_t len, unsigned max, uint64_t ratio,
                     struct nsi_spell *out, size_t nout, size_t *n, uint64_t *df);

#endif
