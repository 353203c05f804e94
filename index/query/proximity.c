/* proximity.c — the proximity rewrite of a query (ns_query_add_proximity).
 *
 * A window boost in the manner of the sequential dependence model (Metzler
 * and Croft, 2005): every two words written next to each other in the query
 * become an extra optional clause, the pair within `window` positions of each
 * other in either order (NEAR), whose score (the pair's BM25F, as for any
 * NEAR) is multiplied by `weight`. Documents where the words of the query
 * stand close together thus rank higher, while nothing that matched before
 * stops matching and nothing new matches. The clauses are ordinary cursors,
 * so pruned and exhaustive evaluation stay exactly equal (the oracle test),
 * and --explain shows them as "proximity" parts. */
#include <stdlib.h>
#include <string.h>

#include "query/query.h"

#define MAX_PAIRS 32

static int plain_term(const nsq_node *n) { return n->kind == NSQ_TERM && n->role == 0; }

/* The query's words in order: the terms among the kids of the top AND, OR
 * or MAYBE (and of a MAYBE's required AND). */
static size_t words(nsq_node *root, nsq_node **w, size_t cap)
{
    size_t n = 0;
    if (root->kind == NSQ_TERM) {
        w[n++] = root;
        return n;
    }
    if (root->kind != NSQ_AND && root->kind != NSQ_OR && root->kind != NSQ_MAYBE)
        return 0;
    for (size_t i = 0; i < root->nkids && n < cap; i++) {
        nsq_node *k = root->kids[i];
        if (plain_term(k))
            w[n++] = k;
        else if (root->kind == NSQ_MAYBE && i == 0 && k->kind == NSQ_AND)
            for (size_t j = 0; j < k->nkids && n < cap; j++)
                if (plain_term(k->kids[j]))
                    w[n++] = k->kids[j];
    }
    return n;
}

static nsq_node *pair(const nsq_node *a, const nsq_node *b, double weight, unsigned window)
{
    nsq_node *p = nsq_new(NSQ_NEAR, a->offset);
    if (!p)
        return NULL;
    p->dist = window;
    p->field = a->field;
    p->weight = weight;
    p->role = NSQ_ROLE_PROXIMITY;
    if (nsq_add_kid(p, nsq_new_term(NSQ_TERM, a->term, a->term_len, a->offset)) ||
        nsq_add_kid(p, nsq_new_term(NSQ_TERM, b->term, b->term_len, b->offset)) || p->nkids != 2) {
        nsq_free(p);
        return NULL;
    }
    p->kids[0]->field = p->kids[1]->field = a->field;
    return p;
}

int nsi_query_proximity(nsq_node **root, double weight, unsigned window)
{
    nsq_node *w[MAX_PAIRS + 1];
    if (!*root || weight == 0)
        return NS_OK;
    size_t n = words(*root, w, MAX_PAIRS + 1);
    nsq_node *extra = nsq_new(NSQ_OR, 0);
    if (!extra)
        return NS_ENOMEM;
    for (size_t i = 0; i + 1 < n; i++) {
        if (w[i]->field != w[i + 1]->field || (w[i]->term_len == w[i + 1]->term_len &&
                                               !memcmp(w[i]->term, w[i + 1]->term, w[i]->term_len)))
            continue;
        nsq_node *p = pair(w[i], w[i + 1], weight, window);
        if (!p || nsq_add_kid(extra, p)) {
            nsq_free(extra);
            return NS_ENOMEM;
        }
    }
    if (extra->nkids == 0) {
        nsq_free(extra);
        return NS_OK;
    }
    /* an OR or a MAYBE takes the pairs as more optional kids; anything else
     * becomes the required part of a MAYBE */
    nsq_node *top = *root;
    if (top->kind != NSQ_OR && top->kind != NSQ_MAYBE) {
        if (!(top = nsq_new(NSQ_MAYBE, (*root)->offset))) {
            nsq_free(extra);
            return NS_ENOMEM;
        }
        if (nsq_add_kid(top, *root)) { /* which freed the root */
            *root = NULL;
            nsq_free(top);
            nsq_free(extra);
            return NS_ENOMEM;
        }
        *root = top;
    }
    int rc = NS_OK;
    for (size_t i = 0; i < extra->nkids; i++) {
        if (!rc)
            rc = nsq_add_kid(top, extra->kids[i]);
        else
            nsq_free(extra->kids[i]);
    }
    extra->nkids = 0;
    nsq_free(extra);
    return rc;
}
