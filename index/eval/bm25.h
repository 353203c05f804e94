/* bm25.h — BM25F over the title and body fields (internal to eval/).
 *
 *   w  = title_weight * tf_t / (1 - b + b * len_t / avg_t)
 *      +                tf_b / (1 - b + b * len_b / avg_b)
 *   s  = idf * w * (k1 + 1) / (w + k1),  idf = ln(1 + (N - df + 0.5) / (df + 0.5))
 *
 * with N and df counting every stored document (deleted ones until merged,
 * as Lucene does). A title:-restricted term uses the title part only. The
 * score is inline: it runs once per scored posting. */
#ifndef NSI_EVAL_BM25_H
#define NSI_EVAL_BM25_H

#include <stdint.h>

typedef struct nsi_bm25 {
    double k1, b, wt, avg_t, avg_b; /* wt: the title weight */
} nsi_bm25;

/* The score of a term with tf_t, tf_b occurrences in a document whose fields
 * are lt, lb tokens long. */
static inline double nsi_bm25f(const nsi_bm25 *sc, double idf, int title_only, uint32_t tft,
                               uint32_t tfb, uint32_t lt, uint32_t lb)
{
    double at = sc->avg_t > 0 ? sc->avg_t : 1, ab = sc->avg_b > 0 ? sc->avg_b : 1;
    double w = 0;
    if (tft)
        w += sc->wt * tft / (1 - sc->b + sc->b * lt / at);
    if (tfb && !title_only)
        w += tfb / (1 - sc->b + sc->b * lb / ab);
    return w > 0 ? idf * w * (sc->k1 + 1) / (w + sc->k1) : 0;
}

/* An upper bound made from a score computed on maxima (largest tf, shortest
 * field): rounding in the bound's arithmetic must never make it too low. */
static inline double nsi_bm25_margin(double v) { return v * (1 + 1e-9) + 1e-12; }

/* idf of a term in df of n documents. */
double nsi_bm25_idf(uint64_t n, uint64_t df);

#endif
