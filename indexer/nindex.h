/* nindex.h — the state of one nindex run, shared by the CLI's files.
 *
 * A run holds the open writer and the counts the summary reports. Every
 * input goes through ni_put (a document) or ni_skip (a reason it was not
 * indexed), so the counts and the exit status have one source of truth. */
#ifndef NI_NINDEX_H
#define NI_NINDEX_H

#include <signal.h>
#include <stdint.h>

#include "buf.h"
#include "fields.h"
#include "nsearch.h"
#include "progress.h"
#include "stamps.h"

/* Exit statuses (documented in --help). */
enum {
    NI_EXIT_OK = 0,
    NI_EXIT_FAILED = 1, /* some input failed, or a runtime error */
    NI_EXIT_USAGE = 2,
    NI_EXIT_CORRUPT = 3, /* the index is corrupt (NS_ECORRUPT) */
    NI_EXIT_INTERRUPTED = 130
};

/* Why an input was not indexed. The first group are warnings (the input is
 * not something to index; exit status 0), the rest are errors (exit 1). */
enum ni_reason {
    NI_BINARY,
    NI_EMPTY,
    NI_UNSUPPORTED,
    NI_TOOBIG,
    NI_BROKEN_LINK,
    NI_FIRST_ERROR,
    NI_UNREADABLE = NI_FIRST_ERROR,
    NI_NOTFOUND,
    NI_MALFORMED,
    NI_INVALID,
    NI_REJECTED,
    NI_NREASONS
};

typedef struct ni_run {
    ns_writer *w;
    const char *index_path; /* absolute, for messages */
    unsigned commit_every;  /* 0: only at the end */
    unsigned uncommitted;   /* changes since the last commit */
    int quiet;
    uint64_t added, updated, unchanged, deleted;
    uint64_t skipped[NI_NREASONS];
    uint64_t bytes;   /* input bytes read */
    uint64_t passed;  /* bytes of files skipped without reading them all */
    int fatal;        /* a library failure stopped the run: its status */
    int merge_failed; /* a commit succeeded, the merge after it failed */
    int had_errors;   /* something failed that is not a skip reason */
    ni_progress *progress;
    nsi_buf data, text, title; /* scratch for file contents, reused */
    nsi_buf author;            /* scratch: a PDF's Author */
    ni_fields fields;          /* the current document's typed fields */
    uint64_t dropped;          /* field values that did not fit, dropped */
    int fields_unsupported;    /* the backend refused fields: put without them */
    ni_stamps *stamps;         /* files' stamps (stamps.h); NULL: not kept */
    int rehash;                /* --rehash: read every file, stamps or not */
    const char *cur_file;      /* the file being indexed (its path) */
    size_t cur_file_len;
    uint64_t foreign_ids; /* documents put whose id is not cur_file */
} ni_run;

/* Set by SIGINT/SIGTERM: stop after the current document, commit, exit 130. */
extern volatile sig_atomic_t ni_interrupted;

/* Whether the run should stop taking input (fatal error or interrupt). */
int ni_stopping(const ni_run *r);

/* Puts doc and counts the outcome; where names the input in messages
 * ("path" or "path:line"). A document the library refuses (too large,
 * invalid) is reported and skipped. Other failures are fatal: reported, and
 * r->fatal is set. Commits every r->commit_every changes. Returns NS_OK or the
 * fatal status. */
int ni_put(ni_run *r, const ns_doc *doc, const char *where);
/* The same with typed fields. A backend without fields (NS_EUNSUPPORTED) is
 * reported once, and from then on documents are put without their fields
 * (which stay in meta). */
int ni_put_fields(ni_run *r, const ns_doc *doc, const ns_field *fields, size_t nfields,
                  const char *where);

/* A field value dropped (ni_field_drop_fn): counted, and reported as
 * "nindex: WHERE: field 'NAME': WHY" unless quiet is set (reports beyond a
 * file's first few are counted only). */
void ni_field_dropped(ni_run *r, const char *where, const char *name, const char *why, int quiet);

/* The writer's type for a field (ni_field_type_fn; ctx is the ni_run). */
int ni_field_type(void *ctx, const char *name, size_t len);

/* Counts a skipped input and reports it as "nindex: WHERE: MESSAGE"
 * (warnings are silent under --quiet). */
void ni_skip(ni_run *r, enum ni_reason why, const char *where, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Commits; on failure reports and sets r->fatal. NS_EMERGE (committed, the
 * merge after it failed) is reported as a warning and sets r->merge_failed
 * instead: the run still succeeds. */
int ni_commit(ni_run *r);
/* The same through another commit call (ns_writer_tidy at the end of a run). */
int ni_commit_with(ni_run *r, int (*commit)(ns_writer *));

/* Reports a library failure on the writer and sets r->fatal. */
void ni_fatal(ni_run *r, int status);

/* Progress redraw with the run's counts (rate-limited in progress.c). */
void ni_run_progress(ni_run *r, uint64_t extra_bytes);

/* Indexers for one input. path is absolute and normalised (it is the id and
 * the url); shown is how messages name it (the path as the user gave it);
 * st is its stat. */
struct stat;
void ni_index_file(ni_run *r, const char *path, const char *shown, const struct stat *st);
/* Reads standard input as one text document with this id. */
void ni_index_stdin_text(ni_run *r, const char *id);
/* Reads a JSON-lines file (or standard input if path is "-"), plain or gzip;
 * ids come from the records. */
void ni_index_jsonl(ni_run *r, const char *path, const char *shown);

#endif
