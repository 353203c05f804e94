/* internal.h — what every library file shares: error messages, checksums,
 * hashing (internal). */
#ifndef NSI_INTERNAL_H
#define NSI_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"
#include "nsearch.h"

#define NSI_ERRMSG 512

/* Formats a message into err (size errlen) and returns status, so a failure
 * can be reported in one line: return nsi_fail(err, n, NS_ECORRUPT, "...", ...). */
int nsi_fail(char *err, size_t errlen, int status, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Maps an errno value to a status (ENOSPC -> NS_ENOSPC, ENOENT -> NS_ENOTFOUND,
 * ENOMEM -> NS_ENOMEM, everything else NS_EIO). */
int nsi_errno_status(int e);

uint32_t nsi_crc32(const void *p, size_t n);
uint32_t nsi_crc32_update(uint32_t crc, const void *p, size_t n);

/* 64-bit FNV-1a. */
uint64_t nsi_fnv1a64(const void *p, size_t n, uint64_t h);
#define NSI_FNV_SEED 0xcbf29ce484222325ULL

/* A growable array of uint32_t. */
typedef struct nsi_u32vec {
    uint32_t *v;
    size_t n, cap;
} nsi_u32vec;
int nsi_u32vec_push(nsi_u32vec *a, uint32_t x);
void nsi_u32vec_free(nsi_u32vec *a);

#endif
