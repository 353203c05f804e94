/* query.h — query syntax tree, parser and printer (internal).
 * The language is specified in docs/query-language.md. */
#ifndef NSI_QUERY_H
#define NSI_QUERY_H

#include <stddef.h>

#include "analysis/analyzer.h"
#include "common/buf.h"
#include "nsearch.h"

enum nsq_kind {
    NSQ_TERM,   /* one analysed term */
    NSQ_PREFIX, /* folded, unstemmed prefix: matches every term starting with it */
    NSQ_PHRASE, /* kids: NSQ_TERM nodes at consecutive positions */
    NSQ_NEAR,   /* kids: >= 2 NSQ_TERM nodes, all within dist words, any order */
    NSQ_AND,    /* kids: >= 1 positive nodes plus any NSQ_NOT nodes */
    NSQ_OR,     /* kids: >= 2 positive nodes */
    NSQ_NOT,    /* one kid; only ever a kid of NSQ_AND */
    NSQ_MAYBE,  /* kids[0] must match; kids[1..] only add to the score
                   (from `+a b c` with any=1: a required, b and c optional) */
    NSQ_FUZZY   /* analysed term: matches every term within dist edits of it
                   (fuzzy.h), from `word~` or `word~N` */
};

enum nsq_field { NSQ_FIELD_ALL = 0, NSQ_FIELD_TITLE = 1 };

/* Why a node is in the tree: typed by the user, or added by a ranking
 * rewrite (proximity.c, ns_query_expand), which --explain names. */
enum nsq_role { NSQ_ROLE_QUERY = 0, NSQ_ROLE_PROXIMITY = 1, NSQ_ROLE_FEEDBACK = 2 };

typedef struct nsq_node {
    enum nsq_kind kind;
    enum nsq_field field; /* TERM, PREFIX, FUZZY, PHRASE, NEAR: where it must occur */
    char *term;           /* TERM, PREFIX, FUZZY: malloc'd, NUL-terminated */
    size_t term_len;
    unsigned dist; /* NEAR: words apart; FUZZY: edits allowed (0..2) */
    struct nsq_node **kids;
    size_t nkids;
    size_t offset; /* byte offset in the query text where it starts */
    double weight; /* what the node's score is multiplied by; 0 means 1 (the
                      parser's nodes); set by ranking rewrites */
    enum nsq_role role;
} nsq_node;

/* Parses text into a tree, analysing words with an. Normal forms:
 *  - a word that analyses to several tokens becomes an NSQ_PHRASE;
 *  - a word that analyses to nothing is dropped; a group left empty is
 *    dropped too, and *out is NULL when nothing at all is left (NS_OK);
 *  - an AND/OR with one kid is replaced by the kid; nested ANDs (ORs) are
 *    flattened;
 *  - a query whose only positive parts are under NOT is an error
 *    ("query has no positive term"), as nothing could rank it.
 * Errors return NS_ESYNTAX or NS_ETOOBIG with a message in err
 * ("unbalanced '(' at 14") and the byte offset in *err_off. */
int nsi_query_parse(const char *text, size_t len, const ns_query_options *opts, nsi_analyzer *an,
                    nsq_node **out, char *err, size_t errlen, size_t *err_off);

void nsq_free(nsq_node *n);

/* Appends the canonical form of n to b:
 *   TERM: sever   title field: title:sever   PREFIX: relat*   FUZZY: govern~1
 *   PHRASE: "sever relat"   NEAR: (NEAR/5 a b)   AND: (AND a b (NOT c))
 *   OR: (OR a b)   MAYBE: (MAYBE a b c). A NULL tree prints as ().
 * A node with a weight other than 1 ends in ^weight: "a b"^0.1. */
int nsq_format(const nsq_node *n, nsi_buf *b);

/* Tree building (query.c), for the parser and for rewrites such as prefix
 * expansion in the planner. */

/* A node of kind with no kids and field NSQ_FIELD_ALL; NULL when out of memory. */
nsq_node *nsq_new(enum nsq_kind kind, size_t offset);

/* A TERM, PREFIX or FUZZY node holding a NUL-terminated copy of term[0..len). */
nsq_node *nsq_new_term(enum nsq_kind kind, const char *term, size_t len, size_t offset);

/* Appends kid to parent->kids and owns kid from then on, even on failure
 * (NS_ENOMEM frees it). Kids arrays grow only through this function (it
 * relies on their size following from nkids): never assign kids directly. A kid of the same kind as
 * an AND or OR parent is flattened: its kids move into parent. kid may be NULL (nothing happens).
 */
int nsq_add_kid(nsq_node *parent, nsq_node *kid);

/* Normal form of an AND or OR whose kids are all in: no kids -> frees n and
 * returns NULL; one kid -> frees n and returns the kid; an AND keeps its
 * positive kids first and its NOT kids after them (each group in text order).
 * Any other kind is returned unchanged. */
nsq_node *nsq_simplify(nsq_node *n);

/* The proximity rewrite (proximity.c, ns_query_add_proximity): each two
 * neighbouring words of the query become an optional NEAR/window clause whose
 * score counts weight times. NS_OK (nothing to do for one word) or
 * NS_ENOMEM, after which *root is a valid tree (maybe with some of the
 * clauses) or NULL. */
int nsi_query_proximity(nsq_node **root, double weight, unsigned window);

/* A deep copy of n (NULL when out of memory). */
nsq_node *nsq_copy(const nsq_node *n);

#endif
