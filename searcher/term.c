/* term.c — terminal detection and safe text output.
 *
 * The colour decision follows the common CLI conventions (ripgrep, jq,
 * no-color.org): colour on a terminal unless NO_COLOR says otherwise, and
 * explicit --color=always|never overrides both. */
#include "term.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "utf8.h"

#define TERM_MIN_WIDTH 20
#define TERM_DEFAULT_WIDTH 80

int term_parse_color(const char *s, term_color_mode *out)
{
    if (strcmp(s, "auto") == 0)
        *out = TERM_COLOR_AUTO;
    else if (strcmp(s, "always") == 0)
        *out = TERM_COLOR_ALWAYS;
    else if (strcmp(s, "never") == 0)
        *out = TERM_COLOR_NEVER;
    else
        return -1;
    return 0;
}

int term_isatty(FILE *f) { return isatty(fileno(f)); }

static unsigned env_columns(void)
{
    const char *s = getenv("COLUMNS");
    char *end;
    unsigned long v;

    if (s == NULL || *s < '0' || *s > '9')
        return 0;
    v = strtoul(s, &end, 10);
    if (*end != '\0' || v == 0 || v > 10000)
        return 0;
    return (unsigned)v;
}

static unsigned window_columns(FILE *f)
{
    struct winsize ws;

    if (ioctl(fileno(f), TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
        return ws.ws_col;
    return 0;
}

term_style term_detect(FILE *f, term_color_mode mode)
{
    term_style st = {0, 0, NULL, NULL};
    int tty = term_isatty(f);

    if (mode == TERM_COLOR_ALWAYS) {
        st.color = 1;
    } else if (mode == TERM_COLOR_AUTO && tty) {
        const char *no_color = getenv("NO_COLOR");
        const char *term = getenv("TERM");

        st.color =
            (no_color == NULL || *no_color == '\0') && (term == NULL || strcmp(term, "dumb") != 0);
    }
    if (tty) {
        st.width = env_columns();
        if (st.width == 0)
            st.width = window_columns(f);
        if (st.width == 0)
            st.width = TERM_DEFAULT_WIDTH;
        if (st.width < TERM_MIN_WIDTH)
            st.width = TERM_MIN_WIDTH;
    }
    return st;
}

void term_sgr(FILE *out, const term_style *st, const char *sgr)
{
    if (st->color)
        fputs(sgr, out);
}

/* The code point that stands for cp on a terminal. */
static int32_t safe_cp(int32_t cp)
{
    if (cp < 0) /* an invalid sequence */
        return NSI_UTF8_REPLACEMENT;
    if (cp == '\t' || cp == '\n' || cp == '\r' || cp == '\v' || cp == '\f')
        return ' ';
    if (cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp < 0xA0))
        return NSI_UTF8_REPLACEMENT;
    return cp;
}

size_t term_put_fit(FILE *out, const char *s, size_t len, size_t max_cols)
{
    size_t cols = 0;
    size_t i = 0;
    size_t run = 0; /* start of the bytes that go out as they are, not yet written */

    if (max_cols == SIZE_MAX || term_text_width(s, len) <= max_cols)
        max_cols = SIZE_MAX; /* everything fits: no room needed for "…" */
    else if (max_cols > 0)
        max_cols--; /* keep a column for "…" */
    /* Text goes out in runs: one fwrite for each stretch of code points
     * written as they are, ended by one that is replaced (or the end). */
    while (i < len) {
        int32_t cp;
        size_t n = nsi_utf8_decode((const uint8_t *)s + i, len - i, &cp);
        int32_t safe = safe_cp(cp);
        unsigned w = nsi_utf8_cp_width(safe);

        if (cols + w > max_cols)
            break;
        if (safe != cp) {
            uint8_t enc[4];

            if (i > run)
                fwrite(s + run, 1, i - run, out);
            fwrite(enc, 1, nsi_utf8_encode(safe, enc), out);
            run = i + n;
        }
        cols += w;
        i += n;
    }
    if (i > run)
        fwrite(s + run, 1, i - run, out);
    if (i < len) {
        fputs("\xE2\x80\xA6", out);
        cols++;
    }
    return cols;
}

void term_put_text(FILE *out, const char *s, size_t len) { term_put_fit(out, s, len, SIZE_MAX); }

size_t term_text_width(const char *s, size_t len)
{
    size_t w = 0;
    size_t i = 0;

    while (i < len) {
        int32_t cp;

        i += nsi_utf8_decode((const uint8_t *)s + i, len - i, &cp);
        w += nsi_utf8_cp_width(safe_cp(cp));
    }
    return w;
}
