/* input_archive.c — documents that are ZIP archives of XML: EPUB books,
 * OpenDocument text (.odt) and Word (.docx), through libarchive.
 *
 * libarchive reads the ZIP container from memory (it is the archive library
 * of Debian's bsdtar, with bounds on every entry); the entries this reader
 * needs are gathered (at most the body's limit in all, so a ZIP bomb stops
 * there), then:
 *  - EPUB: META-INF/container.xml names the package (.opf); its spine gives
 *    the reading order of the XHTML content files, each read by the HTML
 *    reader (input_html.c); the title is the package's dc:title. Without a
 *    usable spine, every (X)HTML entry in archive order.
 *  - .odt: content.xml's text, a line per paragraph and heading; the title
 *    is meta.xml's dc:title.
 *  - .docx: word/document.xml's w:t text, a line per w:p paragraph; the
 *    title is docProps/core.xml's dc:title.
 * Without a title in the metadata, the text's first line. The XML of .odt and
 * .docx is read by a small scanner (tags dropped, the five XML entities and
 * numeric references decoded): their text is element content, never markup
 * that needs a parser's tree. */
#include <archive.h>
#include <archive_entry.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "input.h"
#include "nsearch.h"
#include "utf8.h"

#define MAX_ENTRIES 4096

typedef struct entry {
    char *name;
    nsi_buf data;
} entry;

typedef struct zip {
    entry *e;
    size_t n;
    size_t total;
} zip;

static void zip_free(zip *z)
{
    for (size_t i = 0; i < z->n; i++) {
        free(z->e[i].name);
        nsi_buf_free(&z->e[i].data);
    }
    free(z->e);
}

static const entry *zip_find(const zip *z, const char *name)
{
    for (size_t i = 0; i < z->n; i++)
        if (!strcmp(z->e[i].name, name))
            return &z->e[i];
    return NULL;
}

static int ends_with(const char *s, const char *tail)
{
    size_t a = strlen(s), b = strlen(tail);
    return a >= b && !strcasecmp(s + a - b, tail);
}

/* Whether a reader of kind needs the entry called name. */
static int wanted(enum ni_archive_kind kind, const char *name)
{
    switch (kind) {
    case NI_ARCHIVE_EPUB:
        return !strcmp(name, "META-INF/container.xml") || ends_with(name, ".opf") ||
               ends_with(name, ".xhtml") || ends_with(name, ".html") || ends_with(name, ".htm");
    case NI_ARCHIVE_ODT:
        return !strcmp(name, "content.xml") || !strcmp(name, "meta.xml");
    case NI_ARCHIVE_DOCX:
        return !strcmp(name, "word/document.xml") || !strcmp(name, "docProps/core.xml");
    }
    return 0;
}

/* Reads the wanted entries of the ZIP data into z, at most limit bytes in
 * all. Returns NS_OK, NS_ENOMEM, NS_ETOOBIG or NS_EINVAL (why). */
static int zip_read(const char *data, size_t len, enum ni_archive_kind kind, size_t limit, zip *z,
                    char *why, size_t why_len)
{
    struct archive *a = archive_read_new();
    if (!a)
        return NS_ENOMEM;
    archive_read_support_format_zip(a);
    int st = NS_OK;
    if (archive_read_open_memory(a, data, len) != ARCHIVE_OK) {
        snprintf(why, why_len, "not a ZIP archive (%s)", archive_error_string(a));
        archive_read_free(a);
        return NS_EINVAL;
    }
    struct archive_entry *ae;
    int rc = ARCHIVE_OK;
    while (st == NS_OK &&
           ((rc = archive_read_next_header(a, &ae)) == ARCHIVE_OK || rc == ARCHIVE_WARN)) {
        const char *name = archive_entry_pathname(ae);
        if (!name || !wanted(kind, name) || archive_entry_filetype(ae) != AE_IFREG)
            continue;
        if (z->n == MAX_ENTRIES) {
            snprintf(why, why_len, "more than %u content files", MAX_ENTRIES);
            st = NS_EINVAL;
            break;
        }
        if (z->n % 64 == 0) {
            entry *e = realloc(z->e, (z->n + 64) * sizeof *e);
            if (!e) {
                st = NS_ENOMEM;
                break;
            }
            z->e = e;
        }
        entry *e = &z->e[z->n];
        memset(e, 0, sizeof *e);
        e->name = strdup(name);
        if (!e->name) {
            st = NS_ENOMEM;
            break;
        }
        z->n++;
        e->data.limit = limit - z->total + 1; /* what is left of the limit */
        char chunk[16384];
        la_ssize_t k;
        while ((k = archive_read_data(a, chunk, sizeof chunk)) > 0) {
            if (z->total + (size_t)k > limit) {
                st = NS_ETOOBIG;
                break;
            }
            if ((st = nsi_buf_append(&e->data, chunk, (size_t)k)) != NS_OK)
                break;
            z->total += (size_t)k;
        }
        if (st == NS_OK && k < 0) {
            snprintf(why, why_len, "%s: %s", name, archive_error_string(a));
            st = NS_EINVAL;
        }
        if (st == NS_OK)
            st = nsi_buf_terminate(&e->data);
    }
    if (st == NS_OK && rc != ARCHIVE_EOF && rc != ARCHIVE_OK && rc != ARCHIVE_WARN) {
        snprintf(why, why_len, "a damaged ZIP archive (%s)", archive_error_string(a));
        st = NS_EINVAL;
    }
    archive_read_free(a);
    return st;
}

/* Appends the UTF-8 of the entity or character reference at s[0..n) (after
 * '&', up to ';'); unknown ones are kept as written. */
static int put_reference(nsi_buf *out, const char *s, size_t n)
{
    static const struct {
        const char *name;
        char c;
    } named[] = {{"amp", '&'}, {"lt", '<'}, {"gt", '>'}, {"quot", '"'}, {"apos", '\''}};
    for (size_t i = 0; i < sizeof named / sizeof *named; i++)
        if (strlen(named[i].name) == n && !memcmp(s, named[i].name, n))
            return nsi_buf_putc(out, (uint8_t)named[i].c);
    if (n >= 2 && s[0] == '#') {
        int hex = s[1] == 'x' || s[1] == 'X';
        long cp = 0;
        size_t i = hex ? 2 : 1;
        for (; i < n && cp <= 0x10FFFF; i++) {
            int c = (unsigned char)s[i], d = c >= '0' && c <= '9' ? c - '0'
                                             : hex && (c | 0x20) >= 'a' && (c | 0x20) <= 'f'
                                                 ? (c | 0x20) - 'a' + 10
                                                 : -1;
            if (d < 0)
                break;
            cp = cp * (hex ? 16 : 10) + d;
        }
        if (i == n && i > (hex ? 2u : 1u)) {
            uint8_t u[4];
            return nsi_buf_append(out, u, nsi_utf8_encode((int32_t)(cp > 0x10FFFF ? -1 : cp), u));
        }
    }
    int st = nsi_buf_putc(out, '&');
    if (st == NS_OK)
        st = nsi_buf_append(out, s, n);
    return st == NS_OK ? nsi_buf_putc(out, ';') : st;
}

/* Whether the tag at t[0..n) (its name, after '<' or "</") is name. */
static int tag_is(const char *t, size_t n, const char *name)
{
    size_t k = strlen(name);
    return n >= k && !memcmp(t, name, k) &&
           (n == k || t[k] == '>' || t[k] == '/' || t[k] == ' ' || t[k] == '\t' || t[k] == '\n' ||
            t[k] == '\r');
}

/* The text of OpenDocument (docx = 0) or WordprocessingML (docx = 1) XML:
 * element content without tags, references decoded; a paragraph or heading
 * ends a line, a tab or line break is a space or a line. In docx, only w:t
 * elements hold text. */
static int xml_text(const char *x, size_t n, int docx, nsi_buf *out)
{
    int st = NS_OK, in_text = !docx;
    size_t i = 0;
    while (i < n && st == NS_OK) {
        if (x[i] == '<') {
            const char *gt = memchr(x + i, '>', n - i);
            if (!gt)
                break;
            const char *t = x + i + 1;
            size_t tn = (size_t)(gt - t);
            int closing = tn && t[0] == '/';
            const char *name = closing ? t + 1 : t;
            size_t nn = closing ? tn - 1 : tn;
            if (docx && tag_is(name, nn, "w:t"))
                in_text = !closing && !(tn && t[tn - 1] == '/');
            else if (closing && (tag_is(name, nn, "text:p") || tag_is(name, nn, "text:h") ||
                                 tag_is(name, nn, "w:p")))
                st = nsi_buf_putc(out, '\n');
            else if (tag_is(name, nn, "text:tab") || tag_is(name, nn, "text:s") ||
                     tag_is(name, nn, "w:tab"))
                st = nsi_buf_putc(out, ' ');
            else if (tag_is(name, nn, "text:line-break") || tag_is(name, nn, "w:br"))
                st = nsi_buf_putc(out, '\n');
            i = (size_t)(gt - x) + 1;
            continue;
        }
        const char *lt = memchr(x + i, '<', n - i);
        size_t end = lt ? (size_t)(lt - x) : n;
        while (i < end && st == NS_OK) {
            const char *amp = memchr(x + i, '&', end - i);
            size_t stop = amp ? (size_t)(amp - x) : end;
            if (in_text)
                st = nsi_buf_append(out, x + i, stop - i);
            i = stop;
            if (amp && st == NS_OK) {
                const char *semi = memchr(amp, ';', end - stop);
                if (semi && semi - amp <= 12) {
                    if (in_text)
                        st = put_reference(out, amp + 1, (size_t)(semi - amp - 1));
                    i = (size_t)(semi - x) + 1;
                } else {
                    if (in_text)
                        st = nsi_buf_putc(out, '&');
                    i++;
                }
            }
        }
    }
    return st == NS_OK ? nsi_buf_terminate(out) : st;
}

/* The text of the first <dc:title> element in x, as a title. */
static int dc_title(const char *x, size_t n, nsi_buf *title)
{
    const char *open = x ? strstr(x, "<dc:title") : NULL;
    const char *gt = open ? memchr(open, '>', n - (size_t)(open - x)) : NULL;
    const char *close = gt ? strstr(gt, "</dc:title>") : NULL;
    if (!close || gt[-1] == '/')
        return NS_OK;
    nsi_buf t = {0};
    t.limit = 4 * NI_TITLE_MAX + 64;
    int st = xml_text(gt + 1, (size_t)(close - gt - 1), 0, &t);
    if (st == NS_ETOOBIG) { /* a title that long is cut anyway */
        st = NS_OK;
        t.len = 0;
    }
    if (st == NS_OK && t.len)
        st = ni_title_fit(t.str, t.len, title);
    nsi_buf_free(&t);
    return st;
}

/* The value of attribute attr in the tag starting at tag (up to '>'), into
 * out (size). Returns whether found. */
static int attr_value(const char *tag, const char *attr, char *out, size_t size)
{
    const char *gt = strchr(tag, '>');
    size_t alen = strlen(attr);
    for (const char *p = tag; gt && p < gt; p++) {
        if (strncmp(p, attr, alen) || p[alen] != '=' ||
            (p[-1] != ' ' && p[-1] != '\t' && p[-1] != '\n' && p[-1] != '\r'))
            continue;
        char q = p[alen + 1];
        if (q != '"' && q != '\'')
            return 0;
        const char *v = p + alen + 2, *e = strchr(v, q);
        if (!e || e > gt || (size_t)(e - v) >= size)
            return 0;
        memcpy(out, v, (size_t)(e - v));
        out[e - v] = '\0';
        return 1;
    }
    return 0;
}

/* The next tag called open ("<name") in s: the name must end there
 * ("<rootfile" is not "<rootfiles>"). */
static const char *find_tag(const char *s, const char *open)
{
    size_t n = strlen(open);
    for (const char *p = s; (p = strstr(p, open)) != NULL; p += n)
        if (strchr(" \t\r\n/>", p[n]) && p[n])
            return p;
    return NULL;
}

/* One (X)HTML content file appended to body, a blank line before it. */
static int put_html(const entry *e, nsi_buf *body)
{
    if (body->len) {
        int st = nsi_buf_puts(body, "\n\n");
        if (st != NS_OK)
            return st;
    }
    nsi_buf ignored = {0};
    int st = ni_html_to_text(e->data.str, e->data.len, body, &ignored);
    nsi_buf_free(&ignored);
    return st;
}

/* EPUB: the spine's content files in order (else every (X)HTML entry), the
 * package's title. */
static int epub_text(const zip *z, nsi_buf *body, nsi_buf *title)
{
    char opf_path[1024] = "", dir[1024] = "";
    const entry *container = zip_find(z, "META-INF/container.xml");
    const char *rootfile = container ? find_tag(container->data.str, "<rootfile") : NULL;
    const entry *opf = NULL;
    if (rootfile && attr_value(rootfile, "full-path", opf_path, sizeof opf_path))
        opf = zip_find(z, opf_path);
    int st = NS_OK, read_any = 0;
    if (opf) {
        const char *slash = strrchr(opf_path, '/');
        if (slash)
            snprintf(dir, sizeof dir, "%.*s/", (int)(slash - opf_path), opf_path);
        st = dc_title(opf->data.str, opf->data.len, title);
        const char *spine = find_tag(opf->data.str, "<spine");
        for (const char *ref = spine; st == NS_OK && ref && (ref = find_tag(ref, "<itemref"));
             ref += 8) {
            char idref[256], href[1024], path[2048];
            if (!attr_value(ref, "idref", idref, sizeof idref))
                continue;
            /* the manifest item with this id */
            const char *item = opf->data.str;
            while ((item = find_tag(item, "<item")) != NULL) {
                char id[256];
                if (attr_value(item, "id", id, sizeof id) && !strcmp(id, idref))
                    break;
                item += 6;
            }
            if (!item || !attr_value(item, "href", href, sizeof href))
                continue;
            snprintf(path, sizeof path, "%s%s", dir, href);
            const entry *e = zip_find(z, path);
            if (e && e != opf) {
                st = put_html(e, body);
                read_any = 1;
            }
        }
    }
    for (size_t i = 0; st == NS_OK && !read_any && i < z->n; i++)
        if (!ends_with(z->e[i].name, ".opf") && strcmp(z->e[i].name, "META-INF/container.xml"))
            st = put_html(&z->e[i], body);
    return st;
}

int ni_archive_to_text(const char *data, size_t len, enum ni_archive_kind kind, nsi_buf *body,
                       nsi_buf *title, char *why, size_t why_len)
{
    zip z = {0};
    if (why_len)
        why[0] = '\0';
    size_t limit = body->limit ? body->limit : (size_t)1 << 30;
    int st = zip_read(data, len, kind, limit, &z, why, why_len);
    if (st == NS_OK && kind == NI_ARCHIVE_EPUB)
        st = epub_text(&z, body, title);
    else if (st == NS_OK) {
        int docx = kind == NI_ARCHIVE_DOCX;
        const entry *content = zip_find(&z, docx ? "word/document.xml" : "content.xml");
        const entry *meta = zip_find(&z, docx ? "docProps/core.xml" : "meta.xml");
        if (!content) {
            snprintf(why, why_len, "no %s in the archive",
                     docx ? "word/document.xml" : "content.xml");
            st = NS_EINVAL;
        } else {
            st = xml_text(content->data.str, content->data.len, docx, body);
            if (st == NS_OK && meta)
                st = dc_title(meta->data.str, meta->data.len, title);
        }
    }
    if (st == NS_OK)
        st = nsi_buf_terminate(body);
    if (st == NS_OK && title->len == 0 && body->len)
        st = ni_text_title(body->str, body->len, 0, title);
    zip_free(&z);
    return st;
}
