/* input_html.c — HTML to plain text through libxml2's HTML parser (SAX).
 *
 * libxml2 tokenises the page, decodes character references, closes what the
 * page leaves open and recovers from any malformed markup; this file only
 * decides what the text is. It uses SAX callbacks, so no tree is built and
 * nesting depth costs nothing but libxml2's stack of open names. It knows
 * which elements hide their content (script, style, ...), which ones break
 * lines, and where the title is. */
#include <libxml/HTMLparser.h>
#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "input.h"
#include "nsearch.h"
#include "utf8.h"

/* Writes text to out, folding whitespace unless in <pre>. */
typedef struct emitter {
    nsi_buf *out;
    int space; /* whitespace seen since the last character written */
    int pre;   /* inside <pre>: keep whitespace */
    int st;    /* first failure (sticky), NS_OK otherwise */
} emitter;

static void emit_raw(emitter *em, const char *p, size_t n)
{
    if (em->st == NS_OK)
        em->st = nsi_buf_append(em->out, p, n);
}

static int out_ends_blank(const emitter *em)
{
    return em->out->len == 0 || em->out->str[em->out->len - 1] == '\n' ||
           em->out->str[em->out->len - 1] == ' ';
}

/* Writes n bytes of text without whitespace. */
static void emit_char(emitter *em, const char *p, size_t n)
{
    if (em->space && !out_ends_blank(em))
        emit_raw(em, " ", 1);
    em->space = 0;
    emit_raw(em, p, n);
}

static void emit_space(emitter *em, char c)
{
    if (em->pre) {
        if (c != '\r')
            emit_raw(em, &c, 1);
    } else
        em->space = 1;
}

/* A block boundary: one line break, never two in a row, none at the start. */
static void emit_newline(emitter *em)
{
    nsi_buf *b = em->out;
    em->space = 0;
    while (b->len && b->str[b->len - 1] == ' ')
        b->len--;
    if (b->str)
        b->str[b->len] = '\0';
    if (b->len && b->str[b->len - 1] != '\n')
        emit_raw(em, "\n", 1);
}

/* Browsers read numeric references 128-159 as Windows-1252, as pages mean;
 * libxml2 gives them as the C1 controls U+0080..U+009F, mapped here. */
static const unsigned short cp1252[32] = {
    8364, 0xFFFD, 8218,   402,  8222,   8230,   8224, 8225,   710,  8240, 352,
    8249, 338,    0xFFFD, 381,  0xFFFD, 0xFFFD, 8216, 8217,   8220, 8221, 8226,
    8211, 8212,   732,    8482, 353,    8250,   339,  0xFFFD, 382,  376,
};

/* Emits decoded UTF-8 text s..e (libxml2's character data): whitespace and
 * no-break spaces folded, soft hyphens dropped, C1 controls as Windows-1252. */
static void emit_text(emitter *em, const char *s, const char *e)
{
    while (s < e && em->st == NS_OK) {
        unsigned char c = (unsigned char)*s;
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f') {
            emit_space(em, (char)c);
            s++;
            continue;
        }
        if (c == 0xC2 && s + 1 < e) {
            unsigned char d = (unsigned char)s[1];
            if (d == 0xA0 || d == 0xAD || d < 0xA0) {
                s += 2;
                if (d == 0xA0) /* U+00A0 no-break space */
                    emit_space(em, ' ');
                else if (d < 0xA0) { /* U+0080..U+009F */
                    char u[4];
                    emit_char(em, u, nsi_utf8_encode(cp1252[d - 0x80], (uint8_t *)u));
                } /* else U+00AD soft hyphen: only marks where a word may break */
                continue;
            }
        }
        /* Copy a run of ordinary bytes at once. */
        const char *r = s + 1;
        while (r < e && (unsigned char)*r > ' ' && (unsigned char)*r != 0xC2)
            r++;
        emit_char(em, s, (size_t)(r - s));
        s = r;
    }
}

/* ---------------------------------------------------------- references */

static int is_alnum(unsigned char c)
{
    return (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z');
}

static int hex_val(unsigned char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c |= 0x20;
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Decodes the character reference at s[0] == '&' (e bounds the input); named
 * ones through libxml2's table (htmlEntityLookup). Returns the bytes consumed
 * and sets *cp, or 0 if it is not a reference. */
static size_t decode_reference(const char *s, const char *e, unsigned long *cp)
{
    const char *p = s + 1;
    if (p < e && *p == '#') {
        int hex = ++p < e && (*p | 0x20) == 'x';
        unsigned long v = 0;
        const char *d = p += hex;
        for (; p < e; p++) {
            int k = hex ? hex_val((unsigned char)*p) : (*p >= '0' && *p <= '9' ? *p - '0' : -1);
            if (k < 0)
                break;
            v = v > 0x10FFFF ? v : v * (hex ? 16u : 10u) + (unsigned long)k;
        }
        if (p == d)
            return 0;
        if (p < e && *p == ';')
            p++;
        if (v >= 128 && v < 160)
            v = cp1252[v - 128];
        *cp = v; /* out-of-range values become U+FFFD when encoded */
        return (size_t)(p - s);
    }
    char name[16];
    size_t n = 0;
    while (p + n < e && n < sizeof name - 1 && is_alnum((unsigned char)p[n])) {
        name[n] = p[n];
        n++;
    }
    name[n] = '\0';
    const htmlEntityDesc *hit = n ? htmlEntityLookup((const xmlChar *)name) : NULL;
    if (!hit)
        return 0;
    int semi = p + n < e && p[n] == ';';
    /* Without ';' only the classic few are recognised, as browsers do. */
    if (!semi && strcmp(name, "amp") && strcmp(name, "lt") && strcmp(name, "gt") &&
        strcmp(name, "quot") && strcmp(name, "nbsp") && strcmp(name, "copy") && strcmp(name, "reg"))
        return 0;
    *cp = hit->value;
    return 1 + n + (size_t)semi;
}

int ni_html_unescape(const char *s, size_t len, nsi_buf *out)
{
    const char *e = s + len;
    int st = NS_OK;
    while (s < e && st == NS_OK) {
        unsigned long cp;
        size_t n = *s == '&' ? decode_reference(s, e, &cp) : 0;
        if (n) {
            char u[4];
            if (cp == 0 || cp > 0x10FFFF)
                cp = 0xFFFD;
            st = nsi_buf_append(out, u, nsi_utf8_encode((int32_t)cp, (uint8_t *)u));
            s += n;
            continue;
        }
        const char *r = s + 1;
        while (r < e && *r != '&')
            r++;
        st = nsi_buf_append(out, s, (size_t)(r - s));
        s = r;
    }
    return st;
}

/* ---------------------------------------------------------- elements */

enum tag_class {
    TAG_INLINE, /* nothing to do */
    TAG_BLOCK,  /* line break before and after */
    TAG_CELL,   /* a space between table cells */
    TAG_HIDDEN, /* content skipped */
    TAG_TITLE,  /* content is the title */
    TAG_PRE,    /* block, keeps whitespace */
    TAG_HEAD,   /* content skipped (libxml2 ends it where the body starts) */
    TAG_HEADING1
};

typedef struct tag_kind {
    const char *name;
    enum tag_class cls;
} tag_kind;

/* Sorted by name (strcmp) for bsearch; libxml2 gives names in lower case. */
static const tag_kind tag_kinds[] = {
    {"address", TAG_BLOCK},    {"article", TAG_BLOCK},    {"aside", TAG_BLOCK},
    {"blockquote", TAG_BLOCK}, {"br", TAG_BLOCK},         {"caption", TAG_BLOCK},
    {"dd", TAG_BLOCK},         {"details", TAG_BLOCK},    {"dialog", TAG_BLOCK},
    {"div", TAG_BLOCK},        {"dl", TAG_BLOCK},         {"dt", TAG_BLOCK},
    {"fieldset", TAG_BLOCK},   {"figcaption", TAG_BLOCK}, {"figure", TAG_BLOCK},
    {"footer", TAG_BLOCK},     {"form", TAG_BLOCK},       {"h1", TAG_HEADING1},
    {"h2", TAG_BLOCK},         {"h3", TAG_BLOCK},         {"h4", TAG_BLOCK},
    {"h5", TAG_BLOCK},         {"h6", TAG_BLOCK},         {"head", TAG_HEAD},
    {"header", TAG_BLOCK},     {"hr", TAG_BLOCK},         {"iframe", TAG_HIDDEN},
    {"li", TAG_BLOCK},         {"main", TAG_BLOCK},       {"math", TAG_HIDDEN},
    {"nav", TAG_BLOCK},        {"noscript", TAG_HIDDEN},  {"object", TAG_HIDDEN},
    {"ol", TAG_BLOCK},         {"option", TAG_BLOCK},     {"p", TAG_BLOCK},
    {"pre", TAG_PRE},          {"script", TAG_HIDDEN},    {"section", TAG_BLOCK},
    {"select", TAG_BLOCK},     {"style", TAG_HIDDEN},     {"summary", TAG_BLOCK},
    {"svg", TAG_HIDDEN},       {"table", TAG_BLOCK},      {"tbody", TAG_BLOCK},
    {"td", TAG_CELL},          {"template", TAG_HIDDEN},  {"textarea", TAG_BLOCK},
    {"tfoot", TAG_BLOCK},      {"th", TAG_CELL},          {"thead", TAG_BLOCK},
    {"title", TAG_TITLE},      {"tr", TAG_BLOCK},         {"ul", TAG_BLOCK},
};

static int kind_cmp(const void *key, const void *elem)
{
    return strcmp(key, ((const tag_kind *)elem)->name);
}

#define N_KINDS (sizeof tag_kinds / sizeof *tag_kinds)

static const tag_kind *classify(const xmlChar *name)
{
    return bsearch(name, tag_kinds, N_KINDS, sizeof *tag_kinds, kind_cmp);
}

typedef struct html_state {
    emitter body;
    emitter title; /* the first non-empty <title>, before ni_title_fit */
    htmlParserCtxtPtr ctxt;
    const char *in; /* what libxml2 parses */
    size_t in_len;
    int in_head, in_title, have_title, hidden;
    size_t h1_start, h1_end; /* body offsets of the first <h1>, h1_end 0 until closed */
    int in_h1;
    int after_amp;             /* the last event was the text "&" alone */
    unsigned open[N_KINDS];    /* hidden elements open (and hiding), by kind */
    size_t close_end[N_KINDS]; /* 1 + offset of the last "</name", 0 if none, SIZE_MAX unknown */
} html_state;

/* Whether "</name" occurs in the input at or after libxml2's position: a
 * hidden element (other than script and style, which libxml2 reads as raw
 * text to their end tag) that is never closed hides nothing rather than the
 * rest of the page. The last end tag of each kind is found once, from the
 * end, so a page of many unclosed elements stays linear. */
static int closed_later(html_state *hs, size_t kind)
{
    if (hs->close_end[kind] == SIZE_MAX) {
        const char *name = tag_kinds[kind].name;
        size_t n = strlen(name), at = 0;
        for (size_t p = hs->in_len; p-- > 0;) {
            if (hs->in[p] != '<' || hs->in_len - p < n + 2 || hs->in[p + 1] != '/' ||
                xmlStrncasecmp((const xmlChar *)hs->in + p + 2, (const xmlChar *)name, (int)n) ||
                (p + 2 + n < hs->in_len && is_alnum((unsigned char)hs->in[p + 2 + n])))
                continue;
            at = p + 1;
            break;
        }
        hs->close_end[kind] = at;
    }
    long pos = xmlByteConsumed(hs->ctxt);
    return pos >= 0 && hs->close_end[kind] > (size_t)pos;
}

static void check_stop(html_state *hs)
{
    if (hs->body.st == NS_OK)
        hs->body.st = hs->title.st;
    if (hs->body.st != NS_OK)
        xmlStopParser(hs->ctxt);
}

static void on_start(void *ud, const xmlChar *name, const xmlChar **atts)
{
    html_state *hs = ud;
    (void)atts;
    hs->after_amp = 0;
    const tag_kind *k = classify(name);
    if (!k)
        return;
    size_t i = (size_t)(k - tag_kinds);
    if (k->cls == TAG_HIDDEN) {
        if (!strcmp(k->name, "script") || !strcmp(k->name, "style") || closed_later(hs, i)) {
            hs->open[i]++;
            hs->hidden++;
        }
        return;
    }
    if (hs->hidden)
        return;
    switch (k->cls) {
    case TAG_HEAD:
        hs->in_head++;
        break;
    case TAG_TITLE:
        hs->in_title++;
        break;
    case TAG_PRE:
        emit_newline(&hs->body);
        hs->body.pre++;
        break;
    case TAG_HEADING1:
        emit_newline(&hs->body);
        if (!hs->h1_end && !hs->in_h1) {
            hs->in_h1 = 1;
            hs->h1_start = hs->body.out->len;
        }
        break;
    case TAG_BLOCK:
        emit_newline(&hs->body);
        break;
    case TAG_CELL:
        emit_space(&hs->body, ' ');
        break;
    default:
        break;
    }
    check_stop(hs);
}

static void on_end(void *ud, const xmlChar *name)
{
    html_state *hs = ud;
    hs->after_amp = 0;
    const tag_kind *k = classify(name);
    if (!k)
        return;
    size_t i = (size_t)(k - tag_kinds);
    if (k->cls == TAG_HIDDEN) {
        if (hs->open[i]) {
            hs->open[i]--;
            hs->hidden--;
        }
        return;
    }
    if (hs->hidden)
        return;
    switch (k->cls) {
    case TAG_HEAD:
        if (hs->in_head)
            hs->in_head--;
        break;
    case TAG_TITLE:
        if (hs->in_title && !--hs->in_title)
            hs->have_title = hs->title.out->len > 0;
        break;
    case TAG_PRE:
        if (hs->body.pre)
            hs->body.pre--;
        emit_newline(&hs->body);
        break;
    case TAG_HEADING1:
        if (hs->in_h1) {
            hs->in_h1 = 0;
            hs->h1_end = hs->body.out->len;
        }
        emit_newline(&hs->body);
        break;
    case TAG_BLOCK:
        emit_newline(&hs->body);
        break;
    case TAG_CELL:
        emit_space(&hs->body, ' ');
        break;
    default:
        break;
    }
    check_stop(hs);
}

/* libxml2 wants the ';' of a named reference; browsers take the classic few
 * without it (as ni_html_unescape does). libxml2 then gives "&" and the name
 * as two events: the name's replacement, or NULL. */
static const char *legacy_reference(const char *s, int len)
{
    static const char *const names[][2] = {
        {"amp", "&"},         {"lt", "<"},          {"gt", ">"},         {"quot", "\""},
        {"nbsp", "\xC2\xA0"}, {"copy", "\xC2\xA9"}, {"reg", "\xC2\xAE"},
    };
    for (size_t i = 0; i < sizeof names / sizeof *names; i++)
        if ((size_t)len == strlen(names[i][0]) && !memcmp(s, names[i][0], (size_t)len))
            return names[i][1];
    return NULL;
}

/* Character data, CDATA blocks (script and style bodies) and whitespace. */
static void on_text(void *ud, const xmlChar *ch, int len)
{
    html_state *hs = ud;
    int after_amp = hs->after_amp;
    hs->after_amp = 0;
    if (hs->hidden || len <= 0)
        return;
    const char *s = (const char *)ch;
    emitter *em = NULL;
    if (hs->in_title) {
        if (!hs->have_title)
            em = &hs->title;
    } else if (!hs->in_head)
        em = &hs->body;
    if (!em)
        return;
    const char *legacy = after_amp ? legacy_reference(s, len) : NULL;
    if (legacy && em->out->len && em->out->str[em->out->len - 1] == '&') {
        em->out->str[--em->out->len] = '\0';
        emit_text(em, legacy, legacy + strlen(legacy));
    } else {
        hs->after_amp = len == 1 && *s == '&';
        emit_text(em, s, s + len);
    }
    check_stop(hs);
}

/* ---------------------------------------------------------- input */

/* libxml2 is told the input is UTF-8 (the readers get UTF-8), but on an
 * invalid sequence it switches to Latin-1 for the rest of the page, and a NUL
 * byte is not text: both become U+FFFD first. Returns 1 if html needs it. */
static int needs_cleaning(const char *s, size_t len)
{
    const uint8_t *p = (const uint8_t *)s, *e = p + len;
    while (p < e) {
        if (*p >= 0x80) {
            int32_t cp;
            p += nsi_utf8_decode(p, (size_t)(e - p), &cp);
            if (cp == NSI_UTF8_INVALID)
                return 1;
        } else if (*p++ == 0)
            return 1;
    }
    return 0;
}

static int clean_utf8(const char *s, size_t len, nsi_buf *out)
{
    const uint8_t *p = (const uint8_t *)s, *e = p + len;
    int st = NS_OK;
    while (p < e && st == NS_OK) {
        int32_t cp = *p;
        size_t n = 1;
        if (*p >= 0x80)
            n = nsi_utf8_decode(p, (size_t)(e - p), &cp);
        if (cp == NSI_UTF8_INVALID || cp == 0)
            st = nsi_buf_append(out, "\xEF\xBF\xBD", 3);
        else
            st = nsi_buf_append(out, p, n);
        p += n;
    }
    return st;
}

static pthread_once_t xml_once = PTHREAD_ONCE_INIT;

static void xml_init(void) { xmlInitParser(); }

/* Runs libxml2's HTML parser over in[0..len) with hs's callbacks. */
static int parse(html_state *hs, const char *in, size_t len)
{
    if (len > INT32_MAX)
        return NS_ETOOBIG;
    pthread_once(&xml_once, xml_init);
    htmlParserCtxtPtr ctxt = htmlCreateMemoryParserCtxt(in, (int)len);
    if (!ctxt)
        return NS_ENOMEM;
    htmlSAXHandler sax;
    memset(&sax, 0, sizeof sax); /* no document handlers: no tree */
    sax.startElement = on_start;
    sax.endElement = on_end;
    sax.characters = on_text;
    sax.cdataBlock = on_text;
    sax.ignorableWhitespace = on_text;
    memcpy(ctxt->sax, &sax, sizeof sax);
    ctxt->userData = hs;
    hs->ctxt = ctxt;
    hs->in = in;
    hs->in_len = len;
    htmlCtxtUseOptions(ctxt, HTML_PARSE_RECOVER | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING |
                                 HTML_PARSE_NONET | HTML_PARSE_COMPACT | HTML_PARSE_IGNORE_ENC |
                                 XML_PARSE_HUGE);
    /* UTF-8 already: a <meta charset> inside must not re-decode it */
    int st = xmlSwitchEncoding(ctxt, XML_CHAR_ENCODING_UTF8) == 0 ? NS_OK : NS_ENOMEM;
    if (st == NS_OK)
        htmlParseDocument(ctxt);
    if (st == NS_OK && hs->body.st == NS_OK && ctxt->errNo == XML_ERR_NO_MEMORY)
        st = NS_ENOMEM;
    if (ctxt->myDoc)
        xmlFreeDoc(ctxt->myDoc);
    htmlFreeParserCtxt(ctxt);
    return st;
}

/* The title when there is no <title>: the first <h1>, else the first line. */
static int fallback_title(const html_state *hs, size_t body_start, nsi_buf *title)
{
    const nsi_buf *b = hs->body.out;
    size_t s = 0, e = 0;
    if (hs->h1_end > hs->h1_start && hs->h1_end <= b->len) {
        s = hs->h1_start;
        e = hs->h1_end;
    }
    if (e == s && b->len > body_start) {
        s = body_start;
        const char *nl = memchr(b->str + s, '\n', b->len - s);
        e = nl ? (size_t)(nl - b->str) : b->len;
    }
    return e > s ? ni_title_fit(b->str + s, e - s, title) : NS_OK;
}

int ni_html_to_text(const char *html, size_t len, nsi_buf *body, nsi_buf *title)
{
    nsi_buf raw_title = {0}, clean = {0};
    html_state hs;
    memset(&hs, 0, sizeof hs);
    hs.body = (emitter){body, 0, 0, NS_OK};
    hs.title = (emitter){&raw_title, 0, 0, NS_OK};
    for (size_t i = 0; i < N_KINDS; i++)
        hs.close_end[i] = SIZE_MAX;
    if (len >= 3 && !memcmp(html, "\xEF\xBB\xBF", 3)) {
        html += 3;
        len -= 3;
    }
    size_t body_start = body->len;
    int st = NS_OK;
    if (needs_cleaning(html, len)) {
        st = clean_utf8(html, len, &clean);
        html = clean.str;
        len = clean.len;
    }
    if (st == NS_OK && len)
        st = parse(&hs, html, len);
    if (st == NS_OK)
        st = hs.body.st;
    if (st == NS_OK)
        emit_newline(&hs.body);
    /* Drop the trailing line break emit_newline leaves. */
    while (body->len > body_start &&
           (body->str[body->len - 1] == '\n' || body->str[body->len - 1] == ' '))
        body->str[--body->len] = '\0';
    if (st == NS_OK)
        st = hs.body.st;
    if (st == NS_OK)
        st = raw_title.len ? ni_title_fit(raw_title.str, raw_title.len, title)
                           : fallback_title(&hs, body_start, title);
    nsi_buf_free(&raw_title);
    nsi_buf_free(&clean);
    return st;
}
