/* walk.c — recursive folder walk without recursion (see walk.h).
 *
 * An explicit stack of open folders holds each folder's sorted names, so
 * depth costs heap, not C stack. Visited folders are remembered by
 * (device, inode) for the whole walk: a symbolic link back to an ancestor
 * (a loop) or to a folder already indexed is not entered again. */
#include "walk.h"

#include <dirent.h>
#include <errno.h>
#include <fnmatch.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"

/* Caps that turn a pathological tree into an error instead of exhausting
 * memory. */
#define NI_MAX_DIR_ENTRIES (64u << 20)
#define NI_MAX_VISITED (64u << 20)

typedef struct dir_id {
    dev_t dev;
    ino_t ino;
} dir_id;

/* Open-addressing set of folder ids; slot ino 0 with used 0 is empty. */
typedef struct visited_set {
    dir_id *slots;
    unsigned char *used;
    size_t cap, n;
} visited_set;

typedef struct frame {
    char **names;
    size_t n, next;
    size_t path_len; /* length of the folder's path in the walk's path buffer */
    dir_id id;
} frame;

typedef struct walk {
    const ni_walker *wk;
    nsi_buf path;
    frame *stack;
    size_t depth, stack_cap;
    visited_set seen;
    size_t root_len; /* length of the walked folder's path in path */
    int nomem;
} walk;

static size_t hash_id(dir_id id)
{
    uint64_t h = (uint64_t)id.ino * 0x9E3779B97F4A7C15ull ^ (uint64_t)id.dev;
    return (size_t)(h ^ h >> 29);
}

static int set_grow(visited_set *s)
{
    size_t cap = s->cap ? s->cap * 2 : 256;
    if (cap > NI_MAX_VISITED)
        return -1;
    dir_id *slots = calloc(cap, sizeof *slots);
    unsigned char *used = calloc(cap, 1);
    if (!slots || !used) {
        free(slots);
        free(used);
        return -1;
    }
    for (size_t i = 0; i < s->cap; i++) {
        if (!s->used[i])
            continue;
        size_t j = hash_id(s->slots[i]) & (cap - 1);
        while (used[j])
            j = (j + 1) & (cap - 1);
        slots[j] = s->slots[i];
        used[j] = 1;
    }
    free(s->slots);
    free(s->used);
    s->slots = slots;
    s->used = used;
    s->cap = cap;
    return 0;
}

/* Adds id; returns 1 if it was new, 0 if already there, -1 on ENOMEM. */
static int set_add(visited_set *s, dir_id id)
{
    if ((s->n + 1) * 2 > s->cap && set_grow(s) != 0)
        return -1;
    size_t j = hash_id(id) & (s->cap - 1);
    for (; s->used[j]; j = (j + 1) & (s->cap - 1))
        if (s->slots[j].dev == id.dev && s->slots[j].ino == id.ino)
            return 0;
    s->slots[j] = id;
    s->used[j] = 1;
    s->n++;
    return 1;
}

static void problem(walk *w, const char *path, enum ni_reason why, const char *fmt,
                    const char *detail)
{
    char msg[512];
    if (!w->wk->on_problem)
        return;
    snprintf(msg, sizeof msg, fmt, detail);
    w->wk->on_problem(w->wk->ctx, path, why, msg);
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void free_names(char **names, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
}

/* Reads the visible names of the folder at w->path, sorted. */
static int read_names(walk *w, char ***out, size_t *count)
{
    char **names = NULL;
    size_t n = 0, cap = 0;
    DIR *d = opendir(w->path.str);
    *out = NULL;
    *count = 0;
    if (!d)
        return errno;
    struct dirent *de;
    int err = 0;
    for (errno = 0; (de = readdir(d)) != NULL; errno = 0) {
        if (de->d_name[0] == '.')
            continue;
        if (n == cap) {
            size_t ncap = cap ? cap * 2 : 32;
            char **p = ncap <= NI_MAX_DIR_ENTRIES ? realloc(names, ncap * sizeof *p) : NULL;
            if (!p) {
                err = ENOMEM;
                break;
            }
            names = p;
            cap = ncap;
        }
        if (!(names[n] = strdup(de->d_name))) {
            err = ENOMEM;
            break;
        }
        n++;
    }
    if (!err && errno)
        err = errno;
    closedir(d);
    if (n > 1) /* an empty folder has no array: qsort must not see NULL */
        qsort(names, n, sizeof *names, cmp_names);
    *out = names;
    *count = n;
    return err;
}

/* Whether id is a folder on the current path (a link back to an ancestor). */
static int on_stack(const walk *w, dir_id id)
{
    for (size_t i = 0; i < w->depth; i++)
        if (w->stack[i].id.dev == id.dev && w->stack[i].id.ino == id.ino)
            return 1;
    return 0;
}

/* Whether the folder at path holds an index: nsearch's COMMIT (by its
 * magic, docs/format.md) or a Xapian database or stub. */
static const char *index_kind(const char *path)
{
    static const char *const xapian[] = {"iamglass", "iamchert", "XAPIANDB"};
    char p[8192];
    struct stat st;
    for (size_t i = 0; i < sizeof xapian / sizeof *xapian; i++) {
        snprintf(p, sizeof p, "%s/%s", path, xapian[i]);
        if (stat(p, &st) == 0)
            return "a Xapian database";
    }
    snprintf(p, sizeof p, "%s/COMMIT", path);
    FILE *f = fopen(p, "rb");
    if (!f)
        return NULL;
    char magic[8];
    int is = fread(magic, 1, 8, f) == 8 && !memcmp(magic, "NSCOMMIT", 8);
    fclose(f);
    return is ? "an nsearch index" : NULL;
}

/* Whether the entry now in w->path (named name) matches one of pats: by its
 * name, or by its path below the walked folder. */
static int matches(const walk *w, const char *name, const char *const *pats, int n)
{
    const char *rel = w->path.str + w->root_len;
    while (*rel == '/')
        rel++;
    for (int i = 0; i < n; i++)
        if (fnmatch(pats[i], name, 0) == 0 || fnmatch(pats[i], rel, FNM_PATHNAME) == 0)
            return 1;
    return 0;
}

/* Enters the folder at w->path (already stat'ed as st). */
static void push_dir(walk *w, const struct stat *st)
{
    dir_id id = {st->st_dev, st->st_ino};
    const ni_walker *wk = w->wk;
    if (wk->have_skip && id.dev == wk->skip_dev && id.ino == wk->skip_ino)
        return; /* the index's own folder */
    const char *kind = index_kind(w->path.str);
    if (kind) {
        problem(w, w->path.str, NI_UNSUPPORTED,
                "skipped: %s, not documents (search it with nsearch -d)", kind);
        return;
    }
    int added = set_add(&w->seen, id);
    if (added < 0) {
        w->nomem = 1;
        return;
    }
    if (!added) {
        if (on_stack(w, id))
            problem(w, w->path.str, NI_NREASONS, "not followed: symbolic link loop%s", "");
        return; /* reached before by another path: indexed once */
    }
    if (w->depth == w->stack_cap) {
        size_t cap = w->stack_cap ? w->stack_cap * 2 : 16;
        frame *p = realloc(w->stack, cap * sizeof *p);
        if (!p) {
            w->nomem = 1;
            return;
        }
        w->stack = p;
        w->stack_cap = cap;
    }
    if (wk->on_dir)
        wk->on_dir(wk->ctx, w->path.str);
    frame *f = &w->stack[w->depth];
    memset(f, 0, sizeof *f);
    f->id = id;
    f->path_len = w->path.len;
    int err = read_names(w, &f->names, &f->n);
    if (err == ENOMEM)
        w->nomem = 1;
    else if (err)
        problem(w, w->path.str, NI_UNREADABLE, "skipped: cannot read folder (%s)", strerror(err));
    w->depth++;
}

/* Visits the entry now in w->path, found inside a folder. */
static void visit_entry(walk *w)
{
    struct stat st;
    if (stat(w->path.str, &st) != 0) {
        int err = errno;
        struct stat lst;
        if (err == ELOOP)
            problem(w, w->path.str, NI_BROKEN_LINK, "skipped: %s", "symbolic link loop");
        else if (err == ENOENT && lstat(w->path.str, &lst) == 0 && S_ISLNK(lst.st_mode))
            problem(w, w->path.str, NI_BROKEN_LINK, "skipped: %s", "broken symbolic link");
        else if (err != ENOENT) /* ENOENT: removed since the folder was read */
            problem(w, w->path.str, NI_UNREADABLE, "skipped: %s", strerror(err));
        return;
    }
    if (S_ISDIR(st.st_mode))
        push_dir(w, &st);
    else if (S_ISREG(st.st_mode)) {
        const char *name = strrchr(w->path.str, '/');
        name = name ? name + 1 : w->path.str;
        /* --include: inside a folder, only the files it names */
        if (w->depth > 0 && w->wk->ninclude && !matches(w, name, w->wk->include, w->wk->ninclude))
            return;
        w->wk->on_file(w->wk->ctx, w->path.str, &st);
    } else /* not documents, and a FIFO is never opened: that would block */
        problem(w, w->path.str, NI_UNSUPPORTED, "skipped: %s",
                S_ISFIFO(st.st_mode)   ? "a named pipe (FIFO), not a file"
                : S_ISSOCK(st.st_mode) ? "a socket, not a file"
                : S_ISCHR(st.st_mode)  ? "a character device, not a file"
                : S_ISBLK(st.st_mode)  ? "a block device, not a file"
                                       : "not a regular file");
}

static void walk_tree(walk *w, const struct stat *root)
{
    push_dir(w, root);
    while (w->depth && !w->nomem) {
        if (w->wk->stop && w->wk->stop(w->wk->ctx))
            break;
        frame *f = &w->stack[w->depth - 1];
        if (f->next == f->n) {
            free_names(f->names, f->n);
            w->path.len = f->path_len;
            w->path.str[w->path.len] = '\0';
            w->depth--;
            continue;
        }
        const char *name = f->names[f->next++];
        w->path.len = f->path_len;
        int st = w->path.len > 1 ? nsi_buf_putc(&w->path, '/') : NS_OK; /* "/" + name */
        if (st == NS_OK)
            st = nsi_buf_puts(&w->path, name);
        if (st != NS_OK) {
            w->nomem = 1;
            break;
        }
        if (w->wk->nexclude && matches(w, name, w->wk->exclude, w->wk->nexclude))
            continue;
        visit_entry(w);
    }
    while (w->depth) {
        frame *f = &w->stack[--w->depth];
        free_names(f->names, f->n);
    }
}

int ni_walk(const ni_walker *wk, const char *path)
{
    walk w = {0};
    w.wk = wk;
    struct stat st;
    if (stat(path, &st) != 0) {
        int err = errno;
        problem(&w, path, err == ENOENT ? NI_NOTFOUND : NI_UNREADABLE, "%s", strerror(err));
        return 0;
    }
    if (!S_ISDIR(st.st_mode)) {
        wk->on_file(wk->ctx, path, &st);
        return 0;
    }
    if (nsi_buf_puts(&w.path, path) != NS_OK)
        return ENOMEM;
    w.root_len = wk->root_len && wk->root_len <= w.path.len ? wk->root_len : w.path.len;
    walk_tree(&w, &st);
    nsi_buf_free(&w.path);
    free(w.stack);
    free(w.seen.slots);
    free(w.seen.used);
    return w.nomem ? ENOMEM : 0;
}

int ni_walk_wanted(const ni_walker *wk, const char *path, size_t root_len, int is_dir)
{
    size_t len = strlen(path);
    if (root_len > len)
        return 0;
    const char *rel = path + root_len;
    while (*rel == '/')
        rel++;
    if (!*rel)
        return 1; /* the operand itself */
    /* every component below the operand, as the walk meets them: hidden or
     * excluded (by its name or its path below the operand) ends it */
    char buf[PATH_MAX];
    size_t rlen = strlen(rel);
    if (rlen >= sizeof buf)
        return 0;
    memcpy(buf, rel, rlen + 1);
    const char *name = buf;
    for (size_t i = 0;; i++) {
        if (buf[i] != '/' && buf[i] != '\0')
            continue;
        char saved = buf[i];
        buf[i] = '\0';
        if (*name == '.')
            return 0;
        for (int k = 0; k < wk->nexclude; k++)
            if (fnmatch(wk->exclude[k], name, 0) == 0 ||
                fnmatch(wk->exclude[k], buf, FNM_PATHNAME) == 0)
                return 0;
        buf[i] = saved;
        if (saved == '\0')
            break;
        name = buf + i + 1;
    }
    if (is_dir || wk->ninclude == 0)
        return 1;
    for (int k = 0; k < wk->ninclude; k++)
        if (fnmatch(wk->include[k], name, 0) == 0 ||
            fnmatch(wk->include[k], buf, FNM_PATHNAME) == 0)
            return 1;
    return 0;
}
