/* drv_nsearch.c — benchmark driver for nsearch, through the public API only
 * (include/nsearch.h). See common.h for the command line; one more option,
 * `--backend native|xapian` (before or after the command), picks the storage
 * backend of a new index: with xapian the engine is named "nsearch-xapian".
 * Searching needs no switch: ns_index_open recognises the index by itself.
 * `bench_nsearch fields ...` measures typed fields instead (fields.c). */
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "fields.h"
#include "nsearch.h"

typedef struct nsd {
    ns_writer *w;
    ns_index *idx;
    char *idbuf; /* copies of the returned ids, valid until the next query */
    size_t idcap;
    char version[64];
    int backend; /* NS_BACKEND_NATIVE or NS_BACKEND_XAPIAN, for build */
    /* ranking (environment, read at open): NB_NS_K1, NB_NS_B, NB_NS_PROXIMITY
     * "weight,window", NB_NS_EXPAND "docs,terms,weight" */
    double k1, b, prox_w;
    unsigned prox_win;
    int expand;
    ns_expand_options eo;
} nsd;

static int ns_fail(char *err, size_t errlen, int rc, const char *what, const char *msg)
{
    snprintf(err, errlen, "%s: %s (%s)", what, msg && *msg ? msg : "", ns_strerror(rc));
    return -1;
}

static int n_build(void *ctx, const char *path, const nb_corpus *c, char *err, size_t errlen)
{
    nsd *n = ctx;
    ns_writer_options wo = NS_WRITER_OPTIONS_INIT;
    const char *flush = getenv("NB_NS_FLUSH_MB");
    if (flush)
        wo.flush_bytes = (size_t)atol(flush) << 20;
    wo.backend = n->backend;
    char eb[NS_ERRBUF_SIZE] = "";
    nb_rm_rf(path);
    int rc = ns_writer_open(&n->w, path, &wo, eb, sizeof eb);
    if (rc)
        return ns_fail(err, errlen, rc, path, eb);
    for (size_t i = 0; i < c->n; i++) {
        const nb_doc *d = &c->docs[i];
        ns_doc doc = {0};
        doc.id = d->id;
        doc.id_len = strlen(d->id);
        doc.title = d->title;
        doc.title_len = d->title_len;
        doc.body = d->body;
        doc.body_len = d->body_len;
        if ((rc = ns_writer_put(n->w, &doc, NULL)))
            return ns_fail(err, errlen, rc, d->id, ns_writer_errmsg(n->w));
    }
    if ((rc = ns_writer_commit(n->w)))
        return ns_fail(err, errlen, rc, "commit", ns_writer_errmsg(n->w));
    return 0;
}

static int n_optimize(void *ctx, const char *path, char *err, size_t errlen)
{
    nsd *n = ctx;
    int rc = ns_writer_optimize(n->w);
    if (rc)
        ns_fail(err, errlen, rc, path, ns_writer_errmsg(n->w));
    ns_writer_close(n->w);
    n->w = NULL;
    return rc ? -1 : 0;
}

/* A Xapian database: its tables by file, as the Xapian driver reports them. */
static size_t x_sizes(const char *path, nb_size *out, size_t cap)
{
    static const char *const tables[] = {"postlist", "position", "termlist", "docdata"};
    size_t n = 0;
    uint64_t named = 0, total = nb_dir_size(path);
    for (size_t i = 0; i < sizeof tables / sizeof *tables && n < cap; i++) {
        char p[4200];
        snprintf(p, sizeof p, "%s/%s.glass", path, tables[i]);
        out[n++] = (nb_size){tables[i], nb_file_size(p)};
        named += out[n - 1].bytes;
    }
    if (n + 2 <= cap) {
        out[n++] = (nb_size){"other", total - named};
        out[n++] = (nb_size){"total", total};
    }
    return n;
}

static size_t n_sizes(void *ctx, const char *path, nb_size *out, size_t cap)
{
    if (((nsd *)ctx)->backend == NS_BACKEND_XAPIAN)
        return x_sizes(path, out, cap);
    ns_index *idx = NULL;
    ns_stats st;
    char eb[NS_ERRBUF_SIZE];
    size_t n = 0;
    if (ns_index_open(&idx, path, eb, sizeof eb) == NS_OK && ns_index_stats(idx, &st) == NS_OK &&
        cap >= 8) {
        out[n++] = (nb_size){"dict", st.bytes_dict};
        out[n++] = (nb_size){"postings", st.bytes_postings};
        out[n++] = (nb_size){"positions", st.bytes_positions};
        out[n++] = (nb_size){"norms", st.bytes_norms};
        out[n++] = (nb_size){"stored", st.bytes_stored};
        out[n++] = (nb_size){"segments", st.segments};
        out[n++] = (nb_size){"terms", st.terms};
    }
    ns_index_close(idx);
    if (n < cap)
        out[n++] = (nb_size){"total", nb_dir_size(path)};
    return n;
}

static int n_open(void *ctx, const char *path, char *err, size_t errlen)
{
    nsd *n = ctx;
    char eb[NS_ERRBUF_SIZE] = "";
    int rc = ns_index_open(&n->idx, path, eb, sizeof eb);
    const char *v;
    n->k1 = (v = getenv("NB_NS_K1")) ? atof(v) : 1.2;
    n->b = (v = getenv("NB_NS_B")) ? atof(v) : 0.75;
    n->prox_w = 0;
    n->prox_win = 8;
    if ((v = getenv("NB_NS_PROXIMITY")) && *v)
        sscanf(v, "%lf,%u", &n->prox_w, &n->prox_win);
    n->eo = (ns_expand_options)NS_EXPAND_OPTIONS_INIT;
    n->expand = (v = getenv("NB_NS_EXPAND")) && *v;
    if (n->expand)
        sscanf(v, "%u,%u,%lf", &n->eo.docs, &n->eo.terms, &n->eo.weight);
    return rc ? ns_fail(err, errlen, rc, path, eb) : 0;
}

static int n_run(void *ctx, nb_mode mode, const char *text, nb_out *out)
{
    nsd *n = ctx;
    ns_query *q = NULL;
    ns_results *r = NULL;
    ns_query_options qo = NS_QUERY_OPTIONS_INIT;
    ns_search_options so = NS_SEARCH_OPTIONS_INIT;
    char eb[NS_ERRBUF_SIZE] = "";
    int rc = ns_query_parse(&q, n->idx, text, strlen(text), &qo, eb, sizeof eb, NULL);
    if (rc)
        return ns_fail(out->err, sizeof out->err, rc, "parse", eb);
    so.k1 = n->k1;
    so.b = n->b;
    if (mode != NB_COUNT && n->prox_w > 0 &&
        (rc = ns_query_add_proximity(q, n->prox_w, n->prox_win))) {
        ns_fail(out->err, sizeof out->err, rc, "proximity", "");
        goto done;
    }
    if (mode != NB_COUNT && n->expand) {
        ns_query *x = NULL;
        if ((rc = ns_query_expand(&x, n->idx, q, &so, &n->eo))) {
            ns_fail(out->err, sizeof out->err, rc, "expand", ns_index_errmsg(n->idx));
            goto done;
        }
        ns_query_free(q);
        q = x;
    }
    if (mode == NB_COUNT) {
        so.k = 0; /* no hits wanted: just the exact number of matches */
        so.exhaustive = 1;
    } else {
        so.k = mode == NB_TREC ? NB_TREC_K : 10;
    }
    if ((rc = ns_search(&r, n->idx, q, &so))) {
        ns_fail(out->err, sizeof out->err, rc, "search", ns_index_errmsg(n->idx));
        goto done;
    }
    out->nhits = 0;
    out->snippet_bytes = 0;
    if (mode == NB_COUNT) {
        int exact = 0;
        out->count = ns_results_total(r, &exact);
        out->inexact = !exact;
        goto done;
    }
    size_t nh = ns_results_count(r), need = 0;
    for (size_t i = 0; i < nh && i < NB_TREC_K; i++) {
        ns_hit h;
        if ((rc = ns_results_hit(r, i, &h))) {
            ns_fail(out->err, sizeof out->err, rc, "hit", ns_index_errmsg(n->idx));
            goto done;
        }
        out->hits[out->nhits++] = (nb_hit){h.docnum, NULL, h.score};
        need += h.id_len + 1;
    }
    out->count = out->nhits;
    /* the ids are copied: the results are freed before the caller reads them */
    if (need > n->idcap) {
        char *p = realloc(n->idbuf, need);
        if (!p) {
            rc = NS_ENOMEM;
            ns_fail(out->err, sizeof out->err, rc, "ids", "");
            goto done;
        }
        n->idbuf = p;
        n->idcap = need;
    }
    for (size_t i = 0, at = 0; i < out->nhits; i++) {
        ns_hit h;
        ns_results_hit(r, i, &h);
        memcpy(n->idbuf + at, h.id, h.id_len);
        n->idbuf[at + h.id_len] = 0;
        out->hits[i].id = n->idbuf + at;
        at += h.id_len + 1;
    }
    if (mode == NB_SNIPPET) {
        ns_snippet_options sn = NS_SNIPPET_OPTIONS_INIT;
        for (size_t i = 0; i < nh && !rc; i++) {
            ns_snippet *s = NULL;
            size_t len = 0;
            if ((rc = ns_snippet_make(&s, n->idx, q, r, i, &sn)))
                ns_fail(out->err, sizeof out->err, rc, "snippet", ns_index_errmsg(n->idx));
            else
                ns_snippet_text(s, &len);
            out->snippet_bytes += len;
            ns_snippet_free(s);
        }
    }
done:
    ns_results_free(r);
    ns_query_free(q);
    return rc ? -1 : 0;
}

static void n_close(void *ctx)
{
    nsd *n = ctx;
    ns_index_close(n->idx);
    n->idx = NULL;
    free(n->idbuf);
    n->idbuf = NULL;
    n->idcap = 0;
}

static const char *n_version(void *ctx)
{
    nsd *n = ctx;
    snprintf(n->version, sizeof n->version, "nsearch %s", ns_version());
    return n->version;
}

/* Takes `--backend B` out of argv (nb_main knows only the common options).
 * Returns the backend, or -1 after a message. */
static int take_backend(int *argc, char **argv)
{
    int backend = NS_BACKEND_NATIVE;
    for (int i = 1; i < *argc; i++) {
        if (strcmp(argv[i], "--backend"))
            continue;
        const char *v = i + 1 < *argc ? argv[i + 1] : "";
        if (!strcmp(v, "native"))
            backend = NS_BACKEND_NATIVE;
        else if (!strcmp(v, "xapian"))
            backend = NS_BACKEND_XAPIAN;
        else {
            fprintf(stderr, "--backend needs native or xapian, not '%s'\n", v);
            return -1;
        }
        memmove(argv + i, argv + i + 2, (size_t)(*argc - i - 1) * sizeof *argv);
        *argc -= 2;
        i--;
    }
    return backend;
}

int main(int argc, char **argv)
{
    nsd n = {0};
    if (argc > 1 && !strcmp(argv[1], "fields")) /* typed fields' costs (fields.c) */
        return nsd_fields_main(argc, argv);
    if ((n.backend = take_backend(&argc, argv)) < 0)
        return 2;
    nb_engine e = {
        .name = "nsearch",
        .syntax = NB_SYN_NSEARCH,
        .ctx = &n,
        .build = n_build,
        .optimize = n_optimize,
        .sizes = n_sizes,
        .open = n_open,
        .run = n_run,
        .close = n_close,
        .version = n_version,
        .settings = "language=english; writer defaults (flush_bytes 64MiB unless NB_NS_FLUSH_MB);"
                    " one commit then ns_writer_optimize; BM25F k1=1.2 b=0.75 title_weight=2;"
                    " COUNT: k=0 exhaustive; TOP_10: k=10 with pruning; ns_snippet_make 260 bytes",
    };
    if (n.backend == NS_BACKEND_XAPIAN) {
        e.name = "nsearch-xapian";
        e.settings = "backend=xapian (glass; our analyzer's terms and positions; title unprefixed"
                     " wdf 2 + S-prefixed); one commit; optimize = commit + compact;"
                     " XAPIAN_FLUSH_THRESHOLD=1e7; BM25Weight(1.2 0 1 0.75 0.5);"
                     " COUNT: k=0 (BoolWeight, exact); TOP_10: k=10, ties in docid order;"
                     " ns_snippet_make 260 bytes";
        /* the same buffering as the Xapian driver: one flush at the end */
        setenv("XAPIAN_FLUSH_THRESHOLD", "10000000", 0);
    }
    return nb_main(&e, argc, argv);
}
