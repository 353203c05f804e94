/* error.c — status table, messages, and small shared utilities. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include <zlib.h>

#include "common/internal.h"

const char *ns_version(void) { return NS_VERSION_STRING; }

const char *ns_strerror(int status)
{
    switch (status) {
    case NS_OK: return "success";
    case NS_ERROR: return "error";
    case NS_ENOMEM: return "out of memory";
    case NS_EINVAL: return "invalid argument";
    case NS_EIO: return "input/output error";
    case NS_ENOSPC: return "no space left on device";
    case NS_ENOTFOUND: return "not found";
    case NS_EEXISTS: return "already exists";
    case NS_ECORRUPT: return "index is corrupt";
    case NS_EVERSION: return "unsupported index format version";
    case NS_ELOCKED: return "index is locked by another writer";
    case NS_ESYNTAX: return "query syntax error";
    case NS_ETOOBIG: return "a limit was exceeded";
    case NS_EUNSUPPORTED: return "not supported";
    default: return "unknown error";
    }
}

int nsi_fail(char *err, size_t errlen, int status, const char *fmt, ...)
{
    if (err && errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return status;
}

int nsi_errno_status(int e)
{
    switch (e) {
    case ENOSPC:
    case EDQUOT: return NS_ENOSPC;
    case ENOENT: return NS_ENOTFOUND;
    case ENOMEM: return NS_ENOMEM;
    default: return NS_EIO;
    }
}

uint32_t nsi_crc32_update(uint32_t crc, const void *p, size_t n)
{
    const uint8_t *b = p;
    /* zlib's crc32 takes a uInt length: feed it in chunks. */
    while (n) {
        uInt chunk = n > (1u << 30) ? (1u << 30) : (uInt)n;
        crc = (uint32_t)crc32(crc, b, chunk);
        b += chunk;
        n -= chunk;
    }
    return crc;
}

uint32_t nsi_crc32(const void *p, size_t n) { return nsi_crc32_update(0, p, n); }

uint64_t nsi_fnv1a64(const void *p, size_t n, uint64_t h)
{
    const uint8_t *b = p;
    for (size_t i = 0; i < n; i++) {
        h ^= b[i];
        h *= 0x100000001b3ULL;
    }
    return h;
}

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
