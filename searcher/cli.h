/* cli.h — what nsearch.c hands to the output formats (print_*.c).
 *
 * One query run is described by a cli_run; each output format turns it into
 * lines on a stream. The formats only read: they never change the run. */
#ifndef NSEARCH_CLI_H
#define NSEARCH_CLI_H

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "nsearch.h"
#include "term.h"

typedef struct cli_run {
    const char *qid;  /* batch mode: the query id; NULL for a single query */
    const char *text; /* the query as typed (not NUL-terminated) */
    size_t text_len;
    ns_index *idx;
    const ns_query *q;
    const ns_results *r;            /* NULL when the query can match nothing */
    size_t offset;                  /* --offset, for the summary line */
    uint64_t elapsed_us;            /* parse + search */
    uint64_t deadline_us;           /* CLOCK_MONOTONIC time the query's --query-timeout
                                       ends (search and snippets); 0: none */
    int dedup;                      /* --dedup: hits carry their duplicates count */
    const ns_search_options *sopts; /* what r was searched with (--explain) */
    int explain;                    /* --explain: each hit's score in parts */
    const char *suggestion;         /* "did you mean" (ns_suggest), or NULL */
} cli_run;

/* Microseconds of CLOCK_MONOTONIC: the clock of elapsed_us, snippet_us and
 * deadlines. */
static inline uint64_t cli_now_us(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* The snippet options of run's hits: what is left of its deadline (a
 * passed deadline leaves a nanosecond, so ns_snippet_make fails with
 * NS_ETIMEOUT). */
static inline ns_snippet_options cli_snippet_options(const cli_run *run)
{
    ns_snippet_options so = NS_SNIPPET_OPTIONS_INIT;
    if (run->deadline_us != 0) {
        uint64_t now = cli_now_us();

        so.timeout = now < run->deadline_us ? (double)(run->deadline_us - now) / 1e6 : 1e-9;
    }
    return so;
}

/* The document date of hit i of r (its built-in date field, ISO 8601 UTC,
 * "1987-03-02T14:31:00Z") into *text; returns its length, 0 when it has
 * none. */
static inline size_t cli_hit_date(const ns_results *r, size_t i, const char **text)
{
    size_t n = ns_results_field_count(r, i);
    for (size_t j = 0; j < n; j++) {
        ns_field_value v;
        if (ns_results_field(r, i, j, &v) == NS_OK && v.type == NS_FIELD_DATE && v.name_len == 4 &&
            memcmp(v.name, "date", 4) == 0) {
            *text = v.text;
            return v.text_len;
        }
    }
    *text = "";
    return 0;
}

/* Human-readable hits (rank, title, score, location, highlighted snippet)
 * and a summary line, styled by st. Returns NS_OK or the status of a failed
 * ns_snippet_make (its message is ns_index_errmsg(run->idx)). */
int print_text(FILE *out, const cli_run *run, const term_style *st);

/* One JSON object per hit, then a summary object, one per line. Same
 * return as print_text. */
int print_json(FILE *out, const cli_run *run);

/* Opens one hit's JSON object and writes the keys above ("snippet" and
 * "highlights" only when sn is not NULL); the caller may add keys and closes
 * it with '}'. nsearch serve writes its hits with it too. */
void print_json_hit(FILE *out, const cli_run *run, const ns_hit *h, const ns_snippet *sn);

/* The parts of hit i's score (ns_results_explain): in JSON, the key
 * ,"explain":{"parts":[{"what":...,"score":...},...]} for the hit's object;
 * in text, one indented line per part. Return NS_OK or the failed call's
 * status (its message is ns_index_errmsg(run->idx)). */
int print_explain_json(FILE *out, const cli_run *run, size_t i);
int print_explain_text(FILE *out, const cli_run *run, size_t i, size_t indent,
                       const term_style *st);

/* The facets of r as a JSON object, {"FIELD": [{"value": V, "count": N},
 * ...], ...} (the summary line's "facets", nsearch serve's too). */
void print_json_facets(FILE *out, const ns_results *r);

/* TREC run lines: "qid Q0 docid rank score tag". Returns NS_OK or the
 * status of a failed ns_results_hit. */
int print_trec(FILE *out, const cli_run *run, const char *tag);

/* The default index location ($NSEARCH_INDEX, $XDG_DATA_HOME/nsearch/index,
 * ~/.local/share/nsearch/index), malloc'd; NULL after printing why
 * (index_path.c). */
char *default_index_path(void);

/* nsearch serve (serve.c): the whole subcommand, argv[0] being "serve" or
 * the program's name (nsearch-serve, nsearch_serve.c, which `nsearch serve`
 * execs). Returns the exit status. */
int serve_main(int argc, char **argv);

#endif
