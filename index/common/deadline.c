/* deadline.c — the monotonic clock and per-query deadlines (deadline.h). */
#include <time.h>

#include "common/deadline.h"

uint64_t nsi_monotonic_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

nsi_deadline nsi_deadline_in(double seconds)
{
    nsi_deadline d = {0, 0};
    if (seconds > 0) {
        /* over a year is no deadline in practice; keeps the sum in range */
        double ns = seconds < 3.15e7 ? seconds * 1e9 : 3.15e16;
        d.at = nsi_monotonic_ns() + (uint64_t)ns;
        if (!d.at)
            d.at = 1;
    }
    return d;
}

int nsi_deadline_passed(const nsi_deadline *d) { return d && d->at && nsi_monotonic_ns() >= d->at; }
