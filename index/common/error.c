/* error.c — failure messages and the errno → status mapping. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>

#include "common/internal.h"

int nsi_fail(char *err, size_t errlen, int status, const char *fmt, ...)
{
    if (err && errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return status;
}

int nsi_errno_status(int e)
{
    switch (e) {
    case ENOSPC:
    case EDQUOT:
        return NS_ENOSPC;
    case ENOENT:
        return NS_ENOTFOUND;
    case ENOMEM:
        return NS_ENOMEM;
    default:
        return NS_EIO;
    }
}
