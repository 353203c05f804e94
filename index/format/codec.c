/* codec.c — LEB128 varints and 128-integer bit-packing.
 * Formats: docs/format.md ("varint" at the top, "packed128" under POSTINGS).
 *
 * nsi_unpack128 is the inner loop of query evaluation, so it is written for
 * speed: one unpacker per bit width (the width is a compile-time constant in
 * each, so every shift and offset is an immediate), no per-value branches,
 * and an AVX2 variant chosen at run time when the CPU has it. Both read a
 * little past the end of the packed data (UNPACK_SLACK bytes); when the input
 * does not have that much room after the block, the block is first copied
 * into a padded stack buffer, so nothing outside [*p, end) is ever read.
 *
 * The varint readers take one-byte values first (the common case), then,
 * with 8 bytes of input left, decode from one 64-bit load without a branch
 * per byte; the byte loop only handles the last bytes of an input and
 * 9-10 byte values.
 *
 * Setting the environment variable NSEARCH_NO_SIMD (to anything) before the
 * first decode forces the portable unpacker; the tests and benchmarks use it
 * to exercise and compare both. */
#include "format/codec.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "nsearch.h"

#if (defined(__x86_64__) || defined(__i386__)) && (defined(__GNUC__) || defined(__clang__))
#define NSI_CODEC_X86 1
#include <immintrin.h>
#else
#define NSI_CODEC_X86 0
#endif

/* Bytes the unpackers may read past the packed data. */
#define UNPACK_SLACK 16

/* ------------------------------------------------------------------ varints */

static inline uint64_t load_u64le(const uint8_t *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    v = __builtin_bswap64(v);
#endif
    return v;
}

/* Decodes a varint of at most 8 bytes from the 8 bytes at p without a branch
 * per byte (lengths vary from value to value, so per-byte branches would be
 * mispredicted). Returns its length, or 0 when it is longer than 8 bytes. */
static inline unsigned varint_get8(const uint8_t *p, uint64_t *v)
{
    uint64_t w = load_u64le(p);
    uint64_t stops = ~w & 0x8080808080808080u; /* high bit clear: last byte */
    if (!stops)
        return 0;
    /* keep the bytes up to the first stop, 7 bits of each, then close the
     * gaps: 7-bit groups -> 14-bit in 16 -> 28-bit in 32 -> 56-bit */
    uint64_t x = w & (stops ^ (stops - 1)) & 0x7f7f7f7f7f7f7f7fu;
    x = (x & 0x007f007f007f007fu) | (x & 0x7f007f007f007f00u) >> 1;
    x = (x & 0x00003fff00003fffu) | (x & 0x3fff00003fff0000u) >> 2;
    x = (x & 0x000000000fffffffu) | (x & 0x0fffffff00000000u) >> 4;
    *v = x;
    return ((unsigned)__builtin_ctzll(stops) >> 3) + 1;
}

int nsi_varint_get(const uint8_t **pp, const uint8_t *end, uint64_t *v)
{
    const uint8_t *p = *pp;
    if (p < end && *p < 0x80) { /* most values fit one byte */
        *v = *p;
        *pp = p + 1;
        return NS_OK;
    }
    if (end - p >= 8) {
        unsigned n = varint_get8(p, v);
        if (n) {
            *pp = p + n;
            return NS_OK;
        }
    }
    uint64_t x = 0;
    for (unsigned i = 0; i < 10; i++) {
        if (p >= end)
            return NS_ECORRUPT;
        uint64_t b = *p++;
        /* The 10th byte holds bit 63 only and must end the varint. */
        if (i == 9 && b > 1)
            return NS_ECORRUPT;
        x |= (b & 0x7f) << (7 * i);
        if (b < 0x80) {
            *v = x;
            *pp = p;
            return NS_OK;
        }
    }
    return NS_ECORRUPT; /* not reached */
}

/* Encodings longer than 5 bytes are rejected even when the value would fit:
 * nsi_varint_put never writes them. */
int nsi_varint_get32(const uint8_t **pp, const uint8_t *end, uint32_t *v)
{
    const uint8_t *p = *pp;
    if (p < end && *p < 0x80) {
        *v = *p;
        *pp = p + 1;
        return NS_OK;
    }
    if (end - p >= 8) {
        uint64_t x;
        unsigned n = varint_get8(p, &x);
        if (n == 0 || n > 5 || x > UINT32_MAX)
            return NS_ECORRUPT;
        *v = (uint32_t)x;
        *pp = p + n;
        return NS_OK;
    }
    uint32_t x = 0;
    for (unsigned i = 0; i < 5; i++) {
        if (p >= end)
            return NS_ECORRUPT;
        uint32_t b = *p++;
        /* The 5th byte holds bits 28..31 only and must end the varint. */
        if (i == 4 && b > 0x0f)
            return NS_ECORRUPT;
        x |= (b & 0x7f) << (7 * i);
        if (b < 0x80) {
            *v = x;
            *pp = p;
            return NS_OK;
        }
    }
    return NS_ECORRUPT; /* not reached */
}

/* ---------------------------------------------------------------- packing */

size_t nsi_pack128(const uint32_t in[NSI_BLOCK], uint8_t *out)
{
    uint32_t all = 0;
    for (unsigned i = 0; i < NSI_BLOCK; i++)
        all |= in[i];
    unsigned w = all ? 32u - (unsigned)__builtin_clz(all) : 0;
    out[0] = (uint8_t)w;
    if (w == 0)
        return 1;
    /* 128*w bits is a whole number of 32-bit words, so the accumulator is
     * empty at the end. */
    uint8_t *o = out + 1;
    uint64_t acc = 0;
    unsigned nbits = 0;
    for (unsigned i = 0; i < NSI_BLOCK; i++) {
        acc |= (uint64_t)in[i] << nbits;
        nbits += w;
        if (nbits >= 32) {
            o[0] = (uint8_t)acc;
            o[1] = (uint8_t)(acc >> 8);
            o[2] = (uint8_t)(acc >> 16);
            o[3] = (uint8_t)(acc >> 24);
            o += 4;
            acc >>= 32;
            nbits -= 32;
        }
    }
    return 1 + 16 * (size_t)w;
}

/* -------------------------------------------------------- portable unpack */

typedef void unpack_fn(const uint8_t *in, uint32_t *out);

/* Eight values of w bits are exactly w bytes, so each group of eight starts
 * on a byte and the offsets inside a group are constants. Value j of a group
 * starts at bit j*w: one unaligned 64-bit load covers it (7 + 32 < 64). */
static inline __attribute__((always_inline)) void unpack_scalar_w(const uint8_t *in, uint32_t *out,
                                                                  const unsigned w)
{
    const uint64_t mask = ((uint64_t)1 << w) - 1;
    for (unsigned g = 0; g < NSI_BLOCK / 8; g++, in += w, out += 8) {
#define NSI_UNPACK_ONE(j) out[j] = (uint32_t)((load_u64le(in + ((j)*w >> 3)) >> ((j)*w & 7)) & mask)
        NSI_UNPACK_ONE(0);
        NSI_UNPACK_ONE(1);
        NSI_UNPACK_ONE(2);
        NSI_UNPACK_ONE(3);
        NSI_UNPACK_ONE(4);
        NSI_UNPACK_ONE(5);
        NSI_UNPACK_ONE(6);
        NSI_UNPACK_ONE(7);
#undef NSI_UNPACK_ONE
    }
}

static void unpack_zero(const uint8_t *in, uint32_t *out)
{
    (void)in;
    memset(out, 0, NSI_BLOCK * sizeof *out);
}

static void unpack_scalar_32(const uint8_t *in, uint32_t *out)
{
    for (unsigned i = 0; i < NSI_BLOCK; i++, in += 4)
        out[i] =
            (uint32_t)in[0] | (uint32_t)in[1] << 8 | (uint32_t)in[2] << 16 | (uint32_t)in[3] << 24;
}

/* one instantiation per width, laid out as a table */
// clang-format off
#define NSI_SCALAR(w) \
    static void unpack_scalar_##w(const uint8_t *in, uint32_t *out) \
    { \
        unpack_scalar_w(in, out, w); \
    }
NSI_SCALAR(1) NSI_SCALAR(2) NSI_SCALAR(3) NSI_SCALAR(4) NSI_SCALAR(5) NSI_SCALAR(6)
NSI_SCALAR(7) NSI_SCALAR(8) NSI_SCALAR(9) NSI_SCALAR(10) NSI_SCALAR(11) NSI_SCALAR(12)
NSI_SCALAR(13) NSI_SCALAR(14) NSI_SCALAR(15) NSI_SCALAR(16) NSI_SCALAR(17) NSI_SCALAR(18)
NSI_SCALAR(19) NSI_SCALAR(20) NSI_SCALAR(21) NSI_SCALAR(22) NSI_SCALAR(23) NSI_SCALAR(24)
NSI_SCALAR(25) NSI_SCALAR(26) NSI_SCALAR(27) NSI_SCALAR(28) NSI_SCALAR(29) NSI_SCALAR(30)
NSI_SCALAR(31)
#undef NSI_SCALAR
    // clang-format on

    static unpack_fn *const unpack_scalar[33] = {
        unpack_zero,      unpack_scalar_1,  unpack_scalar_2,  unpack_scalar_3,  unpack_scalar_4,
        unpack_scalar_5,  unpack_scalar_6,  unpack_scalar_7,  unpack_scalar_8,  unpack_scalar_9,
        unpack_scalar_10, unpack_scalar_11, unpack_scalar_12, unpack_scalar_13, unpack_scalar_14,
        unpack_scalar_15, unpack_scalar_16, unpack_scalar_17, unpack_scalar_18, unpack_scalar_19,
        unpack_scalar_20, unpack_scalar_21, unpack_scalar_22, unpack_scalar_23, unpack_scalar_24,
        unpack_scalar_25, unpack_scalar_26, unpack_scalar_27, unpack_scalar_28, unpack_scalar_29,
        unpack_scalar_30, unpack_scalar_31, unpack_scalar_32,
};

/* ------------------------------------------------------------ AVX2 unpack */

#if NSI_CODEC_X86
/* A group of eight values (w bytes) is loaded as two 16-byte halves: the low
 * half from the group's first byte holds values 0..3, the high half from byte
 * 4w/8 holds values 4..7. In each 32-bit lane, vpshufb gathers the 4 bytes
 * where the value starts (word A); vpsrlvd drops the bits before it. When
 * the value reaches a 5th byte (bit offset + w > 32, only for w >= 26), a
 * second shuffle brings that byte (B) and vpsllvd moves it into place. */

/* Bit offset of value j of a group inside its 16-byte half. */
static inline int half_bit(unsigned w, unsigned j)
{
    return (int)(j * w - (j >= 4 ? 8 * ((4 * w) >> 3) : 0));
}
static inline char shuf_a(unsigned w, unsigned j, unsigned k)
{
    return (char)((half_bit(w, j) >> 3) + (int)k);
}
static inline int needs_b(unsigned w, unsigned j) { return (half_bit(w, j) & 7) + (int)w > 32; }
static inline char shuf_b(unsigned w, unsigned j, unsigned k)
{
    return k == 0 && needs_b(w, j) ? (char)((half_bit(w, j) >> 3) + 4) : (char)0x80;
}

#define NSI_SA(j) shuf_a(w, j, 0), shuf_a(w, j, 1), shuf_a(w, j, 2), shuf_a(w, j, 3)
#define NSI_SB(j) shuf_b(w, j, 0), shuf_b(w, j, 1), shuf_b(w, j, 2), shuf_b(w, j, 3)
#define NSI_SH(j) (half_bit(w, j) & 7)
#define NSI_SHB(j) (32 - (half_bit(w, j) & 7)) /* a count of 32 shifts to 0 */

static inline __attribute__((always_inline, target("avx2"))) void
unpack_avx2_w(const uint8_t *in, uint32_t *out, const unsigned w)
{
    const __m256i sa = _mm256_setr_epi8(NSI_SA(0), NSI_SA(1), NSI_SA(2), NSI_SA(3), NSI_SA(4),
                                        NSI_SA(5), NSI_SA(6), NSI_SA(7));
    const __m256i sb = _mm256_setr_epi8(NSI_SB(0), NSI_SB(1), NSI_SB(2), NSI_SB(3), NSI_SB(4),
                                        NSI_SB(5), NSI_SB(6), NSI_SB(7));
    const __m256i sh = _mm256_setr_epi32(NSI_SH(0), NSI_SH(1), NSI_SH(2), NSI_SH(3), NSI_SH(4),
                                         NSI_SH(5), NSI_SH(6), NSI_SH(7));
    const __m256i shb = _mm256_setr_epi32(NSI_SHB(0), NSI_SHB(1), NSI_SHB(2), NSI_SHB(3),
                                          NSI_SHB(4), NSI_SHB(5), NSI_SHB(6), NSI_SHB(7));
    const __m256i mask = _mm256_set1_epi32((int)(uint32_t)(((uint64_t)1 << w) - 1));
    const int use_b = needs_b(w, 1) || needs_b(w, 2) || needs_b(w, 3) || needs_b(w, 5) ||
                      needs_b(w, 6) || needs_b(w, 7);
    const unsigned hoff = (4 * w) >> 3;
    for (unsigned g = 0; g < NSI_BLOCK / 8; g++, in += w, out += 8) {
        __m128i lo = _mm_loadu_si128((const __m128i *)(const void *)in);
        __m128i hi = _mm_loadu_si128((const __m128i *)(const void *)(in + hoff));
        __m256i x = _mm256_inserti128_si256(_mm256_castsi128_si256(lo), hi, 1);
        __m256i v = _mm256_srlv_epi32(_mm256_shuffle_epi8(x, sa), sh);
        if (use_b)
            v = _mm256_or_si256(v, _mm256_sllv_epi32(_mm256_shuffle_epi8(x, sb), shb));
        v = _mm256_and_si256(v, mask);
        _mm256_storeu_si256((__m256i *)(void *)out, v);
    }
}
#undef NSI_SA
#undef NSI_SB
#undef NSI_SH
#undef NSI_SHB

static void unpack_copy32(const uint8_t *in, uint32_t *out)
{
    memcpy(out, in, NSI_BLOCK * 4); /* x86 is little-endian */
}

#define NSI_AVX2(w)                                                                                \
    __attribute__((target("avx2"))) static void unpack_avx2_##w(const uint8_t *in, uint32_t *out)  \
    {                                                                                              \
        unpack_avx2_w(in, out, w);                                                                 \
    }
// clang-format off
NSI_AVX2(1) NSI_AVX2(2) NSI_AVX2(3) NSI_AVX2(4) NSI_AVX2(5) NSI_AVX2(6) NSI_AVX2(7)
NSI_AVX2(8) NSI_AVX2(9) NSI_AVX2(10) NSI_AVX2(11) NSI_AVX2(12) NSI_AVX2(13) NSI_AVX2(14)
NSI_AVX2(15) NSI_AVX2(16) NSI_AVX2(17) NSI_AVX2(18) NSI_AVX2(19) NSI_AVX2(20) NSI_AVX2(21)
NSI_AVX2(22) NSI_AVX2(23) NSI_AVX2(24) NSI_AVX2(25) NSI_AVX2(26) NSI_AVX2(27) NSI_AVX2(28)
NSI_AVX2(29) NSI_AVX2(30) NSI_AVX2(31)
#undef NSI_AVX2
    // clang-format on

    static unpack_fn *const unpack_avx2[33] = {
        unpack_zero,    unpack_avx2_1,  unpack_avx2_2,  unpack_avx2_3,  unpack_avx2_4,
        unpack_avx2_5,  unpack_avx2_6,  unpack_avx2_7,  unpack_avx2_8,  unpack_avx2_9,
        unpack_avx2_10, unpack_avx2_11, unpack_avx2_12, unpack_avx2_13, unpack_avx2_14,
        unpack_avx2_15, unpack_avx2_16, unpack_avx2_17, unpack_avx2_18, unpack_avx2_19,
        unpack_avx2_20, unpack_avx2_21, unpack_avx2_22, unpack_avx2_23, unpack_avx2_24,
        unpack_avx2_25, unpack_avx2_26, unpack_avx2_27, unpack_avx2_28, unpack_avx2_29,
        unpack_avx2_30, unpack_avx2_31, unpack_copy32,
};
#endif

/* ---------------------------------------------------------------- dispatch */

/* The table is chosen once; racing first calls store the same pointer. */
static _Atomic(unpack_fn *const *) unpack_table;

static unpack_fn *const *choose_unpack_table(void)
{
    unpack_fn *const *t = unpack_scalar;
#if NSI_CODEC_X86
    if (!getenv("NSEARCH_NO_SIMD") && __builtin_cpu_supports("avx2"))
        t = unpack_avx2;
#endif
    atomic_store_explicit(&unpack_table, t, memory_order_relaxed);
    return t;
}

int nsi_unpack128(const uint8_t **p, const uint8_t *end, uint32_t out[NSI_BLOCK])
{
    const uint8_t *in = *p;
    if (in >= end || *in > 32)
        return NS_ECORRUPT;
    const unsigned w = *in++;
    const size_t n = 16 * (size_t)w;
    const size_t avail = (size_t)(end - in);
    if (avail < n)
        return NS_ECORRUPT;
    uint8_t pad[16 * 32 + UNPACK_SLACK];
    const uint8_t *data = in;
    if (avail - n < UNPACK_SLACK) {
        memcpy(pad, in, n);
        memset(pad + n, 0, UNPACK_SLACK);
        data = pad;
    }
    unpack_fn *const *t = atomic_load_explicit(&unpack_table, memory_order_relaxed);
    if (!t)
        t = choose_unpack_table();
    t[w](data, out);
    *p = in + n;
    return NS_OK;
}
