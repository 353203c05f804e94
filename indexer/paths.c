/* paths.c — path helpers for the CLI (see paths.h). */
#include "paths.h"

#include <errno.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "nsearch.h"

static int buf_errno(int st) { return st == NS_OK ? 0 : st == NS_ENOMEM ? ENOMEM : ENAMETOOLONG; }

/* Rewrites the absolute path in b (from byte 0) without ".", ".." and
 * repeated slashes. Works in place: the result is never longer. */
static void normalise(nsi_buf *b)
{
    char *s = b->str;
    size_t in = 0, out = 0, n = b->len;
    while (in < n) {
        while (in < n && s[in] == '/')
            in++;
        size_t start = in;
        while (in < n && s[in] != '/')
            in++;
        size_t len = in - start;
        if (len == 0 || (len == 1 && s[start] == '.'))
            continue;
        if (len == 2 && s[start] == '.' && s[start + 1] == '.') {
            while (out > 0 && s[out - 1] != '/')
                out--;
            if (out > 0)
                out--; /* the slash; ".." of "/" is "/" */
            continue;
        }
        s[out++] = '/';
        memmove(s + out, s + start, len);
        out += len;
    }
    if (out == 0)
        s[out++] = '/';
    b->len = out;
    s[out] = '\0';
}

int ni_path_absolute(const char *given, nsi_buf *out)
{
    int st = NS_OK;
    nsi_buf_reset(out);
    if (given[0] != '/') {
        char *cwd = getcwd(NULL, 0);
        if (!cwd)
            return errno;
        st = nsi_buf_puts(out, cwd);
        free(cwd);
        if (st == NS_OK)
            st = nsi_buf_putc(out, '/');
    }
    if (st == NS_OK)
        st = nsi_buf_puts(out, given);
    if (st != NS_OK)
        return buf_errno(st);
    normalise(out);
    return 0;
}

int ni_default_index(nsi_buf *out)
{
    const char *env = getenv("NSEARCH_INDEX");
    const char *base, *rest;
    if (env && *env)
        return ni_path_absolute(env, out);
    /* The XDG spec says relative values are to be ignored. */
    if ((base = getenv("XDG_DATA_HOME")) && base[0] == '/') {
        rest = "/nsearch/index";
    } else {
        base = getenv("HOME");
        if (!base || !*base) {
            struct passwd *pw = getpwuid(getuid());
            base = pw ? pw->pw_dir : NULL;
        }
        if (!base || !*base)
            return ENOENT;
        rest = "/.local/share/nsearch/index";
    }
    nsi_buf_reset(out);
    int st = nsi_buf_puts(out, base);
    if (st == NS_OK)
        st = nsi_buf_puts(out, rest);
    if (st != NS_OK)
        return buf_errno(st);
    normalise(out);
    return 0;
}

int ni_make_parents(const char *path, nsi_buf *failed)
{
    nsi_buf dir = {0};
    int err = buf_errno(nsi_buf_puts(&dir, path));
    char *slash = err ? NULL : strrchr(dir.str, '/');
    if (!slash || slash == dir.str) {
        nsi_buf_free(&dir);
        return err;
    }
    *slash = '\0';
    /* Make each prefix in turn; existing ones are fine. */
    for (char *p = dir.str + 1; !err; p++) {
        int last = *p == '\0';
        if (*p != '/' && !last)
            continue;
        *p = '\0';
        struct stat st;
        if (mkdir(dir.str, 0777) != 0 && errno != EEXIST)
            err = errno;
        else if (stat(dir.str, &st) != 0)
            err = errno;
        else if (!S_ISDIR(st.st_mode))
            err = ENOTDIR;
        if (err && failed) {
            nsi_buf_reset(failed);
            nsi_buf_puts(failed, dir.str);
        }
        if (last)
            break;
        *p = '/';
    }
    nsi_buf_free(&dir);
    return err;
}
