/* surface.h — a token's surface form: the word as written, case-folded and
 * unstemmed, as the SURFACE section keeps it for spelling suggestions
 * (internal; docs/format.md, SURFACE).
 *
 * A surface form is a token made only of ASCII letters, at least two and at
 * most NS_MAX_TERM_BYTES, lower-cased: what ASCII case folding gives, so it
 * is the token's folded form. Other tokens (digits, apostrophes, acronyms,
 * letters outside ASCII) have none: suggestions are made for words of
 * ASCII letters only. */
#ifndef NSI_SURFACE_H
#define NSI_SURFACE_H

#include <stddef.h>

#include "nsearch.h"

#define NSI_SURFACE_MIN 2

/* The surface form of the token span[0..len) into out (NS_MAX_TERM_BYTES
 * bytes), returning its length, or 0 when the token has none. */
static inline size_t nsi_surface_form(const char *span, size_t len, char *out)
{
    if (len < NSI_SURFACE_MIN || len > NS_MAX_TERM_BYTES)
        return 0;
    for (size_t i = 0; i < len; i++) {
        char c = span[i];
        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        else if (c < 'a' || c > 'z')
            return 0;
        out[i] = c;
    }
    return len;
}

#endif
