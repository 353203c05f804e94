/* input_html.c — HTML to plain text in one pass, without recursion.
 *
 * This is a tag stripper, not an HTML parser: it knows which elements hide
 * their content (script, style, ...), which ones break lines, and how to decode
 * character references. It never builds a tree, so nesting depth costs
 * nothing, and every malformed construct has a defined outcome: an unclosed
 * comment or tag swallows the rest of the file, a '<' that cannot start a tag
 * is text, an unknown entity is kept literally. */
#include <stdlib.h>
#include <string.h>

#include "input.h"
#include "nsearch.h"
#include "utf8.h"

/* Writes decoded text to out, folding whitespace unless in <pre>. */
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

/* Writes n bytes of one character of text. */
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

static void emit_cp(emitter *em, unsigned long cp)
{
    char u[4];
    if (cp == 0xAD)
        return; /* a soft hyphen only marks where a word may break */
    if (cp == 0xA0 || cp == ' ' || cp == '\t' || cp == '\n' || cp == '\r') {
        emit_space(em, cp == 0xA0 ? ' ' : (char)cp);
        return;
    }
    if (cp == 0 || cp > 0x10FFFF)
        cp = 0xFFFD; /* NUL too: the text is a C string */
    emit_char(em, u, nsi_utf8_encode((int32_t)cp, (uint8_t *)u));
}

/* ---------------------------------------------------------- entities */

typedef struct entity {
    const char *name;
    unsigned short cp;
} entity;

/* The named references that occur in real pages: markup, Latin-1 and
 * typographic punctuation. Sorted by name (strcmp) for bsearch. */
static const entity entities[] = {
    {"AElig", 198},   {"Aacute", 193}, {"Acirc", 194},  {"Agrave", 192},  {"Aring", 197},
    {"Atilde", 195},  {"Auml", 196},   {"Ccedil", 199}, {"Dagger", 8225}, {"ETH", 208},
    {"Eacute", 201},  {"Ecirc", 202},  {"Egrave", 200}, {"Euml", 203},    {"Iacute", 205},
    {"Icirc", 206},   {"Igrave", 204}, {"Iuml", 207},   {"Ntilde", 209},  {"OElig", 338},
    {"Oacute", 211},  {"Ocirc", 212},  {"Ograve", 210}, {"Oslash", 216},  {"Otilde", 213},
    {"Ouml", 214},    {"Scaron", 352}, {"THORN", 222},  {"Uacute", 218},  {"Ucirc", 219},
    {"Ugrave", 217},  {"Uuml", 220},   {"Yacute", 221}, {"Yuml", 376},    {"aacute", 225},
    {"acirc", 226},   {"acute", 180},  {"aelig", 230},  {"agrave", 224},  {"alpha", 945},
    {"amp", 38},      {"apos", 39},    {"aring", 229},  {"atilde", 227},  {"auml", 228},
    {"bdquo", 8222},  {"beta", 946},   {"brvbar", 166}, {"bull", 8226},   {"ccedil", 231},
    {"cedil", 184},   {"cent", 162},   {"circ", 710},   {"copy", 169},    {"curren", 164},
    {"dagger", 8224}, {"darr", 8595},  {"deg", 176},    {"delta", 948},   {"divide", 247},
    {"eacute", 233},  {"ecirc", 234},  {"egrave", 232}, {"emsp", 8195},   {"ensp", 8194},
    {"eth", 240},     {"euml", 235},   {"euro", 8364},  {"frac12", 189},  {"frac14", 188},
    {"frac34", 190},  {"gamma", 947},  {"ge", 8805},    {"gt", 62},       {"harr", 8596},
    {"hellip", 8230}, {"iacute", 237}, {"icirc", 238},  {"iexcl", 161},   {"igrave", 236},
    {"infin", 8734},  {"iquest", 191}, {"iuml", 239},   {"lambda", 955},  {"laquo", 171},
    {"larr", 8592},   {"ldquo", 8220}, {"le", 8804},    {"lsaquo", 8249}, {"lsquo", 8216},
    {"lt", 60},       {"macr", 175},   {"mdash", 8212}, {"micro", 181},   {"middot", 183},
    {"minus", 8722},  {"mu", 956},     {"nbsp", 160},   {"ndash", 8211},  {"ne", 8800},
    {"not", 172},     {"ntilde", 241}, {"oacute", 243}, {"ocirc", 244},   {"oelig", 339},
    {"ograve", 242},  {"omega", 969},  {"ordf", 170},   {"ordm", 186},    {"oslash", 248},
    {"otilde", 245},  {"ouml", 246},   {"para", 182},   {"permil", 8240}, {"pi", 960},
    {"plusmn", 177},  {"pound", 163},  {"prime", 8242}, {"quot", 34},     {"raquo", 187},
    {"rarr", 8594},   {"rdquo", 8221}, {"reg", 174},    {"rsaquo", 8250}, {"rsquo", 8217},
    {"sbquo", 8218},  {"scaron", 353}, {"sect", 167},   {"shy", 173},     {"sigma", 963},
    {"sup1", 185},    {"sup2", 178},   {"sup3", 179},   {"szlig", 223},   {"theta", 952},
    {"thinsp", 8201}, {"thorn", 254},  {"tilde", 732},  {"times", 215},   {"trade", 8482},
    {"uacute", 250},  {"uarr", 8593},  {"ucirc", 251},  {"ugrave", 249},  {"uml", 168},
    {"uuml", 252},    {"yacute", 253}, {"yen", 165},    {"yuml", 255},    {"zwj", 8205},
    {"zwnj", 8204},
};

static int entity_cmp(const void *key, const void *elem)
{
    return strcmp(key, ((const entity *)elem)->name);
}

/* Browsers read numeric references 128-159 as Windows-1252, as pages mean. */
static const unsigned short cp1252[32] = {
    8364, 0xFFFD, 8218,   402,  8222,   8230,   8224, 8225,   710,  8240, 352,
    8249, 338,    0xFFFD, 381,  0xFFFD, 0xFFFD, 8216, 8217,   8220, 8221, 8226,
    8211, 8212,   732,    8482, 353,    8250,   339,  0xFFFD, 382,  376,
};

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

/* Decodes the character reference at s[0] == '&' (e bounds the input).
 * Returns the bytes consumed and sets *cp, or 0 if it is not a reference. */
static size_t decode_entity(const char *s, const char *e, unsigned long *cp)
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
    const entity *hit = n ? bsearch(name, entities, sizeof entities / sizeof *entities,
                                    sizeof *entities, entity_cmp)
                          : NULL;
    if (!hit)
        return 0;
    int semi = p + n < e && p[n] == ';';
    /* Without ';' only the classic few are recognised, as browsers do. */
    if (!semi && strcmp(name, "amp") && strcmp(name, "lt") && strcmp(name, "gt") &&
        strcmp(name, "quot") && strcmp(name, "nbsp") && strcmp(name, "copy") && strcmp(name, "reg"))
        return 0;
    *cp = hit->cp;
    return 1 + n + (size_t)semi;
}

/* Emits the text s..e: character references decoded, whitespace folded. */
int ni_html_unescape(const char *s, size_t len, nsi_buf *out)
{
    const char *e = s + len;
    int st = NS_OK;
    while (s < e && st == NS_OK) {
        unsigned long cp;
        size_t n = *s == '&' ? decode_entity(s, e, &cp) : 0;
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

static void emit_text(emitter *em, const char *s, const char *e)
{
    while (s < e && em->st == NS_OK) {
        unsigned char c = (unsigned char)*s;
        if (c == '&') {
            unsigned long cp;
            size_t n = decode_entity(s, e, &cp);
            if (n) {
                emit_cp(em, cp);
                s += n;
                continue;
            }
        }
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f') {
            emit_space(em, (char)c);
            s++;
            continue;
        }
        /* Copy a run of ordinary bytes at once. */
        const char *r = s + 1;
        while (r < e && *r != '&' && (unsigned char)*r > ' ')
            r++;
        emit_char(em, s, (size_t)(r - s));
        s = r;
    }
}

/* ---------------------------------------------------------- tags */

enum tag_class {
    TAG_INLINE, /* nothing to do */
    TAG_BLOCK,  /* line break before and after */
    TAG_CELL,   /* a space between table cells */
    TAG_HIDDEN, /* content skipped up to the end tag */
    TAG_TITLE,  /* content is the title */
    TAG_PRE,    /* block, keeps whitespace */
    TAG_HEAD,
    TAG_BODY,
    TAG_HEADING1,
    TAG_HEADMETA /* may appear in <head> without ending it */
};

typedef struct tag_kind {
    const char *name;
    enum tag_class cls;
} tag_kind;

static const tag_kind tag_kinds[] = {
    {"address", TAG_BLOCK},    {"article", TAG_BLOCK},    {"aside", TAG_BLOCK},
    {"base", TAG_HEADMETA},    {"blockquote", TAG_BLOCK}, {"body", TAG_BODY},
    {"br", TAG_BLOCK},         {"caption", TAG_BLOCK},    {"dd", TAG_BLOCK},
    {"details", TAG_BLOCK},    {"dialog", TAG_BLOCK},     {"div", TAG_BLOCK},
    {"dl", TAG_BLOCK},         {"dt", TAG_BLOCK},         {"fieldset", TAG_BLOCK},
    {"figcaption", TAG_BLOCK}, {"figure", TAG_BLOCK},     {"footer", TAG_BLOCK},
    {"form", TAG_BLOCK},       {"h1", TAG_HEADING1},      {"h2", TAG_BLOCK},
    {"h3", TAG_BLOCK},         {"h4", TAG_BLOCK},         {"h5", TAG_BLOCK},
    {"h6", TAG_BLOCK},         {"head", TAG_HEAD},        {"header", TAG_BLOCK},
    {"hr", TAG_BLOCK},         {"html", TAG_HEADMETA},    {"iframe", TAG_HIDDEN},
    {"li", TAG_BLOCK},         {"link", TAG_HEADMETA},    {"main", TAG_BLOCK},
    {"math", TAG_HIDDEN},      {"meta", TAG_HEADMETA},    {"nav", TAG_BLOCK},
    {"noscript", TAG_HIDDEN},  {"object", TAG_HIDDEN},    {"ol", TAG_BLOCK},
    {"option", TAG_BLOCK},     {"p", TAG_BLOCK},          {"pre", TAG_PRE},
    {"script", TAG_HIDDEN},    {"section", TAG_BLOCK},    {"select", TAG_BLOCK},
    {"style", TAG_HIDDEN},     {"summary", TAG_BLOCK},    {"svg", TAG_HIDDEN},
    {"table", TAG_BLOCK},      {"tbody", TAG_BLOCK},      {"td", TAG_CELL},
    {"template", TAG_HIDDEN},  {"textarea", TAG_BLOCK},   {"tfoot", TAG_BLOCK},
    {"th", TAG_CELL},          {"thead", TAG_BLOCK},      {"title", TAG_TITLE},
    {"tr", TAG_BLOCK},         {"ul", TAG_BLOCK},
};

static int tag_kind_cmp(const void *key, const void *elem)
{
    return strcmp(key, ((const tag_kind *)elem)->name);
}

static enum tag_class classify(const char *name)
{
    const tag_kind *k = bsearch(name, tag_kinds, sizeof tag_kinds / sizeof *tag_kinds,
                                sizeof *tag_kinds, tag_kind_cmp);
    return k ? k->cls : TAG_INLINE;
}

static char ascii_lower(char c) { return c >= 'A' && c <= 'Z' ? (char)(c | 0x20) : c; }

/* Case-insensitive search for needle (lower case) in [s, e). */
static const char *find_ci(const char *s, const char *e, const char *needle)
{
    size_t n = strlen(needle);
    for (; (size_t)(e - s) >= n; s++) {
        size_t i = 0;
        while (i < n && ascii_lower(s[i]) == needle[i])
            i++;
        if (i == n)
            return s;
    }
    return NULL;
}

/* Where the element whose content starts at s ends: the '<' of "</name" (or
 * e if never closed); *next is past that end tag's '>'. */
static const char *find_end_tag(const char *s, const char *e, const char *name, const char **next)
{
    char pat[16] = "</";
    strncat(pat, name, sizeof pat - 3);
    size_t n = strlen(pat);
    for (const char *p = s; (p = find_ci(p, e, pat)) != NULL; p += n) {
        if (p + n < e && is_alnum((unsigned char)p[n]))
            continue; /* "</scripts" is not "</script" */
        const char *gt = memchr(p + n, '>', (size_t)(e - (p + n)));
        *next = gt ? gt + 1 : e;
        return p;
    }
    *next = e;
    return e;
}

/* Past the '>' that ends the tag whose attributes start at p. Quotes count
 * only after '=', as in attribute values, so a stray quote cannot swallow
 * the page. Returns e if the tag never ends. */
static const char *skip_attributes(const char *p, const char *e)
{
    int after_eq = 0;
    while (p < e) {
        char c = *p++;
        if (c == '>')
            return p;
        if (c == '=') {
            after_eq = 1;
            continue;
        }
        if (after_eq && (c == '"' || c == '\'')) {
            const char *q = memchr(p, c, (size_t)(e - p));
            if (!q)
                return e;
            p = q + 1;
        }
        if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
            after_eq = 0;
    }
    return e;
}

typedef struct html_state {
    emitter body;
    nsi_buf *title;
    int in_head;
    int have_title;
    size_t h1_start, h1_end; /* body offsets of the first <h1>, h1_end 0 until closed */
    int in_h1;
} html_state;

static void on_start_tag(html_state *hs, const char *name, enum tag_class cls, const char **pos,
                         const char *e)
{
    if (hs->in_head && cls != TAG_HEADMETA && cls != TAG_HIDDEN && cls != TAG_TITLE &&
        cls != TAG_HEAD)
        hs->in_head = 0; /* as browsers do: body content ends a missing </head> */
    switch (cls) {
    case TAG_HIDDEN: {
        /* A self-closed <svg/> has no content; an element other than script
         * or style that is never closed hides nothing rather than the rest
         * of the page. */
        const char *next;
        if ((*pos)[-1] == '>' && (*pos)[-2] == '/')
            break;
        if (find_end_tag(*pos, e, name, &next) < e || !strcmp(name, "script") ||
            !strcmp(name, "style"))
            *pos = next;
        break;
    }
    case TAG_TITLE: {
        const char *next, *end = find_end_tag(*pos, e, "title", &next);
        if (!hs->have_title) {
            emitter t = {hs->title, 0, 0, NS_OK};
            emit_text(&t, *pos, end);
            hs->have_title = hs->title->len > 0;
            if (t.st != NS_OK)
                hs->body.st = t.st;
        }
        *pos = next;
        break;
    }
    case TAG_HEAD:
        hs->in_head = 1;
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
}

static void on_end_tag(html_state *hs, enum tag_class cls)
{
    switch (cls) {
    case TAG_HEAD:
        hs->in_head = 0;
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
}

/* Handles the markup at *pos ('<'). Returns 0 if it is not markup (the '<'
 * is then text). */
static int markup(html_state *hs, const char **pos, const char *e)
{
    const char *p = *pos + 1;
    if (p >= e)
        return 0;
    if (e - p >= 3 && !memcmp(p, "!--", 3)) {
        const char *end = find_ci(p + 3, e, "-->");
        *pos = end ? end + 3 : e;
        return 1;
    }
    if (e - p >= 8 && !memcmp(p, "![CDATA[", 8)) {
        const char *s = p + 8, *end = find_ci(s, e, "]]>");
        if (!hs->in_head)
            emit_text(&hs->body, s, end ? end : e); /* text, though '&' is literal there */
        *pos = end ? end + 3 : e;
        return 1;
    }
    if (*p == '!' || *p == '?') { /* doctype, processing instruction */
        const char *gt = memchr(p, '>', (size_t)(e - p));
        *pos = gt ? gt + 1 : e;
        return 1;
    }
    int end_tag = *p == '/';
    p += end_tag;
    if (p >= e || ((*p | 0x20) < 'a' || (*p | 0x20) > 'z'))
        return 0;
    char name[12];
    size_t n = 0;
    while (p < e && (is_alnum((unsigned char)*p) || *p == '-' || *p == ':')) {
        if (n < sizeof name - 1)
            name[n] = (char)(*p | 0x20);
        n++;
        p++;
    }
    name[n < sizeof name ? n : 0] = '\0'; /* too long: no known tag, inline */
    *pos = skip_attributes(p, e);
    enum tag_class cls = classify(name);
    if (end_tag)
        on_end_tag(hs, cls);
    else
        on_start_tag(hs, name, cls, pos, e);
    return 1;
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
    html_state hs = {{body, 0, 0, NS_OK}, NULL, 0, 0, 0, 0, 0};
    nsi_buf raw_title = {0};
    hs.title = &raw_title;
    const char *p = html, *e = html + len;
    if (len >= 3 && !memcmp(p, "\xEF\xBB\xBF", 3))
        p += 3;
    size_t body_start = body->len;
    while (p < e && hs.body.st == NS_OK) {
        const char *lt = memchr(p, '<', (size_t)(e - p));
        const char *stop = lt ? lt : e;
        if (!hs.in_head)
            emit_text(&hs.body, p, stop);
        p = stop;
        if (p < e && !markup(&hs, &p, e)) {
            if (!hs.in_head)
                emit_char(&hs.body, "<", 1);
            p++;
        }
    }
    if (hs.body.st == NS_OK)
        emit_newline(&hs.body);
    /* Drop the trailing line break emit_newline leaves. */
    while (body->len > body_start &&
           (body->str[body->len - 1] == '\n' || body->str[body->len - 1] == ' '))
        body->str[--body->len] = '\0';
    int st = hs.body.st;
    if (st == NS_OK)
        st = raw_title.len ? ni_title_fit(raw_title.str, raw_title.len, title)
                           : fallback_title(&hs, body_start, title);
    nsi_buf_free(&raw_title);
    return st;
}
