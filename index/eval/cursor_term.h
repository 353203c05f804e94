/* cursor_term.h — the term cursor: one term's postings in one segment
 * (internal to eval/; its ops are in cursor_term.c).
 *
 * Its hot operations are inline here, so that an algorithm that drives terms
 * directly (MaxScore) runs them without an indirect call per posting. */
#ifndef NSI_EVAL_CURSOR_TERM_H
#define NSI_EVAL_CURSOR_TERM_H

#include "eval/eval.h"
#include "format/segment.h"

typedef struct nsi_term_cursor {
    nsi_cursor base;
    nsi_pcur pc;
    int title_only; /* only documents with the term in the title match */
    double idf;
    double max_score;  /* list bound, once max_score() has run */
    uint32_t *pt, *pb; /* positions of pos_doc (title, body), pcap each */
    size_t pcap;
    uint32_t pos_doc; /* NSI_DOC_END when pt/pb hold nothing */
} nsi_term_cursor;

extern const nsi_cursor_ops nsi_term_cursor_ops;

/* c as a term cursor, or NULL when it is another kind. */
static inline nsi_term_cursor *nsi_cursor_as_term(nsi_cursor *c)
{
    return c->ops == &nsi_term_cursor_ops ? (nsi_term_cursor *)c : NULL;
}

/* Records the "postings damaged" message; returns rc. */
int nsi_term_cursor_corrupt(nsi_eval *x, int rc);

/* seek (cursor.h): a title-only term skips postings without title
 * occurrences. */
static inline int nsi_term_seek(nsi_eval *x, nsi_term_cursor *t, uint32_t target)
{
    if (nsi_deadline_tick(&x->dl))
        return NS_ETIMEOUT;
    int rc = nsi_pcur_seek(&t->pc, target);
    if (!rc) {
        while (t->title_only && t->pc.doc != NSI_DOC_END && nsi_pcur_tf_title(&t->pc) == 0)
            if ((rc = nsi_pcur_next(&t->pc)))
                break;
        t->base.doc = t->pc.doc;
    }
    return rc == NS_ECORRUPT ? nsi_term_cursor_corrupt(x, rc) : rc;
}

/* score (cursor.h) of the document the cursor sits on. */
static inline double nsi_term_score(const nsi_eval *x, const nsi_term_cursor *t)
{
    uint32_t lt, lb;
    nsi_seg_norms(x->seg, t->base.doc, &lt, &lb);
    return nsi_bm25f(&x->sc, t->idf, t->title_only, nsi_pcur_tf_title(&t->pc),
                     nsi_pcur_tf_body(&t->pc), lt, lb);
}

/* block_bound (cursor.h): the maxima of the block that would hold d when d
 * falls in a full block, else the list bound. */
static inline double nsi_term_block_bound(const nsi_eval *x, const nsi_term_cursor *t, uint32_t d)
{
    nsi_skip sk;
    if (t->base.doc == NSI_DOC_END || t->base.doc > d)
        return 0; /* the term cannot hold d at all */
    if (!nsi_pcur_block_bound(&t->pc, d, &sk))
        return t->max_score;
    return nsi_bm25_margin(nsi_bm25f(&x->sc, t->idf, t->title_only, sk.max_tf_title, sk.max_tf_body,
                                     sk.min_len_title, sk.min_len_body));
}

#endif
