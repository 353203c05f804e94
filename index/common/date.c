/* date.c — dates as text to seconds since the epoch and back (date.h).
 *
 * Which forms (docs/fields.md, "Dates", is the list users read):
 *   ISO 8601 / RFC 3339   YYYY, YYYY-MM, YYYY-MM-DD, then optionally T (or t,
 *                         or one space) HH:MM[:SS[.fraction]] and a zone: Z,
 *                         ±HH, ±HHMM, ±HH:MM, UTC or GMT (one space may come
 *                         before the zone);
 *   RFC 2822 (e-mail)     [Weekday,] D Month YYYY [HH:MM[:SS] [zone]
 *                         [(comment)]], zone ±HHMM, ±HH:MM, UT, UTC, GMT, Z,
 *                         EST EDT CST CDT MST MDT PST PDT; months and weekdays
 *                         by their English names or three-letter
 *                         abbreviations, any case; the obsolete two- and
 *                         three-digit years (49 → 2049, 50 → 1950, 103 → 2003);
 *   archive               D-MON-YYYY [HH:MM[:SS[.fraction]]] as in
 *                         Reuters-21578 ("26-FEB-1987 15:01:01.79",
 *                         " 5-APR-1987 01:53:30.37"), followed by nothing or by
 *                         that collection's desk codes: words of one to three
 *                         capital letters, the first one glued to the time or
 *                         not ("27-MAR-1987 00:02:59.13RM", "... 03:48:23.00F RM").
 * A time without a zone is UTC. Fractions of a second are dropped (the
 * second is the one written). Leap seconds (:60), 24:00, week and ordinal
 * dates are refused. Anything else — an impossible month, day, hour or
 * offset, a missing part, a character left over — is NS_EINVAL: a date is
 * read whole or not at all, so a bad value is reported, never half read.
 *
 * The calendar is the proleptic Gregorian one, computed here rather than by
 * timegm or strptime, which depend on the C library, the locale and the TZ
 * variable. Years are counted from March, so that February, the month whose
 * length varies, is the last of the year: a day's number within such a year
 * is then a fixed function of its month (153 days per five months), and the
 * leap day, when there is one, falls at the end. Whole 400-year cycles of
 * 146,097 days carry the rest. */
#include <stdio.h>
#include <string.h>

#include "nsearch.h"

#include "common/date.h"

/* Days from 0000-03-01 to 1970-01-01. */
#define DAYS_0000_03_01_TO_EPOCH 719468
/* Days in 400 Gregorian years: 97 of them leap. */
#define DAYS_PER_ERA 146097

int64_t nsi_days_from_civil(int64_t year, int month, int day)
{
    /* The year counted from March: January and February belong to the year before. */
    int64_t y = month <= 2 ? year - 1 : year;
    int64_t era = (y >= 0 ? y : y - 399) / 400;          /* floor division */
    int64_t yoe = y - era * 400;                         /* year of the era, 0..399 */
    int mar = month > 2 ? month - 3 : month + 9;         /* March = 0 .. February = 11 */
    int64_t doy = (153 * mar + 2) / 5 + day - 1;         /* day of the March year, 0..365 */
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy; /* day of the era */
    return era * DAYS_PER_ERA + doe - DAYS_0000_03_01_TO_EPOCH;
}

void nsi_civil_from_days(int64_t days, int64_t *year, int *month, int *day)
{
    int64_t z = days + DAYS_0000_03_01_TO_EPOCH;
    int64_t era = (z >= 0 ? z : z - (DAYS_PER_ERA - 1)) / DAYS_PER_ERA;
    int64_t doe = z - era * DAYS_PER_ERA; /* 0..146096 */
    /* The year of the era: remove the leap days of the years before
     * (one per 4 years, less one per 100, plus one per 400). */
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / (DAYS_PER_ERA - 1)) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100); /* 0..365 */
    int mar = (int)((5 * doy + 2) / 153);                  /* March = 0 */
    *day = (int)(doy - (153 * mar + 2) / 5 + 1);
    *month = mar < 10 ? mar + 3 : mar - 9;
    *year = yoe + era * 400 + (*month <= 2);
}

static int is_leap(int64_t year) { return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0; }

int nsi_days_in_month(int64_t year, int month)
{
    static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (month < 1 || month > 12)
        return 0;
    return month == 2 && is_leap(year) ? 29 : days[month - 1];
}

/* ------------------------------------------------------------ reading */

typedef struct reader {
    const char *p, *end;
} reader;

/* A date and time as written, and its zone's offset east of UTC. */
typedef struct civil {
    int64_t year;
    int month, day, hour, min, sec;
    int offset; /* seconds */
} civil;

static int peek(const reader *r) { return r->p < r->end ? (unsigned char)*r->p : -1; }
static int is_digit(int c) { return c >= '0' && c <= '9'; }
static int is_space(int c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}
static int is_upper(int c) { return c >= 'A' && c <= 'Z'; }
static int is_alpha(int c) { return is_upper(c) || (c >= 'a' && c <= 'z'); }
static int lower(int c) { return is_upper(c) ? c + ('a' - 'A') : c; }

static int accept(reader *r, int c)
{
    if (peek(r) != c)
        return 0;
    r->p++;
    return 1;
}

static size_t skip_spaces(reader *r)
{
    size_t n = 0;
    while (is_space(peek(r))) {
        r->p++;
        n++;
    }
    return n;
}

/* min..max digits as a number; the count read, or 0 (nothing consumed) when
 * fewer than min are there. A digit after max digits is left for the caller,
 * which then fails on it. */
static int number(reader *r, int min, int max, int *out)
{
    int n = 0, v = 0;
    while (n < max && is_digit(peek(r))) {
        v = v * 10 + (*r->p - '0');
        r->p++;
        n++;
    }
    if (n < min) {
        r->p -= n;
        return 0;
    }
    *out = v;
    return n;
}

/* A word of letters, lower-cased into buf (at most cap - 1 letters): its
 * length, or 0 when no letter is there or the word is longer. */
static size_t word(reader *r, char *buf, size_t cap)
{
    size_t n = 0;
    const char *start = r->p;
    while (is_alpha(peek(r))) {
        if (n + 1 >= cap) {
            r->p = start;
            return 0;
        }
        buf[n++] = (char)lower(*r->p);
        r->p++;
    }
    buf[n] = '\0';
    return n;
}

static const char *const month_names[12] = {"january",   "february", "march",    "april",
                                            "may",       "june",     "july",     "august",
                                            "september", "october",  "november", "december"};
static const char *const weekday_names[7] = {"monday", "tuesday",  "wednesday", "thursday",
                                             "friday", "saturday", "sunday"};

/* The index of name (lower case) in names, matching a whole name or its first
 * three letters; -1 when none. */
static int name_index(const char *name, size_t len, const char *const *names, int n)
{
    for (int i = 0; i < n; i++) {
        size_t full = strlen(names[i]);
        if ((len == 3 || len == full) && memcmp(name, names[i], len) == 0)
            return i;
    }
    return -1;
}

/* ±HH, ±HHMM or ±HH:MM (the sign already seen: sign is +1 or -1). */
static int numeric_offset(reader *r, int sign, civil *c)
{
    int hh, mm = 0;
    if (number(r, 2, 2, &hh) != 2)
        return 0;
    if (accept(r, ':')) {
        if (number(r, 2, 2, &mm) != 2)
            return 0;
    } else if (is_digit(peek(r))) {
        if (number(r, 2, 2, &mm) != 2)
            return 0;
    }
    if (hh > 23 || mm > 59)
        return 0;
    c->offset = sign * (hh * 3600 + mm * 60);
    return 1;
}

/* A named zone of RFC 2822 (lower case): 1 and its offset, or 0. */
static int named_zone(const char *name, int *offset)
{
    static const struct {
        const char *name;
        int hours;
    } zones[] = {{"ut", 0},   {"utc", 0},  {"gmt", 0},  {"z", 0},    {"est", -5}, {"edt", -4},
                 {"cst", -6}, {"cdt", -5}, {"mst", -7}, {"mdt", -6}, {"pst", -8}, {"pdt", -7}};
    for (size_t i = 0; i < sizeof zones / sizeof zones[0]; i++)
        if (strcmp(name, zones[i].name) == 0) {
            *offset = zones[i].hours * 3600;
            return 1;
        }
    return 0;
}

/* HH:MM[:SS[(.|,)digits]]; hour_min digits of the hour at least (1 or 2). */
static int clock_time(reader *r, int hour_min, civil *c)
{
    if (!number(r, hour_min, 2, &c->hour) || !accept(r, ':') || number(r, 2, 2, &c->min) != 2)
        return 0;
    if (accept(r, ':')) {
        if (number(r, 2, 2, &c->sec) != 2)
            return 0;
        if (peek(r) == '.' || peek(r) == ',') {
            r->p++;
            if (!is_digit(peek(r)))
                return 0;
            while (is_digit(peek(r)))
                r->p++;
        }
    }
    return 1;
}

/* YYYY[-MM[-DD[(T|t| )time[ ][zone]]]] */
static int read_iso(reader *r, civil *c)
{
    int year;
    if (number(r, 4, 4, &year) != 4)
        return 0;
    c->year = year;
    if (peek(r) == -1)
        return 1;
    if (!accept(r, '-') || number(r, 2, 2, &c->month) != 2)
        return 0;
    if (peek(r) == -1)
        return 1;
    if (!accept(r, '-') || number(r, 2, 2, &c->day) != 2)
        return 0;
    if (peek(r) == -1)
        return 1;
    if (!accept(r, 'T') && !accept(r, 't') && !accept(r, ' '))
        return 0;
    if (!clock_time(r, 2, c))
        return 0;
    accept(r, ' '); /* never the last character: the text was trimmed */
    int ch = peek(r);
    if (ch == -1)
        return 1;
    if (ch == 'Z' || ch == 'z') {
        r->p++;
    } else if (ch == '+' || ch == '-') {
        r->p++;
        if (!numeric_offset(r, ch == '+' ? 1 : -1, c))
            return 0;
    } else {
        char name[4];
        size_t n = word(r, name, sizeof name);
        if (!n || (strcmp(name, "utc") != 0 && strcmp(name, "gmt") != 0))
            return 0;
    }
    return peek(r) == -1;
}

/* A year of RFC 2822: four digits, or the obsolete two (00..49 → 20xx,
 * 50..99 → 19xx) or three (+ 1900). */
static int rfc_year(reader *r, int64_t *year)
{
    int y, n = number(r, 2, 4, &y);
    if (!n)
        return 0;
    if (n == 2)
        y += y < 50 ? 2000 : 1900;
    else if (n == 3)
        y += 1900;
    *year = y;
    return 1;
}

/* [Weekday,] D Month YYYY [time [zone] [(comment)]] and D-MON-YYYY [time
 * [codes]]. */
static int read_day_month(reader *r, civil *c)
{
    char name[16];
    size_t n;
    if (is_alpha(peek(r))) {
        /* The weekday must be a weekday's name; whether it is the right one
         * is not checked (mail clients get it wrong; the date stands). */
        n = word(r, name, sizeof name);
        if (!n || name_index(name, n, weekday_names, 7) < 0)
            return 0;
        int comma = accept(r, ',');
        if (!skip_spaces(r) && !comma)
            return 0;
    }
    if (!number(r, 1, 2, &c->day))
        return 0;
    int archive = accept(r, '-');
    if (!archive && !skip_spaces(r))
        return 0;
    n = word(r, name, sizeof name);
    int m = n ? name_index(name, n, month_names, 12) : -1;
    if (m < 0)
        return 0;
    c->month = m + 1;
    if (archive ? !accept(r, '-') : !skip_spaces(r))
        return 0;
    if (!rfc_year(r, &c->year))
        return 0;
    if (peek(r) == -1)
        return 1;
    if (!skip_spaces(r) || !clock_time(r, 1, c))
        return 0;
    if (archive) {
        /* Reuters-21578's desk codes after the time: words of capitals,
         * the first one glued to the time or not ("15:01:01.79RM E F"). */
        while (peek(r) != -1) {
            int letters = 0;
            skip_spaces(r);
            while (is_upper(peek(r)) && letters < 4) {
                r->p++;
                letters++;
            }
            if (letters < 1 || letters > 3 || (peek(r) != -1 && !is_space(peek(r))))
                return 0;
        }
        return 1;
    }
    if (peek(r) == -1)
        return 1;
    if (!skip_spaces(r))
        return 0;
    int ch = peek(r);
    if (ch == '+' || ch == '-') {
        r->p++;
        if (!numeric_offset(r, ch == '+' ? 1 : -1, c))
            return 0;
    } else if (is_alpha(ch)) {
        n = word(r, name, sizeof name);
        if (!n || !named_zone(name, &c->offset))
            return 0;
    }
    skip_spaces(r);
    if (accept(r, '(')) { /* a comment, as "(CEST)": one level, no nesting */
        while (peek(r) != -1 && peek(r) != ')' && peek(r) != '(')
            r->p++;
        if (!accept(r, ')'))
            return 0;
        skip_spaces(r);
    }
    return peek(r) == -1;
}

static int civil_to_secs(const civil *c, int64_t *secs)
{
    if (c->month < 1 || c->month > 12 || c->day < 1 ||
        c->day > nsi_days_in_month(c->year, c->month))
        return NS_EINVAL;
    if (c->hour > 23 || c->min > 59 || c->sec > 59)
        return NS_EINVAL;
    int64_t days = nsi_days_from_civil(c->year, c->month, c->day);
    *secs = days * 86400 + c->hour * 3600 + c->min * 60 + c->sec - c->offset;
    return NS_OK;
}

int nsi_date_parse(const char *text, size_t len, int64_t *secs)
{
    if (!text)
        return NS_EINVAL;
    reader r = {text, text + len};
    while (r.p < r.end && is_space((unsigned char)*r.p))
        r.p++;
    while (r.end > r.p && is_space((unsigned char)r.end[-1]))
        r.end--;
    if (r.p == r.end)
        return NS_EINVAL;
    civil c = {0, 1, 1, 0, 0, 0, 0};
    /* Four digits then the end or '-' (a year, not a day) is ISO 8601. */
    int iso = r.end - r.p >= 4 && is_digit(r.p[0]) && is_digit(r.p[1]) && is_digit(r.p[2]) &&
              is_digit(r.p[3]) && (r.end - r.p == 4 || r.p[4] == '-');
    if (iso ? !read_iso(&r, &c) : !read_day_month(&r, &c))
        return NS_EINVAL;
    return civil_to_secs(&c, secs);
}

/* ------------------------------------------------------------ writing */

int nsi_date_format(int64_t secs, char *out, size_t out_len)
{
    if (!out || out_len < NSI_DATE_TEXT_SIZE)
        return NS_EINVAL;
    int64_t days = secs / 86400, rem = secs % 86400;
    if (rem < 0) {
        rem += 86400;
        days--;
    }
    int64_t year;
    int month, day;
    nsi_civil_from_days(days, &year, &month, &day);
    if (year < 0 || year > 9999)
        return NS_EINVAL;
    snprintf(out, out_len, "%04d-%02d-%02dT%02d:%02d:%02dZ", (int)year, month, day,
             (int)(rem / 3600), (int)(rem / 60 % 60), (int)(rem % 60));
    return NS_OK;
}
