/* serve.c — nsearch serve: options, the listening socket, the HTTP daemon,
 * the refresh thread, signals and a clean shutdown.
 *
 * Safe by default: the service listens on loopback; any other address needs
 * a bearer token (--token, --token-file) or an explicit --insecure-public.
 * The daemon is libmicrohttpd with a pool of threads, each running its own
 * epoll loop, all sharing one ns_index. A timer thread calls ns_index_refresh
 * every SERVE_REFRESH_MS, so a commit by nindex, or another index rebuilt or
 * moved in at the path, is served within a second; requests in flight keep
 * the generation they started on. A segment cut or overwritten under the
 * server makes the requests that read it answer 503 (the SIGBUS guard,
 * ns_fault_guard_install, and the refresh's checks) and /health degraded,
 * until the index is sound again.
 *
 * Shutdown (SIGINT or SIGTERM): stop accepting connections, let the requests
 * in flight finish (up to SHUTDOWN_GRACE_MS, or until a second signal), then
 * stop the daemon and the refresh thread and close the index. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netdb.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "cliopt.h"
#include "serve.h"

enum { EXIT_OK = 0, EXIT_FAIL = 2 };

#define MIN_TOKEN_BYTES 16
#define MAX_TOKEN_BYTES 512
#define SHUTDOWN_GRACE_MS 10000
#define CONNECTION_MEMORY (32u << 10) /* request line and headers must fit */

enum {
    OPT_LISTEN = 256,
    OPT_TOKEN,
    OPT_TOKEN_FILE,
    OPT_INSECURE,
    OPT_CORS,
    OPT_PORT_FILE,
    OPT_THREADS,
    OPT_PER_CLIENT,
    OPT_TIMEOUT,
    OPT_MAX_CONN,
    OPT_REQ_TIMEOUT,
    OPT_QUERY_TIMEOUT,
    OPT_ALLOW_HOST,
    OPT_QUIET
};

/* Each option once: getopt_long's tables and --help come from here. */
static const cliopt serve_options[] = {
    {"index", 'd', required_argument, "INDEX", "index directory (default as for nsearch)"},
    {"listen", OPT_LISTEN, required_argument, "ADDR",
     "HOST:PORT, [IPv6]:PORT or PORT to listen on\n"
     "(default 127.0.0.1:8080; port 0 picks a free one)"},
    {"token", OPT_TOKEN, required_argument, "TOKEN",
     "require 'Authorization: Bearer TOKEN' on the API\n"
     "(at least 16 characters)"},
    {"token-file", OPT_TOKEN_FILE, required_argument, "FILE",
     "read the token from the first line of FILE\n"
     "(keeps it out of the process list)"},
    {"insecure-public", OPT_INSECURE, no_argument, NULL,
     "allow a non-loopback address without a token"},
    {"allow-host", OPT_ALLOW_HOST, required_argument, "NAME",
     "also serve requests whose Host is NAME (any port;\n"
     "repeatable). Without a token only localhost,\n"
     "127.0.0.1 and [::1] are served (DNS rebinding)"},
    {"cors", OPT_CORS, required_argument, "ORIGIN",
     "allow browser pages from ORIGIN (or *) to call\n"
     "the API (default: no CORS headers)"},
    {"port-file", OPT_PORT_FILE, required_argument, "FILE", "write the port listened on to FILE"},
    {"threads", OPT_THREADS, required_argument, "N", "request threads (default 4)"},
    {"max-per-client", OPT_PER_CLIENT, required_argument, "N",
     "concurrent connections per client address, an\n"
     "IPv6 client counting per /64 (default 32)"},
    {"max-connections", OPT_MAX_CONN, required_argument, "N",
     "concurrent connections in all (default 512);\n"
     "8 more are kept for /health"},
    {"request-timeout", OPT_REQ_TIMEOUT, required_argument, "SECONDS",
     "close a connection that has not sent a whole\n"
     "request this long after it opened or after its\n"
     "last response, however it dribbles (default 10)"},
    {"query-timeout", OPT_QUERY_TIMEOUT, required_argument, "SECONDS",
     "a search (snippets included) running longer is\n"
     "stopped and answered 503 timeout (default 2;\n"
     "0: no limit; fractions such as 0.5 allowed)"},
    {"timeout", OPT_TIMEOUT, required_argument, "SECONDS",
     "close connections idle this long (default 30)"},
    {"quiet", OPT_QUIET, no_argument, NULL, "no access log on standard error"},
    {"help", 'h', no_argument, NULL, "show this help and exit"},
};
#define NSERVE_OPTIONS (sizeof serve_options / sizeof serve_options[0])

static void serve_usage(FILE *out)
{
    fputs("Usage: nsearch serve [OPTION]...\n"
          "Serve an index over HTTP: a JSON API (/search, /doc/ID, /stats, /health)\n"
          "and a search page at /. The API is described in docs/http-api.md.\n"
          "New commits by nindex are picked up within a second.\n"
          "\n"
          "Options:\n",
          out);
    cliopt_help(out, serve_options, NSERVE_OPTIONS, 27, ' ');
    fputs("\n"
          "Stop with SIGINT (Ctrl-C) or SIGTERM: requests in flight are finished.\n",
          out);
}

static int serve_usage_error(const char *fmt, const char *arg)
{
    fputs("nsearch serve: ", stderr);
    fprintf(stderr, fmt, arg);
    fputs("\nTry 'nsearch serve --help' for more information.\n", stderr);
    return EXIT_FAIL;
}

/* ------------------------------------------------------------ options */

/* A number of seconds from 0 to hi, fractions allowed ("0.05"). */
static int parse_seconds(const char *s, double hi, double *out)
{
    char *end;
    double v;

    if ((*s < '0' || *s > '9') && *s != '.')
        return -1;
    errno = 0;
    v = strtod(s, &end);
    if (end == s || *end != '\0' || errno != 0 || !(v >= 0 && v <= hi))
        return -1;
    *out = v;
    return 0;
}

static int parse_count(const char *s, unsigned lo, unsigned hi, unsigned *out)
{
    char *end;
    unsigned long v;

    if (*s < '0' || *s > '9')
        return -1;
    errno = 0;
    v = strtoul(s, &end, 10);
    if (errno != 0 || *end != '\0' || v < lo || v > hi)
        return -1;
    *out = (unsigned)v;
    return 0;
}

/* A token goes into a header: printable ASCII without spaces. */
static int valid_token(const char *t)
{
    size_t n = strlen(t);

    if (n < MIN_TOKEN_BYTES || n > MAX_TOKEN_BYTES)
        return 0;
    for (; *t != '\0'; t++)
        if (*t <= ' ' || *t >= 0x7F)
            return 0;
    return 1;
}

/* A name for --allow-host: letters, digits, '.', '-' and '_' (a name or an
 * IPv4 address), or an IPv6 address in brackets; no port. */
static int valid_host_name(const char *h)
{
    size_t n = strlen(h);

    if (n == 0 || n > 253)
        return 0;
    if (h[0] == '[')
        return n > 2 && h[n - 1] == ']' && strspn(h + 1, "0123456789abcdefABCDEF:.") == n - 2;
    return strspn(h, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_") == n;
}

/* Reads the first line of path into buf (NUL-terminated, line break cut). */
static int read_token_file(const char *path, char *buf, size_t len)
{
    FILE *f = fopen(path, "r");

    if (f == NULL) {
        fprintf(stderr, "nsearch serve: cannot open %s: %s\n", path, strerror(errno));
        return -1;
    }
    if (fgets(buf, (int)len, f) == NULL)
        buf[0] = '\0';
    fclose(f);
    buf[strcspn(buf, "\r\n")] = '\0';
    return 0;
}

static int apply_serve_option(serve_config *cfg, int c, const char *arg, char *token_buf,
                              size_t token_len)
{
    switch (c) {
    case 'd':
        cfg->index = arg;
        break;
    case OPT_LISTEN:
        cfg->listen = arg;
        break;
    case OPT_TOKEN:
        cfg->token = arg;
        break;
    case OPT_TOKEN_FILE:
        if (read_token_file(arg, token_buf, token_len) != 0)
            return EXIT_FAIL;
        cfg->token = token_buf;
        break;
    case OPT_INSECURE:
        cfg->insecure_public = 1;
        break;
    case OPT_CORS:
        if (*arg == '\0' || strpbrk(arg, "\r\n") != NULL)
            return serve_usage_error("--cors wants an origin such as https://example.org, not '%s'",
                                     arg);
        cfg->cors = arg;
        break;
    case OPT_PORT_FILE:
        cfg->port_file = arg;
        break;
    case OPT_THREADS:
        if (parse_count(arg, 1, 256, &cfg->threads) != 0)
            return serve_usage_error("--threads wants a number from 1 to 256, not '%s'", arg);
        break;
    case OPT_PER_CLIENT:
        if (parse_count(arg, 1, 10000, &cfg->per_client) != 0)
            return serve_usage_error("--max-per-client wants a number from 1 to 10000, not '%s'",
                                     arg);
        break;
    case OPT_TIMEOUT:
        if (parse_count(arg, 1, 86400, &cfg->timeout_s) != 0)
            return serve_usage_error("--timeout wants seconds from 1 to 86400, not '%s'", arg);
        break;
    case OPT_MAX_CONN:
        if (parse_count(arg, 1, 100000, &cfg->max_connections) != 0)
            return serve_usage_error("--max-connections wants a number from 1 to 100000, not '%s'",
                                     arg);
        break;
    case OPT_REQ_TIMEOUT:
        if (parse_count(arg, 1, 86400, &cfg->request_timeout_s) != 0)
            return serve_usage_error("--request-timeout wants seconds from 1 to 86400, not '%s'",
                                     arg);
        break;
    case OPT_QUERY_TIMEOUT:
        if (parse_seconds(arg, 3600, &cfg->query_timeout_s) != 0)
            return serve_usage_error("--query-timeout wants seconds from 0 to 3600, not '%s'", arg);
        break;
    case OPT_ALLOW_HOST:
        if (!valid_host_name(arg))
            return serve_usage_error("--allow-host wants a host name or address without a port "
                                     "(search.lan, 192.168.1.5, [fe80::1]), not '%s'",
                                     arg);
        if (cfg->n_allow_host == SERVE_MAX_ALLOW_HOSTS)
            return serve_usage_error("%s", "at most 32 --allow-host names");
        cfg->allow_host[cfg->n_allow_host++] = arg;
        break;
    case OPT_QUIET:
        cfg->quiet = 1;
        break;
    case 'h':
        serve_usage(stdout);
        return EXIT_OK;
    default:
        return -2;
    }
    return -1;
}

/* Returns -1 to go on, or an exit status. */
static int parse_serve_args(int argc, char **argv, serve_config *cfg, char *token_buf,
                            size_t token_len)
{
    int c;
    cliopt_getopt g;

    cliopt_tables(serve_options, NSERVE_OPTIONS, &g);
    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, g.shortopts, g.longopts, NULL)) != -1) {
        int st = apply_serve_option(cfg, c, optarg, token_buf, token_len);

        if (st == -2)
            return serve_usage_error(c == ':' ? "option '%s' needs a value" : "unknown option '%s'",
                                     argv[optind - 1]);
        if (st != -1)
            return st;
    }
    if (optind < argc)
        return serve_usage_error("unexpected argument '%s'", argv[optind]);
    if (cfg->token != NULL && !valid_token(cfg->token))
        return serve_usage_error("%s", "the token must be 16 to 512 printable characters "
                                       "without spaces");
    return -1;
}

/* ------------------------------------------------------------ the socket */

/* Splits HOST:PORT, [V6]:PORT or PORT (host 127.0.0.1) into host and port. */
static int split_listen(const char *spec, char *host, size_t hlen, char *port, size_t plen)
{
    const char *colon;

    if (spec[0] == '[') {
        const char *close = strchr(spec, ']');

        if (close == NULL || close[1] != ':' || (size_t)(close - spec - 1) >= hlen)
            return -1;
        snprintf(host, hlen, "%.*s", (int)(close - spec - 1), spec + 1);
        colon = close + 1;
    } else if ((colon = strrchr(spec, ':')) == NULL) {
        snprintf(host, hlen, "127.0.0.1");
        colon = spec - 1;
    } else {
        if ((size_t)(colon - spec) >= hlen || memchr(spec, ':', (size_t)(colon - spec)) != NULL)
            return -1;
        snprintf(host, hlen, "%.*s", (int)(colon - spec), spec);
    }
    if (snprintf(port, plen, "%s", colon + 1) >= (int)plen || port[0] == '\0' ||
        strspn(port, "0123456789") != strlen(port) || atol(port) > 65535)
        return -1;
    return host[0] != '\0' ? 0 : -1;
}

static int is_loopback(const struct sockaddr *sa)
{
    if (sa->sa_family == AF_INET) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)(const void *)sa;

        return (ntohl(in->sin_addr.s_addr) >> 24) == 127;
    }
    if (sa->sa_family == AF_INET6) {
        const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)(const void *)sa;
        const uint8_t *b = in6->sin6_addr.s6_addr;

        if (IN6_IS_ADDR_LOOPBACK(&in6->sin6_addr))
            return 1;
        return IN6_IS_ADDR_V4MAPPED(&in6->sin6_addr) && b[12] == 127;
    }
    return 0;
}

/* The bound address as a URL ("http://127.0.0.1:8080/"). */
static void bound_url(int fd, char *url, size_t len, unsigned *port)
{
    struct sockaddr_storage ss;
    socklen_t sl = sizeof ss;
    char host[NI_MAXHOST] = "?", serv[NI_MAXSERV] = "0";

    if (getsockname(fd, (struct sockaddr *)&ss, &sl) == 0)
        getnameinfo((struct sockaddr *)&ss, sl, host, sizeof host, serv, sizeof serv,
                    NI_NUMERICHOST | NI_NUMERICSERV);
    *port = (unsigned)atoi(serv);
    if (ss.ss_family == AF_INET6)
        snprintf(url, len, "http://[%s]:%s/", host, serv);
    else
        snprintf(url, len, "http://%s:%s/", host, serv);
}

/* Resolves, checks the token rule, binds and listens. Returns the socket, or
 * -1 after printing why. */
static int open_listener(const serve_config *cfg)
{
    struct addrinfo hints = {0}, *ai = NULL;
    char host[256], port[16];
    int fd, one = 1, rc;

    if (split_listen(cfg->listen, host, sizeof host, port, sizeof port) != 0) {
        serve_usage_error("--listen wants HOST:PORT, [IPv6]:PORT or PORT, not '%s'", cfg->listen);
        return -1;
    }
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    if ((rc = getaddrinfo(host, port, &hints, &ai)) != 0) {
        fprintf(stderr, "nsearch serve: cannot resolve %s: %s\n", host, gai_strerror(rc));
        return -1;
    }
    if (!is_loopback(ai->ai_addr) && cfg->token == NULL && !cfg->insecure_public) {
        fprintf(stderr,
                "nsearch serve: %s is not a loopback address: anyone who can reach it could\n"
                "search the index. Give --token-file FILE (or --token TOKEN), or\n"
                "--insecure-public if that is really what you want.\n",
                host);
        freeaddrinfo(ai);
        return -1;
    }
    if (!is_loopback(ai->ai_addr) && cfg->token == NULL && cfg->n_allow_host == 0)
        fputs("nsearch serve: without a token only requests for localhost, 127.0.0.1 and [::1]\n"
              "are served; give --allow-host NAME for each name or address clients use\n",
              stderr);
    fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
        bind(fd, ai->ai_addr, ai->ai_addrlen) != 0 || listen(fd, 128) != 0) {
        fprintf(stderr, "nsearch serve: cannot listen on %s: %s\n", cfg->listen, strerror(errno));
        if (fd >= 0)
            close(fd);
        fd = -1;
    }
    freeaddrinfo(ai);
    return fd;
}

/* Writes "PORT\n" to path through a temporary file and a rename, so that a
 * reader never sees a half-written port. */
static int write_port_file(const char *path, unsigned port)
{
    size_t n = strlen(path) + 16;
    char *tmp = malloc(n);
    FILE *f;
    int ok;

    if (tmp == NULL)
        return -1;
    snprintf(tmp, n, "%s.tmp", path);
    f = fopen(tmp, "w");
    ok = f != NULL && fprintf(f, "%u\n", port) > 0;
    if (f != NULL && fclose(f) != 0)
        ok = 0;
    if (ok && rename(tmp, path) != 0)
        ok = 0;
    if (!ok) {
        fprintf(stderr, "nsearch serve: cannot write %s: %s\n", path, strerror(errno));
        unlink(tmp);
    }
    free(tmp);
    return ok ? 0 : -1;
}

/* ------------------------------------------------------------ refreshing */

typedef struct refresher {
    server *srv;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int stop;
    unsigned long long generation; /* the generation served (refresh thread only) */
} refresher;

/* One refresh: what the library loaded (ns_index_refresh: a new commit,
 * another index at the path, the same generation again after its files
 * changed) is logged; a failure is logged once per message and makes
 * /health degraded until a refresh succeeds. A refresh that loads another
 * generation also ends the degradation a damaged answer started. */
static void refresh_once(refresher *rf)
{
    server *srv = rf->srv;
    int changed = 0, rc = ns_index_refresh(srv->idx, &changed);
    char msg[NS_ERRBUF_SIZE] = "";
    int report;
    ns_stats st;

    if (rc != NS_OK)
        snprintf(msg, sizeof msg, "%s",
                 *ns_index_errmsg(srv->idx) != '\0' ? ns_index_errmsg(srv->idx) : ns_strerror(rc));
    pthread_mutex_lock(&srv->mu);
    report = strcmp(msg, srv->refresh_error) != 0;
    snprintf(srv->refresh_error, sizeof srv->refresh_error, "%s", msg);
    if (changed)
        srv->damage[0] = '\0';
    pthread_mutex_unlock(&srv->mu);
    if (report && rc != NS_OK)
        fprintf(stderr,
                "nsearch serve: cannot refresh the index (still serving the last "
                "generation): %s\n",
                msg);
    else if (report)
        fputs("nsearch serve: the index can be refreshed again\n", stderr);
    if (!changed || ns_index_stats(srv->idx, &st) != NS_OK)
        return;
    if (changed == NS_REFRESH_REPLACED)
        fprintf(stderr,
                "nsearch serve: %s was replaced by another index: now serving its generation "
                "%llu (%llu documents) instead of generation %llu\n",
                srv->cfg->index, (unsigned long long)st.generation,
                (unsigned long long)st.documents, rf->generation);
    else if (changed == NS_REFRESH_RELOADED)
        fprintf(stderr,
                "nsearch serve: %s: files of generation %llu changed on disk; loaded and "
                "verified it again (%llu documents)\n",
                srv->cfg->index, (unsigned long long)st.generation,
                (unsigned long long)st.documents);
    else if (!srv->cfg->quiet)
        fprintf(stderr, "nsearch serve: now serving generation %llu (%llu documents)\n",
                (unsigned long long)st.generation, (unsigned long long)st.documents);
    rf->generation = (unsigned long long)st.generation;
}

static void *refresh_loop(void *arg)
{
    refresher *rf = arg;

    pthread_mutex_lock(&rf->mu);
    while (!rf->stop) {
        struct timespec until;

        clock_gettime(CLOCK_MONOTONIC, &until);
        until.tv_nsec += SERVE_REFRESH_MS * 1000000L;
        until.tv_sec += until.tv_nsec / 1000000000L;
        until.tv_nsec %= 1000000000L;
        while (!rf->stop && pthread_cond_timedwait(&rf->cv, &rf->mu, &until) != ETIMEDOUT)
            ;
        if (rf->stop)
            break;
        pthread_mutex_unlock(&rf->mu);
        refresh_once(rf);
        pthread_mutex_lock(&rf->mu);
    }
    pthread_mutex_unlock(&rf->mu);
    return NULL;
}

static int refresher_start(refresher *rf, server *srv)
{
    pthread_condattr_t ca;
    ns_stats st;

    rf->srv = srv;
    rf->stop = 0;
    rf->generation = ns_index_stats(srv->idx, &st) == NS_OK ? st.generation : 0;
    pthread_mutex_init(&rf->mu, NULL);
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&rf->cv, &ca);
    pthread_condattr_destroy(&ca);
    if (pthread_create(&rf->thread, NULL, refresh_loop, rf) != 0) {
        pthread_cond_destroy(&rf->cv);
        pthread_mutex_destroy(&rf->mu);
        return -1;
    }
    return 0;
}

static void refresher_stop(refresher *rf)
{
    pthread_mutex_lock(&rf->mu);
    rf->stop = 1;
    pthread_cond_signal(&rf->cv);
    pthread_mutex_unlock(&rf->mu);
    pthread_join(rf->thread, NULL);
    pthread_cond_destroy(&rf->cv);
    pthread_mutex_destroy(&rf->mu);
}

/* ------------------------------------------------------------ the daemon */

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
    const serve_config *cfg = cls;

    if (cfg->quiet)
        return;
    fputs("nsearch serve: http: ", stderr);
    vfprintf(stderr, fmt, ap);
}

static struct MHD_Daemon *start_daemon(server *srv, int fd, int ipv6)
{
    const serve_config *cfg = srv->cfg;
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ITC |
                     MHD_USE_ERROR_LOG | (ipv6 ? MHD_USE_IPv6 : 0);
    struct MHD_OptionItem pool[] = {
        {cfg->threads > 1 ? MHD_OPTION_THREAD_POOL_SIZE : MHD_OPTION_END, cfg->threads, NULL},
        {MHD_OPTION_END, 0, NULL},
    };

    return MHD_start_daemon(
        flags, 0, NULL, NULL, http_request_handle, srv, MHD_OPTION_EXTERNAL_LOGGER, mhd_log,
        (void *)cfg, MHD_OPTION_LISTEN_SOCKET, fd, MHD_OPTION_CONNECTION_LIMIT,
        cfg->max_connections + SERVE_HEALTH_RESERVE, MHD_OPTION_NOTIFY_CONNECTION, conn_notify, srv,
        MHD_OPTION_CONNECTION_TIMEOUT, cfg->timeout_s, MHD_OPTION_CONNECTION_MEMORY_LIMIT,
        (size_t)CONNECTION_MEMORY, MHD_OPTION_STRICT_FOR_CLIENT, 1, MHD_OPTION_URI_LOG_CALLBACK,
        http_request_begin, srv, MHD_OPTION_NOTIFY_COMPLETED, http_request_end, srv,
        MHD_OPTION_ARRAY, pool, MHD_OPTION_END);
}

/* Closes the connections past their request deadline (serve_conn.c). */
static void reap(server *srv)
{
    unsigned n = conn_reap(srv);

    if (n > 0 && !srv->cfg->quiet)
        fprintf(stderr,
                "nsearch serve: closed %u connection%s that did not send a whole request "
                "in time\n",
                n, n == 1 ? "" : "s");
}

/* Waits for SIGINT or SIGTERM (blocked in every thread), closing the
 * connections past their deadline meanwhile. */
static int wait_for_signal(server *srv, const sigset_t *set)
{
    const struct timespec tick = {0, SERVE_REAP_MS * 1000000L};

    for (;;) {
        int sig = sigtimedwait(set, NULL, &tick);

        if (sig > 0)
            return sig;
        reap(srv);
    }
}

/* Stops accepting, then lets the requests in flight finish. */
static void drain(server *srv, struct MHD_Daemon *d, const sigset_t *set)
{
    const struct timespec tick = {0, 20 * 1000000L};
    MHD_socket lfd = MHD_quiesce_daemon(d);

    if (lfd != MHD_INVALID_SOCKET)
        close(lfd);
    for (int waited = 0; waited < SHUTDOWN_GRACE_MS; waited += 20) {
        if (__atomic_load_n(&srv->inflight, __ATOMIC_ACQUIRE) <= 0)
            return;
        if (sigtimedwait(set, NULL, &tick) > 0) {
            fputs("nsearch serve: second signal: stopping now\n", stderr);
            return;
        }
        reap(srv);
    }
    fputs("nsearch serve: requests still running after 10 s: stopping anyway\n", stderr);
}

/* Runs the service until a signal; the index is open, fd listening. */
static int run_server(server *srv, int fd, int ipv6)
{
    sigset_t set;
    refresher rf;
    struct MHD_Daemon *d;
    char url[NI_MAXHOST + 32];
    unsigned port;
    ns_stats st = {0};
    int sig, status = EXIT_OK;

    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, NULL); /* threads created below inherit it */
    signal(SIGPIPE, SIG_IGN);
    /* a segment cut under the server (cp, rsync --inplace) makes the search
     * that reads it fail with NS_ECORRUPT (503) instead of SIGBUS */
    if (ns_fault_guard_install() != NS_OK)
        fputs("nsearch serve: cannot install the SIGBUS guard: a segment file cut while "
              "being read will stop the server\n",
              stderr);
    if (refresher_start(&rf, srv) != 0) {
        fputs("nsearch serve: cannot start the refresh thread\n", stderr);
        close(fd);
        return EXIT_FAIL;
    }
    d = start_daemon(srv, fd, ipv6);
    if (d == NULL) {
        fputs("nsearch serve: cannot start the HTTP daemon\n", stderr);
        refresher_stop(&rf);
        close(fd);
        return EXIT_FAIL;
    }
    bound_url(fd, url, sizeof url, &port);
    ns_index_stats(srv->idx, &st);
    fprintf(stderr, "nsearch: serving on %s (generation %llu, %llu documents)\n", url,
            (unsigned long long)st.generation, (unsigned long long)st.documents);
    if (srv->cfg->port_file != NULL && write_port_file(srv->cfg->port_file, port) != 0) {
        status = EXIT_FAIL;
    } else {
        sig = wait_for_signal(srv, &set);
        fprintf(stderr, "nsearch serve: %s: finishing requests and stopping\n",
                sig == SIGINT ? "interrupted" : "terminated");
        drain(srv, d, &set);
    }
    MHD_stop_daemon(d);
    refresher_stop(&rf);
    return status;
}

static int open_served_index(ns_index **idx, const char *path)
{
    char errbuf[NS_ERRBUF_SIZE] = "";
    int rc = ns_index_open(idx, path, errbuf, sizeof errbuf);

    if (rc == NS_OK)
        return 0;
    if (rc == NS_ENOTFOUND)
        fprintf(stderr, "nsearch serve: no index at %s (create one with nindex -d %s PATH...)\n",
                path, path);
    else
        fprintf(stderr, "nsearch serve: %s\n", errbuf[0] != '\0' ? errbuf : ns_strerror(rc));
    return -1;
}

int serve_main(int argc, char **argv)
{
    serve_config cfg = {.listen = "127.0.0.1:8080",
                        .threads = 4,
                        .per_client = 32,
                        .timeout_s = 30,
                        .max_connections = 512,
                        .request_timeout_s = 10,
                        .query_timeout_s = 2};
    server srv = {
        .cfg = &cfg, .mu = PTHREAD_MUTEX_INITIALIZER, .conn_mu = PTHREAD_MUTEX_INITIALIZER};
    char token_buf[MAX_TOKEN_BYTES + 2] = "";
    char *path = NULL;
    int status = parse_serve_args(argc, argv, &cfg, token_buf, sizeof token_buf);
    int fd = -1;

    if (status != -1)
        return status;
    path = cfg.index != NULL ? strdup(cfg.index) : default_index_path();
    if (path == NULL)
        return EXIT_FAIL;
    cfg.index = path;
    status = EXIT_FAIL;
    if (open_served_index(&srv.idx, path) == 0 && (fd = open_listener(&cfg)) >= 0) {
        struct sockaddr_storage ss;
        socklen_t sl = sizeof ss;
        int ipv6 = getsockname(fd, (struct sockaddr *)&ss, &sl) == 0 && ss.ss_family == AF_INET6;

        status = run_server(&srv, fd, ipv6);
    }
    ns_index_close(srv.idx);
    pthread_mutex_destroy(&srv.mu);
    pthread_mutex_destroy(&srv.conn_mu);
    free(path);
    return status;
}
