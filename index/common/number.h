/* A typed field's number as text: the one reader both backends use. */
#ifndef NSI_NUMBER_H
#define NSI_NUMBER_H

#include <stddef.h>

/* The number v[0..len) as docs/fields.md allows it: a finite decimal,
 * [+-]digits[.digits][e[+-]digits] (or .digits), white space around it
 * ignored. NS_OK with *out set, or NS_EINVAL (*out untouched). */
int nsi_number_parse(const char *v, size_t len, double *out);

/* The shortest %g form of v that reads back as v, into buf (n bytes, 32
 * are enough): how both backends show a number field's value. */
void nsi_number_text(double v, char *buf, size_t n);

#endif
