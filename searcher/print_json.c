/* print_json.c — nsearch --json: one object per line (JSON Lines).
 *
 * Per hit, keys in this order (batch mode puts "qid" first):
 *   {"rank":1,"id":"...","score":8.41,"title":"...","url":"...",
 *    "date":"1987-03-02T14:31:00Z","fields":{"topics":["cocoa"],...},
 *    "duplicates":2,"snippet":"...","highlights":[[12,19],[40,49]],"type":"hit"}
 * "date" is the document's date (its built-in date field, ISO 8601 UTC) and
 * is absent when it has none; "fields" holds every typed field of the hit
 * (the date too): a keyword or text field as an array of its values, a date
 * as an ISO 8601 UTC string, a number as a number; "duplicates" (with
 * --dedup only) how many matches were collapsed into the hit.
 * then one summary object:
 *   {"query":"(AND sever relat)","total":4,"total_exact":true,"returned":4,
 *    "elapsed_us":812,"snippet_us":95,
 *    "facets":{"topics":[{"value":"cocoa","count":12},...]},"type":"summary"}
 * ("facets" with --facet only, counts descending, ties by value).
 * "type" (last, so that lines still start with "rank" or "qid") tells the
 * two apart, as ripgrep's --json does.
 * elapsed_us is parsing and searching, snippet_us making the hits' snippets
 * (reading their stored text included).
 *
 * Highlight offsets are byte offsets into the UTF-8 encoding of "snippet" as
 * a JSON reader decodes it (json_out_decoded_len keeps them right even if the
 * library ever hands over invalid UTF-8). Never coloured. */
#include <inttypes.h>
#include <string.h>

#include "cli.h"
#include "json_out.h"

static void put_key(FILE *out, const char *key, int first)
{
    if (!first)
        putc(',', out);
    putc('"', out);
    fputs(key, out);
    fputs("\":", out);
}

static void put_str_field(FILE *out, const char *key, const char *s, size_t len)
{
    put_key(out, key, 0);
    json_out_string(out, s, len);
}

/* Opens an object and writes "qid" when there is one. Returns whether the
 * next key is the first. */
static int open_object(FILE *out, const cli_run *run)
{
    putc('{', out);
    if (run->qid == NULL)
        return 1;
    put_key(out, "qid", 1);
    json_out_string(out, run->qid, strlen(run->qid));
    return 0;
}

static void put_highlights(FILE *out, const ns_snippet *sn, const char *text)
{
    size_t n = ns_snippet_span_count(sn);

    put_key(out, "highlights", 0);
    putc('[', out);
    for (size_t i = 0; i < n; i++) {
        size_t s, e;

        ns_snippet_span(sn, i, &s, &e);
        fprintf(out, "%s[%zu,%zu]", i > 0 ? "," : "", json_out_decoded_len(text, s),
                json_out_decoded_len(text, e));
    }
    putc(']', out);
}

/* "fields": {"NAME": value or [values], ...}: keyword and text fields as
 * arrays (several values of one field are consecutive), dates as strings,
 * numbers as numbers. */
static void put_fields(FILE *out, const ns_results *r, size_t i)
{
    size_t n = ns_results_field_count(r, i);
    int first = 1;

    put_key(out, "fields", 0);
    putc('{', out);
    for (size_t j = 0; j < n;) {
        ns_field_value v;
        if (ns_results_field(r, i, j, &v) != NS_OK)
            break;
        if (!first)
            putc(',', out);
        first = 0;
        json_out_string(out, v.name, v.name_len);
        putc(':', out);
        if (v.type == NS_FIELD_NUMBER) {
            fwrite(v.text, 1, v.text_len, out); /* shortest %.17g: valid JSON */
            j++;
            continue;
        }
        if (v.type == NS_FIELD_DATE) {
            json_out_string(out, v.text, v.text_len);
            j++;
            continue;
        }
        /* the run of values of this field */
        ns_field_value w = v;
        putc('[', out);
        for (size_t k = 0; j < n; k++) {
            if (k > 0 && (ns_results_field(r, i, j, &w) != NS_OK || w.name_len != v.name_len ||
                          memcmp(w.name, v.name, v.name_len) != 0))
                break;
            if (k > 0)
                putc(',', out);
            json_out_string(out, w.text, w.text_len);
            j++;
        }
        putc(']', out);
    }
    putc('}', out);
}

void print_json_hit(FILE *out, const cli_run *run, const ns_hit *h, const ns_snippet *sn)
{
    size_t len = 0;
    const char *text = sn != NULL ? ns_snippet_text(sn, &len) : NULL;
    int first = open_object(out, run);

    put_key(out, "rank", first);
    fprintf(out, "%zu", h->rank);
    put_str_field(out, "id", h->id, h->id_len);
    put_key(out, "score", 0);
    json_out_double(out, h->score);
    put_str_field(out, "title", h->title, h->title_len);
    put_str_field(out, "url", h->url, h->url_len);
    size_t i = h->rank - 1 - run->offset;
    const char *date;
    size_t date_len = cli_hit_date(run->r, i, &date);
    if (date_len > 0)
        put_str_field(out, "date", date, date_len);
    put_fields(out, run->r, i);
    if (run->dedup) {
        put_key(out, "duplicates", 0);
        fprintf(out, "%" PRIu64, ns_results_duplicates(run->r, i));
    }
    if (sn != NULL) {
        put_str_field(out, "snippet", text, len);
        put_highlights(out, sn, text);
    }
}

/* "facets": {"FIELD": [{"value": V, "count": N}, ...], ...} */
void print_json_facets(FILE *out, const ns_results *r)
{
    size_t nf = ns_results_facet_count(r);

    putc('{', out);
    for (size_t f = 0; f < nf; f++) {
        const char *name;
        size_t nv = 0;
        ns_results_facet(r, f, &name, &nv);
        if (f > 0)
            putc(',', out);
        json_out_string(out, name, strlen(name));
        fputs(":[", out);
        for (size_t j = 0; j < nv; j++) {
            const char *v;
            size_t len;
            uint64_t count;
            ns_results_facet_value(r, f, j, &v, &len, &count);
            fputs(j > 0 ? ",{\"value\":" : "{\"value\":", out);
            json_out_string(out, v, len);
            fprintf(out, ",\"count\":%" PRIu64 "}", count);
        }
        putc(']', out);
    }
    putc('}', out);
}

static void put_summary(FILE *out, const cli_run *run, size_t n, uint64_t snippet_us)
{
    int exact = 1;
    uint64_t total = run->r != NULL ? ns_results_total(run->r, &exact) : 0;
    const char *query = ns_query_string(run->q);
    int first = open_object(out, run);

    put_key(out, "query", first);
    json_out_string(out, query, strlen(query));
    put_key(out, "total", 0);
    fprintf(out, "%" PRIu64, total);
    put_key(out, "total_exact", 0);
    fputs(exact ? "true" : "false", out);
    put_key(out, "returned", 0);
    fprintf(out, "%zu", n);
    put_key(out, "elapsed_us", 0);
    fprintf(out, "%" PRIu64, run->elapsed_us);
    put_key(out, "snippet_us", 0);
    fprintf(out, "%" PRIu64, snippet_us);
    if (run->suggestion != NULL) {
        put_key(out, "suggestion", 0);
        json_out_string(out, run->suggestion, strlen(run->suggestion));
    }
    if (run->r != NULL && ns_results_facet_count(run->r) > 0) {
        put_key(out, "facets", 0);
        print_json_facets(out, run->r);
    }
    fputs(",\"type\":\"summary\"}\n", out);
}

int print_json(FILE *out, const cli_run *run)
{
    size_t n = run->r != NULL ? ns_results_count(run->r) : 0;
    ns_snippet_options sopts = cli_snippet_options(run);
    uint64_t snippet_us = 0;

    for (size_t i = 0; i < n; i++) {
        ns_hit h;
        ns_snippet *sn = NULL;
        int rc = ns_results_hit(run->r, i, &h);

        if (rc == NS_OK) {
            uint64_t t0 = cli_now_us();
            rc = ns_snippet_make(&sn, run->idx, run->q, run->r, i, &sopts);
            snippet_us += cli_now_us() - t0;
        }
        if (rc != NS_OK)
            return rc;
        print_json_hit(out, run, &h, sn);
        ns_snippet_free(sn);
        if (run->explain && (rc = print_explain_json(out, run, i)) != NS_OK)
            return rc;
        fputs(",\"type\":\"hit\"}\n", out);
    }
    put_summary(out, run, n, snippet_us);
    return NS_OK;
}
