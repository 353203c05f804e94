/* charset.c — the encoding of a file's text, and its conversion to UTF-8.
 *
 * Most files are UTF-8 (or ASCII) and pass through untouched after one
 * validating scan. The rest are named by a BOM, by the markup's declaration
 * (which wins over any guess, as in browsers), by UTF-16's NUL bytes, or by
 * uchardet (libuchardet: Mozilla's detector, a small C library in Debian,
 * which names legacy single-byte and CJK encodings from letter statistics),
 * and are converted by glibc's iconv.
 *
 * ISO-8859-1 and US-ASCII are read as WINDOWS-1252, their superset, as the
 * HTML standard does: bytes 0x80-0x9F in such files are curly quotes and
 * dashes, almost never C1 control characters. A byte the encoding cannot
 * decode becomes U+FFFD and is counted (charset.h says when a file with too
 * many is refused). */
#include "charset.h"

#include <errno.h>
#include <iconv.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <uchardet/uchardet.h>

#include "input.h"
#include "nsearch.h"
#include "utf8.h"

/* uchardet reads at most this much; it is sure long before. */
#define DETECT_BYTES (256u << 10)
/* The HTML standard's prescan window for a declared charset. */
#define DECLARED_WINDOW 1024

static int lower(int c) { return c >= 'A' && c <= 'Z' ? c + 32 : c; }

/* Case-insensitive search for word (lower case) in s[from..end). */
static const char *find_word(const char *s, const char *end, const char *word)
{
    size_t n = strlen(word);
    for (; (size_t)(end - s) >= n; s++) {
        size_t i = 0;
        while (i < n && lower((unsigned char)s[i]) == word[i])
            i++;
        if (i == n)
            return s;
    }
    return NULL;
}

static int is_space(int c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f'; }

static int is_label_char(int c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           (c && strchr("-_.:", c));
}

/* After a "charset" or "encoding" key at s: "= value" (value optionally
 * quoted) copied to name. */
static int take_value(const char *s, const char *end, char *name, size_t size)
{
    while (s < end && is_space((unsigned char)*s))
        s++;
    if (s == end || *s != '=')
        return 0;
    s++;
    while (s < end && is_space((unsigned char)*s))
        s++;
    if (s < end && (*s == '"' || *s == '\''))
        s++;
    size_t n = 0;
    while (s < end && n + 1 < size && is_label_char((unsigned char)*s))
        name[n++] = *s++;
    name[n] = '\0';
    return n > 0;
}

int ni_charset_declared(const char *data, size_t len, char *name, size_t size)
{
    const char *end = data + (len < DECLARED_WINDOW ? len : DECLARED_WINDOW);
    if (size == 0)
        return 0;
    name[0] = '\0';
    if (end - data >= 5 && !memcmp(data, "<?xml", 5)) {
        const char *close = find_word(data, end, "?>");
        const char *key = find_word(data, close ? close : end, "encoding");
        if (key && take_value(key + 8, close ? close : end, name, size))
            return 1;
    }
    /* Each <meta ...> tag: its charset= is the declaration, whether an
     * attribute of its own or inside content="text/html; charset=...". */
    for (const char *m = data; (m = find_word(m, end, "<meta")) != NULL; m += 5) {
        const char *close = memchr(m, '>', (size_t)(end - m));
        const char *stop = close ? close : end;
        const char *key = find_word(m + 5, stop, "charset");
        if (key && take_value(key + 7, stop, name, size))
            return 1;
    }
    return 0;
}

/* Whether data is valid UTF-8; *bad counts the bytes of invalid sequences
 * and *wide the valid multi-byte characters. ASCII runs go 8 bytes at a
 * time: plain Latin text is almost all of them. */
static int scan_utf8(const uint8_t *p, size_t len, size_t *bad, size_t *wide)
{
    size_t i = 0;
    *bad = *wide = 0;
    while (i < len) {
        if (len - i >= 8) {
            uint64_t w;
            memcpy(&w, p + i, 8);
            if (!(w & 0x8080808080808080u)) {
                i += 8;
                continue;
            }
        }
        if (p[i] < 0x80) {
            i++;
            continue;
        }
        int32_t cp;
        size_t k = nsi_utf8_decode(p + i, len - i, &cp);
        if (cp < 0)
            *bad += k;
        else
            (*wide)++;
        i += k;
    }
    return *bad == 0;
}

/* The name iconv is given for an encoding label. */
static void canonical(char *name)
{
    static const char *const as_1252[] = {"iso-8859-1", "iso8859-1",  "iso_8859-1", "latin1",
                                          "l1",         "us-ascii",   "ascii",      "cp819",
                                          "ibm819",     "iso-ir-100", NULL};
    for (const char *const *a = as_1252; *a; a++)
        if (!strcasecmp(name, *a)) {
            strcpy(name, "WINDOWS-1252");
            return;
        }
}

static int is_utf8_name(const char *name)
{
    return !strcasecmp(name, "utf-8") || !strcasecmp(name, "utf8");
}

/* Converts data from the encoding in cs->name into out. Each undecodable
 * byte (UTF-16/32: code unit) becomes U+FFFD; a sequence cut by the end of the file counts its
 * bytes. Returns NS_OK, a buffer error, or NS_EINVAL when iconv does not know the encoding. */
static int convert(const char *data, size_t len, ni_charset *cs, nsi_buf *out)
{
    iconv_t cd = iconv_open("UTF-8", cs->name);
    if (cd == (iconv_t)-1)
        return NS_EINVAL;
    /* UTF-16 and UTF-32 go on at the next code unit, not inside one */
    size_t unit = !strncasecmp(cs->name, "UTF-16", 6)   ? 2
                  : !strncasecmp(cs->name, "UTF-32", 6) ? 4
                                                        : 1;
    int st = NS_OK;
    char *in = (char *)data;
    size_t left = len;
    nsi_buf_reset(out);
    while (left > 0) {
        size_t room = left + left / 2 + 16;
        if ((st = nsi_buf_reserve(out, room)) != NS_OK) {
            /* near the limit: ask only for what the limit allows */
            if (st != NS_ETOOBIG || out->limit <= out->len + 4 ||
                (st = nsi_buf_reserve(out, out->limit - out->len)) != NS_OK)
                break;
            room = out->limit - out->len;
        }
        char *o = out->str + out->len;
        size_t avail = room;
        size_t r = iconv(cd, &in, &left, &o, &avail);
        out->len = (size_t)(o - out->str);
        if (r != (size_t)-1)
            break;
        if (errno == E2BIG) {
            if (avail == room) { /* not even one character fits */
                st = NS_ETOOBIG;
                break;
            }
            continue;
        }
        /* EILSEQ: one undecodable unit; EINVAL: a sequence cut at the end */
        size_t skip = errno == EILSEQ ? (unit < left ? unit : left) : left;
        cs->bad += skip;
        in += skip;
        left -= skip;
        if ((st = nsi_buf_puts(out, "\xEF\xBF\xBD")) != NS_OK)
            break;
        iconv(cd, NULL, NULL, NULL, NULL); /* back to the initial state */
    }
    iconv_close(cd);
    if (st == NS_OK)
        st = nsi_buf_terminate(out);
    else if (st != NS_ETOOBIG && st != NS_ENOMEM)
        st = NS_ENOMEM;
    cs->converted = st == NS_OK;
    return st;
}

/* uchardet's name for data, into cs->name; "" when it has none. */
static int detect(const char *data, size_t len, ni_charset *cs)
{
    uchardet_t ud = uchardet_new();
    if (!ud)
        return NS_ENOMEM;
    int rc = uchardet_handle_data(ud, data, len < DETECT_BYTES ? len : DETECT_BYTES);
    uchardet_data_end(ud);
    const char *name = rc == 0 ? uchardet_get_charset(ud) : "";
    snprintf(cs->name, sizeof cs->name, "%s", name ? name : "");
    uchardet_delete(ud);
    return rc == 0 ? NS_OK : NS_ENOMEM;
}

int ni_charset_decode(const char *data, size_t len, int markup, nsi_buf *out, ni_charset *cs)
{
    memset(cs, 0, sizeof *cs);
    strcpy(cs->name, "UTF-8");
    if (len >= 3 && !memcmp(data, "\xEF\xBB\xBF", 3)) {
        size_t wide;
        cs->how = NI_CHARSET_BOM;
        scan_utf8((const uint8_t *)data + 3, len - 3, &cs->bad, &wide);
        return NS_OK;
    }
    size_t bom;
    const char *wide_name = ni_text_wide(data, len, &bom);
    if (wide_name && bom) {
        cs->how = NI_CHARSET_BOM;
        snprintf(cs->name, sizeof cs->name, "%s", wide_name);
        return convert(data + bom, len - bom, cs, out);
    }
    char declared[sizeof cs->name];
    /* A declared UTF-16/32 in text that the prescan could read as ASCII is
     * wrong (the HTML standard reads it as UTF-8), so it is not believed. */
    if (markup && !wide_name && ni_charset_declared(data, len, declared, sizeof declared) &&
        strncasecmp(declared, "utf-16", 6) && strncasecmp(declared, "utf-32", 6)) {
        canonical(declared);
        if (is_utf8_name(declared)) {
            size_t mb;
            cs->how = NI_CHARSET_DECLARED;
            scan_utf8((const uint8_t *)data, len, &cs->bad, &mb);
            return NS_OK;
        }
        ni_charset declared_cs = *cs;
        declared_cs.how = NI_CHARSET_DECLARED;
        strcpy(declared_cs.name, declared);
        int st = convert(data, len, &declared_cs, out);
        if (st != NS_EINVAL) {
            *cs = declared_cs;
            return st;
        }
        /* a name iconv does not know: as if nothing were declared */
    }
    size_t bad, mb;
    if (scan_utf8((const uint8_t *)data, len, &bad, &mb))
        return NS_OK;
    if (wide_name) {
        cs->how = NI_CHARSET_WIDE;
        snprintf(cs->name, sizeof cs->name, "%s", wide_name);
        return convert(data, len, cs, out);
    }
    int st = detect(data, len, cs);
    if (st != NS_OK)
        return st;
    canonical(cs->name);
    /* No opinion, or UTF-8 with some broken sequences: the bytes stay as
     * they are (the analyzer reads each broken sequence as U+FFFD) unless
     * they are mostly not UTF-8 at all, which is then most likely
     * WINDOWS-1252. */
    if (!cs->name[0] || is_utf8_name(cs->name)) {
        if (mb >= bad || is_utf8_name(cs->name)) {
            strcpy(cs->name, "UTF-8");
            cs->bad = bad;
            return NS_OK;
        }
        strcpy(cs->name, "WINDOWS-1252");
    }
    cs->how = NI_CHARSET_DETECTED;
    st = convert(data, len, cs, out);
    if (st == NS_EINVAL) { /* uchardet named what iconv lacks */
        strcpy(cs->name, "WINDOWS-1252");
        cs->bad = 0;
        st = convert(data, len, cs, out);
    }
    return st;
}
