/* date.h — dates as text to seconds since 1970-01-01T00:00:00Z and back
 * (ns_date_parse, ns_date_format; the forms are listed in docs/fields.md).
 * Pure arithmetic on the proleptic Gregorian calendar: no libc time
 * functions, no locale, no time zone database, so a date means the same on
 * every machine. */
#ifndef NSI_COMMON_DATE_H
#define NSI_COMMON_DATE_H

#include <stddef.h>
#include <stdint.h>

/* Days from 1970-01-01 to year-month-day (month 1..12, day 1..31, not
 * checked here); negative before 1970. Exact for any year int32 holds. */
int64_t nsi_days_from_civil(int64_t year, int month, int day);

/* The date of a day number (the inverse of nsi_days_from_civil). */
void nsi_civil_from_days(int64_t days, int64_t *year, int *month, int *day);

/* Days in a month of a year (month 1..12). */
int nsi_days_in_month(int64_t year, int month);

/* The text forms of docs/fields.md → seconds (UTC): NS_OK, or NS_EINVAL when
 * text is not one of them or names an impossible date or time (*secs then
 * untouched). Leading and trailing ASCII white space is ignored. */
int nsi_date_parse(const char *text, size_t len, int64_t *secs);

/* secs → "YYYY-MM-DDTHH:MM:SSZ" NUL-terminated: NS_OK, or NS_EINVAL when
 * out_len < NSI_DATE_TEXT_SIZE or the year is outside 0..9999. */
#define NSI_DATE_TEXT_SIZE 21
int nsi_date_format(int64_t secs, char *out, size_t out_len);

#endif
