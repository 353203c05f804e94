/* stats.h — nindex --stats: what an index holds and where its bytes go. */
#ifndef NI_STATS_H
#define NI_STATS_H

#include <stdio.h>

/* Opens the index at path for reading and prints its statistics to out.
 * Returns an exit status (0, or 1/3 after printing the library's message). */
int ni_print_stats(const char *path, FILE *out);

#endif
