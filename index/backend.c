/* backend.c — which backend a path belongs to: the one place, beside
 * xapian/, that knows whether the Xapian backend was built (it is then a
 * module, loaded by module.c). */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "backend.h"
#include "common/internal.h"
#include "common/io.h"

#define NO_XAPIAN "this nsearch was built without the Xapian backend (NS_WITH_XAPIAN=OFF)"

static int has_file(const char *dir, const char *name)
{
    char p[4400];
    struct stat st;
    snprintf(p, sizeof p, "%s/%s", dir, name);
    return nsi_io_stat(p, &st) == 0;
}

/* A stub is text; a single-file glass database is binary. */
static int looks_binary(const char *path)
{
    char b[512];
    int fd = nsi_io_open(path, O_RDONLY | O_CLOEXEC, 0);
    if (fd < 0)
        return 0;
    ssize_t n = nsi_io_read(fd, b, sizeof b);
    nsi_io_close(fd);
    return n > 0 && memchr(b, 0, (size_t)n) != NULL;
}

/* Whether a text file reads as a Xapian stub: its first line that is not
 * empty or a comment starts with a word Xapian 1.4 reads there. Anything
 * else (a JSONL corpus, a text file given by mistake) is no index at all. */
static int looks_stub(const char *path)
{
    char b[513];
    int fd = nsi_io_open(path, O_RDONLY | O_CLOEXEC, 0);
    if (fd < 0)
        return 1; /* the stub reader says what is wrong */
    ssize_t n = nsi_io_read(fd, b, sizeof b - 1);
    nsi_io_close(fd);
    if (n <= 0)
        return 1;
    b[n] = 0;
    for (char *line = b; line && *line;) {
        char *nl = strchr(line, '\n');
        if (*line != '\n' && *line != '#') {
            static const char *const words[] = {"auto ", "glass ", "chert ", "remote "};
            for (size_t i = 0; i < sizeof words / sizeof *words; i++)
                if (!strncmp(line, words[i], strlen(words[i])))
                    return 1;
            return 0;
        }
        line = nl ? nl + 1 : NULL;
    }
    return 1;
}

#ifdef NS_WITH_XAPIAN
/* Puts "path: what" before the module's message in err. */
static void xapian_missing(const char *path, const char *what, char *err)
{
    char why[NSI_ERRMSG];
    snprintf(why, sizeof why, "%s", err);
    nsi_fail(err, NSI_ERRMSG, NS_EUNSUPPORTED, "%s: %s%s", path, what, why);
}
#endif

enum nsi_kind nsi_backend_detect(const char *path)
{
    struct stat st;
    if (!path || nsi_io_stat(path, &st) != 0)
        return NSI_KIND_NATIVE;
    if (S_ISREG(st.st_mode))
        return looks_binary(path) ? NSI_KIND_XAPIAN_FILE
               : looks_stub(path) ? NSI_KIND_XAPIAN_STUB
                                  : NSI_KIND_NOT_INDEX;
    if (!S_ISDIR(st.st_mode) || has_file(path, "COMMIT"))
        return NSI_KIND_NATIVE;
    if (has_file(path, "iamglass") || has_file(path, "iamchert"))
        return NSI_KIND_XAPIAN_DB;
    return has_file(path, "XAPIANDB") ? NSI_KIND_XAPIAN_STUB : NSI_KIND_NATIVE;
}

#define NOT_INDEX                                                                                  \
    "%s: a file, not an index (an index is the folder nindex -d writes; a file is read as an "     \
    "index only as a Xapian database or a stub whose lines start with auto, glass, chert or "      \
    "remote)"
#define NOT_INDEX_JSONL                                                                            \
    "%s: a JSON lines file, not an index: index it with nindex -d DIR %s, then search DIR"

/* The message for a file given as an index: JSON lines (a first '{') get
 * what to do with them. */
static int not_an_index(const char *path, char *err)
{
    char first = 0;
    FILE *f = fopen(path, "rb");
    if (f) {
        int c;
        while ((c = getc(f)) == ' ' || c == '\t' || c == '\n' || c == '\r')
            ;
        first = (char)c;
        fclose(f);
    }
    if (first == '{')
        return nsi_fail(err, NSI_ERRMSG, NS_EINVAL, NOT_INDEX_JSONL, path, path);
    return nsi_fail(err, NSI_ERRMSG, NS_EINVAL, NOT_INDEX, path);
}

const nsi_backend *nsi_backend_for_index(const char *path, int *rc, char *err)
{
    *rc = NS_OK;
    enum nsi_kind kind = nsi_backend_detect(path);
    if (kind == NSI_KIND_NATIVE)
        return &nsi_backend_native;
    if (kind == NSI_KIND_NOT_INDEX) {
        *rc = not_an_index(path, err);
        return NULL;
    }
#ifdef NS_WITH_XAPIAN
    const nsi_backend *b = nsi_module_backend("xapian", rc, err);
    if (!b)
        xapian_missing(path, "a Xapian index, but ", err);
    return b;
#else
    *rc = nsi_fail(err, NSI_ERRMSG, NS_EUNSUPPORTED, "%s: a Xapian index, but %s", path, NO_XAPIAN);
    return NULL;
#endif
}

const nsi_backend *nsi_backend_for_writer(const char *path, const ns_writer_options *opts, int *rc,
                                          char *err)
{
    *rc = NS_OK;
    enum nsi_kind kind = nsi_backend_detect(path);
    if (kind == NSI_KIND_NOT_INDEX) {
        *rc = not_an_index(path, err);
        return NULL;
    }
    if (opts->backend != NS_BACKEND_XAPIAN && kind == NSI_KIND_NATIVE)
        return &nsi_backend_native;
#ifdef NS_WITH_XAPIAN
    const nsi_backend *b = nsi_module_backend("xapian", rc, err);
    if (!b)
        xapian_missing(path, "", err);
    return b;
#else
    *rc = nsi_fail(err, NSI_ERRMSG, NS_EUNSUPPORTED, "%s: %s", path, NO_XAPIAN);
    return NULL;
#endif
}
