/* vec.c — a growable array of uint32_t. */
#include <stdlib.h>

#include "common/internal.h"

int nsi_u32vec_push(nsi_u32vec *a, uint32_t x)
{
    if (a->n == a->cap) {
        size_t cap = a->cap ? a->cap * 2 : 16;
        uint32_t *v = realloc(a->v, cap * sizeof *v);
        if (!v)
            return NS_ENOMEM;
        a->v = v;
        a->cap = cap;
    }
    a->v[a->n++] = x;
    return NS_OK;
}

void nsi_u32vec_free(nsi_u32vec *a)
{
    free(a->v);
    a->v = NULL;
    a->n = a->cap = 0;
}
