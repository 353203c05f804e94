/* fold.c — character classes and Unicode folding (UTF-8 decoding is
 * common/utf8.c).
 *
 * Folding a token is split in two halves around the stemmer (analyzer.c):
 *  1. nsi_fold_put + nsi_fold_finish: NFKC case folding with accents kept,
 *     because Snowball stemmers (French, Spanish...) read their accents;
 *  2. nsi_strip_diacritics on the stem: canonical decomposition, drop
 *     U+0300..U+036F, recompose.
 * utf8proc_decompose_char() does not reorder combining marks (only its
 * whole-string siblings do), so canonical ordering is done here before
 * composing; otherwise "a + dot below + acute" and "a + acute + dot below"
 * would fold to different terms.
 */
#include "analysis/fold.h"

#include <utf8proc.h>

int nsi_char_class(int32_t cp)
{
    if (cp == 0x2019)
        return NSI_CC_APOS;
    switch (utf8proc_get_property(cp)->category) {
    case UTF8PROC_CATEGORY_LU:
    case UTF8PROC_CATEGORY_LL:
    case UTF8PROC_CATEGORY_LT:
    case UTF8PROC_CATEGORY_LM:
    case UTF8PROC_CATEGORY_LO:
        return NSI_CC_LETTER;
    case UTF8PROC_CATEGORY_MN:
    case UTF8PROC_CATEGORY_MC:
    case UTF8PROC_CATEGORY_ME:
        return NSI_CC_MARK;
    case UTF8PROC_CATEGORY_ND:
    case UTF8PROC_CATEGORY_NL:
    case UTF8PROC_CATEGORY_NO:
        return NSI_CC_DIGIT;
    default:
        return NSI_CC_SEP;
    }
}

static int is_diacritic(int32_t cp) { return cp >= 0x300 && cp <= 0x36F; }

/* Appends decomposed code points, noting what nsi_fold_finish must do. */
static void fold_append(nsi_fold *f, const int32_t *cps, size_t n, int drop_diacritics)
{
    for (size_t i = 0; i < n; i++) {
        int32_t c = cps[i];
        if (c >= 0x80) {
            const utf8proc_property_t *p = utf8proc_get_property(c);
            if (p->category >= UTF8PROC_CATEGORY_ZS)
                continue; /* Z* and C*: spaces or controls inside a letter */
            if (is_diacritic(c)) {
                if (drop_diacritics)
                    continue;
                f->has_diacritic = 1;
            }
            if (p->combining_class)
                f->has_mark = 1;
        } else if (c == ' ') {
            continue;
        }
        if (f->n == NSI_FOLD_MAX_CPS) {
            f->overflow = 1;
            return;
        }
        f->cp[f->n++] = c;
    }
}

void nsi_fold_put(nsi_fold *f, int32_t cp)
{
    /* U+FDFA, the longest compatibility decomposition, has 18 code points. */
    int32_t tmp[32];
    int bound = 0;
    if (f->overflow)
        return;
    utf8proc_ssize_t n = utf8proc_decompose_char(
        cp, tmp, 32, UTF8PROC_DECOMPOSE | UTF8PROC_COMPAT | UTF8PROC_CASEFOLD, &bound);
    if (n < 0)
        return; /* cannot happen for a valid scalar value: drop it */
    if (n > 32) {
        f->overflow = 1;
        return;
    }
    fold_append(f, tmp, (size_t)n, 0);
}

/* Stable sort of each run of non-starters by combining class (the canonical
 * ordering algorithm), the same bubble pass utf8proc's decompose uses. */
static void canonical_order(int32_t *cp, size_t n)
{
    size_t pos = 0;
    while (pos + 1 < n) {
        int c1 = utf8proc_get_property(cp[pos])->combining_class;
        int c2 = utf8proc_get_property(cp[pos + 1])->combining_class;
        if (c2 > 0 && c1 > c2) {
            int32_t t = cp[pos];
            cp[pos] = cp[pos + 1];
            cp[pos + 1] = t;
            if (pos > 0)
                pos--;
        } else {
            pos++;
        }
    }
}

long nsi_fold_finish(nsi_fold *f, size_t max_bytes)
{
    if (f->overflow)
        return -1;
    if (f->has_mark)
        canonical_order(f->cp, f->n);
    utf8proc_ssize_t len =
        utf8proc_reencode(f->cp, (utf8proc_ssize_t)f->n, UTF8PROC_COMPOSE | UTF8PROC_STABLE);
    if (len < 0 || (size_t)len > max_bytes)
        return -1;
    return (long)len;
}

long nsi_strip_diacritics(nsi_fold *scratch, const uint8_t *in, size_t len, size_t max_bytes)
{
    nsi_fold_reset(scratch);
    size_t i = 0;
    while (i < len && !scratch->overflow) {
        int32_t cp, tmp[8];
        int bound = 0;
        i += nsi_utf8_decode(in + i, len - i, &cp);
        if (cp < 0)
            continue;
        if (cp < 0x80) {
            nsi_fold_put_ascii(scratch, (uint8_t)cp);
            continue;
        }
        /* Canonical decompositions have at most 4 code points. */
        utf8proc_ssize_t n = utf8proc_decompose_char(cp, tmp, 8, UTF8PROC_DECOMPOSE, &bound);
        if (n < 0 || n > 8)
            return -1;
        fold_append(scratch, tmp, (size_t)n, 1);
    }
    return nsi_fold_finish(scratch, max_bytes);
}
