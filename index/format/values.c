/* values.c — typed fields in a segment: names, folded keys, field terms, and
 * the reading of VALUES (segment version 5). Format: docs/format.md,
 * "VALUES" and "Field terms"; rules: docs/fields.md. */
#include <stdio.h>
#include <string.h>

#include "analysis/fold.h"
#include "common/internal.h"
#include "common/utf8.h"
#include "format/segment.h"
#include "format/values.h"

static const char *const reserved[] = {"id", "title", "body", "url", "date", "meta"};

int nsi_field_name_check(const char *name, size_t len, int allow_date, char *err, size_t errlen)
{
    int shown = (int)(len > 80 ? 80 : len);
    if (!name || len == 0)
        return nsi_fail(err, errlen, NS_EINVAL, "empty field name");
    if (len > NSI_FIELD_NAME_MAX)
        return nsi_fail(err, errlen, NS_EINVAL, "field name '%.*s...' is longer than %d bytes",
                        shown, name, NSI_FIELD_NAME_MAX);
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)name[i];
        int alpha = (c | 0x20) >= 'a' && (c | 0x20) <= 'z';
        int ok = alpha || (i > 0 && ((c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-'));
        if (!ok)
            return nsi_fail(err, errlen, NS_EINVAL,
                            "field name '%.*s': byte %zu is not allowed (names are a letter, then "
                            "letters, digits, '_', '.' or '-')",
                            shown, name, i);
    }
    for (size_t i = 0; i < sizeof reserved / sizeof reserved[0]; i++)
        if (strlen(reserved[i]) == len && !memcmp(reserved[i], name, len) &&
            !(allow_date && i == 4))
            return nsi_fail(err, errlen, NS_EINVAL,
                            "field name '%.*s' is reserved (id, title, body, url, date, meta)",
                            shown, name);
    return NS_OK;
}

/* Folds the code points gathered in f and appends them to out without
 * Latin diacritics. */
static int fold_flush(nsi_fold *f, nsi_fold *scratch, nsi_buf *out)
{
    if (!f->n)
        return NS_OK;
    int has_diacritic = f->has_diacritic;
    long n = nsi_fold_finish(f, (size_t)NSI_FOLD_MAX_CPS * 4);
    if (n < 0)
        return NS_ETOOBIG;
    const uint8_t *p = (const uint8_t *)f->cp;
    if (has_diacritic) {
        n = nsi_strip_diacritics(scratch, p, (size_t)n, (size_t)NSI_FOLD_MAX_CPS * 4);
        if (n < 0)
            return NS_ETOOBIG;
        p = (const uint8_t *)scratch->cp;
    }
    int rc = nsi_buf_append(out, p, (size_t)n);
    nsi_fold_reset(f);
    return rc;
}

static int is_space(int32_t cp)
{
    return cp == ' ' || cp == '\t' || cp == '\n' || cp == '\r' || cp == '\v' || cp == '\f' ||
           cp == 0xA0 || cp == 0x2028 || cp == 0x2029 || cp == 0x3000 ||
           (cp >= 0x2000 && cp <= 0x200A);
}

int nsi_field_fold(const char *value, size_t len, nsi_buf *out)
{
    static _Thread_local nsi_fold f, scratch;
    nsi_fold_reset(&f);
    const uint8_t *p = (const uint8_t *)value, *e = p + len;
    int space = 0, any = 0, rc = NS_OK;
    while (p < e && !rc) {
        int32_t cp;
        p += nsi_utf8_decode(p, (size_t)(e - p), &cp);
        if (cp != NSI_UTF8_INVALID && is_space(cp)) {
            space = any;
            continue;
        }
        if (cp == NSI_UTF8_INVALID)
            cp = NSI_UTF8_REPLACEMENT;
        /* a starter ends what came before it; an ASCII character always
         * is one, and a long run of other characters is cut before a
         * character of its own (the buffer holds NSI_FOLD_MAX_CPS) */
        if (cp < 0x80 || space || f.n + 8 > NSI_FOLD_MAX_CPS)
            rc = fold_flush(&f, &scratch, out);
        if (!rc && space)
            rc = nsi_buf_putc(out, ' ');
        space = 0;
        any = 1;
        if (rc)
            break;
        if (cp < 0x80)
            nsi_fold_put_ascii(&f, (uint8_t)(cp >= 'A' && cp <= 'Z' ? cp + 32 : cp));
        else
            nsi_fold_put(&f, cp);
    }
    return rc ? rc : fold_flush(&f, &scratch, out);
}

int nsi_field_term(nsi_buf *out, int kind, const char *name, size_t name_len, const char *value,
                   size_t value_len)
{
    if (kind != NSI_TERM_KEYWORD && kind != NSI_TERM_TEXT)
        return NS_EINVAL;
    int rc = nsi_buf_putc(out, (uint8_t)kind);
    if (!rc)
        rc = nsi_buf_append(out, name, name_len);
    if (!rc)
        rc = nsi_buf_putc(out, 0);
    if (rc || kind == NSI_TERM_TEXT)
        return rc ? rc : nsi_buf_append(out, value, value_len);
    size_t start = out->len;
    if ((rc = nsi_field_fold(value, value_len, out)))
        return rc;
    size_t flen = out->len - start;
    if (flen <= NSI_FIELD_TERM_VALUE_MAX)
        return NS_OK;
    uint64_t h = nsi_fnv1a64(out->data + start, flen, NSI_FNV_SEED);
    out->len = start + NSI_FIELD_TERM_VALUE_MAX - 17;
    char hex[18];
    snprintf(hex, sizeof hex, "%016llx", (unsigned long long)h);
    if ((rc = nsi_buf_putc(out, 0xFF)))
        return rc;
    return nsi_buf_append(out, hex, 16);
}

/* ---- reading (segment version 5) */

int nsi_values_nfields(const nsi_seg *s)
{
    (void)s;
    return 0; /* no segment carries VALUES yet */
}

void nsi_values_field(const nsi_seg *s, int col, const char **name, size_t *len, int *type)
{
    (void)s;
    (void)col;
    *name = "";
    *len = 0;
    *type = 0;
}

int nsi_values_col(const nsi_seg *s, const char *name, size_t len)
{
    (void)s;
    (void)name;
    (void)len;
    return -1;
}

int nsi_values_type(const nsi_seg *s, int col)
{
    (void)s;
    (void)col;
    return 0;
}

uint32_t nsi_values_kw_count(const nsi_seg *s, int col)
{
    (void)s;
    (void)col;
    return 0;
}

int nsi_values_kw_value(const nsi_seg *s, int col, uint32_t ord, const char **v, size_t *len,
                        const char **folded, size_t *flen, char *err, size_t errlen)
{
    (void)s;
    (void)col;
    (void)ord;
    (void)v;
    (void)len;
    (void)folded;
    (void)flen;
    return nsi_fail(err, errlen, NS_EINVAL, "no such field value");
}

int nsi_values_kw_doc(const nsi_seg *s, int col, uint32_t doc, const uint8_t **ords, uint32_t *n,
                      char *err, size_t errlen)
{
    (void)s;
    (void)col;
    (void)doc;
    (void)ords;
    *n = 0;
    return nsi_fail(err, errlen, NS_EINVAL, "no such field column");
}

int nsi_values_num(const nsi_seg *s, int col, uint32_t doc, int64_t *date, double *num, char *err,
                   size_t errlen)
{
    (void)s;
    (void)col;
    (void)doc;
    (void)date;
    (void)num;
    (void)err;
    (void)errlen;
    return 0;
}

int nsi_values_hashes(const nsi_seg *s, uint32_t doc, uint64_t *simhash, uint64_t *exact, char *err,
                      size_t errlen)
{
    (void)doc;
    (void)simhash;
    (void)exact;
    return nsi_fail(err, errlen, NS_ENOTFOUND, "%s: no duplicate fingerprints (segment version %u)",
                    s->path, s->version);
}
