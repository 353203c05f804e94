/* suggest.c — the cost of "did you mean" (ns_suggest, issue 13's target:
 * at most 1 ms per query at 50k documents).
 *
 *   bench_suggest INDEX LIST [ROUNDS]
 *
 * LIST is tests/data/misspellings.txt ("wrong right" per line). Opens INDEX,
 * times the first ns_suggest (which builds the list of the words sharing
 * the first misspelling's first letter: what a one-query process pays),
 * then every misspelt word and every right word
 * (a query that needs no suggestion) ROUNDS times (default 20), and prints
 * the mean and the 50th and 99th percentiles per query of each kind, and how
 * many misspellings got the right word. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "nsearch.h"

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void report(const char *what, double *t, size_t n)
{
    double sum = 0;
    for (size_t i = 0; i < n; i++)
        sum += t[i];
    qsort(t, n, sizeof *t, cmp_d);
    printf("%-12s %6zu queries  mean %.3f ms  p50 %.3f ms  p99 %.3f ms\n", what, n,
           sum / (double)n / 1000.0, t[n / 2] / 1000.0, t[(size_t)((double)n * 0.99)] / 1000.0);
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: bench_suggest INDEX LIST [ROUNDS]\n");
        return 2;
    }
    int rounds = argc > 3 ? atoi(argv[3]) : 20;
    FILE *f = fopen(argv[2], "r");
    if (!f) {
        perror(argv[2]);
        return 1;
    }
    char(*bad)[64] = NULL, (*good)[64] = NULL;
    size_t n = 0;
    char line[256];
    while (fgets(line, sizeof line, f)) {
        bad = realloc(bad, (n + 1) * sizeof *bad);
        good = realloc(good, (n + 1) * sizeof *good);
        if (!bad || !good)
            return 1;
        if (sscanf(line, "%63s %63s", bad[n], good[n]) == 2)
            n++;
    }
    fclose(f);
    char err[NS_ERRBUF_SIZE];
    ns_index *idx;
    double t0 = nb_now_us();
    if (ns_index_open(&idx, argv[1], err, sizeof err) != NS_OK) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    ns_stats st;
    if (ns_index_stats(idx, &st) != NS_OK)
        return 1;
    double t1 = nb_now_us();
    char *s = NULL;
    if (ns_suggest(&s, idx, bad[0], strlen(bad[0]), NULL) != NS_OK) {
        fprintf(stderr, "%s\n", ns_index_errmsg(idx));
        return 1;
    }
    double t2 = nb_now_us();
    ns_free(s);
    printf("index: %llu documents; open %.2f ms; first suggestion (builds one letter's word list) "
           "%.2f ms\n",
           (unsigned long long)st.documents, (t1 - t0) / 1000.0, (t2 - t1) / 1000.0);
    double *tb = malloc((size_t)rounds * n * sizeof *tb);
    double *tg = malloc((size_t)rounds * n * sizeof *tg);
    size_t right = 0, flagged = 0;
    for (int r = 0; r < rounds; r++)
        for (size_t i = 0; i < n; i++) {
            double a = nb_now_us();
            if (ns_suggest(&s, idx, bad[i], strlen(bad[i]), NULL) != NS_OK)
                return 1;
            double b = nb_now_us();
            tb[(size_t)r * n + i] = b - a;
            if (r == 0)
                right += s && !strcmp(s, good[i]);
            ns_free(s);
            a = nb_now_us();
            if (ns_suggest(&s, idx, good[i], strlen(good[i]), NULL) != NS_OK)
                return 1;
            b = nb_now_us();
            tg[(size_t)r * n + i] = b - a;
            if (r == 0)
                flagged += s != NULL;
            ns_free(s);
        }
    report("misspelt", tb, (size_t)rounds * n);
    report("right", tg, (size_t)rounds * n);
    printf("right suggestion for %zu of %zu misspellings; %zu of %zu right words got one\n", right,
           n, flagged, n);
    free(tb);
    free(tg);
    free(bad);
    free(good);
    ns_index_close(idx);
    return 0;
}
