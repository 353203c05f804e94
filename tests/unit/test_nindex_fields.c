/* test_nindex_fields.c — the typed fields nindex gives a document (indexer/fields.c,
 * indexer/input_meta.c): JSON members mapped and inferred, values that do not
 * fit dropped with a reason, HTML dates by rank, Markdown front matter, and
 * every Reuters-21578 record against the test's own reading of its JSON.
 * tests/CMakeLists.txt compiles the indexer's source files into this test. */
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "fields.h"
#include "input.h"
#include "nstest.h"

/* ---------------------------------------------------------- helpers */

/* A field-type table standing in for the writer: what is known, and what
 * put records (every value put teaches the table its field's type). */
typedef struct types {
    char names[64][72];
    int type[64];
    int n;
} types;

static int types_get(void *ctx, const char *name, size_t len)
{
    types *t = ctx;
    for (int i = 0; i < t->n; i++)
        if (strlen(t->names[i]) == len && !memcmp(t->names[i], name, len))
            return t->type[i];
    return 0;
}

static void types_set(types *t, const char *name, size_t len, int type)
{
    if (types_get(t, name, len) || t->n == 64)
        return;
    snprintf(t->names[t->n], sizeof t->names[t->n], "%.*s", (int)len, name);
    t->type[t->n++] = type;
}

/* Dropped values, as "name: why" lines. */
typedef struct drops {
    char text[4096];
    int n;
} drops;

static void on_drop(void *ctx, const char *name, const char *why)
{
    drops *d = ctx;
    size_t len = strlen(d->text);
    snprintf(d->text + len, sizeof d->text - len, "%s: %s\n", name, why);
    d->n++;
}

/* The fields as "name=value/type" joined by ';'. Static storage. */
static const char *show(ni_fields *f)
{
    static char out[8192];
    size_t len = 0;
    const ns_field *v = ni_fields_view(f);
    out[0] = '\0';
    for (size_t i = 0; i < f->n; i++)
        len += (size_t)snprintf(out + len, sizeof out - len, "%s%.*s=%.*s/%s", i ? ";" : "",
                                (int)v[i].name_len, v[i].name, (int)v[i].value_len, v[i].value,
                                ni_field_type_name(v[i].type));
    return out;
}

static struct json_tokener *tok;

/* Maps one JSON line with the types t (NULL: none known). */
static const char *map(const char *line, types *t, drops *d, ni_jsonl_record *rec, ni_fields *f)
{
    char why[256];
    ni_fields_reset(f); /* rec: zeroed once by the caller, cleared after each use */
    memset(d, 0, sizeof *d);
    if (ni_jsonl_parse(tok, line, strlen(line), rec, why, sizeof why) != NI_JSONL_OK) {
        fprintf(stderr, "  not a record: %s (%s)\n", line, why);
        return "NOT-A-RECORD";
    }
    if (ni_jsonl_fields(rec, t ? types_get : NULL, t, f, on_drop, d) != NS_OK)
        return "ENOMEM";
    return show(f);
}

/* ---------------------------------------------------------- JSON lines */

typedef struct map_case {
    const char *line, *want, *dropped; /* dropped: the drop lines, or NULL for none */
} map_case;

/* Nothing known: every type inferred from the record itself. */
static const map_case infer_cases[] = {
    /* Reuters' shape: lists are keywords, empty lists and strings give
     * nothing, a date-like name with a date is a date, "oldid" (four digits
     * that ns_date_parse would read as a year) stays a keyword */
    {"{\"id\":\"1\",\"date\":\"26-FEB-1987 15:01:01.79\",\"topics\":[\"cocoa\",\"coffee\"],"
     "\"people\":[],\"dateline\":\"\",\"oldid\":\"5544\",\"published\":\"1987-02-26\"}",
     "topics=cocoa/keyword;topics=coffee/keyword;oldid=5544/keyword;published=1987-02-26/date",
     NULL},
    /* JSON numbers are numbers, booleans keywords, null and objects nothing */
    {"{\"id\":\"2\",\"price\":12.5,\"count\":3,\"ok\":true,\"none\":null,\"obj\":{\"a\":1}}",
     "price=12.5/number;count=3/number;ok=true/keyword", NULL},
    /* running text: long, a line break, or two sentences */
    {"{\"id\":\"3\",\"summary\":\"Prices rose. Traders said so. Markets closed.\","
     "\"org\":\"Mantis Consultants, Cambridge. UK.\",\"note\":\"a\\nb\"}",
     "summary=Prices rose. Traders said so. Markets closed./text;"
     "org=Mantis Consultants, Cambridge. UK./keyword;note=a\nb/text",
     NULL},
    /* a date-like name without a date is a keyword; a list of objects and
     * names no field can have stay in meta only */
    {"{\"id\":\"4\",\"updated_at\":\"yesterday\",\"pubDate\":\"Mon, 02 Mar 1987 14:31:00 GMT\","
     "\"list\":[{\"a\":1}],\"2nd\":\"x\",\"a b\":\"y\",\"meta\":\"z\"}",
     "updated_at=yesterday/keyword;pubDate=Mon, 02 Mar 1987 14:31:00 GMT/date", NULL},
    /* the record's own date: one that does not parse is dropped and reported */
    {"{\"id\":\"5\",\"date\":\"31-MAR-1987 605:12:19.12\",\"k\":\"v\"}", "k=v/keyword",
     "date: cannot parse date '31-MAR-1987 605:12:19.12'\n"},
};

static void test_infer(void)
{
    ni_jsonl_record rec;
    memset(&rec, 0, sizeof rec);
    ni_fields f = {0};
    drops d;
    for (size_t i = 0; i < sizeof infer_cases / sizeof *infer_cases; i++) {
        const map_case *c = &infer_cases[i];
        const char *got = map(c->line, NULL, &d, &rec, &f);
        if (strcmp(got, c->want))
            fprintf(stderr, "  case %zu: %s\n", i, got);
        CHECK_EQ_STR(got, c->want);
        CHECK_EQ_STR(d.text, c->dropped ? c->dropped : "");
        if (i == 0) /* the date stays the document's */
            CHECK(rec.doc.date_len == 23 && !memcmp(rec.doc.date, "26-FEB-1987", 11));
        if (i == 4)
            CHECK(rec.doc.date == NULL && rec.doc.date_len == 0);
        /* every other member is still in meta */
        if (i == 1)
            CHECK(rec.doc.meta && strstr(rec.doc.meta, "\"obj\":{\"a\":1}") &&
                  strstr(rec.doc.meta, "\"price\":12.5"));
        ni_jsonl_record_clear(&rec);
    }
    nsi_buf_free(&rec.meta);
    ni_fields_free(&f);
}

/* Known types: values that fit are kept (converted to the field's type),
 * the others dropped with a reason that names the value. */
static const map_case known_cases[] = {
    {"{\"id\":\"1\",\"n\":\"12\",\"kw\":7,\"d\":\"1987-03-02\",\"t\":\"short\"}",
     "n=12/number;kw=7/keyword;d=1987-03-02/date;t=short/text", NULL},
    {"{\"id\":\"2\",\"n\":\"12 dollars\",\"d\":\"someday\",\"kw\":\"ok\"}", "kw=ok/keyword",
     "n: '12 dollars' is not a number\nd: cannot parse date 'someday'\n"},
    {"{\"id\":\"3\",\"n\":[1,2],\"d\":[\"1987-03-02\"],\"kw\":[\"a\",null,\"b\"]}",
     "d=1987-03-02/date;kw=a/keyword;kw=b/keyword",
     "n: a number field takes one value, not a list of 2\n"},
    {"{\"id\":\"4\",\"n\":true,\"d\":541693867,\"kw\":{\"x\":1},\"t\":[[1]]}", "",
     "n: 'true' is not a number\nd: cannot parse date '541693867' (a date is a string)\n"
     "kw: an object is not a keyword value\nt: a list of lists is not a field's values\n"},
    {"{\"id\":\"5\",\"n\":\"inf\",\"d\":\"\",\"kw\":[\"\"]}", "", "n: 'inf' is not a number\n"},
};

static void test_known(void)
{
    types t = {0};
    types_set(&t, "n", 1, NS_FIELD_NUMBER);
    types_set(&t, "kw", 2, NS_FIELD_KEYWORD);
    types_set(&t, "d", 1, NS_FIELD_DATE);
    types_set(&t, "t", 1, NS_FIELD_TEXT);
    ni_jsonl_record rec;
    memset(&rec, 0, sizeof rec);
    ni_fields f = {0};
    drops d;
    for (size_t i = 0; i < sizeof known_cases / sizeof *known_cases; i++) {
        const map_case *c = &known_cases[i];
        const char *got = map(c->line, &t, &d, &rec, &f);
        if (strcmp(got, c->want) || strcmp(d.text, c->dropped ? c->dropped : ""))
            fprintf(stderr, "  case %zu: %s\n%s", i, got, d.text);
        CHECK_EQ_STR(got, c->want);
        CHECK_EQ_STR(d.text, c->dropped ? c->dropped : "");
        ni_jsonl_record_clear(&rec);
    }
    nsi_buf_free(&rec.meta);
    ni_fields_free(&f);
}

static void test_checks(void)
{
    static const char *const numbers[] = {"0", "12", "-3.5", "+4", "1e6", ".5", "2.5E-3"};
    static const char *const not_numbers[] = {"",      " 1",  "1 ",  "0x10", "inf", "nan",
                                              "1e999", "1,5", "abc", "--1",  "e5",  "1e"};
    for (size_t i = 0; i < sizeof numbers / sizeof *numbers; i++)
        CHECK(ni_field_number_ok(numbers[i], strlen(numbers[i])));
    for (size_t i = 0; i < sizeof not_numbers / sizeof *not_numbers; i++)
        if (ni_field_number_ok(not_numbers[i], strlen(not_numbers[i]))) {
            fprintf(stderr, "  '%s' taken as a number\n", not_numbers[i]);
            CHECK(!"a number");
        }
    CHECK(ni_field_name_ok("topics", 6));
    CHECK(ni_field_name_ok("a.b-c_d9", 8));
    CHECK(!ni_field_name_ok("date", 4));
    CHECK(!ni_field_name_ok("meta", 4));
    CHECK(!ni_field_name_ok("9a", 2));
    CHECK(!ni_field_name_ok("", 0));
    CHECK(!ni_field_name_ok("a b", 3));
    char long_name[66];
    memset(long_name, 'a', 65);
    CHECK(ni_field_name_ok(long_name, 64));
    CHECK(!ni_field_name_ok(long_name, 65));
    CHECK(ni_field_name_datelike("pubDate", 7));
    CHECK(ni_field_name_datelike("created_at", 10));
    CHECK(ni_field_name_datelike("mtime", 5));
    CHECK(!ni_field_name_datelike("dateline", 8));
    CHECK(!ni_field_name_datelike("oldid", 5));
    CHECK_EQ_INT(ni_field_type_parse("Keyword", 7), NS_FIELD_KEYWORD);
    CHECK_EQ_INT(ni_field_type_parse("number", 6), NS_FIELD_NUMBER);
    CHECK_EQ_INT(ni_field_type_parse("auto", 4), 0);
    CHECK_EQ_INT(ni_field_type_parse("dat", 3), 0);
    /* a keyword value longer than the library takes */
    char *big = malloc(NI_FIELD_VALUE_MAX + 1), why[256];
    memset(big, 'x', NI_FIELD_VALUE_MAX + 1);
    CHECK(ni_field_value_ok(NS_FIELD_KEYWORD, big, NI_FIELD_VALUE_MAX, why, sizeof why));
    CHECK(!ni_field_value_ok(NS_FIELD_TEXT, big, NI_FIELD_VALUE_MAX + 1, why, sizeof why));
    free(big);
}

/* ni_fields_check: known types win, misfits and second dates are dropped. */
static void test_fields_check(void)
{
    types t = {0};
    types_set(&t, "mtime", 5, NS_FIELD_KEYWORD);
    types_set(&t, "when", 4, NS_FIELD_DATE);
    ni_fields f = {0};
    drops d = {0};
    ni_fields_add(&f, "mtime", 5, "2024-01-01T00:00:00Z", 20, NS_FIELD_DATE);
    ni_fields_add(&f, "when", 4, "1987-03-02", 10, NS_FIELD_KEYWORD);
    ni_fields_add(&f, "when", 4, "1987-03-03", 10, NS_FIELD_KEYWORD);
    ni_fields_add(&f, "tags", 4, "a", 1, NS_FIELD_KEYWORD);
    ni_fields_add(&f, "n", 1, "x", 1, NS_FIELD_NUMBER);
    ni_fields_check(&f, types_get, &t, on_drop, &d);
    CHECK_EQ_STR(show(&f),
                 "mtime=2024-01-01T00:00:00Z/keyword;when=1987-03-02/date;tags=a/keyword");
    CHECK_EQ_STR(d.text, "when: a date field takes one value; '1987-03-03' is a second\n"
                         "n: 'x' is not a number\n");
    ni_fields_free(&f);
}

/* ---------------------------------------------------------- HTML, Markdown */

typedef struct html_case {
    const char *html, *want; /* want: the date found, "" for none */
} html_case;

static const html_case html_cases[] = {
    /* ranks: article:published_time first, whatever the order in the page */
    {"<meta name=date content=2001-01-01><meta property=\"article:published_time\" "
     "content=\"2023-11-16T10:00:00&#43;02:00\">",
     "2023-11-16T10:00:00+02:00"},
    {"<META PROPERTY='og:published_time' CONTENT='2002-02-02'><meta name=\"DC.date\" "
     "content=\"2003-03-03\">",
     "2002-02-02"},
    {"<meta name=\"dcterms.issued\" content=\"2003-03-03\"><meta itemprop=datePublished "
     "content=2004-04-04>",
     "2003-03-03"},
    {"<meta itemprop=\"datePublished\" content=\"2004-04-04\"><time "
     "datetime=\"2005-05-05\">x</time>",
     "2004-04-04"},
    {"<script type=\"application/ld+json\">{\"@type\": \"NewsArticle\", \"datePublished\" : "
     "\"2006-06-06T06:06:06Z\"}</script><time datetime=2005-05-05>",
     "2006-06-06T06:06:06Z"},
    {"<p>Posted <time class=x datetime=\"2007-07-07\">July</time> <time datetime=2008-08-08>",
     "2007-07-07"},
    /* the best that parses, else the best there is (for the caller to report) */
    {"<meta property=article:published_time content=soon><meta name=date content=2009-09-09>",
     "2009-09-09"},
    {"<meta name=date content=\"not a date\"><time datetime=\"later\">", "not a date"},
    /* what is not a meta of the page: comments, scripts, other metas */
    {"<!-- <meta name=date content=2010-10-10> --><script>x='<meta name=date "
     "content=2011-11-11>'</script><meta name=description content=2012-12-12><p>text</p>",
     ""},
    {"<meta name=date content=", ""}, /* unterminated tag: the scan ends */
    {"", ""},
};

static void test_html_date(void)
{
    for (size_t i = 0; i < sizeof html_cases / sizeof *html_cases; i++) {
        nsi_buf date = {0};
        CHECK_EQ_INT(ni_html_date(html_cases[i].html, strlen(html_cases[i].html), &date), NS_OK);
        const char *got = date.str ? date.str : "";
        if (strcmp(got, html_cases[i].want))
            fprintf(stderr, "  html case %zu: '%s'\n", i, got);
        CHECK_EQ_STR(got, html_cases[i].want);
        nsi_buf_free(&date);
    }
}

typedef struct md_case {
    const char *text, *date, *fields;
} md_case;

static const md_case md_cases[] = {
    {"---\ntitle: \"Bee\"\ndate: \"2021-05-04\"\ntags: [alpha, \"beta gamma\", 'd']\n"
     "author: Jane Doe\ncategories:\n  - news\n  - \"world\"\nother: x\n---\n# Bee\n",
     "2021-05-04",
     "tags=alpha/keyword;tags=beta gamma/keyword;tags=d/keyword;author=Jane Doe/keyword;"
     "tags=news/keyword;tags=world/keyword"},
    {"\xEF\xBB\xBF---\r\ndate: 2021-05-04T10:00:00Z\r\ntags: one\r\n---\r\ntext\r\n",
     "2021-05-04T10:00:00Z", "tags=one/keyword"},
    {"---\nauthors:\n- A\n- B\ndate:\n---\n", "", "author=A/keyword;author=B/keyword"},
    /* no front matter: an unclosed block, or not at the start */
    {"---\ndate: 2021-05-04\ntags: [a]\n", "", ""},
    {"# Title\n---\ndate: 2021-05-04\n---\n", "", ""},
};

static void test_front_matter(void)
{
    for (size_t i = 0; i < sizeof md_cases / sizeof *md_cases; i++) {
        nsi_buf date = {0};
        ni_fields f = {0};
        CHECK_EQ_INT(ni_front_matter_fields(md_cases[i].text, strlen(md_cases[i].text), &date, &f),
                     NS_OK);
        CHECK_EQ_STR(date.str ? date.str : "", md_cases[i].date);
        CHECK_EQ_STR(show(&f), md_cases[i].fields);
        nsi_buf_free(&date);
        ni_fields_free(&f);
    }
}

/* ---------------------------------------------------------- Reuters-21578 */

/* Every record mapped as nindex maps it (types learnt from the records before
 * it, as the writer learns them): each list member's values are exactly its
 * JSON list's non-empty strings, in order; the date is kept or reported. */
static void test_reuters(void)
{
    const char *shared = getenv("NS_SHARED_DIR");
    char path[4096];
    snprintf(path, sizeof path, "%s/corpora/reuters21578/docs.jsonl.gz",
             shared && *shared ? shared : "../shared");
    gzFile gz = gzopen(path, "rb");
    CHECK(gz != NULL);
    if (!gz) {
        fprintf(stderr, "  cannot open %s\n", path);
        return;
    }
    static const char *const lists[] = {"topics", "places", "people", "orgs", "exchanges"};
    types t = {0};
    ni_jsonl_record rec;
    memset(&rec, 0, sizeof rec);
    ni_fields f = {0};
    size_t cap = 1 << 20;
    char *line = malloc(cap), why[256];
    long records = 0, values = 0, mismatches = 0, dates_dropped = 0, other_drops = 0;
    while (gzgets(gz, line, (int)cap)) {
        size_t len = strlen(line);
        CHECK(len + 1 < cap); /* Reuters' lines are short */
        drops d = {0};
        ni_fields_reset(&f);
        if (ni_jsonl_parse(tok, line, len, &rec, why, sizeof why) != NI_JSONL_OK) {
            CHECK(!"a Reuters record parses");
            continue;
        }
        records++;
        CHECK_EQ_INT(ni_jsonl_fields(&rec, types_get, &t, &f, on_drop, &d), NS_OK);
        if (!rec.doc.date)
            dates_dropped++;
        other_drops += d.n - (rec.doc.date ? 0 : 1);
        const ns_field *v = ni_fields_view(&f);
        for (size_t i = 0; i < f.n; i++)
            types_set(&t, v[i].name, v[i].name_len, v[i].type);
        /* the lists, from the JSON directly */
        json_object *o = json_tokener_parse(line);
        for (size_t l = 0; l < sizeof lists / sizeof *lists; l++) {
            json_object *arr;
            size_t k = 0, want = 0;
            if (!json_object_object_get_ex(o, lists[l], &arr))
                continue;
            for (size_t j = 0; j < json_object_array_length(arr); j++) {
                const char *s = json_object_get_string(json_object_array_get_idx(arr, j));
                if (!*s)
                    continue;
                want++;
                /* the want-th value of this field in f */
                size_t seen = 0;
                for (k = 0; k < f.n; k++)
                    if (v[k].name_len == strlen(lists[l]) &&
                        !memcmp(v[k].name, lists[l], v[k].name_len) && ++seen == want)
                        break;
                if (k == f.n || v[k].value_len != strlen(s) || memcmp(v[k].value, s, strlen(s)) ||
                    v[k].type != NS_FIELD_KEYWORD)
                    mismatches++;
            }
            values += (long)want;
        }
        json_object_put(o);
        ni_jsonl_record_clear(&rec);
    }
    gzclose(gz);
    free(line);
    nsi_buf_free(&rec.meta);
    ni_fields_free(&f);
    printf("  %ld records, %ld list values, %ld dates dropped\n", records, values, dates_dropped);
    CHECK_EQ_INT(records, 21578);
    CHECK(values > 30000);
    CHECK_EQ_INT(mismatches, 0);
    CHECK_EQ_INT(other_drops, 0);
    /* the collection's two broken dates (test_date names them) */
    CHECK_EQ_INT(dates_dropped, 2);
    CHECK_EQ_INT(types_get(&t, "topics", 6), NS_FIELD_KEYWORD);
    CHECK_EQ_INT(types_get(&t, "oldid", 5), NS_FIELD_KEYWORD);
    CHECK_EQ_INT(types_get(&t, "dateline", 8), NS_FIELD_KEYWORD);
}

/* BBC News and 20 Newsgroups: every string member (but the built-in ones)
 * becomes one value of its field, byte for byte, with the type the first
 * record gave it; nothing is dropped. Prints the schema it inferred. */
static void corpus_strings(const char *rel, const char *const *want_keywords)
{
    const char *shared = getenv("NS_SHARED_DIR");
    char path[4096];
    snprintf(path, sizeof path, "%s/corpora/%s", shared && *shared ? shared : "../shared", rel);
    gzFile gz = gzopen(path, "rb");
    CHECK(gz != NULL);
    if (!gz) {
        fprintf(stderr, "  cannot open %s\n", path);
        return;
    }
    types t = {0};
    ni_jsonl_record rec;
    memset(&rec, 0, sizeof rec);
    ni_fields f = {0};
    size_t cap = 1 << 22;
    char *line = malloc(cap), why[256];
    long records = 0, mismatches = 0, dropped = 0;
    while (gzgets(gz, line, (int)cap)) {
        drops d = {0};
        ni_fields_reset(&f);
        if (ni_jsonl_parse(tok, line, strlen(line), &rec, why, sizeof why) != NI_JSONL_OK)
            continue;
        records++;
        CHECK_EQ_INT(ni_jsonl_fields(&rec, types_get, &t, &f, on_drop, &d), NS_OK);
        dropped += d.n;
        const ns_field *v = ni_fields_view(&f);
        for (size_t i = 0; i < f.n; i++)
            types_set(&t, v[i].name, v[i].name_len, v[i].type);
        json_object_object_foreach(rec.obj, key, val)
        {
            if (!json_object_is_type(val, json_type_string) || !ni_field_name_ok(key, strlen(key)))
                continue;
            const char *s = json_object_get_string(val);
            size_t n = strlen(s), found = 0;
            for (size_t i = 0; i < f.n; i++)
                if (v[i].name_len == strlen(key) && !memcmp(v[i].name, key, v[i].name_len))
                    found += v[i].value_len == n && !memcmp(v[i].value, s, n);
            if (found != (n ? 1u : 0u))
                mismatches++;
        }
        ni_jsonl_record_clear(&rec);
    }
    gzclose(gz);
    free(line);
    nsi_buf_free(&rec.meta);
    ni_fields_free(&f);
    printf("  %s: %ld records, schema:", rel, records);
    for (int i = 0; i < t.n; i++)
        printf(" %s:%s", t.names[i], ni_field_type_name(t.type[i]));
    printf("\n");
    CHECK(records > 1000);
    CHECK_EQ_INT(mismatches, 0);
    CHECK_EQ_INT(dropped, 0);
    for (; *want_keywords; want_keywords++)
        CHECK_EQ_INT(types_get(&t, *want_keywords, strlen(*want_keywords)), NS_FIELD_KEYWORD);
}

static void test_bbc_20ng(void)
{
    static const char *const bbc[] = {"category", NULL};
    static const char *const ng[] = {"newsgroup", "from", "organization", "split", NULL};
    corpus_strings("bbc_news/docs.jsonl", bbc);
    corpus_strings("20newsgroups/docs.jsonl.gz", ng);
}

static void setup(void) { CHECK((tok = ni_jsonl_tokener()) != NULL); }
static void teardown(void) { json_tokener_free(tok); }

NS_TEST_MAIN_FIXTURE(setup, teardown, NST(test_infer), NST(test_known), NST(test_checks),
                     NST(test_fields_check), NST(test_html_date), NST(test_front_matter),
                     NST(test_reuters), NST(test_bbc_20ng))
