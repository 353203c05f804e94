/* fuzzy.h — the edit distance of a fuzzy query term (`word~`, `word~N`) to
 * the terms of a sorted dictionary (internal).
 *
 * The distance is Damerau's in its restricted form (optimal string
 * alignment): an insertion, a deletion, a substitution or the swap of two
 * adjacent characters each count as one edit, counted in code points, not
 * bytes. Terms are fed in the dictionary's byte order, and the matcher keeps
 * one row of the dynamic-programming table per code point of the previous
 * term, so a term only costs the rows after the prefix it shares with the
 * previous one. When no extension of a term's first bytes can come within
 * the budget, nsi_fuzzy_feed says how many bytes that prefix has, and the
 * caller skips every term that starts with it (a seek in a sorted
 * dictionary): a bounded walk instead of a distance per term. */
#ifndef NSI_QUERY_FUZZY_H
#define NSI_QUERY_FUZZY_H

#include <stddef.h>
#include <stdint.h>

#include "nsearch.h"

#define NSI_FUZZY_MAX_DIST 2u
/* code points of a term: at most one per byte */
#define NSI_FUZZY_MAX_CP NS_MAX_TERM_BYTES

typedef struct nsi_fuzzy {
    int32_t q[NSI_FUZZY_MAX_CP]; /* the query term */
    size_t qn;
    unsigned max; /* the budget, 0..NSI_FUZZY_MAX_DIST */
    /* the previous term: code points, the byte offset after each, and how
     * many rows of the table are valid for it */
    int32_t t[NSI_FUZZY_MAX_CP];
    size_t tend[NSI_FUZZY_MAX_CP];
    size_t tn, valid;
    uint8_t rows[NSI_FUZZY_MAX_CP + 1][NSI_FUZZY_MAX_CP + 1];
    uint8_t rmin[NSI_FUZZY_MAX_CP + 1]; /* smallest entry of each row */
} nsi_fuzzy;

/* The edit budget `word~` gives a term of n code points (as Meilisearch
 * does for words): 0 below 5, 1 from 5, 2 from 9. */
unsigned nsi_fuzzy_auto(size_t n);

/* Code points of the UTF-8 term[0..len) (invalid bytes count one each). */
size_t nsi_fuzzy_cplen(const char *term, size_t len);

/* Prepares f for the query term[0..len) (analysed, at most NS_MAX_TERM_BYTES)
 * and a budget of at most NSI_FUZZY_MAX_DIST edits. NS_EINVAL otherwise. */
int nsi_fuzzy_init(nsi_fuzzy *f, const char *term, size_t len, unsigned max);

/* The distance from the query to term[0..len) when it is within the budget,
 * else -1; then *skip is either 0 or the length of a prefix of term such that
 * no term starting with it is within the budget either. Terms longer than
 * NS_MAX_TERM_BYTES never match. Terms may come in any order; in byte order
 * they share prefixes and cost less. */
int nsi_fuzzy_feed(nsi_fuzzy *f, const char *term, size_t len, size_t *skip);

/* The distance between two terms (no budget; at most NS_MAX_TERM_BYTES each),
 * for tests and explanations. */
unsigned nsi_fuzzy_distance(const char *a, size_t alen, const char *b, size_t blen);

#endif
