/* serve_api.c — the JSON endpoints of nsearch serve (docs/http-api.md).
 *
 * Each endpoint turns a request into a serve_reply: a status and a JSON
 * body. Bodies are written with the CLI's JSON writer (json_out.c) into a
 * memory stream, and search hits with print_json_hit, so a hit has exactly
 * the keys and escaping of `nsearch --json`. Every failure becomes a JSON
 * error body; nothing here touches the network or the filesystem. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "json_out.h"
#include "serve.h"

#define JSON_TYPE "application/json; charset=utf-8"

/* A JSON body being written to memory. */
typedef struct jbody {
    FILE *f;
    char *data;
    size_t len;
} jbody;

static int jbody_open(jbody *b)
{
    b->data = NULL;
    b->len = 0;
    b->f = open_memstream(&b->data, &b->len);
    return b->f != NULL ? 0 : -1;
}

static void jbody_abandon(jbody *b)
{
    if (b->f != NULL)
        fclose(b->f);
    free(b->data);
    b->f = NULL;
    b->data = NULL;
}

/* Hands the finished body to out with the given status (500 if the stream
 * failed). */
static void jbody_finish(jbody *b, unsigned status, serve_reply *out)
{
    int bad = ferror(b->f);

    if (fclose(b->f) != 0 || bad) {
        free(b->data);
        api_error(out, 500, "internal", "out of memory writing the response", -1, NULL);
        return;
    }
    out->status = status;
    out->type = JSON_TYPE;
    out->body = b->data;
    out->len = b->len;
}

static void put_str(FILE *f, const char *key, const char *s, size_t len)
{
    fprintf(f, "\"%s\":", key);
    json_out_string(f, s, len);
}

void api_error(serve_reply *out, unsigned status, const char *code, const char *message,
               long offset, const char *param)
{
    jbody b;

    out->status = status;
    out->type = JSON_TYPE;
    if (jbody_open(&b) != 0) {
        static const char oom[] = "{\"status\":500,\"error\":\"internal\"}";

        out->status = 500;
        out->body = strdup(oom);
        out->len = out->body != NULL ? strlen(oom) : 0;
        return;
    }
    fprintf(b.f, "{\"status\":%u,", status);
    put_str(b.f, "error", code, strlen(code));
    putc(',', b.f);
    put_str(b.f, "message", message, strlen(message));
    if (offset >= 0)
        fprintf(b.f, ",\"offset\":%ld", offset);
    if (param != NULL) {
        putc(',', b.f);
        put_str(b.f, "param", param, strlen(param));
    }
    fputs("}\n", b.f);
    if (fclose(b.f) != 0) {
        free(b.data);
        b.data = NULL;
        b.len = 0;
    }
    out->body = b.data;
    out->len = b.len;
}

/* The library's message for a failed call on the index, or its code's. */
static const char *index_message(server *srv, int rc)
{
    const char *m = ns_index_errmsg(srv->idx);

    return m != NULL && *m != '\0' ? m : ns_strerror(rc);
}

static void index_error(server *srv, int rc, serve_reply *out)
{
    if (rc == NS_ENOTFOUND)
        api_error(out, 404, "not_found", index_message(srv, rc), -1, NULL);
    else if (rc == NS_ETIMEOUT)
        api_error(out, 503, "timeout", index_message(srv, rc), -1, NULL);
    else if (rc == NS_ETOOBIG || rc == NS_EINVAL)
        api_error(out, 400, "bad_query", index_message(srv, rc), -1, "q");
    else if (rc == NS_ECORRUPT) {
        /* the index on disk is damaged: not this request's fault, and it may
         * pass (a refresh after the file is restored or rebuilt); /health
         * says degraded until then */
        const char *m = index_message(srv, rc);
        pthread_mutex_lock(&srv->mu);
        snprintf(srv->damage, sizeof srv->damage, "%s", m);
        pthread_mutex_unlock(&srv->mu);
        api_error(out, 503, "index_corrupt", m, -1, NULL);
    } else
        api_error(out, 500, "internal", index_message(srv, rc), -1, NULL);
}

/* ------------------------------------------------------------ parameters */

static int param_uint(const url_query *q, const char *key, size_t max, size_t *v, serve_reply *out)
{
    const url_param *p = url_get(q, key);
    char msg[128];
    size_t x = 0;

    if (p == NULL)
        return 0;
    for (size_t i = 0; i < p->val_len && x <= max; i++) {
        if (p->val[i] < '0' || p->val[i] > '9') {
            x = max + 1;
            break;
        }
        x = x * 10 + (size_t)(p->val[i] - '0');
    }
    if (p->val_len == 0 || p->val_len > 9 || x > max) {
        snprintf(msg, sizeof msg, "%s must be a whole number from 0 to %zu", key, max);
        api_error(out, 400, "bad_param", msg, -1, key);
        return -1;
    }
    *v = x;
    return 0;
}

/* 1, true, yes or a bare key are true; 0, false, no are false. */
static int param_bool(const url_query *q, const char *key, int *v, serve_reply *out)
{
    static const char *const yes[] = {"", "1", "true", "yes"}, *const no[] = {"0", "false", "no"};
    const url_param *p = url_get(q, key);
    char msg[128];

    if (p == NULL)
        return 0;
    for (size_t i = 0; i < sizeof yes / sizeof *yes; i++)
        if (strcmp(p->val, yes[i]) == 0) {
            *v = 1;
            return 0;
        }
    for (size_t i = 0; i < sizeof no / sizeof *no; i++)
        if (strcmp(p->val, no[i]) == 0) {
            *v = 0;
            return 0;
        }
    snprintf(msg, sizeof msg, "%s must be 0 or 1 (or true or false)", key);
    api_error(out, 400, "bad_param", msg, -1, key);
    return -1;
}

#define SERVE_MAX_FACETS 16
#define SERVE_FIELD_NAME 64

typedef struct search_req {
    const url_param *q;
    ns_query_options qopts;
    ns_search_options sopts;
    int snippets;
    char sort_name[SERVE_FIELD_NAME + 1];
    ns_facet_request facets[SERVE_MAX_FACETS];
    char facet_names[SERVE_MAX_FACETS][SERVE_FIELD_NAME + 1];
    int explain;
    int suggest; /* suggest=0 turns "did you mean" off */
} search_req;

/* The parameters /search knows; any other is a 400 (a misspelt filter= or
 * facets= must not be silently ignored). */
static const char *const search_keys[] = {"q",       "n",        "offset",  "any",
                                          "literal", "snippets", "sort",    "facet",
                                          "dedup",   "explain",  "suggest", "_"};

static int field_name_ok(const char *s, size_t len)
{
    if (len == 0 || len > SERVE_FIELD_NAME ||
        !((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z')))
        return 0;
    for (size_t i = 1; i < len; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '.' || c == '-'))
            return 0;
    }
    return 1;
}

/* sort=FIELD:asc|FIELD:desc|score */
static int param_sort(const url_query *params, search_req *sr, serve_reply *out)
{
    const url_param *p = url_get(params, "sort");
    if (p == NULL || strcmp(p->val, "score") == 0)
        return 0;
    const char *colon = strrchr(p->val, ':');
    size_t len = colon ? (size_t)(colon - p->val) : 0;
    if (!colon || !field_name_ok(p->val, len) ||
        (strcmp(colon + 1, "asc") != 0 && strcmp(colon + 1, "desc") != 0)) {
        api_error(out, 400, "bad_param", "sort wants FIELD:asc, FIELD:desc or score", -1, "sort");
        return -1;
    }
    memcpy(sr->sort_name, p->val, len);
    sr->sort_name[len] = '\0';
    sr->sopts.sort_field = sr->sort_name;
    sr->sopts.sort_desc = strcmp(colon + 1, "desc") == 0;
    return 0;
}

/* facet=FIELD[:N],FIELD[:N]... (at most SERVE_MAX_FACETS; N 1 to 10000) */
static int param_facet(const url_query *params, search_req *sr, serve_reply *out)
{
    const url_param *p = url_get(params, "facet");
    if (p == NULL || p->val_len == 0)
        return 0;
    size_t n = 0;
    for (const char *s = p->val; *s;) {
        const char *end = strchr(s, ',');
        size_t len = end ? (size_t)(end - s) : strlen(s);
        const char *colon = memchr(s, ':', len);
        size_t nlen = colon ? (size_t)(colon - s) : len;
        size_t limit = 10;
        if (colon) {
            char num[16];
            size_t dl = len - nlen - 1;
            char *e;
            if (dl == 0 || dl >= sizeof num)
                goto bad;
            memcpy(num, colon + 1, dl);
            num[dl] = '\0';
            unsigned long v = strtoul(num, &e, 10);
            if (*e || num[0] < '0' || num[0] > '9' || v == 0 || v > NS_MAX_FACET_VALUES)
                goto bad;
            limit = v;
        }
        if (!field_name_ok(s, nlen))
            goto bad;
        if (n == SERVE_MAX_FACETS) {
            api_error(out, 400, "bad_param", "facet names more than 16 fields", -1, "facet");
            return -1;
        }
        memcpy(sr->facet_names[n], s, nlen);
        sr->facet_names[n][nlen] = '\0';
        sr->facets[n] = (ns_facet_request){sr->facet_names[n], limit};
        n++;
        s = end ? end + 1 : s + len;
    }
    sr->sopts.facets = sr->facets;
    sr->sopts.nfacets = n;
    return 0;
bad:
    api_error(out, 400, "bad_param",
              "facet wants FIELD or FIELD:N (N from 1 to 10000), separated by commas", -1, "facet");
    return -1;
}

static int search_params(const url_query *params, search_req *sr, serve_reply *out)
{
    memset(sr, 0, sizeof *sr);
    sr->q = url_get(params, "q");
    sr->qopts = (ns_query_options)NS_QUERY_OPTIONS_INIT;
    sr->sopts = (ns_search_options)NS_SEARCH_OPTIONS_INIT;
    sr->snippets = 1;
    sr->suggest = 1;
    for (size_t i = 0; i < params->n; i++) {
        size_t k = 0;
        while (k < sizeof search_keys / sizeof *search_keys &&
               strcmp(params->p[i].key, search_keys[k]) != 0)
            k++;
        if (k == sizeof search_keys / sizeof *search_keys) {
            char msg[256];
            snprintf(msg, sizeof msg,
                     "unknown parameter '%.40s' (known: q, n, offset, any, literal, snippets, "
                     "sort, facet, dedup, explain, suggest; filters go in q, e.g. topics:cocoa)",
                     params->p[i].key);
            api_error(out, 400, "bad_param", msg, -1, params->p[i].key);
            return -1;
        }
    }
    if (sr->q == NULL) {
        api_error(out, 400, "bad_param", "q (the query) is required", -1, "q");
        return -1;
    }
    if (param_uint(params, "n", SERVE_MAX_N, &sr->sopts.k, out) != 0 ||
        param_uint(params, "offset", SERVE_MAX_OFFSET, &sr->sopts.offset, out) != 0 ||
        param_bool(params, "any", &sr->qopts.any, out) != 0 ||
        param_bool(params, "literal", &sr->qopts.literal, out) != 0 ||
        param_bool(params, "snippets", &sr->snippets, out) != 0 ||
        param_bool(params, "dedup", &sr->sopts.dedup, out) != 0 ||
        param_sort(params, sr, out) != 0 || param_facet(params, sr, out) != 0 ||
        param_bool(params, "explain", &sr->explain, out) != 0 ||
        param_bool(params, "suggest", &sr->suggest, out) != 0)
        return -1;
    return 0;
}

/* ------------------------------------------------------------ /search */

/* Writes the hits array; NS_OK or the status of a failed snippet. */
static int put_hits(FILE *f, const cli_run *run, int snippets)
{
    size_t n = run->r != NULL ? ns_results_count(run->r) : 0;
    ns_snippet_options so = cli_snippet_options(run);

    uint64_t snippet_us = 0;

    fputs("\"hits\":[", f);
    for (size_t i = 0; i < n; i++) {
        ns_snippet *sn = NULL;
        ns_hit h;
        int rc = ns_results_hit(run->r, i, &h);

        if (rc == NS_OK && snippets) {
            uint64_t t0 = cli_now_us();
            rc = ns_snippet_make(&sn, run->idx, run->q, run->r, i, &so);
            snippet_us += cli_now_us() - t0;
        }
        if (rc != NS_OK)
            return rc;
        if (i > 0)
            putc(',', f);
        print_json_hit(f, run, &h, sn);
        if (sn != NULL)
            fprintf(f, ",\"cut_before\":%s,\"cut_after\":%s",
                    ns_snippet_cut_before(sn) ? "true" : "false",
                    ns_snippet_cut_after(sn) ? "true" : "false");
        ns_snippet_free(sn);
        if (run->explain && (rc = print_explain_json(f, run, i)) != NS_OK)
            return rc;
        putc('}', f);
    }
    fprintf(f, "],\"snippet_us\":%" PRIu64 "}\n", snippet_us);
    return NS_OK;
}

static void put_summary(FILE *f, const cli_run *run)
{
    int exact = 1;
    uint64_t total = run->r != NULL ? ns_results_total(run->r, &exact) : 0;
    const char *query = ns_query_string(run->q);

    putc('{', f);
    put_str(f, "query", query, strlen(query));
    fprintf(f, ",\"total\":%" PRIu64 ",\"total_exact\":%s,\"returned\":%zu", total,
            exact ? "true" : "false", run->r != NULL ? ns_results_count(run->r) : 0);
    fprintf(f, ",\"offset\":%zu,\"elapsed_us\":%" PRIu64 ",", run->offset, run->elapsed_us);
    if (run->suggestion != NULL) {
        put_str(f, "suggestion", run->suggestion, strlen(run->suggestion));
        putc(',', f);
    }
    if (run->r != NULL && ns_results_facet_count(run->r) > 0) {
        fputs("\"facets\":", f);
        print_json_facets(f, run->r);
        putc(',', f);
    }
}

/* Writes the answer to a parsed query; q and r stay the caller's. */
static void search_reply(server *srv, cli_run *run, int snippets, serve_reply *out)
{
    jbody b;
    int rc;

    if (jbody_open(&b) != 0) {
        api_error(out, 500, "internal", "out of memory", -1, NULL);
        return;
    }
    put_summary(b.f, run);
    rc = put_hits(b.f, run, snippets);
    if (rc != NS_OK) {
        jbody_abandon(&b);
        index_error(srv, rc, out);
        return;
    }
    jbody_finish(&b, 200, out);
}

void api_search(server *srv, const url_query *params, serve_reply *out)
{
    char msg[NS_ERRBUF_SIZE] = "";
    search_req sr;
    ns_query *q = NULL;
    ns_results *r = NULL;
    size_t err_off = 0;
    uint64_t t0 = cli_now_us();
    int rc;

    if (search_params(params, &sr, out) != 0)
        return;
    sr.sopts.timeout = srv->cfg->query_timeout_s;
    rc = ns_query_parse(&q, srv->idx, sr.q->val, sr.q->val_len, &sr.qopts, msg, sizeof msg,
                        &err_off);
    if (rc == NS_ENOMEM) {
        api_error(out, 500, "internal", msg, -1, NULL);
        return;
    }
    if (rc != NS_OK) {
        api_error(out, 400, "bad_query", msg[0] != '\0' ? msg : ns_strerror(rc), (long)err_off,
                  "q");
        return;
    }
    rc = ns_query_is_empty(q) ? NS_OK : ns_search(&r, srv->idx, q, &sr.sopts);
    char *suggestion = NULL;
    if (rc == NS_OK && sr.suggest) {
        rc = ns_suggest(&suggestion, srv->idx, sr.q->val, sr.q->val_len, &sr.qopts);
        rc = rc == NS_EUNSUPPORTED ? NS_OK : rc; /* a backend without spelling data */
    }
    if (rc != NS_OK) {
        index_error(srv, rc, out);
    } else {
        cli_run run = {NULL,
                       sr.q->val,
                       sr.q->val_len,
                       srv->idx,
                       q,
                       r,
                       sr.sopts.offset,
                       cli_now_us() - t0,
                       sr.sopts.timeout > 0 ? t0 + (uint64_t)(sr.sopts.timeout * 1e6) : 0,
                       sr.sopts.dedup,
                       &sr.sopts,
                       sr.explain,
                       suggestion};

        search_reply(srv, &run, sr.snippets, out);
    }
    ns_free(suggestion);
    ns_results_free(r);
    ns_query_free(q);
}

/* ------------------------------------------------------------ /doc/{id} */

static void doc_reply(server *srv, const ns_results *r, serve_reply *out)
{
    char *body = NULL;
    size_t body_len = 0;
    ns_hit h;
    jbody b;
    int rc = ns_results_hit(r, 0, &h);

    if (rc == NS_OK)
        rc = ns_results_body(r, 0, &body, &body_len);
    if (rc != NS_OK) {
        index_error(srv, rc, out);
        return;
    }
    if (jbody_open(&b) != 0) {
        ns_free(body);
        api_error(out, 500, "internal", "out of memory", -1, NULL);
        return;
    }
    putc('{', b.f);
    put_str(b.f, "id", h.id, h.id_len);
    putc(',', b.f);
    put_str(b.f, "title", h.title, h.title_len);
    putc(',', b.f);
    put_str(b.f, "url", h.url, h.url_len);
    putc(',', b.f);
    put_str(b.f, "date", h.date, h.date_len);
    putc(',', b.f);
    put_str(b.f, "meta", h.meta, h.meta_len);
    putc(',', b.f);
    put_str(b.f, "body", body, body_len);
    fputs("}\n", b.f);
    ns_free(body);
    jbody_finish(&b, 200, out);
}

void api_doc(server *srv, const char *id, size_t id_len, serve_reply *out)
{
    ns_results *r = NULL;
    int rc;

    if (id_len == 0) {
        api_error(out, 404, "not_found", "no document id in the path (/doc/ID)", -1, NULL);
        return;
    }
    rc = ns_index_get_doc(srv->idx, id, id_len, &r);
    if (rc != NS_OK) {
        index_error(srv, rc, out);
        return;
    }
    doc_reply(srv, r, out);
    ns_results_free(r);
}

/* ------------------------------------------------------------ /stats, /health */

void api_stats(server *srv, serve_reply *out)
{
    ns_stats st;
    jbody b;
    int rc = ns_index_stats(srv->idx, &st);

    if (rc != NS_OK) {
        index_error(srv, rc, out);
        return;
    }
    if (jbody_open(&b) != 0) {
        api_error(out, 500, "internal", "out of memory", -1, NULL);
        return;
    }
    fprintf(b.f,
            "{\"generation\":%" PRIu64 ",\"documents\":%" PRIu64 ",\"deleted\":%" PRIu64
            ",\"segments\":%" PRIu64 ",\"terms\":%" PRIu64 ",\"postings\":%" PRIu64
            ",\"positions\":%" PRIu64 ",",
            st.generation, st.documents, st.deleted, st.segments, st.terms, st.postings,
            st.positions);
    fprintf(b.f,
            "\"bytes\":{\"dict\":%" PRIu64 ",\"postings\":%" PRIu64 ",\"positions\":%" PRIu64
            ",\"norms\":%" PRIu64 ",\"stored\":%" PRIu64 ",\"raw_stored\":%" PRIu64
            ",\"total\":%" PRIu64 "},",
            st.bytes_dict, st.bytes_postings, st.bytes_positions, st.bytes_norms, st.bytes_stored,
            st.bytes_raw_stored, st.bytes_total);
    put_str(b.f, "language", ns_index_language(srv->idx), strlen(ns_index_language(srv->idx)));
    putc(',', b.f);
    put_str(b.f, "version", ns_version(), strlen(ns_version()));
    /* the typed fields (the page facets on the keyword ones) */
    fputs(",\"fields\":[", b.f);
    size_t nf = ns_index_field_count(srv->idx);
    for (size_t i = 0, shown = 0; i < nf; i++) {
        const char *name;
        int type = 0;
        if (ns_index_field(srv->idx, i, &name, &type) != NS_OK || type < 1 || type > 4)
            continue;
        fputs(shown++ ? ",{" : "{", b.f);
        put_str(b.f, "name", name, strlen(name));
        putc(',', b.f);
        put_str(b.f, "type", ns_field_type_name(type), strlen(ns_field_type_name(type)));
        putc('}', b.f);
    }
    fputs("]}\n", b.f);
    jbody_finish(&b, 200, out);
}

void api_health(server *srv, serve_reply *out)
{
    char err[NS_ERRBUF_SIZE], damage[NS_ERRBUF_SIZE];
    ns_stats st;
    jbody b;

    pthread_mutex_lock(&srv->mu);
    snprintf(err, sizeof err, "%s", srv->refresh_error);
    snprintf(damage, sizeof damage, "%s", srv->damage);
    pthread_mutex_unlock(&srv->mu);
    if (ns_index_stats(srv->idx, &st) != NS_OK || jbody_open(&b) != 0) {
        api_error(out, 500, "internal", "cannot read the index statistics", -1, NULL);
        return;
    }
    int degraded = err[0] != '\0' || damage[0] != '\0';
    fprintf(b.f, "{\"status\":\"%s\",\"generation\":%" PRIu64 ",\"documents\":%" PRIu64,
            degraded ? "degraded" : "ok", st.generation, st.documents);
    if (degraded) {
        const char *why = err[0] != '\0' ? err : damage;
        putc(',', b.f);
        put_str(b.f, "reason", why, strlen(why));
    }
    if (err[0] != '\0') {
        putc(',', b.f);
        put_str(b.f, "refresh_error", err, strlen(err));
    }
    fputs("}\n", b.f);
    jbody_finish(&b, 200, out);
}
