/* serve_conn.c — the connections of nsearch serve: who may hold one, for how
 * long, and the reserve kept for /health.
 *
 * libmicrohttpd tells us when a connection opens and closes
 * (MHD_OPTION_NOTIFY_CONNECTION); each open connection has a record here, in
 * one list under srv->conn_mu. The record carries:
 *   - the client key: the IPv4 address, or the /64 prefix of an IPv6 one, so
 *     that --max-per-client holds for a whole IPv6 subnet;
 *   - a deadline: a connection must deliver a complete request (line, headers
 *     and any body) within --request-timeout seconds of its opening or of the
 *     end of its previous response, however it dribbles the bytes; the main
 *     thread calls conn_reap a few times a second and shuts down the sockets
 *     past their deadline (libmicrohttpd then reads end-of-file and closes
 *     them: the socket is still open, since the close notice, which takes the
 *     same lock, comes before libmicrohttpd closes it);
 *   - whether it is in the reserve: past --max-connections, a few more
 *     connections (SERVE_HEALTH_RESERVE) are accepted, for /health only,
 *     with a short deadline, from clients that hold no connection in the
 *     pool (those filling it cannot take the reserve too), two at most
 *     each (a probe's previous connection may not be closed yet).
 * A connection refused here (too many from its client, or no room at all) is
 * shut down at once, like libmicrohttpd's own limits do. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "serve.h"

struct serve_conn {
    struct serve_conn *prev, *next;
    MHD_socket fd;
    uint64_t deadline_us;  /* 0 while a request is being answered */
    unsigned char key[17]; /* client key: family byte, then the address or prefix */
    int reserve;           /* beyond --max-connections: /health only */
    int killed;            /* shut down here (deadline or refusal), read atomically */
};

static uint64_t mono_us(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* IPv4 (and IPv4-mapped IPv6): the address; IPv6: its /64 prefix. */
static void client_key(const struct sockaddr *sa, unsigned char key[17])
{
    memset(key, 0, 17);
    if (sa == NULL)
        return;
    if (sa->sa_family == AF_INET) {
        key[0] = 4;
        memcpy(key + 1, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, 4);
    } else if (sa->sa_family == AF_INET6) {
        const struct in6_addr *a = &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr;

        if (IN6_IS_ADDR_V4MAPPED(a)) {
            key[0] = 4;
            memcpy(key + 1, a->s6_addr + 12, 4);
        } else {
            key[0] = 6;
            memcpy(key + 1, a->s6_addr, 8);
        }
    }
}

static void conn_opened(server *srv, struct MHD_Connection *c, void **socket_context)
{
    const serve_config *cfg = srv->cfg;
    const union MHD_ConnectionInfo *fi =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
    const union MHD_ConnectionInfo *ai =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    serve_conn *sc;
    unsigned same = 0, same_pool = 0, live = 0;
    int refuse;

    if (fi == NULL)
        return;
    sc = calloc(1, sizeof *sc);
    if (sc == NULL) {
        shutdown(fi->connect_fd, SHUT_RDWR); /* cannot keep its deadline: refuse it */
        return;
    }
    sc->fd = fi->connect_fd;
    client_key(ai != NULL ? ai->client_addr : NULL, sc->key);
    pthread_mutex_lock(&srv->conn_mu);
    for (const serve_conn *o = srv->conns; o != NULL; o = o->next) {
        if (o->killed)
            continue;
        live++;
        if (memcmp(o->key, sc->key, sizeof sc->key) == 0) {
            same++;
            same_pool += !o->reserve;
        }
    }
    sc->reserve = live >= cfg->max_connections;
    refuse = same >= cfg->per_client || live >= cfg->max_connections + SERVE_HEALTH_RESERVE ||
             (sc->reserve && (same_pool > 0 || same >= SERVE_RESERVE_PER_CLIENT));
    sc->deadline_us = mono_us() + (sc->reserve ? SERVE_RESERVE_DEADLINE_MS * 1000u
                                               : cfg->request_timeout_s * 1000000u);
    __atomic_store_n(&sc->killed, refuse, __ATOMIC_RELAXED);
    sc->next = srv->conns;
    if (srv->conns != NULL)
        srv->conns->prev = sc;
    srv->conns = sc;
    if (refuse)
        shutdown(sc->fd, SHUT_RDWR);
    pthread_mutex_unlock(&srv->conn_mu);
    *socket_context = sc;
}

static void conn_closed(server *srv, void **socket_context)
{
    serve_conn *sc = *socket_context;

    if (sc == NULL)
        return;
    pthread_mutex_lock(&srv->conn_mu);
    if (sc->prev != NULL)
        sc->prev->next = sc->next;
    else
        srv->conns = sc->next;
    if (sc->next != NULL)
        sc->next->prev = sc->prev;
    pthread_mutex_unlock(&srv->conn_mu);
    free(sc);
    *socket_context = NULL;
}

void conn_notify(void *cls, struct MHD_Connection *c, void **socket_context,
                 enum MHD_ConnectionNotificationCode code)
{
    if (code == MHD_CONNECTION_NOTIFY_STARTED)
        conn_opened(cls, c, socket_context);
    else if (code == MHD_CONNECTION_NOTIFY_CLOSED)
        conn_closed(cls, socket_context);
}

serve_conn *conn_of(struct MHD_Connection *c)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);

    return ci != NULL ? ci->socket_context : NULL;
}

int conn_is_reserve(const serve_conn *sc) { return sc != NULL && sc->reserve; }

int conn_was_killed(serve_conn *sc)
{
    return sc != NULL && __atomic_load_n(&sc->killed, __ATOMIC_RELAXED);
}

void conn_answering(server *srv, serve_conn *sc)
{
    if (sc == NULL)
        return;
    pthread_mutex_lock(&srv->conn_mu);
    sc->deadline_us = 0;
    pthread_mutex_unlock(&srv->conn_mu);
}

void conn_request_done(server *srv, serve_conn *sc)
{
    if (sc == NULL)
        return;
    pthread_mutex_lock(&srv->conn_mu);
    sc->deadline_us = mono_us() + (sc->reserve ? SERVE_RESERVE_DEADLINE_MS * 1000u
                                               : srv->cfg->request_timeout_s * 1000000u);
    pthread_mutex_unlock(&srv->conn_mu);
}

unsigned conn_reap(server *srv)
{
    uint64_t now = mono_us();
    unsigned n = 0;

    pthread_mutex_lock(&srv->conn_mu);
    for (serve_conn *sc = srv->conns; sc != NULL; sc = sc->next) {
        if (sc->killed || sc->deadline_us == 0 || now < sc->deadline_us)
            continue;
        shutdown(sc->fd, SHUT_RDWR);
        __atomic_store_n(&sc->killed, 1, __ATOMIC_RELAXED);
        n++;
    }
    pthread_mutex_unlock(&srv->conn_mu);
    return n;
}
