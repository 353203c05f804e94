/* cursor.h — the cursor contract of query evaluation (internal to eval/).
 *
 * A cursor walks the documents of one segment that match one node of the
 * evaluation tree (plan.h), in increasing document order, one document at a
 * time. It is a struct nsi_cursor at the start of a kind's own struct and a
 * table of operations; callers only ever go through the table, so a new kind
 * (a codec, NEAR-k, a WAND operand...) is one new cursor_*.c file plus one
 * line in the builder (nsi_cursor_build, cursor.c). The algorithms
 * (algo_*.c, eval.h) drive a root cursor, or, for dynamic pruning, term
 * cursors directly (cursor_term.h).
 *
 * The document, c->doc:
 *   - after the constructor and before start(): NSI_DOC_END (nothing read yet);
 *   - after start(): the first matching document, or NSI_DOC_END if none;
 *   - after seek(t): the first matching document >= t, or NSI_DOC_END;
 *   - NSI_DOC_END (UINT32_MAX, never a document) means exhausted for good:
 *     nothing may be called on it but cost() and free().
 * doc only moves forward, and only through start() and seek(); score() may
 * move the cursor's children (MAYBE probes its optional ones) but never doc.
 *
 * Errors: every operation that reads postings returns NS_OK or a status
 * (NS_ECORRUPT, NS_ENOMEM); a message, when there is one, is in x->err. After
 * an error the cursor may only be freed.
 *
 * Ownership: a cursor owns its children, buffers and postings state; free()
 * releases all of it and the cursor. Cursors are built per segment from the
 * plan, which outlives them (they may keep pointers to plan nodes and to the
 * segment), and are freed before the next segment. */
#ifndef NSI_EVAL_CURSOR_H
#define NSI_EVAL_CURSOR_H

#include <stdint.h>

#include "eval/plan.h"
#include "format/segment.h"

typedef struct nsi_eval nsi_eval; /* evaluation context, eval.h */
typedef struct nsi_cursor nsi_cursor;

/* A term's positions in the document its cursor sits on, ascending: n[f]
 * positions at pos[f], f = NSI_FIELD_TITLE or NSI_FIELD_BODY. */
enum { NSI_FIELD_BODY = 0, NSI_FIELD_TITLE = 1 };
typedef struct nsi_positions {
    const uint32_t *pos[2];
    uint32_t n[2];
} nsi_positions;

typedef struct nsi_cursor_ops {
    const char *name;
    /* Starts the cursor and its children: doc becomes the first match. */
    int (*start)(nsi_eval *x, nsi_cursor *c);
    /* next_geq: moves to the first match >= target. Callers seek only
     * forward (target > doc) and never once doc is NSI_DOC_END; next() is
     * seek(doc + 1). */
    int (*seek)(nsi_eval *x, nsi_cursor *c, uint32_t target);
    /* BM25F score of doc (a match, not NSI_DOC_END) into *out: the sum of
     * the children's scores in query order, so that every algorithm adds the
     * same numbers in the same order and gets bit-identical scores. */
    int (*score)(nsi_eval *x, nsi_cursor *c, double *out);
    /* Estimated matches left (a term: its df, 0 once exhausted); orders the
     * children of a conjunction, cheapest first. Valid before start(). */
    uint64_t (*cost)(const nsi_cursor *c);
    /* Upper bound of score() over the whole segment into *out (0 for a
     * cursor that matches nothing), with a margin so that rounding never
     * makes it too low; may read the postings. NULL: no bound known (the
     * cursor cannot take part in dynamic pruning). */
    int (*max_score)(nsi_eval *x, nsi_cursor *c, double *out);
    /* Block-max bound: an upper bound of score() for document d (>= doc),
     * from the skip data of the block that would hold d, without decoding
     * it; 0 when the cursor cannot hold d. Needs max_score() first (it falls
     * back on it). NULL: no bound known. */
    double (*block_bound)(nsi_eval *x, nsi_cursor *c, uint32_t d);
    /* Positions of doc in each field, for PHRASE and NEAR; they stay valid
     * until the cursor moves. NULL: the cursor has no positions (only terms
     * have them). */
    int (*positions)(nsi_cursor *c, nsi_positions *out);
    /* Frees the cursor, its children and everything it owns. */
    void (*free)(nsi_cursor *c);
} nsi_cursor_ops;

struct nsi_cursor {
    uint32_t doc; /* see above */
    const nsi_cursor_ops *ops;
};

/* The one dispatch from evaluation node to cursor kind (cursor.c): builds
 * the cursor tree of e for the segment x->seg. NULL with *rc set on failure. */
nsi_cursor *nsi_cursor_build(nsi_eval *x, const nsi_enode *e, int *rc);

static inline void nsi_cursor_free(nsi_cursor *c)
{
    if (c)
        c->ops->free(c);
}

/* Constructors, one per cursor file. Each returns NULL with *rc set on
 * failure; a cursor with children takes e's positive children (NOT children
 * are nsi_cursor_not_new's). */
nsi_cursor *nsi_cursor_empty_new(int *rc);                                   /* cursor.c */
nsi_cursor *nsi_cursor_term_new(nsi_eval *x, const nsi_enode *e, int *rc);   /* cursor_term.c */
nsi_cursor *nsi_cursor_and_new(nsi_eval *x, const nsi_enode *e, int *rc);    /* cursor_and.c */
nsi_cursor *nsi_cursor_or_new(nsi_eval *x, const nsi_enode *e, int *rc);     /* cursor_or.c */
nsi_cursor *nsi_cursor_maybe_new(nsi_eval *x, const nsi_enode *e, int *rc);  /* cursor_maybe.c */
nsi_cursor *nsi_cursor_phrase_new(nsi_eval *x, const nsi_enode *e, int *rc); /* cursor_phrase.c */
nsi_cursor *nsi_cursor_near_new(nsi_eval *x, const nsi_enode *e, int *rc);   /* cursor_near.c */
nsi_cursor *nsi_cursor_range_new(nsi_eval *x, const nsi_enode *e, int *rc);  /* cursor_range.c */
nsi_cursor *nsi_cursor_all_new(nsi_eval *x, int *rc);                        /* cursor_all.c */
/* AND-NOT (cursor_not.c): the matches of pos that no cursor built from e's
 * NOT children matches. Takes pos (freed on failure too). */
nsi_cursor *nsi_cursor_not_new(nsi_eval *x, nsi_cursor *pos, const nsi_enode *e, int *rc);

#endif
