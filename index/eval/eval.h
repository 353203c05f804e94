/* eval.h — what the files of query evaluation share (internal to eval/).
 *
 *   search.c          nsi_native_search: plan, segment loop, algorithm choice, hits
 *   plan.[ch]         query -> evaluation tree, statistics, prefix expansion
 *   bm25.[ch]         BM25F
 *   topk.[ch]         the top-k heap
 *   cursor.h          the cursor contract; cursor.c the builder and the
 *                     empty cursor; cursor_<kind>.c one kind each
 *   cursor_term.h     the term cursor, inline, for algorithms that drive
 *                     terms directly
 *   algo_<name>.c     one top-level algorithm each
 *
 * Algorithms. search.c tries algos[] in order and runs, in every
 * segment, the first whose fits() accepts the plan and options:
 *   1. count (algo_count.c): k = 0 (a COUNT); counts every match, scores
 *      none.
 *   2. MaxScore (algo_maxscore.c): an OR of >= 2 plain terms, unless the
 *      options ask for exhaustive evaluation. Drives term cursors directly.
 *   3. exhaustive (algo_exhaustive.c): anything; scores every match.
 * A block-max WAND (algo_bmw.c) would go before MaxScore, for an OR whose
 * children all have max_score and block_bound (cursor.h), and must keep the
 * rule that scores are summed in query order. */
#ifndef NSI_EVAL_EVAL_H
#define NSI_EVAL_EVAL_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "common/deadline.h"
#include "common/internal.h"
#include "eval/bm25.h"
#include "eval/cursor.h"
#include "eval/plan.h"
#include "eval/topk.h"
#include "format/commit.h"
#include "format/values.h"
#include "nsearch.h"
#include "read/reader.h"

/* The evaluation context of one search; seg and deleted change per segment. */
struct nsi_eval {
    const nsi_snap *snap;
    const nsi_seg *seg;     /* the segment being searched */
    const uint8_t *deleted; /* its deletion bitmap */
    nsi_bm25 sc;
    nsi_deadline dl;      /* the search's; every term seek and every
                             candidate ticks it (deadline.h) */
    char err[NSI_ERRMSG]; /* message of the first failure, if any */
    uint32_t *scratch;    /* scratch any cursor may use, for the duration of */
    size_t scratch_cap;   /* one operation (NEAR): scratch_cap elements */
};

/* Every live match of a search, in generation order (sort by a field,
 * facets, dedup: collect.h). */
typedef struct nsi_match {
    uint64_t gdoc;
    double score;
} nsi_match;

typedef struct nsi_matches {
    nsi_match *v;
    size_t n, cap;
} nsi_matches;

/* The result of the segments searched so far. */
typedef struct nsi_run {
    nsi_topk heap;
    uint64_t total;   /* matches counted */
    int exact;        /* 0 once pruning skipped a document it did not check */
    nsi_matches *all; /* non-NULL: every live match is also appended here
                         (only the exhaustive algorithm runs then) */
} nsi_run;

/* Appends (gdoc, score) to m: NS_OK or NS_ENOMEM. */
int nsi_matches_push(nsi_matches *m, uint64_t gdoc, double score);

/* A top-level algorithm. run() evaluates plan over segment x->seg, whose
 * documents are numbered from base in the generation, into r. */
typedef struct nsi_algo {
    const char *name;
    int (*fits)(const nsi_enode *plan, const ns_search_options *o);
    int (*run)(nsi_eval *x, const nsi_enode *plan, uint64_t base, nsi_run *r);
} nsi_algo;

extern const nsi_algo nsi_algo_count;      /* algo_count.c */
extern const nsi_algo nsi_algo_maxscore;   /* algo_maxscore.c */
extern const nsi_algo nsi_algo_exhaustive; /* algo_exhaustive.c */

/* ---- range filters checked per candidate (postfilter.c) */

/* A range's column and bounds in one segment, to test a document in place
 * (cursor_range.c fills it; postfilter.c reads it). */
typedef struct nsi_range_probe {
    const uint8_t *present, *vals; /* the column (format/values.h); NULL:
                                      the segment has no such field */
    int date;                      /* a date column (else a number one) */
    int64_t lo_i, hi_i;            /* dates: inclusive bounds */
    double lo_d, hi_d;             /* numbers: bounds, */
    int lo_x, hi_x;                /* excluded when set */
} nsi_range_probe;

/* Whether a column's value bits (values.h: an int64 date or a double) lie
 * in p's range. */
static inline int nsi_range_in(const nsi_range_probe *p, uint64_t bits)
{
    if (p->date)
        return (int64_t)bits >= p->lo_i && (int64_t)bits <= p->hi_i;
    double v;
    memcpy(&v, &bits, sizeof v);
    return (p->lo_x ? v > p->lo_d : v >= p->lo_d) && (p->hi_x ? v < p->hi_d : v <= p->hi_d);
}

/* Whether document d passes range p, read in its column. */
static inline int nsi_range_probe_has(const nsi_range_probe *p, uint32_t d)
{
    uint64_t bits;
    return p->present && nsi_values_num_get(p->present, p->vals, d, &bits) && nsi_range_in(p, bits);
}

/* The probe of c, a range cursor (cursor_range.c); valid while c lives. */
void nsi_range_probe_of(const nsi_cursor *c, nsi_range_probe *p);

typedef struct nsi_postfilter {
    nsi_enode view;           /* the AND without its ranges */
    nsi_enode **kids;         /* view's kids (the plan's nodes) */
    const nsi_enode **ranges; /* the ranges taken out */
    size_t nranges;
    nsi_cursor **cur;       /* their cursors in the current segment */
    nsi_range_probe *probe; /* and their columns, read in place */
} nsi_postfilter;

/* The plan to drive: plan itself, or, for an AND with ranges and something
 * else to match, a view of it without the ranges, which pf then holds. */
const nsi_enode *nsi_postfilter_split(const nsi_enode *plan, nsi_postfilter *pf);
/* Builds and starts the ranges' cursors for x->seg. */
int nsi_postfilter_start(nsi_eval *x, nsi_postfilter *pf);
/* Whether candidate d passes every range; when not, *next is the first
 * document that might (NSI_DOC_END: none); *rc on failure. A candidate is
 * tested in the columns first (no cursor call); the cursors move only to
 * find where the next one that passes is. */
int nsi_postfilter_check(nsi_eval *x, nsi_postfilter *pf, uint32_t d, uint32_t *next, int *rc);
/* Whether candidate d passes every range, tested in the columns alone (the
 * algorithms' fast path: when not, nsi_postfilter_check says where to go). */
static inline int nsi_postfilter_pass(const nsi_postfilter *pf, uint32_t d)
{
    for (size_t i = 0; i < pf->nranges; i++)
        if (!nsi_range_probe_has(&pf->probe[i], d))
            return 0;
    return 1;
}
/* Frees the cursors of the segment; nsi_postfilter_free everything. */
void nsi_postfilter_end(nsi_postfilter *pf);
void nsi_postfilter_free(nsi_postfilter *pf);

/* ---- building blocks of cursors with children (cursor.c) */

/* Cursors for the positive (non-NOT) children of e, in query order, in a new
 * array of *n (+ 1) entries. NULL with *rc set on failure. */
nsi_cursor **nsi_cursor_kids_new(nsi_eval *x, const nsi_enode *e, size_t *n, int *rc);
/* Frees kids[0..n) and the array. */
void nsi_cursor_kids_free(nsi_cursor **kids, size_t n);
/* Starts kids[0..n) in order. */
int nsi_cursor_kids_start(nsi_eval *x, nsi_cursor **kids, size_t n);
/* The sum, in query order, of the scores of the kids on doc. */
int nsi_cursor_kids_score(nsi_eval *x, nsi_cursor **kids, size_t n, uint32_t doc, double *out);

/* A conjunction: AND, and PHRASE and NEAR, which are ANDs that also check
 * positions (cursor_and.c). The leapfrog starts from the cheapest child. */
typedef struct nsi_conj nsi_conj;
struct nsi_conj {
    nsi_cursor base;
    const nsi_enode *e;
    nsi_cursor **kids; /* query order (scores are summed in it) */
    nsi_cursor **lead; /* the same, cheapest first from start() on */
    size_t nkids;
    /* Whether the document every child sits on matches (positions); NULL:
     * always. Sets *rc on failure. */
    int (*accept)(nsi_eval *x, nsi_conj *c, int *rc);
};

/* Fills c (allocated by the caller, zeroed, base.ops set) with e's children. */
int nsi_conj_init(nsi_eval *x, nsi_conj *c, const nsi_enode *e);
/* The ops of a conjunction, for cursor kinds built on it. */
int nsi_conj_start(nsi_eval *x, nsi_cursor *c);
int nsi_conj_seek(nsi_eval *x, nsi_cursor *c, uint32_t target);
int nsi_conj_score(nsi_eval *x, nsi_cursor *c, double *out);
uint64_t nsi_conj_cost(const nsi_cursor *c);
void nsi_conj_free(nsi_cursor *c); /* frees the children and c itself */
/* For accept(): the positions of every child, into pos[0..nkids). */
int nsi_conj_positions(nsi_conj *c, nsi_positions *pos);
/* For constructors: NS_OK when every child has positions (is a term). */
int nsi_conj_need_positions(nsi_eval *x, nsi_conj *c);

#endif
