/* input_meta.c — what a page says about itself beside its text: an HTML
 * page's publication date (its metas, JSON-LD, <time>) and a Markdown file's
 * front matter (date:, tags:, author:). input.h lists the forms; docs/fields.md
 * ("Inputs") is the user's version.
 *
 * Like input_html.c this scans without parsing: a tag's attributes are read
 * where they are, script and style contents are skipped (a JSON-LD script is
 * searched for "datePublished"), and malformed markup ends the scan, never
 * reads past the input. */
#include <string.h>

#include "fields.h"
#include "input.h"
#include "nsearch.h"

static int lower(int c) { return c >= 'A' && c <= 'Z' ? c + 32 : c; }

/* Whether s[0..n) is word, ignoring ASCII case. */
static int ci_is(const char *s, size_t n, const char *word)
{
    size_t k = strlen(word);
    if (n != k)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (lower((unsigned char)s[i]) != word[i])
            return 0;
    return 1;
}

/* The first needle (lower case) in s..e, ignoring case, or NULL. */
static const char *ci_find(const char *s, const char *e, const char *needle)
{
    size_t k = strlen(needle);
    for (; s + k <= e; s++) {
        size_t i = 0;
        while (i < k && lower((unsigned char)s[i]) == needle[i])
            i++;
        if (i == k)
            return s;
    }
    return NULL;
}

static int is_space(int c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f'; }

/* ------------------------------------------------------------ HTML */

/* The candidates for a page's date, by rank (best first). */
enum {
    RANK_ARTICLE,   /* article:published_time */
    RANK_OG,        /* og:published_time, og:article:published_time */
    RANK_DC,        /* dc.date, dcterms.date, ... */
    RANK_NAME_DATE, /* date, pubdate, publishdate */
    RANK_ITEMPROP,  /* itemprop="datePublished" */
    RANK_JSONLD,    /* "datePublished" in application/ld+json */
    RANK_TIME,      /* the first <time datetime> */
    NRANKS
};

typedef struct span {
    const char *s;
    size_t n;
} span;

/* The attributes of a tag this file cares about. */
typedef struct attrs {
    span name, property, itemprop, content, datetime, type;
} attrs;

/* Reads the attributes from p (after the tag name) to the tag's '>': returns
 * the position after it, or NULL when the tag never ends. */
static const char *read_attrs(const char *p, const char *e, attrs *a)
{
    memset(a, 0, sizeof *a);
    for (;;) {
        while (p < e && (is_space((unsigned char)*p) || *p == '/'))
            p++;
        if (p >= e)
            return NULL;
        if (*p == '>')
            return p + 1;
        const char *ns = p;
        while (p < e && !is_space((unsigned char)*p) && *p != '=' && *p != '>' && *p != '/')
            p++;
        span key = {ns, (size_t)(p - ns)}, val = {NULL, 0};
        while (p < e && is_space((unsigned char)*p))
            p++;
        if (p < e && *p == '=') {
            p++;
            while (p < e && is_space((unsigned char)*p))
                p++;
            if (p < e && (*p == '"' || *p == '\'')) {
                const char *q = memchr(p + 1, *p, (size_t)(e - p - 1));
                if (!q)
                    return NULL;
                val = (span){p + 1, (size_t)(q - p - 1)};
                p = q + 1;
            } else {
                const char *vs = p;
                while (p < e && !is_space((unsigned char)*p) && *p != '>')
                    p++;
                val = (span){vs, (size_t)(p - vs)};
            }
        }
        if (ci_is(key.s, key.n, "name"))
            a->name = val;
        else if (ci_is(key.s, key.n, "property"))
            a->property = val;
        else if (ci_is(key.s, key.n, "itemprop"))
            a->itemprop = val;
        else if (ci_is(key.s, key.n, "content"))
            a->content = val;
        else if (ci_is(key.s, key.n, "datetime"))
            a->datetime = val;
        else if (ci_is(key.s, key.n, "type"))
            a->type = val;
    }
}

/* The rank of a <meta> naming key (its property or name), or -1. */
static int meta_rank(span key)
{
    static const char *const dc[] = {"dc.date",          "dc.date.issued", "dc.date.created",
                                     "dcterms.date",     "dcterms.issued", "dcterms.created",
                                     "dc.date.published"};
    static const char *const plain[] = {"date", "pubdate", "publishdate", "publish-date"};
    if (ci_is(key.s, key.n, "article:published_time"))
        return RANK_ARTICLE;
    if (ci_is(key.s, key.n, "og:published_time") ||
        ci_is(key.s, key.n, "og:article:published_time"))
        return RANK_OG;
    for (size_t i = 0; i < sizeof dc / sizeof *dc; i++)
        if (ci_is(key.s, key.n, dc[i]))
            return RANK_DC;
    for (size_t i = 0; i < sizeof plain / sizeof *plain; i++)
        if (ci_is(key.s, key.n, plain[i]))
            return RANK_NAME_DATE;
    return -1;
}

/* "datePublished": "VALUE" in a JSON-LD script s..e. */
static span jsonld_date(const char *s, const char *e)
{
    static const char key[] = "\"datePublished\"";
    for (const char *p = s; (p = ci_find(p, e, "\"datepublished\"")) != NULL;) {
        p += sizeof key - 1;
        while (p < e && is_space((unsigned char)*p))
            p++;
        if (p >= e || *p != ':')
            continue;
        p++;
        while (p < e && is_space((unsigned char)*p))
            p++;
        if (p >= e || *p != '"')
            continue;
        const char *q = memchr(p + 1, '"', (size_t)(e - p - 1));
        if (q)
            return (span){p + 1, (size_t)(q - p - 1)};
    }
    return (span){NULL, 0};
}

int ni_html_date(const char *html, size_t len, nsi_buf *date)
{
    span found[NRANKS] = {{0}};
    const char *p = html, *e = html + len;
    while (p < e && (p = memchr(p, '<', (size_t)(e - p))) != NULL) {
        if (e - p >= 4 && !memcmp(p, "<!--", 4)) {
            const char *end = ci_find(p + 4, e, "-->");
            if (!end)
                break;
            p = end + 3;
            continue;
        }
        const char *ns = ++p;
        while (p < e &&
               ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9')))
            p++;
        span name = {ns, (size_t)(p - ns)};
        if (!name.n)
            continue; /* "</x>", "<!doctype", "< " */
        attrs a;
        const char *after = read_attrs(p, e, &a);
        if (!after)
            break;
        p = after;
        if (ci_is(name.s, name.n, "meta") && a.content.s) {
            int rank = a.property.s ? meta_rank(a.property) : -1;
            if (rank < 0 && a.name.s)
                rank = meta_rank(a.name);
            if (rank < 0 && a.itemprop.s && ci_is(a.itemprop.s, a.itemprop.n, "datepublished"))
                rank = RANK_ITEMPROP;
            if (rank >= 0 && !found[rank].s)
                found[rank] = a.content;
        } else if (ci_is(name.s, name.n, "time") && a.datetime.s) {
            if (!found[RANK_TIME].s)
                found[RANK_TIME] = a.datetime;
        } else if (ci_is(name.s, name.n, "script") || ci_is(name.s, name.n, "style")) {
            const char *close = ci_find(p, e, name.n == 6 ? "</script" : "</style");
            const char *end = close ? close : e;
            if (name.n == 6 && a.type.s && ci_find(a.type.s, a.type.s + a.type.n, "ld+json") &&
                !found[RANK_JSONLD].s)
                found[RANK_JSONLD] = jsonld_date(p, end);
            p = end;
        }
    }
    /* The best that parses; else the best there is, for the caller to report. */
    nsi_buf tmp = {0};
    int st = NS_OK, first = -1;
    for (int r = 0; r < NRANKS && st == NS_OK; r++) {
        if (!found[r].s)
            continue;
        if (first < 0)
            first = r;
        nsi_buf_reset(&tmp);
        st = ni_html_unescape(found[r].s, found[r].n, &tmp);
        int64_t secs;
        if (st == NS_OK && tmp.len && ns_date_parse(tmp.str, tmp.len, &secs) == NS_OK) {
            st = nsi_buf_append(date, tmp.str, tmp.len);
            first = -1;
            break;
        }
    }
    if (st == NS_OK && first >= 0) {
        nsi_buf_reset(&tmp);
        st = ni_html_unescape(found[first].s, found[first].n, &tmp);
        if (st == NS_OK && tmp.len)
            st = nsi_buf_append(date, tmp.str, tmp.len);
    }
    nsi_buf_free(&tmp);
    return st;
}

/* ------------------------------------------------------------ Markdown */

/* The next line of t from *pos: [*ls, *le) without its line break. */
static int next_line(const char *t, size_t len, size_t *pos, size_t *ls, size_t *le)
{
    if (*pos >= len)
        return 0;
    const char *nl = memchr(t + *pos, '\n', len - *pos);
    *ls = *pos;
    *le = nl ? (size_t)(nl - t) : len;
    *pos = nl ? *le + 1 : len;
    if (*le > *ls && t[*le - 1] == '\r')
        (*le)--;
    return 1;
}

/* s..e trimmed of blanks and of one pair of matching quotes. */
static span unquote(const char *s, const char *e)
{
    while (s < e && is_space((unsigned char)*s))
        s++;
    while (e > s && is_space((unsigned char)e[-1]))
        e--;
    if (e - s >= 2 && (*s == '"' || *s == '\'') && e[-1] == *s) {
        s++;
        e--;
    }
    return (span){s, (size_t)(e - s)};
}

static int add_keyword(struct ni_fields *f, const char *name, span v)
{
    if (!v.n)
        return NS_OK;
    return ni_fields_add(f, name, strlen(name), v.s, v.n, NS_FIELD_KEYWORD);
}

/* "[a, 'b c', d]": each element. */
static int flow_list(struct ni_fields *f, const char *name, const char *s, const char *e)
{
    s++; /* '[' */
    const char *close = memchr(s, ']', (size_t)(e - s));
    e = close ? close : e;
    int st = NS_OK;
    while (s < e && st == NS_OK) {
        const char *comma = memchr(s, ',', (size_t)(e - s));
        const char *end = comma ? comma : e;
        st = add_keyword(f, name, unquote(s, end));
        s = end + 1;
    }
    return st;
}

int ni_front_matter_fields(const char *t, size_t len, nsi_buf *date, struct ni_fields *fields)
{
    size_t bom = len >= 3 && !memcmp(t, "\xEF\xBB\xBF", 3) ? 3 : 0, pos = bom, ls, le;
    if (!ni_front_matter_end(t + bom, len - bom))
        return NS_OK;                  /* none, or never closed */
    next_line(t, len, &pos, &ls, &le); /* the opening "---" */
    const char *list = NULL;           /* the key whose block list ("- a") follows */
    int st = NS_OK;
    while (st == NS_OK && next_line(t, len, &pos, &ls, &le)) {
        if (le - ls == 3 && (!memcmp(t + ls, "---", 3) || !memcmp(t + ls, "...", 3)))
            break;
        const char *s = t + ls, *e = t + le;
        if (list) { /* "- item", indented or not */
            const char *i = s;
            while (i < e && is_space((unsigned char)*i))
                i++;
            if (i < e && *i == '-' && (i + 1 == e || is_space((unsigned char)i[1]))) {
                st = add_keyword(fields, list, unquote(i + 1, e));
                continue;
            }
        }
        list = NULL;
        const char *colon = memchr(s, ':', (size_t)(e - s));
        if (!colon || is_space((unsigned char)*s))
            continue;
        span key = {s, (size_t)(colon - s)};
        span val = unquote(colon + 1, e);
        static const char *const keywords[] = {"tags", "author", "authors", "categories"};
        if (ci_is(key.s, key.n, "date")) {
            if (val.n && !date->len)
                st = nsi_buf_append(date, val.s, val.n);
            continue;
        }
        for (size_t i = 0; i < sizeof keywords / sizeof *keywords; i++) {
            if (!ci_is(key.s, key.n, keywords[i]))
                continue;
            /* authors and categories are filed under author and tags */
            const char *name = i == 2 ? "author" : i == 3 ? "tags" : keywords[i];
            if (!val.n)
                list = name;
            else if (val.s[0] == '[')
                st = flow_list(fields, name, val.s, val.s + val.n);
            else
                st = add_keyword(fields, name, val);
        }
    }
    return st;
}
