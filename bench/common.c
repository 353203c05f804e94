/* common.c — corpus loading, query files, the timing loop and the driver
 * command line shared by every engine (see common.h for why it is shared). */
#include "common.h"

#include <errno.h>
#include <ftw.h>
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <zlib.h>

/* ------------------------------------------------------------ utilities */

double nb_now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

double nb_thread_cpu_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

long nb_maxrss_kb(void)
{
    struct rusage ru;
    if (getrusage(RUSAGE_SELF, &ru))
        return -1;
    return ru.ru_maxrss;
}

static double cpu_seconds(void)
{
    struct rusage ru;
    if (getrusage(RUSAGE_SELF, &ru))
        return 0;
    return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
           (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

uint64_t nb_file_size(const char *path)
{
    struct stat st;
    return stat(path, &st) ? 0 : (uint64_t)st.st_size;
}

static uint64_t dir_total;

static int add_size(const char *path, const struct stat *st, int type, struct FTW *f)
{
    (void)path;
    (void)f;
    if (type == FTW_F)
        dir_total += (uint64_t)st->st_size;
    return 0;
}

uint64_t nb_dir_size(const char *path)
{
    dir_total = 0;
    if (nftw(path, add_size, 16, FTW_PHYS))
        return nb_file_size(path);
    return dir_total;
}

static int rm_one(const char *path, const struct stat *st, int type, struct FTW *f)
{
    (void)st;
    (void)type;
    (void)f;
    return remove(path);
}

int nb_rm_rf(const char *path)
{
    struct stat st;
    if (lstat(path, &st))
        return errno == ENOENT ? 0 : -1;
    return nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

uint64_t nb_rng_next(nb_rng *r)
{
    uint64_t z = (r->s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

uint64_t nb_rng_below(nb_rng *r, uint64_t n) { return n ? nb_rng_next(r) % n : 0; }

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

void nb_sort_doubles(double *v, size_t n) { qsort(v, n, sizeof *v, cmp_double); }

double nb_percentile(const double *sorted, size_t n, double p)
{
    if (n == 0)
        return 0;
    double rank = p / 100.0 * (double)(n - 1);
    size_t lo = (size_t)rank;
    if (lo + 1 >= n)
        return sorted[n - 1];
    double f = rank - (double)lo;
    return sorted[lo] + f * (sorted[lo + 1] - sorted[lo]);
}

static void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p) {
        fprintf(stderr, "out of memory (%zu bytes)\n", n);
        exit(2);
    }
    return p;
}

static void *xrealloc(void *p, size_t n)
{
    p = realloc(p, n ? n : 1);
    if (!p) {
        fprintf(stderr, "out of memory (%zu bytes)\n", n);
        exit(2);
    }
    return p;
}

static char *xstrdup(const char *s)
{
    size_t n = strlen(s) + 1;
    return memcpy(xmalloc(n), s, n);
}

/* ------------------------------------------------------------ corpus */

#define ARENA_BLOCK (8u << 20)

static char *arena_put(nb_corpus *c, const char *s, size_t n)
{
    if (!c->nblocks || c->block_used + n + 1 > c->block_cap) {
        size_t cap = n + 1 > ARENA_BLOCK ? n + 1 : ARENA_BLOCK;
        if (c->nblocks == c->capblocks) {
            c->capblocks = c->capblocks ? 2 * c->capblocks : 16;
            c->blocks = xrealloc(c->blocks, c->capblocks * sizeof *c->blocks);
        }
        c->blocks[c->nblocks++] = xmalloc(cap);
        c->block_used = 0;
        c->block_cap = cap;
    }
    char *p = c->blocks[c->nblocks - 1] + c->block_used;
    memcpy(p, s, n);
    p[n] = 0;
    c->block_used += n + 1;
    return p;
}

/* The corpus label: the name of the directory holding the file. */
static void corpus_label(const char *path, char *out, size_t cap)
{
    const char *end = strrchr(path, '/');
    if (!end) {
        snprintf(out, cap, "corpus");
        return;
    }
    const char *start = end;
    while (start > path && start[-1] != '/')
        start--;
    snprintf(out, cap, "%.*s", (int)(end - start), start);
}

/* Reads one whole line of any length; returns its length or -1 at EOF. */
static long read_line(gzFile f, char **buf, size_t *cap)
{
    size_t len = 0;
    if (!*buf) {
        *cap = 1 << 16;
        *buf = xmalloc(*cap);
    }
    for (;;) {
        if (!gzgets(f, *buf + len, (int)(*cap - len)))
            return len ? (long)len : -1;
        len += strlen(*buf + len);
        if (len && (*buf)[len - 1] == '\n')
            return (long)len;
        if (len + 1 >= *cap) {
            *cap *= 2;
            *buf = xrealloc(*buf, *cap);
        }
    }
}

static const char *json_str(json_object *o, const char *key, size_t *len)
{
    json_object *v;
    if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string)) {
        *len = 0;
        return "";
    }
    *len = (size_t)json_object_get_string_len(v);
    return json_object_get_string(v);
}

static int load_file(nb_corpus *c, const char *path, int prefix)
{
    gzFile f = gzopen(path, "rb");
    if (!f) {
        fprintf(stderr, "%s: cannot open: %s\n", path, strerror(errno));
        return -1;
    }
    gzbuffer(f, 1 << 17);
    char label[256], *line = NULL, idbuf[512];
    size_t cap = 0, capdocs = c->n;
    long len;
    unsigned long lineno = 0;
    corpus_label(path, label, sizeof label);
    while ((len = read_line(f, &line, &cap)) >= 0) {
        lineno++;
        if (len <= 1)
            continue;
        json_object *o = json_tokener_parse(line);
        if (!o || !json_object_is_type(o, json_type_object)) {
            fprintf(stderr, "%s:%lu: not a JSON object\n", path, lineno);
            json_object_put(o);
            free(line);
            gzclose(f);
            return -1;
        }
        size_t idl, tl, bl;
        const char *id = json_str(o, "id", &idl);
        const char *title = json_str(o, "title", &tl);
        const char *body = json_str(o, "body", &bl);
        if (c->n == capdocs) {
            capdocs = capdocs ? 2 * capdocs : 4096;
            c->docs = xrealloc(c->docs, capdocs * sizeof *c->docs);
        }
        nb_doc *d = &c->docs[c->n++];
        if (prefix) {
            int n = snprintf(idbuf, sizeof idbuf, "%s:%.*s", label, (int)idl, id);
            d->id = arena_put(c, idbuf, (size_t)n < sizeof idbuf ? (size_t)n : sizeof idbuf - 1);
        } else {
            d->id = arena_put(c, id, idl);
        }
        d->title = arena_put(c, title, tl);
        d->title_len = tl;
        d->body = arena_put(c, body, bl);
        d->body_len = bl;
        c->text_bytes += tl + bl;
        json_object_put(o);
    }
    free(line);
    gzclose(f);
    return 0;
}

int nb_corpus_load(nb_corpus *c, char **paths, size_t npaths)
{
    memset(c, 0, sizeof *c);
    for (size_t i = 0; i < npaths; i++)
        if (load_file(c, paths[i], npaths > 1))
            return -1;
    return 0;
}

void nb_corpus_free(nb_corpus *c)
{
    for (size_t i = 0; i < c->nblocks; i++)
        free(c->blocks[i]);
    free(c->blocks);
    free(c->docs);
    memset(c, 0, sizeof *c);
}

/* ------------------------------------------------------------ queries */

int nb_kind_from_name(const char *name, nb_qkind *out)
{
    static const struct {
        const char *prefix;
        nb_qkind kind;
    } map[] = {{"andnot", NB_Q_ANDNOT}, {"and", NB_Q_AND},       {"or", NB_Q_OR},
               {"phrase", NB_Q_PHRASE}, {"prefix", NB_Q_PREFIX}, {"trec", NB_Q_OR}};
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (!strncmp(name, map[i].prefix, strlen(map[i].prefix))) {
            *out = map[i].kind;
            return 0;
        }
    return -1;
}

/* Appends s to a growing string. */
static void cat(char **buf, size_t *len, size_t *cap, const char *s)
{
    size_t n = strlen(s);
    if (*len + n + 1 > *cap) {
        *cap = (*len + n + 1) * 2;
        *buf = xrealloc(*buf, *cap);
    }
    memcpy(*buf + *len, s, n + 1);
    *len += n;
}

/* Syntax per engine (query type -> joiner, negation, phrase quoting):
 *   AND:    nsearch "a b"     Xapian "a b" (default op AND)  FTS5 "a AND b"
 *   OR:     "a OR b OR c" everywhere
 *   PHRASE: "\"a b\"" everywhere
 *   ANDNOT: nsearch "a -b"    Xapian "a -b" (FLAG_LOVEHATE)   FTS5 "a NOT b"
 *   PREFIX: "pre*" everywhere */
char *nb_translate(nb_syntax syn, nb_qkind kind, const char *words)
{
    char *out = NULL, *copy = xstrdup(words), *save = NULL;
    size_t len = 0, cap = 0;
    cat(&out, &len, &cap, kind == NB_Q_PHRASE ? "\"" : "");
    int i = 0;
    for (char *w = strtok_r(copy, " ", &save); w; w = strtok_r(NULL, " ", &save), i++) {
        if (i > 0) {
            switch (kind) {
            case NB_Q_AND:
                cat(&out, &len, &cap, syn == NB_SYN_FTS5 ? " AND " : " ");
                break;
            case NB_Q_OR:
                cat(&out, &len, &cap, " OR ");
                break;
            case NB_Q_ANDNOT:
                cat(&out, &len, &cap, syn == NB_SYN_FTS5 ? " NOT " : " -");
                break;
            default:
                cat(&out, &len, &cap, " ");
            }
        }
        cat(&out, &len, &cap, w);
    }
    cat(&out, &len, &cap, kind == NB_Q_PHRASE ? "\"" : kind == NB_Q_PREFIX ? "*" : "");
    free(copy);
    return out;
}

int nb_qset_load(nb_qset *s, const char *name, const char *path, nb_syntax syn)
{
    memset(s, 0, sizeof *s);
    if (nb_kind_from_name(name, &s->kind)) {
        fprintf(stderr, "%s: unknown query type (and*, or*, phrase*, andnot*, prefix*, trec*)\n",
                name);
        return -1;
    }
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "%s: cannot open: %s\n", path, strerror(errno));
        return -1;
    }
    s->name = xstrdup(name);
    char *line = NULL;
    size_t cap = 0, capq = 0;
    ssize_t len;
    while ((len = getline(&line, &cap, f)) > 0) {
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            line[--len] = 0;
        char *tab = strchr(line, '\t');
        if (!tab || line[0] == '#')
            continue;
        *tab = 0;
        char *words = tab + 1, *tab2 = strchr(words, '\t');
        if (tab2)
            *tab2 = 0;
        if (!*words)
            continue;
        if (s->n == capq) {
            capq = capq ? 2 * capq : 256;
            s->q = xrealloc(s->q, capq * sizeof *s->q);
        }
        nb_query *q = &s->q[s->n++];
        q->qid = xstrdup(line);
        q->words = xstrdup(words);
        q->tag = xstrdup(tab2 ? tab2 + 1 : "");
        q->text = nb_translate(syn, s->kind, words);
    }
    free(line);
    fclose(f);
    return 0;
}

void nb_qset_free(nb_qset *s)
{
    for (size_t i = 0; i < s->n; i++) {
        free(s->q[i].qid);
        free(s->q[i].words);
        free(s->q[i].tag);
        free(s->q[i].text);
    }
    free(s->q);
    free(s->name);
    memset(s, 0, sizeof *s);
}

/* ------------------------------------------------------------ driver CLI */

typedef struct opts {
    const char *index, *out, *counts, *raw, *label, *run, *tag, *exclude;
    int repeats;
    char **args;
    int nargs;
} opts;

static const char *mode_name[] = {"COUNT", "TOP_10", "TOP_10_SNIPPET", "TREC"};

static void usage(const char *prog)
{
    fprintf(stderr,
            "usage: %s build  --index P --out results.csv [--label L] CORPUS.jsonl[.gz]...\n"
            "       %s search --index P --out results.csv --counts counts.tsv [--raw raw.csv]\n"
            "                 [--repeats R] [--exclude TYPE_QID.tsv] TYPE=QUERIES.tsv...\n"
            "                 (--repeats 0: only the untimed pass that records results)\n"
            "       %s trec   --index P --run out.run [--tag T] QUERIES.tsv\n"
            "       %s one    --index P TYPE=QUERIES.tsv QID   (bench_fresh: one query,\n"
            "                 top 10 with snippets, then exit)\n"
            "       %s text   TYPE=QUERIES.tsv   (each query in this engine's syntax)\n",
            prog, prog, prog, prog, prog);
}

static int parse_opts(int argc, char **argv, opts *o)
{
    memset(o, 0, sizeof *o);
    o->repeats = 5;
    o->label = "corpus";
    o->args = xmalloc((size_t)argc * sizeof *o->args);
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i];
        const char **slot = !strcmp(a, "--index")     ? &o->index
                            : !strcmp(a, "--out")     ? &o->out
                            : !strcmp(a, "--counts")  ? &o->counts
                            : !strcmp(a, "--raw")     ? &o->raw
                            : !strcmp(a, "--label")   ? &o->label
                            : !strcmp(a, "--run")     ? &o->run
                            : !strcmp(a, "--tag")     ? &o->tag
                            : !strcmp(a, "--exclude") ? &o->exclude
                                                      : NULL;
        if (slot || !strcmp(a, "--repeats")) {
            if (i + 1 >= argc) {
                fprintf(stderr, "%s needs a value\n", a);
                return -1;
            }
            if (slot)
                *slot = argv[++i];
            else
                o->repeats = atoi(argv[++i]);
        } else if (a[0] == '-' && a[1] == '-') {
            fprintf(stderr, "unknown option %s\n", a);
            return -1;
        } else {
            o->args[o->nargs++] = argv[i];
        }
    }
    if ((!o->index && strcmp(argv[1], "text") != 0) || o->repeats < 0) {
        fprintf(stderr, "--index is required and --repeats must be >= 0\n");
        return -1;
    }
    return 0;
}

static FILE *open_append(const char *path)
{
    FILE *f = fopen(path, "a");
    if (!f)
        fprintf(stderr, "%s: cannot open: %s\n", path, strerror(errno));
    return f;
}

static void csv(FILE *f, const nb_engine *e, const char *qtype, const char *mode,
                const char *metric, double v)
{
    if (v == (double)(long long)v && v < 1e15 && v > -1e15)
        fprintf(f, "%s,%s,%s,%s,%lld\n", e->name, qtype, mode, metric, (long long)v);
    else
        fprintf(f, "%s,%s,%s,%s,%.6g\n", e->name, qtype, mode, metric, v);
}

static void csv_s(FILE *f, const nb_engine *e, const char *qtype, const char *mode,
                  const char *metric, const char *v)
{
    fprintf(f, "%s,%s,%s,%s,%s\n", e->name, qtype, mode, metric, v);
}

static void write_info(FILE *f, nb_engine *e)
{
    csv_s(f, e, "info", "-", "version", e->version(e->ctx));
    csv_s(f, e, "info", "-", "settings", e->settings);
}

static int cmd_build(nb_engine *e, const opts *o)
{
    if (!o->out || o->nargs < 1) {
        fprintf(stderr, "build needs --out and at least one corpus file\n");
        return 2;
    }
    nb_corpus c;
    double t0 = nb_now_us();
    if (nb_corpus_load(&c, o->args, (size_t)o->nargs))
        return 2;
    double load_us = nb_now_us() - t0;
    long rss_corpus = nb_maxrss_kb();
    char err[512] = "", idpath[4096];
    snprintf(idpath, sizeof idpath, "%s.ids", o->index);
    FILE *ids = fopen(idpath, "w");
    if (!ids) {
        fprintf(stderr, "%s: cannot write: %s\n", idpath, strerror(errno));
        return 2;
    }
    for (size_t i = 0; i < c.n; i++)
        fprintf(ids, "%s\n", c.docs[i].id);
    fclose(ids);

    double cpu0 = cpu_seconds(), b0 = nb_now_us();
    int rc = e->build(e->ctx, o->index, &c, err, sizeof err);
    double b1 = nb_now_us(), cpu1 = cpu_seconds();
    if (rc) {
        fprintf(stderr, "%s: build failed: %s\n", e->name, err);
        return 1;
    }
    double o0 = nb_now_us();
    if (e->optimize && (rc = e->optimize(e->ctx, o->index, err, sizeof err))) {
        fprintf(stderr, "%s: optimize failed: %s\n", e->name, err);
        return 1;
    }
    double o1 = nb_now_us(), cpu2 = cpu_seconds();
    long rss_peak = nb_maxrss_kb();

    FILE *f = open_append(o->out);
    if (!f)
        return 2;
    write_info(f, e);
    const char *L = o->label;
    double mb = (double)c.text_bytes / 1e6, bs = (b1 - b0) / 1e6, os = (o1 - o0) / 1e6;
    csv(f, e, "build", L, "docs", (double)c.n);
    csv(f, e, "build", L, "text_mb", mb);
    csv(f, e, "build", L, "load_s", load_us / 1e6);
    csv(f, e, "build", L, "build_s", bs);
    csv(f, e, "build", L, "build_cpu_s", cpu1 - cpu0);
    csv(f, e, "build", L, "optimize_s", os);
    csv(f, e, "build", L, "total_s", bs + os);
    csv(f, e, "build", L, "total_cpu_s", cpu2 - cpu0);
    csv(f, e, "build", L, "docs_per_s", (double)c.n / (bs + os));
    csv(f, e, "build", L, "mb_per_s", mb / (bs + os));
    csv(f, e, "build", L, "mb_per_s_no_optimize", mb / bs);
    csv(f, e, "build", L, "rss_corpus_kb", (double)rss_corpus);
    csv(f, e, "build", L, "rss_peak_kb", (double)rss_peak);
    csv(f, e, "build", L, "rss_engine_kb", (double)(rss_peak - rss_corpus));
    nb_size sz[16];
    size_t nsz = e->sizes(e->ctx, o->index, sz, 16);
    for (size_t i = 0; i < nsz; i++) {
        char m[128];
        snprintf(m, sizeof m, "size_%s", sz[i].component);
        csv(f, e, "build", L, m, (double)sz[i].bytes);
        if (!strcmp(sz[i].component, "total"))
            csv(f, e, "build", L, "size_over_text", (double)sz[i].bytes / (double)c.text_bytes);
    }
    fclose(f);
    fprintf(stderr, "%s: built %zu docs (%.1f MB) in %.2f s + optimize %.2f s; peak RSS %ld MB\n",
            e->name, c.n, mb, bs, os, rss_peak / 1024);
    nb_corpus_free(&c);
    return 0;
}

static char **load_ids(const char *index, size_t *n)
{
    char path[4096], *line = NULL;
    size_t cap = 0, capids = 0;
    ssize_t len;
    snprintf(path, sizeof path, "%s.ids", index);
    FILE *f = fopen(path, "r");
    *n = 0;
    if (!f)
        return NULL;
    char **ids = NULL;
    while ((len = getline(&line, &cap, f)) > 0) {
        if (line[len - 1] == '\n')
            line[len - 1] = 0;
        if (*n == capids) {
            capids = capids ? 2 * capids : 4096;
            ids = xrealloc(ids, capids * sizeof *ids);
        }
        ids[(*n)++] = xstrdup(line);
    }
    free(line);
    fclose(f);
    return ids;
}

static int cmp_times(const void *a, const void *b) { return cmp_double(a, b); }

/* The timing loop for one query set and one mode. Warm-up pass first (its
 * results are what the correctness gate compares), then `repeats` passes in a
 * shuffled order; a query's time is the median of its passes. */
/* Queries that failed the correctness gate: "type<TAB>qid" lines. Their
 * timings would be void, so they are not timed at all. */
typedef struct excl {
    char **key;
    size_t n;
} excl;

static void excl_load(excl *x, const char *path)
{
    memset(x, 0, sizeof *x);
    if (!path)
        return;
    FILE *f = fopen(path, "r");
    if (!f)
        return;
    char *line = NULL;
    size_t cap = 0, capk = 0;
    ssize_t len;
    while ((len = getline(&line, &cap, f)) > 0) {
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            line[--len] = 0;
        if (x->n == capk) {
            capk = capk ? 2 * capk : 64;
            x->key = xrealloc(x->key, capk * sizeof *x->key);
        }
        x->key[x->n++] = xstrdup(line);
    }
    free(line);
    fclose(f);
}

static int excl_has(const excl *x, const char *type, const char *qid)
{
    size_t tl = strlen(type);
    for (size_t i = 0; i < x->n; i++)
        if (!strncmp(x->key[i], type, tl) && x->key[i][tl] == '\t' &&
            !strcmp(x->key[i] + tl + 1, qid))
            return 1;
    return 0;
}

static void excl_free(excl *x)
{
    for (size_t i = 0; i < x->n; i++)
        free(x->key[i]);
    free(x->key);
}

static const char *hit_id(const nb_hit *h, char **ids, size_t nids)
{
    return h->id ? h->id : h->ord < nids ? ids[h->ord] : "?";
}

static int time_set(nb_engine *e, const opts *o, nb_qset *s, nb_mode mode, FILE *out, FILE *counts,
                    FILE *raw, nb_out *res, char **ids, size_t nids, const excl *ex)
{
    size_t n = s->n, R = (size_t)o->repeats;
    double *t = xmalloc(n * R * sizeof *t), *med = xmalloc(n * sizeof *med);
    double *cpu = xmalloc(n * R * sizeof *cpu), *cmed = xmalloc(n * sizeof *cmed);
    int64_t *result = xmalloc(n * sizeof *result);
    size_t *order = xmalloc(n * sizeof *order);
    unsigned char *bad = calloc(n ? n : 1, 1);
    size_t errors = 0, inexact = 0, excluded = 0;
    double matches = 0, snip_bytes = 0, snip_hits = 0;
    for (size_t i = 0; i < n; i++) {
        memset(res, 0, offsetof(nb_out, hits));
        res->err[0] = 0;
        if (e->run(e->ctx, mode, s->q[i].text, res)) {
            bad[i] = 1;
            errors++;
            result[i] = -1;
            fprintf(stderr, "%s %s %s q%s [%s]: %s\n", e->name, s->name, mode_name[mode],
                    s->q[i].qid, s->q[i].text, res->err);
        } else {
            result[i] = (int64_t)res->count;
            matches += (double)res->count;
            snip_bytes += (double)res->snippet_bytes;
            snip_hits += (double)res->nhits;
            inexact += res->inexact != 0;
        }
        if (counts && mode == NB_COUNT)
            fprintf(counts, "%s\t%s\t%lld\t%s\n", s->name, s->q[i].qid, (long long)result[i],
                    res->inexact ? "estimate" : "exact");
        if (counts && mode == NB_TOP10 && !bad[i]) {
            fprintf(counts, "%s.top10\t%s\t", s->name, s->q[i].qid);
            for (size_t h = 0; h < res->nhits; h++)
                fprintf(counts, "%s%s", h ? " " : "", hit_id(&res->hits[h], ids, nids));
            fputc('\n', counts);
        }
    }
    for (size_t i = 0; i < n; i++)
        if (!bad[i] && excl_has(ex, s->name, s->q[i].qid)) {
            bad[i] = 2;
            excluded++;
        }
    if (R == 0)
        goto out;
    nb_rng rng = {0x5eed0000u + (uint64_t)mode};
    for (size_t r = 0; r < R; r++) {
        for (size_t i = 0; i < n; i++)
            order[i] = i;
        for (size_t i = n; i > 1; i--) {
            size_t j = (size_t)nb_rng_below(&rng, i), tmp = order[i - 1];
            order[i - 1] = order[j];
            order[j] = tmp;
        }
        for (size_t k = 0; k < n; k++) {
            size_t i = order[k];
            if (bad[i])
                continue;
            res->count = 0;
            res->nhits = 0;
            res->inexact = 0;
            res->snippet_bytes = 0;
            res->err[0] = 0;
            /* the CPU clock is read outside the wall-clock interval, so its own
             * cost (a system call) never enters the wall time */
            double c0 = nb_thread_cpu_us(), t0 = nb_now_us();
            int rc = e->run(e->ctx, mode, s->q[i].text, res);
            double t1 = nb_now_us();
            t[i * R + r] = t1 - t0;
            cpu[i * R + r] = nb_thread_cpu_us() - c0;
            if (rc) {
                fprintf(stderr, "%s: q%s failed on repeat: %s\n", e->name, s->q[i].qid, res->err);
                bad[i] = 1;
                errors++;
            }
        }
    }
    size_t m = 0;
    double sum = 0, csum = 0;
    for (size_t i = 0; i < n; i++) {
        if (bad[i])
            continue;
        qsort(t + i * R, R, sizeof *t, cmp_times);
        qsort(cpu + i * R, R, sizeof *cpu, cmp_times);
        double v = nb_percentile(t + i * R, R, 50);
        cmed[m] = nb_percentile(cpu + i * R, R, 50);
        csum += cmed[m];
        if (raw)
            fprintf(raw, "%s,%s,%s,%s,%.3f,%.3f,%lld\n", e->name, s->name, mode_name[mode],
                    s->q[i].qid, v, t[i * R], (long long)result[i]);
        med[m++] = v;
        sum += v;
    }
    nb_sort_doubles(med, m);
    nb_sort_doubles(cmed, m);
    const char *M = mode_name[mode];
    csv(out, e, s->name, M, "queries", (double)m);
    csv(out, e, s->name, M, "errors", (double)errors);
    csv(out, e, s->name, M, "excluded", (double)excluded);
    if (mode == NB_COUNT) {
        csv(out, e, s->name, M, "inexact", (double)inexact);
        csv(out, e, s->name, M, "mean_matches", n > errors ? matches / (double)(n - errors) : 0);
    }
    if (mode == NB_SNIPPET)
        csv(out, e, s->name, M, "snippet_bytes_per_hit", snip_hits ? snip_bytes / snip_hits : 0);
    if (m) {
        double mean = sum / (double)m;
        csv(out, e, s->name, M, "mean_us", mean);
        csv(out, e, s->name, M, "p50_us", nb_percentile(med, m, 50));
        csv(out, e, s->name, M, "p95_us", nb_percentile(med, m, 95));
        csv(out, e, s->name, M, "p99_us", nb_percentile(med, m, 99));
        csv(out, e, s->name, M, "max_us", med[m - 1]);
        csv(out, e, s->name, M, "qps", mean > 0 ? 1e6 / mean : 0);
        csv(out, e, s->name, M, "cpu_mean_us", csum / (double)m);
        csv(out, e, s->name, M, "cpu_p50_us", nb_percentile(cmed, m, 50));
        csv(out, e, s->name, M, "cpu_p99_us", nb_percentile(cmed, m, 99));
    }
    fflush(out);
out:
    free(t);
    free(med);
    free(cpu);
    free(cmed);
    free(result);
    free(order);
    free(bad);
    return 0;
}

static int cmd_search(nb_engine *e, const opts *o)
{
    if (!o->out || !o->counts || o->nargs < 1) {
        fprintf(stderr, "search needs --out, --counts and TYPE=FILE arguments\n");
        return 2;
    }
    nb_qset *sets = xmalloc((size_t)o->nargs * sizeof *sets);
    for (int i = 0; i < o->nargs; i++) {
        char *arg = xstrdup(o->args[i]), *eq = strchr(arg, '=');
        if (!eq) {
            fprintf(stderr, "%s: expected TYPE=FILE\n", arg);
            return 2;
        }
        *eq = 0;
        if (nb_qset_load(&sets[i], arg, eq + 1, e->syntax))
            return 2;
        free(arg);
    }
    FILE *out = open_append(o->out), *counts = fopen(o->counts, "w");
    FILE *raw = o->raw ? open_append(o->raw) : NULL;
    if (!out || !counts || (o->raw && !raw))
        return 2;
    char err[512] = "";
    nb_out *res = xmalloc(sizeof *res);
    size_t nids;
    char **ids = load_ids(o->index, &nids);
    double t0 = nb_now_us();
    if (e->open(e->ctx, o->index, err, sizeof err)) {
        fprintf(stderr, "%s: open %s: %s\n", e->name, o->index, err);
        return 1;
    }
    double t1 = nb_now_us();
    /* start-up: open plus the first query of the first set */
    memset(res, 0, sizeof *res);
    if (sets[0].n)
        e->run(e->ctx, NB_TOP10, sets[0].q[0].text, res);
    double t2 = nb_now_us();
    write_info(out, e);
    csv(out, e, "search", "-", "open_us", t1 - t0);
    csv(out, e, "search", "-", "first_result_us", t2 - t0);
    csv(out, e, "search", "-", "repeats", (double)o->repeats);
    excl ex;
    excl_load(&ex, o->exclude);
    int nmodes = o->repeats ? NB_NMODES : NB_TOP10 + 1;
    for (int i = 0; i < o->nargs; i++)
        for (int mode = 0; mode < nmodes; mode++) {
            fprintf(stderr, "%s: %s %s (%zu queries x %d)\n", e->name, sets[i].name,
                    mode_name[mode], sets[i].n, o->repeats);
            time_set(e, o, &sets[i], (nb_mode)mode, out, counts, raw, res, ids, nids, &ex);
        }
    csv(out, e, "search", "-", "rss_peak_kb", (double)nb_maxrss_kb());
    e->close(e->ctx);
    fclose(out);
    fclose(counts);
    if (raw)
        fclose(raw);
    for (int i = 0; i < o->nargs; i++)
        nb_qset_free(&sets[i]);
    for (size_t i = 0; i < nids; i++)
        free(ids[i]);
    free(ids);
    excl_free(&ex);
    free(sets);
    free(res);
    return 0;
}

static int cmd_trec(nb_engine *e, const opts *o)
{
    if (!o->run || o->nargs != 1) {
        fprintf(stderr, "trec needs --run and one queries file\n");
        return 2;
    }
    nb_qset s;
    if (nb_qset_load(&s, "trec", o->args[0], e->syntax))
        return 2;
    size_t nids;
    char **ids = load_ids(o->index, &nids), err[512] = "";
    FILE *run = fopen(o->run, "w");
    if (!run)
        return 2;
    if (e->open(e->ctx, o->index, err, sizeof err)) {
        fprintf(stderr, "%s: open %s: %s\n", e->name, o->index, err);
        return 1;
    }
    nb_out *res = xmalloc(sizeof *res);
    int status = 0;
    for (size_t i = 0; i < s.n; i++) {
        memset(res, 0, sizeof *res);
        if (e->run(e->ctx, NB_TREC, s.q[i].text, res)) {
            fprintf(stderr, "%s: trec q%s: %s\n", e->name, s.q[i].qid, res->err);
            status = 1;
            continue;
        }
        for (size_t h = 0; h < res->nhits; h++)
            fprintf(run, "%s Q0 %s %zu %.9f %s\n", s.q[i].qid, hit_id(&res->hits[h], ids, nids),
                    h + 1, res->hits[h].score, o->tag ? o->tag : e->name);
    }
    e->close(e->ctx);
    fclose(run);
    for (size_t i = 0; i < nids; i++)
        free(ids[i]);
    free(ids);
    free(res);
    nb_qset_free(&s);
    return status;
}

/* Splits "TYPE=PATH" and loads it; returns 0 or -1 with a message. */
static int load_typed(nb_qset *s, const char *arg, nb_syntax syn)
{
    const char *eq = strchr(arg, '=');
    if (!eq) {
        fprintf(stderr, "expected TYPE=QUERIES.tsv, got %s\n", arg);
        return -1;
    }
    char *type = xmalloc((size_t)(eq - arg) + 1);
    memcpy(type, arg, (size_t)(eq - arg));
    type[eq - arg] = '\0';
    int rc = nb_qset_load(s, type, eq + 1, syn);
    free(type);
    return rc ? -1 : 0;
}

/* one: a whole process for one query, as a user's search from a shell
 * (bench_fresh times it): open, top 10 with snippets, print, exit. */
static int cmd_one(nb_engine *e, const opts *o)
{
    if (o->nargs != 2) {
        fprintf(stderr, "one needs TYPE=QUERIES.tsv and a query id\n");
        return 2;
    }
    nb_qset s;
    if (load_typed(&s, o->args[0], e->syntax))
        return 2;
    const nb_query *q = NULL;
    for (size_t i = 0; i < s.n && !q; i++)
        if (!strcmp(s.q[i].qid, o->args[1]))
            q = &s.q[i];
    if (!q) {
        fprintf(stderr, "%s: no query %s\n", o->args[0], o->args[1]);
        nb_qset_free(&s);
        return 2;
    }
    char err[512] = "";
    if (e->open(e->ctx, o->index, err, sizeof err)) {
        fprintf(stderr, "%s: open %s: %s\n", e->name, o->index, err);
        nb_qset_free(&s);
        return 2;
    }
    nb_out *res = xmalloc(sizeof *res);
    memset(res, 0, sizeof *res);
    int status = 0;
    if (e->run(e->ctx, NB_SNIPPET, q->text, res)) {
        fprintf(stderr, "%s: q%s: %s\n", e->name, q->qid, res->err);
        status = 2;
    } else {
        printf("%s %s: %llu hits, %zu snippet bytes\n", s.name, q->qid,
               (unsigned long long)res->count, res->snippet_bytes);
    }
    e->close(e->ctx);
    free(res);
    nb_qset_free(&s);
    return status;
}

/* text: "qid<TAB>query" for each query, translated into the engine's
 * syntax (run.sh hands these to the nsearch command line). */
static int cmd_text(nb_engine *e, const opts *o)
{
    if (o->nargs != 1) {
        fprintf(stderr, "text needs TYPE=QUERIES.tsv\n");
        return 2;
    }
    nb_qset s;
    if (load_typed(&s, o->args[0], e->syntax))
        return 2;
    for (size_t i = 0; i < s.n; i++)
        printf("%s\t%s\n", s.q[i].qid, s.q[i].text);
    nb_qset_free(&s);
    return 0;
}

int nb_main(nb_engine *e, int argc, char **argv)
{
    opts o;
    if (argc < 2 || parse_opts(argc, argv, &o)) {
        usage(argv[0]);
        return 2;
    }
    int rc;
    if (!strcmp(argv[1], "build"))
        rc = cmd_build(e, &o);
    else if (!strcmp(argv[1], "search"))
        rc = cmd_search(e, &o);
    else if (!strcmp(argv[1], "trec"))
        rc = cmd_trec(e, &o);
    else if (!strcmp(argv[1], "one"))
        rc = cmd_one(e, &o);
    else if (!strcmp(argv[1], "text"))
        rc = cmd_text(e, &o);
    else {
        usage(argv[0]);
        rc = 2;
    }
    free(o.args);
    return rc;
}
