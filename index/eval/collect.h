/* collect.h — what a search does with every match besides ranking by score
 * (internal to eval/): order by a date or number field (order.c), count a
 * keyword field's values (facet.c), collapse near-duplicates (dedup.c). They
 * work on the matches the exhaustive algorithm collected (eval.h,
 * nsi_matches) or, for dedup by score, on the top of the heap. */
#ifndef NSI_EVAL_COLLECT_H
#define NSI_EVAL_COLLECT_H

#include <stddef.h>
#include <stdint.h>

#include "eval/eval.h"
#include "eval/search.h"

/* The segment holding generation document gdoc, and its number there. */
static inline uint32_t nsi_snap_locate(const nsi_snap *s, uint64_t gdoc, uint32_t *doc)
{
    uint32_t lo = 0, hi = s->nsegs;
    while (hi - lo > 1) {
        uint32_t m = lo + (hi - lo) / 2;
        if (s->base[m] <= gdoc)
            lo = m;
        else
            hi = m;
    }
    *doc = (uint32_t)(gdoc - s->base[lo]);
    return lo;
}

/* The type of field name in s (the first segment that has it), 0 when none
 * has it (schema.c). */
int nsi_snap_field_type(const nsi_snap *s, const char *name, size_t len);

/* The schema of s for nsq_resolve (schema.c); names receives the list of
 * field names shown in messages (freed by the caller). NS_OK, NS_ENOMEM. */
int nsi_snap_schema(const nsi_snap *s, nsq_schema *out, nsi_buf *names);

/* NS_EINVAL with a message when a keyword filter of q (built in code) names
 * a field s does not have as a keyword field. */
int nsi_snap_check_filters(const nsi_snap *s, const nsq_node *q, const nsq_schema *sc, char *err,
                           size_t errlen);

/* ---- order.c */

/* Puts the best m of all->v[0..n) first, in order (the rest after, in no
 * order): by the value of date/number field name, descending when desc,
 * documents without it last, ties by score (higher first) then document
 * number. m >= n sorts everything. NS_OK, NS_ENOMEM, NS_ECORRUPT (message in
 * err). */
int nsi_order_by_field(const nsi_snap *s, nsi_matches *all, size_t m, const char *name, int desc,
                       char *err, size_t errlen);

/* The same by score (higher first), then document number: the order of the
 * heap (topk.h). NS_OK or NS_ENOMEM. */
int nsi_order_by_score(nsi_matches *all, size_t m);

/* ---- facet.c */

/* Counts, for each request, the values of its keyword field over every
 * match in all (generation order), into r's facets. NS_OK, NS_ENOMEM,
 * NS_ECORRUPT (message in err). */
int nsi_facets_count(ns_results *r, const nsi_snap *s, const nsi_matches *all,
                     const ns_facet_request *req, size_t nreq, char *err, size_t errlen);

/* ---- dedup.c */

/* Collapses near-duplicates among cand[0..n), of which the first m are in
 * rank order (the rest in any order): walking the first m, a match is kept
 * unless a kept one is its duplicate (equal exact hash, or SimHashes at most
 * NSI_DEDUP_DISTANCE bits apart: dedup.c), until want are kept; then every
 * remaining candidate, ranked or not, only adds to the count of the kept
 * match it duplicates. Kept matches move to the front in rank order, with
 * dups[i] (n entries) the number collapsed into kept match i; *kept is their
 * number. *more is 1 when fewer than want were kept from the m ranked ones
 * while m < n: rank more and call again. Documents without fingerprints
 * (segments older than version 5) are never duplicates. NS_OK, NS_ENOMEM,
 * NS_ECORRUPT (message in err). */
int nsi_dedup(const nsi_snap *s, nsi_match *cand, size_t n, size_t m, size_t want, uint64_t *dups,
              size_t *kept, int *more, char *err, size_t errlen);

#endif
