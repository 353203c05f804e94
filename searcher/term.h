/* term.h — colour and terminal handling for nsearch's human output. */
#ifndef NSEARCH_CLI_TERM_H
#define NSEARCH_CLI_TERM_H

#include <stddef.h>
#include <stdio.h>

typedef enum term_color_mode {
    TERM_COLOR_AUTO,
    TERM_COLOR_ALWAYS,
    TERM_COLOR_NEVER
} term_color_mode;

typedef struct term_style {
    int color;      /* write SGR escape sequences */
    unsigned width; /* columns to wrap at; 0 = do not wrap (not a terminal) */
    /* Without colour, the text written around a matched word (--mark-start,
     * --mark-end); NULL means "[" and "]". */
    const char *mark_start;
    const char *mark_end;
} term_style;

/* SGR sequences of the palette. Every one is closed with TERM_RESET. */
#define TERM_RESET "\033[0m"
#define TERM_BOLD "\033[1m"
#define TERM_DIM "\033[2m"
#define TERM_RANK "\033[32m"
#define TERM_MATCH "\033[1;31m"
#define TERM_ERROR "\033[1;31m"

/* Parses "auto", "always" or "never". Returns 0 on success, -1 otherwise. */
int term_parse_color(const char *s, term_color_mode *out);

/* Decides colour and wrapping for stream f. Colour: always with
 * TERM_COLOR_ALWAYS; with TERM_COLOR_AUTO only when f is a terminal, NO_COLOR
 * is unset or empty and TERM is not "dumb". Width: on a terminal COLUMNS if it
 * is a positive number, else the window size (TIOCGWINSZ), else 80; 0 when f
 * is not a terminal. */
term_style term_detect(FILE *f, term_color_mode mode);

/* Whether f is a terminal. */
int term_isatty(FILE *f);

/* Writes sgr when st->color is set. */
void term_sgr(FILE *out, const term_style *st, const char *sgr);

/* Writes s[0..len) safe for a terminal: tabs and line breaks become spaces,
 * other control characters (C0, DEL, C1) and invalid UTF-8 become U+FFFD (one
 * per invalid sequence, as in the library's snippets: common/utf8.h), so
 * document text can never move the cursor or inject escape sequences. */
void term_put_text(FILE *out, const char *s, size_t len);

/* Like term_put_text but stops before max_cols columns would be exceeded,
 * ending with "…" when something was left out. Returns the columns
 * written. */
size_t term_put_fit(FILE *out, const char *s, size_t len, size_t max_cols);

/* Columns s[0..len) takes once written by term_put_text. */
size_t term_text_width(const char *s, size_t len);

#endif
