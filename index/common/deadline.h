/* deadline.h — a per-query deadline on the monotonic clock (a search's
 * timeout, ns_search_options and ns_snippet_options). Reading the clock costs
 * tens of nanoseconds, so loops check it every NSI_DEADLINE_EVERY steps
 * (nsi_deadline_tick), never per posting. */
#ifndef NSI_COMMON_DEADLINE_H
#define NSI_COMMON_DEADLINE_H

#include <stdint.h>

/* Steps (documents scored, tokens matched, terms looked up) between two
 * readings of the clock: a power of two. */
#define NSI_DEADLINE_EVERY 1024u

typedef struct nsi_deadline {
    uint64_t at;    /* CLOCK_MONOTONIC in ns; 0: no deadline */
    uint32_t steps; /* since the last reading */
} nsi_deadline;

/* The monotonic clock in nanoseconds. */
uint64_t nsi_monotonic_ns(void);

/* A deadline seconds from now; seconds <= 0 means none. */
nsi_deadline nsi_deadline_in(double seconds);

/* Whether the deadline has passed (reads the clock; 0 without a deadline). */
int nsi_deadline_passed(const nsi_deadline *d);

/* Counts one step and, every NSI_DEADLINE_EVERY steps, reads the clock:
 * non-zero once the deadline has passed. d may be NULL (no deadline). */
static inline int nsi_deadline_tick(nsi_deadline *d)
{
    if (!d || !d->at || (++d->steps & (NSI_DEADLINE_EVERY - 1)))
        return 0;
    return nsi_deadline_passed(d);
}

#endif
