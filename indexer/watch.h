/* watch.h — nindex --watch (watch.c): inotify on the folders of a run,
 * changes indexed and committed in quiet batches until SIGINT/SIGTERM. */
#ifndef NI_WATCH_H
#define NI_WATCH_H

#include <stddef.h>

#include "nindex.h"
#include "walk.h"

typedef struct ni_watch_setup {
    ni_run *run;
    /* How a path found later is indexed: on_file and its ctx (alive for the
     * whole loop), the patterns and the index's folder to skip. */
    const ni_walker *walker;
    const char *const *roots; /* the operand folders, absolute */
    int nroots;
    void (*prune)(ni_run *r); /* after lost events: remove files gone (NULL: no) */
    void *impl;
} ni_watch_setup;

/* Starts watching (an inotify instance); errno value on failure. */
int ni_watch_begin(ni_watch_setup *ws);

/* For the first pass: the walker's on_dir (a watch on every folder entered),
 * and the length of the operand path that the next walk is relative to. */
void ni_watch_dir(void *ctx, const char *path);
void ni_watch_root(ni_watch_setup *ws, size_t root_len);

/* Waits for changes and indexes them, one commit per quiet batch, until a
 * signal or a fatal error (r->fatal). Returns 0. */
int ni_watch_loop(ni_watch_setup *ws);

void ni_watch_end(ni_watch_setup *ws);

#endif
