/* report.c — messages on stderr and the end-of-run summary. */
#include "report.h"

#include <stdio.h>

#include "nindex.h"
#include "nsearch.h"

static ni_progress *shown_progress;

static const char *const reason_names[NI_NREASONS] = {
    [NI_BINARY] = "binary",           [NI_EMPTY] = "empty",
    [NI_UNSUPPORTED] = "unsupported", [NI_TOOBIG] = "too large",
    [NI_BROKEN_LINK] = "broken link", [NI_UNREADABLE] = "unreadable",
    [NI_NOTFOUND] = "not found",      [NI_MALFORMED] = "malformed",
    [NI_INVALID] = "invalid",         [NI_REJECTED] = "rejected",
};

void ni_report_set_progress(ni_progress *p) { shown_progress = p; }

void ni_vmsg(const char *fmt, va_list ap)
{
    if (shown_progress)
        ni_progress_clear(shown_progress);
    fputs("nindex: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
}

void ni_msg(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    ni_vmsg(fmt, ap);
    va_end(ap);
}

void ni_usage_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    ni_vmsg(fmt, ap);
    va_end(ap);
    fputs("Try 'nindex --help'.\n", stderr);
}

void ni_human_bytes(uint64_t n, char *out, size_t len)
{
    static const char *const units[] = {"kB", "MB", "GB", "TB", "PB"};
    if (n < 1000) {
        snprintf(out, len, "%u B", (unsigned)n);
        return;
    }
    double v = (double)n / 1000;
    size_t u = 0;
    while (v >= 999.95 && u + 1 < sizeof units / sizeof *units) {
        v /= 1000;
        u++;
    }
    snprintf(out, len, "%.1f %s", v, units[u]);
}

int ni_exit_for(int status) { return status == NS_ECORRUPT ? NI_EXIT_CORRUPT : NI_EXIT_FAILED; }

void ni_summary(const ni_run *r, double seconds, int interrupted)
{
    uint64_t skipped = 0;
    for (int i = 0; i < NI_NREASONS; i++)
        skipped += r->skipped[i];
    char size[32], rate[32];
    ni_human_bytes(r->bytes, size, sizeof size);
    ni_human_bytes(seconds > 0 ? (uint64_t)((double)r->bytes / seconds) : 0, rate, sizeof rate);
    if (shown_progress)
        ni_progress_clear(shown_progress);
    fprintf(stderr,
            "nindex: %s%llu added, %llu updated, %llu unchanged, %llu deleted, %llu skipped",
            interrupted ? "interrupted: " : "", (unsigned long long)r->added,
            (unsigned long long)r->updated, (unsigned long long)r->unchanged,
            (unsigned long long)r->deleted, (unsigned long long)skipped);
    const char *sep = " (";
    for (int i = 0; i < NI_NREASONS; i++) {
        if (!r->skipped[i])
            continue;
        fprintf(stderr, "%s%llu %s", sep, (unsigned long long)r->skipped[i], reason_names[i]);
        sep = ", ";
    }
    if (*sep == ',')
        fputc(')', stderr);
    if (r->dropped)
        fprintf(stderr, ", %llu field value%s dropped", (unsigned long long)r->dropped,
                r->dropped == 1 ? "" : "s");
    fprintf(stderr, " \xE2\x80\x94 %s in %.2f s (%s/s) \xE2\x86\x92 %s\n", size, seconds, rate,
            r->index_path);
}
