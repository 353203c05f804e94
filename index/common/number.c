/* A typed field's number as text (number.h). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nsearch.h"
#include "number.h"

int nsi_number_parse(const char *v, size_t len, double *out)
{
    while (len && (*v == ' ' || *v == '\t'))
        v++, len--;
    while (len && (v[len - 1] == ' ' || v[len - 1] == '\t'))
        len--;
    char buf[80];
    if (len == 0 || len >= sizeof buf)
        return NS_EINVAL;
    size_t i = 0, digits = 0;
    if (v[i] == '+' || v[i] == '-')
        i++;
    while (i < len && v[i] >= '0' && v[i] <= '9')
        i++, digits++;
    if (i < len && v[i] == '.')
        for (i++; i < len && v[i] >= '0' && v[i] <= '9'; i++)
            digits++;
    if (!digits)
        return NS_EINVAL;
    if (i < len && (v[i] == 'e' || v[i] == 'E')) {
        size_t ed = 0;
        i++;
        if (i < len && (v[i] == '+' || v[i] == '-'))
            i++;
        while (i < len && v[i] >= '0' && v[i] <= '9')
            i++, ed++;
        if (!ed)
            return NS_EINVAL;
    }
    if (i != len)
        return NS_EINVAL;
    memcpy(buf, v, len);
    buf[len] = 0;
    double d = strtod(buf, NULL);
    if (!isfinite(d))
        return NS_EINVAL;
    *out = d;
    return NS_OK;
}

void nsi_number_text(double v, char *buf, size_t n)
{
    for (int p = 1; p <= 17; p++) {
        snprintf(buf, n, "%.*g", p, v);
        if (strtod(buf, NULL) == v)
            return;
    }
}
