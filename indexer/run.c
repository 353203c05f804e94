/* run.c — putting documents and counting what became of every input. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "nindex.h"
#include "report.h"

volatile sig_atomic_t ni_interrupted;

int ni_stopping(const ni_run *r) { return r->fatal != NS_OK || ni_interrupted; }

/* The writer's message, or the status's name if the library left none. */
static const char *writer_message(const ni_run *r, int status)
{
    const char *m = ns_writer_errmsg(r->w);
    return m && *m ? m : ns_strerror(status);
}

void ni_fatal(ni_run *r, int status)
{
    ni_msg("%s", writer_message(r, status));
    r->fatal = status;
}

int ni_commit(ni_run *r) { return ni_commit_with(r, ns_writer_commit); }

int ni_commit_with(ni_run *r, int (*commit)(ns_writer *))
{
    int st = commit(r->w);
    if (st == NS_EMERGE) {
        /* The changes are committed; only the merge is left for the next
         * run. A warning, not a failure (the writer stopped, though: a later
         * put or commit of this run fails and is reported as such). */
        ni_msg("%s", writer_message(r, st));
        r->uncommitted = 0;
        r->merge_failed = 1;
        return NS_OK;
    }
    if (st != NS_OK) {
        ni_fatal(r, st);
        return st;
    }
    r->uncommitted = 0;
    return NS_OK;
}

void ni_skip(ni_run *r, enum ni_reason why, const char *where, const char *fmt, ...)
{
    r->skipped[why]++;
    if (r->quiet && why < NI_FIRST_ERROR)
        return;
    char text[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    ni_msg("%s: %s", where, text);
}

void ni_run_progress(ni_run *r, uint64_t extra_bytes)
{
    if (r->progress)
        ni_progress_update(r->progress, r->added + r->updated + r->unchanged,
                           r->bytes + r->passed + extra_bytes, 0);
}

int ni_field_type(void *ctx, const char *name, size_t len)
{
    const ni_run *r = ctx;
    return ns_writer_field_type(r->w, name, len);
}

void ni_field_dropped(ni_run *r, const char *where, const char *name, const char *why, int quiet)
{
    r->dropped++;
    if (!quiet)
        ni_msg("%s: field '%s': %s", where, name, why);
}

int ni_put(ni_run *r, const ns_doc *doc, const char *where)
{
    return ni_put_fields(r, doc, NULL, 0, where);
}

int ni_put_fields(ni_run *r, const ns_doc *doc, const ns_field *fields, size_t nfields,
                  const char *where)
{
    int outcome = 0, st;
    if (r->cur_file &&
        (doc->id_len != r->cur_file_len || memcmp(doc->id, r->cur_file, doc->id_len)))
        r->foreign_ids++;
    if (nfields && !r->fields_unsupported) {
        st = ns_writer_put_fields(r->w, doc, fields, nfields, &outcome);
        if (st == NS_EUNSUPPORTED) {
            /* A backend without typed fields (both of ours have them): say
             * so once (a warning), index without them. */
            if (!r->quiet)
                ni_msg("%s: %s; documents are indexed without their fields (JSON members stay "
                       "in meta)",
                       where, writer_message(r, st));
            r->fields_unsupported = 1;
            st = ns_writer_put(r->w, doc, &outcome);
        }
    } else
        st = ns_writer_put(r->w, doc, &outcome);
    if (st == NS_ETOOBIG || st == NS_EINVAL) {
        /* This document, not the index, is the problem: go on without it. */
        ni_skip(r, st == NS_ETOOBIG ? NI_TOOBIG : NI_REJECTED, where, "skipped: %s",
                writer_message(r, st));
        return NS_OK;
    }
    if (st != NS_OK) {
        ni_msg("%s: %s", where, writer_message(r, st));
        r->fatal = st;
        return st;
    }
    switch (outcome) {
    case NS_PUT_ADDED:
        r->added++;
        r->uncommitted++;
        break;
    case NS_PUT_UPDATED:
        r->updated++;
        r->uncommitted++;
        break;
    default:
        r->unchanged++;
        break;
    }
    if (r->commit_every && r->uncommitted >= r->commit_every)
        return ni_commit(r);
    return NS_OK;
}
