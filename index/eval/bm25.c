/* bm25.c — BM25F's collection part (bm25.h). */
#include <math.h>

#include "eval/bm25.h"

double nsi_bm25_idf(uint64_t n, uint64_t df)
{
    double N = (double)n, d = (double)df;
    return log(1 + (N - d + 0.5) / (d + 0.5));
}
