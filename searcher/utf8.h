/* utf8.h — strict UTF-8 decoding and display width for the nsearch CLI. */
#ifndef NSEARCH_CLI_UTF8_H
#define NSEARCH_CLI_UTF8_H

#include <stddef.h>
#include <stdint.h>

#define UTF8_REPLACEMENT 0xFFFDu

/* Decodes the code point at s[0..len) (len > 0) into *cp and returns how many
 * bytes it takes. An invalid or truncated sequence, an overlong form, a
 * surrogate or a value past U+10FFFF gives U+FFFD and consumes one byte, so a
 * caller always makes progress and resynchronises on the next byte. */
size_t utf8_decode(const char *s, size_t len, uint32_t *cp);

/* Columns a code point takes on a terminal: 0 for combining marks, 2 for
 * East Asian wide and emoji blocks, 1 otherwise. An approximation of
 * wcwidth() that does not depend on the locale. */
unsigned utf8_cp_width(uint32_t cp);

/* Display width of s[0..len), invalid bytes counting as one U+FFFD each. */
size_t utf8_width(const char *s, size_t len);

/* Writes cp as UTF-8 into out (4 bytes room); returns the byte count. */
size_t utf8_encode(uint32_t cp, char *out);

#endif
