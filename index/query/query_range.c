/* query_range.c — the operand of a date or number field in a query:
 * `1987-03-01..1987-03-31`, `>=2023-11-01`, `<1987-04`, `5..10`, `1987`
 * (docs/query-language.md, "Typed fields").
 *
 * A date end names a period: YYYY a year, YYYY-MM a month, YYYY-MM-DD a day,
 * a full timestamp (YYYY-MM-DDTHH:MM[:SS[.frac]][Z|+HH:MM|-HH:MM]) one
 * second. A lower end starts at the start of its period and an upper end
 * stops at its end, so `1987-03..1987-03` is the whole of March 1987; `>X`
 * starts after X's period and `<X` stops before it. Once parsed both ends of
 * a date range are inclusive seconds. Numbers are plain decimals (strtod,
 * finite) and keep their inclusive or exclusive ends. A bare value is the
 * range of its own period (a date) or the value itself (a number).
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "query/query.h"

/* Days from 1970-01-01 to y-m-d (proleptic Gregorian). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (int64_t)yoe + era * 400 + (*m <= 2);
}

static unsigned month_days(int64_t y, unsigned m)
{
    static const unsigned dm[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m == 2 && leap ? 29 : dm[m - 1];
}

int nsq_date_iso(int64_t secs, char out[21])
{
    int64_t days = secs >= 0 ? secs / 86400 : -((-secs + 86399) / 86400);
    int64_t rem = secs - days * 86400, y;
    unsigned m, d;
    civil_from_days(days, &y, &m, &d);
    if (y < 0 || y > 9999)
        return NS_EINVAL;
    char buf[64]; /* the compiler cannot see the fields' ranges */
    snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02u:%02u:%02uZ", (int)y, m, d,
             (unsigned)(rem / 3600), (unsigned)(rem / 60 % 60), (unsigned)(rem % 60));
    memcpy(out, buf, 21);
    return NS_OK;
}

/* Reads exactly n digits at s[*i]. */
static int digits(const char *s, size_t len, size_t *i, unsigned n, unsigned *v)
{
    *v = 0;
    for (unsigned k = 0; k < n; k++, ++*i) {
        if (*i >= len || s[*i] < '0' || s[*i] > '9')
            return 0;
        *v = *v * 10 + (unsigned)(s[*i] - '0');
    }
    return 1;
}

/* One date end: its period [*first, *last] in seconds. 0 if not a date. */
static int parse_date(const char *s, size_t len, int64_t *first, int64_t *last)
{
    size_t i = 0;
    unsigned y, m = 1, d = 1, hh = 0, mi = 0, ss = 0;
    int64_t span; /* seconds in the period, minus one */
    if (!digits(s, len, &i, 4, &y))
        return 0;
    if (i == len) {
        span = (int64_t)(365 + (month_days(y, 2) == 29)) * 86400 - 1;
        goto done;
    }
    if (s[i++] != '-' || !digits(s, len, &i, 2, &m) || m < 1 || m > 12)
        return 0;
    if (i == len) {
        span = (int64_t)month_days(y, m) * 86400 - 1;
        goto done;
    }
    if (s[i++] != '-' || !digits(s, len, &i, 2, &d) || d < 1 || d > month_days(y, m))
        return 0;
    if (i == len) {
        span = 86400 - 1;
        goto done;
    }
    if ((s[i] != 'T' && s[i] != 't' && s[i] != ' ') || (++i, !digits(s, len, &i, 2, &hh)) ||
        hh > 23 || i >= len || s[i++] != ':' || !digits(s, len, &i, 2, &mi) || mi > 59)
        return 0;
    if (i < len && s[i] == ':') {
        i++;
        if (!digits(s, len, &i, 2, &ss) || ss > 60)
            return 0;
        if (ss == 60)
            ss = 59; /* a leap second is the second before it */
        if (i < len && (s[i] == '.' || s[i] == ',')) {
            size_t f = ++i;
            while (i < len && s[i] >= '0' && s[i] <= '9')
                i++;
            if (i == f)
                return 0;
        }
    }
    int64_t tz = 0;
    if (i < len && (s[i] == 'Z' || s[i] == 'z')) {
        i++;
    } else if (i < len && (s[i] == '+' || s[i] == '-')) {
        int neg = s[i++] == '-';
        unsigned th, tm = 0;
        if (!digits(s, len, &i, 2, &th) || th > 23)
            return 0;
        if (i < len && s[i] == ':')
            i++;
        if (i < len && !digits(s, len, &i, 2, &tm))
            return 0;
        if (tm > 59)
            return 0;
        tz = (neg ? -1 : 1) * (int64_t)(th * 3600 + tm * 60);
    }
    if (i != len)
        return 0;
    *first = days_from_civil(y, m, d) * 86400 + hh * 3600 + mi * 60 + ss - tz;
    *last = *first;
    return 1;
done:
    *first = days_from_civil(y, m, d) * 86400;
    *last = *first + span;
    return 1;
}

static int parse_number(const char *s, size_t len, double *v)
{
    char buf[64];
    if (len == 0 || len >= sizeof buf)
        return 0;
    memcpy(buf, s, len);
    buf[len] = '\0';
    char *end;
    errno = 0;
    *v = strtod(buf, &end);
    return end == buf + len && isfinite(*v) && errno != ERANGE && buf[0] != ' ';
}

enum { END_LO, END_HI };

static int bad(const char *text, size_t len, int type, size_t off, char *err, size_t errlen,
               size_t *err_off)
{
    if (err && errlen)
        snprintf(err, errlen, "bad %s '%.*s' at %zu (%s)",
                 type == NS_FIELD_DATE ? "date range" : "number range",
                 (int)(len > 200 ? 200 : len), text, off,
                 type == NS_FIELD_DATE ? "each end YYYY, YYYY-MM, YYYY-MM-DD or a timestamp; "
                                         "A..B, >=A, >A, <=B, <B"
                                       : "each end a decimal number; A..B, >=A, >A, <=B, <B");
    if (err_off)
        *err_off = off;
    return NS_ESYNTAX;
}

/* Sets one end of r from text (non-empty). which: END_LO or END_HI; incl:
 * the end includes its value. */
static int set_end(nsq_range *r, const char *s, size_t len, int which, int incl)
{
    if (r->type == NS_FIELD_DATE) {
        int64_t first, last;
        if (!parse_date(s, len, &first, &last))
            return 0;
        if (which == END_LO) {
            r->has_lo = 1;
            r->lo_incl = 1;
            r->lo_i = incl ? first : last + 1;
        } else {
            r->has_hi = 1;
            r->hi_incl = 1;
            r->hi_i = incl ? last : first - 1;
        }
        return 1;
    }
    double v;
    if (!parse_number(s, len, &v))
        return 0;
    if (which == END_LO) {
        r->has_lo = 1;
        r->lo_incl = incl;
        r->lo_d = v;
    } else {
        r->has_hi = 1;
        r->hi_incl = incl;
        r->hi_d = v;
    }
    return 1;
}

int nsq_range_parse(const char *text, size_t len, int type, size_t off, nsq_range *out, char *err,
                    size_t errlen, size_t *err_off)
{
    memset(out, 0, sizeof *out);
    out->type = type;
    if (type != NS_FIELD_DATE && type != NS_FIELD_NUMBER)
        return NS_EINVAL;
    const char *s = text;
    int ok = 1;
    if (len >= 1 && (s[0] == '>' || s[0] == '<')) {
        int eq = len >= 2 && s[1] == '=';
        size_t skip = 1 + (size_t)eq;
        ok = len > skip && set_end(out, s + skip, len - skip, s[0] == '>' ? END_LO : END_HI, eq);
    } else {
        const char *dots = NULL;
        for (size_t i = 0; i + 1 < len && !dots; i++)
            if (s[i] == '.' && s[i + 1] == '.')
                dots = s + i;
        if (dots) {
            size_t a = (size_t)(dots - s), b0 = a + 2;
            if (a == 0 && b0 == len)
                ok = 0; /* ".." alone */
            if (ok && a > 0)
                ok = set_end(out, s, a, END_LO, 1);
            if (ok && b0 < len)
                ok = set_end(out, s + b0, len - b0, END_HI, 1);
        } else {
            ok = len > 0 && set_end(out, s, len, END_LO, 1) && set_end(out, s, len, END_HI, 1);
        }
    }
    if (ok && out->has_lo && out->has_hi) {
        if (type == NS_FIELD_DATE)
            ok = out->lo_i <= out->hi_i;
        else
            ok = out->lo_d < out->hi_d || (out->lo_d == out->hi_d && out->lo_incl && out->hi_incl);
    }
    if (!ok)
        return bad(text, len, type, off, err, errlen, err_off);
    return NS_OK;
}

static int format_end(const nsq_range *r, int which, nsi_buf *b)
{
    char buf[64];
    if (which == END_LO ? !r->has_lo : !r->has_hi)
        return nsi_buf_putc(b, '*');
    if (r->type == NS_FIELD_DATE) {
        int64_t v = which == END_LO ? r->lo_i : r->hi_i;
        if (nsq_date_iso(v, buf) != NS_OK)
            snprintf(buf, sizeof buf, "%lld", (long long)v);
    } else {
        snprintf(buf, sizeof buf, "%.17g", which == END_LO ? r->lo_d : r->hi_d);
    }
    return nsi_buf_append(b, buf, strlen(buf));
}

int nsq_range_format(const nsq_range *r, nsi_buf *b)
{
    int rc = nsi_buf_putc(b, r->has_lo && !r->lo_incl ? '{' : '[');
    if (!rc)
        rc = format_end(r, END_LO, b);
    if (!rc)
        rc = nsi_buf_append(b, "..", 2);
    if (!rc)
        rc = format_end(r, END_HI, b);
    return rc ? rc : nsi_buf_putc(b, r->has_hi && !r->hi_incl ? '}' : ']');
}
