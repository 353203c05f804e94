/* test_date.c — ns_date_parse and ns_date_format (index/common/date.c): the
 * forms of docs/fields.md one by one, impossible dates refused, the calendar
 * arithmetic against the C library's timegm/gmtime_r (used here only, as an
 * independent computation), and every date of the Reuters-21578 corpus. */
#define _DEFAULT_SOURCE /* timegm */
#include <json-c/json.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zlib.h>

#include "nsearch.h"

#include "common/date.h"
#include "nstest.h"

/* The date as ISO 8601 UTC, or "EINVAL". Static storage. */
static const char *parsed(const char *text)
{
    static char out[64];
    int64_t secs = 12345;
    int rc = ns_date_parse(text, strlen(text), &secs);
    if (rc != NS_OK) {
        snprintf(out, sizeof out, "%s", rc == NS_EINVAL && secs == 12345 ? "EINVAL" : "BAD-RC");
        return out;
    }
    if (ns_date_format(secs, out, sizeof out) != NS_OK)
        snprintf(out, sizeof out, "unformattable %lld", (long long)secs);
    return out;
}

typedef struct date_case {
    const char *text, *want; /* want: ISO UTC, or NULL for NS_EINVAL */
} date_case;

static const date_case iso_cases[] = {
    {"1987", "1987-01-01T00:00:00Z"},
    {"1987-03", "1987-03-01T00:00:00Z"},
    {"1987-03-02", "1987-03-02T00:00:00Z"},
    {"1987-03-02T14:31", "1987-03-02T14:31:00Z"},
    {"1987-03-02T14:31:07", "1987-03-02T14:31:07Z"},
    {"1987-03-02t14:31:07z", "1987-03-02T14:31:07Z"},
    {"1987-03-02 14:31:07", "1987-03-02T14:31:07Z"},
    {"1987-03-02T14:31:07Z", "1987-03-02T14:31:07Z"},
    {"1987-03-02T14:31:07.999Z", "1987-03-02T14:31:07Z"}, /* fractions dropped */
    {"1987-03-02T14:31:07,5Z", "1987-03-02T14:31:07Z"},
    {"1987-03-02T14:31:07.123456789+00:00", "1987-03-02T14:31:07Z"},
    {"1987-03-02T14:31:07+05:30", "1987-03-02T09:01:07Z"},
    {"1987-03-02T14:31:07-0800", "1987-03-02T22:31:07Z"},
    {"1987-03-02T14:31:07+01", "1987-03-02T13:31:07Z"},
    {"1987-03-02T01:00:00+02:00", "1987-03-01T23:00:00Z"}, /* the day before in UTC */
    {"1987-12-31T23:30:00-01:00", "1988-01-01T00:30:00Z"}, /* the year after */
    {"2023-11-16 10:00:00 +0000", "2023-11-16T10:00:00Z"},
    {"2023-11-16 10:00:00 UTC", "2023-11-16T10:00:00Z"},
    {"2023-11-16T10:00:00GMT", "2023-11-16T10:00:00Z"},
    {"  2023-11-16\n", "2023-11-16T00:00:00Z"},
    /* leap years: divisible by 4, not by 100 unless by 400 */
    {"2024-02-29", "2024-02-29T00:00:00Z"},
    {"2000-02-29", "2000-02-29T00:00:00Z"},
    {"1600-02-29", "1600-02-29T00:00:00Z"},
    {"1900-02-29", NULL},
    {"2023-02-29", NULL},
    {"2100-02-29", NULL},
    /* before 1970, and the ends of the range */
    {"1969-12-31T23:59:59Z", "1969-12-31T23:59:59Z"},
    {"1066-10-14T09:00:00Z", "1066-10-14T09:00:00Z"},
    {"0000-01-01", "0000-01-01T00:00:00Z"},
    {"9999-12-31T23:59:59Z", "9999-12-31T23:59:59Z"},
    /* impossible dates and times */
    {"1987-13-01", NULL},
    {"1987-00-10", NULL},
    {"1987-02-30", NULL},
    {"1987-04-31", NULL},
    {"1987-03-00", NULL},
    {"1987-03-02T24:00:00", NULL},
    {"1987-03-02T23:60:00", NULL},
    {"1987-03-02T23:59:60", NULL}, /* leap seconds refused */
    {"1987-03-02T10:00+24:00", NULL},
    {"1987-03-02T10:00+05:60", NULL},
    /* malformed: a character left over, a part missing or short */
    {"1987-03-02x", NULL},
    {"1987-03-02T", NULL},
    {"1987-03-02T14", NULL},
    {"1987-03-02T14:3", NULL},
    {"1987-03-02T14:31:0", NULL},
    {"1987-03-02T14:31:07.", NULL},
    {"1987-03-02T14:31:07Z junk", NULL},
    {"1987-03-02T14:31:07+5", NULL},
    {"1987-03-02T14:31:07 EST", NULL}, /* named zones are RFC 2822's */
    {"1987-3-2", NULL},
    {"1987-03-2", NULL},
    {"19870302", NULL},
    {"198", NULL},
    {"12345", NULL},
    {"1987-", NULL},
    {"1987-03-", NULL},
    {"-1987-03-02", NULL},
    {"", NULL},
    {"   ", NULL},
    {"garbage", NULL},
    {"2023-11-16 10:00:00  +0000", NULL},
};

static const date_case rfc_cases[] = {
    {"Mon, 02 Mar 1987 14:31:00 +0000", "1987-03-02T14:31:00Z"},
    {"Mon, 2 Mar 1987 14:31:00 +0000", "1987-03-02T14:31:00Z"},
    {"2 Mar 1987 14:31:00 +0000", "1987-03-02T14:31:00Z"},
    {"Monday, 2 March 1987 14:31:00 +0000", "1987-03-02T14:31:00Z"},
    {"mon, 02 MAR 1987 14:31:00 +0000", "1987-03-02T14:31:00Z"},
    {"Mon,02 Mar 1987 14:31:00 +0000", "1987-03-02T14:31:00Z"},
    {"Mon 02 Mar 1987 14:31:00 +0000", "1987-03-02T14:31:00Z"},
    {"Mon, 02 Mar 1987 14:31 +0000", "1987-03-02T14:31:00Z"},
    {"Mon, 02 Mar 1987 14:31:00 -0500", "1987-03-02T19:31:00Z"},
    {"Mon, 02 Mar 1987 14:31:00 +0130", "1987-03-02T13:01:00Z"},
    {"Mon, 02 Mar 1987 14:31:00 GMT", "1987-03-02T14:31:00Z"},
    {"Mon, 02 Mar 1987 14:31:00 UT", "1987-03-02T14:31:00Z"},
    {"Mon, 02 Mar 1987 14:31:00 EST", "1987-03-02T19:31:00Z"},
    {"Mon, 02 Mar 1987 14:31:00 EDT", "1987-03-02T18:31:00Z"},
    {"Mon, 02 Mar 1987 14:31:00 CST", "1987-03-02T20:31:00Z"},
    {"Mon, 02 Mar 1987 14:31:00 MDT", "1987-03-02T20:31:00Z"},
    {"Mon, 02 Mar 1987 14:31:00 PST", "1987-03-02T22:31:00Z"},
    {"Mon, 02 Mar 1987 14:31:00 pdt", "1987-03-02T21:31:00Z"},
    {"Tue, 1 Jul 2003 10:52:37 +0200 (CEST)", "2003-07-01T08:52:37Z"},
    {"Mon, 02 Mar 1987 14:31:00", "1987-03-02T14:31:00Z"}, /* no zone: UTC */
    {"16 November 2023", "2023-11-16T00:00:00Z"},
    {"Thu, 16 Nov 2023", "2023-11-16T00:00:00Z"},
    {"Sun, 31 Dec 1899 23:59:59 +0000", "1899-12-31T23:59:59Z"},
    /* the obsolete years of RFC 2822 */
    {"2 Mar 87 14:31:00 GMT", "1987-03-02T14:31:00Z"},
    {"2 Mar 49 14:31:00 GMT", "2049-03-02T14:31:00Z"},
    {"2 Mar 103 14:31:00 GMT", "2003-03-02T14:31:00Z"},
    /* the weekday is a weekday's name, not checked against the date */
    {"Fri, 02 Mar 1987 14:31:00 +0000", "1987-03-02T14:31:00Z"},
    {"Xyz, 02 Mar 1987 14:31:00 +0000", NULL},
    {"Mon, 29 Feb 1987 14:31:00 +0000", NULL},
    {"Mon, 02 Mxr 1987 14:31:00 +0000", NULL},
    {"Mon, 02 Mar 1987 25:31:00 +0000", NULL},
    {"Mon, 02 Mar 1987 14:31:00 +2400", NULL},
    {"Mon, 02 Mar 1987 14:31:00 XYZ", NULL},
    {"Mon, 02 Mar 1987 14:31:00 A", NULL}, /* military zones are ambiguous: refused */
    {"Mon, 02 Mar 1987 14:31:00 +0000 (CEST", NULL},
    {"Mon, 02 Mar 1987 14:31:00 +0000 trailing", NULL},
    {"Mon, 02 Mar 1987 14:31:00 RM", NULL}, /* desk codes only in the archive form */
    {"Mon, ", NULL},
    {"02 Mar", NULL},
    {"123 Mar 1987", NULL},
};

static const date_case archive_cases[] = {
    {"26-FEB-1987 15:01:01.79", "1987-02-26T15:01:01Z"},
    {" 5-APR-1987 01:53:30.37", "1987-04-05T01:53:30Z"},
    {"5-APR-1987 01:53:30.37", "1987-04-05T01:53:30Z"},
    {"3-MAR-1987  09:15:05.40", "1987-03-03T09:15:05Z"},
    {"7-APR-1987 16:22:00.0", "1987-04-07T16:22:00Z"},
    {"26-Feb-1987", "1987-02-26T00:00:00Z"},
    {"26-feb-87 15:01", "1987-02-26T15:01:00Z"},
    /* Reuters-21578's desk codes after the time */
    {"27-MAR-1987 00:02:59.13RM", "1987-03-27T00:02:59Z"},
    {"27-MAR-1987 00:02:59.13 RM", "1987-03-27T00:02:59Z"},
    {"27-MAR-1987 04:38:47.18M C F", "1987-03-27T04:38:47Z"},
    {"27-MAR-1987 04:38:47.18 M C F", "1987-03-27T04:38:47Z"},
    {"27-MAR-1987 04:38:47.18M C f", NULL},
    {"27-MAR-1987 04:38:47.18MC1", NULL},
    {"27-MAR-1987 04:38:47.18 ABCD", NULL},
    {"27-MAR-1987 04:38:47.18 rm", NULL},
    {"9-APR-1987 00:00:00.00    # date added by S Finch as guesswork", NULL},
    {"31-MAR-1987 605:12:19.12", NULL},
    {"30-FEB-1987 10:00:00.00", NULL},
    {"26-FEB 1987", NULL},
    {"26 FEB-1987", NULL},
    {"26-FEB-1987 15:01:01.79 +0000", NULL}, /* no zones in the archive form */
};

static void run_cases(const date_case *cases, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const char *got = parsed(cases[i].text);
        const char *want = cases[i].want ? cases[i].want : "EINVAL";
        if (strcmp(got, want) != 0)
            fprintf(stderr, "  '%s' -> %s, expected %s\n", cases[i].text, got, want);
        CHECK_EQ_STR(got, want);
    }
}

static void test_iso8601(void) { run_cases(iso_cases, sizeof iso_cases / sizeof *iso_cases); }
static void test_rfc2822(void) { run_cases(rfc_cases, sizeof rfc_cases / sizeof *rfc_cases); }
static void test_archive(void)
{
    run_cases(archive_cases, sizeof archive_cases / sizeof *archive_cases);
}

/* The length is the limit, not a NUL: a date followed by more bytes that are
 * not passed is read alone, and a NUL inside the range is a bad character. */
static void test_length(void)
{
    int64_t s = 0;
    const char *t = "1987-03-02T14:31:07Zjunk";
    CHECK_EQ_INT(ns_date_parse(t, 20, &s), NS_OK);
    CHECK_EQ_INT(s, 541693867);
    CHECK_EQ_INT(ns_date_parse(t, 21, &s), NS_EINVAL);
    CHECK_EQ_INT(ns_date_parse("1987-03-02\0", 11, &s), NS_EINVAL);
    CHECK_EQ_INT(ns_date_parse("1987", 3, &s), NS_EINVAL);
    CHECK_EQ_INT(ns_date_parse(NULL, 0, &s), NS_EINVAL);
    CHECK_EQ_INT(ns_date_parse(NULL, 4, &s), NS_EINVAL);
    CHECK_EQ_INT(ns_date_parse("1987", 4, NULL), NS_EINVAL);
}

static void test_format(void)
{
    char out[32];
    CHECK_EQ_INT(ns_date_format(0, out, sizeof out), NS_OK);
    CHECK_EQ_STR(out, "1970-01-01T00:00:00Z");
    CHECK_EQ_INT(ns_date_format(-1, out, sizeof out), NS_OK);
    CHECK_EQ_STR(out, "1969-12-31T23:59:59Z");
    CHECK_EQ_INT(ns_date_format(541693867, out, 21), NS_OK); /* exactly fits */
    CHECK_EQ_STR(out, "1987-03-02T14:31:07Z");
    CHECK_EQ_INT(ns_date_format(541693867, out, 20), NS_EINVAL);
    CHECK_EQ_INT(ns_date_format(541693867, NULL, 21), NS_EINVAL);
    /* years 0..9999 only: the text has four digits of year */
    CHECK_EQ_INT(ns_date_format(-62167219200, out, sizeof out), NS_OK);
    CHECK_EQ_STR(out, "0000-01-01T00:00:00Z");
    CHECK_EQ_INT(ns_date_format(-62167219201, out, sizeof out), NS_EINVAL);
    CHECK_EQ_INT(ns_date_format(253402300799, out, sizeof out), NS_OK);
    CHECK_EQ_STR(out, "9999-12-31T23:59:59Z");
    CHECK_EQ_INT(ns_date_format(253402300800, out, sizeof out), NS_EINVAL);
    CHECK_EQ_INT(ns_date_format(INT64_MAX, out, sizeof out), NS_EINVAL);
    CHECK_EQ_INT(ns_date_format(INT64_MIN, out, sizeof out), NS_EINVAL);
}

/* Every day from 0000-01-01 to 9999-12-31: the day number and the date are
 * inverses, consecutive days are consecutive dates, and the C library's
 * timegm agrees (an independent implementation). */
static void test_calendar(void)
{
    int64_t first = nsi_days_from_civil(0, 1, 1), last = nsi_days_from_civil(9999, 12, 31);
    CHECK_EQ_INT(nsi_days_from_civil(1970, 1, 1), 0);
    CHECK_EQ_INT(first, -719528);
    int64_t py = -1;
    int pm = 12, pd = 31, bad = 0;
    long leap_days = 0;
    for (int64_t z = first; z <= last; z++) {
        int64_t y;
        int m, d;
        nsi_civil_from_days(z, &y, &m, &d);
        int next = (y == py && m == pm && d == pd + 1) ||
                   (y == py && m == pm + 1 && d == 1 && pd == nsi_days_in_month(py, pm)) ||
                   (y == py + 1 && m == 1 && d == 1 && pm == 12 && pd == 31);
        if (!next || nsi_days_from_civil(y, m, d) != z) {
            if (bad++ < 5)
                fprintf(stderr, "  day %lld: %lld-%02d-%02d after %lld-%02d-%02d\n", (long long)z,
                        (long long)y, m, d, (long long)py, pm, pd);
        }
        if (m == 2 && d == 29)
            leap_days++;
        py = y, pm = m, pd = d;
    }
    CHECK_EQ_INT(bad, 0);
    CHECK_EQ_INT(py, 9999);
    /* 10,000 years: 2,500 multiples of 4, less 100 of 100, plus 25 of 400 */
    CHECK_EQ_INT(leap_days, 2500 - 100 + 25);

    if (sizeof(time_t) < 8)
        return;
    /* timegm on a spread of dates, including the year 1 BC-style year 0 */
    int mismatches = 0;
    for (int64_t y = 0; y <= 9999; y += 7) {
        for (int m = 1; m <= 12; m++) {
            int dim = nsi_days_in_month(y, m);
            for (int d = 1; d <= dim; d += 9) {
                struct tm tm = {0};
                tm.tm_year = (int)(y - 1900);
                tm.tm_mon = m - 1;
                tm.tm_mday = d;
                tm.tm_hour = 13;
                time_t t = timegm(&tm);
                if ((int64_t)t != nsi_days_from_civil(y, m, d) * 86400 + 13 * 3600)
                    mismatches++;
            }
            /* days_in_month against timegm's normalisation of day 0 of the next month */
            struct tm tm = {0};
            tm.tm_year = (int)(y - 1900);
            tm.tm_mon = m; /* next month */
            tm.tm_mday = 0;
            timegm(&tm);
            if (tm.tm_mday != dim)
                mismatches++;
        }
    }
    CHECK_EQ_INT(mismatches, 0);
}

/* ns_date_format against gmtime_r and ns_date_parse back, on pseudo-random
 * seconds over years 0..9999. */
static void test_round_trip(void)
{
    if (sizeof(time_t) < 8)
        return;
    uint64_t x = 0x9E3779B97F4A7C15u;
    const int64_t lo = -62167219200, hi = 253402300799; /* 0000-01-01 .. 9999-12-31 */
    int bad = 0;
    for (int i = 0; i < 200000; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        int64_t secs = lo + (int64_t)(x % (uint64_t)(hi - lo + 1));
        if (i < 4) /* the edges */
            secs = i == 0 ? lo : i == 1 ? hi : i == 2 ? -1 : 0;
        char out[32], want[64];
        CHECK_EQ_INT(ns_date_format(secs, out, sizeof out), NS_OK);
        time_t t = (time_t)secs;
        struct tm tm;
        gmtime_r(&t, &tm);
        snprintf(want, sizeof want, "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900,
                 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
        int64_t back = 0;
        if (strcmp(out, want) != 0 || ns_date_parse(out, strlen(out), &back) != NS_OK ||
            back != secs) {
            if (bad++ < 5)
                fprintf(stderr, "  %lld: %s, gmtime_r %s, back %lld\n", (long long)secs, out, want,
                        (long long)back);
        }
    }
    CHECK_EQ_INT(bad, 0);
}

/* ---------------------------------------------------- Reuters-21578 */

/* The test's own reading of a Reuters date, with sscanf and timegm: 1 and the
 * seconds when it is "D-MON-YYYY HH:MM:SS.cc", a real date and time, followed
 * by nothing or by words of one to three capitals (the desk codes, the first
 * one glued to the time or not); else 0. */
static int reuters_expected(const char *s, int64_t *secs)
{
    static const char *const mons[12] = {"JAN", "FEB", "MAR", "APR", "MAY", "JUN",
                                         "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"};
    int d, y, hh, mm, ss, cc, end = -1;
    char mon[4];
    if (sscanf(s, "%d-%3[A-Z]-%d %d:%d:%d.%d%n", &d, mon, &y, &hh, &mm, &ss, &cc, &end) != 7 ||
        end < 0)
        return 0;
    int m = -1;
    for (int i = 0; i < 12; i++)
        if (strcmp(mon, mons[i]) == 0)
            m = i;
    if (m < 0 || hh > 23 || mm > 59 || ss > 59)
        return 0;
    struct tm tm = {0};
    tm.tm_year = y - 1900, tm.tm_mon = m, tm.tm_mday = d;
    tm.tm_hour = hh, tm.tm_min = mm, tm.tm_sec = ss;
    time_t t = timegm(&tm);
    if (tm.tm_mday != d || tm.tm_mon != m) /* normalised: no such day */
        return 0;
    for (const char *p = s + end; *p;) { /* "CODE CODE..." */
        p += strspn(p, " ");
        size_t caps = strspn(p, "ABCDEFGHIJKLMNOPQRSTUVWXYZ");
        if (caps < 1 || caps > 3 || (p[caps] && p[caps] != ' '))
            return 0;
        p += caps;
    }
    *secs = (int64_t)t;
    return 1;
}

static void test_reuters(void)
{
    const char *shared = getenv("NS_SHARED_DIR");
    char path[4096];
    snprintf(path, sizeof path, "%s/corpora/reuters21578/docs.jsonl.gz",
             shared && *shared ? shared : "../shared");
    gzFile f = gzopen(path, "rb");
    CHECK(f != NULL); /* the corpus is part of the test setup: missing fails */
    if (!f) {
        fprintf(stderr, "  cannot open %s\n", path);
        return;
    }
    size_t cap = 1 << 20, len = 0;
    char *line = malloc(cap);
    long records = 0, parsed_ok = 0, refused = 0, disagree = 0;
    int64_t min = INT64_MAX, max = INT64_MIN;
    while (gzgets(f, line + len, (int)(cap - len))) {
        len += strlen(line + len);
        if (len + 1 == cap && line[len - 1] != '\n') {
            line = realloc(line, cap *= 2);
            continue;
        }
        json_object *o = json_tokener_parse(line);
        len = 0;
        json_object *v;
        if (!o || !json_object_object_get_ex(o, "date", &v)) {
            CHECK(o != NULL && !"every record has a date");
            json_object_put(o);
            continue;
        }
        records++;
        const char *date = json_object_get_string(v);
        int64_t secs = 0, want = 0;
        int rc = ns_date_parse(date, (size_t)json_object_get_string_len(v), &secs);
        int expect = reuters_expected(date, &want);
        if (rc == NS_OK)
            parsed_ok++;
        else
            refused++, fprintf(stderr, "  refused (as it should be: %s): '%s'\n",
                               expect ? "NO" : "yes", date);
        if ((rc == NS_OK) != expect || (expect && secs != want)) {
            if (disagree++ < 5)
                fprintf(stderr, "  '%s': parse %d %lld, expected %d %lld\n", date, rc,
                        (long long)secs, expect, (long long)want);
        }
        if (rc == NS_OK) {
            min = secs < min ? secs : min;
            max = secs > max ? secs : max;
        }
        json_object_put(o);
    }
    gzclose(f);
    free(line);
    CHECK_EQ_INT(records, 21578);
    CHECK_EQ_INT(disagree, 0);
    /* the collection's few broken dates (an hour of 605, a comment) only */
    CHECK(refused * 1000 < records);
    CHECK_EQ_INT(parsed_ok + refused, records);
    /* the stories are from February to October 1987 (the corpus README) */
    char lo[32], hi[32];
    CHECK_EQ_INT(ns_date_format(min, lo, sizeof lo), NS_OK);
    CHECK_EQ_INT(ns_date_format(max, hi, sizeof hi), NS_OK);
    printf("  %ld dates, %ld parsed, %ld refused, %s .. %s\n", records, parsed_ok, refused, lo, hi);
    CHECK(strncmp(lo, "1987-02", 7) == 0);
    CHECK(strncmp(hi, "1987-10", 7) <= 0 && strncmp(hi, "1987-", 5) == 0);
}

NS_TEST_MAIN(NST(test_iso8601), NST(test_rfc2822), NST(test_archive), NST(test_length),
             NST(test_format), NST(test_calendar), NST(test_round_trip), NST(test_reuters))
