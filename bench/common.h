/* common.h — shared harness for the three benchmark drivers (nsearch, Xapian,
 * SQLite FTS5) and the query generator.
 *
 * The point of sharing it: every engine is loaded with the same documents,
 * gets the same query strings (translated from one neutral form), and is timed
 * by the same loop with the same clock, warm-up, repeat count and statistics.
 * An engine only supplies callbacks that do its own work (build, optimize,
 * run one query); everything that is measured around them lives here.
 *
 * Usable from C and C++ (the Xapian driver is C++17).
 */
#ifndef NB_COMMON_H
#define NB_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------ corpus */

typedef struct nb_doc {
    const char *id; /* "label:id" when several corpora are loaded together */
    const char *title;
    size_t title_len;
    const char *body;
    size_t body_len;
} nb_doc;

typedef struct nb_corpus {
    nb_doc *docs;
    size_t n;
    uint64_t text_bytes; /* title + body bytes: the "raw text" of MB/s figures */
    char **blocks;       /* arena blocks holding every string */
    size_t nblocks, capblocks;
    size_t block_used, block_cap;
} nb_corpus;

/* Loads docs.jsonl or docs.jsonl.gz files (one JSON object per line with
 * "id", "title", "body"). With more than one file, ids get the corpus
 * directory name as prefix so that ids stay unique. Returns 0 or -1 with a
 * message on stderr. */
int nb_corpus_load(nb_corpus *c, char **paths, size_t npaths);
void nb_corpus_free(nb_corpus *c);

/* ------------------------------------------------------------ queries */

/* Query types of the neutral query files written by gen_queries. */
typedef enum { NB_Q_AND, NB_Q_OR, NB_Q_PHRASE, NB_Q_ANDNOT, NB_Q_PREFIX } nb_qkind;

typedef struct nb_query {
    char *qid;
    char *words; /* neutral form: lowercase ASCII words separated by one space */
    char *tag;   /* document-frequency buckets, e.g. "hm"; may be "" */
    char *text;  /* translated into the engine's syntax */
} nb_query;

typedef struct nb_qset {
    char *name; /* query type as named in results: and2, or3, phrase, ... */
    nb_qkind kind;
    nb_query *q;
    size_t n;
} nb_qset;

/* Query syntaxes the neutral form is translated to. */
typedef enum { NB_SYN_NSEARCH, NB_SYN_XAPIAN, NB_SYN_FTS5 } nb_syntax;

/* Reads a TSV file "qid<TAB>words[<TAB>tag]". name is "type" or
 * "type=path" is split by the caller. The kind is derived from the name
 * prefix (and, or, phrase, andnot, prefix, trec -> OR). */
int nb_qset_load(nb_qset *s, const char *name, const char *path, nb_syntax syn);
void nb_qset_free(nb_qset *s);
int nb_kind_from_name(const char *name, nb_qkind *out);

/* Translates one neutral query (malloc'd result). */
char *nb_translate(nb_syntax syn, nb_qkind kind, const char *words);

/* ------------------------------------------------------------ engine */

typedef enum { NB_COUNT, NB_TOP10, NB_SNIPPET, NB_TREC } nb_mode;
#define NB_NMODES 3 /* timed modes: COUNT, TOP10, SNIPPET */
#define NB_TREC_K 100

typedef struct nb_hit {
    uint64_t ord;   /* 0-based position of the document in the corpus ... */
    const char *id; /* ... or, when not NULL, its id (borrowed until next run) */
    double score;   /* larger is better */
} nb_hit;

typedef struct nb_out {
    uint64_t count; /* COUNT: exact number of matches; else hits returned */
    int inexact;    /* COUNT: the engine could only give an estimate */
    size_t nhits;
    nb_hit hits[NB_TREC_K];
    size_t snippet_bytes; /* SNIPPET: bytes of snippet text made */
    char err[256];
} nb_out;

typedef struct nb_size {
    const char *component;
    uint64_t bytes;
} nb_size;

typedef struct nb_engine {
    const char *name;
    nb_syntax syntax;
    void *ctx;
    /* build: create a new index at path from every document. */
    int (*build)(void *ctx, const char *path, const nb_corpus *c, char *err, size_t errlen);
    /* optimize: merge to one segment / compact; may be NULL. */
    int (*optimize)(void *ctx, const char *path, char *err, size_t errlen);
    /* sizes: fill up to cap components (bytes on disk); returns how many. */
    size_t (*sizes)(void *ctx, const char *path, nb_size *out, size_t cap);
    /* open: open the index for searching. */
    int (*open)(void *ctx, const char *path, char *err, size_t errlen);
    /* run: one query in the engine's syntax. Returns 0 or -1 with out->err. */
    int (*run)(void *ctx, nb_mode mode, const char *q, nb_out *out);
    void (*close)(void *ctx);
    /* version and settings, one line each, no commas */
    const char *(*version)(void *ctx);
    const char *settings;
} nb_engine;

/* The common command line of every driver:
 *   DRIVER build  --index P --out results.csv --label L CORPUS...
 *   DRIVER search --index P --out results.csv --counts counts.tsv
 *                 [--raw raw.csv] [--repeats R] [--label L] TYPE=FILE...
 *   DRIVER trec   --index P --run out.run --tag T QUERIES.tsv
 * Returns the process exit status. */
int nb_main(nb_engine *e, int argc, char **argv);

/* ------------------------------------------------------------ utilities */

double nb_now_us(void);        /* CLOCK_MONOTONIC, microseconds */
double nb_thread_cpu_us(void); /* CLOCK_THREAD_CPUTIME_ID, microseconds */
long nb_maxrss_kb(void);       /* getrusage(RUSAGE_SELF) ru_maxrss */
uint64_t nb_file_size(const char *path);
uint64_t nb_dir_size(const char *path); /* sum of regular files, recursive */
int nb_rm_rf(const char *path);

/* Deterministic RNG (splitmix64) for query generation and shuffles. */
typedef struct nb_rng {
    uint64_t s;
} nb_rng;
uint64_t nb_rng_next(nb_rng *r);
uint64_t nb_rng_below(nb_rng *r, uint64_t n);

/* Percentile of sorted values (linear interpolation between ranks). */
double nb_percentile(const double *sorted, size_t n, double p);
void nb_sort_doubles(double *v, size_t n);

#ifdef __cplusplus
}
#endif
#endif
