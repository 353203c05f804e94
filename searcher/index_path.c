/* index_path.c — where the index is when none is given: shared by nsearch
 * and nsearch-serve (cli.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* The default index location; the result is malloc'd (NULL on failure, with
 * a message printed). */
char *default_index_path(void)
{
    const char *env = getenv("NSEARCH_INDEX");
    const char *base, *tail;
    char *path;
    size_t len;

    if (env != NULL && *env != '\0')
        return strdup(env);
    base = getenv("XDG_DATA_HOME");
    tail = "/nsearch/index";
    if (base == NULL || base[0] != '/') { /* XDG: relative values are ignored */
        base = getenv("HOME");
        tail = "/.local/share/nsearch/index";
    }
    if (base == NULL || *base == '\0') {
        fputs("nsearch: no index given: use -d INDEX or set NSEARCH_INDEX\n", stderr);
        return NULL;
    }
    len = strlen(base) + strlen(tail) + 1;
    path = malloc(len);
    if (path != NULL)
        snprintf(path, len, "%s%s", base, tail);
    return path;
}
