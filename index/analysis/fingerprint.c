/* fingerprint.c — SimHash over word shingles and the exact body hash
 * (fingerprint.h; measured in docs/fields.md, "Duplicates").
 *
 * SimHash (Charikar 2002, as used for near-duplicate web pages by Manku et
 * al. 2007): every shingle of k consecutive words is hashed to 64 bits; each
 * bit position sums +1 for a shingle whose bit is set and -1 otherwise, and
 * the fingerprint has the bits whose sums are positive. Two texts that share
 * most of their shingles get fingerprints a few bits apart, so collapsing
 * near-duplicates is a popcount per pair of hits, not a comparison of texts. */
#include <stdlib.h>
#include <string.h>

#include "analysis/fingerprint.h"
#include "common/internal.h"

void nsi_fp_reset(nsi_fp *f)
{
    f->n = f->ntitle = 0;
    f->exact = NSI_FNV_SEED;
    /* another seed: a title's hash never equals a body's of the same words */
    f->title = NSI_FNV_SEED ^ 0x5449544C45ull;
    f->oom = 0;
}

void nsi_fp_free(nsi_fp *f)
{
    free(f->tok);
    *f = (nsi_fp){0};
}

void nsi_fp_word(nsi_fp *f, const char *term, size_t len, int body)
{
    uint64_t h = nsi_fnv1a64(term, len, NSI_FNV_SEED);
    static const uint8_t sep = 0;
    if (body)
        f->exact = nsi_fnv1a64(&sep, 1, nsi_fnv1a64(term, len, f->exact));
    else
        f->title = nsi_fnv1a64(&sep, 1, nsi_fnv1a64(term, len, f->title));
    if (f->n == f->cap) {
        size_t cap = f->cap ? f->cap * 2 : 256;
        uint64_t *t = realloc(f->tok, cap * sizeof *t);
        if (!t) {
            f->oom = 1;
            return;
        }
        f->tok = t;
        f->cap = cap;
    }
    f->tok[f->n++] = h;
    if (!body)
        f->ntitle = f->n;
}

/* splitmix64's finaliser: spreads a combination of word hashes over all
 * 64 bits. */
static uint64_t mix(uint64_t x)
{
    x ^= x >> 30;
    x *= 0xBF58476D1CE4E5B9ull;
    x ^= x >> 27;
    x *= 0x94D049BB133111EBull;
    return x ^ (x >> 31);
}

/* spread[b]: bit j of b in byte j, so that adding spread[byte] to a word
 * counts the byte's 8 bits in 8 lanes at once */
#define SP(b)                                                                                      \
    ((uint64_t)((b)&1) | (uint64_t)((b) >> 1 & 1) << 8 | (uint64_t)((b) >> 2 & 1) << 16 |          \
     (uint64_t)((b) >> 3 & 1) << 24 | (uint64_t)((b) >> 4 & 1) << 32 |                             \
     (uint64_t)((b) >> 5 & 1) << 40 | (uint64_t)((b) >> 6 & 1) << 48 |                             \
     (uint64_t)((b) >> 7 & 1) << 56)
#define SP4(b) SP(b), SP((b) + 1), SP((b) + 2), SP((b) + 3)
#define SP16(b) SP4(b), SP4((b) + 4), SP4((b) + 8), SP4((b) + 12)
#define SP64(b) SP16(b), SP16((b) + 16), SP16((b) + 32), SP16((b) + 48)
static const uint64_t spread[256] = {SP64(0), SP64(64), SP64(128), SP64(192)};

int nsi_fp_finish(const nsi_fp *f, unsigned shingle, uint64_t *simhash, uint64_t *exact)
{
    /* the body's words; a body without words: the title's */
    size_t from = f->n > f->ntitle ? f->ntitle : 0, to = f->n > f->ntitle ? f->n : f->ntitle;
    *exact = f->n > f->ntitle ? f->exact : f->title;
    *simhash = 0;
    if (f->oom)
        return NS_ENOMEM;
    if (to == from)
        return NS_OK;
    const uint64_t *tok = f->tok + from;
    size_t n = to - from, k = shingle ? shingle : 1;
    if (k > n)
        k = n;
    /* bit b's vote is positive when more than half the shingles set it:
     * count set bits per position, 8 positions per word in byte lanes,
     * emptied into the totals before a lane can pass 255 */
    uint64_t lanes[8] = {0};
    uint32_t ones[64] = {0};
    size_t nsh = n - k + 1, pending = 0;
    for (size_t i = 0; i < nsh; i++) {
        uint64_t h = 0;
        for (size_t j = 0; j < k; j++)
            h = mix(h ^ tok[i + j] ^ (uint64_t)j);
        for (int b = 0; b < 8; b++)
            lanes[b] += spread[h >> (8 * b) & 255];
        if (++pending == 255 || i + 1 == nsh) {
            for (int b = 0; b < 64; b++)
                ones[b] += (uint32_t)(lanes[b / 8] >> (8 * (b % 8)) & 255);
            memset(lanes, 0, sizeof lanes);
            pending = 0;
        }
    }
    uint64_t r = 0;
    for (int b = 0; b < 64; b++)
        if (2 * (uint64_t)ones[b] > nsh)
            r |= (uint64_t)1 << b;
    *simhash = r;
    return NS_OK;
}
