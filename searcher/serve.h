/* serve.h — nsearch serve: an HTTP/JSON search service over one index.
 *
 * The parts, each in its own file:
 *   serve.c       options, the listening socket, the daemon, the refresh
 *                 thread, signals and shutdown (serve_main)
 *   serve_http.c  libmicrohttpd callbacks: request records, routing, methods,
 *                 the bearer token, CORS, common headers, the access log
 *   serve_api.c   the endpoints: /search, /doc/{id}, /stats, /health and
 *                 the JSON error bodies (docs/http-api.md)
 *   serve_conn.c  connections: per-client limits (IPv6 per /64), the
 *                 request deadline, the reserve kept for /health
 *   serve_url.c   request targets: path, percent-decoding, parameters
 *   serve_page.c  the search page served at /
 *
 * One ns_index is shared by every request thread (nsearch.h allows parse,
 * search, snippets, stats and refresh to run concurrently); the refresh
 * thread swaps in new generations under them. */
#ifndef NSEARCH_SERVE_H
#define NSEARCH_SERVE_H

#include <microhttpd.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "nsearch.h"

/* Limits of the service (docs/http-api.md, "Limits"). */
#define SERVE_MAX_TARGET 8192          /* bytes of a request target (path + query) */
#define SERVE_MAX_PARAMS 32            /* query-string parameters */
#define SERVE_MAX_N 1000               /* hits per page */
#define SERVE_MAX_OFFSET 10000         /* hits skipped */
#define SERVE_REFRESH_MS 500           /* period of the refresh thread */
#define SERVE_MAX_ALLOW_HOSTS 32       /* --allow-host names */
#define SERVE_HEALTH_RESERVE 8         /* connections past --max-connections, for /health */
#define SERVE_RESERVE_PER_CLIENT 2     /* reserve connections per client */
#define SERVE_RESERVE_DEADLINE_MS 2000 /* a reserve connection's time to send its request */
#define SERVE_REAP_MS 200              /* how often deadlines are checked */

typedef struct serve_config {
    const char *index;          /* index directory */
    const char *listen;         /* HOST:PORT, [V6]:PORT or PORT */
    const char *token;          /* bearer token, or NULL */
    const char *cors;           /* allowed origin, or NULL: no CORS headers */
    const char *port_file;      /* where to write the bound port, or NULL */
    unsigned threads;           /* request threads */
    unsigned per_client;        /* concurrent connections per client address */
    unsigned timeout_s;         /* idle connection timeout */
    unsigned max_connections;   /* the pool; SERVE_HEALTH_RESERVE more for /health */
    unsigned request_timeout_s; /* time to send a whole request */
    double query_timeout_s;     /* a search's deadline, snippets included; 0: none */
    const char *allow_host[SERVE_MAX_ALLOW_HOSTS]; /* more Host names served without a token */
    unsigned n_allow_host;
    int insecure_public; /* allow a non-loopback address without a token */
    int quiet;           /* no access log */
} serve_config;

/* State shared by all request threads. */
typedef struct server {
    ns_index *idx;
    const serve_config *cfg;
    int inflight;                       /* requests begun and not finished (atomic) */
    pthread_mutex_t mu;                 /* guards refresh_error and damage */
    char refresh_error[NS_ERRBUF_SIZE]; /* last refresh failure, "" when fine */
    char damage[NS_ERRBUF_SIZE];        /* a request found the index damaged
                                           (NS_ECORRUPT): the message, until a
                                           refresh loads another generation */
    pthread_mutex_t conn_mu;            /* guards conns and their records */
    struct serve_conn *conns;           /* the open connections (serve_conn.c) */
} server;

/* A response under construction: status, body and the headers that vary. */
typedef struct serve_reply {
    unsigned status;
    char *body; /* malloc'd, or NULL with len 0 */
    size_t len;
    const char *type;  /* Content-Type */
    const char *allow; /* Allow header (405, OPTIONS), or NULL */
    int challenge;     /* 401: send WWW-Authenticate */
    int page;          /* the HTML page: persistent body, CSP header */
    int close;         /* send Connection: close */
} serve_reply;

/* ---- serve_url.c */

typedef struct url_param {
    const char *key, *val; /* decoded, NUL-terminated (may hold no NUL) */
    size_t key_len, val_len;
} url_param;

typedef struct url_query {
    char *arena; /* the decoded keys and values */
    url_param p[SERVE_MAX_PARAMS];
    size_t n;
} url_query;

/* Parses a query string (the part after '?') into decoded parameters:
 * '+' is a space, %XX a byte; keys and values must be valid UTF-8 without
 * NUL, and a key may occur once. Returns 0, or -1 with a message in err. */
int url_parse_query(const char *s, size_t len, url_query *q, char *err, size_t errlen);
const url_param *url_get(const url_query *q, const char *key);
void url_query_free(url_query *q);

/* Percent-decodes a path segment into out (room for len bytes; '+' stays).
 * Returns the decoded length, or -1 on a malformed escape. */
long url_decode_path(const char *s, size_t len, char *out);

/* ---- serve_api.c: each fills *out (status, JSON body). */

void api_search(server *srv, const url_query *params, serve_reply *out);
void api_doc(server *srv, const char *id, size_t id_len, serve_reply *out);
void api_stats(server *srv, serve_reply *out);
void api_health(server *srv, serve_reply *out);

/* A JSON error body: {"status":N,"error":"code","message":"..."} plus
 * "offset" when offset >= 0 and "param" when param is not NULL. */
void api_error(serve_reply *out, unsigned status, const char *code, const char *message,
               long offset, const char *param);

/* ---- serve_http.c: libmicrohttpd callbacks, cls being the server. */

void *http_request_begin(void *cls, const char *uri, struct MHD_Connection *c);
enum MHD_Result http_request_handle(void *cls, struct MHD_Connection *c, const char *url,
                                    const char *method, const char *version, const char *upload,
                                    size_t *upload_size, void **req_cls);
void http_request_end(void *cls, struct MHD_Connection *c, void **req_cls,
                      enum MHD_RequestTerminationCode toe);

/* ---- serve_conn.c: the connection records, cls being the server. */

typedef struct serve_conn serve_conn;

/* MHD_OPTION_NOTIFY_CONNECTION: opens and closes the records, refusing a
 * connection past the limits. */
void conn_notify(void *cls, struct MHD_Connection *c, void **socket_context,
                 enum MHD_ConnectionNotificationCode code);
serve_conn *conn_of(struct MHD_Connection *c); /* NULL when it has none */
int conn_is_reserve(const serve_conn *sc);
int conn_was_killed(serve_conn *sc); /* closed here for its deadline or a limit */
/* The request is complete and being answered: no deadline until it ends. */
void conn_answering(server *srv, serve_conn *sc);
/* A request ended: the next one must come within the deadline. */
void conn_request_done(server *srv, serve_conn *sc);
/* Shuts down the connections past their deadline; returns how many. */
unsigned conn_reap(server *srv);

/* ---- serve_page.c */

extern const char serve_page_html[];
extern const size_t serve_page_len;

#endif
