/* test_jsonl.c — JSON-lines records to documents (indexer/jsonl_record.c).
 * The record parser lives in the nindex program; tests/CMakeLists.txt
 * compiles its source file into this test. */
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "input.h"
#include "nstest.h"

static struct json_tokener *tok;

/* Parses text; the record is left for the caller to inspect and clear. */
static enum ni_jsonl_result parse(const char *text, ni_jsonl_record *rec, char *why)
{
    memset(rec, 0, sizeof *rec);
    why[0] = '\0';
    return ni_jsonl_parse(tok, text, strlen(text), rec, why, 256);
}

static int field_is(const char *p, size_t n, const char *want)
{
    return want ? p && n == strlen(want) && !memcmp(p, want, n) : n == 0;
}

typedef struct ok_case {
    const char *line;
    const char *id, *title, *body, *url, *date, *meta;
} ok_case;

static const ok_case ok_cases[] = {
    {"{\"id\":\"a1\",\"title\":\"T\",\"body\":\"B\",\"url\":\"http://x/\",\"date\":\"2024-01-02\"}",
     "a1", "T", "B", "http://x/", "2024-01-02", NULL},
    /* numbers identify too; other fields are kept, in order, as metadata */
    {"{\"id\": 42, \"body\": \"b\", \"zeta\": 1, \"alpha\": [\"x\", {\"y\": null}]}", "42", NULL,
     "b", NULL, NULL, "{\"zeta\":1,\"alpha\":[\"x\",{\"y\":null}]}"},
    {"{\"id\": 1.5, \"title\": 7, \"body\": true}", "1.5", "7", "true", NULL, NULL, NULL},
    /* null fields are absent; escapes decode; slashes stay unescaped in meta */
    {"{\"id\":\"n\",\"title\":null,\"body\":\"line\\nnext \\u00e9 "
     "\\ud83d\\ude00\",\"src\":\"a/b\"}",
     "n", NULL, "line\nnext \xC3\xA9 \xF0\x9F\x98\x80", NULL, NULL, "{\"src\":\"a/b\"}"},
    /* surrounding whitespace and a CRLF ending are fine */
    {"  \t{\"id\":\"crlf\"}  \r", "crlf", NULL, NULL, NULL, NULL, NULL},
};

static void test_records(void)
{
    char why[256];
    for (size_t i = 0; i < sizeof ok_cases / sizeof *ok_cases; i++) {
        const ok_case *c = &ok_cases[i];
        ni_jsonl_record rec;
        int res = parse(c->line, &rec, why);
        if (res != NI_JSONL_OK)
            fprintf(stderr, "case %zu: %s (%s)\n", i, c->line, why);
        CHECK_EQ_INT(res, NI_JSONL_OK);
        CHECK(field_is(rec.doc.id, rec.doc.id_len, c->id));
        CHECK(field_is(rec.doc.title, rec.doc.title_len, c->title));
        CHECK(field_is(rec.doc.body, rec.doc.body_len, c->body));
        CHECK(field_is(rec.doc.url, rec.doc.url_len, c->url));
        CHECK(field_is(rec.doc.date, rec.doc.date_len, c->date));
        CHECK(field_is(rec.doc.meta, rec.doc.meta_len, c->meta));
        ni_jsonl_record_clear(&rec);
        nsi_buf_free(&rec.meta);
    }
}

/* A NUL inside a string keeps its length; nothing is cut at it. */
static void test_embedded_nul(void)
{
    char why[256];
    ni_jsonl_record rec;
    CHECK_EQ_INT(parse("{\"id\":\"z\",\"body\":\"a\\u0000b\"}", &rec, why), NI_JSONL_OK);
    CHECK_EQ_INT(rec.doc.body_len, 3);
    CHECK(!memcmp(rec.doc.body, "a\0b", 3));
    ni_jsonl_record_clear(&rec);
}

typedef struct bad_case {
    const char *line;
    enum ni_jsonl_result res;
    const char *why; /* a substring of the reason */
} bad_case;

static const bad_case bad_cases[] = {
    {"", NI_JSONL_BLANK, ""},
    {"   \t\r", NI_JSONL_BLANK, ""},
    {"{\"id\":\"a\",}", NI_JSONL_MALFORMED, "column 11"},
    {"{\"id\":\"a\"", NI_JSONL_MALFORMED, "unexpected end of line"},
    {"{\"id\":\"a\"} trailing", NI_JSONL_MALFORMED, "column"},
    {"{\"id\":\"a\"}{\"id\":\"b\"}", NI_JSONL_MALFORMED, "column 11"},
    {"{\"id\":\"bad \xff utf8\"}", NI_JSONL_MALFORMED, "utf-8"},
    {"[1,2,3]", NI_JSONL_MALFORMED, "expected an object, found an array"},
    {"\"just a string\"", NI_JSONL_MALFORMED, "expected an object"},
    {"not json at all", NI_JSONL_MALFORMED, "column 2"},
    {"{\"title\":\"no id\"}", NI_JSONL_INVALID, "missing \"id\""},
    {"{\"id\":\"\"}", NI_JSONL_INVALID, "empty string"},
    {"{\"id\":null}", NI_JSONL_INVALID, "\"id\""},
    {"{\"id\":true}", NI_JSONL_INVALID, "boolean"},
    {"{\"id\":[1]}", NI_JSONL_INVALID, "array"},
    {"{\"id\":\"x\",\"body\":{\"a\":1}}", NI_JSONL_INVALID, "\"body\" must be a string"},
    {"{\"id\":\"x\",\"title\":[\"a\"]}", NI_JSONL_INVALID, "\"title\" must be a string"},
};

static void test_bad_lines(void)
{
    char why[256];
    for (size_t i = 0; i < sizeof bad_cases / sizeof *bad_cases; i++) {
        const bad_case *c = &bad_cases[i];
        ni_jsonl_record rec;
        int res = parse(c->line, &rec, why);
        if (res != (int)c->res || !strstr(why, c->why))
            fprintf(stderr, "case %zu: %s -> %d (%s)\n", i, c->line, res, why);
        CHECK_EQ_INT(res, c->res);
        CHECK(strstr(why, c->why) != NULL);
        ni_jsonl_record_clear(&rec);
    }
}

/* The tokener recovers after a bad line: the next good one parses. */
static void test_recovery(void)
{
    char why[256];
    ni_jsonl_record rec;
    CHECK_EQ_INT(parse("{\"id\":\"a\", \"body\": \"unterminated", &rec, why), NI_JSONL_MALFORMED);
    ni_jsonl_record_clear(&rec);
    CHECK_EQ_INT(parse("{\"id\":\"b\"}", &rec, why), NI_JSONL_OK);
    CHECK(field_is(rec.doc.id, rec.doc.id_len, "b"));
    ni_jsonl_record_clear(&rec);
}

/* Every record of a real corpus parses with its id, and the fields other
 * than the known ones become metadata. */
static void test_corpus(void)
{
    char path[4096], why[256];
    snprintf(path, sizeof path, "%s/corpora/cranfield/docs.jsonl", nst_shared_dir());
    FILE *f = fopen(path, "r");
    CHECK(f != NULL);
    if (!f)
        return;
    char *line = NULL;
    size_t cap = 0, ok = 0, with_meta = 0, lines = 0;
    ssize_t n;
    ni_jsonl_record rec;
    memset(&rec, 0, sizeof rec);
    while ((n = getline(&line, &cap, f)) > 0) {
        lines++;
        int res = ni_jsonl_parse(tok, line, (size_t)n, &rec, why, sizeof why);
        /* (two Cranfield records have neither title nor body: still records) */
        if (res == NI_JSONL_OK && rec.doc.id_len)
            ok++;
        if (rec.doc.meta_len && strstr(rec.doc.meta, "\"author\""))
            with_meta++;
        ni_jsonl_record_clear(&rec);
    }
    free(line);
    fclose(f);
    nsi_buf_free(&rec.meta);
    CHECK_EQ_INT(lines, 1400);
    CHECK_EQ_INT(ok, lines);
    CHECK_EQ_INT(with_meta, lines);
}

static void setup(void)
{
    tok = ni_jsonl_tokener();
    CHECK(tok != NULL);
}

static void teardown(void) { json_tokener_free(tok); }

NS_TEST_MAIN_FIXTURE(setup, teardown, NST(test_records), NST(test_embedded_nul),
                     NST(test_bad_lines), NST(test_recovery), NST(test_corpus))
