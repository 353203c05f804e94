/* test_xapian_remote.c — searching shards served by xapian-tcpsrv.
 *
 * The Cranfield collection is indexed twice through the public API: as one
 * Xapian database, and as three shards. Each shard is then served by its own
 * xapian-tcpsrv on 127.0.0.1 (an ephemeral port, another one if it is
 * taken), and a stub lists the three servers. For random queries, the stub of
 * remote shards must return the same top 10 as the single database: the same
 * ids in the same order, scores equal within 1e-9 relative (the statistics
 * are global across shards), but that ties rank in Xapian's docid order,
 * which differs between one database and shards (same_ranking). Then one server is killed: a search
 * fails with NS_EIO naming that shard, unless the index allows partial results, when it warns and
 * searches the others.
 *
 * Each server runs in its own process group (xapian-tcpsrv forks a child per
 * connection, and signals its whole group when it stops), with
 * PR_SET_PDEATHSIG so that it dies with this program however it ends; the
 * groups are killed and the servers reaped at the end. */
#ifndef NS_WITH_XAPIAN
#include <stdio.h>
int main(void)
{
    puts("SKIPPED: built without Xapian (NS_WITH_XAPIAN=OFF)");
    return 77; /* NST_SKIPPED: CTest shows it as skipped */
}
#else
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>

#include <math.h>

#include "corpus.h"
#include "nsearch.h"
#include "nstest.h"

#define NSHARDS 3

static tcorpus C;
static char *BASE, ONE[4200], SHARDED[4200], STUB[4200];
/* the shards' servers, then one more with a short idle timeout */
static pid_t server[NSHARDS + 1];
static unsigned port[NSHARDS + 1];
static char err[NS_ERRBUF_SIZE];

/* SIGTERM first; then SIGKILL to the whole group, because a connection's
 * child can outlive its server (xapian-tcpsrv's SIGTERM handler has been
 * seen to hang in a child). */
static void stop_servers(void)
{
    for (int i = 0; i <= NSHARDS; i++)
        if (server[i] > 0)
            kill(-server[i], SIGTERM);
    for (int i = 0; i <= NSHARDS; i++) {
        if (server[i] <= 0)
            continue;
        for (int waited = 0; waited < 100 && waitpid(server[i], NULL, WNOHANG) == 0; waited++)
            nanosleep(&(struct timespec){0, 10000000}, NULL);
        kill(-server[i], SIGKILL);
        waitpid(server[i], NULL, 0);
        server[i] = 0;
    }
}

static unsigned pick_port(void)
{
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {0};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    if (bind(s, (struct sockaddr *)&a, sizeof a) || getsockname(s, (struct sockaddr *)&a, &len))
        a.sin_port = 0;
    close(s);
    return ntohs(a.sin_port);
}

static int accepts(unsigned p)
{
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {0};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons((uint16_t)p);
    int ok = connect(s, (struct sockaddr *)&a, sizeof a) == 0;
    close(s);
    return ok;
}

/* Serves dir on a free port of 127.0.0.1; another port when one is taken
 * between picking and binding. Returns 0 when the server listens. */
static int serve(int i, const char *dir, const char *idle_ms)
{
    for (int attempt = 0; attempt < 10; attempt++) {
        unsigned p = pick_port();
        char ps[16];
        snprintf(ps, sizeof ps, "%u", p);
        pid_t pid = fork();
        if (pid == 0) {
            /* its own process group: xapian-tcpsrv signals its group when
             * it stops (it forks a child per connection) */
            setpgid(0, 0);
            prctl(PR_SET_PDEATHSIG, SIGKILL);
            int null = open("/dev/null", O_WRONLY);
            dup2(null, 1);
            dup2(null, 2);
            if (idle_ms)
                execlp("xapian-tcpsrv", "xapian-tcpsrv", "--interface", "127.0.0.1", "--port", ps,
                       "--quiet", "--idle-timeout", idle_ms, dir, (char *)NULL);
            else
                execlp("xapian-tcpsrv", "xapian-tcpsrv", "--interface", "127.0.0.1", "--port", ps,
                       "--quiet", dir, (char *)NULL);
            _exit(127);
        }
        for (int waited = 0; waited < 500; waited++) { /* 5 s */
            int st;
            if (waitpid(pid, &st, WNOHANG) == pid) {
                if (WIFEXITED(st) && WEXITSTATUS(st) == 127)
                    return -1; /* not installed */
                break;         /* the port was taken: another one */
            }
            if (accepts(p)) {
                server[i] = pid;
                port[i] = p;
                return 0;
            }
            nanosleep(&(struct timespec){0, 10000000}, NULL);
        }
        kill(-pid, SIGKILL);
        waitpid(pid, NULL, 0);
    }
    return -1;
}

static void build(const char *dir, unsigned shards)
{
    ns_writer_options wo = NS_WRITER_OPTIONS_INIT;
    wo.backend = NS_BACKEND_XAPIAN;
    wo.shards = shards;
    ns_writer *w;
    if (ns_writer_open(&w, dir, &wo, err, sizeof err)) {
        fprintf(stderr, "%s\n", err);
        exit(1);
    }
    for (size_t i = 0; i < C.n; i++) {
        ns_doc d = {.id = C.d[i].id,
                    .id_len = C.d[i].id_len,
                    .title = C.d[i].title,
                    .title_len = C.d[i].title_len,
                    .body = C.d[i].body,
                    .body_len = C.d[i].body_len};
        if (ns_writer_put(w, &d, NULL)) {
            fprintf(stderr, "%s\n", ns_writer_errmsg(w));
            exit(1);
        }
    }
    if (ns_writer_commit(w)) {
        fprintf(stderr, "%s\n", ns_writer_errmsg(w));
        exit(1);
    }
    ns_writer_close(w);
}

static void setup(void)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/corpora/cranfield/docs.jsonl", nst_shared_dir());
    if (tc_load(&C, path, 0) != 0 || C.n == 0) {
        fprintf(stderr, "cannot read %s\n", path);
        exit(1);
    }
    BASE = strdup(tc_tmpdir("remote"));
    snprintf(ONE, sizeof ONE, "%s/one", BASE);
    snprintf(SHARDED, sizeof SHARDED, "%s/sharded", BASE);
    snprintf(STUB, sizeof STUB, "%s/remote.stub", BASE);
    build(ONE, 0);
    build(SHARDED, NSHARDS);
    atexit(stop_servers);
    for (int i = 0; i < NSHARDS; i++) {
        char dir[4300];
        snprintf(dir, sizeof dir, "%s/shard-%d", SHARDED, i);
        if (serve(i, dir, NULL)) {
            nst_skip("xapian-tcpsrv could not be started (is xapian-tools installed?)");
            return;
        }
    }
    FILE *f = fopen(STUB, "w"); /* after the forks: the servers inherit no file */
    fprintf(f, "# three xapian-tcpsrv on this machine\n");
    for (int i = 0; i < NSHARDS; i++)
        fprintf(f, "remote 127.0.0.1:%u\n", port[i]);
    fclose(f);
}

/* ------------------------------------------------------------ queries */

static uint64_t rng = 0x2545f4914f6cdd1dULL;
static uint64_t next_rand(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

typedef struct pick {
    const char *src;
    size_t want, seen;
    char out[48];
} pick;

static int take(void *vc, const char *term, size_t len, uint32_t pos, size_t s, size_t e)
{
    pick *p = vc;
    (void)term, (void)len, (void)pos;
    if (e - s < 4 || e - s >= sizeof p->out || p->seen++ < p->want)
        return 0;
    for (size_t i = s; i < e; i++)
        if (!((p->src[i] >= 'a' && p->src[i] <= 'z') || (p->src[i] >= 'A' && p->src[i] <= 'Z')))
            return 0;
    memcpy(p->out, p->src + s, e - s);
    p->out[e - s] = 0;
    return 1;
}

static void random_word(char *out, size_t len)
{
    for (;;) {
        const tdoc *d = &C.d[next_rand() % C.n];
        pick p = {d->body, next_rand() % 60, 0, ""};
        ns_analyze("english", d->body, d->body_len, take, &p);
        if (p.out[0]) {
            snprintf(out, len, "%s", p.out);
            return;
        }
    }
}

static void random_query(int i, char *q, size_t len)
{
    char a[48], b[48], c[48];
    random_word(a, sizeof a);
    random_word(b, sizeof b);
    random_word(c, sizeof c);
    switch (i % 4) {
    case 0:
        snprintf(q, len, "%s %s", a, b);
        break;
    case 1:
        snprintf(q, len, "%s OR %s OR %s", a, b, c);
        break;
    case 2:
        snprintf(q, len, "%.4s* OR title:%s", a, b);
        break;
    default:
        snprintf(q, len, "%s OR %s -%s", a, b, c);
        break;
    }
}

typedef struct top {
    int rc;
    size_t n;
    char id[10][64];
    double score[10];
} top;

static void top10(ns_index *idx, const char *text, top *t)
{
    memset(t, 0, sizeof *t);
    ns_query *q;
    ns_results *r = NULL;
    if ((t->rc = ns_query_parse(&q, idx, text, strlen(text), NULL, err, sizeof err, NULL)))
        return;
    if (!(t->rc = ns_search(&r, idx, q, NULL))) {
        t->n = ns_results_count(r);
        for (size_t i = 0; i < t->n; i++) {
            ns_hit h;
            ns_results_hit(r, i, &h);
            snprintf(t->id[i], sizeof t->id[i], "%.*s", (int)h.id_len, h.id);
            t->score[i] = h.score;
        }
    }
    ns_results_free(r);
    ns_query_free(q);
}

static int same_score(double x, double y) { return fabs(x - y) <= 1e-9 * fabs(x); }

/* The same scores at every rank and the same ids, but that documents of
 * equal score (a tie) rank in Xapian's docid order, which differs between
 * one database and shards: a tie inside the top 10 must hold the same ids in
 * any order, and the last tie (or single hit) of a full top 10 may hold
 * other documents of that score that did not fit. */
static int same_ranking(const top *a, const top *b)
{
    if (a->n != b->n)
        return 0;
    for (size_t k = 0; k < a->n; k++)
        if (!same_score(a->score[k], b->score[k]))
            return 0;
    for (size_t k = 0, e; k < a->n; k = e) {
        for (e = k + 1; e < a->n && same_score(a->score[e], a->score[k]);)
            e++;
        if (e == a->n && a->n == 10)
            break; /* cut by the window */
        for (size_t i = k; i < e; i++) {
            int found = 0;
            for (size_t j = k; j < e && !found; j++)
                found = !strcmp(a->id[i], b->id[j]);
            if (!found)
                return 0;
        }
    }
    return 1;
}

static void test_remote_shards_rank_as_one_database(void)
{
    ns_index *one, *remote;
    CHECK_EQ_INT(ns_index_open(&one, ONE, err, sizeof err), NS_OK);
    CHECK_EQ_INT(ns_index_open(&remote, STUB, err, sizeof err), NS_OK);
    ns_stats s1, s2;
    CHECK_EQ_INT(ns_index_stats(one, &s1), NS_OK);
    CHECK_EQ_INT(ns_index_stats(remote, &s2), NS_OK);
    CHECK_EQ_INT(s2.documents, C.n);
    CHECK_EQ_INT(s2.segments, NSHARDS);
    int nq = 0, same = 0;
    char text[256];
    for (int i = 0; i < 60; i++) {
        random_query(i, text, sizeof text);
        top a, b;
        top10(one, text, &a);
        top10(remote, text, &b);
        CHECK_EQ_INT(a.rc, NS_OK);
        CHECK_EQ_INT(b.rc, NS_OK);
        int ok = same_ranking(&a, &b);
        if (!ok)
            fprintf(stderr, "%s: one database and remote shards differ (%zu / %zu hits)\n", text,
                    a.n, b.n);
        CHECK(ok);
        nq++;
        same += ok;
    }
    printf(
        "remote: %d queries, %d with the same top 10 (scores; ids, ties apart) as one database\n",
        nq, same);
    ns_index_close(one);
    ns_index_close(remote);
}

/* A server closes a connection idle for longer than its --idle-timeout: the
 * next search reconnects by itself. */
static void test_an_idle_connection_is_reopened(void)
{
    char dir[4300], stub[4300];
    snprintf(dir, sizeof dir, "%s/shard-0", SHARDED);
    snprintf(stub, sizeof stub, "%s/idle.stub", BASE);
    CHECK_EQ_INT(serve(NSHARDS, dir, "200"), 0);
    FILE *f = fopen(stub, "w");
    fprintf(f, "remote 127.0.0.1:%u\n", port[NSHARDS]);
    fclose(f);
    ns_index *idx;
    int rc = ns_index_open(&idx, stub, err, sizeof err);
    if (rc)
        fprintf(stderr, "%s\n", err);
    CHECK_EQ_INT(rc, NS_OK);
    if (rc)
        return;
    top a, b;
    top10(idx, "flow OR wing", &a);
    CHECK_EQ_INT(a.rc, NS_OK);
    nanosleep(&(struct timespec){0, 700000000}, NULL);
    top10(idx, "flow OR wing", &b);
    if (b.rc)
        fprintf(stderr, "after the idle timeout: %s\n", ns_index_errmsg(idx));
    CHECK_EQ_INT(b.rc, NS_OK);
    CHECK(a.n > 0 && a.n == b.n && !strcmp(a.id[0], b.id[0]));
    ns_index_close(idx);
}

static int contains_all(const char *s, const char *a, const char *b)
{
    return s && strstr(s, a) && strstr(s, b);
}

static void test_a_dead_shard_is_named(void)
{
    ns_index *strict, *partial;
    ns_index_options io = NS_INDEX_OPTIONS_INIT;
    io.allow_partial = 1;
    CHECK_EQ_INT(ns_index_open(&strict, STUB, err, sizeof err), NS_OK);
    CHECK_EQ_INT(ns_index_open_with(&partial, STUB, &io, err, sizeof err), NS_OK);
    top t;
    top10(strict, "flow OR wing", &t);
    CHECK_EQ_INT(t.rc, NS_OK);
    size_t all = t.n;
    /* the second server dies between two searches, with the child that
     * serves our connection */
    kill(-server[1], SIGKILL);
    waitpid(server[1], NULL, 0);
    server[1] = 0;
    char name[64];
    snprintf(name, sizeof name, "shard 127.0.0.1:%u unreachable", port[1]);
    top10(strict, "flow OR wing", &t);
    CHECK_EQ_INT(t.rc, NS_EIO);
    const char *m = ns_index_errmsg(strict);
    if (!contains_all(m, name, "partial"))
        fprintf(stderr, "message: %s\n", m ? m : "(none)");
    CHECK(contains_all(m, name, "partial"));
    /* and again: the index stays usable, and keeps saying which */
    top10(strict, "flow", &t);
    CHECK_EQ_INT(t.rc, NS_EIO);
    CHECK(contains_all(ns_index_errmsg(strict), name, ""));
    /* allow_partial: the others answer, with a warning naming the lost one */
    top10(partial, "flow OR wing", &t);
    CHECK_EQ_INT(t.rc, NS_OK);
    CHECK(t.n > 0 && t.n <= all);
    const char *w = ns_index_warning(partial);
    CHECK(contains_all(w, name, "results are partial"));
    ns_index_close(strict);
    ns_index_close(partial);
    /* opening now fails at once, naming the shard */
    CHECK_EQ_INT(ns_index_open(&strict, STUB, err, sizeof err), NS_EIO);
    CHECK(contains_all(err, name, "--allow-partial"));
}

static void teardown(void)
{
    stop_servers();
    if (BASE)
        tc_rmdir(BASE);
    free(BASE);
    BASE = NULL;
    tc_free(&C);
}

NS_TEST_MAIN_FIXTURE(setup, teardown, NST(test_remote_shards_rank_as_one_database),
                     NST(test_an_idle_connection_is_reopened), NST(test_a_dead_shard_is_named))
#endif
