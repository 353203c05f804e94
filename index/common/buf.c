/* buf.c — growable byte buffer with a hard cap. */
#include "common/buf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "format/codec.h"
#include "nsearch.h"

#define NSI_BUF_DEFAULT_LIMIT ((size_t)1 << 30)

int nsi_buf_reserve(nsi_buf *b, size_t extra)
{
    size_t limit = b->limit ? b->limit : NSI_BUF_DEFAULT_LIMIT;
    if (extra > limit || b->len > limit - extra)
        return NS_ETOOBIG;
    size_t need = b->len + extra;
    if (need <= b->cap)
        return NS_OK;
    size_t cap = b->cap ? b->cap : 64;
    if (cap > limit)
        cap = limit; /* never more room than the limit allows */
    while (cap < need)
        cap = cap > limit / 2 ? limit : cap * 2;
    uint8_t *p = realloc(b->data, cap + 1); /* +1: room for nsi_buf_terminate */
    if (!p)
        return NS_ENOMEM;
    b->data = p;
    b->cap = cap;
    return NS_OK;
}

int nsi_buf_append(nsi_buf *b, const void *p, size_t n)
{
    if (n == 0)
        return NS_OK;
    int rc = nsi_buf_reserve(b, n);
    if (rc)
        return rc;
    memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = 0; /* cap + 1 bytes are always allocated */
    return NS_OK;
}

int nsi_buf_putc(nsi_buf *b, uint8_t c)
{
    if (b->len < b->cap && (!b->limit || b->len < b->limit)) {
        b->data[b->len++] = c;
        b->data[b->len] = 0;
        return NS_OK;
    }
    return nsi_buf_append(b, &c, 1);
}

int nsi_buf_puts(nsi_buf *b, const char *s) { return nsi_buf_append(b, s, strlen(s)); }

int nsi_buf_put_varint(nsi_buf *b, uint64_t v)
{
    int rc = nsi_buf_reserve(b, 10);
    if (rc)
        return rc;
    b->len += nsi_varint_put(b->data + b->len, v);
    b->data[b->len] = 0;
    return NS_OK;
}

int nsi_buf_put_gaps(nsi_buf *b, const uint32_t *v, uint32_t n)
{
    uint32_t prev = 0;
    for (uint32_t i = 0; i < n; i++) {
        int rc = nsi_buf_put_varint(b, v[i] - prev);
        if (rc)
            return rc;
        prev = v[i];
    }
    return NS_OK;
}

int nsi_buf_put_u32le(nsi_buf *b, uint32_t v)
{
    uint8_t t[4];
    nsi_put_u32le(t, v);
    return nsi_buf_append(b, t, 4);
}

int nsi_buf_put_u64le(nsi_buf *b, uint64_t v)
{
    uint8_t t[8];
    nsi_put_u64le(t, v);
    return nsi_buf_append(b, t, 8);
}

int nsi_buf_printf(nsi_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return NS_EINVAL;
    int rc = nsi_buf_reserve(b, (size_t)n + 1);
    if (rc)
        return rc;
    va_start(ap, fmt);
    vsnprintf((char *)b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
    return NS_OK;
}

int nsi_buf_terminate(nsi_buf *b)
{
    if (!b->data) {
        int rc = nsi_buf_reserve(b, 1);
        if (rc)
            return rc;
    }
    b->data[b->len] = 0; /* cap + 1 bytes are always allocated */
    return NS_OK;
}

void nsi_buf_reset(nsi_buf *b)
{
    b->len = 0;
    if (b->data)
        b->data[0] = 0;
}

void nsi_buf_free(nsi_buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

uint8_t *nsi_buf_steal(nsi_buf *b, size_t *len)
{
    uint8_t *p = b->data;
    if (len)
        *len = b->len;
    b->data = NULL;
    b->len = b->cap = 0;
    return p;
}
