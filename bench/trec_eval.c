/* trec_eval.c — MAP, nDCG@10, P@10 and Recall@100 of a TREC run.
 *
 *   trec_eval [-q] QRELS RUN
 *
 * QRELS lines: "qid iter docno rel"; RUN lines: "qid Q0 docno rank score tag".
 * Output: "measure<TAB>qid|all<TAB>value", per query with -q.
 *
 * The definitions are those of NIST trec_eval 9.x (usnistgov/trec_eval),
 * invoked as `trec_eval -c -m map -m ndcg_cut.10 -m P.10 -m recall.100`:
 *  - A run is re-sorted by score, descending; ties are broken by docno in
 *    descending strcmp order (the rank column is ignored), as trec_eval does.
 *  - Relevant means rel >= 1. A document absent from the qrels is not relevant.
 *  - map: mean over queries of AP = (sum over relevant retrieved documents of
 *    the precision at their rank) / (number of relevant documents).
 *  - P.10: relevant documents in the first 10 / 10 (also when fewer came back).
 *  - recall.100: relevant documents in the first 100 / relevant documents.
 *  - ndcg_cut.10: DCG@10 / ideal DCG@10, with gain = the qrels relevance value
 *    (graded, e.g. 0..4 for Cranfield) and discount log2(rank + 1); the ideal
 *    ranking orders every judged document of the query by relevance.
 *  - Averages are over every query that has judgements (-c): a query missing
 *    from the run scores 0. Queries only in the run are ignored.
 * Duplicate documents within one query are an error, as in trec_eval.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct judg {
    char *qid, *docno;
    long rel;
} judg;

typedef struct ret {
    char *qid, *docno;
    double score;
} ret;

typedef struct table {
    void *v;
    size_t n, cap, size;
} table;

static void *grow(table *t)
{
    if (t->n == t->cap) {
        t->cap = t->cap ? 2 * t->cap : 1024;
        t->v = realloc(t->v, t->cap * t->size);
        if (!t->v) {
            fprintf(stderr, "trec_eval: out of memory\n");
            exit(2);
        }
    }
    return (char *)t->v + t->n++ * t->size;
}

static char *dup(const char *s)
{
    char *d = strdup(s);
    if (!d) {
        fprintf(stderr, "trec_eval: out of memory\n");
        exit(2);
    }
    return d;
}

static int read_qrels(const char *path, table *t)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        perror(path);
        return -1;
    }
    char q[256], it[64], d[256];
    long rel;
    int n;
    while ((n = fscanf(f, "%255s %63s %255s %ld", q, it, d, &rel)) == 4) {
        judg *j = grow(t);
        j->qid = dup(q);
        j->docno = dup(d);
        j->rel = rel;
    }
    fclose(f);
    if (n != EOF) {
        fprintf(stderr, "%s: malformed line after %zu judgements\n", path, t->n);
        return -1;
    }
    return 0;
}

static int read_run(const char *path, table *t)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        perror(path);
        return -1;
    }
    char q[256], it[64], d[256], tag[256];
    long rank;
    double score;
    int n;
    while ((n = fscanf(f, "%255s %63s %255s %ld %lf %255s", q, it, d, &rank, &score, tag)) == 6) {
        ret *r = grow(t);
        r->qid = dup(q);
        r->docno = dup(d);
        r->score = score;
    }
    fclose(f);
    if (n != EOF) {
        fprintf(stderr, "%s: malformed line after %zu results\n", path, t->n);
        return -1;
    }
    return 0;
}

static int cmp_judg(const void *a, const void *b)
{
    const judg *x = a, *y = b;
    int c = strcmp(x->qid, y->qid);
    return c ? c : strcmp(x->docno, y->docno);
}

/* trec_eval's order: query, then score descending, then docno descending. */
static int cmp_ret(const void *a, const void *b)
{
    const ret *x = a, *y = b;
    int c = strcmp(x->qid, y->qid);
    if (c)
        return c;
    if (x->score > y->score)
        return -1;
    if (x->score < y->score)
        return 1;
    return strcmp(y->docno, x->docno);
}

static int cmp_long_desc(const void *a, const void *b)
{
    long x = *(const long *)a, y = *(const long *)b;
    return x < y ? 1 : x > y ? -1 : 0;
}

typedef struct scores {
    double map, ndcg10, p10, recall100;
    long num_rel, num_ret, num_rel_ret;
} scores;

/* Relevance of docno within the judgements j[0..n) of one query, -1 if unjudged. */
static long lookup(const judg *j, size_t n, const char *docno)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t m = lo + (hi - lo) / 2;
        int c = strcmp(j[m].docno, docno);
        if (!c)
            return j[m].rel;
        if (c < 0)
            lo = m + 1;
        else
            hi = m;
    }
    return -1;
}

static int eval_query(const judg *j, size_t nj, const ret *r, size_t nr, scores *s)
{
    memset(s, 0, sizeof *s);
    long *ideal = malloc((nj ? nj : 1) * sizeof *ideal);
    if (!ideal)
        return -1;
    for (size_t i = 0; i < nj; i++) {
        ideal[i] = j[i].rel > 0 ? j[i].rel : 0;
        s->num_rel += j[i].rel >= 1;
    }
    qsort(ideal, nj, sizeof *ideal, cmp_long_desc);
    double idcg = 0, dcg = 0, ap = 0;
    for (size_t i = 0; i < nj && i < 10; i++)
        idcg += (double)ideal[i] / log2((double)i + 2);
    free(ideal);
    for (size_t i = 0; i < nr; i++) {
        for (size_t k = 0; k < i; k++)
            if (!strcmp(r[k].docno, r[i].docno)) {
                fprintf(stderr, "trec_eval: query %s: duplicate document %s\n", r[i].qid,
                        r[i].docno);
                return -1;
            }
        long rel = lookup(j, nj, r[i].docno);
        if (i < 10 && rel > 0)
            dcg += (double)rel / log2((double)i + 2);
        if (rel >= 1) {
            s->num_rel_ret++;
            ap += (double)s->num_rel_ret / (double)(i + 1);
            if (i < 10)
                s->p10 += 1;
            if (i < 100)
                s->recall100 += 1;
        }
    }
    s->num_ret = (long)nr;
    s->p10 /= 10;
    s->map = s->num_rel ? ap / (double)s->num_rel : 0;
    s->recall100 = s->num_rel ? s->recall100 / (double)s->num_rel : 0;
    s->ndcg10 = idcg > 0 ? dcg / idcg : 0;
    return 0;
}

static void print_scores(const char *q, const scores *s, int with_counts)
{
    printf("map\t%s\t%.4f\n", q, s->map);
    printf("ndcg_cut_10\t%s\t%.4f\n", q, s->ndcg10);
    printf("P_10\t%s\t%.4f\n", q, s->p10);
    printf("recall_100\t%s\t%.4f\n", q, s->recall100);
    if (with_counts) {
        printf("num_ret\t%s\t%ld\n", q, s->num_ret);
        printf("num_rel\t%s\t%ld\n", q, s->num_rel);
        printf("num_rel_ret\t%s\t%ld\n", q, s->num_rel_ret);
    }
}

int main(int argc, char **argv)
{
    int per_query = argc > 1 && !strcmp(argv[1], "-q");
    if (argc != 3 + per_query) {
        fprintf(stderr, "usage: trec_eval [-q] QRELS RUN\n");
        return 2;
    }
    table qrels = {.size = sizeof(judg)}, run = {.size = sizeof(ret)};
    if (read_qrels(argv[1 + per_query], &qrels) || read_run(argv[2 + per_query], &run))
        return 2;
    judg *J = qrels.v;
    ret *R = run.v;
    qsort(J, qrels.n, sizeof *J, cmp_judg);
    qsort(R, run.n, sizeof *R, cmp_ret);
    for (size_t i = 1; i < qrels.n; i++)
        if (!cmp_judg(&J[i - 1], &J[i])) {
            fprintf(stderr, "trec_eval: query %s: document %s judged twice\n", J[i].qid,
                    J[i].docno);
            return 2;
        }
    scores sum = {0};
    long nq = 0;
    size_t ri = 0;
    for (size_t a = 0; a < qrels.n;) {
        size_t b = a;
        while (b < qrels.n && !strcmp(J[b].qid, J[a].qid))
            b++;
        while (ri < run.n && strcmp(R[ri].qid, J[a].qid) < 0)
            ri++;
        size_t re = ri;
        while (re < run.n && !strcmp(R[re].qid, J[a].qid))
            re++;
        scores s;
        if (eval_query(J + a, b - a, R + ri, re - ri, &s))
            return 2;
        if (per_query)
            print_scores(J[a].qid, &s, 1);
        sum.map += s.map;
        sum.ndcg10 += s.ndcg10;
        sum.p10 += s.p10;
        sum.recall100 += s.recall100;
        sum.num_rel += s.num_rel;
        sum.num_ret += s.num_ret;
        sum.num_rel_ret += s.num_rel_ret;
        nq++;
        ri = re;
        a = b;
    }
    printf("num_q\tall\t%ld\n", nq);
    if (nq) {
        sum.map /= (double)nq;
        sum.ndcg10 /= (double)nq;
        sum.p10 /= (double)nq;
        sum.recall100 /= (double)nq;
    }
    print_scores("all", &sum, 1);
    for (size_t i = 0; i < qrels.n; i++) {
        free(J[i].qid);
        free(J[i].docno);
    }
    for (size_t i = 0; i < run.n; i++) {
        free(R[i].qid);
        free(R[i].docno);
    }
    free(J);
    free(R);
    return 0;
}
