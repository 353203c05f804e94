/* plan.h — the evaluation tree of a query, with collection statistics
 * (internal to eval/).
 *
 * The parsed query (query.h) becomes a tree of nsi_enode over the whole
 * generation: prefixes are expanded over every segment's dictionary, and each
 * term's document frequency is summed over the segments, so that the same IDF
 * applies in every segment. Cursors (cursor.h) are built from it per segment. */
#ifndef NSI_EVAL_PLAN_H
#define NSI_EVAL_PLAN_H

#include <stddef.h>
#include <stdint.h>

#include "common/deadline.h"
#include "query/query.h"
#include "read/reader.h"

enum nsi_ekind {
    NSI_E_EMPTY,   /* matches nothing (a prefix that expands to no term) */
    NSI_E_TERM,    /* one term: term, len, df, idf, title_only */
    NSI_E_AND,     /* kids: positive nodes, then NSI_E_NOT ones */
    NSI_E_OR,      /* kids: >= 1 nodes (a prefix or fuzzy term: its expansions
                      in byte order) */
    NSI_E_NOT,     /* one kid; only a kid of NSI_E_AND */
    NSI_E_PHRASE,  /* kids: terms at consecutive positions */
    NSI_E_NEAR,    /* kids: terms within dist positions of each other */
    NSI_E_MAYBE,   /* kids[0] must match; the others only add to the score */
    NSI_E_KEYWORD, /* a keyword filter: the field term (values.h) term, len,
                      df; idf 0, so it never adds to a score */
    NSI_E_RANGE,   /* the documents whose date/number field fname lies in range */
    NSI_E_ALL      /* every document; scores 0 */
};

typedef struct nsi_enode {
    enum nsi_ekind kind;
    int title_only; /* TERM, PHRASE, NEAR: only the title counts */
    char *term;     /* TERM */
    size_t len;
    uint64_t df;   /* TERM: over every segment, deleted documents included */
    double idf;    /* TERM: the weight of the term in BM25F (weight included) */
    double weight; /* TERM: what its idf was scaled by: the product of the
                      weights of its query node and their ancestors (ranking
                      rewrites), times a fuzzy expansion's weight; 1 for most */
    int edits;     /* TERM: -1, or a fuzzy expansion's edits from the query term */
    int role;      /* TERM: enum nsq_role of the query node it comes from (or its
                      nearest ancestor with a role), for explanations */
    unsigned dist; /* NEAR */
    char *fname;   /* RANGE: the field (NUL-terminated) */
    size_t fname_len;
    nsq_range range; /* RANGE */
    struct nsi_enode **kids;
    size_t nkids;
} nsi_enode;

/* What planning one query may spend. */
typedef struct nsi_plan_limits {
    unsigned max_exp;   /* terms one prefix may expand to */
    unsigned max_total; /* terms all prefixes may expand to together */
    unsigned used;      /* expansions so far (start at 0) */
    nsi_deadline *dl;   /* NULL: none */
    double timeout;     /* dl's length in seconds, for the message */
} nsi_plan_limits;

/* The evaluation tree of q over snapshot s; a prefix (or fuzzy term) expanding to more than
 * lim->max_exp terms, or all of them together to more than lim->max_total,
 * is an error (NS_ETOOBIG), and so is NS_ETIMEOUT once lim->dl passed (read
 * per term looked up and every NSI_DEADLINE_EVERY dictionary entries). NULL
 * with *rc set on failure (a message in err when there is one). */
nsi_enode *nsi_plan_build(const nsi_snap *s, const nsq_node *q, nsi_plan_limits *lim, int *rc,
                          char *err, size_t errlen);

void nsi_plan_free(nsi_enode *e);

/* The largest document frequency of any term of e (the total reported
 * when pruning leaves a smaller, inexact count). */
uint64_t nsi_plan_max_df(const nsi_enode *e);

#endif
