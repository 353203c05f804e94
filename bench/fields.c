/* fields.c — `bench_nsearch fields`: what typed fields cost at query time
 * (issue 12's targets), on the native backend through nsearch.h:
 *
 *   bench_nsearch fields --index DIR [--repeats R] CORPUS.jsonl[.gz]...
 *
 * builds DIR from the corpora with three fields: `source` (keyword: the
 * corpus folder's name), `section` (keyword: a document's topics, category
 * or newsgroup, whichever it has; lists give several values) and the
 * built-in date (Reuters' own dates; a document without one gets a
 * deterministic pseudo-random date in 1987-2006 from its number, so that
 * sorting has a key everywhere, and says so). Then, each figure the median
 * of R runs of every query (CPU time of the calling thread), the two sides of
 * each comparison run in turns:
 *
 *   filter   each query alone and with a keyword filter and with a date
 *            range that keep about half its matches; ratio filtered/plain
 *            (target <= 1.2)
 *   facet    the queries with the most matches, with and without
 *            --facet section (target: faceting 10k matches < 1 ms more)
 *   sort     the same, top 10 by date descending over all matches vs by
 *            score (target: sorting all matches < 1 ms at 50k documents)
 *   dedup    top 10 with and without dedup (target <= 1.1x)
 *
 * Output: one line per measurement on stdout, tab-separated:
 *   what  query  matches  plain_us  with_us  ratio
 */
#include <json-c/json.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "common.h"
#include "fields.h"
#include "nsearch.h"

#define MAXV 16

static const char *const queries[] = {
    "said",   "year",     "market",  "government", "oil",       "trade",      "world",
    "people", "company",  "price",   "new york",   "oil price", "bank rates", "game",
    "film",   "computer", "percent", "share",      "sales",     "president"};
#define NQUERIES (sizeof queries / sizeof *queries)

static double median(double *v, size_t n)
{
    nb_sort_doubles(v, n);
    return n ? v[n / 2] : 0;
}

/* ---- building */

static int put_doc(ns_writer *w, const char *source, json_object *o, size_t num)
{
    json_object *v;
    const char *id = "", *title = "", *body = "", *date = "";
    char idbuf[256], datebuf[32];
    if (json_object_object_get_ex(o, "id", &v))
        id = json_object_get_string(v);
    if (json_object_object_get_ex(o, "title", &v))
        title = json_object_get_string(v);
    if (json_object_object_get_ex(o, "body", &v))
        body = json_object_get_string(v);
    int64_t secs;
    if (json_object_object_get_ex(o, "date", &v) && json_object_is_type(v, json_type_string) &&
        ns_date_parse(json_object_get_string(v), strlen(json_object_get_string(v)), &secs) ==
            NS_OK) {
        date = json_object_get_string(v);
    } else {
        /* deterministic: 1987-01-01 plus up to 20 years, from the number */
        uint64_t h = (num + 1) * 0x9E3779B97F4A7C15ull;
        secs = 536457600 + (int64_t)((h >> 11) % (20ull * 365 * 86400));
        ns_date_format(secs, datebuf, sizeof datebuf);
        date = datebuf;
    }
    snprintf(idbuf, sizeof idbuf, "%s:%s", source, id);
    ns_field f[MAXV + 1];
    size_t nf = 0;
    f[nf++] = (ns_field){"source", 6, source, strlen(source), NS_FIELD_KEYWORD};
    static const char *const sections[] = {"topics", "category", "newsgroup"};
    for (size_t k = 0; k < 3; k++) {
        if (!json_object_object_get_ex(o, sections[k], &v))
            continue;
        if (json_object_is_type(v, json_type_string) && json_object_get_string_len(v) > 0)
            f[nf++] = (ns_field){"section", 7, json_object_get_string(v),
                                 (size_t)json_object_get_string_len(v), NS_FIELD_KEYWORD};
        else if (json_object_is_type(v, json_type_array))
            for (size_t i = 0; i < json_object_array_length(v) && nf < MAXV + 1; i++) {
                json_object *e = json_object_array_get_idx(v, i);
                if (json_object_is_type(e, json_type_string) && json_object_get_string_len(e))
                    f[nf++] = (ns_field){"section", 7, json_object_get_string(e),
                                         (size_t)json_object_get_string_len(e), NS_FIELD_KEYWORD};
            }
    }
    ns_doc d = {idbuf, strlen(idbuf), title, strlen(title),
                body,  strlen(body),  "",    0,
                date,  strlen(date),  "",    0};
    int rc = ns_writer_put_fields(w, &d, f, nf, NULL);
    if (rc)
        fprintf(stderr, "%s: %s\n", idbuf, ns_writer_errmsg(w));
    return rc;
}

static int build(const char *dir, char **paths, int npaths, size_t *ndocs)
{
    char err[NS_ERRBUF_SIZE] = "";
    ns_writer *w;
    nb_rm_rf(dir);
    int rc = ns_writer_open(&w, dir, NULL, err, sizeof err);
    if (rc) {
        fprintf(stderr, "%s: %s\n", dir, err);
        return rc;
    }
    ns_writer_declare_field(w, "source", 6, NS_FIELD_KEYWORD);
    ns_writer_declare_field(w, "section", 7, NS_FIELD_KEYWORD);
    *ndocs = 0;
    for (int p = 0; p < npaths && !rc; p++) {
        /* the corpus folder's name: .../corpora/NAME/docs.jsonl */
        char source[128] = "corpus";
        const char *slash = strrchr(paths[p], '/');
        if (slash && slash > paths[p]) {
            const char *s = slash - 1;
            while (s > paths[p] && s[-1] != '/')
                s--;
            snprintf(source, sizeof source, "%.*s", (int)(slash - s), s);
        }
        gzFile f = gzopen(paths[p], "rb");
        if (!f) {
            fprintf(stderr, "%s: cannot open\n", paths[p]);
            rc = NS_EIO;
            break;
        }
        char *line = malloc(1 << 24);
        while (!rc && gzgets(f, line, 1 << 24)) {
            json_object *o = json_tokener_parse(line);
            if (!o)
                continue;
            rc = put_doc(w, source, o, (*ndocs)++);
            json_object_put(o);
        }
        free(line);
        gzclose(f);
    }
    if (!rc && (rc = ns_writer_optimize(w)))
        fprintf(stderr, "optimize: %s\n", ns_writer_errmsg(w));
    ns_writer_close(w);
    return rc;
}

/* ---- measuring */

/* CPU microseconds of one search of text with options so; *matches set. */
static double run_once(ns_index *idx, const char *text, const ns_search_options *so,
                       uint64_t *matches)
{
    ns_query *q = NULL;
    ns_results *r = NULL;
    char err[NS_ERRBUF_SIZE];
    double t0 = nb_thread_cpu_us();
    int rc = ns_query_parse(&q, idx, text, strlen(text), NULL, err, sizeof err, NULL);
    if (!rc)
        rc = ns_search(&r, idx, q, so);
    double t = nb_thread_cpu_us() - t0;
    if (rc) {
        fprintf(stderr, "[%s]: %s\n", text, rc == NS_ESYNTAX ? err : ns_index_errmsg(idx));
        exit(2);
    }
    *matches = ns_results_total(r, NULL);
    ns_results_free(r);
    ns_query_free(q);
    return t;
}

/* a and b measured in turns (a, b, a, b...), so that a machine whose speed
 * drifts (other work, frequency) weighs on both alike: medians into *ta, *tb. */
static void measure_pair(ns_index *idx, const char *qa, const ns_search_options *sa, const char *qb,
                         const ns_search_options *sb, int repeats, double *ta, double *tb,
                         uint64_t *mb)
{
    double *a = malloc((size_t)repeats * sizeof *a), *b = malloc((size_t)repeats * sizeof *b);
    uint64_t ma;
    for (int i = 0; i < repeats; i++) {
        a[i] = run_once(idx, qa, sa, &ma);
        b[i] = run_once(idx, qb, sb, mb);
    }
    *ta = median(a, (size_t)repeats);
    *tb = median(b, (size_t)repeats);
    free(a);
    free(b);
}

static void line(const char *what, const char *q, uint64_t matches, double a, double b)
{
    printf("%s\t%s\t%llu\t%.1f\t%.1f\t%.3f\n", what, q, (unsigned long long)matches, a, b,
           a > 0 ? b / a : 0);
}

/* The most frequent value of section among the matches of q, for a filter
 * that keeps a real share of them. */
static void top_section(ns_index *idx, const char *q, char *out, size_t n)
{
    ns_query *qq;
    ns_results *r;
    char err[NS_ERRBUF_SIZE];
    ns_facet_request fr = {"section", 1};
    ns_search_options so = NS_SEARCH_OPTIONS_INIT;
    so.k = 0;
    so.facets = &fr;
    so.nfacets = 1;
    out[0] = 0;
    if (ns_query_parse(&qq, idx, q, strlen(q), NULL, err, sizeof err, NULL))
        return;
    if (!ns_search(&r, idx, qq, &so)) {
        const char *v;
        size_t len;
        if (!ns_results_facet_value(r, 0, 0, &v, &len, NULL))
            snprintf(out, n, "%s", v);
        ns_results_free(r);
    }
    ns_query_free(qq);
}

int nsd_fields_main(int argc, char **argv)
{
    const char *dir = NULL;
    int repeats = 21, npaths = 0;
    char **paths = calloc((size_t)argc, sizeof *paths);
    for (int i = 2; i < argc; i++) {
        if (!strcmp(argv[i], "--index") && i + 1 < argc)
            dir = argv[++i];
        else if (!strcmp(argv[i], "--repeats") && i + 1 < argc)
            repeats = atoi(argv[++i]);
        else
            paths[npaths++] = argv[i];
    }
    if (!dir || !npaths || repeats < 1) {
        fprintf(stderr, "usage: bench_nsearch fields --index DIR [--repeats R] CORPUS...\n");
        free(paths);
        return 2;
    }
    size_t ndocs;
    if (build(dir, paths, npaths, &ndocs)) {
        free(paths);
        return 2;
    }
    free(paths);
    ns_index *idx;
    char err[NS_ERRBUF_SIZE];
    if (ns_index_open(&idx, dir, err, sizeof err)) {
        fprintf(stderr, "%s: %s\n", dir, err);
        return 2;
    }
    printf("# %zu documents; median CPU us of %d runs; %s\n", ndocs, repeats, ns_version());
    printf("what\tquery\tmatches\tplain_us\twith_us\tratio\n");
    ns_search_options top = NS_SEARCH_OPTIONS_INIT;
    uint64_t m;
    double sum_plain = 0, sum_kw = 0, sum_range = 0, sum_dd = 0, sum_top = 0;
    double sum_plain2 = 0;
    for (size_t i = 0; i < NQUERIES; i++) {
        char sec[256], fq[512];
        double plain, kw, plain2, rg, plain3, de;
        uint64_t mk;
        top_section(idx, queries[i], sec, sizeof sec);
        snprintf(fq, sizeof fq, "%s section:\"%s\"", queries[i], sec);
        measure_pair(idx, queries[i], &top, fq, &top, repeats, &plain, &kw, &mk);
        line("filter-keyword", fq, mk, plain, kw);
        snprintf(fq, sizeof fq, "%s date:1987-01-01..1996-12-31", queries[i]);
        measure_pair(idx, queries[i], &top, fq, &top, repeats, &plain2, &rg, &mk);
        line("filter-range", fq, mk, plain2, rg);
        ns_search_options dd = top;
        dd.dedup = 1;
        measure_pair(idx, queries[i], &top, queries[i], &dd, repeats, &plain3, &de, &m);
        line("dedup-top10", queries[i], m, plain3, de);
        sum_plain += plain;
        sum_kw += kw;
        sum_plain2 += plain2;
        sum_range += rg;
        sum_top += plain3;
        sum_dd += de;
    }
    line("filter-keyword-total", "*", 0, sum_plain, sum_kw);
    line("filter-range-total", "*", 0, sum_plain2, sum_range);
    line("dedup-top10-total", "*", 0, sum_top, sum_dd);
    /* facets and sort over all matches, for the queries with ~10k matches
     * and more, and for a filter that matches everything */
    const char *big[] = {"said", "year", "people", "new", "date:1900..2100"};
    ns_facet_request fr = {"section", 10};
    for (size_t i = 0; i < sizeof big / sizeof *big; i++) {
        ns_search_options ex = top, fa = top, so = top;
        ex.exhaustive = 1;
        fa.facets = &fr;
        fa.nfacets = 1;
        so.sort_field = "date";
        so.sort_desc = 1;
        double base, f, base2, s;
        measure_pair(idx, big[i], &ex, big[i], &fa, repeats, &base, &f, &m);
        line("facet-section", big[i], m, base, f);
        measure_pair(idx, big[i], &ex, big[i], &so, repeats, &base2, &s, &m);
        line("sort-date-desc", big[i], m, base2, s);
    }
    ns_index_close(idx);
    return 0;
}
