/* test_codec.c — varints and packed128 (docs/format.md). */
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "format/codec.h"
#include "nsearch.h"
#include "nstest.h"

static uint64_t rng_state = 0x9e3779b97f4a7c15u;

static uint64_t rnd(void)
{
    /* xorshift64*: deterministic, so failures reproduce */
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 0x2545f4914f6cdd1du;
}

/* Bit-by-bit reference for the packed128 layout: value i at bit i*w. */
static uint32_t ref_get(const uint8_t *data, unsigned w, unsigned i)
{
    uint32_t v = 0;
    for (unsigned b = 0; b < w; b++) {
        unsigned bit = i * w + b;
        v |= (uint32_t)((data[bit >> 3] >> (bit & 7)) & 1) << b;
    }
    return v;
}

/* Returns a heap copy of n bytes ending exactly at the end of the allocation,
 * so ASan flags any read past the end. */
static uint8_t *tight_copy(const uint8_t *src, size_t n)
{
    uint8_t *p = malloc(n ? n : 1);
    if (n)
        memcpy(p, src, n);
    return p;
}

/* ---------------------------------------------------------------- varints */

static void test_varint_each_length(void)
{
    uint8_t buf[16];
    for (unsigned len = 1; len <= 10; len++) {
        /* smallest and largest values of this encoded length */
        uint64_t lo = len == 1 ? 0 : (uint64_t)1 << (7 * (len - 1));
        uint64_t hi = len == 10 ? UINT64_MAX : ((uint64_t)1 << (7 * len)) - 1;
        uint64_t vals[3] = {lo, hi, lo + rnd() % (hi - lo + 1)};
        for (unsigned k = 0; k < 3; k++) {
            size_t n = nsi_varint_put(buf, vals[k]);
            CHECK_EQ_INT(n, len);
            uint8_t *tight = tight_copy(buf, n);
            const uint8_t *p = tight;
            uint64_t v = 0;
            CHECK_EQ_INT(nsi_varint_get(&p, tight + n, &v), NS_OK);
            CHECK(v == vals[k]);
            CHECK(p == tight + n);
            /* with bytes after it (the reader's 8-byte path), which must not
             * leak into the value */
            uint8_t roomy[24];
            memset(roomy, 0xff, sizeof roomy);
            memcpy(roomy, buf, n);
            p = roomy;
            CHECK_EQ_INT(nsi_varint_get(&p, roomy + sizeof roomy, &v), NS_OK);
            CHECK(v == vals[k] && p == roomy + n);
            memset(roomy + n, 0x00, sizeof roomy - n);
            p = roomy;
            CHECK_EQ_INT(nsi_varint_get(&p, roomy + sizeof roomy, &v), NS_OK);
            CHECK(v == vals[k] && p == roomy + n);
            /* every truncation fails and leaves p alone */
            for (size_t cut = 0; cut < n; cut++) {
                p = tight;
                CHECK_EQ_INT(nsi_varint_get(&p, tight + cut, &v), NS_ECORRUPT);
                CHECK(p == tight);
            }
            free(tight);
        }
    }
}

static void test_varint_known_bytes(void)
{
    static const struct {
        uint64_t v;
        uint8_t bytes[10];
        size_t n;
    } cases[] = {
        {0, {0x00}, 1},
        {1, {0x01}, 1},
        {127, {0x7f}, 1},
        {128, {0x80, 0x01}, 2},
        {300, {0xac, 0x02}, 2},
        {16383, {0xff, 0x7f}, 2},
        {16384, {0x80, 0x80, 0x01}, 3},
        {UINT32_MAX, {0xff, 0xff, 0xff, 0xff, 0x0f}, 5},
        {(uint64_t)1 << 63, {0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01}, 10},
        {UINT64_MAX, {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01}, 10},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        uint8_t buf[10];
        CHECK_EQ_INT(nsi_varint_put(buf, cases[i].v), cases[i].n);
        CHECK(memcmp(buf, cases[i].bytes, cases[i].n) == 0);
    }
}

static void test_varint_rejects_overflow(void)
{
    uint64_t v;
    uint32_t v32;
    const uint8_t *p;
    /* 10th byte above 1: value needs 65+ bits */
    static const uint8_t over64[10] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02};
    p = over64;
    CHECK_EQ_INT(nsi_varint_get(&p, over64 + 10, &v), NS_ECORRUPT);
    CHECK(p == over64);
    /* 11 bytes: continuation bit on the 10th byte */
    static const uint8_t eleven[11] = {0x80, 0x80, 0x80, 0x80, 0x80, 0x80,
                                       0x80, 0x80, 0x80, 0x81, 0x00};
    p = eleven;
    CHECK_EQ_INT(nsi_varint_get(&p, eleven + 11, &v), NS_ECORRUPT);
    /* overlong but within 10 bytes and 64 bits: accepted by the 64-bit reader */
    static const uint8_t overlong[3] = {0x85, 0x80, 0x00};
    p = overlong;
    CHECK_EQ_INT(nsi_varint_get(&p, overlong + 3, &v), NS_OK);
    CHECK(v == 5 && p == overlong + 3);

    /* 32-bit reader: 2^32 and any 6-byte varint are rejected */
    uint8_t buf[10];
    size_t n = nsi_varint_put(buf, (uint64_t)UINT32_MAX + 1);
    p = buf;
    CHECK_EQ_INT(nsi_varint_get32(&p, buf + n, &v32), NS_ECORRUPT);
    CHECK(p == buf);
    n = nsi_varint_put(buf, UINT64_MAX);
    p = buf;
    CHECK_EQ_INT(nsi_varint_get32(&p, buf + n, &v32), NS_ECORRUPT);
    static const uint8_t six[6] = {0x80, 0x80, 0x80, 0x80, 0x80, 0x00};
    p = six;
    CHECK_EQ_INT(nsi_varint_get32(&p, six + 6, &v32), NS_ECORRUPT);
    /* the same with room after them (the reader's 8-byte path) */
    uint8_t roomy[16] = {0};
    memcpy(roomy, six, 6);
    p = roomy;
    CHECK_EQ_INT(nsi_varint_get32(&p, roomy + sizeof roomy, &v32), NS_ECORRUPT);
    CHECK(p == roomy);
    memset(roomy, 0, sizeof roomy);
    nsi_varint_put(roomy, (uint64_t)UINT32_MAX + 1);
    p = roomy;
    CHECK_EQ_INT(nsi_varint_get32(&p, roomy + sizeof roomy, &v32), NS_ECORRUPT);
    memset(roomy, 0x80, sizeof roomy); /* never ends */
    p = roomy;
    CHECK_EQ_INT(nsi_varint_get32(&p, roomy + sizeof roomy, &v32), NS_ECORRUPT);
    CHECK_EQ_INT(nsi_varint_get(&p, roomy + sizeof roomy, &v), NS_ECORRUPT);
    CHECK(p == roomy);
    /* empty input */
    p = buf;
    CHECK_EQ_INT(nsi_varint_get(&p, buf, &v), NS_ECORRUPT);
    CHECK_EQ_INT(nsi_varint_get32(&p, buf, &v32), NS_ECORRUPT);
}

static void test_varint32_each_length(void)
{
    uint8_t buf[10];
    static const uint32_t vals[] = {0,          1,          127,         128,
                                    16383,      16384,      2097151,     2097152,
                                    268435455u, 268435456u, 0x7fffffffu, UINT32_MAX};
    for (size_t i = 0; i < sizeof vals / sizeof vals[0]; i++) {
        size_t n = nsi_varint_put(buf, vals[i]);
        uint8_t *tight = tight_copy(buf, n);
        const uint8_t *p = tight;
        uint32_t v = 0;
        CHECK_EQ_INT(nsi_varint_get32(&p, tight + n, &v), NS_OK);
        CHECK(v == vals[i] && p == tight + n);
        uint8_t roomy[16];
        memset(roomy, 0xff, sizeof roomy);
        memcpy(roomy, buf, n);
        p = roomy;
        CHECK_EQ_INT(nsi_varint_get32(&p, roomy + sizeof roomy, &v), NS_OK);
        CHECK(v == vals[i] && p == roomy + n);
        for (size_t cut = 0; cut < n; cut++) {
            p = tight;
            CHECK_EQ_INT(nsi_varint_get32(&p, tight + cut, &v), NS_ECORRUPT);
            CHECK(p == tight);
        }
        free(tight);
    }
}

/* A stream of random varints of mixed lengths decodes back in order. */
static void test_varint_stream(void)
{
    enum { N = 20000 };
    uint64_t *vals = malloc(N * sizeof *vals);
    uint8_t *buf = malloc(N * 10);
    size_t len = 0;
    for (size_t i = 0; i < N; i++) {
        vals[i] = rnd() >> (rnd() % 64);
        len += nsi_varint_put(buf + len, vals[i]);
    }
    uint8_t *tight = tight_copy(buf, len);
    const uint8_t *p = tight, *end = tight + len;
    int ok = 1;
    for (size_t i = 0; i < N && ok; i++) {
        uint64_t v;
        ok = nsi_varint_get(&p, end, &v) == NS_OK && v == vals[i];
    }
    CHECK(ok);
    CHECK(p == end);
    free(tight);
    free(buf);
    free(vals);
}

/* --------------------------------------------------------------- packed128 */

static void fill_width(uint32_t *v, unsigned w)
{
    uint32_t max = w == 32 ? UINT32_MAX : (uint32_t)(((uint64_t)1 << w) - 1);
    for (unsigned i = 0; i < NSI_BLOCK; i++)
        v[i] = w ? (uint32_t)rnd() & max : 0;
    if (w)
        v[rnd() % NSI_BLOCK] = max; /* the width is exactly w */
}

static void check_roundtrip(const uint32_t *in, unsigned w)
{
    uint8_t buf[NSI_PACK128_MAX];
    size_t n = nsi_pack128(in, buf);
    CHECK_EQ_INT(n, 1 + 16 * w);
    CHECK_EQ_INT(buf[0], w);
    for (unsigned i = 0; i < NSI_BLOCK; i++)
        if (ref_get(buf + 1, w, i) != in[i]) {
            CHECK(!"pack128 layout differs from the reference");
            break;
        }
    /* Decode both from a tight copy (the slow, padded path) and from a buffer
     * with room after the block (the direct path). */
    uint8_t *tight = tight_copy(buf, n);
    uint8_t roomy[NSI_PACK128_MAX + 64];
    memset(roomy, 0xa5, sizeof roomy);
    memcpy(roomy, buf, n);
    const uint8_t *srcs[2] = {tight, roomy};
    const uint8_t *ends[2] = {tight + n, roomy + sizeof roomy};
    for (int k = 0; k < 2; k++) {
        uint32_t out[NSI_BLOCK];
        memset(out, 0xee, sizeof out);
        const uint8_t *p = srcs[k];
        CHECK_EQ_INT(nsi_unpack128(&p, ends[k], out), NS_OK);
        CHECK(p == srcs[k] + n);
        CHECK(memcmp(out, in, sizeof out) == 0);
    }
    free(tight);
}

static void test_pack_every_width(void)
{
    uint32_t in[NSI_BLOCK];
    for (unsigned w = 0; w <= 32; w++)
        for (int rep = 0; rep < 50; rep++) {
            fill_width(in, w);
            check_roundtrip(in, w);
        }
}

static void test_pack_boundaries(void)
{
    uint32_t in[NSI_BLOCK];
    /* only the last value is non-zero: width from it, everything else zero */
    for (unsigned w = 1; w <= 32; w++) {
        memset(in, 0, sizeof in);
        in[NSI_BLOCK - 1] = (uint32_t)1 << (w - 1);
        check_roundtrip(in, w);
        in[NSI_BLOCK - 1] = 0;
        in[0] = (uint32_t)1 << (w - 1);
        check_roundtrip(in, w);
    }
    /* all values at the maximum of their width */
    for (unsigned w = 1; w <= 32; w++) {
        uint32_t max = w == 32 ? UINT32_MAX : (uint32_t)(((uint64_t)1 << w) - 1);
        for (unsigned i = 0; i < NSI_BLOCK; i++)
            in[i] = max;
        check_roundtrip(in, w);
    }
    /* ascending 0..127: width 7 */
    for (unsigned i = 0; i < NSI_BLOCK; i++)
        in[i] = i;
    check_roundtrip(in, 7);
    memset(in, 0, sizeof in);
    check_roundtrip(in, 0);
}

static void test_unpack_rejects_bad_input(void)
{
    uint32_t in[NSI_BLOCK], out[NSI_BLOCK];
    uint8_t buf[NSI_PACK128_MAX];
    for (unsigned w = 0; w <= 32; w++) {
        fill_width(in, w);
        size_t n = nsi_pack128(in, buf);
        /* every truncation, including empty input, from a tight allocation */
        for (size_t cut = 0; cut < n; cut++) {
            uint8_t *tight = tight_copy(buf, cut);
            const uint8_t *p = tight;
            CHECK_EQ_INT(nsi_unpack128(&p, tight + cut, out), NS_ECORRUPT);
            CHECK(p == tight);
            free(tight);
        }
    }
    for (unsigned w = 33; w <= 255; w++) {
        memset(buf, 0, sizeof buf);
        buf[0] = (uint8_t)w;
        const uint8_t *p = buf;
        CHECK_EQ_INT(nsi_unpack128(&p, buf + sizeof buf, out), NS_ECORRUPT);
        CHECK(p == buf);
    }
}

/* Consecutive blocks of different widths decode back to back. */
static void test_pack_stream(void)
{
    enum { NB = 200 };
    uint32_t(*vals)[NSI_BLOCK] = malloc(NB * sizeof *vals);
    uint8_t *buf = malloc(NB * NSI_PACK128_MAX);
    size_t len = 0;
    for (int b = 0; b < NB; b++) {
        fill_width(vals[b], (unsigned)(rnd() % 33));
        len += nsi_pack128(vals[b], buf + len);
    }
    uint8_t *tight = tight_copy(buf, len);
    const uint8_t *p = tight, *end = tight + len;
    int ok = 1;
    for (int b = 0; b < NB && ok; b++) {
        uint32_t out[NSI_BLOCK];
        ok = nsi_unpack128(&p, end, out) == NS_OK && memcmp(out, vals[b], sizeof out) == 0;
    }
    CHECK(ok);
    CHECK(p == end);
    free(tight);
    free(buf);
    free(vals);
}

/* The portable unpacker is chosen when NSEARCH_NO_SIMD is set before the
 * first decode; run this same program again that way so both paths are
 * tested on a machine with SIMD. */
static void test_portable_path(void)
{
    if (getenv("NSEARCH_NO_SIMD"))
        return; /* this is the re-run */
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0)
        return; /* not Linux: nothing to re-run */
    exe[n] = 0;
    fflush(stdout); /* or the child's copy of buffered output prints twice */
    pid_t pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
        setenv("NSEARCH_NO_SIMD", "1", 1);
        execl(exe, exe, (char *)NULL);
        _exit(127);
    }
    int status = 0;
    CHECK(waitpid(pid, &status, 0) == pid);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

/* Not an assertion, just a figure in the log: integers unpacked per second
 * over a mix of widths that stays in L1. */
static void test_unpack_speed(void)
{
    enum { NB = 64, ROUNDS = 4000 };
    static uint8_t buf[NB * NSI_PACK128_MAX + 64];
    uint32_t in[NSI_BLOCK], out[NSI_BLOCK];
    size_t len = 0;
    for (int b = 0; b < NB; b++) {
        fill_width(in, 4 + (unsigned)(b % 13)); /* widths 4..16, typical gaps */
        len += nsi_pack128(in, buf + len);
    }
    struct timespec t0, t1;
    uint32_t sink = 0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (int r = 0; r < ROUNDS; r++) {
        const uint8_t *p = buf, *end = buf + sizeof buf;
        for (int b = 0; b < NB; b++) {
            nsi_unpack128(&p, end, out);
            sink += out[b];
        }
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) * 1e-9;
    printf("unpack128 (%s): %.2f G ints/s (sink %u)\n",
           getenv("NSEARCH_NO_SIMD") ? "portable" : "default",
           (double)NB * ROUNDS * NSI_BLOCK / s / 1e9, sink);
    CHECK(s > 0);
}

NS_TEST_MAIN(NST(test_varint_each_length), NST(test_varint_known_bytes),
             NST(test_varint_rejects_overflow), NST(test_varint32_each_length),
             NST(test_varint_stream), NST(test_pack_every_width), NST(test_pack_boundaries),
             NST(test_unpack_rejects_bad_input), NST(test_pack_stream), NST(test_unpack_speed),
             NST(test_portable_path))
