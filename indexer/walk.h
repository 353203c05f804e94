/* walk.h — visiting the files under the paths given on the command line. */
#ifndef NI_WALK_H
#define NI_WALK_H

#include <sys/stat.h>
#include <sys/types.h>

#include "nindex.h"

typedef struct ni_walker {
    /* Called for each file, in sorted order inside each folder. */
    void (*on_file)(void *ctx, const char *path, const struct stat *st);
    /* Called for a path that cannot be visited; why is NI_NREASONS for a
     * notice that is not counted (a symbolic link loop). May be NULL. */
    void (*on_problem)(void *ctx, const char *path, enum ni_reason why, const char *msg);
    /* Returns non-zero to stop the walk early. May be NULL. */
    int (*stop)(void *ctx);
    void *ctx;
    /* A folder never to enter (the index itself). */
    int have_skip;
    dev_t skip_dev;
    ino_t skip_ino;
    /* Shell patterns (fnmatch): an entry inside a folder whose name or path
     * below the walked folder matches one is not visited. */
    const char *const *exclude;
    int nexclude;
    /* When ninclude > 0, a regular file inside a walked folder is visited
     * only if its name or path below the walked folder matches one of these
     * (folders are still entered; --exclude wins). */
    const char *const *include;
    int ninclude;
    /* Called for every folder entered (the walked one first), after the
     * checks above; may be NULL. (nindex --watch puts a watch on each.) */
    void (*on_dir)(void *ctx, const char *path);
    /* Patterns match paths below the first root_len bytes of the walked
     * path (its operand's folder, which may be an ancestor of the folder
     * walked); 0: below the walked path itself. */
    size_t root_len;
} ni_walker;

/* Visits path (absolute and normalised): a file is passed to on_file; a
 * folder is walked recursively, following symbolic links, in strcmp order of
 * names, skipping names that start with '.', visiting each folder once (by
 * device and inode, so link loops end) and only regular files inside it.
 * A path given explicitly is visited even if hidden or not a regular file.
 * A folder that is an index (nsearch's: COMMIT starting with its magic;
 * Xapian's: iamglass, iamchert or XAPIANDB) is not entered, with a notice:
 * its files are not documents.
 * Returns 0, or ENOMEM if memory ran out (the walk is then incomplete). */
int ni_walk(const ni_walker *wk, const char *path);

/* Whether a walk of wk would visit path (absolute, inside the operand folder
 * whose path is its first root_len bytes): not hidden (no component below
 * the operand starts with '.'), not excluded, and for a file (is_dir 0)
 * included. Used for paths that --watch learns about one at a time. */
int ni_walk_wanted(const ni_walker *wk, const char *path, size_t root_len, int is_dir);

#endif
