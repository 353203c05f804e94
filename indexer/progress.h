/* progress.h — the progress line on stderr.
 *
 * On a terminal the line is redrawn in place (at most 10 times a second);
 * with --progress=always on something else, a plain line is printed every
 * few seconds so logs stay readable. */
#ifndef NI_PROGRESS_H
#define NI_PROGRESS_H

#include <stddef.h>
#include <stdint.h>

typedef enum ni_progress_mode {
    NI_PROGRESS_OFF,
    NI_PROGRESS_REDRAW, /* terminal: \r and erase-line */
    NI_PROGRESS_LINES   /* not a terminal: one line every few seconds */
} ni_progress_mode;

typedef struct ni_progress {
    ni_progress_mode mode;
    int dumb;             /* TERM=dumb: pad with spaces, no escapes */
    double start;         /* ni_now() at start */
    double last;          /* last draw */
    uint64_t total_bytes; /* 0: unknown (no ETA) */
    size_t shown;         /* width of the line on screen (0: none) */
} ni_progress;

/* Monotonic seconds. */
double ni_now(void);

void ni_progress_init(ni_progress *p, ni_progress_mode mode);
/* Draws if enough time passed since the last draw (or force). */
void ni_progress_update(ni_progress *p, uint64_t docs, uint64_t bytes, int force);
/* Shows a phase with no measure of progress ("committing") on a terminal. */
void ni_progress_status(ni_progress *p, const char *text);
/* Erases the line before a message is printed; the next update redraws. */
void ni_progress_clear(ni_progress *p);

#endif
