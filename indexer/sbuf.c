/* sbuf.c — growable byte buffer with a cap (see sbuf.h). */
#include "sbuf.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "nsearch.h"

#define NI_BUF_DEFAULT_LIMIT ((size_t)1 << 30)

int ni_buf_reserve(ni_buf *b, size_t extra)
{
    size_t limit = b->limit ? b->limit : NI_BUF_DEFAULT_LIMIT;
    if (extra > limit || b->len > limit - extra)
        return NS_ETOOBIG;
    size_t need = b->len + extra + 1; /* room for the NUL */
    if (need <= b->cap)
        return NS_OK;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < need)
        cap = cap > SIZE_MAX / 2 ? need : cap * 2;
    char *p = realloc(b->data, cap);
    if (!p)
        return NS_ENOMEM;
    b->data = p;
    b->cap = cap;
    return NS_OK;
}

int ni_buf_append(ni_buf *b, const void *p, size_t n)
{
    int st = ni_buf_reserve(b, n);
    if (st != NS_OK)
        return st;
    if (n)
        memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
    return NS_OK;
}

int ni_buf_puts(ni_buf *b, const char *s) { return ni_buf_append(b, s, strlen(s)); }

int ni_buf_putc(ni_buf *b, char c) { return ni_buf_append(b, &c, 1); }

void ni_buf_reset(ni_buf *b)
{
    b->len = 0;
    if (b->data)
        b->data[0] = '\0';
}

void ni_buf_free(ni_buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}
