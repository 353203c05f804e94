/* topk.c — the top-k heap (topk.h). */
#include <stdlib.h>

#include "eval/topk.h"

static void sift_down(nsi_topk *h, size_t i)
{
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < h->n && nsi_topk_worse(&h->e[l], &h->e[m]))
            m = l;
        if (r < h->n && nsi_topk_worse(&h->e[r], &h->e[m]))
            m = r;
        if (m == i)
            return;
        nsi_topk_entry t = h->e[i];
        h->e[i] = h->e[m];
        h->e[m] = t;
        i = m;
    }
}

void nsi_topk_add(nsi_topk *h, nsi_topk_entry x)
{
    if (h->n < h->k) {
        size_t i = h->n++;
        h->e[i] = x;
        while (i > 0 && nsi_topk_worse(&h->e[i], &h->e[(i - 1) / 2])) {
            nsi_topk_entry t = h->e[i];
            h->e[i] = h->e[(i - 1) / 2];
            h->e[(i - 1) / 2] = t;
            i = (i - 1) / 2;
        }
    } else {
        h->e[0] = x;
        sift_down(h, 0);
    }
}

static int cmp_entry_desc(const void *a, const void *b)
{
    const nsi_topk_entry *x = a, *y = b;
    return nsi_topk_worse(x, y) ? 1 : nsi_topk_worse(y, x) ? -1 : 0;
}

void nsi_topk_sort(nsi_topk *h)
{
    if (h->n > 1)
        qsort(h->e, h->n, sizeof *h->e, cmp_entry_desc);
}
