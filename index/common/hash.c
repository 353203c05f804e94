/* hash.c — checksums (CRC-32, through zlib) and the FNV-1a-64 hash. */
#include <zlib.h>

#include "common/internal.h"

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
