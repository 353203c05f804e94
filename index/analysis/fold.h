/* fold.h — character classes and Unicode folding (internal).
 *
 * The non-ASCII half of the analysis chain (analyzer.c owns the ASCII fast
 * path and the tokenizing rules). Everything here works one code point at a
 * time through utf8proc, because utf8proc_map() rejects a whole string on the
 * first invalid byte while we must treat invalid bytes as separators.
 */
#ifndef NSI_FOLD_H
#define NSI_FOLD_H

#include <stddef.h>
#include <stdint.h>

#include "common/utf8.h" /* nsi_utf8_decode, for the analyzer */
#include "nsearch.h"

/* What a code point means to the tokenizer. */
enum {
    NSI_CC_SEP = 0, /* separates tokens */
    NSI_CC_LETTER,  /* L* */
    NSI_CC_MARK,    /* M* */
    NSI_CC_DIGIT,   /* N* */
    NSI_CC_APOS,    /* U+0027, U+2019 */
    NSI_CC_COMMA,   /* U+002C */
    NSI_CC_PERIOD,  /* U+002E */
    NSI_CC_INVALID, /* an invalid UTF-8 sequence (also a separator) */
    NSI_CC_END      /* end of input */
};

/* Class of a valid non-ASCII code point. */
int nsi_char_class(int32_t cp);

/* Enough room for any token that can still fold to NS_MAX_TERM_BYTES: one
 * composed code point never stands for more than 4 decomposed ones. */
#define NSI_FOLD_MAX_CPS (4 * (NS_MAX_TERM_BYTES + 1))

/* Accumulates a token's code points (decomposed), then composes them to NFC
 * UTF-8 in place. Reset with nsi_fold_reset before each token. */
typedef struct nsi_fold {
    int32_t cp[NSI_FOLD_MAX_CPS + 1]; /* +1: utf8proc_reencode writes a NUL */
    size_t n;
    int overflow;      /* more than NSI_FOLD_MAX_CPS: the token is too long */
    int has_mark;      /* a combining mark was added (needs canonical order) */
    int has_diacritic; /* a mark in U+0300..U+036F was added */
} nsi_fold;

static inline void nsi_fold_reset(nsi_fold *f)
{
    f->n = 0;
    f->overflow = 0;
    f->has_mark = 0;
    f->has_diacritic = 0;
}

/* Appends an ASCII byte, already lowercased. */
static inline void nsi_fold_put_ascii(nsi_fold *f, uint8_t c)
{
    if (f->n < NSI_FOLD_MAX_CPS)
        f->cp[f->n++] = c;
    else
        f->overflow = 1;
}

/* Appends the case-folded compatibility decomposition of cp (NFKD casefold),
 * accents kept. Separators the decomposition may yield (U+FDFA spells
 * a phrase with spaces) are dropped. */
void nsi_fold_put(nsi_fold *f, int32_t cp);

/* Puts the code points in canonical order, composes them (NFC) and encodes
 * UTF-8 into the start of f->cp. Returns the byte length, or -1 when the
 * result would exceed max_bytes (or the fold overflowed). */
long nsi_fold_finish(nsi_fold *f, size_t max_bytes);

/* Removes U+0300..U+036F from the canonical decomposition of in[0..len)
 * (valid UTF-8) and recomposes: "détente" -> "detente", while marks of other
 * scripts stay. The result is UTF-8 at the start of scratch->cp; returns its
 * length, or -1 when it exceeds max_bytes. */
long nsi_strip_diacritics(nsi_fold *scratch, const uint8_t *in, size_t len, size_t max_bytes);

#endif
