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
    f->n = 0;
    f->exact = NSI_FNV_SEED;
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
    if (body) {
        static const uint8_t sep = 0;
        f->exact = nsi_fnv1a64(&sep, 1, nsi_fnv1a64(term, len, f->exact));
    }
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

int nsi_fp_finish(const nsi_fp *f, unsigned shingle, uint64_t *simhash, uint64_t *exact)
{
    *exact = f->exact;
    *simhash = 0;
    if (f->oom)
        return NS_ENOMEM;
    if (f->n == 0)
        return NS_OK;
    size_t k = shingle ? shingle : 1;
    if (k > f->n)
        k = f->n;
    int32_t v[64] = {0};
    for (size_t i = 0; i + k <= f->n; i++) {
        uint64_t h = 0;
        for (size_t j = 0; j < k; j++)
            h = mix(h ^ f->tok[i + j] ^ (uint64_t)j);
        for (int b = 0; b < 64; b++)
            v[b] += (int32_t)((h >> b & 1) * 2) - 1;
    }
    uint64_t r = 0;
    for (int b = 0; b < 64; b++)
        if (v[b] > 0)
            r |= (uint64_t)1 << b;
    *simhash = r;
    return NS_OK;
}
