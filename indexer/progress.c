/* progress.c — the progress line (see progress.h). */
#include "progress.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "report.h"

#define NI_REDRAW_SECONDS 0.1
#define NI_LINE_SECONDS 5.0

double ni_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void ni_progress_init(ni_progress *p, ni_progress_mode mode)
{
    const char *term = getenv("TERM");
    memset(p, 0, sizeof *p);
    p->mode = mode;
    p->dumb = term && !strcmp(term, "dumb");
    p->start = p->last = ni_now();
}

static void format_eta(double s, char *out, size_t len)
{
    unsigned long t = (unsigned long)(s + 0.5);
    if (t >= 3600)
        snprintf(out, len, "%lu:%02lu:%02lu", t / 3600, t / 60 % 60, t % 60);
    else
        snprintf(out, len, "%lu:%02lu", t / 60, t % 60);
}

static size_t terminal_width(void)
{
    struct winsize ws;
    if (ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 20)
        return ws.ws_col;
    return 80;
}

void ni_progress_update(ni_progress *p, uint64_t docs, uint64_t bytes, int force)
{
    if (p->mode == NI_PROGRESS_OFF)
        return;
    double now = ni_now();
    double every = p->mode == NI_PROGRESS_REDRAW ? NI_REDRAW_SECONDS : NI_LINE_SECONDS;
    if (!force && now - p->last < every)
        return;
    p->last = now;
    double secs = now - p->start;
    double rate = secs > 0 ? (double)bytes / secs : 0;
    char done[32], total[32], speed[32], line[200];
    ni_human_bytes(bytes, done, sizeof done);
    ni_human_bytes((uint64_t)rate, speed, sizeof speed);
    int n;
    if (p->total_bytes && bytes <= p->total_bytes) {
        char eta[32] = "?";
        if (secs >= 1 && rate > 0)
            format_eta((double)(p->total_bytes - bytes) / rate, eta, sizeof eta);
        ni_human_bytes(p->total_bytes, total, sizeof total);
        n = snprintf(line, sizeof line, "nindex: %llu docs, %s of %s (%d%%), %s/s, ETA %s",
                     (unsigned long long)docs, done, total,
                     (int)((double)bytes * 100 / (double)p->total_bytes), speed, eta);
    } else
        n = snprintf(line, sizeof line, "nindex: %llu docs, %s, %s/s", (unsigned long long)docs,
                     done, speed);
    size_t len = n < 0 ? 0 : (size_t)n < sizeof line ? (size_t)n : sizeof line - 1;
    if (p->mode == NI_PROGRESS_LINES) {
        fprintf(stderr, "%s\n", line);
        return;
    }
    /* A line that wraps cannot be redrawn with \r: keep it narrower. */
    size_t width = terminal_width() - 1;
    if (len > width)
        len = width;
    if (p->dumb)
        fprintf(stderr, "\r%.*s%*s", (int)len, line, p->shown > len ? (int)(p->shown - len) : 0,
                "");
    else
        fprintf(stderr, "\r%.*s\033[K", (int)len, line);
    fflush(stderr);
    p->shown = len;
}

void ni_progress_status(ni_progress *p, const char *text)
{
    if (p->mode != NI_PROGRESS_REDRAW)
        return;
    ni_progress_clear(p);
    fprintf(stderr, "nindex: %s", text);
    fflush(stderr);
    p->shown = strlen(text) + 8;
}

void ni_progress_clear(ni_progress *p)
{
    if (p->mode != NI_PROGRESS_REDRAW || !p->shown)
        return;
    if (p->dumb)
        fprintf(stderr, "\r%*s\r", (int)p->shown, "");
    else
        fputs("\r\033[K", stderr);
    p->shown = 0;
}
