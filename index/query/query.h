/* query.h — query syntax tree, parser and printer (internal).
 * The language is specified in docs/query-language.md. */
#ifndef NSI_QUERY_H
#define NSI_QUERY_H

#include <stddef.h>
#include <stdint.h>

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
    /* typed fields (docs/fields.md); none of them is ever scored */
    NSQ_KEYWORD, /* fname:term, term the folded whole value (nsi_field_fold) */
    NSQ_RANGE,   /* fname within [lo, hi] (see nsq_range) */
    NSQ_FIELD,   /* fname:... not resolved yet (parsed without a schema): term
                    holds the text "fname:operand" as written, resolved at
                    search time (nsq_resolve) */
    NSQ_ALL,     /* every document (a query of exclusions of filters only) */
    NSQ_FUZZY    /* analysed term: matches every term within dist edits of it
                    (fuzzy.h), from `word~` or `word~N` */
};

/* Where a TERM, PREFIX, PHRASE or NEAR must occur: anywhere (title and body),
 * the title, or the text field fname. */
enum nsq_field { NSQ_FIELD_ALL = 0, NSQ_FIELD_TITLE = 1, NSQ_FIELD_NAMED = 2 };

/* A RANGE: type NS_FIELD_DATE (bounds in lo_i/hi_i, seconds, both ends
 * inclusive once parsed: an exclusive date end is moved by one second) or
 * NS_FIELD_NUMBER (lo_d/hi_d with lo_incl/hi_incl). An open end has has_lo or
 * has_hi 0. */
typedef struct nsq_range {
    int type;
    int has_lo, has_hi, lo_incl, hi_incl;
    int64_t lo_i, hi_i;
    double lo_d, hi_d;
} nsq_range;

/* Why a node is in the tree: typed by the user, or added by a ranking
 * rewrite (proximity.c, ns_query_expand), which --explain names. */
enum nsq_role { NSQ_ROLE_QUERY = 0, NSQ_ROLE_PROXIMITY = 1, NSQ_ROLE_FEEDBACK = 2 };

typedef struct nsq_node {
    enum nsq_kind kind;
    enum nsq_field field; /* TERM, PREFIX, FUZZY, PHRASE, NEAR: where it must occur */
    char *term;           /* TERM, PREFIX, FUZZY, KEYWORD, FIELD: malloc'd, NUL-terminated */
    size_t term_len;
    char *fname; /* NSQ_FIELD_NAMED terms, KEYWORD, RANGE, FIELD: the field
                    name, malloc'd, NUL-terminated */
    size_t fname_len;
    nsq_range range; /* RANGE */
    int any;         /* FIELD: parsed with ns_query_options.any */
    unsigned dist;   /* NEAR: words apart; FUZZY: edits allowed (0..2) */
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

/* The fields a query may name (besides title), for the parser: type() gives
 * a field's NS_FIELD_* or 0 when the index has no such field; names is the
 * list shown when a name is unknown ("title, date, topics"). */
typedef struct nsq_schema {
    int (*type)(void *ctx, const char *name, size_t len);
    void *ctx;
    const char *names;
} nsq_schema;

/* nsi_query_parse knowing the index's fields. schema NULL: a `name:...`
 * operand (name not title) becomes an NSQ_FIELD node, resolved later by
 * nsq_resolve; with a schema, an unknown name is NS_ESYNTAX "unknown field
 * 'Title' at 0 (fields: title, date, topics)", and the operand becomes
 * KEYWORD or RANGE nodes, or terms of the text field (docs/query-language.md,
 * "Typed fields"). */
int nsi_query_parse_schema(const char *text, size_t len, const ns_query_options *opts,
                           nsi_analyzer *an, const nsq_schema *schema, nsq_node **out, char *err,
                           size_t errlen, size_t *err_off);

/* A copy of q where every NSQ_FIELD node is parsed again with schema (its
 * offsets, and the error offset, counted in the original text). NS_OK with
 * *out (NULL when q is NULL); errors as nsi_query_parse_schema. */
int nsq_resolve(const nsq_node *q, nsi_analyzer *an, const nsq_schema *schema, nsq_node **out,
                char *err, size_t errlen, size_t *err_off);

/* Whether q names a typed field anywhere (a filter, a range, a text
 * field's word, an unresolved operand, or ALL). */
int nsq_uses_fields(const nsq_node *q);

/* Whether q holds an NSQ_FIELD node (needs nsq_resolve before planning). */
int nsq_has_unresolved(const nsq_node *q);

/* A deep copy of q; NULL when out of memory. */
nsq_node *nsq_clone(const nsq_node *q);

/* Parses one end of a range of type NS_FIELD_DATE or NS_FIELD_NUMBER
 * (query_range.c): the operand text of `date:...`, e.g.
 * "1987-03-01..1987-03-31", ">=2023-11-01", "<1987-04", "5..10", "1987".
 * NS_OK, or NS_ESYNTAX with a message naming the text ("bad date '1987-13'
 * in range at N", N = off + where). */
int nsq_range_parse(const char *text, size_t len, int type, size_t off, nsq_range *out, char *err,
                    size_t errlen, size_t *err_off);

/* Appends the canonical form of a range's bounds: date ends as ISO 8601 UTC,
 * numbers shortest %.17g; "[lo..hi]", '{' '}' for an exclusive end, '*' for an
 * open one. */
int nsq_range_format(const nsq_range *r, nsi_buf *b);

/* Formats secs as "1987-03-02T14:31:00Z" into out[21] (proleptic Gregorian,
 * years 0..9999; NS_EINVAL outside). */
int nsq_date_iso(int64_t secs, char out[21]);

void nsq_free(nsq_node *n);

/* Appends the canonical form of n to b:
 *   TERM: sever   title field: title:sever   PREFIX: relat*   FUZZY: govern~1
 *   PHRASE: "sever relat"   NEAR: (NEAR/5 a b)   AND: (AND a b (NOT c))
 *   OR: (OR a b)   MAYBE: (MAYBE a b c)   text field: abstract:sever
 *   KEYWORD: topics:cocoa, topics:"new york"   RANGE: date:[1987-03-01T00:00:00Z..*]
 *   FIELD: {topics:(Cocoa OR coffee)} (as written)   ALL: (ALL)
 * A NULL tree prints as (). A node with a weight other than 1 ends in
 * ^weight: "a b"^0.1. */
int nsq_format(const nsq_node *n, nsi_buf *b);

/* Tree building (query.c), for the parser and for rewrites such as prefix
 * expansion in the planner. */

/* A node of kind with no kids and field NSQ_FIELD_ALL; NULL when out of memory. */
nsq_node *nsq_new(enum nsq_kind kind, size_t offset);

/* A TERM, PREFIX or FUZZY node holding a NUL-terminated copy of term[0..len). */
nsq_node *nsq_new_term(enum nsq_kind kind, const char *term, size_t len, size_t offset);

/* Sets n->fname to a NUL-terminated copy of name[0..len) (replacing any).
 * NS_OK or NS_ENOMEM. */
int nsq_set_fname(nsq_node *n, const char *name, size_t len);

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
