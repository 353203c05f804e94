/* input_text.c — plain text and Markdown: binary sniffing and titles. */
#include <string.h>

#include "input.h"
#include "nsearch.h"
#include "utf8.h"

static int is_blank(unsigned char c)
{
    /* Control characters count as blanks in titles: a title is one line. */
    return c <= ' ' || c == 0x7F;
}

const char *ni_text_wide(const char *data, size_t len, size_t *bom)
{
    const unsigned char *p = (const unsigned char *)data;
    *bom = 4;
    if (len >= 4 && !memcmp(p, "\xFF\xFE\0\0", 4))
        return "UTF-32LE";
    if (len >= 4 && !memcmp(p, "\0\0\xFE\xFF", 4))
        return "UTF-32BE";
    *bom = 2;
    if (len >= 2 && p[0] == 0xFF && p[1] == 0xFE)
        return "UTF-16LE";
    if (len >= 2 && p[0] == 0xFE && p[1] == 0xFF)
        return "UTF-16BE";
    *bom = 0;
    /* Without a BOM: in most pairs one byte is NUL and the other a printable
     * ASCII character or a line break, always on the same side, and no pair
     * is all NUL (which UTF-32 and binary data have). Text in scripts beyond
     * Latin-1 has no NULs to see; uchardet may still name it. */
    size_t n = (len < NI_SNIFF_BYTES ? len : NI_SNIFF_BYTES) & ~(size_t)1;
    size_t pairs = n / 2, lo = 0, hi = 0;
    if (pairs < 2)
        return NULL;
    for (size_t i = 0; i < n; i += 2) {
        unsigned char a = p[i], b = p[i + 1];
        if (!a && !b)
            return NULL;
        if (!b && (a >= 0x20 || a == '\t' || a == '\n' || a == '\r') && a != 0x7F)
            lo++;
        else if (!a && (b >= 0x20 || b == '\t' || b == '\n' || b == '\r') && b != 0x7F)
            hi++;
    }
    if (lo * 10 >= pairs * 7 && hi * 20 <= pairs)
        return "UTF-16LE";
    if (hi * 10 >= pairs * 7 && lo * 20 <= pairs)
        return "UTF-16BE";
    return NULL;
}

int ni_looks_binary(const char *data, size_t len)
{
    const unsigned char *p = (const unsigned char *)data;
    size_t n = len < NI_SNIFF_BYTES ? len : NI_SNIFF_BYTES;
    size_t bad = 0, bom;
    if (ni_text_wide(data, len, &bom))
        return 0;
    for (size_t i = 0; i < n;) {
        unsigned char c = p[i];
        if (c == 0)
            return 1;
        if (c < 0x80) {
            /* Tabs, line and page breaks, backspace (overstrike in man
             * output) and ESC (colour codes in logs) occur in text. */
            if ((c < 0x20 && !strchr("\t\n\v\f\r\b\033", c)) || c == 0x7F)
                bad++;
            i++;
            continue;
        }
        int32_t cp;
        size_t k = nsi_utf8_decode(p + i, n - i, &cp);
        if (cp < 0) {
            if (i + k == n && k < nsi_utf8_lead_len(c))
                break; /* a character cut by the sniff window is not evidence */
            bad++;
            k = 1; /* each byte of an invalid sequence counts */
        }
        i += k;
    }
    return n > 0 && bad * 10 > n * 3;
}

int ni_title_fit(const char *s, size_t len, nsi_buf *title)
{
    size_t start = title->len;
    int space = 0, over = 0, st;
    for (size_t i = 0; i < len && !over; i++) {
        unsigned char c = (unsigned char)s[i];
        if (is_blank(c)) {
            space = title->len > start;
            continue;
        }
        if (space && (st = nsi_buf_putc(title, ' ')) != NS_OK)
            return st;
        space = 0;
        if ((st = nsi_buf_putc(title, (char)c)) != NS_OK)
            return st;
        over = title->len - start > NI_TITLE_MAX;
    }
    if (!over)
        return NS_OK;
    /* Keep room for the 3-byte ellipsis; data[cut] is the first byte dropped,
     * so it must start a character. Prefer a word boundary in the back half. */
    size_t cut = start + NI_TITLE_MAX - 3;
    while (cut > start && ((unsigned char)title->str[cut] & 0xC0) == 0x80)
        cut--;
    size_t sp = cut;
    while (sp > start && title->str[sp] != ' ')
        sp--;
    if (sp > start + NI_TITLE_MAX / 2)
        cut = sp;
    while (cut > start && title->str[cut - 1] == ' ')
        cut--;
    title->len = cut;
    return nsi_buf_puts(title, "\xE2\x80\xA6");
}

/* The next line of [*pos, len): sets *ls and *le to its bounds without the line
 * break and advances *pos past it. Returns 0 at the end. */
static int next_line(const char *t, size_t len, size_t *pos, size_t *ls, size_t *le)
{
    if (*pos >= len)
        return 0;
    const char *nl = memchr(t + *pos, '\n', len - *pos);
    size_t e = nl ? (size_t)(nl - t) : len;
    *ls = *pos;
    *le = e > *ls && t[e - 1] == '\r' ? e - 1 : e;
    *pos = nl ? e + 1 : len;
    return 1;
}

static void trim(const char *t, size_t *ls, size_t *le)
{
    while (*ls < *le && is_blank((unsigned char)t[*ls]))
        (*ls)++;
    while (*le > *ls && is_blank((unsigned char)t[*le - 1]))
        (*le)--;
}

static int has_word_char(const char *t, size_t ls, size_t le)
{
    for (size_t i = ls; i < le; i++) {
        unsigned char c = (unsigned char)t[i];
        /* Any non-ASCII byte may be a letter; digits and ASCII letters are. */
        if (c >= 0x80 || (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z'))
            return 1;
    }
    return 0;
}

/* If t starts with a YAML front matter block ("---" line ... "---" or "..."
 * line), sets *after to the offset past it and *found to its title value's
 * bounds (if any). Returns whether there was a block. */
static int front_matter(const char *t, size_t len, size_t *after, size_t *ts, size_t *te)
{
    size_t pos = 0, ls, le;
    if (!next_line(t, len, &pos, &ls, &le) || le - ls != 3 || memcmp(t + ls, "---", 3))
        return 0;
    *ts = *te = 0;
    while (next_line(t, len, &pos, &ls, &le)) {
        if (le - ls == 3 && (!memcmp(t + ls, "---", 3) || !memcmp(t + ls, "...", 3))) {
            *after = pos;
            return 1;
        }
        if (*te == 0 && le - ls > 6 && !memcmp(t + ls, "title:", 6)) {
            size_t s = ls + 6, e = le;
            trim(t, &s, &e);
            if (e - s >= 2 && (t[s] == '"' || t[s] == '\'') && t[e - 1] == t[s]) {
                s++;
                e--;
            }
            *ts = s;
            *te = e;
        }
    }
    return 0; /* never closed: not front matter */
}

/* Lines that are page furniture rather than a headline: list items ("• Live",
 * "* Home") and breadcrumbs ("News > Russia"). Scraped articles often start
 * with a few of them. */
static int furniture(const char *t, size_t ls, size_t le)
{
    static const char *bullets[] = {"\xE2\x80\xA2", "\xC2\xB7", "* ", "- ", "+ "};
    for (size_t i = 0; i < sizeof bullets / sizeof *bullets; i++) {
        size_t n = strlen(bullets[i]);
        if (le - ls >= n && !memcmp(t + ls, bullets[i], n))
            return 1;
    }
    for (size_t i = ls; i + 3 <= le; i++)
        if (t[i] == ' ' && (t[i + 1] == '>' || t[i + 1] == '|') && t[i + 2] == ' ')
            return 1;
    return 0;
}

size_t ni_front_matter_end(const char *t, size_t len)
{
    size_t after, ts, te;
    return front_matter(t, len, &after, &ts, &te) ? after : 0;
}

int ni_text_title(const char *text, size_t len, int markdown, nsi_buf *title)
{
    size_t pos = 0, ls, le;
    if (len >= 3 && !memcmp(text, "\xEF\xBB\xBF", 3))
        pos = 3;
    if (markdown) {
        size_t after, ts, te;
        if (front_matter(text + pos, len - pos, &after, &ts, &te)) {
            if (te > ts)
                return ni_title_fit(text + pos + ts, te - ts, title);
            pos += after;
        }
    }
    /* the first line with words that is not page furniture, looking a few
     * lines down; failing that, the first line with words */
    size_t first_s = 0, first_e = 0;
    int have_first = 0;
    for (int n = 0; n < 40 && next_line(text, len, &pos, &ls, &le); n++) {
        trim(text, &ls, &le);
        if (markdown) {
            while (ls < le && text[ls] == '#')
                ls++;
            trim(text, &ls, &le);
        }
        if (!has_word_char(text, ls, le))
            continue;
        if (!furniture(text, ls, le))
            return ni_title_fit(text + ls, le - ls, title);
        if (!have_first) {
            have_first = 1;
            first_s = ls;
            first_e = le;
        }
    }
    if (have_first)
        return ni_title_fit(text + first_s, first_e - first_s, title);
    return NS_OK;
}
