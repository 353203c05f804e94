/* stamps.h — what nindex remembers of every file it indexed (size, mtime,
 * inode, device), so that a re-run skips an unchanged file without opening it.
 *
 * The stamps live in INDEX/nindex.stamps (docs/format.md, "nindex.stamps"),
 * written after the run's last commit and bound to that commit: the file
 * records the index's statistics as they were then (generation, documents,
 * terms, postings...), and a run that finds other statistics (another writer
 * committed since, the commit failed, a COMMIT was put back) ignores every
 * stamp and checks the files' content as before. A stamp is only ever written
 * for content that a commit holds. */
#ifndef NI_STAMPS_H
#define NI_STAMPS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

/* Flags of a stamp. */
enum {
    NI_STAMP_FOREIGN_IDS = 1 /* some document of the file has an id that is not
                                its path (JSON lines, e-mail): deleting one by
                                id drops this stamp */
};

typedef struct ni_stamps ni_stamps;

/* A new, empty table; NULL when out of memory. options is a hash of the run's
 * options that shape documents: stamps written under other options are
 * ignored. */
ni_stamps *ni_stamps_new(uint64_t options);
void ni_stamps_free(ni_stamps *s);

/* Reads INDEX/nindex.stamps into s when it is sound, of this version, written
 * under the same options and bound to the index's current commit; otherwise
 * s stays empty (a missing file is the common case). Returns the number of
 * stamps loaded. */
size_t ni_stamps_load(ni_stamps *s, const char *index);

/* Whether path (absolute, len bytes) has a stamp equal to st's size, mtime
 * (ns), inode and device; if so *ndocs receives the documents it gave. */
int ni_stamps_match(const ni_stamps *s, const char *path, size_t len, const struct stat *st,
                    uint32_t *ndocs);

/* Records path's stamp (replacing any). Returns 0, or ENOMEM. */
int ni_stamps_set(ni_stamps *s, const char *path, size_t len, const struct stat *st, uint32_t ndocs,
                  uint32_t flags);

/* Forgets path's stamp, if any. */
void ni_stamps_drop(ni_stamps *s, const char *path, size_t len);

/* Forgets every stamp flagged NI_STAMP_FOREIGN_IDS. */
void ni_stamps_drop_foreign(ni_stamps *s);

/* Writes s to INDEX/nindex.stamps atomically (a temporary file, fsync,
 * rename, fsync of the folder), bound to the index's current commit. Call it
 * while holding the writer, after the last commit. Returns 0, or an errno
 * value (*what then names the step that failed). */
int ni_stamps_save(const ni_stamps *s, const char *index, const char **what);

/* Removes INDEX/nindex.stamps (a run that cannot write it must not leave an
 * older one bound to... nothing: harmless, but tidy). */
void ni_stamps_remove(const char *index);

#endif
