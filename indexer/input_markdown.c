/* input_markdown.c — Markdown to the plain text that is indexed and shown.
 *
 * Not a renderer: it removes the markup a reader does not see, so that
 * snippets read as prose and link targets do not count as words. Headings,
 * quotes and list markers lose their marks; emphasis, strike-through and
 * code-span delimiters go; [text](url) and ![alt](url) keep text and alt;
 * reference definitions, fences, horizontal rules, setext underlines and
 * inline HTML tags go; code inside fences stays (it is content). Line breaks
 * are kept, so the first line is still the title line. Anything it does not
 * recognise stays as it is. */
#include <string.h>

#include "input.h"

/* A line made only of c (at least three) and blanks: a rule or an
 * underline. */
static int rule_of(const char *s, size_t n, char c)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == c)
            k++;
        else if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r')
            return 0;
    }
    return k >= 3;
}

static int is_rule(const char *s, size_t n)
{
    return rule_of(s, n, '-') || rule_of(s, n, '*') || rule_of(s, n, '_') || rule_of(s, n, '=');
}

static int is_fence(const char *s, size_t n)
{
    return n >= 3 && (!memcmp(s, "```", 3) || !memcmp(s, "~~~", 3));
}

/* "[label]: target" on a line of its own. */
static int is_ref_definition(const char *s, size_t n)
{
    if (n < 4 || s[0] != '[')
        return 0;
    const char *close = memchr(s, ']', n);
    return close && close > s + 1 && (size_t)(close - s) + 1 < n && close[1] == ':';
}

static int word_byte(unsigned char c)
{
    return c >= 0x80 || (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z');
}

/* Skips the block marks at the start of a line: indentation, quote marks,
 * heading marks and one list marker. */
static size_t block_marks(const char *s, size_t n)
{
    size_t i = 0;
    for (;;) {
        while (i < n && (s[i] == ' ' || s[i] == '\t'))
            i++;
        if (i < n && s[i] == '>') {
            i++;
            continue;
        }
        break;
    }
    size_t h = i;
    while (h < n && s[h] == '#')
        h++;
    if (h > i && h - i <= 6 && (h == n || s[h] == ' ' || s[h] == '\t'))
        return h;
    if (i + 1 < n && (s[i] == '-' || s[i] == '*' || s[i] == '+') && s[i + 1] == ' ')
        return i + 2;
    size_t d = i;
    while (d < n && s[d] >= '0' && s[d] <= '9' && d - i < 9)
        d++;
    if (d > i && d + 1 < n && (s[d] == '.' || s[d] == ')') && s[d + 1] == ' ')
        return d + 2;
    return i;
}

/* From s[i] == '(' : the index past the matching ')' on this line, or 0. */
static size_t paren_end(const char *s, size_t n, size_t i)
{
    int depth = 0;
    for (; i < n; i++) {
        if (s[i] == '(')
            depth++;
        else if (s[i] == ')' && --depth == 0)
            return i + 1;
    }
    return 0;
}

/* An inline HTML tag or autolink at s[i] == '<': its length, 0 if not one. */
static size_t tag_len(const char *s, size_t n, size_t i, int *autolink)
{
    *autolink = 0;
    if (i + 2 >= n || !(((s[i + 1] | 0x20) >= 'a' && (s[i + 1] | 0x20) <= 'z') || s[i + 1] == '/'))
        return 0;
    size_t j = i + 1;
    while (j < n && s[j] != '>' && s[j] != '<' && s[j] != ' ')
        j++;
    if (j < n && s[j] == '>') { /* <http://x> or <br/> */
        const char *colon = memchr(s + i, ':', j - i);
        *autolink = colon != NULL || memchr(s + i, '@', j - i) != NULL;
        return j - i + 1;
    }
    while (j < n && s[j] != '>' && s[j] != '<')
        j++;
    return j < n && s[j] == '>' ? j - i + 1 : 0;
}

static int blank_at(const char *s, size_t n, size_t i)
{
    return i >= n || s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == '\n';
}

static int punct_at(const char *s, size_t n, size_t i)
{
    if (i >= n)
        return 0;
    unsigned char c = (unsigned char)s[i];
    return c > ' ' && c < 0x80 && !word_byte(c);
}

/* A '*', '_' or '~' run that opens or closes emphasis: flanking a word on
 * one side only (CommonMark's left- and right-flanking, without pairing the
 * runs). Inside a word (snake_case, a*b) or between blanks (2 * 3) it is
 * text. */
static int emphasis_run(const char *s, size_t n, size_t i, size_t run)
{
    size_t after = i + run;
    int prev_blank = i == 0 || blank_at(s, n, i - 1), prev_punct = i > 0 && punct_at(s, n, i - 1);
    int next_blank = blank_at(s, n, after), next_punct = punct_at(s, n, after);
    int left = !next_blank && (!next_punct || prev_blank || prev_punct);
    int right = !prev_blank && (!prev_punct || next_blank || next_punct);
    if (s[i] == '~' && run < 2)
        return 0;
    return left != right;
}

static int inline_text(const char *s, size_t n, nsi_buf *out)
{
    int st = NS_OK;
    for (size_t i = 0; i < n && st == NS_OK;) {
        char c = s[i];
        if (c == '\\' && i + 1 < n && strchr("\\`*_{}[]()#+-.!<>~|", s[i + 1])) {
            st = nsi_buf_putc(out, s[i + 1]);
            i += 2;
        } else if (c == '`') {
            i++; /* code span delimiters go, their text stays */
        } else if (c == '*' || c == '_' || c == '~') {
            size_t run = 1;
            while (i + run < n && s[i + run] == c)
                run++;
            if (!emphasis_run(s, n, i, run))
                st = nsi_buf_append(out, s + i, run);
            i += run;
        } else if ((c == '[' || (c == '!' && i + 1 < n && s[i + 1] == '[')) &&
                   memchr(s + i, ']', n - i)) {
            size_t open = c == '!' ? i + 1 : i;
            const char *close = memchr(s + open, ']', n - open);
            size_t after = (size_t)(close - s) + 1, end = 0;
            if (after < n && s[after] == '(')
                end = paren_end(s, n, after);
            else if (after < n && s[after] == '[') {
                const char *rc = memchr(s + after, ']', n - after);
                end = rc ? (size_t)(rc - s) + 1 : 0;
            }
            if (end) { /* the text (or alt) stays, the target goes */
                st = inline_text(s + open + 1, (size_t)(close - s) - open - 1, out);
                i = end;
            } else {
                st = nsi_buf_putc(out, c);
                i++;
            }
        } else if (c == '<') {
            int autolink;
            size_t t = tag_len(s, n, i, &autolink);
            if (t && autolink)
                st = nsi_buf_append(out, s + i + 1, t - 2);
            else if (!t)
                st = nsi_buf_putc(out, c);
            i += t ? t : 1;
        } else {
            st = nsi_buf_putc(out, c);
            i++;
        }
    }
    return st;
}

int ni_markdown_to_text(const char *t, size_t len, size_t from, nsi_buf *out)
{
    int st = NS_OK, in_fence = 0;
    size_t pos = from;
    while (pos < len && st == NS_OK) {
        const char *nl = memchr(t + pos, '\n', len - pos);
        size_t le = nl ? (size_t)(nl - t) : len, next = nl ? le + 1 : len;
        const char *s = t + pos;
        size_t n = le - pos, lead = 0;
        while (lead < n && (s[lead] == ' ' || s[lead] == '\t'))
            lead++;
        int kept = 1;
        if (is_fence(s + lead, n - lead)) {
            in_fence = !in_fence;
            kept = 0;
        } else if (in_fence) {
            st = nsi_buf_append(out, s, n);
        } else if (is_rule(s, n) || is_ref_definition(s + lead, n - lead)) {
            kept = 0;
        } else {
            size_t b = block_marks(s, n), e = n;
            while (e > b && (s[e - 1] == '\r' || s[e - 1] == ' ' || s[e - 1] == '\t'))
                e--;
            size_t h = e; /* "## Title ##": closing heading marks */
            while (h > b && s[h - 1] == '#')
                h--;
            if (h < e && h > b && (s[h - 1] == ' ' || s[h - 1] == '\t'))
                e = h;
            while (b < e && (s[b] == ' ' || s[b] == '\t'))
                b++;
            while (e > b && (s[e - 1] == ' ' || s[e - 1] == '\t'))
                e--;
            st = inline_text(s + b, e - b, out);
        }
        if (st == NS_OK && nl && kept)
            st = nsi_buf_putc(out, '\n');
        pos = next;
    }
    return st;
}

int ni_markdown_title(const char *title, size_t len, nsi_buf *out)
{
    return inline_text(title, len, out);
}
