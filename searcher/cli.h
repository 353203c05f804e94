/* cli.h — what nsearch.c hands to the output formats (print_*.c).
 *
 * One query run is described by a cli_run; each output format turns it into
 * lines on a stream. The formats only read: they never change the run. */
#ifndef NSEARCH_CLI_H
#define NSEARCH_CLI_H

#include <stdint.h>
#include <stdio.h>

#include "nsearch.h"
#include "term.h"

typedef struct cli_run {
    const char *qid;       /* batch mode: the query id; NULL for a single query */
    const char *text;      /* the query as typed (not NUL-terminated) */
    size_t text_len;
    ns_index *idx;
    const ns_query *q;
    const ns_results *r;   /* NULL when the query can match nothing */
    size_t offset;         /* --offset, for the summary line */
    uint64_t elapsed_us;   /* parse + search */
} cli_run;

/* Human-readable hits (rank, title, score, location, highlighted snippet)
 * and a summary line, styled by st. Returns NS_OK or the status of a failed
 * ns_snippet_make (its message is ns_index_errmsg(run->idx)). */
int print_text(FILE *out, const cli_run *run, const term_style *st);

/* One JSON object per hit, then a summary object, one per line. Same
 * return as print_text. */
int print_json(FILE *out, const cli_run *run);

/* TREC run lines: "qid Q0 docid rank score tag". Returns NS_OK or the
 * status of a failed ns_results_hit. */
int print_trec(FILE *out, const cli_run *run, const char *tag);

#endif
