/* seam.c — recognising what a path holds, and the public entry points that
 * span both backends. Built with or without Xapian. */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/internal.h"
#include "read/reader.h"
#include "xap.h"

static int has_file(const char *dir, const char *name)
{
    char p[4400];
    struct stat st;
    snprintf(p, sizeof p, "%s/%s", dir, name);
    return stat(p, &st) == 0;
}

/* A stub is text; a single-file glass database is binary. */
static int looks_binary(const char *path)
{
    char b[512];
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 0;
    ssize_t n = read(fd, b, sizeof b);
    close(fd);
    return n > 0 && memchr(b, 0, (size_t)n) != NULL;
}

enum nsi_xkind nsi_xap_detect(const char *path)
{
    struct stat st;
    if (!path || stat(path, &st) != 0)
        return NSI_XKIND_OTHER;
    if (S_ISREG(st.st_mode))
        return looks_binary(path) ? NSI_XKIND_FILE : NSI_XKIND_STUB;
    if (!S_ISDIR(st.st_mode) || has_file(path, "COMMIT"))
        return NSI_XKIND_OTHER;
    if (has_file(path, "iamglass") || has_file(path, "iamchert"))
        return NSI_XKIND_DB;
    return has_file(path, "XAPIANDB") ? NSI_XKIND_STUB : NSI_XKIND_OTHER;
}

int nsi_xap_writer_wanted(const char *path, const ns_writer_options *opts)
{
    if (opts && opts->version >= 2 && opts->backend == NS_BACKEND_XAPIAN)
        return 1;
    return nsi_xap_detect(path) != NSI_XKIND_OTHER;
}

int ns_index_open_with(ns_index **out, const char *path, const ns_index_options *opts, char *errbuf,
                       size_t errbuf_len)
{
    *out = NULL;
    if (nsi_xap_detect(path) != NSI_XKIND_OTHER)
        return nsi_xap_index_open(out, path, opts, errbuf, errbuf_len);
    return ns_index_open(out, path, errbuf, errbuf_len);
}

const char *ns_index_warning(ns_index *idx)
{
    return idx && idx->xap ? nsi_xap_warning(idx->xap) : NULL;
}
