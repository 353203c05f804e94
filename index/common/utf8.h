/* utf8.h — the one UTF-8 decoder and encoder, and display width (internal;
 * also built into the CLIs through the nsearch_util library).
 *
 * Built on utf8proc. Every part of nsearch that reads UTF-8 it did not write
 * (the analyzer, snippets, the indexer's readers, the CLI's terminal and JSON
 * output) decodes through nsi_utf8_decode, so all of them agree on where an
 * invalid sequence starts and ends.
 *
 * Behaviour on invalid input (one rule, everywhere):
 *   An ill-formed sequence — a continuation byte without a lead, C0, C1 or
 *   F5..FF, an overlong form, a surrogate (U+D800..U+DFFF), a value above
 *   U+10FFFF, or a lead byte whose continuation bytes are missing or wrong —
 *   decodes as *cp = NSI_UTF8_INVALID (-1) and consumes its "maximal
 *   subpart": the lead byte and the continuation bytes that could still have
 *   begun a valid sequence (at least 1 byte, at most 3). This is the Unicode
 *   recommended practice (Unicode 15, section 3.9, "U+FFFD Substitution of
 *   Maximal Subparts"), also followed by the WHATWG encoding standard: each
 *   maximal subpart stands for one U+FFFD. So "\xE2\x82" followed by "A"
 *   is one invalid sequence of 2 bytes, then 'A'; "\xC0\xAF" (overlong) is
 *   two invalid sequences of 1 byte each.
 * A sequence cut short by the end of the input is invalid in the same way;
 * nsi_utf8_lead_len() tells a caller that reads a window of a longer text
 * whether it was merely cut.
 */
#ifndef NSI_UTF8_H
#define NSI_UTF8_H

#include <stddef.h>
#include <stdint.h>

#define NSI_UTF8_INVALID (-1)
#define NSI_UTF8_REPLACEMENT 0xFFFD /* U+FFFD, what an invalid sequence shows as */

/* Decodes the character at s[0..n), n >= 1, and returns the bytes it takes
 * (1 to 4). *cp is the code point, or NSI_UTF8_INVALID for an ill-formed
 * sequence, which then takes its maximal subpart (see above). */
size_t nsi_utf8_decode(const uint8_t *s, size_t n, int32_t *cp);

/* The length a sequence starting with lead byte c must have: 1 for ASCII,
 * 2 to 4 for a valid lead byte, 0 for a byte that cannot start one. */
size_t nsi_utf8_lead_len(uint8_t c);

/* Writes cp as UTF-8 into out (room for 4 bytes) and returns the byte count.
 * A value that is not a Unicode scalar value (negative, a surrogate, above
 * U+10FFFF) is written as U+FFFD. */
size_t nsi_utf8_encode(int32_t cp, uint8_t *out);

/* Terminal columns of a code point, as wcwidth() but from utf8proc's Unicode
 * tables rather than the locale: 2 for East Asian wide and fullwidth
 * characters and most emoji, 0 for combining marks and other non-printing
 * characters (controls, format characters), 1 otherwise. NSI_UTF8_INVALID
 * counts as the U+FFFD it stands for (1). */
unsigned nsi_utf8_cp_width(int32_t cp);

/* Display width of s[0..n): the sum of nsi_utf8_cp_width over its characters,
 * each invalid sequence counting once, as one U+FFFD. */
size_t nsi_utf8_width(const uint8_t *s, size_t n);

#endif
