/* print_text.c — the human output of nsearch: the product's face.
 *
 * Per hit:
 *
 *    1. Title of the document  8.41            rank, bold title, dim score
 *       /path/or/url · 2023-11-16 · +2 duplicates    dim location, date, and
 *                                              with --dedup the copies collapsed
 *       …the snippet with [highlighted] words,  wrapped to the terminal
 *       indented under the title…
 *
 * then one summary line: "3 of 4 matches · 0.8 ms", and with --facet one
 * line per facet: "topics: cocoa 12 · coffee 8 · sugar 3".
 * The date is the document's date field (its day, YYYY-MM-DD), or the date
 * as stored when it is not a date the index could read.
 *
 * Highlights are SGR colour on a colour terminal and "[...]" otherwise (or
 * the markers --mark-start and --mark-end give), so that piped output still
 * shows what matched. Every SGR sequence is closed
 * with TERM_RESET before a line ends, so a wrapped highlight never bleeds
 * into the indentation or past the end of the output. All document text goes
 * through term.c, which neutralises control characters. */
#include <inttypes.h>
#include <stdint.h>
#include <string.h>

#include "cli.h"
#include "term.h"
#include "utf8.h"

#define ELLIPSIS "\xE2\x80\xA6"
#define MIDDOT " \xC2\xB7 "
#define MIN_TITLE_COLS 16

/* The cursor of a snippet being written with word wrapping. */
typedef struct wrap {
    FILE *out;
    const term_style *st;
    size_t indent; /* columns of indentation of every line */
    size_t col;    /* current column */
    int in_match;  /* inside a highlighted span */
} wrap;

static void put_spaces(FILE *out, size_t n)
{
    static const char spaces[] = "                                ";

    while (n > 0) {
        size_t k = n < sizeof spaces - 1 ? n : sizeof spaces - 1;

        fwrite(spaces, 1, k, out);
        n -= k;
    }
}

static size_t digits(size_t v)
{
    size_t d = 1;

    while (v >= 10)
        v /= 10, d++;
    return d;
}

static void wrap_newline(wrap *w)
{
    if (w->in_match)
        term_sgr(w->out, w->st, TERM_RESET);
    putc('\n', w->out);
    put_spaces(w->out, w->indent);
    w->col = w->indent;
    if (w->in_match)
        term_sgr(w->out, w->st, TERM_MATCH);
}

static const char *mark_start(const term_style *st)
{
    return st->mark_start != NULL ? st->mark_start : "[";
}

static const char *mark_end(const term_style *st)
{
    return st->mark_end != NULL ? st->mark_end : "]";
}

static void open_match(wrap *w)
{
    if (w->st->color) {
        fputs(TERM_MATCH, w->out);
    } else {
        const char *m = mark_start(w->st);

        fputs(m, w->out);
        w->col += term_text_width(m, strlen(m));
    }
    w->in_match = 1;
}

static void close_match(wrap *w)
{
    if (w->st->color) {
        fputs(TERM_RESET, w->out);
    } else {
        const char *m = mark_end(w->st);

        fputs(m, w->out);
        w->col += term_text_width(m, strlen(m));
    }
    w->in_match = 0;
}

/* Columns the word text[b..e) takes, with the markers that bracket mode
 * adds inside it. */
static size_t word_cols(const wrap *w, const ns_snippet *sn, const char *text, size_t b, size_t e)
{
    size_t cols = term_text_width(text + b, e - b);
    size_t n = ns_snippet_span_count(sn);
    size_t ws, we;

    if (w->st->color)
        return cols;
    ws = term_text_width(mark_start(w->st), strlen(mark_start(w->st)));
    we = term_text_width(mark_end(w->st), strlen(mark_end(w->st)));
    for (size_t i = 0; i < n; i++) {
        size_t s, t;

        ns_snippet_span(sn, i, &s, &t);
        cols += (s >= b && s < e) * ws + (t > b && t <= e) * we;
    }
    return cols;
}

/* Opens and closes highlights at byte p. *next is the next span to open;
 * spans that start before p (malformed or inside a space) are skipped. */
static void match_edges(wrap *w, const ns_snippet *sn, size_t p, size_t *next, size_t *end)
{
    size_t n = ns_snippet_span_count(sn);

    if (w->in_match && p >= *end)
        close_match(w);
    while (!w->in_match && *next < n) {
        size_t s, t;

        ns_snippet_span(sn, *next, &s, &t);
        if (s > p)
            break;
        (*next)++;
        if (s == p && t > s) {
            open_match(w);
            *end = t;
        }
    }
}

/* The first code point boundary of text[p..e) at or after target (e when
 * there is none before it). */
static size_t boundary_at(const char *text, size_t p, size_t e, size_t target)
{
    while (p < e && p < target) {
        int32_t cp;

        p += nsi_utf8_decode((const uint8_t *)text + p, e - p, &cp);
    }
    return p < e ? p : e;
}

/* Writes the word text[b..e) in runs: one term_put_text for each stretch
 * between highlight edges. Edges are taken at code point boundaries, as
 * match_edges sees them. */
static void put_word(wrap *w, const ns_snippet *sn, const char *text, size_t b, size_t e,
                     size_t *next, size_t *end)
{
    size_t p = b;
    size_t n = ns_snippet_span_count(sn);

    for (;;) {
        size_t target = e, q;

        match_edges(w, sn, p, next, end);
        if (p >= e)
            break;
        if (w->in_match) {
            target = *end;
        } else if (*next < n) {
            size_t s, t;

            ns_snippet_span(sn, *next, &s, &t);
            target = s;
        }
        q = boundary_at(text, p, e, target > p ? target : p + 1);
        term_put_text(w->out, text + p, q - p);
        w->col += term_text_width(text + p, q - p);
        p = q;
    }
}

static void put_snippet(FILE *out, const term_style *st, const ns_snippet *sn, size_t indent)
{
    size_t len;
    const char *text = ns_snippet_text(sn, &len);
    wrap w = {out, st, indent, indent, 0};
    size_t next = 0, end = 0;
    size_t i = 0;
    int line_empty = 1;

    while (len > 0 && text[len - 1] == ' ')
        len--;
    if (len == 0)
        return;
    put_spaces(out, indent);
    if (ns_snippet_cut_before(sn)) {
        fputs(ELLIPSIS, out);
        w.col++;
    }
    while (i < len) {
        size_t b = i, e, cols;
        int spaced;

        while (b < len && text[b] == ' ')
            b++;
        spaced = b > 0 && text[b - 1] == ' ';
        for (e = b; e < len && text[e] != ' ';)
            e++;
        cols = word_cols(&w, sn, text, b, e) + (e == len && ns_snippet_cut_after(sn));
        if (st->width > 0 && !line_empty && w.col + spaced + cols > st->width) {
            wrap_newline(&w);
        } else if (spaced && !line_empty) {
            putc(' ', out);
            w.col++;
        }
        put_word(&w, sn, text, b, e, &next, &end);
        line_empty = 0;
        i = e;
    }
    if (w.in_match)
        close_match(&w);
    if (ns_snippet_cut_after(sn))
        fputs(ELLIPSIS, out);
    putc('\n', out);
}

static void put_title_line(FILE *out, const term_style *st, const ns_hit *h, size_t rank_cols)
{
    char score[32];
    size_t indent = rank_cols + 2;
    size_t room = SIZE_MAX;
    const char *title = h->title_len > 0 ? h->title : h->id;
    size_t title_len = h->title_len > 0 ? h->title_len : h->id_len;

    snprintf(score, sizeof score, "%.2f", h->score);
    if (st->width > 0) {
        size_t used = indent + 2 + strlen(score);

        room = st->width > used + MIN_TITLE_COLS ? st->width - used : MIN_TITLE_COLS;
    }
    term_sgr(out, st, TERM_RANK);
    fprintf(out, "%*zu.", (int)rank_cols, h->rank);
    term_sgr(out, st, TERM_RESET);
    putc(' ', out);
    term_sgr(out, st, TERM_BOLD);
    term_put_fit(out, title, title_len, room);
    term_sgr(out, st, TERM_RESET);
    fputs("  ", out);
    term_sgr(out, st, TERM_DIM);
    fputs(score, out);
    term_sgr(out, st, TERM_RESET);
    putc('\n', out);
}

static void put_location_line(FILE *out, const term_style *st, const cli_run *run, const ns_hit *h,
                              size_t indent)
{
    const char *where = h->url_len > 0 ? h->url : h->id;
    size_t where_len = h->url_len > 0 ? h->url_len : h->id_len;
    size_t room = SIZE_MAX, i = h->rank - 1 - run->offset;
    const char *date;
    size_t date_len = cli_hit_date(run->r, i, &date);
    uint64_t dups = run->dedup ? ns_results_duplicates(run->r, i) : 0;
    char dup_text[48] = "";

    if (date_len >= 10)
        date_len = 10; /* the day */
    else if (date_len == 0) {
        date = h->date; /* not a date the index read: as stored */
        date_len = h->date_len;
    }
    if (dups > 0)
        snprintf(dup_text, sizeof dup_text, "+%" PRIu64 " duplicate%s", dups, dups == 1 ? "" : "s");
    if (where_len == 0 && date_len == 0 && dups == 0)
        return;
    if (st->width > 0) {
        size_t date_cols = date_len > 0 ? term_text_width(date, date_len) + 3 : 0;
        size_t used = indent + date_cols + (dups > 0 ? strlen(dup_text) + 3 : 0);

        room = st->width > used + MIN_TITLE_COLS ? st->width - used : MIN_TITLE_COLS;
    }
    put_spaces(out, indent);
    term_sgr(out, st, TERM_DIM);
    term_put_fit(out, where, where_len, room);
    if (date_len > 0) {
        if (where_len > 0)
            fputs(MIDDOT, out);
        term_put_text(out, date, date_len);
    }
    if (dups > 0) {
        if (where_len > 0 || date_len > 0)
            fputs(MIDDOT, out);
        fputs(dup_text, out);
    }
    term_sgr(out, st, TERM_RESET);
    putc('\n', out);
}

/* Writes v with thousands separators: 12,345. */
static void put_count(FILE *out, uint64_t v)
{
    char digits_buf[24];
    int n = snprintf(digits_buf, sizeof digits_buf, "%" PRIu64, v);

    for (int i = 0; i < n; i++) {
        if (i > 0 && (n - i) % 3 == 0)
            putc(',', out);
        putc(digits_buf[i], out);
    }
}

static void put_elapsed(FILE *out, uint64_t us)
{
    double ms = (double)us / 1000.0;

    if (ms < 0.1)
        fprintf(out, "%.2f ms", ms);
    else if (ms < 10)
        fprintf(out, "%.1f ms", ms);
    else if (ms < 1000)
        fprintf(out, "%.0f ms", ms);
    else
        fprintf(out, "%.2f s", ms / 1000.0);
}

static void put_summary(FILE *out, const term_style *st, const cli_run *run, size_t n)
{
    int exact = 1;
    uint64_t total = run->r != NULL ? ns_results_total(run->r, &exact) : 0;

    term_sgr(out, st, TERM_DIM);
    if (total == 0 && n == 0) {
        fputs("no matches", out);
    } else {
        if (n > 0 && run->offset > 0)
            fprintf(out, "%zu\xE2\x80\x93%zu", run->offset + 1, run->offset + n);
        else
            fprintf(out, "%zu", n);
        fputs(exact ? " of " : " of about ", out);
        put_count(out, total);
        fputs(total == 1 && exact ? " match" : " matches", out);
        if (n == 0 && run->offset > 0)
            fprintf(out, " (offset %zu)", run->offset);
    }
    fputs(MIDDOT, out);
    put_elapsed(out, run->elapsed_us);
    term_sgr(out, st, TERM_RESET);
    putc('\n', out);
}

/* One line per facet: "topics: cocoa 12 · coffee 8" (values as they were
 * given, most frequent first). */
static void put_facets(FILE *out, const term_style *st, const ns_results *r)
{
    size_t nf = ns_results_facet_count(r);

    for (size_t f = 0; f < nf; f++) {
        const char *name;
        size_t nv = 0;

        ns_results_facet(r, f, &name, &nv);
        term_sgr(out, st, TERM_BOLD);
        term_put_text(out, name, strlen(name));
        putc(':', out);
        term_sgr(out, st, TERM_RESET);
        if (nv == 0)
            fputs(" (none)", out);
        for (size_t j = 0; j < nv; j++) {
            const char *v;
            size_t len;
            uint64_t count;

            ns_results_facet_value(r, f, j, &v, &len, &count);
            fputs(j > 0 ? MIDDOT : " ", out);
            term_put_text(out, v, len);
            putc(' ', out);
            term_sgr(out, st, TERM_DIM);
            put_count(out, count);
            term_sgr(out, st, TERM_RESET);
        }
        putc('\n', out);
    }
}

static void put_query_heading(FILE *out, const term_style *st, const cli_run *run)
{
    size_t room = SIZE_MAX;
    size_t qid_cols = term_text_width(run->qid, strlen(run->qid));
    const char *text = run->text;
    size_t len = run->text_len;

    while (len > 0 && (*text == ' ' || *text == '\t'))
        text++, len--;

    if (st->width > 0)
        room =
            st->width > qid_cols + 2 + MIN_TITLE_COLS ? st->width - qid_cols - 2 : MIN_TITLE_COLS;
    term_sgr(out, st, TERM_RANK);
    term_put_text(out, run->qid, strlen(run->qid));
    putc(':', out);
    term_sgr(out, st, TERM_RESET);
    putc(' ', out);
    term_sgr(out, st, TERM_BOLD);
    term_put_fit(out, text, len, room);
    term_sgr(out, st, TERM_RESET);
    putc('\n', out);
}

int print_text(FILE *out, const cli_run *run, const term_style *st)
{
    size_t n = run->r != NULL ? ns_results_count(run->r) : 0;
    size_t rank_cols = digits(run->offset + n);
    ns_snippet_options sopts = cli_snippet_options(run);

    if (run->qid != NULL)
        put_query_heading(out, st, run);
    if (run->suggestion != NULL) {
        fputs("Did you mean: ", out);
        term_sgr(out, st, TERM_BOLD);
        term_put_text(out, run->suggestion, strlen(run->suggestion));
        term_sgr(out, st, TERM_RESET);
        fputs("?\n\n", out);
    }
    for (size_t i = 0; i < n; i++) {
        ns_hit h;
        ns_snippet *sn = NULL;
        int rc = ns_results_hit(run->r, i, &h);

        if (rc == NS_OK)
            rc = ns_snippet_make(&sn, run->idx, run->q, run->r, i, &sopts);
        if (rc != NS_OK)
            return rc;
        put_title_line(out, st, &h, rank_cols);
        put_location_line(out, st, run, &h, rank_cols + 2);
        put_snippet(out, st, sn, rank_cols + 2);
        ns_snippet_free(sn);
        if (run->explain && (rc = print_explain_text(out, run, i, rank_cols + 2, st)) != NS_OK)
            return rc;
        putc('\n', out);
    }
    put_summary(out, st, run, n);
    if (run->r != NULL)
        put_facets(out, st, run->r);
    if (run->qid != NULL)
        putc('\n', out);
    return NS_OK;
}
