/* fingerprint.h — a document's duplicate fingerprints (internal): the
 * SimHash of its body's words over shingles, and the exact hash of its body's
 * words. A document whose body has no words (a headline-only brief) is
 * fingerprinted by its title's words instead, so that briefs with different
 * headlines are not all "copies" of one empty body. docs/fields.md,
 * "Duplicates", says how the shingle size and the Hamming distance were
 * chosen (bench/simhash_eval.c); docs/format.md, "VALUES", where they are
 * kept.
 *
 * Both are computed from the analysed terms (folded, stemmed), so they are
 * the same whether a document is indexed or checked again (nindex --check
 * --full), and punctuation, case and white space never tell two texts
 * apart. */
#ifndef NSI_FINGERPRINT_H
#define NSI_FINGERPRINT_H

#include <stddef.h>
#include <stdint.h>

/* Words per shingle, and the largest Hamming distance between two SimHashes
 * that still makes near-duplicates (measured: docs/fields.md). */
#define NSI_SIMHASH_SHINGLE 3
#define NSI_SIMHASH_DISTANCE 4

typedef struct nsi_fp {
    uint64_t *tok; /* one hash per title word, then per body word */
    size_t n, cap;
    size_t ntitle;  /* how many of them are the title's */
    uint64_t exact; /* FNV-1a over the body's words */
    uint64_t title; /* FNV-1a over the title's words */
    int oom;
} nsi_fp;

void nsi_fp_reset(nsi_fp *f);
void nsi_fp_free(nsi_fp *f);
/* The next word of the title (body 0) or body (body 1), in order: every
 * title word before the first body word. */
void nsi_fp_word(nsi_fp *f, const char *term, size_t len, int body);
/* The fingerprints of the words given since the reset, with shingles of
 * `shingle` words (NSI_SIMHASH_SHINGLE; other sizes are for measuring).
 * NS_ENOMEM when a word could not be kept. */
int nsi_fp_finish(const nsi_fp *f, unsigned shingle, uint64_t *simhash, uint64_t *exact);

/* Bits that differ. */
static inline int nsi_hamming64(uint64_t a, uint64_t b) { return __builtin_popcountll(a ^ b); }

#endif
