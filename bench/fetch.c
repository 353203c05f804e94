/* fetch.c — what a hit's stored text costs: for each query, the top 10 hits'
 * bodies (ns_results_body) and snippets (ns_snippet_make) are made ROUNDS
 * times and the CPU time per hit printed (the best round of each hit, to
 * lessen the noise of a shared machine). Public API only, so one source
 * measures any build of libnsearch (docs/benchmarks.md, "Stored-text
 * codecs").
 *
 *   bench_fetch INDEX [--rounds R] WORD...    (each WORD is one query) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "nsearch.h"

static double cpu_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

int main(int argc, char **argv)
{
    int rounds = 5, first = 2;
    if (argc > 3 && !strcmp(argv[2], "--rounds")) {
        rounds = atoi(argv[3]);
        first = 4;
    }
    if (argc <= first || rounds < 1) {
        fprintf(stderr, "usage: bench_fetch INDEX [--rounds R] WORD...\n");
        return 2;
    }
    char err[NS_ERRBUF_SIZE];
    ns_index *idx;
    if (ns_index_open(&idx, argv[1], err, sizeof err)) {
        fprintf(stderr, "bench_fetch: %s\n", err);
        return 1;
    }
    double body_us = 0, snip_us = 0;
    size_t hits = 0;
    for (int a = first; a < argc; a++) {
        ns_query *q;
        ns_results *r;
        if (ns_query_parse(&q, idx, argv[a], strlen(argv[a]), NULL, err, sizeof err, NULL) ||
            ns_search(&r, idx, q, NULL)) {
            fprintf(stderr, "bench_fetch: %s: %s\n", argv[a], err);
            return 1;
        }
        for (size_t i = 0; i < ns_results_count(r); i++) {
            double best_b = 1e18, best_s = 1e18;
            for (int k = 0; k < rounds; k++) {
                char *body;
                size_t len;
                double t0 = cpu_us();
                int rc = ns_results_body(r, i, &body, &len);
                double t1 = cpu_us();
                if (rc) {
                    fprintf(stderr, "bench_fetch: body: %s\n", ns_index_errmsg(idx));
                    return 1;
                }
                ns_free(body);
                ns_snippet *s;
                double t2 = cpu_us();
                rc = ns_snippet_make(&s, idx, q, r, i, NULL);
                double t3 = cpu_us();
                if (rc) {
                    fprintf(stderr, "bench_fetch: snippet: %s\n", ns_index_errmsg(idx));
                    return 1;
                }
                ns_snippet_free(s);
                best_b = t1 - t0 < best_b ? t1 - t0 : best_b;
                best_s = t3 - t2 < best_s ? t3 - t2 : best_s;
            }
            body_us += best_b;
            snip_us += best_s;
            hits++;
        }
        ns_results_free(r);
        ns_query_free(q);
    }
    ns_index_close(idx);
    printf("%zu hits: body %.1f us per hit, snippet %.1f us per hit (best of %d)\n", hits,
           hits ? body_us / (double)hits : 0, hits ? snip_us / (double)hits : 0, rounds);
    return 0;
}
