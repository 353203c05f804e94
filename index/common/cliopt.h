/* cliopt.h — a CLI's options, each declared once (CLIs only: nsearch_util).
 *
 * A program lists its options in one table of cliopt: long name, short
 * letter (or a value >= 256 when there is none), argument, help text. The
 * getopt_long tables and the "Options:" part of --help are both made from
 * it, so an option cannot be accepted without being documented or the other
 * way round. */
#ifndef NSI_CLIOPT_H
#define NSI_CLIOPT_H

#include <getopt.h>
#include <stddef.h>
#include <stdio.h>

typedef struct cliopt {
    const char *name; /* long name, without "--" */
    int id;           /* what getopt_long returns: the short letter (< 128), or >= 256 */
    int has_arg;      /* no_argument, required_argument or optional_argument */
    const char *arg;  /* argument name shown in the help, or NULL */
    const char *help; /* lines separated by '\n'; NULL: not listed (an alias) */
} cliopt;

#define CLIOPT_MAX 48 /* options in one table */

/* What getopt_long takes, made from a table. */
typedef struct cliopt_getopt {
    struct option longopts[CLIOPT_MAX + 1];
    char shortopts[3 * CLIOPT_MAX + 2]; /* ':' first: a missing argument gives ':' */
} cliopt_getopt;

/* Fills g from opts[0..n). Returns 0, or -1 when n > CLIOPT_MAX. */
int cliopt_tables(const cliopt *opts, size_t n, cliopt_getopt *g);

/* Writes one line per option and help line: "  -d, --index INDEX" (or
 * "      --limit N" without a short letter), padded to column, then the help;
 * further help lines are indented to column. argsep separates a long option
 * from its argument name in the listing (' ' or '='). */
void cliopt_help(FILE *out, const cliopt *opts, size_t n, size_t column, char argsep);

#endif
