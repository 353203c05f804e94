/* report.h — what nindex prints on stderr: messages and the summary. */
#ifndef NI_REPORT_H
#define NI_REPORT_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "progress.h"

struct ni_run;

/* Messages clear the progress line first, so the two never mix. */
void ni_report_set_progress(ni_progress *p);

/* "nindex: MESSAGE\n" on stderr. */
void ni_msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void ni_vmsg(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));

/* A usage error: the message, then "Try 'nindex --help'." */
void ni_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Formats n bytes for people: "512 B", "3.4 kB", "1.2 MB", "5.0 GB"
 * (powers of 1000, as the unit names say). */
void ni_human_bytes(uint64_t n, char *out, size_t len);

/* Exit status for a library status (NS_ECORRUPT: 3, others: 1). */
int ni_exit_for(int status);

/* "nindex: 5 added, 0 updated, 2 unchanged, 1 deleted, 3 skipped (2 binary,
 * 1 empty) — 1.2 MB in 0.31 s (3.9 MB/s) → /path/to/index" */
void ni_summary(const struct ni_run *r, double seconds, int interrupted);

#endif
