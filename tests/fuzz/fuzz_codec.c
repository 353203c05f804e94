/* fuzz_codec — varints and packed blocks (index/codec.c). Input: a mode byte,
 * then bytes that are either decoded as they are (modes 0, 1: never a read
 * past the end, any value re-encodes to itself) or taken as values to round
 * trip (modes 2, 3). */
#include <string.h>

#include "format/codec.h"
#include "fuzz.h"
#include "nsearch.h"

static void varints(const uint8_t *p, const uint8_t *e)
{
    while (p < e) {
        const uint8_t *q = p;
        uint64_t v;
        if (nsi_varint_get(&p, e, &v)) {
            FUZZ_ASSERT(p == q);
            return;
        }
        FUZZ_ASSERT(p > q && p - q <= 10);
        uint8_t buf[10];
        size_t n = nsi_varint_put(buf, v);
        const uint8_t *r = buf;
        uint64_t w;
        FUZZ_ASSERT(n <= (size_t)(p - q) && nsi_varint_get(&r, buf + n, &w) == NS_OK && w == v);
        const uint8_t *s = q;
        uint32_t v32;
        int rc = nsi_varint_get32(&s, e, &v32);
        /* get32 refuses encodings over 5 bytes even of small values */
        if (v > UINT32_MAX || p - q > 5)
            FUZZ_ASSERT(rc != NS_OK);
        else
            FUZZ_ASSERT(rc == NS_OK && v32 == v && s == p);
    }
}

static void blocks(const uint8_t *p, const uint8_t *e)
{
    uint32_t out[NSI_BLOCK], again[NSI_BLOCK];
    uint8_t buf[NSI_PACK128_MAX];
    while (p < e) {
        const uint8_t *q = p;
        if (nsi_unpack128(&p, e, out)) {
            FUZZ_ASSERT(p == q);
            return;
        }
        size_t n = nsi_pack128(out, buf);
        FUZZ_ASSERT(n <= (size_t)(p - q));
        const uint8_t *r = buf;
        FUZZ_ASSERT(nsi_unpack128(&r, buf + n, again) == NS_OK && r == buf + n);
        FUZZ_ASSERT(!memcmp(out, again, sizeof out));
    }
}

static void round_trip(const uint8_t *p, size_t n)
{
    uint32_t in[NSI_BLOCK], out[NSI_BLOCK];
    uint8_t buf[NSI_PACK128_MAX];
    unsigned width = n ? p[0] % 33 : 0;
    for (size_t i = 0; i < NSI_BLOCK; i++) {
        uint32_t v = 0;
        for (size_t k = 0; k < 4; k++)
            v = v << 8 | (n ? p[(4 * i + k + 1) % n] : 0);
        in[i] = width == 32 ? v : v & ((1u << width) - 1);
    }
    size_t len = nsi_pack128(in, buf);
    FUZZ_ASSERT(len >= 1 && len <= NSI_PACK128_MAX && buf[0] <= width);
    const uint8_t *r = buf;
    FUZZ_ASSERT(nsi_unpack128(&r, buf + len, out) == NS_OK && r == buf + len);
    FUZZ_ASSERT(!memcmp(in, out, sizeof in));
    /* a block cut short is refused, never read past */
    if (len > 1) {
        r = buf;
        FUZZ_ASSERT(nsi_unpack128(&r, buf + len - 1, out) != NS_OK);
    }
}

static void varint_trip(const uint8_t *p, size_t n)
{
    uint8_t buf[10 * 64];
    size_t len = 0, k = 0;
    uint64_t vals[64];
    for (; k < 64 && k * 8 + 8 <= n; k++) {
        uint64_t v = 0;
        memcpy(&v, p + 8 * k, 8);
        v >>= p[8 * k] % 64; /* all magnitudes */
        vals[k] = v;
        len += nsi_varint_put(buf + len, v);
    }
    const uint8_t *r = buf;
    for (size_t i = 0; i < k; i++) {
        uint64_t v;
        FUZZ_ASSERT(nsi_varint_get(&r, buf + len, &v) == NS_OK && v == vals[i]);
    }
    FUZZ_ASSERT(r == buf + len);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    const uint8_t *p = data + 1, *e = data + size;
    switch (data[0] % 4) {
    case 0:
        varints(p, e);
        break;
    case 1:
        blocks(p, e);
        break;
    case 2:
        round_trip(p, size - 1);
        break;
    default:
        varint_trip(p, size - 1);
        break;
    }
    return 0;
}
