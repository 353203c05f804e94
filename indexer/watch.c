/* watch.c — nindex --watch: keep an index up to date as files change.
 *
 * After the first pass (which indexes the operands as any run does and puts
 * an inotify watch on every folder it enters), the run waits for events.
 * Changed paths are gathered until the tree has been quiet for
 * NI_WATCH_QUIET_MS (or NI_WATCH_MAX_MS passed since the first one), then
 * each is looked at once: a file that exists is indexed (unchanged content
 * costs a read and a hash, no analysis), a path that is gone is deleted
 * (with everything below it when it was a folder), a new folder is walked
 * and watched. Then one commit makes the batch visible. The same rules as
 * the walk apply (hidden names, --exclude, --include, the index's own
 * folder). A lost event queue (IN_Q_OVERFLOW) walks every operand again and
 * prunes files that are gone. SIGINT or SIGTERM commits what is pending and
 * ends the run with status 0: it is how a watch stops. */
#include "watch.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "report.h"

#define NI_WATCH_QUIET_MS 200
#define NI_WATCH_MAX_MS 2000
#define NI_WATCH_MASK                                                                              \
    (IN_CLOSE_WRITE | IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO | IN_DELETE_SELF |       \
     IN_MOVE_SELF | IN_ATTRIB | IN_ONLYDIR)

typedef struct watched {
    int wd;
    char *path;      /* the folder */
    size_t root_len; /* its operand's path length (patterns are relative to it) */
} watched;

typedef struct pending {
    char *path;
    size_t root_len;
    int was_dir; /* the event said the entry was a folder */
} pending;

typedef struct watch {
    ni_watch_setup *ws;
    int fd;
    watched *dirs;
    size_t ndirs, capdirs;
    pending *todo;
    size_t ntodo, captodo;
    size_t cur_root_len; /* while walking: the operand's path length */
    int nomem;
    uint64_t added0, updated0, deleted0;
} watch;

static watch *the_watch; /* the walker's on_dir has only its ctx (the operand's) */

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static const watched *find_wd(const watch *w, int wd)
{
    for (size_t i = 0; i < w->ndirs; i++)
        if (w->dirs[i].wd == wd)
            return &w->dirs[i];
    return NULL;
}

static void add_dir(watch *w, const char *path, size_t root_len)
{
    int wd = inotify_add_watch(w->fd, path, NI_WATCH_MASK);
    if (wd < 0) {
        if (errno == ENOSPC)
            ni_msg("%s: not watched: the inotify watch limit is reached (raise "
                   "fs.inotify.max_user_watches)",
                   path);
        else if (errno != ENOENT)
            ni_msg("%s: not watched: %s", path, strerror(errno));
        return;
    }
    for (size_t i = 0; i < w->ndirs; i++)
        if (w->dirs[i].wd == wd) { /* the same folder again (a link, a re-walk) */
            if (strcmp(w->dirs[i].path, path) != 0) {
                char *p = strdup(path);
                if (!p) {
                    w->nomem = 1;
                    return;
                }
                free(w->dirs[i].path);
                w->dirs[i].path = p;
                w->dirs[i].root_len = root_len;
            }
            return;
        }
    if (w->ndirs == w->capdirs) {
        size_t cap = w->capdirs ? w->capdirs * 2 : 64;
        watched *d = realloc(w->dirs, cap * sizeof *d);
        if (!d) {
            w->nomem = 1;
            return;
        }
        w->dirs = d;
        w->capdirs = cap;
    }
    char *p = strdup(path);
    if (!p) {
        w->nomem = 1;
        return;
    }
    w->dirs[w->ndirs++] = (watched){wd, p, root_len};
}

static void forget_wd(watch *w, int wd)
{
    for (size_t i = 0; i < w->ndirs; i++)
        if (w->dirs[i].wd == wd) {
            free(w->dirs[i].path);
            w->dirs[i] = w->dirs[--w->ndirs];
            return;
        }
}

static void queue(watch *w, const char *dir, const char *name, size_t root_len, int is_dir)
{
    if (w->ntodo == w->captodo) {
        size_t cap = w->captodo ? w->captodo * 2 : 64;
        pending *p = realloc(w->todo, cap * sizeof *p);
        if (!p) {
            w->nomem = 1;
            return;
        }
        w->todo = p;
        w->captodo = cap;
    }
    size_t dl = strlen(dir), nl = strlen(name);
    char *path = malloc(dl + 1 + nl + 1);
    if (!path) {
        w->nomem = 1;
        return;
    }
    memcpy(path, dir, dl);
    path[dl] = '/';
    memcpy(path + dl + 1, name, nl + 1);
    w->todo[w->ntodo++] = (pending){path, root_len, is_dir};
}

static int cmp_pending(const void *a, const void *b)
{
    return strcmp(((const pending *)a)->path, ((const pending *)b)->path);
}

/* Walks path (a folder or a file) as the first pass did, watching folders. */
static void walk_path(watch *w, const char *path, size_t root_len)
{
    ni_walker wk = *w->ws->walker;
    wk.on_dir = ni_watch_dir;
    wk.root_len = root_len;
    w->cur_root_len = root_len;
    if (ni_walk(&wk, path) == ENOMEM)
        w->nomem = 1;
}

typedef struct prefix_ctx {
    ni_run *r;
    const char *prefix;
    size_t len;
    int status;
} prefix_ctx;

static int delete_below(void *ctx, const char *id, size_t len)
{
    prefix_ctx *pc = ctx;
    if (len > pc->len && id[pc->len] == '/' && !memcmp(id, pc->prefix, pc->len)) {
        int s = ns_writer_delete(pc->r->w, id, len);
        if (s == NS_OK) {
            pc->r->deleted++;
            pc->r->uncommitted++;
        } else if (s != NS_ENOTFOUND) {
            pc->status = s;
            return 1;
        }
    }
    return 0;
}

static void gone(watch *w, const pending *p)
{
    ni_run *r = w->ws->run;
    int s = ns_writer_delete(r->w, p->path, strlen(p->path));
    if (s == NS_OK) {
        r->deleted++;
        r->uncommitted++;
    } else if (s != NS_ENOTFOUND) {
        ni_fatal(r, s);
        return;
    }
    if (p->was_dir) {
        prefix_ctx pc = {r, p->path, strlen(p->path), NS_OK};
        s = ns_writer_foreach_id(r->w, delete_below, &pc);
        if (s == NS_OK)
            s = pc.status;
        if (s != NS_OK)
            ni_fatal(r, s);
    }
}

static void handle(watch *w, const pending *p)
{
    ni_run *r = w->ws->run;
    struct stat st;
    if (stat(p->path, &st) != 0) {
        if (errno == ENOENT || errno == ENOTDIR)
            gone(w, p);
        return;
    }
    if (!ni_walk_wanted(w->ws->walker, p->path, p->root_len, S_ISDIR(st.st_mode)))
        return;
    if (S_ISDIR(st.st_mode)) {
        walk_path(w, p->path, p->root_len); /* new or moved in: its files, and watches */
    } else if (S_ISREG(st.st_mode)) {
        ni_index_file(r, p->path, p->path, &st);
    }
}

/* Everything again, after the kernel dropped events. */
static void rescan(watch *w)
{
    ni_msg("watch: events were lost (queue overflow); looking at every file again");
    for (int i = 0; i < w->ws->nroots && !ni_stopping(w->ws->run); i++)
        walk_path(w, w->ws->roots[i], strlen(w->ws->roots[i]));
    if (w->ws->prune)
        w->ws->prune(w->ws->run);
}

/* Reads what is queued on the inotify fd; returns 1 if it overflowed. */
static int read_events(watch *w)
{
    char buf[64 * 1024] __attribute__((aligned(__alignof__(struct inotify_event))));
    int overflow = 0;
    for (;;) {
        ssize_t n = read(w->fd, buf, sizeof buf);
        if (n <= 0)
            break;
        for (char *p = buf; p < buf + n;) {
            const struct inotify_event *ev = (const struct inotify_event *)p;
            p += sizeof *ev + ev->len;
            if (ev->mask & IN_Q_OVERFLOW) {
                overflow = 1;
                continue;
            }
            const watched *d = find_wd(w, ev->wd);
            if (!d)
                continue;
            if (ev->mask & IN_IGNORED) {
                forget_wd(w, ev->wd);
                continue;
            }
            if (ev->mask & (IN_DELETE_SELF | IN_MOVE_SELF))
                continue; /* its parent reports the entry */
            if (ev->len == 0 || !ev->name[0])
                continue;
            queue(w, d->path, ev->name, d->root_len, (ev->mask & IN_ISDIR) != 0);
        }
    }
    return overflow;
}

static void batch_done(watch *w)
{
    ni_run *r = w->ws->run;
    if (r->uncommitted && r->fatal == NS_OK)
        ni_commit(r);
    uint64_t a = r->added - w->added0, u = r->updated - w->updated0, d = r->deleted - w->deleted0;
    if ((a || u || d) && !r->quiet && r->fatal == NS_OK) {
        time_t t = time(NULL);
        struct tm tm;
        char when[16];
        localtime_r(&t, &tm);
        strftime(when, sizeof when, "%H:%M:%S", &tm);
        ni_msg("watch %s: %llu added, %llu updated, %llu deleted", when, (unsigned long long)a,
               (unsigned long long)u, (unsigned long long)d);
    }
    w->added0 = r->added;
    w->updated0 = r->updated;
    w->deleted0 = r->deleted;
}

int ni_watch_begin(ni_watch_setup *ws)
{
    watch *w = calloc(1, sizeof *w);
    if (!w)
        return ENOMEM;
    w->ws = ws;
    w->fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (w->fd < 0) {
        int err = errno;
        free(w);
        return err;
    }
    the_watch = w;
    ws->impl = w;
    return 0;
}

void ni_watch_dir(void *ctx, const char *path)
{
    (void)ctx;
    if (the_watch)
        add_dir(the_watch, path, the_watch->cur_root_len);
}

void ni_watch_root(ni_watch_setup *ws, size_t root_len)
{
    ((watch *)ws->impl)->cur_root_len = root_len;
}

int ni_watch_loop(ni_watch_setup *ws)
{
    watch *w = ws->impl;
    ni_run *r = ws->run;
    if (!r->quiet)
        ni_msg("watching %zu folder%s for changes (Ctrl-C to stop)", w->ndirs,
               w->ndirs == 1 ? "" : "s");
    w->added0 = r->added;
    w->updated0 = r->updated;
    w->deleted0 = r->deleted;
    double first = 0;
    while (!ni_stopping(r) && !w->nomem) {
        struct pollfd pfd = {w->fd, POLLIN, 0};
        int timeout = -1;
        if (w->ntodo) {
            double left = NI_WATCH_MAX_MS - (now_ms() - first);
            timeout = left < NI_WATCH_QUIET_MS ? (left > 0 ? (int)left : 0) : NI_WATCH_QUIET_MS;
        }
        int n = poll(&pfd, 1, timeout);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            ni_msg("watch: poll: %s", strerror(errno));
            r->had_errors = 1;
            break;
        }
        if (n > 0) {
            size_t before = w->ntodo;
            if (read_events(w)) {
                for (size_t i = 0; i < w->ntodo; i++)
                    free(w->todo[i].path);
                w->ntodo = 0;
                rescan(w);
                batch_done(w);
                continue;
            }
            if (!before && w->ntodo)
                first = now_ms();
            if (w->ntodo && now_ms() - first < NI_WATCH_MAX_MS)
                continue; /* not quiet yet */
        }
        if (!w->ntodo)
            continue;
        /* quiet (or waited long enough): each path once, in order */
        qsort(w->todo, w->ntodo, sizeof *w->todo, cmp_pending);
        for (size_t i = 0, first_of = 0; i < w->ntodo; i++) {
            if (i > 0 && strcmp(w->todo[i].path, w->todo[first_of].path) == 0) {
                w->todo[first_of].was_dir |= w->todo[i].was_dir;
                w->todo[i].path[0] = '\0'; /* a repeat: looked at once */
            } else {
                first_of = i;
            }
        }
        for (size_t i = 0; i < w->ntodo && !ni_stopping(r); i++)
            if (w->todo[i].path[0])
                handle(w, &w->todo[i]);
        for (size_t i = 0; i < w->ntodo; i++)
            free(w->todo[i].path);
        w->ntodo = 0;
        batch_done(w);
    }
    if (w->nomem) {
        ni_msg("watch: out of memory");
        r->had_errors = 1;
    }
    /* what was gathered but not looked at yet */
    for (size_t i = 0; i < w->ntodo && r->fatal == NS_OK; i++)
        if (w->todo[i].path[0])
            handle(w, &w->todo[i]);
    for (size_t i = 0; i < w->ntodo; i++)
        free(w->todo[i].path);
    w->ntodo = 0;
    batch_done(w);
    return 0;
}

void ni_watch_end(ni_watch_setup *ws)
{
    watch *w = ws->impl;
    if (!w)
        return;
    for (size_t i = 0; i < w->ndirs; i++)
        free(w->dirs[i].path);
    free(w->dirs);
    free(w->todo);
    close(w->fd);
    free(w);
    the_watch = NULL;
    ws->impl = NULL;
}
