/* serve_http.c — the HTTP side of nsearch serve: one record per request,
 * routing, methods, the bearer token, CORS and common headers, and the
 * access log.
 *
 * A request record is made when libmicrohttpd has read the request line
 * (http_request_begin, which also counts the request as in flight for a
 * clean shutdown) and freed when the request ends (http_request_end, which
 * writes the access-log line). Because libmicrohttpd calls the end callback
 * for every request it announced, records never leak, whatever the client
 * does. No endpoint reads a request body: one sent anyway is dropped.
 *
 * The Host header (DNS rebinding): a request must carry at most one. Without
 * a token, its host must be localhost, 127.0.0.1, [::1] (any port, names in
 * any case) or a name given with --allow-host, else 421: a web page whose
 * name an attacker rebinds to 127.0.0.1 sends its own name, and cannot read
 * the answers. With a token any host is served: such a page cannot send the
 * token. A request without Host is refused in HTTP/1.1 (400) and served in
 * HTTP/1.0 (browsers always send one). */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "serve.h"

typedef struct http_req {
    uint64_t start_us;
    char client[INET6_ADDRSTRLEN];
    char *target; /* the raw request target (NUL-terminated) */
    size_t target_len;
    int too_long; /* target past SERVE_MAX_TARGET: only its start kept */
    char method[16];
    unsigned status; /* 0 until an answer is queued */
    size_t bytes;
    int answered;
    serve_conn *conn; /* its connection's record (serve_conn.c), or NULL */
} http_req;

enum route { ROUTE_NONE, ROUTE_PAGE, ROUTE_SEARCH, ROUTE_DOC, ROUTE_STATS, ROUTE_HEALTH };

#define ALLOWED_METHODS "GET, HEAD, OPTIONS"
#define LOG_TARGET_MAX 300

/* The page may run its own inline script and style and talk to this
 * server only. */
#define PAGE_CSP                                                                                   \
    "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "                  \
    "connect-src 'self'; img-src data:; base-uri 'none'; form-action 'self'; "                     \
    "frame-ancestors 'none'"

static uint64_t now_us(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static void client_address(struct MHD_Connection *c, char *out, size_t len)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    const struct sockaddr *sa = ci != NULL ? ci->client_addr : NULL;

    snprintf(out, len, "-");
    if (sa != NULL && sa->sa_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, out,
                  (socklen_t)len);
    else if (sa != NULL && sa->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, out,
                  (socklen_t)len);
}

void *http_request_begin(void *cls, const char *uri, struct MHD_Connection *c)
{
    server *srv = cls;
    http_req *rq = calloc(1, sizeof *rq);
    size_t len = strlen(uri);

    __atomic_add_fetch(&srv->inflight, 1, __ATOMIC_RELAXED);
    if (rq == NULL)
        return NULL;
    rq->start_us = now_us();
    rq->conn = conn_of(c);
    client_address(c, rq->client, sizeof rq->client);
    rq->too_long = len > SERVE_MAX_TARGET;
    rq->target_len = rq->too_long ? LOG_TARGET_MAX : len;
    rq->target = strndup(uri, rq->target_len);
    if (rq->target == NULL) {
        free(rq);
        return NULL;
    }
    return rq;
}

/* ------------------------------------------------------------ access log */

/* Appends s to out as printable ASCII: other bytes, quotes and backslashes
 * as %XX, so a log line is one line whatever the client sent. */
static size_t log_escape(char *out, size_t room, const char *s, size_t len)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t o = 0;

    for (size_t i = 0; i < len && o + 4 < room; i++) {
        unsigned char ch = (unsigned char)s[i];

        if (ch <= ' ' || ch >= 0x7F || ch == '"' || ch == '\\') {
            out[o++] = '%';
            out[o++] = hex[ch >> 4];
            out[o++] = hex[ch & 15];
        } else {
            out[o++] = (char)ch;
        }
    }
    out[o] = '\0';
    return o;
}

static const char *termination_name(enum MHD_RequestTerminationCode toe)
{
    switch (toe) {
    case MHD_REQUEST_TERMINATED_COMPLETED_OK:
        return "";
    case MHD_REQUEST_TERMINATED_TIMEOUT_REACHED:
        return " (timed out)";
    case MHD_REQUEST_TERMINATED_DAEMON_SHUTDOWN:
        return " (shutdown)";
    case MHD_REQUEST_TERMINATED_CLIENT_ABORT:
        return " (client went away)";
    default:
        return " (connection error)";
    }
}

/* One line per request: time, client, method, target, status, body bytes,
 * time taken. Written with one call so that threads never interleave. */
static void log_request(http_req *rq, enum MHD_RequestTerminationCode toe)
{
    char when[32], target[LOG_TARGET_MAX * 3 + 8], status[16];
    time_t t = time(NULL);
    struct tm tm;
    double ms = (double)(now_us() - rq->start_us) / 1000.0;

    gmtime_r(&t, &tm);
    strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
    log_escape(target, sizeof target - 4, rq->target, rq->target_len);
    if (rq->too_long)
        strcat(target, "...");
    if (rq->status != 0)
        snprintf(status, sizeof status, "%u", rq->status);
    else
        snprintf(status, sizeof status, "-");
    fprintf(stderr, "%s %s %s %s %s %zu %.2fms%s\n", when, rq->client,
            rq->method[0] != '\0' ? rq->method : "-", target, status, rq->bytes, ms,
            toe != MHD_REQUEST_TERMINATED_COMPLETED_OK && conn_was_killed(rq->conn)
                ? " (request deadline passed)"
                : termination_name(toe));
}

void http_request_end(void *cls, struct MHD_Connection *c, void **req_cls,
                      enum MHD_RequestTerminationCode toe)
{
    server *srv = cls;
    http_req *rq = *req_cls;

    if (rq != NULL) {
        if (!srv->cfg->quiet)
            log_request(rq, toe);
        if (toe == MHD_REQUEST_TERMINATED_COMPLETED_OK)
            conn_request_done(srv, rq->conn);
        free(rq->target);
        free(rq);
        *req_cls = NULL;
    }
    __atomic_sub_fetch(&srv->inflight, 1, __ATOMIC_RELEASE);
}

/* ------------------------------------------------------------ answering */

static void add_common_headers(server *srv, struct MHD_Response *resp, const serve_reply *rep,
                               int preflight)
{
    if (rep->len > 0 || rep->page)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, rep->type);
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL,
                            rep->page ? "no-cache" : "no-store");
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
    if (rep->page) {
        MHD_add_response_header(resp, "Content-Security-Policy", PAGE_CSP);
        MHD_add_response_header(resp, "X-Frame-Options", "DENY");
    }
    if (rep->allow != NULL)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, rep->allow);
    if (rep->challenge)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_WWW_AUTHENTICATE, "Bearer realm=\"nsearch\"");
    if (rep->status == 503)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_RETRY_AFTER, "1");
    if (rep->close)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONNECTION, "close");
    if (srv->cfg->cors == NULL)
        return;
    MHD_add_response_header(resp, "Access-Control-Allow-Origin", srv->cfg->cors);
    MHD_add_response_header(resp, MHD_HTTP_HEADER_VARY, "Origin");
    if (preflight) {
        MHD_add_response_header(resp, "Access-Control-Allow-Methods", ALLOWED_METHODS);
        MHD_add_response_header(resp, "Access-Control-Allow-Headers", "Authorization");
        MHD_add_response_header(resp, "Access-Control-Max-Age", "600");
    }
}

static enum MHD_Result send_reply(server *srv, struct MHD_Connection *c, http_req *rq,
                                  serve_reply *rep, int preflight)
{
    struct MHD_Response *resp;
    enum MHD_Result ret;

    if (rep->page)
        resp = MHD_create_response_from_buffer(serve_page_len, (void *)serve_page_html,
                                               MHD_RESPMEM_PERSISTENT);
    else
        resp = MHD_create_response_from_buffer_with_free_callback(rep->len, rep->body, free);
    if (resp == NULL) {
        if (!rep->page)
            free(rep->body);
        return MHD_NO;
    }
    add_common_headers(srv, resp, rep, preflight);
    if (rq != NULL) {
        rq->status = rep->status;
        rq->bytes = rep->page ? serve_page_len : rep->len;
        rq->answered = 1;
        conn_answering(srv, rq->conn);
    }
    ret = MHD_queue_response(c, rep->status, resp);
    MHD_destroy_response(resp);
    return ret;
}

/* ------------------------------------------------------------ routing */

static enum route find_route(const char *path, size_t len)
{
    static const struct {
        const char *path;
        enum route route;
    } exact[] = {{"/", ROUTE_PAGE},
                 {"/search", ROUTE_SEARCH},
                 {"/stats", ROUTE_STATS},
                 {"/health", ROUTE_HEALTH}};

    for (size_t i = 0; i < sizeof exact / sizeof *exact; i++)
        if (len == strlen(exact[i].path) && memcmp(path, exact[i].path, len) == 0)
            return exact[i].route;
    if (len >= 5 && memcmp(path, "/doc/", 5) == 0)
        return ROUTE_DOC;
    return ROUTE_NONE;
}

/* ------------------------------------------------------------ the Host header */

typedef struct host_seen {
    unsigned n;
    const char *value;
} host_seen;

static enum MHD_Result count_host(void *cls, enum MHD_ValueKind kind, const char *key,
                                  const char *value)
{
    host_seen *hs = cls;

    (void)kind;
    if (key != NULL && strcasecmp(key, MHD_HTTP_HEADER_HOST) == 0) {
        hs->n++;
        hs->value = value != NULL ? value : "";
    }
    return MHD_YES;
}

/* The length of the host in "host[:port]" or "[v6][:port]", or -1 when the
 * value is malformed (the port, when present, is 1 to 5 digits). */
static long host_part(const char *h)
{
    const char *end = h[0] == '[' ? strchr(h, ']') : h + strcspn(h, ":");

    if (end == NULL)
        return -1;
    if (h[0] == '[')
        end++;
    if (*end == ':') {
        size_t d = strspn(end + 1, "0123456789");

        if (d == 0 || d > 5 || end[1 + d] != '\0')
            return -1;
    } else if (*end != '\0') {
        return -1;
    }
    return end - h;
}

static int host_is(const char *h, size_t len, const char *name)
{
    return strlen(name) == len && strncasecmp(h, name, len) == 0;
}

static int host_allowed(const serve_config *cfg, const char *host)
{
    static const char *const loopback[] = {"localhost", "127.0.0.1", "[::1]"};
    long len = host_part(host);

    if (len <= 0)
        return 0;
    for (size_t i = 0; i < sizeof loopback / sizeof *loopback; i++)
        if (host_is(host, (size_t)len, loopback[i]))
            return 1;
    for (unsigned i = 0; i < cfg->n_allow_host; i++)
        if (host_is(host, (size_t)len, cfg->allow_host[i]))
            return 1;
    return 0;
}

/* Returns 1 and fills rep when the Host header(s) refuse the request. */
static int host_refused(server *srv, struct MHD_Connection *c, const char *version,
                        serve_reply *rep)
{
    host_seen hs = {0, NULL};

    MHD_get_connection_values(c, MHD_HEADER_KIND, count_host, &hs);
    if (hs.n > 1) {
        api_error(rep, 400, "bad_request", "more than one Host header", -1, NULL);
    } else if (hs.n == 0) {
        if (strcmp(version, MHD_HTTP_VERSION_1_0) == 0)
            return 0;
        api_error(rep, 400, "bad_request", "an HTTP/1.1 request needs a Host header", -1, NULL);
    } else if (srv->cfg->token == NULL && !host_allowed(srv->cfg, hs.value)) {
        api_error(rep, 421, "bad_host",
                  "this server answers for localhost, 127.0.0.1 and [::1] only "
                  "(more names with nsearch serve --allow-host)",
                  -1, NULL);
    } else {
        return 0;
    }
    rep->close = 1;
    return 1;
}

/* Compares in time that depends only on the expected token's length. */
static int token_equal(const char *given, size_t glen, const char *want, size_t wlen)
{
    unsigned diff = glen != wlen;

    for (size_t i = 0; i < wlen; i++)
        diff |= (unsigned char)want[i] ^ (unsigned char)(i < glen ? given[i] : 0);
    return diff == 0;
}

static int authorized(server *srv, struct MHD_Connection *c)
{
    const char *h = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);

    if (h == NULL || strncasecmp(h, "Bearer ", 7) != 0)
        return 0;
    h += 7;
    while (*h == ' ')
        h++;
    return token_equal(h, strlen(h), srv->cfg->token, strlen(srv->cfg->token));
}

static void run_route(server *srv, enum route route, const char *path, size_t path_len,
                      const char *query, size_t query_len, serve_reply *rep)
{
    char err[256];
    url_query params;

    switch (route) {
    case ROUTE_PAGE:
        rep->status = 200;
        rep->page = 1;
        rep->type = "text/html; charset=utf-8";
        return;
    case ROUTE_SEARCH:
        if (url_parse_query(query, query_len, &params, err, sizeof err) != 0)
            api_error(rep, 400, "bad_param", err, -1, NULL);
        else
            api_search(srv, &params, rep);
        url_query_free(&params);
        return;
    case ROUTE_DOC: {
        char *id = malloc(path_len);
        long n = id != NULL ? url_decode_path(path + 5, path_len - 5, id) : -1;

        if (id == NULL)
            api_error(rep, 500, "internal", "out of memory", -1, NULL);
        else if (n < 0)
            api_error(rep, 400, "bad_request", "malformed percent-encoding in the path", -1, NULL);
        else
            api_doc(srv, id, (size_t)n, rep);
        free(id);
        return;
    }
    case ROUTE_STATS:
        api_stats(srv, rep);
        return;
    case ROUTE_HEALTH:
        api_health(srv, rep);
        return;
    default:
        api_error(rep, 404, "not_found", "no such endpoint", -1, NULL);
    }
}

/* Decides the answer to rq. *preflight is set for an OPTIONS request. */
static void answer(server *srv, struct MHD_Connection *c, const http_req *rq, const char *method,
                   serve_reply *rep, int *preflight)
{
    const char *t = rq->target;
    size_t path_len = strcspn(t, "?#");
    const char *query = t[path_len] == '?' ? t + path_len + 1 : "";
    size_t query_len = strcspn(query, "#");
    enum route route;

    if (rq->too_long) {
        api_error(rep, 414, "uri_too_long", "the request target is longer than 8192 bytes", -1,
                  NULL);
        return;
    }
    if (t[0] != '/') {
        api_error(rep, 400, "bad_request", "the request target must be a path", -1, NULL);
        return;
    }
    route = find_route(t, path_len);
    if (route == ROUTE_NONE) {
        api_error(rep, 404, "not_found", "no such endpoint", -1, NULL);
    } else if (strcmp(method, "OPTIONS") == 0) {
        *preflight = 1;
        rep->status = 204;
        rep->allow = ALLOWED_METHODS;
    } else if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0) {
        api_error(rep, 405, "method_not_allowed", "only GET and HEAD are served", -1, NULL);
        rep->allow = ALLOWED_METHODS;
    } else if (srv->cfg->token != NULL && route != ROUTE_PAGE && route != ROUTE_HEALTH &&
               !authorized(srv, c)) {
        api_error(rep, 401, "unauthorized", "a valid 'Authorization: Bearer TOKEN' is required", -1,
                  NULL);
        rep->challenge = 1;
    } else {
        run_route(srv, route, t, path_len, query, query_len, rep);
    }
}

enum MHD_Result http_request_handle(void *cls, struct MHD_Connection *c, const char *url,
                                    const char *method, const char *version, const char *upload,
                                    size_t *upload_size, void **req_cls)
{
    server *srv = cls;
    http_req *rq = *req_cls;
    serve_reply rep = {0, NULL, 0, NULL, NULL, 0, 0, 0};
    int preflight = 0;

    if (rq == NULL) {
        api_error(&rep, 503, "unavailable", "out of memory", -1, NULL);
        return send_reply(srv, c, NULL, &rep, 0);
    }
    if (rq->answered || *upload_size != 0) {
        *upload_size = 0; /* a body nobody asked for: drop it */
        return MHD_YES;
    }
    /* Answering a GET on the first call (headers only) would make
     * libmicrohttpd close the connection; wait for the end of the request. A
     * method that is refused anyway is answered at once, unread body and all. */
    if (rq->method[0] == '\0') {
        snprintf(rq->method, sizeof rq->method, "%s", method);
        if (host_refused(srv, c, version, &rep))
            return send_reply(srv, c, rq, &rep, 0);
        if (conn_is_reserve(rq->conn)) {
            /* Past --max-connections: /health only, then the connection closes. */
            if (find_route(rq->target, strcspn(rq->target, "?#")) != ROUTE_HEALTH) {
                api_error(&rep, 503, "busy", "too many connections: try again later", -1, NULL);
                rep.close = 1;
                return send_reply(srv, c, rq, &rep, 0);
            }
        }
        if (strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0 ||
            strcmp(method, "OPTIONS") == 0)
            return MHD_YES;
    }
    answer(srv, c, rq, method, &rep, &preflight);
    rep.close = conn_is_reserve(rq->conn);
    return send_reply(srv, c, rq, &rep, preflight);
}
