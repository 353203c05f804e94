/* json_out.h — a small JSON writer for nsearch --json (RFC 8259). */
#ifndef NSEARCH_CLI_JSON_OUT_H
#define NSEARCH_CLI_JSON_OUT_H

#include <stddef.h>
#include <stdio.h>

/* Writes s[0..len) as a JSON string literal, quotes included. Escapes '"',
 * '\\' and control characters (U+0000-U+001F, U+007F); '/' and non-ASCII
 * characters are written as they are. Invalid UTF-8 becomes U+FFFD, one per
 * bad byte, so the output is always valid JSON. */
void json_out_string(FILE *out, const char *s, size_t len);

/* Byte length that s[0..len) has once decoded from the literal written by
 * json_out_string: equal to len unless s holds invalid UTF-8 (each bad byte
 * turns into the 3 bytes of U+FFFD). Maps byte offsets into s to offsets into
 * the string a JSON reader sees. */
size_t json_out_decoded_len(const char *s, size_t len);

/* Writes a number with %.6g, or null when it is not finite (JSON has no
 * NaN or infinity). */
void json_out_double(FILE *out, double v);

#endif
