/* topk.h — the k best (score, document) pairs: a binary min-heap whose root
 * is the worst kept entry (internal to eval/).
 *
 * Order: a higher score first; at equal scores the lower document number
 * first. The test against the root is inline (it runs for every match); the
 * heap moves are in topk.c. */
#ifndef NSI_EVAL_TOPK_H
#define NSI_EVAL_TOPK_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>

typedef struct nsi_topk_entry {
    double score;
    uint64_t gdoc; /* document number in the generation */
} nsi_topk_entry;

typedef struct nsi_topk {
    nsi_topk_entry *e; /* k + 1 entries */
    size_t n, k;
} nsi_topk;

/* a is worse than b: lower score, or same score and later document */
static inline int nsi_topk_worse(const nsi_topk_entry *a, const nsi_topk_entry *b)
{
    return a->score < b->score || (a->score == b->score && a->gdoc > b->gdoc);
}

/* Adds x when there is room; the caller has checked that there is (topk.c). */
void nsi_topk_add(nsi_topk *h, nsi_topk_entry x);

/* Offers (score, gdoc): kept when the heap is not full, or when it beats the
 * worst entry (which then goes). */
static inline void nsi_topk_push(nsi_topk *h, double score, uint64_t gdoc)
{
    nsi_topk_entry x = {score, gdoc};
    if (h->n < h->k || (h->k && nsi_topk_worse(&h->e[0], &x)))
        nsi_topk_add(h, x);
}

/* A document must score above this to enter (when the heap is full). */
static inline double nsi_topk_threshold(const nsi_topk *h)
{
    return h->n == h->k && h->k ? h->e[0].score : -INFINITY;
}

/* Sorts the entries best first (the heap is a plain array afterwards). */
void nsi_topk_sort(nsi_topk *h);

#endif
