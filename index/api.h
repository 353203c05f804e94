/* api.h — the handles of the public API and their error messages (internal).
 *
 * An ns_index is the front door's: a backend table, the backend's state, the
 * pool of analyzers (queries and snippets of both backends use it) and the
 * handle's error messages. Several threads may share one ns_index, so a
 * handle keeps one message per thread that met a failure on it: two handles
 * in one thread, or two threads on one handle, never overwrite each other's
 * message. A public function binds the calling thread to its handle's
 * message (nsi_index_bind) before it calls the backend; nsi_index_fail,
 * wherever it is called below, then writes there.
 *
 * An ns_writer is used by one thread at a time and keeps one message.
 */
#ifndef NSI_API_H
#define NSI_API_H

#include <pthread.h>
#include <stdint.h>

#include "nsearch.h"

#include "analysis/analyzer.h"
#include "backend.h"
#include "common/internal.h"

typedef struct nsi_msgslot {
    pthread_t thread;
    struct nsi_msgslot *next;
    char msg[NSI_ERRMSG];
    char warning[2048];
} nsi_msgslot;

struct ns_index {
    const nsi_backend *ops;
    void *impl;          /* the backend's state */
    uint64_t serial;     /* unique per handle, for the bound-slot cache */
    pthread_mutex_t mu;  /* guards pool and slots */
    nsi_analyzer **pool; /* idle analyzers, reused across threads */
    size_t npool, pool_cap;
    nsi_msgslot *slots; /* one per thread that asked for one */
};

struct ns_writer {
    const nsi_backend *ops;
    void *impl;
    char err[NSI_ERRMSG];
};

/* Binds this thread's messages to idx (NULL: a message with no handle) and
 * clears the message. Called by the front door before a backend call. */
void nsi_index_bind(const ns_index *idx);

/* Forgets this thread's binding if it is idx (which is being closed). Other
 * threads' bindings are told apart by the handle's serial. */
void nsi_index_unbind(const ns_index *idx);

/* Sets this thread's message of the bound handle; returns rc. */
int nsi_index_fail(int rc, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* This thread's message buffer of the bound handle (NSI_ERRMSG bytes). */
char *nsi_index_errbuf(void);
/* Makes nsi_index_errbuf (and so nsi_index_fail) the loading library's:
 * called once by a backend module's entry (xapian/xmodule.c). */
void nsi_index_errbuf_from(char *(*errbuf)(void));

/* This thread's slot of idx (created when missing; NULL if out of memory). */
nsi_msgslot *nsi_index_slot(const ns_index *idx);

/* Borrows an analyzer for the index's language for this thread's exclusive
 * use; give it back with nsi_index_analyzer_put. */
int nsi_index_analyzer(ns_index *idx, nsi_analyzer **out);
void nsi_index_analyzer_put(ns_index *idx, nsi_analyzer *a);

#endif
