/* guard.h — the bus-error guard of mapped segment files (internal).
 *
 * A reader maps its segments. If a file shrinks under the mapping (a user's
 * `cp backup/seg idx/`, `rsync --inplace`, a file system error), touching a
 * page past its new end raises SIGBUS, which kills the process. With the
 * guard installed (ns_fault_guard_install, opt-in: the handler is
 * process-wide), a fault on a page of a registered mapping is turned into
 * data: the pages from the faulting one to the end of that mapping are
 * replaced by zero pages, the mapping's flag is set, and the faulting read
 * continues on zeros. The decoders are bounds-checked, so the reading call
 * finishes; the reader then sees the flag and answers NS_ECORRUPT naming the
 * file instead of anything it computed (read/reader.c). Faults on addresses
 * that are not registered go to the handler that was there before.
 *
 * Only readers' mappings are registered: a writer or a merge that read zeros
 * could write them out under fresh checksums, so their faults stay fatal.
 */
#ifndef NSI_GUARD_H
#define NSI_GUARD_H

#include <stdatomic.h>
#include <stddef.h>

/* Installs the SIGBUS handler once per process (later calls do nothing);
 * NS_OK, or the status of sigaction's errno. */
int nsi_guard_install(void);
/* Registers [p, p + len) with the flag to set when a read in it faults.
 * Returns a slot number for nsi_guard_unregister, or -1 when the table is
 * full (the mapping is then unguarded: a fault in it stays fatal). */
int nsi_guard_register(const void *p, size_t len, atomic_int *faulted);
/* Forgets the slot (before the mapping is unmapped). -1 is ignored. */
void nsi_guard_unregister(int slot);
/* Faults turned into zero pages since the process started (cheap to poll:
 * 0 means no registered mapping ever faulted). */
unsigned nsi_guard_faults(void);

#endif
