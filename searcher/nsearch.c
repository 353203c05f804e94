/* nsearch.c — the nsearch command: options, the index, running queries.
 *
 * Thin by design: it resolves options, opens the index through nsearch.h,
 * runs one query or a batch, and hands each run to an output format
 * (print_text.c, print_json.c, print_trec.c). It owns the exit status:
 *   0  a single query matched (batch: every query ran)
 *   1  a single query matched nothing
 *   2  usage error, malformed query, missing index, any other failure
 *   3  the index is corrupt (NS_ECORRUPT from opening or searching)
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "cliopt.h"
#include "nsearch.h"
#include "term.h"
#include "utf8.h"

enum { EXIT_MATCH = 0, EXIT_NO_MATCH = 1, EXIT_ERROR = 2, EXIT_CORRUPT = 3 };

/* Returned by parse_args when the program should go on. */
#define CONTINUE (-1)

/* Longest batch line read: a query at the library's limit plus its qid. */
#define MAX_LINE_BYTES (NS_MAX_QUERY_BYTES + 4096)

enum format { FORMAT_TEXT, FORMAT_JSON, FORMAT_TREC };

typedef struct cli_opts {
    const char *index;       /* -d, or NULL for the default location */
    ns_query_options qopts;  /* any, literal */
    ns_search_options sopts; /* k, offset, k1, b, title_weight, exhaustive */
    enum format format;
    term_color_mode color;
    const char *queries; /* --queries FILE, "-" for stdin */
    const char *trec_tag;
    int allow_partial;      /* --allow-partial: skip shards that do not answer */
    const char *mark_start; /* --mark-start, --mark-end: NULL for "[" "]" */
    const char *mark_end;
    char *query;                            /* the words after the options, joined; malloc'd */
    char sort_name[72];                     /* --sort FIELD (sopts.sort_field) */
    ns_facet_request facets[NS_MAX_FACETS]; /* --facet (sopts.facets) */
    char facet_names[NS_MAX_FACETS][72];
    int explain;    /* --explain */
    int proximity;  /* --proximity */
    int expand;     /* --expand */
    int no_suggest; /* --no-suggest */
} cli_opts;

/* What went wrong in one query run, for the caller to report. */
typedef struct run_error {
    int rc;        /* NS status; NS_OK when the run succeeded */
    int in_parse;  /* the query text is at fault (errbuf/offset) */
    size_t offset; /* parse errors: byte offset in the text */
    char msg[NS_ERRBUF_SIZE];
} run_error;

enum {
    OPT_OFFSET = 256,
    OPT_ANY,
    OPT_LITERAL,
    OPT_JSON,
    OPT_COLOR,
    OPT_QUERIES,
    OPT_TREC,
    OPT_K1,
    OPT_B,
    OPT_TITLE_WEIGHT,
    OPT_EXHAUSTIVE,
    OPT_ALLOW_PARTIAL,
    OPT_QUERY_TIMEOUT,
    OPT_MARK_START,
    OPT_MARK_END,
    OPT_SORT,
    OPT_FACET,
    OPT_DEDUP,
    OPT_EXPLAIN,
    OPT_NO_SUGGEST,
    OPT_PROXIMITY,
    OPT_EXPAND
};

/* Each option once: getopt_long's tables and --help come from here. */
static const cliopt options[] = {
    {"index", 'd', required_argument, "INDEX", "index directory (default below)"},
    {"limit", 'n', required_argument, "N", "show N hits (default 10)"},
    {"offset", OPT_OFFSET, required_argument, "N", "skip the first N hits (default 0)"},
    {"any", OPT_ANY, no_argument, NULL, "bare words match if any is present (OR)"},
    {"literal", OPT_LITERAL, no_argument, NULL, "QUERY is plain words: no operators or syntax"},
    {"json", OPT_JSON, no_argument, NULL, "one JSON object per hit, then a summary line"},
    {"color", OPT_COLOR, required_argument, "WHEN",
     "colour: auto, always or never (default auto;\n"
     "auto honours NO_COLOR)"},
    {"colour", OPT_COLOR, required_argument, NULL, NULL}, /* an alias: accepted, not listed */
    {"mark-start", OPT_MARK_START, required_argument, "TEXT",
     "without colour, write TEXT before each matched\n"
     "word (default '['; '' for nothing)"},
    {"mark-end", OPT_MARK_END, required_argument, "TEXT", "... and TEXT after it (default ']')"},
    {"queries", OPT_QUERIES, required_argument, "FILE",
     "run one query per line of FILE (- for stdin);\n"
     "a line \"QID<TAB>text\" keeps its QID, otherwise\n"
     "the QID is the line number"},
    {"trec", OPT_TREC, required_argument, "TAG",
     "write a TREC run: qid Q0 docid rank score TAG\n"
     "(in ids: %, spaces and control bytes as %HH)"},
    {"k1", OPT_K1, required_argument, "X", "BM25 k1 (default 1.2)"},
    {"b", OPT_B, required_argument, "X", "BM25 b, 0 to 1 (default 0.75)"},
    {"title-weight", OPT_TITLE_WEIGHT, required_argument, "X",
     "weight of title words (default 2.0)"},
    {"exhaustive", OPT_EXHAUSTIVE, no_argument, NULL, "score every match: exact totals, slower"},
    {"sort", OPT_SORT, required_argument, "FIELD:ORDER",
     "order hits by a date or number field over all\n"
     "matches: FIELD:desc (newest/largest first) or\n"
     "FIELD:asc; documents without it last, ties by\n"
     "score; --sort score is the default"},
    {"facet", OPT_FACET, required_argument, "FIELD[:N]",
     "count the values of keyword FIELD over all\n"
     "matches, the N most frequent (default 10);\n"
     "repeatable"},
    {"dedup", OPT_DEDUP, no_argument, NULL,
     "collapse near-duplicate documents into the\n"
     "best-ranked one, with a count of the others"},
    {"proximity", OPT_PROXIMITY, no_argument, NULL,
     "rank documents where the query's words stand\n"
     "close together higher (docs/query-language.md)"},
    {"expand", OPT_EXPAND, no_argument, NULL,
     "pseudo-relevance feedback: add the terms most\n"
     "typical of the first hits, weighted, and search again"},
    {"explain", OPT_EXPLAIN, no_argument, NULL,
     "show each hit's score in parts (per term and\n"
     "field: tf, idf, length norm) that add up to it"},
    {"no-suggest", OPT_NO_SUGGEST, no_argument, NULL, "no \"Did you mean\" spelling suggestion"},
    {"query-timeout", OPT_QUERY_TIMEOUT, required_argument, "SECONDS",
     "stop a query (search and snippets) that runs\n"
     "longer, with an error (default 0: no limit;\n"
     "fractions such as 0.5 allowed)"},
    {"allow-partial", OPT_ALLOW_PARTIAL, no_argument, NULL,
     "a sharded index (Xapian stub): search the shards that\n"
     "answer and warn about the others, instead of failing"},
    {"help", 'h', no_argument, NULL, "show this help and exit"},
    {"version", 'V', no_argument, NULL, "show the version and exit"},
};
#define NOPTIONS (sizeof options / sizeof options[0])

static void usage(FILE *out)
{
    fputs("Usage: nsearch [OPTION]... QUERY...\n"
          "       nsearch [OPTION]... --queries FILE\n"
          "       nsearch serve [SERVE OPTION]...  (see nsearch serve --help)\n"
          "Search a full-text index built by nindex. The words of QUERY are joined\n"
          "with spaces into one query; put -- before a query that starts with '-'\n"
          "or is the word serve.\n"
          "\n"
          "Query syntax: words must all match (any with --any); \"a phrase\";\n"
          "a OR b; -word or NOT word to exclude; prefix*; title:word; (groups);\n"
          "typed fields: topics:cocoa, topics:(cocoa OR coffee), date:1987-03,\n"
          "date:1987-03-01..1987-03-31, date:>=2023-11-01, price:<10.\n"
          "\n"
          "Options:\n",
          out);
    cliopt_help(out, options, NOPTIONS, 24, ' ');
    fputs("\n"
          "Default index: $NSEARCH_INDEX if set, else $XDG_DATA_HOME/nsearch/index,\n"
          "else ~/.local/share/nsearch/index.\n"
          "\n"
          "Exit status: 0 if a hit was found (with --queries: every query ran),\n"
          "1 if none, 2 on an error (usage, malformed query, missing index),\n"
          "3 if the index is corrupt.\n"
          "\n"
          "Examples:\n"
          "  nsearch -d ~/notes.idx sever relations\n"
          "  nsearch --json '\"diplomatic ties\" russia -ukraine'\n"
          "  nsearch --queries queries.tsv --trec myrun -n 1000 > run.txt\n"
          "  nsearch --sort date:desc --facet topics --dedup 'oil date:1987'\n",
          out);
}

static int usage_error(const char *fmt, const char *arg)
{
    fputs("nsearch: ", stderr);
    fprintf(stderr, fmt, arg);
    fputs("\nTry 'nsearch --help' for more information.\n", stderr);
    return EXIT_ERROR;
}

/* ------------------------------------------------------------ options */

static int parse_size(const char *s, size_t max, size_t *out)
{
    char *end;
    unsigned long long v;

    if (*s < '0' || *s > '9')
        return -1;
    errno = 0;
    v = strtoull(s, &end, 10);
    if (errno != 0 || *end != '\0' || v > max)
        return -1;
    *out = (size_t)v;
    return 0;
}

static int parse_real(const char *s, double lo, double hi, double *out)
{
    char *end;
    double v;

    errno = 0;
    v = strtod(s, &end);
    if (end == s || *end != '\0' || errno != 0 || !isfinite(v) || v < lo || v > hi)
        return -1;
    *out = v;
    return 0;
}

static int valid_tag(const char *s)
{
    if (*s == '\0')
        return 0;
    for (; *s != '\0'; s++)
        if ((unsigned char)*s <= ' ' || *s == 0x7F)
            return 0;
    return 1;
}

/* A match marker: printed as is, so no control bytes (escape sequences);
 * UTF-8 text such as "«" is fine. */
static int valid_marker(const char *s)
{
    size_t n = strlen(s);

    if (n > 64)
        return 0;
    for (; *s != '\0'; s++)
        if ((unsigned char)*s < ' ' || *s == 0x7F)
            return 0;
    return 1;
}

/* A field name as nindex and the index take it: 1 to 64 bytes,
 * [A-Za-z][A-Za-z0-9_.-]*. */
static int valid_field(const char *s, size_t len)
{
    if (len == 0 || len > 64 || !((s[0] >= 'A' && s[0] <= 'Z') || (s[0] >= 'a' && s[0] <= 'z')))
        return 0;
    for (size_t i = 1; i < len; i++)
        if (!((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= 'a' && s[i] <= 'z') ||
              (s[i] >= '0' && s[i] <= '9') || s[i] == '_' || s[i] == '.' || s[i] == '-'))
            return 0;
    return 1;
}

/* --sort score | FIELD:asc | FIELD:desc */
static int parse_sort(cli_opts *o, const char *arg)
{
    const char *colon = strrchr(arg, ':');
    size_t len = colon ? (size_t)(colon - arg) : strlen(arg);

    if (strcmp(arg, "score") == 0) {
        o->sopts.sort_field = NULL;
        return CONTINUE;
    }
    if (!colon || !valid_field(arg, len) ||
        (strcmp(colon + 1, "asc") != 0 && strcmp(colon + 1, "desc") != 0))
        return usage_error("--sort wants FIELD:asc, FIELD:desc or score, not '%s'", arg);
    memcpy(o->sort_name, arg, len);
    o->sort_name[len] = '\0';
    o->sopts.sort_field = o->sort_name;
    o->sopts.sort_desc = strcmp(colon + 1, "desc") == 0;
    return CONTINUE;
}

/* --facet FIELD or FIELD:N */
static int parse_facet(cli_opts *o, const char *arg)
{
    const char *colon = strchr(arg, ':');
    size_t len = colon ? (size_t)(colon - arg) : strlen(arg), n = 0, limit = 10;

    if (!valid_field(arg, len) ||
        (colon && (parse_size(colon + 1, NS_MAX_FACET_VALUES, &limit) != 0 || limit == 0)))
        return usage_error("--facet wants FIELD or FIELD:N (N from 1 to 10000), not '%s'", arg);
    n = o->sopts.nfacets;
    if (n == NS_MAX_FACETS)
        return usage_error("--facet given more than 64 times (at '%s')", arg);
    memcpy(o->facet_names[n], arg, len);
    o->facet_names[n][len] = '\0';
    o->facets[n] = (ns_facet_request){o->facet_names[n], limit};
    o->sopts.facets = o->facets;
    o->sopts.nfacets = n + 1;
    return CONTINUE;
}

/* Applies one option; returns CONTINUE or an exit status. */
static int apply_option(cli_opts *o, int c, const char *arg, const char *name)
{
    switch (c) {
    case 'd':
        o->index = arg;
        break;
    case 'n':
        if (parse_size(arg, NS_MAX_RESULTS, &o->sopts.k) != 0)
            return usage_error("-n wants a number from 0 to 100000, not '%s'", arg);
        break;
    case OPT_OFFSET:
        if (parse_size(arg, NS_MAX_RESULTS, &o->sopts.offset) != 0)
            return usage_error("--offset wants a number from 0 to 100000, not '%s'", arg);
        break;
    case OPT_EXPLAIN:
        o->explain = 1;
        break;
    case OPT_NO_SUGGEST:
        o->no_suggest = 1;
        break;
    case OPT_PROXIMITY:
        o->proximity = 1;
        break;
    case OPT_EXPAND:
        o->expand = 1;
        break;
    case OPT_ANY:
        o->qopts.any = 1;
        break;
    case OPT_LITERAL:
        o->qopts.literal = 1;
        break;
    case OPT_JSON:
        o->format = FORMAT_JSON;
        break;
    case OPT_COLOR:
        if (term_parse_color(arg, &o->color) != 0)
            return usage_error("--color wants auto, always or never, not '%s'", arg);
        break;
    case OPT_QUERIES:
        o->queries = arg;
        break;
    case OPT_TREC:
        if (!valid_tag(arg))
            return usage_error("--trec wants a tag without spaces, not '%s'", arg);
        o->trec_tag = arg;
        break;
    case OPT_K1:
        if (parse_real(arg, 0, 1000, &o->sopts.k1) != 0)
            return usage_error("--k1 wants a number from 0 to 1000, not '%s'", arg);
        break;
    case OPT_B:
        if (parse_real(arg, 0, 1, &o->sopts.b) != 0)
            return usage_error("--b wants a number from 0 to 1, not '%s'", arg);
        break;
    case OPT_TITLE_WEIGHT:
        if (parse_real(arg, 0, 1000, &o->sopts.title_weight) != 0)
            return usage_error("--title-weight wants a number from 0 to 1000, not '%s'", arg);
        break;
    case OPT_EXHAUSTIVE:
        o->sopts.exhaustive = 1;
        break;
    case OPT_QUERY_TIMEOUT:
        if (parse_real(arg, 0, 3600, &o->sopts.timeout) != 0)
            return usage_error("--query-timeout wants seconds from 0 to 3600, not '%s'", arg);
        break;
    case OPT_ALLOW_PARTIAL:
        o->allow_partial = 1;
        break;
    case OPT_MARK_START:
    case OPT_MARK_END:
        if (!valid_marker(arg))
            return usage_error("%s wants at most 64 bytes of text without control characters",
                               c == OPT_MARK_START ? "--mark-start" : "--mark-end");
        *(c == OPT_MARK_START ? &o->mark_start : &o->mark_end) = arg;
        break;
    case OPT_SORT:
        return parse_sort(o, arg);
    case OPT_FACET:
        return parse_facet(o, arg);
    case OPT_DEDUP:
        o->sopts.dedup = 1;
        break;
    case 'h':
        usage(stdout);
        return EXIT_MATCH;
    case 'V':
        printf("nsearch %s (libnsearch %s)\n", NS_VERSION_STRING, ns_version());
        return EXIT_MATCH;
    case ':':
        return usage_error("option '%s' needs a value", name);
    default:
        return usage_error("unknown option '%s'", name);
    }
    return CONTINUE;
}

/* Joins argv[from..argc) with single spaces. */
static char *join_words(int argc, char **argv, int from)
{
    size_t len = 0;
    char *s, *p;

    for (int i = from; i < argc; i++)
        len += strlen(argv[i]) + 1;
    s = malloc(len + 1);
    if (s == NULL)
        return NULL;
    p = s;
    for (int i = from; i < argc; i++) {
        size_t n = strlen(argv[i]);

        if (i > from)
            *p++ = ' ';
        memcpy(p, argv[i], n);
        p += n;
    }
    *p = '\0';
    return s;
}

static int check_combination(const cli_opts *o, int nwords)
{
    if (o->trec_tag != NULL && o->format == FORMAT_JSON)
        return usage_error("%s", "--trec and --json cannot be used together");
    if (o->queries != NULL && nwords > 0)
        return usage_error("%s", "give either --queries or a QUERY, not both");
    if (o->queries == NULL && nwords == 0)
        return usage_error("%s", "no query given");
    if (o->sopts.k + o->sopts.offset > NS_MAX_RESULTS)
        return usage_error("%s", "-n plus --offset must not exceed 100000");
    return CONTINUE;
}

static int parse_args(int argc, char **argv, cli_opts *o)
{
    int c, status;
    cliopt_getopt g;

    cliopt_tables(options, NOPTIONS, &g);
    opterr = 0;
    while ((c = getopt_long(argc, argv, g.shortopts, g.longopts, NULL)) != -1) {
        char shortname[3] = {'-', (char)optopt, '\0'};
        const char *typed = argv[optind - 1];
        const char *name =
            optopt > 0 && optopt < 128 && strncmp(typed, "--", 2) != 0 ? shortname : typed;

        status = apply_option(o, c, optarg, name);
        if (status != CONTINUE)
            return status;
    }
    status = check_combination(o, argc - optind);
    if (status != CONTINUE)
        return status;
    if (o->trec_tag != NULL)
        o->format = FORMAT_TREC;
    if (o->queries != NULL)
        return CONTINUE;
    o->query = join_words(argc, argv, optind);
    if (o->query == NULL) {
        fputs("nsearch: out of memory\n", stderr);
        return EXIT_ERROR;
    }
    return CONTINUE;
}

/* ------------------------------------------------------------ the index */

/* Shards that --allow-partial skipped, as warnings. */
static void print_warnings(ns_index *idx)
{
    const char *w = ns_index_warning(idx);

    if (w != NULL)
        fprintf(stderr, "nsearch: warning: %s\n", w);
}

static int open_index(ns_index **idx, const char *path, int allow_partial)
{
    char errbuf[NS_ERRBUF_SIZE] = "";
    struct stat st;
    ns_index_options io = NS_INDEX_OPTIONS_INIT;
    int rc;

    io.allow_partial = allow_partial;
    rc = ns_index_open_with(idx, path, &io, errbuf, sizeof errbuf);
    if (rc == NS_OK) {
        print_warnings(*idx);
        return CONTINUE;
    }
    if (rc == NS_ENOTFOUND || (rc != NS_ECORRUPT && stat(path, &st) != 0 && errno == ENOENT)) {
        fprintf(stderr, "nsearch: no index at %s (create one with nindex -d %s PATH...)\n", path,
                path);
        return EXIT_ERROR;
    }
    fprintf(stderr, "nsearch: %s\n", errbuf[0] != '\0' ? errbuf : ns_strerror(rc));
    return rc == NS_ECORRUPT ? EXIT_CORRUPT : EXIT_ERROR;
}

/* ------------------------------------------------------------ one query */

static void index_error(run_error *err, ns_index *idx, int rc)
{
    const char *msg = ns_index_errmsg(idx);

    err->rc = rc;
    snprintf(err->msg, sizeof err->msg, "%s", msg != NULL && *msg != '\0' ? msg : ns_strerror(rc));
}

static int write_run(const cli_opts *o, const cli_run *run, const term_style *st)
{
    switch (o->format) {
    case FORMAT_JSON:
        return print_json(stdout, run);
    case FORMAT_TREC:
        return print_trec(stdout, run, o->trec_tag);
    default:
        return print_text(stdout, run, st);
    }
}

/* Parses, searches and prints one query. *matched tells whether it had hits.
 * On failure err says what went wrong and nothing more of the run is
 * printed than what was already written. */
static void run_query(ns_index *idx, const cli_opts *o, const ns_query_options *qopts,
                      const term_style *st, const char *qid, const char *text, size_t len,
                      int *matched, run_error *err)
{
    ns_query *q = NULL;
    ns_results *r = NULL;
    uint64_t t0 = cli_now_us();
    cli_run run = {qid,
                   text,
                   len,
                   idx,
                   NULL,
                   NULL,
                   o->sopts.offset,
                   0,
                   o->sopts.timeout > 0 ? t0 + (uint64_t)(o->sopts.timeout * 1e6) : 0,
                   o->sopts.dedup,
                   &o->sopts,
                   o->explain,
                   NULL};
    char *suggestion = NULL;

    *matched = 0;
    err->rc = ns_query_parse(&q, idx, text, len, qopts, err->msg, sizeof err->msg, &err->offset);
    if (err->rc != NS_OK) {
        err->in_parse = 1;
        return;
    }
    if (!ns_query_is_empty(q) && (o->proximity || o->expand)) {
        int rc = o->proximity ? ns_query_add_proximity(q, NS_PROXIMITY_WEIGHT, NS_PROXIMITY_WINDOW)
                              : NS_OK;
        ns_query *x = NULL;
        if (rc == NS_OK && o->expand &&
            (rc = ns_query_expand(&x, idx, q, &o->sopts, NULL)) == NS_OK) {
            ns_query_free(q);
            q = x;
        }
        if (rc != NS_OK) {
            index_error(err, idx, rc);
            ns_query_free(q);
            return;
        }
    }
    if (!ns_query_is_empty(q)) {
        int rc = ns_search(&r, idx, q, &o->sopts);

        print_warnings(idx);
        if (rc != NS_OK) {
            index_error(err, idx, rc);
            ns_query_free(q);
            return;
        }
    }
    run.elapsed_us = cli_now_us() - t0; /* parse + search */
    /* "did you mean": not for TREC runs; a backend without spelling data
     * has none to give */
    if (!o->no_suggest && o->format != FORMAT_TREC) {
        int rc = ns_suggest(&suggestion, idx, text, len, qopts);

        if (rc != NS_OK && rc != NS_EUNSUPPORTED) {
            index_error(err, idx, rc);
            ns_results_free(r);
            ns_query_free(q);
            return;
        }
    }
    run.q = q;
    run.r = r;
    run.suggestion = suggestion;
    if (r != NULL)
        *matched = ns_results_count(r) > 0 || ns_results_total(r, NULL) > 0;
    err->rc = write_run(o, &run, st);
    if (err->rc != NS_OK)
        index_error(err, idx, err->rc);
    ns_free(suggestion);
    ns_results_free(r);
    ns_query_free(q);
}

/* Shows the query with a caret under the byte at offset, windowed to fit the
 * terminal. */
static void show_caret(const char *text, size_t len, size_t offset, const term_style *st)
{
    size_t avail = (st->width > 0 ? st->width : 80) - 4;
    size_t start = 0, col = 2, lead_cols;

    if (offset > len)
        offset = len;
    /* Start far enough left that the caret lands mid-line when the query is long. */
    while (term_text_width(text + start, offset - start) > avail / 2) {
        int32_t cp;

        start += nsi_utf8_decode((const uint8_t *)text + start, len - start, &cp);
    }
    fputs("  ", stderr);
    if (start > 0) {
        fputs("\xE2\x80\xA6", stderr);
        col++;
    }
    lead_cols = term_text_width(text + start, offset - start);
    term_put_fit(stderr, text + start, len - start, avail - (col - 2));
    putc('\n', stderr);
    for (size_t i = 0; i < col + lead_cols; i++)
        putc(' ', stderr);
    term_sgr(stderr, st, TERM_ERROR);
    putc('^', stderr);
    term_sgr(stderr, st, TERM_RESET);
    putc('\n', stderr);
}

static int run_single(ns_index *idx, const cli_opts *o, const term_style *st)
{
    ns_query_options qopts = o->qopts;
    run_error err = {NS_OK, 0, 0, ""};
    size_t len = strlen(o->query);
    int matched;

    qopts.lenient = 0;
    run_query(idx, o, &qopts, st, NULL, o->query, len, &matched, &err);
    if (err.rc == NS_OK)
        return matched ? EXIT_MATCH : EXIT_NO_MATCH;
    if (err.in_parse) {
        fprintf(stderr, "nsearch: query: %s\n", err.msg);
        if (term_isatty(stderr) && len > 0) {
            term_style est = term_detect(stderr, o->color);

            show_caret(o->query, len, err.offset, &est);
        }
        return EXIT_ERROR;
    }
    fprintf(stderr, "nsearch: %s\n", err.msg);
    return err.rc == NS_ECORRUPT ? EXIT_CORRUPT : EXIT_ERROR;
}

/* ------------------------------------------------------------ batches */

typedef struct line_reader {
    FILE *in;
    char *buf; /* MAX_LINE_BYTES + 1 */
    size_t len;
    unsigned long lineno;
    int too_long; /* the line was cut at MAX_LINE_BYTES */
} line_reader;

/* Reads the next line without its line break (and a trailing '\r').
 * Returns 0 at the end of input. A line past the cap is cut and flagged. */
static int read_line(line_reader *lr)
{
    int c;

    lr->len = 0;
    lr->too_long = 0;
    c = getc(lr->in);
    if (c == EOF)
        return 0;
    for (; c != EOF && c != '\n'; c = getc(lr->in)) {
        if (lr->len < MAX_LINE_BYTES)
            lr->buf[lr->len++] = (char)c;
        else
            lr->too_long = 1;
    }
    if (lr->len > 0 && lr->buf[lr->len - 1] == '\r')
        lr->len--;
    lr->buf[lr->len] = '\0';
    lr->lineno++;
    return 1;
}

static int is_blank(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (s[i] != ' ' && s[i] != '\t' && s[i] != '\v' && s[i] != '\f')
            return 0;
    return 1;
}

/* Splits "qid<TAB>text" in place; a line without a usable qid gets its
 * line number, written to numbuf. */
static void split_line(line_reader *lr, char *numbuf, size_t numlen, const char **qid,
                       const char **text, size_t *len)
{
    char *tab = memchr(lr->buf, '\t', lr->len);
    char *q = lr->buf;

    *text = lr->buf;
    *len = lr->len;
    if (tab != NULL) {
        *tab = '\0';
        *text = tab + 1;
        *len = lr->len - (size_t)(tab + 1 - lr->buf);
        while (*q == ' ')
            q++;
        for (char *e = tab; e > q && e[-1] == ' ';)
            *--e = '\0';
        if (*q != '\0') {
            *qid = q;
            return;
        }
    }
    snprintf(numbuf, numlen, "%lu", lr->lineno);
    *qid = numbuf;
}

/* Runs one batch line. Returns CONTINUE, or EXIT_CORRUPT to stop the batch;
 * *failed is set when the query could not run. */
static int run_batch_line(ns_index *idx, const cli_opts *o, const term_style *st, line_reader *lr,
                          int *failed)
{
    ns_query_options qopts = o->qopts;
    run_error err = {NS_OK, 0, 0, ""};
    char numbuf[32];
    const char *qid, *text;
    size_t len;
    int matched;

    split_line(lr, numbuf, sizeof numbuf, &qid, &text, &len);
    if (lr->too_long) {
        fprintf(stderr, "nsearch: query %s: longer than %u bytes\n", qid, NS_MAX_QUERY_BYTES);
        *failed = 1;
        return CONTINUE;
    }
    qopts.lenient = 1;
    run_query(idx, o, &qopts, st, qid, text, len, &matched, &err);
    if (err.rc == NS_OK)
        return CONTINUE;
    if (err.rc == NS_ECORRUPT) {
        fprintf(stderr, "nsearch: %s\n", err.msg);
        return EXIT_CORRUPT;
    }
    fprintf(stderr, "nsearch: query %s: %s\n", qid, err.msg);
    *failed = 1;
    return CONTINUE;
}

static int run_batch(ns_index *idx, const cli_opts *o, const term_style *st)
{
    line_reader lr = {NULL, NULL, 0, 0, 0};
    int from_stdin = strcmp(o->queries, "-") == 0;
    int failed = 0, status = CONTINUE;

    lr.in = from_stdin ? stdin : fopen(o->queries, "r");
    if (lr.in == NULL) {
        fprintf(stderr, "nsearch: cannot open %s: %s\n", o->queries, strerror(errno));
        return EXIT_ERROR;
    }
    lr.buf = malloc(MAX_LINE_BYTES + 1);
    if (lr.buf == NULL) {
        fputs("nsearch: out of memory\n", stderr);
        status = EXIT_ERROR;
    }
    while (status == CONTINUE && read_line(&lr))
        if (!is_blank(lr.buf, lr.len))
            status = run_batch_line(idx, o, st, &lr, &failed);
    if (status == CONTINUE && ferror(lr.in)) {
        fprintf(stderr, "nsearch: error reading %s\n", from_stdin ? "standard input" : o->queries);
        failed = 1;
    }
    free(lr.buf);
    if (!from_stdin)
        fclose(lr.in);
    if (status != CONTINUE)
        return status;
    return failed ? EXIT_ERROR : EXIT_MATCH;
}

/* ------------------------------------------------------------ main */

static int finish_output(int status)
{
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "nsearch: error writing output: %s\n", strerror(errno));
        return EXIT_ERROR;
    }
    return status;
}

/* ------------------------------------------------------------ serve */

#ifdef NS_WITH_SERVE
/* Execs path with argv (argv[0] replaced by path) if it exists; returns only
 * when it does not, or exec failed (errno). */
static void try_exec(const char *path, char **argv)
{
    if (access(path, X_OK) != 0)
        return;
    argv[0] = (char *)path;
    execv(path, argv);
    fprintf(stderr, "nsearch serve: cannot run %s: %s\n", path, strerror(errno));
    exit(EXIT_ERROR);
}
#endif

/* nsearch serve: the HTTP server is its own program, nsearch-serve, so that
 * a search in a terminal never loads libmicrohttpd and what it pulls in
 * (GnuTLS, ...). It is looked for beside this program (/proc/self/exe), then
 * in the install bindir (NS_INSTALL_BINDIR); argv[0] is "serve". */
static int run_serve(int argc, char **argv)
{
#ifdef NS_WITH_SERVE
    char self[4096], path[4096 + 32];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    const char *here = NULL;
    (void)argc;
    if (n > 0) {
        self[n] = '\0';
        char *slash = strrchr(self, '/');
        if (slash != NULL) {
            *slash = '\0';
            here = self;
            snprintf(path, sizeof path, "%s/nsearch-serve", here);
            try_exec(path, argv);
        }
    }
    try_exec(NS_INSTALL_BINDIR "/nsearch-serve", argv);
    fprintf(stderr,
            "nsearch serve: the server program nsearch-serve is not installed: looked in %s%s%s "
            "(it is built with NS_WITH_SERVE and installed beside nsearch)\n",
            here != NULL ? here : "", here != NULL ? " and " : "", NS_INSTALL_BINDIR);
    return EXIT_ERROR;
#else
    (void)argc;
    (void)argv;
    fputs("nsearch serve: this nsearch was built without the server "
          "(NS_WITH_SERVE=OFF)\n",
          stderr);
    return EXIT_ERROR;
#endif
}

int main(int argc, char **argv)
{
    cli_opts o = {NULL,
                  NS_QUERY_OPTIONS_INIT,
                  NS_SEARCH_OPTIONS_INIT,
                  FORMAT_TEXT,
                  TERM_COLOR_AUTO,
                  NULL,
                  NULL,
                  0,
                  NULL,
                  NULL,
                  NULL,
                  "",
                  {{NULL, 0}},
                  {""},
                  0,
                  0,
                  0,
                  0};
    ns_index *idx = NULL;
    char *path = NULL;
    term_style st;
    int status;

    if (argc > 1 && strcmp(argv[1], "serve") == 0)
        return run_serve(argc - 1, argv + 1);
    status = parse_args(argc, argv, &o);
    if (status != CONTINUE)
        goto done;
    path = o.index != NULL ? strdup(o.index) : default_index_path();
    if (path == NULL) {
        status = EXIT_ERROR;
        goto done;
    }
    status = open_index(&idx, path, o.allow_partial);
    if (status != CONTINUE)
        goto done;
    st = term_detect(stdout, o.format == FORMAT_TEXT ? o.color : TERM_COLOR_NEVER);
    st.mark_start = o.mark_start;
    st.mark_end = o.mark_end;
    status = o.queries != NULL ? run_batch(idx, &o, &st) : run_single(idx, &o, &st);
done:
    ns_index_close(idx);
    free(path);
    free(o.query);
    return finish_output(status);
}
