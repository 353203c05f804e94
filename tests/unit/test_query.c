/* test_query.c — the query language (docs/query-language.md) as tables of
 * input -> canonical tree and input -> error message + offset, plus the
 * limits and a random-input loop that must never crash. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "analysis/analyzer.h"
#include "nstest.h"
#include "query/query.h"

enum { ANY = 1, LITERAL = 2, LENIENT = 4, SCHEMA = 8 };

/* The fields of the SCHEMA mode: as an index with them would answer. */
static int test_type(void *ctx, const char *name, size_t len)
{
    (void)ctx;
    static const struct {
        const char *name;
        int type;
    } f[] = {{"topics", NS_FIELD_KEYWORD},
             {"category", NS_FIELD_KEYWORD},
             {"date", NS_FIELD_DATE},
             {"price", NS_FIELD_NUMBER},
             {"abstract", NS_FIELD_TEXT}};
    for (size_t i = 0; i < sizeof f / sizeof f[0]; i++)
        if (strlen(f[i].name) == len && !memcmp(f[i].name, name, len))
            return f[i].type;
    return 0;
}

static const nsq_schema test_schema = {test_type, NULL,
                                       "title, abstract, category, date, price, topics"};

static nsi_analyzer *english;

static nsi_analyzer *an(void)
{
    if (!english)
        CHECK_EQ_INT(nsi_analyzer_new(&english, "english"), NS_OK);
    return english;
}

static ns_query_options opts_for(unsigned mode)
{
    ns_query_options o = NS_QUERY_OPTIONS_INIT;
    o.any = (mode & ANY) != 0;
    o.literal = (mode & LITERAL) != 0;
    o.lenient = (mode & LENIENT) != 0;
    return o;
}

typedef struct result {
    int rc;
    size_t off;
    char err[NS_ERRBUF_SIZE];
    char text[4096]; /* canonical form on success */
} result;

static int schema_on; /* parse_with uses test_schema */

static void parse_with(const char *q, size_t len, const ns_query_options *o, result *r)
{
    nsq_node *n = (nsq_node *)1; /* must be reset to NULL on failure */
    memset(r, 0, sizeof *r);
    r->rc = nsi_query_parse_schema(q, len, o, an(), schema_on ? &test_schema : NULL, &n, r->err,
                                   sizeof r->err, &r->off);
    if (r->rc) {
        CHECK(n == NULL);
        return;
    }
    nsi_buf b = {0};
    CHECK_EQ_INT(nsq_format(n, &b), NS_OK);
    snprintf(r->text, sizeof r->text, "%.*s", (int)b.len, b.data ? (char *)b.data : "");
    nsi_buf_free(&b);
    nsq_free(n);
}

static void parse_mode(const char *q, unsigned mode, result *r)
{
    ns_query_options o = opts_for(mode);
    schema_on = (mode & SCHEMA) != 0;
    parse_with(q, strlen(q), &o, r);
    schema_on = 0;
}

/* ------------------------------------------------------------ valid input */

typedef struct ok_case {
    const char *q;
    unsigned mode;
    const char *want;
} ok_case;

static const ok_case ok_cases[] = {
    /* words, analysis, normal forms */
    {"sever relations", 0, "(AND sever relat)"},
    {"severed", 0, "sever"},
    {"a", 0, "a"},
    {"", 0, "()"},
    {"   \t\n", 0, "()"},
    {", ; !", 0, "()"},
    {"a , b", 0, "(AND a b)"},
    {"vis-a-vis", 0, "\"vis a vis\""},
    {"U.S.-Russia relations", 0, "(AND \"us russia\" relat)"},
    {"a+b", 0, "\"a b\""},
    {"a--b", 0, "\"a b\""},
    {"a:b", 0, "{a:b}"}, /* a field, resolved at search time */
    {"1:b", 0, "\"1 b\""},
    {":b", 0, "b"},
    {"a*b", 0, "\"a b\""},
    {"http:x", 0, "{http:x}"},
    {"http://example.com/x", 0, "\"http exampl com x\""}, /* a URL is no field */
    {"and or not near", 0, "(AND and or not near)"},
    {"NEAR/x", 0, "\"near x\""},
    /* phrases */
    {"\"sever relations\"", 0, "\"sever relat\""},
    {"\"relations\"", 0, "relat"},
    {"\"\"", 0, "()"},
    {"\" , \" a", 0, "a"},
    {"a\"b c\"", 0, "(AND a \"b c\")"},
    {"\"a (b) AND c*\"", 0, "\"a b and c\""},
    /* AND, OR, precedence */
    {"a b c", 0, "(AND a b c)"},
    {"a AND b", 0, "(AND a b)"},
    {"a OR b", 0, "(OR a b)"},
    {"a OR b OR c", 0, "(OR a b c)"},
    {"a OR b c", 0, "(OR a (AND b c))"},
    {"a b OR c", 0, "(OR (AND a b) c)"},
    {"a AND b OR c", 0, "(OR (AND a b) c)"},
    {"a OR b AND c", 0, "(OR a (AND b c))"},
    {"(a OR b) c", 0, "(AND (OR a b) c)"},
    {"(a OR b) OR c", 0, "(OR a b c)"},
    {"a (b c)", 0, "(AND a b c)"},
    {"((a))", 0, "a"},
    {"()", 0, "()"},
    {"a ()", 0, "a"},
    {"a OR ()", 0, "a"},
    {"a OR (,)", 0, "a"},
    {"a AND ,", 0, "a"},
    /* NOT, -, + */
    {"a -b", 0, "(AND a (NOT b))"},
    {"-b a", 0, "(AND a (NOT b))"},
    {"a NOT b", 0, "(AND a (NOT b))"},
    {"a AND NOT b", 0, "(AND a (NOT b))"},
    {"NOT +a b", 0, "(AND b (NOT a))"},
    {"a -(b OR c)", 0, "(AND a (NOT (OR b c)))"},
    {"a -\"b c\"", 0, "(AND a (NOT \"b c\"))"},
    {"a (-b)", 0, "(AND a (NOT b))"},
    {"(a -b) OR c", 0, "(OR (AND a (NOT b)) c)"},
    {"a -(b -c)", 0, "(AND a (NOT (AND b (NOT c))))"},
    {"-a NEAR b c", 0, "(AND c (NOT (NEAR/10 a b)))"},
    {"+a b c", 0, "(AND a b c)"},
    {"a -,", 0, "a"},
    {"-, a", 0, "a"},
    {"-", 0, "()"},
    {"a -", 0, "a"},
    {"a - b", 0, "(AND a b)"},
    {"--a", 0, "a"},
    {"+-a", 0, "a"},
    {"(a)-b", 0, "(AND a b)"},
    {"a -AND", 0, "(AND a (NOT and))"},
    /* any=1 */
    {"a b c", ANY, "(OR a b c)"},
    {"a b OR c", ANY, "(OR a b c)"},
    {"a AND b c", ANY, "(OR (AND a b) c)"},
    {"a (b c)", ANY, "(OR a b c)"},
    {"a -b", ANY, "(AND a (NOT b))"},
    {"a b -c", ANY, "(AND (OR a b) (NOT c))"},
    {"+a b c", ANY, "(MAYBE a b c)"},
    {"+a +b c", ANY, "(MAYBE (AND a b) c)"},
    {"+a", ANY, "a"},
    {"+a +b", ANY, "(AND a b)"},
    {"+a -b", ANY, "(AND a (NOT b))"},
    {"+a b -c", ANY, "(AND (MAYBE a b) (NOT c))"},
    {"a (b -c)", ANY, "(OR a (AND b (NOT c)))"},
    {"a (-b -c)", ANY, "(AND a (NOT b) (NOT c))"},
    /* NEAR */
    {"a NEAR/5 b", 0, "(NEAR/5 a b)"},
    {"a NEAR b", 0, "(NEAR/10 a b)"},
    {"a NEAR/3 b NEAR/7 c", 0, "(NEAR/3 a b c)"},
    {"a NEAR/7 b NEAR/3 c", 0, "(NEAR/3 a b c)"},
    {"x a NEAR/2 b y", 0, "(AND x (NEAR/2 a b) y)"},
    {"\"a\" NEAR \"relations\"", 0, "(NEAR/10 a relat)"},
    {"a NEAR/1000 b", 0, "(NEAR/1000 a b)"},
    {"title:a NEAR title:b", 0, "title:(NEAR/10 a b)"},
    /* prefixes */
    {"relat*", 0, "relat*"},
    {"relations*", 0, "relations*"},
    {"RELAT*", 0, "relat*"},
    {"relat* sever", 0, "(AND relat* sever)"},
    {"U.S.*", 0, "us*"},
    /* fuzzy terms: stemmed, budget by the stem's length unless given */
    {"government~", 0, "govern~1"},
    {"sever~", 0, "sever~1"},
    {"cat~", 0, "cat~0"},
    {"Relations~2", 0, "relat~2"},
    {"govern~0", 0, "govern~0"},
    {"accommodating~", 0, "accommod~1"},
    {"characteristics~", 0, "characterist~2"},
    {"title:govern~1 b", 0, "(AND title:govern~1 b)"},
    {"OR~", 0, "or~0"},
    {"a~b", 0, "\"a b\""},
    {"~", 0, "()"},
    /* fields */
    {"title:sever", 0, "title:sever"},
    {"title:\"sever relations\"", 0, "title:\"sever relat\""},
    {"title:relat*", 0, "title:relat*"},
    {"title:vis-a-vis", 0, "title:\"vis a vis\""},
    {"title:(a b)", 0, "(AND title:a title:b)"},
    {"title:(a -b)", 0, "(AND title:a (NOT title:b))"},
    {"-title:a b", 0, "(AND b (NOT title:a))"},
    {"title:-a", 0, "title:a"},
    {"title:AND", 0, "title:and"},
    {"title:", 0, "titl"},
    {"title: a", 0, "(AND titl a)"},
    {"TITLE:a", 0, "{TITLE:a}"},
    {"xtitle:a", 0, "{xtitle:a}"},
    /* typed fields without a schema: kept as written, signs outside */
    {"oil -topics:(cocoa OR \"new york\")", 0, "(AND oil (NOT {topics:(cocoa OR \"new york\")}))"},
    {"date:1987-03-01..1987-03-31 oil", 0, "(AND {date:1987-03-01..1987-03-31} oil)"},
    {"-topics:cocoa", 0, "(AND (ALL) (NOT {topics:cocoa}))"},
    {"topics:cocoa", ANY, "{topics:cocoa}"},
    {"a b topics:cocoa", ANY, "(AND (OR a b) {topics:cocoa})"},
    {"+a b topics:cocoa", ANY, "(AND (MAYBE a b) {topics:cocoa})"},
    /* typed fields with a schema (an index's fields) */
    {"topics:cocoa", SCHEMA, "topics:cocoa"},
    {"topics:Cocoa", SCHEMA, "topics:cocoa"},
    {"topics:CAFÉ", SCHEMA, "topics:cafe"},
    {"topics:\"New  York\"", SCHEMA, "topics:\"new york\""},
    {"topics:(cocoa OR coffee)", SCHEMA, "(OR topics:cocoa topics:coffee)"},
    {"topics:(cocoa coffee)", SCHEMA, "(AND topics:cocoa topics:coffee)"},
    {"topics:(cocoa -coffee)", SCHEMA, "(AND topics:cocoa (NOT topics:coffee))"},
    {"oil topics:cocoa", SCHEMA, "(AND oil topics:cocoa)"},
    {"oil -topics:cocoa", SCHEMA, "(AND oil (NOT topics:cocoa))"},
    {"-topics:cocoa", SCHEMA, "(AND (ALL) (NOT topics:cocoa))"},
    {"-topics:cocoa -category:sport", SCHEMA,
     "(AND (ALL) (NOT topics:cocoa) (NOT category:sport))"},
    {"oil topics:cocoa", SCHEMA | ANY, "(AND oil topics:cocoa)"},
    {"oil gas topics:cocoa", SCHEMA | ANY, "(AND (OR oil gas) topics:cocoa)"},
    {"topics:cocoa", SCHEMA | ANY, "topics:cocoa"},
    {"oil -gas topics:cocoa", SCHEMA | ANY, "(AND oil topics:cocoa (NOT gas))"},
    {"topics:u.s.", SCHEMA, "topics:u.s."},
    {"topics:coc*", SCHEMA, "topics:\"coc*\""},
    {"title:oil topics:cocoa", SCHEMA, "(AND title:oil topics:cocoa)"},
    {"date:1987-03-01..1987-03-31", SCHEMA, "date:[1987-03-01T00:00:00Z..1987-03-31T23:59:59Z]"},
    {"date:1987-03..1987-03", SCHEMA, "date:[1987-03-01T00:00:00Z..1987-03-31T23:59:59Z]"},
    {"date:1987-02", SCHEMA, "date:[1987-02-01T00:00:00Z..1987-02-28T23:59:59Z]"},
    {"date:1988-02", SCHEMA, "date:[1988-02-01T00:00:00Z..1988-02-29T23:59:59Z]"},
    {"date:1987", SCHEMA, "date:[1987-01-01T00:00:00Z..1987-12-31T23:59:59Z]"},
    {"date:1987-03-01..", SCHEMA, "date:[1987-03-01T00:00:00Z..*]"},
    {"date:..1987-03", SCHEMA, "date:[*..1987-03-31T23:59:59Z]"},
    {"date:>=2023-11-01", SCHEMA, "date:[2023-11-01T00:00:00Z..*]"},
    {"date:>2023-11-01", SCHEMA, "date:[2023-11-02T00:00:00Z..*]"},
    {"date:<1987-04", SCHEMA, "date:[*..1987-03-31T23:59:59Z]"},
    {"date:<=1987-04", SCHEMA, "date:[*..1987-04-30T23:59:59Z]"},
    {"date:1987-03-02T14:31:00Z", SCHEMA, "date:[1987-03-02T14:31:00Z..1987-03-02T14:31:00Z]"},
    {"date:>1987-03-02T14:31:00+01:00", SCHEMA, "date:[1987-03-02T13:31:01Z..*]"},
    {"date:\"1987-03-01..1987-03-02\"", SCHEMA,
     "date:[1987-03-01T00:00:00Z..1987-03-02T23:59:59Z]"},
    {"date:(1987 OR 1989)", SCHEMA,
     "(OR date:[1987-01-01T00:00:00Z..1987-12-31T23:59:59Z] "
     "date:[1989-01-01T00:00:00Z..1989-12-31T23:59:59Z])"},
    {"price:5..10", SCHEMA, "price:[5..10]"},
    {"price:>5", SCHEMA, "price:{5..*]"},
    {"price:<2.5", SCHEMA, "price:[*..2.5}"},
    {"price:-3", SCHEMA, "price:[-3..-3]"},
    {"price:1e3..", SCHEMA, "price:[1000..*]"},
    {"oil -date:1987", SCHEMA, "(AND oil (NOT date:[1987-01-01T00:00:00Z..1987-12-31T23:59:59Z]))"},
    {"abstract:relations", SCHEMA, "abstract:relat"},
    {"abstract:\"sever relations\"", SCHEMA, "abstract:\"sever relat\""},
    {"abstract:relat*", SCHEMA, "abstract:relat*"},
    {"abstract:(a OR b)", SCHEMA, "(OR abstract:a abstract:b)"},
    {"abstract:a NEAR/3 abstract:b", SCHEMA, "abstract:(NEAR/3 a b)"},
    {"abstract:,", SCHEMA, "()"},
    {"a:b", LENIENT | SCHEMA, "\"a b\""}, /* an unknown field falls back on words */
    {"http://example.com/x", SCHEMA, "\"http exampl com x\""},
    {"topics:cocoa", LITERAL | SCHEMA, "\"topic cocoa\""},
    /* separators */
    {"a\xc2\xa0OR\xe3\x80\x80"
     "b",
     0, "(OR a b)"},
    {"a\xff b", 0, "(AND a b)"},
    /* literal: no syntax at all */
    {"a AND (b", LITERAL, "(AND a and b)"},
    {"a b", LITERAL | ANY, "(OR a b)"},
    {"-a +b \"c", LITERAL, "(AND a b c)"},
    {"vis-a-vis title:x*", LITERAL, "(AND \"vis a vis\" \"titl x\")"},
    {"", LITERAL, "()"},
    /* lenient: valid queries as usual, broken ones as words */
    {"a OR b", LENIENT, "(OR a b)"},
    /* the fallback keeps signs: -w and NOT w stay excluded, +w required */
    {"cocoa -beans (", LENIENT, "(AND cocoa (NOT bean))"},
    {"cocoa NOT beans \"", LENIENT, "(AND cocoa (NOT bean))"},
    {"-beans cocoa (", LENIENT | ANY, "(AND cocoa (NOT bean))"},
    {"+cocoa beans (", LENIENT | ANY, "(MAYBE cocoa bean)"},
    {"+cocoa beans (", LENIENT, "(AND cocoa bean)"},
    {"a - b (", LENIENT, "(AND a b)"},
    {"what is \"the answer", LENIENT, "(AND what is the answer)"},
    {"(U.S. relations?", LENIENT, "(AND us relat)"},
    {"a OR", LENIENT | ANY, "(OR a or)"},
    {"a NEAR (b)", LENIENT, "(AND a near b)"},
};

static void test_valid(void)
{
    for (size_t i = 0; i < sizeof ok_cases / sizeof ok_cases[0]; i++) {
        const ok_case *c = &ok_cases[i];
        result r;
        parse_mode(c->q, c->mode, &r);
        if (r.rc != NS_OK || strcmp(r.text, c->want) != 0)
            fprintf(stderr, "case %zu: [%s] mode %u -> rc %d \"%s\" \"%s\"\n", i, c->q, c->mode,
                    r.rc, r.err, r.text);
        CHECK_EQ_INT(r.rc, NS_OK);
        CHECK_EQ_STR(r.text, c->want);
    }
}

/* ------------------------------------------------------------ errors */

typedef struct err_case {
    const char *q;
    unsigned mode;
    int rc;
    const char *msg;
    size_t off;
} err_case;

static const err_case err_cases[] = {
    {"-b", 0, NS_ESYNTAX, "query has no positive term at 0", 0},
    {"  -b", 0, NS_ESYNTAX, "query has no positive term at 2", 2},
    {"NOT b", 0, NS_ESYNTAX, "query has no positive term at 0", 0},
    {"-a -b", 0, NS_ESYNTAX, "query has no positive term at 0", 0},
    {", -b", 0, NS_ESYNTAX, "query has no positive term at 2", 2},
    {"-a -b", ANY, NS_ESYNTAX, "query has no positive term at 0", 0},
    {"a OR -b", 0, NS_ESYNTAX, "NOT at 5 has no positive term beside it", 5},
    {"a OR NOT b", ANY, NS_ESYNTAX, "NOT at 5 has no positive term beside it", 5},
    {"a -(-b)", 0, NS_ESYNTAX, "NOT at 4 has no positive term beside it", 4},
    {"(a", 0, NS_ESYNTAX, "unbalanced '(' at 0", 0},
    {"sever AND (x (y)", 0, NS_ESYNTAX, "unbalanced '(' at 10", 10},
    {"a -(b", 0, NS_ESYNTAX, "unbalanced '(' at 3", 3},
    {"title:(b", 0, NS_ESYNTAX, "unbalanced '(' at 6", 6},
    {"a)", 0, NS_ESYNTAX, "unexpected ')' at 1", 1},
    {")", 0, NS_ESYNTAX, "unexpected ')' at 0", 0},
    {"(a))", 0, NS_ESYNTAX, "unexpected ')' at 3", 3},
    {"a AND", 0, NS_ESYNTAX, "AND at 2 has nothing on its right", 2},
    {"a AND )", 0, NS_ESYNTAX, "AND at 2 has nothing on its right", 2},
    {"a AND OR b", 0, NS_ESYNTAX, "AND at 2 has nothing on its right", 2},
    {"AND a", 0, NS_ESYNTAX, "AND at 0 has nothing on its left", 0},
    {"a (AND b)", 0, NS_ESYNTAX, "AND at 3 has nothing on its left", 3},
    {"a OR", 0, NS_ESYNTAX, "OR at 2 has nothing on its right", 2},
    {"OR a", 0, NS_ESYNTAX, "OR at 0 has nothing on its left", 0},
    {"a OR OR b", 0, NS_ESYNTAX, "OR at 2 has nothing on its right", 2},
    {"a NOT", 0, NS_ESYNTAX, "NOT at 2 has nothing on its right", 2},
    {"a NOT)", 0, NS_ESYNTAX, "NOT at 2 has nothing on its right", 2},
    {"a NOT NOT b", 0, NS_ESYNTAX, "double negation at 6", 6},
    {"a NOT -b", 0, NS_ESYNTAX, "double negation at 6", 6},
    {"a NEAR", 0, NS_ESYNTAX, "NEAR needs a word on each side at 2", 2},
    {"NEAR a", 0, NS_ESYNTAX, "NEAR needs a word on each side at 0", 0},
    {"a AND NEAR b", 0, NS_ESYNTAX, "NEAR needs a word on each side at 6", 6},
    {"a NEAR/3 (b)", 0, NS_ESYNTAX, "NEAR needs a word on each side at 2", 2},
    {"(a) NEAR b", 0, NS_ESYNTAX, "NEAR needs a word on each side at 4", 4},
    {"a NEAR \"b c\"", 0, NS_ESYNTAX, "NEAR needs a word on each side at 2", 2},
    {"a NEAR b*", 0, NS_ESYNTAX, "NEAR needs a word on each side at 2", 2},
    {"vis-a-vis NEAR b", 0, NS_ESYNTAX, "NEAR needs a word on each side at 10", 10},
    {"a NEAR -b", 0, NS_ESYNTAX, "NEAR needs a word on each side at 2", 2},
    {", NEAR b", 0, NS_ESYNTAX, "NEAR needs a word on each side at 2", 2},
    {"a NEAR b NEAR", 0, NS_ESYNTAX, "NEAR needs a word on each side at 9", 9},
    {"a NEAR title:b", 0, NS_ESYNTAX, "NEAR needs words of one field at 2", 2},
    {"a NEAR/0 b", 0, NS_ESYNTAX, "NEAR distance must be 1 to 1000 at 2", 2},
    {"a NEAR/1001 b", 0, NS_ESYNTAX, "NEAR distance must be 1 to 1000 at 2", 2},
    {"a NEAR/99999999999999999999999 b", 0, NS_ESYNTAX, "NEAR distance must be 1 to 1000 at 2", 2},
    {"\"abc", 0, NS_ESYNTAX, "unterminated '\"' at 0", 0},
    {"a \"b c", 0, NS_ESYNTAX, "unterminated '\"' at 2", 2},
    {"title:\"x", 0, NS_ESYNTAX, "unterminated '\"' at 6", 6},
    {"\"a\" \"b", 0, NS_ESYNTAX, "unterminated '\"' at 4", 4},
    {"*", 0, NS_ESYNTAX, "empty prefix at 0", 0},
    {"a ,*", 0, NS_ESYNTAX, "empty prefix at 2", 2},
    {"-*", 0, NS_ESYNTAX, "empty prefix at 1", 1},
    {"vis-a*", 0, NS_ESYNTAX, "prefix must be one word at 0", 0},
    {"title:x-y*", 0, NS_ESYNTAX, "prefix must be one word at 0", 0},
    /* typed fields */
    {"Title:blair", SCHEMA, NS_ESYNTAX,
     "unknown field 'Title' at 0 (fields: title, abstract, category, date, price, topics)", 0},
    {"oil topic:cocoa", SCHEMA, NS_ESYNTAX,
     "unknown field 'topic' at 4 (fields: title, abstract, category, date, price, topics)", 4},
    {"oil -(x topic:cocoa)", SCHEMA, NS_ESYNTAX,
     "unknown field 'topic' at 8 (fields: title, abstract, category, date, price, topics)", 8},
    {"date:1987-13", SCHEMA, NS_ESYNTAX,
     "bad date range '1987-13' at 0 (each end YYYY, YYYY-MM, YYYY-MM-DD or a timestamp; A..B, "
     ">=A, >A, <=B, <B)",
     0},
    {"oil date:1987-03-31..1987-03-01", SCHEMA, NS_ESYNTAX,
     "bad date range '1987-03-31..1987-03-01' at 4 (each end YYYY, YYYY-MM, YYYY-MM-DD or a "
     "timestamp; A..B, >=A, >A, <=B, <B)",
     4},
    {"date:..", SCHEMA, NS_ESYNTAX,
     "bad date range '..' at 0 (each end YYYY, YYYY-MM, YYYY-MM-DD or a timestamp; A..B, >=A, "
     ">A, <=B, <B)",
     0},
    {"date:1987-02-29", SCHEMA, NS_ESYNTAX,
     "bad date range '1987-02-29' at 0 (each end YYYY, YYYY-MM, YYYY-MM-DD or a timestamp; A..B, "
     ">=A, >A, <=B, <B)",
     0},
    {"price:cheap", SCHEMA, NS_ESYNTAX,
     "bad number range 'cheap' at 0 (each end a decimal number; A..B, >=A, >A, <=B, <B)", 0},
    {"price:10..5", SCHEMA, NS_ESYNTAX,
     "bad number range '10..5' at 0 (each end a decimal number; A..B, >=A, >A, <=B, <B)", 0},
    {"topics:\" \"", SCHEMA, NS_ESYNTAX, "empty value for field 'topics' at 0", 0},
    {"topics:(a", SCHEMA, NS_ESYNTAX, "unbalanced '(' at 7", 7},
    {"topics:(a", 0, NS_ESYNTAX, "unbalanced '(' at 7", 7},
    {"topics:cocoa OR -oil", SCHEMA, NS_ESYNTAX, "NOT at 16 has no positive term beside it", 16},
    {"-oil", SCHEMA, NS_ESYNTAX, "query has no positive term at 0", 0},
    {"-abstract:oil", SCHEMA, NS_ESYNTAX, "query has no positive term at 0", 0},
    {"a~3", 0, NS_ESYNTAX, "fuzzy distance must be 0 to 2 at 1", 1},
    {"abc~99999999999", 0, NS_ESYNTAX, "fuzzy distance must be 0 to 2 at 3", 3},
    {"vis-a-vis~", 0, NS_ESYNTAX, "fuzzy term must be one word at 0", 0},
    {"x ,~", 0, NS_ESYNTAX, "empty fuzzy term at 2", 2},
    {"a~1~", 0, NS_ESYNTAX, "fuzzy term must be one word at 0", 0},
};

static void check_error(const char *what, const result *r, int rc, const char *msg, size_t off)
{
    if (r->rc != rc || strcmp(r->err, msg) != 0 || r->off != off)
        fprintf(stderr, "[%s] -> rc %d \"%s\" at %zu\n", what, r->rc, r->err, r->off);
    CHECK_EQ_INT(r->rc, rc);
    CHECK_EQ_STR(r->err, msg);
    CHECK_EQ_INT(r->off, off);
}

static void test_errors(void)
{
    for (size_t i = 0; i < sizeof err_cases / sizeof err_cases[0]; i++) {
        const err_case *c = &err_cases[i];
        result r;
        parse_mode(c->q, c->mode, &r);
        check_error(c->q, &r, c->rc, c->msg, c->off);
        /* The same text is never a syntax error in lenient mode, unless
         * every word of it is excluded. */
        parse_mode(c->q, c->mode | LENIENT, &r);
        if (r.rc != NS_OK)
            CHECK(strstr(r.err, "no positive term") != NULL);
    }
}

/* err, err_off and the options may all be left out. */
static void test_optional_arguments(void)
{
    nsq_node *n = NULL;
    CHECK_EQ_INT(nsi_query_parse("a b", 3, NULL, an(), &n, NULL, 0, NULL), NS_OK);
    CHECK(n && n->kind == NSQ_AND && n->nkids == 2);
    nsq_free(n);
    CHECK_EQ_INT(nsi_query_parse("(a", 2, NULL, an(), &n, NULL, 0, NULL), NS_ESYNTAX);
    CHECK(n == NULL);
    char tiny[8];
    size_t off = 99;
    CHECK_EQ_INT(nsi_query_parse("a b )", 5, NULL, an(), &n, tiny, sizeof tiny, &off), NS_ESYNTAX);
    CHECK_EQ_STR(tiny, "unexpec"); /* cut to fit, still terminated */
    CHECK_EQ_INT(off, 4);
    CHECK_EQ_INT(nsi_query_parse(NULL, 0, NULL, an(), &n, NULL, 0, NULL), NS_OK);
    CHECK(n == NULL);
    CHECK_EQ_INT(nsi_query_parse("a", 1, NULL, NULL, &n, NULL, 0, NULL), NS_EINVAL);
}

/* Text with NUL bytes is parsed up to len, NUL separating words. */
static void test_nul_bytes(void)
{
    ns_query_options o = NS_QUERY_OPTIONS_INIT;
    result r;
    parse_with("a\0b", 3, &o, &r);
    CHECK_EQ_STR(r.text, "(AND a b)");
    parse_with("\"a\0b\"\0OR\0c", 10, &o, &r);
    CHECK_EQ_STR(r.text, "(OR \"a b\" c)");
    parse_with("a\0-b", 4, &o, &r);
    CHECK_EQ_STR(r.text, "(AND a (NOT b))");
    parse_with("\"a\0", 3, &o, &r);
    CHECK_EQ_INT(r.rc, NS_ESYNTAX);
    CHECK_EQ_INT(r.off, 0);
    o.literal = 1;
    parse_with("a\0b\0", 4, &o, &r);
    CHECK_EQ_STR(r.text, "(AND a b)");
}

/* Unicode spaces (no-break, ideographic, the U+2000 block) separate words
 * and operators as ASCII spaces do. */
static void test_unicode_spaces(void)
{
    ns_query_options o = NS_QUERY_OPTIONS_INIT;
    result r;
    parse_with("cocoa\xc2\xa0OR\xe3\x80\x80sugar", sizeof "cocoa\xc2\xa0OR\xe3\x80\x80sugar" - 1,
               &o, &r);
    CHECK_EQ_STR(r.text, "(OR cocoa sugar)");
    parse_with("cocoa\xe2\x80\x83-sugar", sizeof "cocoa\xe2\x80\x83-sugar" - 1, &o, &r);
    CHECK_EQ_STR(r.text, "(AND cocoa (NOT sugar))");
    parse_with("cocoa\xe2\x80\xafOR\xe2\x81\x9fsugar",
               sizeof "cocoa\xe2\x80\xafOR\xe2\x81\x9fsugar" - 1, &o, &r);
    CHECK_EQ_STR(r.text, "(OR cocoa sugar)");
}

/* ------------------------------------------------------------ tree shape */

static void test_offsets(void)
{
    const char *q = "sever  title:relations \"a b\" -x* (c OR d)";
    nsq_node *n = NULL;
    CHECK_EQ_INT(nsi_query_parse(q, strlen(q), NULL, an(), &n, NULL, 0, NULL), NS_OK);
    CHECK(n && n->kind == NSQ_AND && n->nkids == 5);
    if (!n || n->nkids != 5)
        return;
    CHECK_EQ_INT(n->offset, 0);
    CHECK_EQ_INT(n->kids[0]->offset, 0); /* sever */
    CHECK_EQ_INT(n->kids[1]->offset, 7); /* title:relations */
    CHECK_EQ_INT(n->kids[1]->field, NSQ_FIELD_TITLE);
    CHECK_EQ_STR(n->kids[1]->term, "relat");
    CHECK_EQ_INT(n->kids[1]->term_len, 5);
    nsq_node *ph = n->kids[2];
    CHECK(ph->kind == NSQ_PHRASE && ph->nkids == 2);
    CHECK_EQ_INT(ph->offset, 23); /* the opening quote */
    CHECK_EQ_INT(ph->kids[0]->offset, 24);
    CHECK_EQ_INT(ph->kids[1]->offset, 26);
    CHECK(n->kids[3]->kind == NSQ_OR);
    CHECK_EQ_INT(n->kids[3]->offset, 34);
    CHECK_EQ_INT(n->kids[3]->kids[1]->offset, 39); /* d */
    nsq_node *not = n->kids[4];                    /* NOTs go last */
    CHECK(not ->kind == NSQ_NOT && not ->nkids == 1);
    CHECK_EQ_INT(not ->offset, 29); /* the '-' */
    CHECK(not ->kids[0]->kind == NSQ_PREFIX);
    CHECK_EQ_INT(not ->kids[0]->offset, 30);
    CHECK_EQ_STR(not ->kids[0]->term, "x");
    nsq_free(n);

    CHECK_EQ_INT(nsi_query_parse("a NEAR/4 b", 10, NULL, an(), &n, NULL, 0, NULL), NS_OK);
    CHECK(n && n->kind == NSQ_NEAR && n->dist == 4 && n->nkids == 2);
    CHECK_EQ_INT(n->kids[1]->offset, 9);
    nsq_free(n);
}

static void test_tree_helpers(void)
{
    nsi_buf b = {0};
    CHECK_EQ_INT(nsq_format(NULL, &b), NS_OK);
    CHECK_EQ_INT(nsi_buf_terminate(&b), NS_OK);
    CHECK_EQ_STR((char *)b.data, "()");

    /* AND(NOT x, a, AND(b, NOT y)) flattens and puts NOTs last, in order. */
    nsq_node *and = nsq_new(NSQ_AND, 0), *inner = nsq_new(NSQ_AND, 0);
    nsq_node *notx = nsq_new(NSQ_NOT, 0), *noty = nsq_new(NSQ_NOT, 0);
    CHECK_EQ_INT(nsq_add_kid(notx, nsq_new_term(NSQ_TERM, "x", 1, 0)), NS_OK);
    CHECK_EQ_INT(nsq_add_kid(noty, nsq_new_term(NSQ_TERM, "y", 1, 0)), NS_OK);
    CHECK_EQ_INT(nsq_add_kid(inner, nsq_new_term(NSQ_TERM, "b", 1, 0)), NS_OK);
    CHECK_EQ_INT(nsq_add_kid(inner, noty), NS_OK);
    CHECK_EQ_INT(nsq_add_kid(and, notx), NS_OK);
    CHECK_EQ_INT(nsq_add_kid(and, nsq_new_term(NSQ_TERM, "a", 1, 0)), NS_OK);
    CHECK_EQ_INT(nsq_add_kid(and, NULL), NS_OK);
    CHECK_EQ_INT(nsq_add_kid(and, inner), NS_OK);
    and = nsq_simplify(and);
    nsi_buf_reset(&b);
    CHECK_EQ_INT(nsq_format(and, &b), NS_OK);
    nsi_buf_terminate(&b);
    CHECK_EQ_STR((char *)b.data, "(AND a b (NOT x) (NOT y))");
    nsq_free(and);

    /* Many kids: the array grows; MAYBE and title fields print. */
    nsq_node *m = nsq_new(NSQ_MAYBE, 0);
    for (int i = 0; i < 100; i++) {
        nsq_node *t = nsq_new_term(NSQ_PREFIX, "ab", 2, 0);
        t->field = i == 99 ? NSQ_FIELD_TITLE : NSQ_FIELD_ALL;
        CHECK_EQ_INT(nsq_add_kid(m, t), NS_OK);
    }
    CHECK_EQ_INT(m->nkids, 100);
    nsi_buf_reset(&b);
    CHECK_EQ_INT(nsq_format(m, &b), NS_OK);
    CHECK_EQ_INT(b.len, strlen("(MAYBE") + 99 * 4 + 10 + 1);
    nsq_free(m);

    /* A single kid replaces its AND/OR; an empty one disappears. */
    nsq_node * or = nsq_new(NSQ_OR, 0);
    nsq_add_kid(or, nsq_new_term(NSQ_TERM, "z", 1, 3));
    or = nsq_simplify(or);
    CHECK(or && or->kind == NSQ_TERM && or->offset == 3);
    nsq_free(or);
    CHECK(nsq_simplify(nsq_new(NSQ_OR, 0)) == NULL);

    /* A capped buffer makes nsq_format fail instead of truncating. */
    nsi_buf small = {.limit = 4};
    nsq_node *t = nsq_new_term(NSQ_TERM, "relat", 5, 0);
    CHECK_EQ_INT(nsq_format(t, &small), NS_ETOOBIG);
    nsq_free(t);
    nsi_buf_free(&small);
    nsi_buf_free(&b);
}

/* ------------------------------------------------------------ limits */

static double seconds_since(clock_t t0) { return (double)(clock() - t0) / CLOCKS_PER_SEC; }

static char *repeat(const char *unit, size_t times, const char *tail)
{
    size_t u = strlen(unit), t = strlen(tail);
    char *s = malloc(u * times + t + 1);
    for (size_t i = 0; i < times; i++)
        memcpy(s + i * u, unit, u);
    memcpy(s + u * times, tail, t + 1);
    return s;
}

static void test_depth_limit(void)
{
    result r;
    char *q = repeat("(", 64, "a");
    parse_mode(q, 0, &r); /* 64 levels are fine, even unclosed: the limit comes first */
    check_error("64 (", &r, NS_ESYNTAX, "unbalanced '(' at 63", 63);
    free(q);
    q = repeat("(", 65, "a");
    parse_mode(q, 0, &r);
    check_error("65 (", &r, NS_ETOOBIG, "query nesting deeper than 64 at 64", 64);
    free(q);

    q = repeat("(", 10000, "a");
    clock_t t0 = clock();
    parse_mode(q, LENIENT, &r); /* a limit, not a syntax error: no fallback */
    check_error("10000 (", &r, NS_ETOOBIG, "query nesting deeper than 64 at 64", 64);
    ns_query_options o = NS_QUERY_OPTIONS_INIT;
    o.max_depth = 4000000000u; /* capped: the stack stays small */
    parse_with(q, strlen(q), &o, &r);
    check_error("10000 ( uncapped", &r, NS_ETOOBIG, "query nesting deeper than 256 at 256", 256);
    o.max_depth = 3;
    parse_with("a (b (c (d)))", 13, &o, &r);
    CHECK_EQ_STR(r.text, "(AND a b c d)");
    parse_with("a (b (c (d (e))))", 17, &o, &r);
    check_error("depth 3", &r, NS_ETOOBIG, "query nesting deeper than 3 at 11", 11);
    CHECK(seconds_since(t0) < 1.0);
    free(q);

    q = repeat("-(a ", 50, "");
    parse_mode(q, 0, &r);
    CHECK_EQ_INT(r.rc, NS_ESYNTAX); /* unbalanced, at the last '(' */
    CHECK_EQ_INT(r.off, 49 * 4 + 1);
    free(q);
}

static void test_term_limit(void)
{
    ns_query_options o = NS_QUERY_OPTIONS_INIT;
    result r;
    o.max_terms = 3;
    parse_with("a b c", 5, &o, &r);
    CHECK_EQ_STR(r.text, "(AND a b c)");
    parse_with("a b c d", 7, &o, &r);
    check_error("4 terms", &r, NS_ETOOBIG, "query has more than 3 terms at 6", 6);
    parse_with("a \"b c d\"", 9, &o, &r);
    check_error("phrase", &r, NS_ETOOBIG, "query has more than 3 terms at 7", 7);
    parse_with(", , , a b ; c", 13, &o, &r); /* dropped words cost nothing */
    CHECK_EQ_STR(r.text, "(AND a b c)");

    char *q = repeat("a ", 100000, "");
    size_t len = strlen(q);
    clock_t t0 = clock();
    for (unsigned mode = 0; mode < 8; mode++) {
        parse_mode(q, mode, &r);
        check_error("100000 words", &r, NS_ETOOBIG, "query has more than 1024 terms at 2048", 2048);
    }
    CHECK(seconds_since(t0) < 1.0);
    free(q);

    q = repeat("a OR ", 100000, "a");
    parse_mode(q, 0, &r);
    CHECK_EQ_INT(r.rc, NS_ETOOBIG);
    free(q);

    q = repeat("\"a ", 100000, "\"");
    parse_mode(q, ANY, &r);
    CHECK_EQ_INT(r.rc, NS_ETOOBIG);
    free(q);

    /* Text that analyses to nothing is linear too. */
    q = repeat("() , ", 100000, "a");
    t0 = clock();
    parse_mode(q, 0, &r);
    CHECK_EQ_STR(r.text, "a");
    CHECK(seconds_since(t0) < 2.0);
    free(q);

    (void)len;
    q = repeat("a", NS_MAX_QUERY_BYTES + 1, "");
    parse_mode(q, LENIENT, &r);
    check_error("huge", &r, NS_ETOOBIG, "query longer than 1048576 bytes at 1048576",
                NS_MAX_QUERY_BYTES);
    free(q);
}

/* ------------------------------------------------------------ random input */

/* Every invariant query.h promises about a parsed tree. */
static int valid_tree(const nsq_node *n, enum nsq_kind parent, int root, size_t len)
{
    size_t pos = 0, neg = 0;
    if (n->offset > len)
        return 0;
    for (size_t i = 0; i < n->nkids; i++) {
        if (!valid_tree(n->kids[i], n->kind, 0, len))
            return 0;
        if (n->kids[i]->kind == NSQ_NOT)
            neg++;
        else if (neg) /* positives come first */
            return 0;
        else
            pos++;
        if (n->kids[i]->kind == n->kind && (n->kind == NSQ_AND || n->kind == NSQ_OR))
            return 0; /* not flattened */
    }
    switch (n->kind) {
    case NSQ_TERM:
    case NSQ_PREFIX:
        return n->term && n->term_len > 0 && strlen(n->term) == n->term_len && n->nkids == 0;
    case NSQ_FUZZY:
        return n->term && n->term_len > 0 && strlen(n->term) == n->term_len && n->nkids == 0 &&
               n->dist <= 2;
    case NSQ_PHRASE:
    case NSQ_NEAR:
        for (size_t i = 0; i < n->nkids; i++)
            if (n->kids[i]->kind != NSQ_TERM || n->kids[i]->field != n->field)
                return 0;
        return n->nkids >= 2 && (n->kind == NSQ_PHRASE || (n->dist >= 1 && n->dist <= 1000));
    case NSQ_AND:
        return n->nkids >= 2 && pos >= 1;
    case NSQ_OR:
    case NSQ_MAYBE:
        return n->nkids >= 2 && neg == 0;
    case NSQ_NOT:
        return !root && parent == NSQ_AND && n->nkids == 1 && n->kids[0]->kind != NSQ_NOT;
    case NSQ_KEYWORD:
    case NSQ_FIELD:
        return n->term && n->term_len > 0 && n->fname && n->fname_len > 0 && n->nkids == 0;
    case NSQ_RANGE:
        return n->fname && n->fname_len > 0 && n->nkids == 0 &&
               (n->range.has_lo || n->range.has_hi);
    case NSQ_ALL:
        return n->nkids == 0 && !root && parent == NSQ_AND;
    }
    return 0;
}

static uint32_t rng_state = 12345;

static uint32_t rnd(uint32_t n)
{
    rng_state = rng_state * 1103515245u + 12345u;
    return (rng_state >> 16) % n;
}

static size_t random_query(char *q, size_t cap)
{
    static const char chars[] = "()\"*:+- ANDORNEARtitle/ab\xff";
    static const char *const words[] = {
        "AND", "OR", "NOT",     "NEAR",  "NEAR/3", "title:",    "a",    "b",  " ",  "(", ")",  "\"",
        "-",   "+",  "topics:", "date:", "price:", "abstract:", "1987", "..", ">=", "<", "x:", "5"};
    size_t len = 0, want = rnd(40);
    while (len < want && len + 8 < cap) {
        if (rnd(2)) {
            uint32_t k = rnd(sizeof chars); /* == sizeof - 1 picks the NUL */
            q[len++] = k < sizeof chars - 1 ? chars[k] : '\0';
        } else {
            const char *w = words[rnd(sizeof words / sizeof words[0])];
            memcpy(q + len, w, strlen(w));
            len += strlen(w);
        }
    }
    return len;
}

static void test_random_input(void)
{
    char q[64];
    long ok = 0, syntax = 0, bad = 0;
    for (int it = 0; it < 100000; it++) {
        size_t len = random_query(q, sizeof q);
        unsigned mode = rnd(16);
        ns_query_options o = opts_for(mode);
        nsq_node *n = NULL;
        char err[NS_ERRBUF_SIZE] = "";
        size_t off = 0;
        int rc = nsi_query_parse_schema(q, len, &o, an(), mode & SCHEMA ? &test_schema : NULL, &n,
                                        err, sizeof err, &off);
        int good;
        if (rc == NS_OK) {
            ok++;
            nsi_buf b = {0};
            good = (!n || valid_tree(n, NSQ_AND, 1, len)) && nsq_format(n, &b) == NS_OK;
            nsi_buf_free(&b);
            /* resolved later against the same fields: a tree, or an error
             * with an offset in the text */
            nsq_node *r = NULL;
            char rerr[NS_ERRBUF_SIZE] = "";
            size_t roff = 0;
            int rrc = nsq_resolve(n, an(), &test_schema, &r, rerr, sizeof rerr, &roff);
            if (rrc == NS_OK)
                good = good && !nsq_has_unresolved(r) && (!r || valid_tree(r, NSQ_AND, 1, len));
            else
                good = good && !r && roff <= len && strstr(rerr, " at ") && rrc == NS_ESYNTAX;
            nsq_free(r);
        } else {
            syntax += rc == NS_ESYNTAX;
            good = n == NULL && off <= len && strstr(err, " at ") != NULL &&
                   (rc == NS_ESYNTAX || rc == NS_ETOOBIG) &&
                   !(rc == NS_ESYNTAX && (mode & LITERAL)) &&
                   !(rc == NS_ESYNTAX && (mode & LENIENT) && !strstr(err, "no positive term"));
        }
        if (!good && bad++ < 5)
            fprintf(stderr, "random case %d mode %u rc %d \"%s\": [%.*s]\n", it, mode, rc, err,
                    (int)len, q);
        nsq_free(n);
    }
    CHECK_EQ_INT(bad, 0);
    CHECK(ok > 10000 && syntax > 1000); /* both paths were exercised */
}

/* Natural-language queries of real test collections, read at test time:
 * lenient parsing never fails and keeps some words of every query. */
static void test_collection_queries(void)
{
    static const char *const sets[] = {"cacm", "cisi", "cranfield"};
    for (size_t s = 0; s < sizeof sets / sizeof sets[0]; s++) {
        char path[1024], line[8192];
        snprintf(path, sizeof path, "%s/corpora/%s/queries.tsv", nst_shared_dir(), sets[s]);
        FILE *f = fopen(path, "r");
        CHECK(f != NULL);
        if (!f)
            continue;
        int n = 0, strict_ok = 0;
        while (fgets(line, sizeof line, f)) {
            char *q = strchr(line, '\t');
            if (!q)
                continue;
            q++;
            q[strcspn(q, "\n")] = '\0';
            for (unsigned mode = LENIENT; mode <= (LENIENT | ANY); mode++) {
                result r;
                parse_mode(q, mode, &r);
                if (r.rc != NS_OK || r.text[0] == '\0' || !strcmp(r.text, "()"))
                    fprintf(stderr, "%s: [%s] -> %d %s\n", sets[s], q, r.rc, r.err);
                CHECK_EQ_INT(r.rc, NS_OK);
                CHECK(strcmp(r.text, "()") != 0);
                parse_mode(q, mode & ANY, &r);
                strict_ok += r.rc == NS_OK;
            }
            n++;
        }
        fclose(f);
        printf("     %s: %d queries, %d of %d also parse strictly\n", sets[s], n, strict_ok, 2 * n);
        CHECK(n >= 60);
    }
}

static void teardown(void)
{
    nsi_analyzer_free(english);
    english = NULL;
}

NS_TEST_MAIN_FIXTURE(NULL, teardown, NST(test_valid), NST(test_errors),
                     NST(test_optional_arguments), NST(test_nul_bytes), NST(test_unicode_spaces),
                     NST(test_offsets), NST(test_tree_helpers), NST(test_depth_limit),
                     NST(test_term_limit), NST(test_random_input), NST(test_collection_queries))
