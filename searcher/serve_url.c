/* serve_url.c — request targets: query-string parameters and path segments.
 *
 * The server reads the raw request target itself (libmicrohttpd hands it
 * over before unescaping it) so that the rules are ours and strict: a
 * malformed escape, invalid UTF-8, a NUL byte or a repeated key is an error
 * the client hears about, never something silently repaired. Decoding never
 * makes a string longer, so one arena the size of the input holds every
 * decoded key and value. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "serve.h"
#include "utf8.h"

static int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Decodes s[0..len) into out; plus says whether '+' means a space.
 * Returns the decoded length or -1 on a malformed escape. */
static long decode(const char *s, size_t len, int plus, char *out)
{
    size_t o = 0;

    for (size_t i = 0; i < len; i++) {
        if (s[i] == '%') {
            int hi = i + 2 < len ? hex_value(s[i + 1]) : -1;
            int lo = hi >= 0 ? hex_value(s[i + 2]) : -1;

            if (lo < 0)
                return -1;
            out[o++] = (char)(hi << 4 | lo);
            i += 2;
        } else {
            out[o++] = plus && s[i] == '+' ? ' ' : s[i];
        }
    }
    return (long)o;
}

long url_decode_path(const char *s, size_t len, char *out) { return decode(s, len, 0, out); }

/* Byte offset of the first invalid UTF-8 sequence or NUL, or -1. */
static long bad_text_at(const char *s, size_t len)
{
    size_t i = 0;

    while (i < len) {
        int32_t cp;
        size_t n = nsi_utf8_decode((const uint8_t *)s + i, len - i, &cp);

        if (cp <= 0)
            return (long)i;
        i += n;
    }
    return -1;
}

/* Decodes one "key=value" (or "key") piece into the arena at *used. */
static int add_param(url_query *q, const char *s, size_t len, size_t *used, char *err,
                     size_t errlen)
{
    const char *eq = memchr(s, '=', len);
    size_t klen = eq != NULL ? (size_t)(eq - s) : len;
    const char *v = eq != NULL ? eq + 1 : s + len;
    size_t vlen = eq != NULL ? len - klen - 1 : 0;
    url_param *p = &q->p[q->n];
    char *k = q->arena + *used;
    long kn = decode(s, klen, 1, k), vn;
    char *val = k + (kn >= 0 ? kn : 0) + 1;

    if (kn < 0 || (vn = decode(v, vlen, 1, val)) < 0) {
        snprintf(err, errlen, "malformed percent-encoding in '%.*s'", klen > 40 ? 40 : (int)klen,
                 s);
        return -1;
    }
    k[kn] = '\0';
    val[vn] = '\0';
    *used += (size_t)kn + (size_t)vn + 2;
    if (bad_text_at(k, (size_t)kn) >= 0) {
        snprintf(err, errlen, "a parameter name is not valid UTF-8 text");
        return -1;
    }
    if (url_get(q, k) != NULL) {
        snprintf(err, errlen, "parameter '%s' given more than once", k);
        return -1;
    }
    if (bad_text_at(val, (size_t)vn) >= 0) {
        snprintf(err, errlen, "parameter '%s' is not valid UTF-8 text (byte %ld)", k,
                 bad_text_at(val, (size_t)vn));
        return -1;
    }
    *p = (url_param){k, val, (size_t)kn, (size_t)vn};
    q->n++;
    return 0;
}

int url_parse_query(const char *s, size_t len, url_query *q, char *err, size_t errlen)
{
    size_t used = 0, start = 0;

    memset(q, 0, sizeof *q);
    /* each piece decodes to at most its own length plus two NULs */
    q->arena = malloc(len + 2 * SERVE_MAX_PARAMS + 2);
    if (q->arena == NULL) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    for (size_t i = 0; i <= len; i++) {
        if (i < len && s[i] != '&')
            continue;
        if (i > start) {
            if (q->n == SERVE_MAX_PARAMS) {
                snprintf(err, errlen, "more than %d parameters", SERVE_MAX_PARAMS);
                return -1;
            }
            if (add_param(q, s + start, i - start, &used, err, errlen) != 0)
                return -1;
        }
        start = i + 1;
    }
    return 0;
}

const url_param *url_get(const url_query *q, const char *key)
{
    for (size_t i = 0; i < q->n; i++)
        if (strcmp(q->p[i].key, key) == 0)
            return &q->p[i];
    return NULL;
}

void url_query_free(url_query *q)
{
    free(q->arena);
    q->arena = NULL;
    q->n = 0;
}
