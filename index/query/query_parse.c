/* query_parse.c — query text to tree: a lexer and a recursive-descent parser.
 *
 * The language is specified in docs/query-language.md. Grammar, loosest
 * binding first:
 *
 *   query   := or END
 *   or      := seq ( "OR" seq )*
 *   seq     := and and*            juxtaposition: AND, or with any=1 OR/MAYBE
 *   and     := unary ( "AND" unary )*
 *   unary   := "NOT" near | sign near | near
 *   near    := primary ( NEAR[/n] primary )*
 *   primary := [title:] ( word | word* | word~[N] | "phrase" | "(" or ")" )
 *
 * A sign ('+' or '-' starting a word) and a field prefix are part of the
 * token they start, so "-AND" is "not the word AND" and never an operator.
 *
 * The parser recurses only through '(' and checks the depth before each
 * descent, so hostile input (10,000 '(') fails fast on a small stack; the
 * term count is checked while words are analysed, so 100,000 words stop at
 * the limit. Words are analysed as they are met, with the same chain as the
 * indexer, which decides what a term, a phrase or nothing at all is.
 */
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/utf8.h"
#include "format/values.h"
#include "query/fuzzy.h"
#include "query/query.h"

#define NEAR_DEFAULT_DIST 10u
#define NEAR_MAX_DIST 1000u
/* Whatever max_depth asks for: each level costs about eight stack frames. */
#define HARD_MAX_DEPTH 256u

enum tok_kind { TK_END, TK_WORD, TK_PHRASE, TK_LPAREN, TK_RPAREN, TK_AND, TK_OR, TK_NOT, TK_NEAR };

typedef struct qtok {
    enum tok_kind kind;
    size_t off;      /* first byte, sign included */
    size_t body;     /* first byte after the sign */
    size_t end;      /* one past the last byte */
    size_t text;     /* WORD: the word without field and '*'; PHRASE: inside */
    size_t text_len; /* the quotes; LPAREN: offset of the '(' itself */
    char sign;       /* '+', '-' or 0 */
    char prefix;     /* WORD ended in '*' */
    int fuzzy;       /* WORD ended in '~' (-1) or '~N' (N) ; 0: neither */
    enum nsq_field field;
    size_t fname, fname_len; /* NSQ_FIELD_NAMED: the name written before ':' */
    unsigned dist;           /* NEAR */
} qtok;

typedef struct atok {
    size_t term; /* offset in qparser.terms */
    size_t term_len;
    size_t start; /* byte offset in the query text */
} atok;

typedef struct qparser {
    const char *text;
    size_t len;
    nsi_analyzer *an;
    const nsq_schema *schema; /* NULL: name:... stays an NSQ_FIELD node */
    /* inside name:( ... ) of a keyword, date or number field: the field
     * whose values the group's bare words and phrases are */
    const char *gfield;
    size_t gfield_len;
    int gtype;
    int any;
    size_t max_terms, max_depth;
    qtok cur;
    size_t depth;
    size_t nterms; /* terms already in the tree */
    char *err;
    size_t errlen;
    size_t err_off;
    /* tokens of the word or phrase being analysed */
    size_t base;
    nsi_buf terms;
    atok *toks;
    size_t ntoks, ctoks;
} qparser;

enum { MARK_NONE, MARK_REQUIRED };

static int fail(qparser *p, int rc, size_t off, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Every message reads "<what> at <offset>" (or puts the offset right after
 * the operator it names), and off is the same offset, for the caller. */
static int fail(qparser *p, int rc, size_t off, const char *fmt, ...)
{
    if (p->err && p->errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(p->err, p->errlen, fmt, ap);
        va_end(ap);
    }
    p->err_off = off;
    return rc;
}

static int oom(qparser *p, size_t off)
{
    return fail(p, NS_ENOMEM, off, "out of memory at %zu", off);
}

/* ------------------------------------------------------------- lexer */

/* Length of the separator at t[i]: ASCII white space, NUL, or one of the
 * common Unicode spaces (so a pasted no-break space still separates words
 * for the operators, as it already does for the analyzer); 0 otherwise. */
static size_t space_at(const char *t, size_t len, size_t i)
{
    unsigned char c = (unsigned char)t[i];
    if (c == ' ' || (c >= '\t' && c <= '\r') || c == '\0')
        return 1;
    if (c < 0x80)
        return 0;
    int32_t cp;
    size_t n = nsi_utf8_decode((const uint8_t *)t + i, len - i, &cp);
    int sp = cp == 0xA0 || cp == 0x85 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200A) ||
             cp == 0x2028 || cp == 0x2029 || cp == 0x202F || cp == 0x205F || cp == 0x3000;
    return sp ? n : 0;
}

static int is_special(char c) { return c == '(' || c == ')' || c == '"'; }

/* End of the word starting at i: the next separator, parenthesis or quote. */
static size_t word_end(const qparser *p, size_t i)
{
    while (i < p->len && !space_at(p->text, p->len, i) && !is_special(p->text[i]))
        i++;
    return i;
}

/* Whether an operand (word, phrase or group) starts at i. */
static int operand_at(const qparser *p, size_t i)
{
    return i < p->len && !space_at(p->text, p->len, i) && p->text[i] != ')';
}

/* The length of a field name [A-Za-z][A-Za-z0-9_.-]* (at most 64 bytes)
 * at i that is followed by ':' and an operand, or 0. "name://" is a URL,
 * not a field. */
static size_t field_name_at(const qparser *p, size_t i)
{
    const char *s = p->text;
    size_t n = 0;
    if (i >= p->len || !((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= 'a' && s[i] <= 'z')))
        return 0;
    while (i + n < p->len && n <= 64) {
        char c = s[i + n];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '.' || c == '-'))
            break;
        n++;
    }
    if (n > 64 || i + n >= p->len || s[i + n] != ':' || !operand_at(p, i + n + 1))
        return 0;
    if (i + n + 2 < p->len && s[i + n + 1] == '/' && s[i + n + 2] == '/')
        return 0;
    return n;
}

static int lex_near(qparser *p, qtok *t, const char *w, size_t n)
{
    if (n == 4) {
        t->kind = TK_NEAR;
        t->dist = NEAR_DEFAULT_DIST;
        return NS_OK;
    }
    if (n < 6 || w[4] != '/')
        return NS_OK;
    unsigned d = 0;
    for (size_t i = 5; i < n; i++) {
        if (w[i] < '0' || w[i] > '9')
            return NS_OK; /* "NEAR/x" is just a word */
        if (d <= NEAR_MAX_DIST)
            d = d * 10 + (unsigned)(w[i] - '0');
    }
    if (d < 1 || d > NEAR_MAX_DIST)
        return fail(p, NS_ESYNTAX, t->off, "NEAR distance must be 1 to %u at %zu", NEAR_MAX_DIST,
                    t->off);
    t->kind = TK_NEAR;
    t->dist = d;
    return NS_OK;
}

/* Upper-case AND, OR, NOT, NEAR and NEAR/n written as whole words. */
static int lex_operator(qparser *p, qtok *t)
{
    const char *w = p->text + t->text;
    size_t n = t->text_len + (t->prefix ? 1 : 0);
    if (n == 3 && !memcmp(w, "AND", 3))
        t->kind = TK_AND;
    else if (n == 2 && !memcmp(w, "OR", 2))
        t->kind = TK_OR;
    else if (n == 3 && !memcmp(w, "NOT", 3))
        t->kind = TK_NOT;
    else if (n >= 4 && !memcmp(w, "NEAR", 4))
        return lex_near(p, t, w, n);
    return NS_OK;
}

/* A word ending in '~' or '~N' (after at least one byte) is fuzzy: t->fuzzy
 * is -1 for the budget by length, N + 1 for '~N'. */
static int lex_fuzzy(qparser *p, qtok *t)
{
    const char *w = p->text + t->text;
    size_t n = t->text_len, d = n;
    while (d > 0 && w[d - 1] >= '0' && w[d - 1] <= '9')
        d--;
    if (d < 2 || w[d - 1] != '~')
        return NS_OK;
    unsigned v = 0;
    for (size_t i = d; i < n && v <= NSI_FUZZY_MAX_DIST; i++)
        v = v * 10 + (unsigned)(w[i] - '0');
    size_t at = t->text + d - 1;
    if (d < n && v > NSI_FUZZY_MAX_DIST)
        return fail(p, NS_ESYNTAX, at, "fuzzy distance must be 0 to %u at %zu", NSI_FUZZY_MAX_DIST,
                    at);
    t->fuzzy = d < n ? (int)v + 1 : -1;
    t->text_len = d - 1;
    return NS_OK;
}

/* The operand after an optional sign and field: '(', a phrase or a word. */
static int lex_operand(qparser *p, qtok *t, size_t i)
{
    const char *s = p->text;
    if (s[i] == '(') {
        t->kind = TK_LPAREN;
        t->text = i;
        t->end = i + 1;
        return NS_OK;
    }
    if (s[i] == '"') {
        const char *q = memchr(s + i + 1, '"', p->len - i - 1);
        if (!q)
            return fail(p, NS_ESYNTAX, i, "unterminated '\"' at %zu", i);
        t->kind = TK_PHRASE;
        t->text = i + 1;
        t->text_len = (size_t)(q - s) - (i + 1);
        t->end = (size_t)(q - s) + 1;
        return NS_OK;
    }
    size_t e = word_end(p, i);
    t->kind = TK_WORD;
    t->text = i;
    t->end = e;
    t->prefix = s[e - 1] == '*';
    t->text_len = e - i - (t->prefix ? 1 : 0);
    if (!t->prefix) {
        int rc = lex_fuzzy(p, t);
        if (rc || t->fuzzy)
            return rc;
    }
    if (!t->sign && t->field == NSQ_FIELD_ALL)
        return lex_operator(p, t);
    return NS_OK;
}

/* Reads the token at or after pos into t. */
static int lex(qparser *p, size_t pos, qtok *t)
{
    const char *s = p->text;
    size_t sp, start = pos;
    while (pos < p->len && (sp = space_at(s, p->len, pos)) != 0)
        pos += sp;
    memset(t, 0, sizeof *t);
    t->off = t->body = t->end = pos;
    if (pos == p->len) {
        t->kind = TK_END;
        return NS_OK;
    }
    if (s[pos] == ')') {
        t->kind = TK_RPAREN;
        t->end = pos + 1;
        return NS_OK;
    }
    /* A sign starts a word: at the start, after a separator or after '('. */
    int word_start = pos == 0 || pos > start || s[pos - 1] == '(';
    if ((s[pos] == '+' || s[pos] == '-') && word_start && operand_at(p, pos + 1) &&
        s[pos + 1] != '+' && s[pos + 1] != '-') {
        t->sign = s[pos];
        t->body = ++pos;
    }
    size_t n = field_name_at(p, pos);
    if (n == 5 && !memcmp(s + pos, "title", 5)) {
        t->field = NSQ_FIELD_TITLE;
        pos += 6;
    } else if (n) {
        t->field = NSQ_FIELD_NAMED;
        t->fname = pos;
        t->fname_len = n;
        pos += n + 1;
    }
    return lex_operand(p, t, pos);
}

static int advance(qparser *p) { return lex(p, p->cur.end, &p->cur); }

static int can_start(enum tok_kind k)
{
    return k == TK_WORD || k == TK_PHRASE || k == TK_LPAREN || k == TK_NOT || k == TK_NEAR;
}

/* ------------------------------------------------------------- analysis */

static int collect(void *ctx, const nsi_token *tok)
{
    qparser *p = ctx;
    size_t at = p->base + tok->start;
    if (tok->term_len == 0) /* not expected from the analyzer; nothing to match */
        return NS_OK;
    if (p->nterms + p->ntoks >= p->max_terms)
        return fail(p, NS_ETOOBIG, at, "query has more than %zu terms at %zu", p->max_terms, at);
    if (p->ntoks == p->ctoks) {
        size_t c = p->ctoks ? p->ctoks * 2 : 16;
        atok *v = realloc(p->toks, c * sizeof *v);
        if (!v)
            return oom(p, at);
        p->toks = v;
        p->ctoks = c;
    }
    atok *a = &p->toks[p->ntoks];
    a->term = p->terms.len;
    a->term_len = tok->term_len;
    a->start = at;
    if (nsi_buf_append(&p->terms, tok->term, tok->term_len) != NS_OK)
        return oom(p, at);
    p->ntoks++;
    return NS_OK;
}

static int analyse(qparser *p, size_t off, size_t len, unsigned flags)
{
    p->ntoks = 0;
    p->base = off;
    nsi_buf_reset(&p->terms);
    int rc = nsi_analyze(p->an, p->text + off, len, 0, flags, collect, p, NULL);
    if (rc == NS_ENOMEM)
        return oom(p, off);
    return rc;
}

static nsq_node *tok_term(qparser *p, enum nsq_kind kind, size_t i, size_t off)
{
    const atok *a = &p->toks[i];
    return nsq_new_term(kind, (const char *)p->terms.data + a->term, a->term_len, off);
}

/* The text [off, off+len) as nothing, a TERM, or a PHRASE of TERMs; the node
 * starts at at (the word, or the opening quote). */
static int words_node(qparser *p, size_t off, size_t len, size_t at, nsq_node **out)
{
    *out = NULL;
    int rc = analyse(p, off, len, 0);
    if (rc || p->ntoks == 0)
        return rc;
    if (p->ntoks == 1) {
        *out = tok_term(p, NSQ_TERM, 0, at);
    } else if ((*out = nsq_new(NSQ_PHRASE, at)) != NULL) {
        for (size_t i = 0; i < p->ntoks && rc == NS_OK; i++) {
            nsq_node *k = tok_term(p, NSQ_TERM, i, p->toks[i].start);
            rc = k ? nsq_add_kid(*out, k) : NS_ENOMEM;
        }
        if (rc) {
            nsq_free(*out);
            *out = NULL;
        }
    }
    if (!*out)
        return oom(p, at);
    p->nterms += p->ntoks;
    return NS_OK;
}

static int prefix_node(qparser *p, const qtok *t, nsq_node **out)
{
    int rc = analyse(p, t->text, t->text_len, NSI_AN_NOSTEM);
    if (rc)
        return rc;
    if (p->ntoks == 0)
        return fail(p, NS_ESYNTAX, t->body, "empty prefix at %zu", t->body);
    if (p->ntoks > 1)
        return fail(p, NS_ESYNTAX, t->body, "prefix must be one word at %zu", t->body);
    if (!(*out = tok_term(p, NSQ_PREFIX, 0, t->body)))
        return oom(p, t->body);
    p->nterms++;
    return NS_OK;
}

/* word~ or word~N: one analysed (stemmed) term and its edit budget, given or
 * by the term's length (fuzzy.h). */
static int fuzzy_node(qparser *p, const qtok *t, nsq_node **out)
{
    int rc = analyse(p, t->text, t->text_len, 0);
    if (rc)
        return rc;
    if (p->ntoks == 0)
        return fail(p, NS_ESYNTAX, t->body, "empty fuzzy term at %zu", t->body);
    if (p->ntoks > 1)
        return fail(p, NS_ESYNTAX, t->body, "fuzzy term must be one word at %zu", t->body);
    if (!(*out = tok_term(p, NSQ_FUZZY, 0, t->body)))
        return oom(p, t->body);
    (*out)->dist = t->fuzzy > 0 ? (unsigned)(t->fuzzy - 1)
                                : nsi_fuzzy_auto(nsi_fuzzy_cplen((*out)->term, (*out)->term_len));
    p->nterms++;
    return NS_OK;
}

/* ------------------------------------------------------------- tree checks */

static void set_field(nsq_node *n, enum nsq_field f)
{
    if (!n)
        return;
    if ((n->kind == NSQ_TERM || n->kind == NSQ_PREFIX || n->kind == NSQ_FUZZY ||
         n->kind == NSQ_PHRASE || n->kind == NSQ_NEAR) &&
        n->field != NSQ_FIELD_NAMED)
        n->field = f;
    for (size_t i = 0; i < n->nkids; i++)
        set_field(n->kids[i], f);
}

/* Puts the words of n (a text field's operand) in field name: NS_ENOMEM. */
static int set_named(nsq_node *n, const char *name, size_t len)
{
    if (!n)
        return NS_OK;
    if (n->kind == NSQ_TERM || n->kind == NSQ_PREFIX || n->kind == NSQ_PHRASE ||
        n->kind == NSQ_NEAR) {
        n->field = NSQ_FIELD_NAMED;
        if (nsq_set_fname(n, name, len))
            return NS_ENOMEM;
    }
    for (size_t i = 0; i < n->nkids; i++)
        if (set_named(n->kids[i], name, len))
            return NS_ENOMEM;
    return NS_OK;
}

/* A NOT, or an AND of NOTs only: it can exclude but never match. */
static int is_negative(const nsq_node *n)
{
    if (n->kind == NSQ_NOT)
        return 1;
    if (n->kind != NSQ_AND)
        return 0;
    for (size_t i = 0; i < n->nkids; i++)
        if (n->kids[i]->kind != NSQ_NOT)
            return 0;
    return 1;
}

static size_t negative_offset(const nsq_node *n)
{
    return n->kind == NSQ_NOT ? n->offset : n->kids[0]->offset;
}

/* Adds kid to an OR, MAYBE or NOT, where only something that can match may
 * go: an exclusion must sit in an AND beside a positive term. */
static int add_positive(qparser *p, nsq_node *parent, nsq_node *kid)
{
    if (kid && is_negative(kid)) {
        size_t off = negative_offset(kid);
        nsq_free(kid);
        return fail(p, NS_ESYNTAX, off, "NOT at %zu has no positive term beside it", off);
    }
    return nsq_add_kid(parent, kid) ? oom(p, parent->offset) : NS_OK;
}

static int add_kid(qparser *p, nsq_node *parent, nsq_node *kid)
{
    return nsq_add_kid(parent, kid) ? oom(p, parent->offset) : NS_OK;
}

/* A filter: a keyword value, a range, an unresolved field operand, or a
 * combination of filters. */
static int is_filter(const nsq_node *n)
{
    if (n->kind == NSQ_KEYWORD || n->kind == NSQ_RANGE || n->kind == NSQ_FIELD)
        return 1;
    if (n->kind != NSQ_AND && n->kind != NSQ_OR && n->kind != NSQ_NOT)
        return 0;
    for (size_t i = 0; i < n->nkids; i++)
        if (!is_filter(n->kids[i]))
            return 0;
    return 1;
}

/* A negative query (is_negative) whose every exclusion is a filter. */
static int only_filters(const nsq_node *n) { return is_filter(n); }

/* -topics:cocoa alone: every document but those (AND (ALL) (NOT ...)). */
static int match_all_but(qparser *p, nsq_node **n)
{
    nsq_node *and = nsq_new(NSQ_AND, (*n)->offset), *all = nsq_new(NSQ_ALL, (*n)->offset);
    if (!and || !all || nsq_add_kid(and, all)) {
        nsq_free(and);
        return oom(p, (*n)->offset);
    }
    if (nsq_add_kid(and, *n)) {
        *n = NULL;
        nsq_free(and);
        return oom(p, 0);
    }
    *n = nsq_simplify(and);
    return NS_OK;
}

/* ------------------------------------------------------------- parser */

static int parse_or(qparser *p, nsq_node **out);

static int near_error(qparser *p, size_t off)
{
    return fail(p, NS_ESYNTAX, off, "NEAR needs a word on each side at %zu", off);
}

static int parse_group(qparser *p, nsq_node **out)
{
    size_t open = p->cur.text;
    if (p->depth >= p->max_depth)
        return fail(p, NS_ETOOBIG, open, "query nesting deeper than %zu at %zu", p->max_depth,
                    open);
    p->depth++;
    int rc = advance(p);
    if (!rc)
        rc = parse_or(p, out);
    if (!rc && p->cur.kind != TK_RPAREN)
        rc = fail(p, NS_ESYNTAX, open, "unbalanced '(' at %zu", open);
    if (!rc)
        rc = advance(p);
    p->depth--;
    if (rc) {
        nsq_free(*out);
        *out = NULL;
    }
    return rc;
}

/* ------------------------------------------------------------- typed fields */

static int parse_primary(qparser *p, nsq_node **out);

/* One past the ')' that closes the '(' at i, skipping quoted text; 0 when it
 * is never closed. */
static size_t group_end(const qparser *p, size_t i)
{
    size_t depth = 0;
    for (; i < p->len; i++) {
        char c = p->text[i];
        if (c == '"') {
            const char *q = memchr(p->text + i + 1, '"', p->len - i - 1);
            if (!q)
                return 0;
            i = (size_t)(q - p->text);
        } else if (c == '(') {
            depth++;
        } else if (c == ')' && --depth == 0) {
            return i + 1;
        }
    }
    return 0;
}

/* Without a schema: `name:operand` kept as written, for nsq_resolve. */
static int unresolved_node(qparser *p, const qtok *t, nsq_node **out)
{
    size_t end = t->end;
    if (t->kind == TK_LPAREN && (end = group_end(p, t->text)) == 0)
        return fail(p, NS_ESYNTAX, t->text, "unbalanced '(' at %zu", t->text);
    if (t->kind != TK_WORD && t->kind != TK_PHRASE && t->kind != TK_LPAREN)
        return fail(p, NS_ESYNTAX, t->body, "field '%.*s' at %zu has no value", (int)t->fname_len,
                    p->text + t->fname, t->body);
    if (p->nterms >= p->max_terms)
        return fail(p, NS_ETOOBIG, t->body, "query has more than %zu terms at %zu", p->max_terms,
                    t->body);
    nsq_node *n = nsq_new_term(NSQ_FIELD, p->text + t->body, end - t->body, t->body);
    if (!n || nsq_set_fname(n, p->text + t->fname, t->fname_len)) {
        nsq_free(n);
        return oom(p, t->body);
    }
    n->any = p->any;
    p->nterms++;
    p->cur.end = end;
    int rc = advance(p);
    if (rc)
        nsq_free(n); /* a failure leaves *out NULL, as everywhere */
    else
        *out = n;
    return rc;
}

/* A keyword value or a date/number operand (a word or a phrase's inside) of
 * field name, type type. */
static int value_node(qparser *p, const char *name, size_t nlen, int type, const char *v,
                      size_t vlen, size_t at, nsq_node **out)
{
    nsq_node *n = NULL;
    if (p->nterms >= p->max_terms)
        return fail(p, NS_ETOOBIG, at, "query has more than %zu terms at %zu", p->max_terms, at);
    if (type == NS_FIELD_KEYWORD) {
        nsi_buf f = {0};
        int rc = nsi_field_fold(v, vlen, &f);
        if (!rc && f.len == 0)
            rc =
                fail(p, NS_ESYNTAX, at, "empty value for field '%.*s' at %zu", (int)nlen, name, at);
        else if (!rc && !(n = nsq_new_term(NSQ_KEYWORD, (const char *)f.data, f.len, at)))
            rc = NS_ENOMEM;
        nsi_buf_free(&f);
        if (rc)
            return rc == NS_ESYNTAX ? rc : oom(p, at);
    } else {
        nsq_range r;
        size_t off = 0;
        int rc = nsq_range_parse(v, vlen, type, at, &r, p->err, p->errlen, &off);
        if (rc) {
            p->err_off = off;
            return rc;
        }
        if (!(n = nsq_new(NSQ_RANGE, at)))
            return oom(p, at);
        n->range = r;
    }
    if (nsq_set_fname(n, name, nlen)) {
        nsq_free(n);
        return oom(p, at);
    }
    p->nterms++;
    *out = n;
    return NS_OK;
}

/* name:operand with a schema (or a bare word or phrase inside name:(...)). */
static int parse_field(qparser *p, nsq_node **out)
{
    qtok t = p->cur;
    if (!p->schema)
        return unresolved_node(p, &t, out);
    const char *name = t.field == NSQ_FIELD_NAMED ? p->text + t.fname : p->gfield;
    size_t nlen = t.field == NSQ_FIELD_NAMED ? t.fname_len : p->gfield_len;
    int type = t.field == NSQ_FIELD_NAMED ? p->schema->type(p->schema->ctx, name, nlen) : p->gtype;
    size_t at = t.field == NSQ_FIELD_NAMED ? t.fname : t.body;
    if (!type)
        return fail(p, NS_ESYNTAX, at, "unknown field '%.*s' at %zu (fields: %s)", (int)nlen, name,
                    at, p->schema->names ? p->schema->names : "title");
    int rc;
    if (type == NS_FIELD_TEXT) {
        const char *gf = p->gfield;
        p->gfield = NULL;
        p->cur.field = NSQ_FIELD_ALL;
        rc = parse_primary(p, out);
        p->gfield = gf;
        if (!rc && set_named(*out, name, nlen))
            rc = oom(p, at);
    } else if (t.kind == TK_WORD || t.kind == TK_PHRASE) {
        size_t vlen = t.kind == TK_WORD ? t.end - t.text : t.text_len;
        rc = value_node(p, name, nlen, type, p->text + t.text, vlen, at, out);
        if (!rc)
            rc = advance(p);
    } else if (t.kind == TK_LPAREN) {
        const char *gf = p->gfield;
        size_t gl = p->gfield_len;
        int gt = p->gtype;
        p->gfield = name;
        p->gfield_len = nlen;
        p->gtype = type;
        rc = parse_group(p, out);
        p->gfield = gf;
        p->gfield_len = gl;
        p->gtype = gt;
    } else {
        return fail(p, NS_ESYNTAX, at, "field '%.*s' at %zu has no value", (int)nlen, name, at);
    }
    if (rc) {
        nsq_free(*out);
        *out = NULL;
    }
    return rc;
}

static int parse_primary(qparser *p, nsq_node **out)
{
    qtok t = p->cur;
    int rc;
    *out = NULL;
    if (t.field == NSQ_FIELD_NAMED ||
        (p->gfield && t.field == NSQ_FIELD_ALL && (t.kind == TK_WORD || t.kind == TK_PHRASE)))
        return parse_field(p, out);
    switch (t.kind) {
    case TK_WORD:
        rc = t.prefix  ? prefix_node(p, &t, out)
             : t.fuzzy ? fuzzy_node(p, &t, out)
                       : words_node(p, t.text, t.text_len, t.body, out);
        if (!rc)
            rc = advance(p);
        break;
    case TK_PHRASE:
        rc = words_node(p, t.text, t.text_len, t.body, out);
        if (!rc)
            rc = advance(p);
        break;
    case TK_LPAREN:
        rc = parse_group(p, out);
        break;
    case TK_NEAR:
        return near_error(p, t.off);
    default: /* callers only come here with can_start() tokens */
        return fail(p, NS_ESYNTAX, t.off, "unexpected token at %zu", t.off);
    }
    if (rc) {
        nsq_free(*out);
        *out = NULL;
        return rc;
    }
    set_field(*out, t.field);
    return NS_OK;
}

/* The right-hand operands of a NEAR chain whose first word is in near. */
static int parse_near_rest(qparser *p, nsq_node *near)
{
    while (p->cur.kind == TK_NEAR) {
        size_t op = p->cur.off;
        if (p->cur.dist < near->dist)
            near->dist = p->cur.dist;
        int rc = advance(p);
        if (rc)
            return rc;
        if ((p->cur.kind != TK_WORD && p->cur.kind != TK_PHRASE) || p->cur.sign)
            return near_error(p, op);
        nsq_node *n;
        if ((rc = parse_primary(p, &n)) != NS_OK)
            return rc;
        if (!n || n->kind != NSQ_TERM) {
            nsq_free(n);
            return near_error(p, op);
        }
        if (n->field != near->field ||
            (n->field == NSQ_FIELD_NAMED &&
             (n->fname_len != near->fname_len || memcmp(n->fname, near->fname, n->fname_len)))) {
            nsq_free(n);
            return fail(p, NS_ESYNTAX, op, "NEAR needs words of one field at %zu", op);
        }
        if ((rc = add_kid(p, near, n)) != NS_OK)
            return rc;
    }
    return NS_OK;
}

static int parse_near(qparser *p, nsq_node **out)
{
    nsq_node *n;
    int group = p->cur.kind == TK_LPAREN;
    int rc = parse_primary(p, &n);
    if (rc || p->cur.kind != TK_NEAR) {
        *out = n;
        return rc;
    }
    *out = NULL;
    if (!n || n->kind != NSQ_TERM || group) {
        nsq_free(n);
        return near_error(p, p->cur.off);
    }
    nsq_node *near = nsq_new(NSQ_NEAR, n->offset);
    if (!near) {
        nsq_free(n);
        return oom(p, p->cur.off);
    }
    near->field = n->field;
    near->dist = UINT_MAX;
    if (n->fname && nsq_set_fname(near, n->fname, n->fname_len)) {
        nsq_free(n);
        nsq_free(near);
        return oom(p, p->cur.off);
    }
    rc = add_kid(p, near, n);
    if (!rc)
        rc = parse_near_rest(p, near);
    if (rc)
        nsq_free(near);
    else
        *out = near;
    return rc;
}

/* NOT or '-' at op: the operand is the current token, its sign removed. */
static int parse_negation(qparser *p, size_t op, nsq_node **out)
{
    nsq_node *n, *not ;
    *out = NULL;
    int rc = parse_near(p, &n);
    if (rc || !n)
        return rc;
    if (!(not = nsq_new(NSQ_NOT, op))) {
        nsq_free(n);
        return oom(p, op);
    }
    if ((rc = add_positive(p, not, n)) != NS_OK) {
        nsq_free(not );
        return rc;
    }
    *out = not ;
    return NS_OK;
}

static int parse_unary(qparser *p, nsq_node **out, int *mark)
{
    qtok *t = &p->cur;
    *mark = MARK_NONE;
    if (t->kind == TK_NOT) {
        size_t op = t->off;
        int rc = advance(p);
        if (rc)
            return rc;
        if (!can_start(t->kind))
            return fail(p, NS_ESYNTAX, op, "NOT at %zu has nothing on its right", op);
        if (t->kind == TK_NOT || t->sign == '-')
            return fail(p, NS_ESYNTAX, t->off, "double negation at %zu", t->off);
        t->sign = 0; /* NOT +a is NOT a */
        return parse_negation(p, op, out);
    }
    if (t->sign == '-') {
        t->sign = 0;
        return parse_negation(p, t->off, out);
    }
    if (t->sign == '+') {
        t->sign = 0;
        *mark = MARK_REQUIRED;
    }
    return parse_near(p, out);
}

static int parse_and(qparser *p, nsq_node **out, int *mark)
{
    size_t start = p->cur.off;
    nsq_node *n = NULL, *and;
    int rc = parse_unary(p, &n, mark);
    if (rc || p->cur.kind != TK_AND) {
        *out = n;
        return rc;
    }
    *out = NULL;
    *mark = MARK_NONE;
    if (!(and = nsq_new(NSQ_AND, start))) {
        nsq_free(n);
        return oom(p, start);
    }
    rc = add_kid(p, and, n);
    while (!rc && p->cur.kind == TK_AND) {
        size_t op = p->cur.off;
        int m;
        if ((rc = advance(p)) != NS_OK)
            break;
        if (!can_start(p->cur.kind)) {
            rc = fail(p, NS_ESYNTAX, op, "AND at %zu has nothing on its right", op);
            break;
        }
        if ((rc = parse_unary(p, &n, &m)) == NS_OK)
            rc = add_kid(p, and, n);
    }
    if (rc)
        nsq_free(and);
    else
        *out = nsq_simplify(and);
    return rc;
}

/* Juxtaposed operands with any=0: one AND (a '+' changes nothing). */
static int parse_seq_all(qparser *p, nsq_node **out)
{
    nsq_node *and = nsq_new(NSQ_AND, p->cur.off);
    int rc = and? NS_OK : oom(p, p->cur.off);
    while (!rc && can_start(p->cur.kind)) {
        nsq_node *n;
        int mark;
        if ((rc = parse_and(p, &n, &mark)) == NS_OK)
            rc = add_kid(p, and, n);
    }
    if (rc) {
        nsq_free(and);
        and = NULL;
    }
    *out = nsq_simplify(and);
    return rc;
}

/* any=1: the required operands (AND), the optional ones (OR) and the
 * exclusions, combined as AND(MAYBE(req, opt...), NOT...). */
typedef struct anyseq {
    nsq_node *req, *opt, *neg;
} anyseq;

static void anyseq_free(anyseq *s)
{
    nsq_free(s->req);
    nsq_free(s->opt);
    nsq_free(s->neg);
}

static int anyseq_positive(qparser *p, anyseq *s, size_t start, nsq_node **pos)
{
    nsq_node *req = nsq_simplify(s->req), *opt = s->opt;
    s->req = s->opt = NULL;
    if (!req || !opt->nkids) {
        *pos = req ? req : nsq_simplify(opt);
        if (req)
            nsq_free(opt);
        return NS_OK;
    }
    nsq_node *m = nsq_new(NSQ_MAYBE, start);
    int rc = m ? add_kid(p, m, req) : (nsq_free(req), oom(p, start));
    for (size_t i = 0; !rc && i < opt->nkids; i++) {
        rc = add_kid(p, m, opt->kids[i]);
        opt->kids[i] = NULL;
    }
    for (size_t i = 0; i < opt->nkids; i++)
        nsq_free(opt->kids[i]);
    opt->nkids = 0;
    nsq_free(opt);
    if (rc) {
        nsq_free(m);
        m = NULL;
    }
    *pos = m;
    return rc;
}

/* The fallback of lenient parsing: words separated by white space, as
 * parse_literal, but their signs kept. A word written -w, or after the
 * word NOT, stays excluded, and +w stays required with any: falling back
 * must never turn "cocoa -beans" into a query for beans. Everything else
 * (quotes, parentheses, *, title:, OR) is text. Only exclusions left is
 * an error, as in the syntax. */
static int parse_signed_words(qparser *p, nsq_node **out)
{
    anyseq s = {nsq_new(NSQ_AND, 0), nsq_new(p->any ? NSQ_OR : NSQ_AND, 0), nsq_new(NSQ_AND, 0)};
    int rc = s.req && s.opt && s.neg ? NS_OK : oom(p, 0);
    int negate_next = 0;
    size_t i = 0, sp, neg_at = 0;
    *out = NULL;
    while (!rc && i < p->len) {
        if ((sp = space_at(p->text, p->len, i)) != 0) {
            i += sp;
            continue;
        }
        size_t e = i + 1;
        while (e < p->len && !space_at(p->text, p->len, e))
            e++;
        size_t w = i;
        char sign = 0;
        if (e - i == 3 && !memcmp(p->text + i, "NOT", 3)) {
            negate_next = 1;
            i = e;
            continue;
        }
        if (e - i > 1 && (p->text[i] == '-' || p->text[i] == '+'))
            sign = p->text[w++];
        if (negate_next)
            sign = '-';
        negate_next = 0;
        nsq_node *n;
        if ((rc = words_node(p, w, e - w, i, &n)) != NS_OK || !n) {
            i = e;
            continue;
        }
        if (sign == '-') {
            nsq_node *no = nsq_new(NSQ_NOT, i);
            if (!no || nsq_add_kid(no, n)) {
                nsq_free(no);
                nsq_free(n);
                rc = oom(p, i);
                break;
            }
            if (!s.neg->nkids)
                neg_at = i;
            n = no;
        }
        rc = add_kid(p, sign == '-' ? s.neg : sign == '+' && p->any ? s.req : s.opt, n);
        i = e;
    }
    nsq_node *pos = NULL;
    if (!rc)
        rc = anyseq_positive(p, &s, 0, &pos);
    if (!rc && s.neg->nkids) {
        if (!pos)
            rc = fail(p, NS_ESYNTAX, neg_at, "query has no positive term at %zu", neg_at);
        else if ((rc = add_kid(p, s.neg, pos)) == NS_OK) {
            pos = s.neg;
            s.neg = NULL;
        }
    }
    anyseq_free(&s);
    if (rc)
        nsq_free(pos);
    else
        *out = nsq_simplify(pos);
    return rc;
}

static int parse_seq_any(qparser *p, nsq_node **out)
{
    size_t start = p->cur.off;
    anyseq s = {nsq_new(NSQ_AND, start), nsq_new(NSQ_OR, start), nsq_new(NSQ_AND, start)};
    nsq_node *filt = nsq_new(NSQ_AND, start);
    int rc = s.req && s.opt && s.neg && filt ? NS_OK : oom(p, start);
    *out = NULL;
    while (!rc && can_start(p->cur.kind)) {
        nsq_node *n;
        int mark;
        if ((rc = parse_and(p, &n, &mark)) != NS_OK || !n)
            continue;
        /* a filter is never optional: with any, it restricts what the words
         * match, as a +w cannot (a +w is required, making the others
         * optional) */
        nsq_node *to = is_negative(n)          ? s.neg
                       : is_filter(n)          ? filt
                       : mark == MARK_REQUIRED ? s.req
                                               : s.opt;
        rc = add_kid(p, to, n);
    }
    nsq_node *pos = NULL;
    if (!rc)
        rc = anyseq_positive(p, &s, start, &pos);
    if (!rc && filt->nkids) { /* (AND words filters) */
        nsq_node *and = nsq_new(NSQ_AND, start);
        rc = and? add_kid(p, and, pos) : (nsq_free(pos), oom(p, start));
        pos = NULL;
        for (size_t i = 0; !rc && i < filt->nkids; i++) {
            rc = add_kid(p, and, filt->kids[i]);
            filt->kids[i] = NULL;
        }
        if (rc)
            nsq_free(and);
        else
            pos = and;
    }
    if (filt) {
        for (size_t i = 0; i < filt->nkids; i++)
            nsq_free(filt->kids[i]);
        filt->nkids = 0;
        nsq_free(filt);
    }
    if (!rc && s.neg->nkids) {
        rc = add_kid(p, s.neg, pos); /* s.neg becomes AND(pos?, NOT...) */
        pos = s.neg;
        s.neg = NULL;
    }
    anyseq_free(&s);
    if (rc)
        nsq_free(pos);
    else
        *out = nsq_simplify(pos);
    return rc;
}

static int parse_or(qparser *p, nsq_node **out)
{
    size_t start = p->cur.off;
    nsq_node *n, * or = NULL;
    *out = NULL;
    if (p->cur.kind == TK_AND || p->cur.kind == TK_OR)
        return fail(p, NS_ESYNTAX, start, "%s at %zu has nothing on its left",
                    p->cur.kind == TK_AND ? "AND" : "OR", start);
    int rc = p->any ? parse_seq_any(p, &n) : parse_seq_all(p, &n);
    if (rc || p->cur.kind != TK_OR) {
        *out = n;
        return rc;
    }
    if (!(or = nsq_new(NSQ_OR, start))) {
        nsq_free(n);
        return oom(p, start);
    }
    rc = add_positive(p, or, n);
    while (!rc && p->cur.kind == TK_OR) {
        size_t op = p->cur.off;
        if ((rc = advance(p)) != NS_OK)
            break;
        if (!can_start(p->cur.kind)) {
            rc = fail(p, NS_ESYNTAX, op, "OR at %zu has nothing on its right", op);
            break;
        }
        if ((rc = p->any ? parse_seq_any(p, &n) : parse_seq_all(p, &n)) == NS_OK)
            rc = add_positive(p, or, n);
    }
    if (rc)
        nsq_free(or);
    else
        *out = nsq_simplify(or);
    return rc;
}

static int parse_syntax(qparser *p, nsq_node **out)
{
    nsq_node *n = NULL;
    int rc = lex(p, 0, &p->cur);
    if (!rc)
        rc = parse_or(p, &n);
    if (!rc && p->cur.kind == TK_RPAREN)
        rc = fail(p, NS_ESYNTAX, p->cur.off, "unexpected ')' at %zu", p->cur.off);
    if (!rc && n && is_negative(n)) {
        size_t off = negative_offset(n);
        if (only_filters(n))
            rc = match_all_but(p, &n);
        else
            rc = fail(p, NS_ESYNTAX, off, "query has no positive term at %zu", off);
    }
    if (rc) {
        nsq_free(n);
        n = NULL;
    }
    *out = n;
    return rc;
}

/* Words separated by white space, joined by the default operator. */
static int parse_literal(qparser *p, nsq_node **out)
{
    nsq_node *top = nsq_new(p->any ? NSQ_OR : NSQ_AND, 0);
    int rc = top ? NS_OK : oom(p, 0);
    size_t i = 0, sp;
    while (!rc && i < p->len) {
        if ((sp = space_at(p->text, p->len, i)) != 0) {
            i += sp;
            continue;
        }
        size_t e = i + 1;
        while (e < p->len && !space_at(p->text, p->len, e))
            e++;
        nsq_node *n;
        if (!top->nkids)
            top->offset = i;
        if ((rc = words_node(p, i, e - i, i, &n)) == NS_OK)
            rc = add_kid(p, top, n);
        i = e;
    }
    if (rc) {
        nsq_free(top);
        top = NULL;
    }
    *out = nsq_simplify(top);
    return rc;
}

static size_t limit_or(unsigned v, size_t dflt, size_t hard)
{
    size_t n = v ? v : dflt;
    return n < hard ? n : hard;
}

int nsi_query_parse(const char *text, size_t len, const ns_query_options *opts, nsi_analyzer *an,
                    nsq_node **out, char *err, size_t errlen, size_t *err_off)
{
    return nsi_query_parse_schema(text, len, opts, an, NULL, out, err, errlen, err_off);
}

int nsi_query_parse_schema(const char *text, size_t len, const ns_query_options *opts,
                           nsi_analyzer *an, const nsq_schema *schema, nsq_node **out, char *err,
                           size_t errlen, size_t *err_off)
{
    static const ns_query_options dflt = NS_QUERY_OPTIONS_INIT;
    if (!opts)
        opts = &dflt;
    if (err && errlen)
        err[0] = '\0';
    if (err_off)
        *err_off = 0;
    *out = NULL;
    if (!an || (!text && len))
        return NS_EINVAL;
    qparser p = {.text = text ? text : "",
                 .len = len,
                 .an = an,
                 .schema = schema,
                 .any = opts->any,
                 .err = err,
                 .errlen = errlen};
    p.max_terms = limit_or(opts->max_terms, NS_MAX_QUERY_TERMS, SIZE_MAX);
    p.max_depth = limit_or(opts->max_depth, NS_MAX_QUERY_DEPTH, HARD_MAX_DEPTH);
    int rc;
    if (len > NS_MAX_QUERY_BYTES)
        rc = fail(&p, NS_ETOOBIG, NS_MAX_QUERY_BYTES, "query longer than %u bytes at %u",
                  NS_MAX_QUERY_BYTES, NS_MAX_QUERY_BYTES);
    else if (opts->literal)
        rc = parse_literal(&p, out);
    else if ((rc = parse_syntax(&p, out)) == NS_ESYNTAX && opts->lenient) {
        p.nterms = p.depth = p.err_off = 0;
        if (err && errlen)
            err[0] = '\0';
        rc = parse_signed_words(&p, out);
    }
    nsi_buf_free(&p.terms);
    free(p.toks);
    if (rc && err_off)
        *err_off = p.err_off;
    return rc;
}
