/* paths.h — absolute paths, the default index location, parent folders. */
#ifndef NI_PATHS_H
#define NI_PATHS_H

#include "buf.h"

/* Sets out to given made absolute (against the working directory) and
 * normalised lexically: no "." or ".." components, no repeated or trailing
 * slashes. Symbolic links are not resolved, so the path stays the one the
 * user sees. Returns 0 or an errno value. */
int ni_path_absolute(const char *given, nsi_buf *out);

/* Sets out to the index to use without -d: $NSEARCH_INDEX, else
 * $XDG_DATA_HOME/nsearch/index, else ~/.local/share/nsearch/index.
 * Returns 0, or ENOENT when no home directory is known. */
int ni_default_index(nsi_buf *out);

/* Creates the folders above path (an absolute path) that are missing, like
 * mkdir -p on its parent. Returns 0 or an errno value; *failed (may be NULL)
 * is set to the folder that could not be made. */
int ni_make_parents(const char *path, nsi_buf *failed);

#endif
